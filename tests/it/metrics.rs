//! `run --metrics`: a real run against the embedded broker, scraped over HTTP while it goes
//! and after each case, the exposition read with a Prometheus text-format parser; scrapers
//! that misbehave; a port in use; and the Grafana dashboard's queries against the names the
//! exporter emits.

use crate::common;
use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use mqtt_cipher_bench::results::{self, CaseResult, CaseStatus, RunStatus};
use mqtt_cipher_bench::run::{self, Progress, RunOptions, metrics::Exporter};
use prometheus_parse::{Sample, Scrape, Value};

/// GET /metrics over a plain socket; the status and headers read with httparse, the body
/// with prometheus-parse.
fn scrape(addr: SocketAddr) -> Result<Scrape, String> {
    let mut s =
        TcpStream::connect_timeout(&addr, Duration::from_secs(5)).map_err(|e| e.to_string())?;
    s.set_read_timeout(Some(Duration::from_secs(20)))
        .map_err(|e| e.to_string())?;
    s.write_all(b"GET /metrics HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n")
        .map_err(|e| e.to_string())?;
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).map_err(|e| e.to_string())?;
    let mut headers = [httparse::EMPTY_HEADER; 16];
    let mut resp = httparse::Response::new(&mut headers);
    let body_at = match resp.parse(&raw).map_err(|e| e.to_string())? {
        httparse::Status::Complete(n) => n,
        httparse::Status::Partial => return Err("truncated response".into()),
    };
    if resp.code != Some(200) {
        return Err(format!("status {:?}", resp.code));
    }
    let ct = resp
        .headers
        .iter()
        .find(|h| h.name.eq_ignore_ascii_case("content-type"))
        .map(|h| String::from_utf8_lossy(h.value).into_owned());
    assert_eq!(
        ct.as_deref(),
        Some("text/plain; version=0.0.4; charset=utf-8")
    );
    let body = String::from_utf8(raw[body_at..].to_vec()).map_err(|e| e.to_string())?;
    Scrape::parse(body.lines().map(|l| Ok(l.to_owned()))).map_err(|e| e.to_string())
}

/// The samples named `metric` by (case, repetition).
fn by_case<'a>(s: &'a Scrape, metric: &str) -> HashMap<(String, u32), &'a Sample> {
    s.samples
        .iter()
        .filter(|x| x.metric == metric)
        .filter_map(|x| {
            let case = x.labels.get("case")?.to_owned();
            let rep = x.labels.get("repetition")?.parse().ok()?;
            Some(((case, rep), x))
        })
        .collect()
}

fn number(v: &Value) -> f64 {
    match v {
        Value::Counter(x) | Value::Gauge(x) | Value::Untyped(x) => *x,
        other => panic!("not a number: {other:?}"),
    }
}

fn run_gauge(s: &Scrape, metric: &str) -> Option<f64> {
    s.samples
        .iter()
        .find(|x| x.metric == metric)
        .map(|x| number(&x.value))
}

/// How a count is read from results.json.
type CountOf = fn(&results::Counts) -> u64;

/// results.json's figure for each counter the exporter names after it.
const COUNTERS: [(&str, CountOf); 7] = [
    ("mcb_case_sent_total", |c| c.sent),
    ("mcb_case_delivered_total", |c| c.delivered),
    ("mcb_case_lost_total", |c| c.lost),
    ("mcb_case_duplicated_total", |c| c.duplicated),
    ("mcb_case_failed_auth_total", |c| c.failed_auth),
    ("mcb_case_failed_decrypt_total", |c| c.failed_decrypt),
    ("mcb_case_rejected_total", |c| c.rejected),
];

/// Every counter of `case` in `s` equals results.json's count, and the latency histogram holds
/// exactly the case's latency samples.
fn assert_final(s: &Scrape, case: &CaseResult) {
    let key = (case.id.clone(), case.repetition);
    for (metric, count) in COUNTERS {
        let got = by_case(s, metric)
            .get(&key)
            .map(|x| number(&x.value))
            .unwrap_or_else(|| panic!("{metric} of {key:?} missing"));
        assert_eq!(got, count(&case.counts) as f64, "{metric} of {key:?}");
    }
    let lat = by_case(s, "mcb_case_latency_seconds");
    let Value::Histogram(buckets) = &lat[&key].value else {
        panic!("latency is not a histogram")
    };
    let samples = case.phases["latency"].count as f64;
    let inf = buckets
        .iter()
        .find(|b| b.less_than.is_infinite())
        .expect("+Inf bucket");
    assert_eq!(inf.count, samples, "{key:?}");
    assert_eq!(
        number(&by_case(s, "mcb_case_latency_seconds_count")[&key].value),
        samples
    );
    assert!(
        buckets.windows(2).all(|w| w[0].count <= w[1].count),
        "cumulative"
    );
    assert_eq!(buckets.first().map(|b| b.less_than), Some(10e-6));
    let connected = by_case(s, "mcb_case_connected_clients");
    assert_eq!(
        number(&connected[&key].value),
        0.0,
        "no client connected after the case"
    );
}

const SCENARIO: &str = r#"
name = "metrics"
[load]
publishers = 2
subscribers = 2
rate = 100
duration = "2500ms"
warmup = "500ms"
[matrix]
qos = [1]
size = [64]
suite = ["aes-128-gcm", "none"]
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_scraped_run_ends_with_the_counts_of_results_json() {
    let s = common::scenario("metrics.toml", SCENARIO);
    let exporter = Exporter::start("127.0.0.1:0".parse().unwrap())
        .await
        .expect("listen on a free port");
    let addr = exporter.local_addr();
    let root = tempfile::tempdir().unwrap();
    let opts = RunOptions {
        out_root: root.path().to_path_buf(),
        progress: Progress::Quiet,
        shard: None,
        order: Default::default(),
        speed: run::speed_ref::SpeedSource::Off,
        metrics: Some(exporter),
        start: None,
    };
    // A scraper on a thread of its own, every 100 ms for as long as the run goes.
    let stop = Arc::new(AtomicBool::new(false));
    let seen: Arc<Mutex<Vec<Scrape>>> = Arc::default();
    let scraper = std::thread::spawn({
        let (stop, seen) = (stop.clone(), seen.clone());
        move || {
            while !stop.load(Ordering::Relaxed) {
                let got = scrape(addr).unwrap_or_else(|e| panic!("scrape during the run: {e}"));
                seen.lock().unwrap().push(got);
                std::thread::sleep(Duration::from_millis(100));
            }
        }
    });
    let outcome = run::run(&s, &opts).await.expect("run");
    stop.store(true, Ordering::Relaxed);
    scraper.join().expect("scraper");
    let end = scrape(addr).expect("scrape after the run");

    let on_disk = results::reader::read(&outcome.dir).expect("results.json");
    assert_eq!(on_disk.status, RunStatus::Complete);
    assert_eq!(on_disk.cases.len(), 2);
    for c in &on_disk.cases {
        assert_eq!(c.status, CaseStatus::Ok, "{}: {:?}", c.id, c.error);
        assert!(c.counts.delivered > 0);
        assert_final(&end, c);
    }
    assert_eq!(run_gauge(&end, "mcb_run_cases_planned"), Some(2.0));
    assert_eq!(run_gauge(&end, "mcb_run_cases_done"), Some(2.0));

    let seen = seen.lock().unwrap();
    let ran: Vec<&CaseResult> = outcome
        .results
        .order
        .as_ref()
        .expect("order")
        .sequence
        .iter()
        .map(|st| {
            on_disk
                .cases
                .iter()
                .find(|c| c.id == st.case)
                .expect("case of the sequence")
        })
        .collect();
    let (first, second) = (ran[0], ran[1]);
    let key = |c: &CaseResult| (c.id.clone(), c.repetition);
    let value = |s: &Scrape, metric: &str, c: &CaseResult| {
        by_case(s, metric).get(&key(c)).map(|x| number(&x.value))
    };
    // While the first case ran: its clients all connected, and its sent counter between 0
    // and its final figure (live, not only written at the end).
    let running_first: Vec<&Scrape> = seen
        .iter()
        .filter(|x| value(x, "mcb_case_running", first) == Some(1.0))
        .collect();
    assert!(
        !running_first.is_empty(),
        "no scrape while the first case ran"
    );
    assert!(
        running_first
            .iter()
            .any(|x| value(x, "mcb_case_connected_clients", first) == Some(4.0)),
        "4 clients connected at some point"
    );
    let final_sent = first.counts.sent as f64;
    assert!(
        running_first.iter().any(|x| {
            value(x, "mcb_case_sent_total", first).is_some_and(|v| v > 0.0 && v < final_sent)
        }),
        "a scrape saw the first case's messages counted as they were sent"
    );
    // Counters never go down between scrapes.
    for metric in ["mcb_case_sent_total", "mcb_case_delivered_total"] {
        let series: Vec<f64> = seen
            .iter()
            .filter_map(|x| value(x, metric, first))
            .collect();
        assert!(
            series.windows(2).all(|w| w[0] <= w[1]),
            "{metric}: {series:?}"
        );
    }
    // At the end of the first case (scraped while the second ran): results.json's counts.
    let during_second = seen
        .iter()
        .find(|x| value(x, "mcb_case_running", second) == Some(1.0))
        .expect("a scrape while the second case ran");
    assert_eq!(run_gauge(during_second, "mcb_run_cases_done"), Some(1.0));
    assert_final(during_second, first);
}

/// Picks a port nobody listens on now (the OS's choice for :0).
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

#[test]
fn scrapers_that_hang_or_vanish_do_not_touch_the_run() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = dir.path().join("metrics.toml");
    std::fs::write(
        &scenario,
        SCENARIO.replace("\"none\"", "\"chacha20-poly1305\""),
    )
    .unwrap();
    let port = free_port();
    let addr: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
    let out = dir.path().join("out");
    let mut child = std::process::Command::new(common::bin())
        .args([
            "run",
            "--quiet",
            "--speed",
            "none",
            "--metrics",
            &addr.to_string(),
        ])
        .arg(&scenario)
        .arg("--out")
        .arg(&out)
        .stdout(std::process::Stdio::null())
        .stderr(std::fs::File::create(dir.path().join("stderr.txt")).unwrap())
        .spawn()
        .expect("binary starts");
    // Wait until the run has started: the exporter serves from before the broker is up and the
    // cases are planned (a port in use stops the command first), and on a loaded machine that
    // gap is long enough for a scrape to see `planned` still 0 (stop 30's CI did).
    let t0 = Instant::now();
    while !scrape(addr).is_ok_and(|s| run_gauge(&s, "mcb_run_cases_planned") == Some(2.0)) {
        assert!(
            t0.elapsed() < Duration::from_secs(60),
            "never served /metrics with the run started"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    // One connects and says nothing; one asks and never reads; several ask and reset the
    // connection after a few bytes of the answer.
    let silent = TcpStream::connect(addr).unwrap();
    let mut deaf = TcpStream::connect(addr).unwrap();
    deaf.write_all(b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")
        .unwrap();
    for _ in 0..5 {
        let mut c = TcpStream::connect(addr).unwrap();
        c.write_all(b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")
            .unwrap();
        let mut few = [0u8; 16];
        let _ = c.read(&mut few);
        // SO_LINGER 0: close with a reset, mid-response.
        socket2::SockRef::from(&c)
            .set_linger(Some(Duration::ZERO))
            .unwrap();
        drop(c);
    }
    // Scraping goes on beside them.
    let mid = scrape(addr).expect("a scrape beside the misbehaving clients");
    assert!(run_gauge(&mid, "mcb_run_cases_planned") == Some(2.0));
    // The silent client's connection is closed by the server within its bound.
    silent
        .set_read_timeout(Some(Duration::from_secs(60)))
        .unwrap();
    let mut buf = [0u8; 64];
    let closed = (&silent).read(&mut buf);
    assert!(
        matches!(closed, Ok(0)) || closed.is_err(),
        "the server closes a connection that sends no request: {closed:?}"
    );
    let status = child.wait().expect("run ends");
    let err = std::fs::read_to_string(dir.path().join("stderr.txt")).unwrap_or_default();
    assert!(status.success(), "{status:?}: {err}");
    assert!(!err.contains("panicked"), "{err}");
    drop(deaf);
    // The run measured every message as a run without scrapers does.
    let run_dir = std::fs::read_dir(out.join("metrics"))
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| e.path())
        .find(|p| p.join("results.json").exists())
        .expect("a run folder");
    let r = results::reader::read(&run_dir).expect("results.json");
    assert_eq!(r.status, RunStatus::Complete);
    assert_eq!(r.cases.len(), 2);
    for c in &r.cases {
        let n = &c.counts;
        assert_eq!(c.status, CaseStatus::Ok, "{}: {:?}", c.id, c.error);
        assert_eq!(Some(n.sent + n.unsent), n.scheduled, "{}", c.id);
        assert_eq!(n.delivered, n.expected, "{}: {n:?}", c.id);
        assert_eq!(
            (n.lost, n.failed_auth, n.failed_decrypt),
            (0, 0, 0),
            "{}",
            c.id
        );
    }
}

#[test]
fn a_metrics_port_in_use_exits_2_naming_the_flag_and_the_address() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let dir = tempfile::tempdir().unwrap();
    let scenario = dir.path().join("metrics.toml");
    std::fs::write(&scenario, SCENARIO).unwrap();
    let out = dir.path().join("out");
    let (code, _, err) = common::run_bin(&[
        "run",
        scenario.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--metrics",
        &addr,
    ]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("--metrics") && err.contains(&addr), "{err}");
    assert!(!out.exists(), "no case ran, no results folder: {err}");
}

/// Every metric name a panel of deploy/grafana/mcb-dashboard.json queries is one the exporter
/// emits (from its own list, which a unit test holds to what it encodes).
#[test]
fn the_dashboard_queries_only_names_the_exporter_emits() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/deploy/grafana/mcb-dashboard.json"
    );
    let text = std::fs::read_to_string(path).expect("dashboard file");
    let dash: serde_json::Value = serde_json::from_str(&text).expect("dashboard is JSON");
    let emitted = run::metrics::sample_names();
    let mut exprs = Vec::new();
    fn collect(v: &serde_json::Value, out: &mut Vec<String>) {
        match v {
            serde_json::Value::Object(m) => {
                for (k, x) in m {
                    match (k.as_str(), x) {
                        ("expr" | "query", serde_json::Value::String(s)) => out.push(s.clone()),
                        _ => collect(x, out),
                    }
                }
            }
            serde_json::Value::Array(a) => a.iter().for_each(|x| collect(x, out)),
            _ => {}
        }
    }
    collect(&dash, &mut exprs);
    let panels = dash["panels"].as_array().expect("panels");
    assert!(panels.len() >= 6, "{} panels", panels.len());
    assert!(exprs.len() >= panels.len(), "{exprs:?}");
    let mut used = std::collections::BTreeSet::new();
    for e in &exprs {
        // Identifiers of the expression that name a metric: the project's prefix.
        let names = e
            .split(|ch: char| !(ch.is_ascii_alphanumeric() || ch == '_'))
            .filter(|w| w.starts_with("mcb_"));
        for n in names {
            assert!(
                emitted.iter().any(|x| x == n),
                "{n} in `{e}` is not emitted: {emitted:?}"
            );
            used.insert(n.to_owned());
        }
    }
    for needed in [
        "mcb_case_sent_total",
        "mcb_case_delivered_total",
        "mcb_case_lost_total",
        "mcb_case_failed_auth_total",
        "mcb_case_latency_seconds_bucket",
        "mcb_case_schedule_lag_seconds",
        "mcb_case_connected_clients",
    ] {
        assert!(used.contains(needed), "no panel uses {needed}");
    }
}
