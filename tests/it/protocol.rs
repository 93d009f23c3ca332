//! MQTT 5 next to MQTT 3.1.1: the `protocol` axis against the embedded rumqttd (its v5
//! listeners) and a real Mosquitto (one port, both versions).

use crate::common;
use crate::common::mosquitto::{Mosquitto, toml_path};
use mqtt_cipher_bench::results::{CaseResult, CaseStatus, RunResults};

const LOAD: &str = "[load]\npublishers = 1\nsubscribers = 1\nrate = 50\nduration = \"1s\"\nwarmup = \"200ms\"\ndrain = \"2s\"\n";

fn case<'a>(r: &'a RunResults, id: &str) -> &'a CaseResult {
    r.cases.iter().find(|c| c.id == id).unwrap_or_else(|| {
        panic!(
            "no case {id} in {:?}",
            r.cases.iter().map(|c| &c.id).collect::<Vec<_>>()
        )
    })
}

fn up(c: &CaseResult) -> f64 {
    c.wire
        .as_ref()
        .and_then(|w| w.per_message_up)
        .expect("wire bytes")
}

fn assert_all_delivered(r: &RunResults) {
    for c in &r.cases {
        assert_eq!(c.status, CaseStatus::Ok, "{}: {:?}", c.id, c.error);
        assert!(c.counts.delivered > 0, "{}", c.id);
        assert_eq!(c.counts.delivered, c.counts.expected, "{}", c.id);
        assert_eq!(
            (c.counts.lost, c.counts.failed_auth, c.counts.rejected),
            (0, 0, 0),
            "{}",
            c.id
        );
    }
}

/// Every QoS over TCP and TLS under both versions. A v5 PUBLISH carries one more byte (the
/// length of its empty property list, MQTT 5 §3.3.2.3), and the bytes counted at the socket
/// show exactly that: the protocol difference is measured, not assumed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn embedded_v5_delivers_every_qos_and_costs_one_byte_per_publish() {
    let s = common::scenario(
        "v5.toml",
        &format!(
            "name = \"v5\"\n{LOAD}[matrix]\nqos = [0, 1, 2]\nsize = [64]\nsuite = [\"aes-128-gcm\"]\ntransport = [\"tcp\", \"tls\"]\nprotocol = [\"v4\", \"v5\"]\n"
        ),
    );
    assert_eq!(s.cases.len(), 12);
    let (outcome, _root) = common::run_in_temp(&s).await;
    let r = &outcome.results;
    assert_all_delivered(r);
    assert_eq!(r.broker.protocol, "v4, v5");
    for q in 0..3 {
        let v4 = case(r, &format!("aes-128-gcm/q{q}/64B/tcp"));
        let v5 = case(r, &format!("aes-128-gcm/q{q}/64B/tcp/v5"));
        assert_eq!(
            (v4.params.protocol.as_str(), v5.params.protocol.as_str()),
            ("v4", "v5")
        );
        // Topics are padded to one length across the run, so only the protocol differs.
        assert_eq!(v5.sizes.mqtt_packet, v4.sizes.mqtt_packet + 1, "QoS {q}");
        let extra = up(v5) - up(v4);
        assert!(
            (0.9..1.1).contains(&extra),
            "QoS {q}: v5 {} vs v4 {} bytes up per message",
            up(v5),
            up(v4)
        );
        let tls = case(r, &format!("aes-128-gcm/q{q}/64B/tls/v5"));
        assert_eq!(tls.phases["tls_handshake"].count, 2, "{}", tls.id);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn embedded_v5_checks_passwords() {
    let dir = tempfile::tempdir().unwrap();
    let pw = |name: &str, value: &str| {
        let p = dir.path().join(name);
        std::fs::write(&p, format!("{value}\n")).unwrap();
        toml_path(&p)
    };
    let good = common::scenario(
        "good.toml",
        &format!(
            "name = \"good5\"\n[broker]\nusername = \"carol\"\npassword_file = {}\nprotocol = \"v5\"\n{LOAD}[matrix]\nqos = [1]\nsize = [64]\ntransport = [\"tcp\", \"tls\"]\n",
            pw("good", "right-5")
        ),
    );
    let (outcome, _root) = common::run_in_temp(&good).await;
    assert_all_delivered(&outcome.results);
    assert!(outcome.results.cases.iter().all(|c| c.id.ends_with("/v5")));

    let bad = common::scenario(
        "bad.toml",
        &format!(
            "name = \"bad5\"\n[broker]\nusername = \"carol\"\npassword_file = {}\nprotocol = \"v5\"\n{LOAD}",
            pw("bad", "wrong")
        ),
    );
    let e = common::run_error(&bad).await;
    assert!(!e.is_input_error(), "{e}");
    assert!(e.to_string().contains("bad username or password"), "{e}");
}

/// rumqttd has no MQTT 5 over WebSocket: refused while reading the scenario, at the axis.
#[test]
fn embedded_v5_over_websocket_is_refused_at_the_axis() {
    let text =
        "name = \"t\"\n[matrix]\ntransport = [\"tcp\", \"ws\"]\nprotocol = [\"v4\", \"v5\"]\n";
    let e = mqtt_cipher_bench::scenario::parse(std::path::Path::new("t.toml"), text, &[], None)
        .map(|_| ())
        .expect_err("refused")
        .to_string();
    assert!(
        e.starts_with("t.toml:4:12: matrix.protocol:")
            && e.contains("MQTT 5 over tcp and tls only"),
        "{e}"
    );
    // Its v5 ports are its own business: a v5_url next to it is refused, with the position.
    let text = "name = \"t\"\n[broker]\nv5_url = \"mqtt://127.0.0.1:1884\"\n";
    let e = mqtt_cipher_bench::scenario::parse(std::path::Path::new("t.toml"), text, &[], None)
        .map(|_| ())
        .expect_err("refused")
        .to_string();
    assert!(
        e.starts_with("t.toml:3:10: broker.v5_url:") && e.contains("chosen by the harness"),
        "{e}"
    );
}

/// Mosquitto serves both versions on every listener: v5 over tcp, tls, ws and wss with the
/// password file, everything delivered, and the same framing on the wire as v3.1.1.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mosquitto_v5_over_every_transport_with_password() {
    let Some(m) = Mosquitto::start() else { return };
    let s = common::scenario(
        "mosq-v5.toml",
        &format!(
            "name = \"mosq-v5\"\n{}protocol = \"v5\"\n{LOAD}[matrix]\nqos = [1]\nsize = [64]\nsuite = [\"aes-128-gcm\"]\ntransport = [\"tcp\", \"tls\", \"ws\", \"wss\"]\n",
            m.broker_toml()
        ),
    );
    let (outcome, _root) = common::run_in_temp(&s).await;
    let r = &outcome.results;
    assert_all_delivered(r);
    assert!(r.cases.iter().all(|c| c.params.protocol == "v5"));
    assert_eq!(r.broker.protocol, "v5");
    let ws_only = RunResults {
        cases: r
            .cases
            .iter()
            .filter(|c| c.params.transport != "tls")
            .cloned()
            .collect(),
        ..r.clone()
    };
    common::assert_websocket_cases(&ws_only, 2);
}

/// An ACL that lets the user subscribe but not publish. Mosquitto drops every publish under
/// both versions; only v5 says so (PUBACK/PUBREC 0x87), so only the v5 cases can name the cause.
/// At QoS 2 a refused PUBREC would leak rumqttc's in-flight slots (it has 10, the Receive
/// Maximum this Mosquitto grants, and the case sends 50): the publisher stops at the first
/// refusal instead of stalling, and the run ends.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mosquitto_acl_denial_is_reported_under_v5_and_silent_under_v4() {
    let acl_dir = tempfile::tempdir().unwrap();
    let acl = acl_dir.path().join("acl");
    std::fs::write(&acl, "user bench\ntopic read mcb/#\n").unwrap();
    let extra = format!("acl_file {}\nmax_inflight_messages 10", acl.display());
    let Some(m) = Mosquitto::start_with(&extra) else {
        return;
    };
    let s = common::scenario(
        "acl.toml",
        &format!(
            "name = \"acl\"\n{}{LOAD}[matrix]\nqos = [1, 2]\nsize = [64]\nsuite = [\"aes-128-gcm\"]\nprotocol = [\"v4\", \"v5\"]\n",
            m.broker_toml()
        ),
    );
    let run = common::run_in_temp(&s);
    let (outcome, _root) = tokio::time::timeout(std::time::Duration::from_secs(120), run)
        .await
        .expect("the run ends although the broker refuses every publish");
    let r = &outcome.results;
    for c in &r.cases {
        assert_eq!(c.status, CaseStatus::Failed, "{}", c.id);
        assert!(c.counts.sent > 0, "{}", c.id);
        assert_eq!(c.counts.delivered, 0, "{}", c.id);
        assert_eq!(c.counts.lost, c.counts.expected, "{}", c.id);
        // Acknowledged either way: the broker took the packet.
        assert_eq!(c.counts.unacked, 0, "{}: {:?}", c.id, c.errors);
    }
    for q in [1, 2] {
        let v4 = case(r, &format!("aes-128-gcm/q{q}/64B/tcp"));
        assert_eq!(v4.counts.rejected, 0);
        assert_eq!(v4.receive_maximum, None);
        let e4 = v4.error.as_deref().unwrap_or_default();
        assert!(e4.contains("drop denied publishes silently"), "{e4}");

        let v5 = case(r, &format!("aes-128-gcm/q{q}/64B/tcp/v5"));
        assert_eq!(v5.counts.rejected, v5.counts.sent, "QoS {q}");
        assert_eq!(v5.receive_maximum, Some(10), "the Receive Maximum granted");
        let packet = if q == 1 { "PUBACK" } else { "PUBREC" };
        let e5 = v5.error.as_deref().unwrap_or_default();
        assert!(
            e5.contains("the broker rejected")
                && e5.contains(&format!("{packet} NotAuthorized"))
                && e5.contains("mcb/acl/#"),
            "{e5}"
        );
    }
    let v5q1 = case(r, "aes-128-gcm/q1/64B/tcp/v5");
    assert!(
        v5q1.counts.sent >= 40,
        "QoS 1 refusals leak nothing: every message is sent"
    );
    let v5q2 = case(r, "aes-128-gcm/q2/64B/tcp/v5");
    assert!(
        v5q2.errors.iter().any(|e| e.contains("stopped sending")),
        "{:?}",
        v5q2.errors
    );
}
