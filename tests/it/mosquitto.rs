//! Against a real Mosquitto with passwords and TLS (see tests/it/common/mosquitto.rs): skipped
//! with a note when mosquitto is not installed, a failure when MCB_REQUIRE_MOSQUITTO is set.

use crate::common;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use crate::common::mosquitto::{Mosquitto, free_port, toml_path, tool_exists};
use mqtt_cipher_bench::crypto::envelope;
use mqtt_cipher_bench::results::CaseStatus;
use mqtt_cipher_bench::run::{self, Progress, RunOptions};

const LOAD: &str = "[load]\npublishers = 2\nsubscribers = 1\nrate = 50\nduration = \"1s\"\nwarmup = \"200ms\"\ndrain = \"2s\"\n";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tcp_and_tls_with_password_deliver_everything_and_mosquitto_sub_decodes_it() {
    let Some(m) = Mosquitto::start() else { return };
    // An outside subscriber: what a third party sees on the broker, read back with the
    // envelope reader.
    let capture = tool_exists("mosquitto_sub").then(|| {
        Command::new("mosquitto_sub")
            .args(["-h", "127.0.0.1", "-p", &m.plain.to_string(), "-u", &m.user])
            .args([
                "-P",
                &m.password,
                "-t",
                "mcb/mosq/#",
                "-q",
                "1",
                "-F",
                "%t %x",
            ])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start mosquitto_sub")
    });
    // Let mosquitto_sub subscribe before the run publishes.
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let s = common::scenario(
        "mosq.toml",
        &format!(
            "name = \"mosq\"\n{}{LOAD}[matrix]\nqos = [1]\nsize = [64]\nsuite = [\"aes-128-gcm\"]\ntransport = [\"tcp\", \"tls\"]\n",
            m.broker_toml()
        ),
    );
    let (outcome, _root) = common::run_in_temp(&s).await;
    let r = &outcome.results;
    assert_eq!(r.cases.len(), 2);
    // The broker names itself through $SYS, so the results say which broker was measured.
    assert_eq!(r.broker.name, "mosquitto", "{:?}", r.broker);
    assert!(
        r.broker
            .version
            .as_deref()
            .is_some_and(|v| v.starts_with("mosquitto version")),
        "{:?}",
        r.broker
    );
    for c in &r.cases {
        let n = &c.counts;
        assert_eq!(c.status, CaseStatus::Ok, "{}: {:?}", c.id, c.error);
        assert!(n.sent > 0, "{}", c.id);
        assert_eq!(n.delivered, n.expected, "{}: {n:?}", c.id);
        assert_eq!((n.lost, n.unacked, n.failed_auth), (0, 0, 0), "{}", c.id);
        assert!(c.phases["connect"].count == 3, "{}", c.id);
        // A broker on this host: its process's CPU over the window, read from /proc as the
        // embedded broker's threads are.
        let broker = c.cpu.threads.as_ref().and_then(|t| t.broker_us_per_msg);
        assert!(broker.is_some_and(|us| us > 0.0), "{}: {broker:?}", c.id);
        let process = c
            .cpu
            .threads
            .as_ref()
            .and_then(|t| t.broker_process.as_deref());
        assert_eq!(process, Some("mosquitto"), "{}", c.id);
    }
    let tls = r
        .cases
        .iter()
        .find(|c| c.params.transport == "tls")
        .unwrap();
    assert_eq!(tls.phases["tls_handshake"].count, 3, "one per client");
    assert!(tls.phases["tls_handshake"].p50 > 0);
    let tcp = r
        .cases
        .iter()
        .find(|c| c.params.transport == "tcp")
        .unwrap();
    assert!(!tcp.phases.contains_key("tls_handshake") || tcp.phases["tls_handshake"].count == 0);

    let Some(mut sub) = capture else {
        eprintln!("note: mosquitto_sub not installed; payload capture not checked");
        return;
    };
    let _ = sub.kill();
    let out = sub.stdout.take().expect("stdout");
    let mut seen = 0;
    let mut seqs = std::collections::BTreeSet::new();
    for line in BufReader::new(out).lines().map_while(Result::ok) {
        let Some((topic, hex)) = line.split_once(' ') else {
            continue;
        };
        let bytes: Vec<u8> = (0..hex.len() / 2)
            .map(|i| u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).expect("hex"))
            .collect();
        let e = envelope::decode(&bytes).unwrap_or_else(|err| panic!("{topic}: {err}"));
        assert_eq!(e.fields.suite, 0x80, "aes-128-gcm's suite id");
        assert!(e.fields.publisher < 2);
        assert!(
            topic.ends_with(&format!("/p{}", e.fields.publisher)),
            "{topic}"
        );
        seqs.insert((topic.to_owned(), e.fields.seq));
        seen += 1;
    }
    let sent: u64 = r.cases.iter().map(|c| c.counts.sent).sum();
    assert_eq!(seen as u64, sent, "mosquitto_sub saw every message once");
    assert_eq!(seqs.len(), seen);
}

/// The binary against a wrong password: the message, exit 1, and one connection (no retry).
/// Under both versions: Mosquitto 2.0 refuses with CONNACK 5 (3.1.1) and 0x87, not authorized
/// (MQTT 5), which with credentials set means the password.
#[test]
fn wrong_password_exits_1_without_retrying() {
    let Some(m) = Mosquitto::start() else { return };
    for protocol in ["v4", "v5"] {
        let scenario = m.path(&format!("wrong-{protocol}.toml"));
        std::fs::write(
            &scenario,
            format!(
                "name = \"wrong\"\n[broker]\nusername = \"{}\"\npassword_env = \"MCB_TEST_WRONG_PASSWORD\"\nprotocol = \"{protocol}\"\n{LOAD}",
                m.user
            ),
        )
        .unwrap();
        let before = m.refusals_seen();
        let out = Command::new(common::bin())
            .arg("run")
            .arg(&scenario)
            .args([
                "--broker",
                &format!("mqtt://127.0.0.1:{}", m.plain),
                "--quiet",
            ])
            .arg("--out")
            .arg(m.path("out"))
            .env("MCB_TEST_WRONG_PASSWORD", "not-the-password")
            .output()
            .expect("run the binary");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{protocol}: {stderr}");
        assert!(
            stderr.contains("broker refused: bad username or password"),
            "{protocol}: {stderr}"
        );
        assert!(!stderr.contains("not-the-password"), "password printed");
        assert_eq!(
            m.refusals_seen() - before,
            1,
            "{protocol}: exactly one attempt"
        );
    }
}

/// MQTT over WebSocket, plain and TLS, through Mosquitto's websockets listeners (with the
/// password file): everything delivered, TLS handshakes timed for wss, framing on the wire.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn websockets_with_password_deliver_everything() {
    let Some(m) = Mosquitto::start() else { return };
    let s = common::scenario(
        "mosq-ws.toml",
        &format!(
            "name = \"mosq-ws\"\n{}{LOAD}[matrix]\nqos = [1]\nsize = [64]\nsuite = [\"aes-128-gcm\"]\ntransport = [\"tcp\", \"ws\", \"wss\"]\n",
            m.broker_toml()
        ),
    );
    let (outcome, _root) = common::run_in_temp(&s).await;
    common::assert_websocket_cases(&outcome.results, 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_ca_is_a_tls_error_naming_the_cause() {
    let Some(m) = Mosquitto::start() else { return };
    // A CA that did not sign the broker's certificate.
    let other = tempfile::tempdir().unwrap();
    let stranger = mqtt_cipher_bench::broker::certs::generate(other.path(), &["localhost"])
        .unwrap()
        .ca;
    let text = format!(
        "name = \"ca\"\n[broker]\nurl = \"mqtts://localhost:{}\"\nca = {}\nusername = \"{}\"\npassword_file = {}\n{LOAD}",
        m.tls,
        toml_path(&stranger),
        m.user,
        toml_path(&m.password_file)
    );
    let s = common::scenario("ca.toml", &text);
    let e = common::run_error(&s).await;
    assert!(!e.is_input_error());
    let msg = e.to_string();
    assert!(
        msg.contains(&format!(
            "TLS error: certificate signed by unknown authority (broker.ca = {}",
            stranger.display()
        )) && msg.contains(&format!("mqtts://localhost:{}", m.tls)),
        "{msg}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unreachable_port_names_the_url_and_the_os_error() {
    let port = free_port();
    let s = common::scenario(
        "down.toml",
        &format!("name = \"down\"\n[broker]\nurl = \"mqtt://127.0.0.1:{port}\"\n{LOAD}"),
    );
    let root = tempfile::tempdir().unwrap();
    let opts = RunOptions {
        out_root: root.path().to_path_buf(),
        progress: Progress::Quiet,
        shard: None,
        order: Default::default(),
        speed: mqtt_cipher_bench::run::speed_ref::SpeedSource::Off,
        start: None,
        metrics: None,
    };
    let msg = match run::run(&s, &opts).await {
        Ok(_) => panic!("run against a closed port succeeded"),
        Err(e) => e.to_string(),
    };
    assert!(
        msg.contains(&format!("cannot reach broker at mqtt://127.0.0.1:{port}"))
            && msg.to_lowercase().contains("connection refused"),
        "{msg}"
    );
}

/// `load.source_addrs`: every client connects from the addresses in turn, subscribers first,
/// and Mosquitto's own log says from where each came.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clients_connect_from_the_source_addresses_in_turn() {
    let Some(m) = Mosquitto::start() else { return };
    let s = common::scenario(
        "sources.toml",
        &format!(
            "name = \"sources\"\n{}[load]\npublishers = 3\nsubscribers = 1\nrate = 50\n\
             duration = \"1s\"\nwarmup = \"200ms\"\ndrain = \"2s\"\n\
             source_addrs = [\"127.0.0.2\", \"127.0.0.3\"]\n[matrix]\nqos = [1]\nsize = [64]\n\
             suite = [\"aes-128-gcm\"]\n",
            m.broker_toml()
        ),
    );
    let (outcome, _root) = common::run_in_temp(&s).await;
    let c = &outcome.results.cases[0];
    assert_eq!(c.status, CaseStatus::Ok, "{:?}", c.error);
    assert_eq!(c.counts.delivered, c.counts.expected, "{:?}", c.counts);
    assert!(c.counts.sent > 0);
    // "New client connected from 127.0.0.2:41234 as <id> (...)": the run's 4 clients, from
    // .2, .3, .2, .3 (subscriber, then the 3 publishers).
    let log = std::fs::read_to_string(&m.log).expect("mosquitto log");
    let mut from: Vec<(String, String)> = log
        .lines()
        .filter_map(|l| {
            let rest = l.split("New client connected from ").nth(1)?;
            let (addr, rest) = rest.split_once(' ')?;
            let id = rest.strip_prefix("as ")?.split_whitespace().next()?;
            let ip = addr.rsplit_once(':')?.0;
            Some((id.to_owned(), ip.to_owned()))
        })
        // The case's clients only (not the $SYS reader that names the broker).
        .filter(|(id, _)| {
            id.rsplit('-')
                .next()
                .is_some_and(|t| t.len() > 1 && (t.starts_with('s') || t.starts_with('p')))
                && id.starts_with("mcb-")
        })
        .collect();
    from.sort();
    assert_eq!(from.len(), 4, "{from:?}\n{log}");
    let subs: Vec<&str> = from
        .iter()
        .filter(|(id, _)| id.rsplit('-').next().is_some_and(|t| t.starts_with('s')))
        .map(|(_, ip)| ip.as_str())
        .collect();
    let n2 = from.iter().filter(|(_, ip)| ip == "127.0.0.2").count();
    let n3 = from.iter().filter(|(_, ip)| ip == "127.0.0.3").count();
    assert_eq!((n2, n3), (2, 2), "{from:?}");
    assert_eq!(subs, ["127.0.0.2"], "{from:?}");
}
