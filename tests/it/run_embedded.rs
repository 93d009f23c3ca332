//! The whole pipeline against the embedded rumqttd, over real loopback sockets.

use crate::common;
use std::time::Duration;

use mqtt_cipher_bench::broker::embedded;
use mqtt_cipher_bench::results::{self, CaseStatus, RunStatus};
use rumqttc::{AsyncClient, Event, Incoming, MqttOptions, QoS};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tiny_scenario_delivers_every_message_at_qos_1_and_2() {
    let s = common::scenario(
        "tiny.toml",
        r#"
name = "tiny"
[load]
publishers = 2
subscribers = 2
rate = 100
duration = "1200ms"
warmup = "400ms"
[matrix]
qos = [1, 2]
size = [2, 65536]
suite = ["none", "aes-128-cbc", "aes-128-gcm"]
"#,
    );
    let (outcome, _root) = common::run_in_temp(&s).await;
    let r = &outcome.results;
    assert_eq!(r.status, RunStatus::Complete);
    assert_eq!(r.cases.len(), 12);
    for c in &r.cases {
        let n = &c.counts;
        assert_eq!(c.status, CaseStatus::Ok, "{}: {:?}", c.id, c.error);
        // Every scheduled message is sent or, on a machine too slow to keep up, counted unsent.
        assert_eq!(n.sent + n.unsent, 2 * 120, "{}: {n:?}", c.id);
        assert!(n.sent > 0);
        assert_eq!(n.expected, n.sent * 2, "{}: two subscribers", c.id);
        assert_eq!(n.delivered, n.expected, "{}: {n:?}", c.id);
        assert_eq!((n.lost, n.unacked), (0, 0), "{}", c.id);
        assert_eq!(
            (n.failed_auth, n.failed_decrypt, n.malformed, n.corrupted),
            (0, 0, 0, 0),
            "{}",
            c.id
        );
        for phase in [
            "envelope",
            "encrypt",
            "publish",
            "decrypt",
            "latency",
            "latency_uncorrected",
            "key_setup",
            "connect",
        ] {
            let p = c.phases.get(phase).unwrap_or_else(|| {
                panic!(
                    "{}: no {phase} histogram: {n:?} {:?} {:?}",
                    c.id, c.saturation, c.errors
                )
            });
            assert!(
                p.count > 0 && p.p50 > 0 && p.max >= p.p99,
                "{}: {phase} {p:?}",
                c.id
            );
        }
        let lat = &c.phases["latency"];
        // Each subscriber records every measured (post-warm-up) message once.
        assert_eq!(lat.count, 2 * (n.sent - n.sent_warmup), "{}", c.id);
        assert!(
            c.phases["latency"].p50 >= c.phases["latency_uncorrected"].p50 / 2,
            "{}",
            c.id
        );
        assert!(c.throughput.delivered_msgs_per_s > 0.0);
        assert_eq!(
            c.sizes.envelope - c.sizes.plaintext - c.sizes.harness,
            c.sizes.security_overhead
        );
        cpu_phases_beside_wall(r, c, &["envelope", "encrypt", "decrypt"]);
        // Only s-mqtt encodes and decodes (tests/it/smqtt.rs); no other suite records those.
        assert!(!c.phases.contains_key("encode") && !c.phases.contains_key("decode"));
        thread_cpu_of_the_window(c, 2);
    }

    // What was returned is what is on disk, and the hlog holds every case's phases.
    let on_disk = results::reader::read(&outcome.dir).expect("results.json readable");
    assert_eq!(on_disk.cases.len(), 12);
    let hlog = std::fs::read(outcome.dir.join("histograms.hlog")).expect("hlog written");
    let tags: Vec<String> =
        hdrhistogram::serialization::interval_log::IntervalLogIterator::new(&hlog)
            .filter_map(|e| match e {
                Ok(hdrhistogram::serialization::interval_log::LogEntry::Interval(h)) => {
                    h.tag().map(|t| t.as_str().to_owned())
                }
                _ => None,
            })
            .collect();
    assert!(
        tags.contains(&"aes-128-gcm/q2/65536B/tcp:latency".to_owned()),
        "{tags:?}"
    );
}

/// Every crypto phase in `phases` has its CPU-clock twin with the same count, and the CPU
/// median is at most the wall median plus what the CPU span holds beyond the wall span: one
/// CPU-clock read and two wall reads (results/README.md), measured hot at the run's start;
/// right after a wake-up (encode follows the publisher's sleep) those reads run cold and cost
/// a few times more, and on a loaded machine (other builds on both cores) many times more: hence
/// the factor 10 and 2 µs; plus the clock's resolution and the histogram's 0.1%. What this
/// catches is work inside a CPU span that its wall span leaves out (e.g. payload generation).
fn cpu_phases_beside_wall(r: &results::RunResults, c: &results::CaseResult, phases: &[&str]) {
    let clock = r.clock.as_ref().expect("run records its clocks' cost");
    let slack = 10 * (clock.cpu_read_ns + 2 * clock.wall_read_ns) + 2_000 + clock.cpu_resolution_ns;
    for &wall in phases {
        let cpu_name = format!("{wall}_cpu");
        let w = &c.phases[wall];
        let cpu = c
            .phases
            .get(&cpu_name)
            .unwrap_or_else(|| panic!("{}: no {cpu_name}", c.id));
        assert_eq!(cpu.count, w.count, "{}: {cpu_name} counts", c.id);
        assert!(
            cpu.p50 <= w.p50 + slack + w.p50 / 500,
            "{}: {cpu_name} p50 {} ns > {wall} p50 {} ns + {slack} ns ({clock:?})",
            c.id,
            cpu.p50,
            w.p50
        );
    }
}

/// Per-thread CPU over the measured window: every client figure there, from the case's own
/// counts, and the embedded broker's apart.
fn thread_cpu_of_the_window(c: &results::CaseResult, subscribers: u64) {
    let t = c
        .cpu
        .threads
        .as_ref()
        .unwrap_or_else(|| panic!("{}: no thread CPU", c.id));
    let n = &c.counts;
    assert_eq!(t.publisher_messages, n.sent - n.sent_warmup, "{}", c.id);
    assert!(t.subscriber_messages > 0, "{}: {t:?}", c.id);
    assert!(
        t.subscriber_messages <= subscribers * n.sent,
        "{}: {t:?}",
        c.id
    );
    for (what, v) in [
        ("publisher", t.publisher_us_per_msg),
        ("publisher io", t.publisher_io_us_per_msg),
        ("subscriber", t.subscriber_us_per_msg),
        ("broker", t.broker_us_per_msg),
    ] {
        let v = v.unwrap_or_else(|| panic!("{}: no {what} CPU per message: {t:?}", c.id));
        // Above zero, and below a whole window's worth of one core per message.
        assert!(
            v > 0.0 && v < t.window_s * 1e6,
            "{}: {what} {v} µs: {t:?}",
            c.id
        );
    }
    // The embedded broker is this process's threads, not a process of its own.
    assert_eq!(t.broker_process, None, "{}", c.id);
    assert!(t.window_s > 0.5 && t.window_s < 1.5, "{}: {t:?}", c.id);
    // The thread figures are what the clients did, never more than the whole process.
    let process_s = c.cpu.user_s + c.cpu.system_s;
    let groups_s: f64 = t.groups.iter().map(|g| g.cpu_s).sum();
    assert!(groups_s > 0.0, "{}: {t:?}", c.id);
    assert!(
        process_s + 0.02
            >= t.groups
                .iter()
                .filter(|g| g.group == "publisher")
                .map(|g| g.cpu_s)
                .sum::<f64>(),
        "{}",
        c.id
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signed_cases_time_sign_and_verify_on_both_clocks() {
    let s = common::scenario(
        "signed.toml",
        r#"
name = "signed"
[load]
publishers = 1
subscribers = 1
rate = 100
duration = "1200ms"
warmup = "400ms"
[matrix]
qos = [1]
size = [64]
suite = ["aes-128-gcm"]
signature = ["ed25519"]
mac = ["none"]
"#,
    );
    let (outcome, _root) = common::run_in_temp(&s).await;
    let r = &outcome.results;
    let clock = r.clock.as_ref().expect("clock cost recorded");
    assert!(
        clock.samples > 1000 && clock.wall_read_ns < 100_000,
        "{clock:?}"
    );
    for c in &r.cases {
        assert_eq!(c.status, CaseStatus::Ok, "{}: {:?}", c.id, c.error);
        cpu_phases_beside_wall(r, c, &["envelope", "encrypt", "sign", "verify", "decrypt"]);
        // Ed25519 costs tens of µs: far above the clock floor, so the CPU clock must see it.
        assert!(
            c.phases["sign_cpu"].p50 > 5_000,
            "{:?}",
            c.phases["sign_cpu"]
        );
        thread_cpu_of_the_window(c, 1);
        let t = c.cpu.threads.as_ref().expect("thread cpu");
        // The send thread signs every message, so it costs at least a signature each.
        assert!(
            t.publisher_us_per_msg.unwrap_or(0.0) * 1e3 >= c.phases["sign_cpu"].p50 as f64 * 0.5,
            "{t:?}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forged_copies_are_counted_not_fatal() {
    // A rogue client on the same broker re-publishes every message with one bit flipped.
    let broker = embedded::shared().expect("embedded broker");
    let mut o = MqttOptions::new("rogue", broker.addr.ip().to_string(), broker.addr.port());
    o.set_max_packet_size(1 << 20, 1 << 20);
    let (rogue, mut ev) = AsyncClient::new(o, 1000);
    rogue
        .subscribe("mcb/forged/+/+/+", QoS::AtMostOnce)
        .await
        .expect("subscribe");
    let forger = tokio::spawn(async move {
        // The rogue hears its own forgeries too; forging those again would be a flood.
        let mut mine = std::collections::HashSet::new();
        let mut forged = 0u64;
        loop {
            match ev.poll().await {
                Ok(Event::Incoming(Incoming::Publish(p))) if p.payload.len() > 60 => {
                    if mine.remove(p.payload.as_ref()) {
                        continue;
                    }
                    let mut body = p.payload.to_vec();
                    let last = body.len() - 1;
                    body[last] ^= 0x01;
                    mine.insert(body.clone());
                    if rogue
                        .try_publish(p.topic.clone(), QoS::AtMostOnce, false, body)
                        .is_ok()
                    {
                        forged += 1;
                    }
                }
                Ok(_) => {}
                Err(_) => return forged,
            }
        }
    });
    tokio::time::sleep(Duration::from_millis(200)).await;

    let s = common::scenario(
        "forged.toml",
        r#"
name = "forged"
[load]
publishers = 1
subscribers = 1
rate = 100
duration = "1s"
warmup = "200ms"
[matrix]
qos = [1]
size = [64]
suite = ["aes-128-gcm", "aes-128-cbc"]
mac = ["hmac-sha256"]
"#,
    );
    let (outcome, _root) = common::run_in_temp(&s).await;
    forger.abort();
    for c in &outcome.results.cases {
        let n = &c.counts;
        assert_eq!(c.status, CaseStatus::Ok, "{}", c.id);
        assert_eq!(
            n.delivered, n.sent,
            "{}: originals all arrive: {n:?} {:?}",
            c.id, c.errors
        );
        assert_eq!(n.lost, 0);
        assert!(
            n.failed_auth > 0,
            "{}: forged copies rejected and counted: {n:?}",
            c.id
        );
        assert_eq!(n.corrupted, 0, "{}: no forgery was accepted", c.id);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn open_loop_accounting_holds_at_qos_0() {
    let s = common::scenario(
        "q0.toml",
        r#"
name = "q0"
[load]
publishers = 3
subscribers = 1
rate = 300
duration = "1s"
warmup = "200ms"
payload = "sensor-json"
[matrix]
qos = [0]
size = [256]
suite = ["aes-128-gcm"]
"#,
    );
    let (outcome, _root) = common::run_in_temp(&s).await;
    let c = &outcome.results.cases[0];
    let n = &c.counts;
    assert_eq!(n.expected, n.delivered + n.lost, "{n:?}");
    // 3 publishers x 300/s x 1 s, sent or (on a slow machine) counted unsent.
    assert_eq!(n.sent + n.unsent, 900, "{n:?}");
    assert_eq!(n.corrupted, 0);
    assert_eq!(c.throughput.offered_msgs_per_s, Some(900.0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn repetitions_interleave_and_are_summarized() {
    let s = common::scenario(
        "repeat.toml",
        r#"
name = "repeat"
[load]
publishers = 1
rate = 100
duration = "500ms"
warmup = "100ms"
repeat = 3
[matrix]
qos = [1]
size = [64, 256]
suite = ["aes-128-gcm"]
"#,
    );
    let (outcome, _root) = common::run_in_temp(&s).await;
    let r = &outcome.results;
    let order: Vec<(String, u32)> = r
        .cases
        .iter()
        .map(|c| (c.id.clone(), c.repetition))
        .collect();
    assert_eq!(
        order,
        [1, 1, 2, 2, 3, 3]
            .iter()
            .zip(["64B", "256B"].iter().cycle())
            .map(|(&rep, size)| (format!("aes-128-gcm/q1/{size}/tcp"), rep))
            .collect::<Vec<_>>(),
        "results.json keeps matrix order, whatever order ran"
    );
    // What ran: in rounds, every case once per round.
    let ran = &r.order.as_ref().expect("order recorded").sequence;
    assert_eq!(ran.len(), 6);
    for (i, step) in ran.iter().enumerate() {
        assert_eq!(step.repetition, i as u32 / 2 + 1, "{ran:?}");
    }
    assert_eq!(r.repetitions.len(), 2);
    for rc in &r.repetitions {
        assert_eq!(rc.repetitions, 3);
        let lat = &rc.metrics["latency_p50_ns"];
        assert!(
            lat.low <= lat.median && lat.median <= lat.high && lat.low > 0.0,
            "{lat:?}"
        );
        assert!(
            (lat.confidence - 0.95).abs() < 1e-9,
            "three runs give the report's 95% interval (t on logs)"
        );
    }
    assert!(
        r.cases
            .iter()
            .all(|c| c.counts.delivered == c.counts.sent && c.counts.sent > 0)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn closed_loop_keeps_its_window_and_loses_nothing() {
    let s = common::scenario(
        "closed.toml",
        r#"
name = "closed"
[load]
publishers = 2
rate = "max"
inflight = 8
duration = "800ms"
warmup = "200ms"
[matrix]
qos = [1]
size = [64]
suite = ["aes-128-gcm"]
"#,
    );
    let (outcome, _root) = common::run_in_temp(&s).await;
    let r = &outcome.results;
    assert_eq!(
        r.load.rate_per_publisher, None,
        "closed loop has no offered rate"
    );
    let c = &r.cases[0];
    let n = &c.counts;
    assert!(n.sent > 0 && n.delivered == n.sent, "{n:?} {:?}", c.errors);
    assert_eq!((n.lost, n.unacked, n.unsent), (0, 0, 0));
    assert_eq!(c.throughput.offered_msgs_per_s, None);
    // Without a schedule, send time is the start time: the two latencies coincide.
    assert_eq!(c.phases["latency"], c.phases["latency_uncorrected"]);
    assert!(!c.phases.contains_key("schedule_lag"));
}

/// Runs `s` with `order` into a temporary root.
async fn run_ordered(
    s: &mqtt_cipher_bench::scenario::Scenario,
    order: mqtt_cipher_bench::run::OrderSpec,
) -> results::RunResults {
    use mqtt_cipher_bench::run::{self, Progress, RunOptions};
    let root = tempfile::tempdir().unwrap();
    let opts = RunOptions {
        out_root: root.path().to_path_buf(),
        progress: Progress::Quiet,
        shard: None,
        order,
        speed: mqtt_cipher_bench::run::speed_ref::SpeedSource::Off,
        start: None,
        metrics: None,
    };
    let out = run::run(s, &opts).await.unwrap_or_else(|e| panic!("{e}"));
    // What was written is what was returned.
    let back = results::reader::read(&out.dir).unwrap();
    assert_eq!(back.order, out.results.order);
    out.results
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_order_seed_replays_the_same_shuffled_sequence_and_matrix_keeps_the_scenarios() {
    use mqtt_cipher_bench::results::{OrderKind, SeedSource};
    use mqtt_cipher_bench::run::{OrderSpec, order};
    let s = common::scenario(
        "order.toml",
        r#"
name = "order"
[load]
publishers = 1
rate = 50
duration = "300ms"
warmup = "100ms"
repeat = 2
[matrix]
qos = [0, 1]
size = [16, 64]
suite = ["none"]
"#,
    );
    let ids: Vec<String> = s.cases.iter().map(|c| c.id()).collect();
    let seeded = OrderSpec {
        kind: OrderKind::Shuffled,
        seed: Some(2026),
    };
    let a = run_ordered(&s, seeded).await;
    let b = run_ordered(&s, seeded).await;
    let (oa, ob) = (a.order.clone().unwrap(), b.order.clone().unwrap());
    assert_eq!(
        (oa.kind, oa.seed, oa.seed_source),
        (OrderKind::Shuffled, Some(2026), Some(SeedSource::Flag))
    );
    assert!(!oa.rand_version.is_empty());
    assert_eq!(oa.sequence, ob.sequence, "same seed, same order");
    let planned: Vec<(String, u32)> = order::schedule(ids.len(), 2, Some(2026))
        .iter()
        .map(|st| (ids[st.case].clone(), st.repetition))
        .collect();
    let ran: Vec<(String, u32)> = oa
        .sequence
        .iter()
        .map(|st| (st.case.clone(), st.repetition))
        .collect();
    assert_eq!(
        ran, planned,
        "the recorded sequence is the one the seed gives"
    );

    let m = run_ordered(
        &s,
        OrderSpec {
            kind: OrderKind::Matrix,
            seed: None,
        },
    )
    .await;
    let om = m.order.clone().unwrap();
    assert_eq!((om.kind, om.seed), (OrderKind::Matrix, None));
    let matrix: Vec<(String, u32)> = [1, 2]
        .iter()
        .flat_map(|&rep| ids.iter().map(move |id| (id.clone(), rep)))
        .collect();
    let ran_m: Vec<(String, u32)> = om
        .sequence
        .iter()
        .map(|st| (st.case.clone(), st.repetition))
        .collect();
    assert_eq!(ran_m, matrix);
    // Whatever the order, results.json lists the cases in matrix order.
    for r in [&a, &m] {
        let listed: Vec<(String, u32)> = r
            .cases
            .iter()
            .map(|c| (c.id.clone(), c.repetition))
            .collect();
        assert_eq!(listed, matrix);
    }
    let n = m.noise.clone().expect("noise recorded");
    if cfg!(target_os = "linux") {
        assert!(n.load_start.is_some() && n.load_end.is_some(), "{n:?}");
        let c = n.cpu.expect("cpu shares over the run");
        let sum = c.user + c.system + c.idle + c.iowait + c.steal;
        assert!((sum - 1.0).abs() < 1e-9, "{c:?}");
        assert!(
            n.interval_s > 0.0 && n.own_cpu_s.is_some_and(|s| s > 0.0),
            "{n:?}"
        );
    }
}
