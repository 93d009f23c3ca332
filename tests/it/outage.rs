//! The broker dies mid-case (SIGKILL of a real Mosquitto) and comes back on the same port:
//! every client reconnects, the case still finishes, the outage is reported with its duration,
//! and every message is accounted for (expected = delivered + lost) at each QoS.

use crate::common;
use std::time::Duration;

use crate::common::mosquitto::{Mosquitto, first_message_seen, observer_missing};
use mqtt_cipher_bench::results::CaseStatus;

const PUBLISHERS: u32 = 2;
const SUBSCRIBERS: u32 = 1;
const DOWN_FOR: Duration = Duration::from_millis(1500);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn broker_killed_and_restarted_mid_case_is_reported_and_every_message_accounted_for() {
    let Some(mut m) = Mosquitto::start() else {
        return;
    };
    if observer_missing() {
        return;
    }
    // Every QoS under MQTT 3.1.1, and QoS 1 again under MQTT 5.
    for (qos, protocol) in [(0u8, "v4"), (1, "v4"), (2, "v4"), (1, "v5")] {
        let s = common::scenario(
            "outage.toml",
            &format!(
                "name = \"outage\"\n{}protocol = \"{protocol}\"\n[load]\npublishers = {PUBLISHERS}\nsubscribers = {SUBSCRIBERS}\n\
                 rate = 100\nduration = \"6s\"\nwarmup = \"500ms\"\ndrain = \"5s\"\n\
                 [matrix]\nqos = [{qos}]\nsize = [64]\nsuite = [\"aes-128-gcm\"]\n",
                m.broker_toml()
            ),
        );
        let run = tokio::spawn(async move { common::run_in_temp(&s).await });

        // Wait until a message of the run reaches the broker: the case is then surely
        // publishing, however long set-up took on this machine.
        assert!(
            first_message_seen(&m).await,
            "QoS {qos}: no message of the run reached the broker"
        );
        tokio::time::sleep(Duration::from_secs(1)).await;
        m.kill();
        tokio::time::sleep(DOWN_FOR).await;
        m.restart();

        let (outcome, root) = run.await.expect("run task");
        let r = &outcome.results;
        assert_eq!(r.cases.len(), 1);
        let c = &r.cases[0];
        let n = &c.counts;
        assert_eq!(c.status, CaseStatus::Ok, "QoS {qos}: {:?}", c.error);
        // The accounting identity, at every QoS, outage or not.
        assert_eq!(
            n.expected,
            n.sent * u64::from(SUBSCRIBERS),
            "QoS {qos}: {n:?}"
        );
        assert_eq!(n.expected, n.delivered + n.lost, "QoS {qos}: {n:?}");
        assert!(n.sent > 0, "QoS {qos}: {n:?}");
        // Delivery resumed after the restart: about half the case comes after it.
        assert!(
            n.lost < n.sent / 2,
            "QoS {qos}: most messages lost, clients did not recover: {n:?}; errors {:?}",
            c.errors
        );

        assert!(!c.outages.is_empty(), "QoS {qos}: no outage reported");
        let total: f64 = c.outages.iter().map(|o| o.duration_s).sum();
        // Clients notice the kill within milliseconds and reconnect only once the broker is
        // back, so the reported outage spans at least most of the time it was down.
        assert!(
            total >= DOWN_FOR.as_secs_f64() * 0.5,
            "QoS {qos}: outage {total:.3} s for a broker down {DOWN_FOR:?}: {:?}",
            c.outages
        );
        assert!(
            c.outages.iter().all(|o| o.recovered),
            "QoS {qos}: {:?}",
            c.outages
        );
        let affected = c.outages.iter().map(|o| o.clients).max().unwrap_or(0);
        assert_eq!(
            affected,
            PUBLISHERS + SUBSCRIBERS,
            "QoS {qos}: every client lost the broker"
        );
        assert!(
            c.errors.iter().any(|e| e.contains("connection error")),
            "QoS {qos}: the connection errors are listed: {:?}",
            c.errors
        );

        // results.json on disk says the same, and the report names the outage.
        mqtt_cipher_bench::report::render_run(&outcome.dir, r).expect("render the report");
        let md = std::fs::read_to_string(outcome.dir.join("report.md")).expect("report.md");
        assert!(
            md.contains("OUTAGE"),
            "QoS {qos}: report.md lacks the outage"
        );
        let json = std::fs::read_to_string(outcome.dir.join("results.json")).expect("results.json");
        assert!(json.contains("\"outages\""), "QoS {qos}");
        eprintln!(
            "QoS {qos} {protocol}: sent {} delivered {} lost {} duplicated {}; outages {:?}",
            n.sent, n.delivered, n.lost, n.duplicated, c.outages
        );
        drop(root);
    }
}

/// The broker freezes (SIGSTOP) mid-case with its connections open: nothing is acknowledged
/// or delivered any more. The open-loop publisher fills the client's in-flight window and then
/// its request queue (10,000 messages); the case must still end (the publish waits at most
/// until the end of the drain), report why, and account for every message.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn frozen_broker_fails_the_case_instead_of_hanging_it() {
    let Some(m) = Mosquitto::start() else {
        return;
    };
    if observer_missing() {
        return;
    }
    let s = common::scenario(
        "frozen.toml",
        &format!(
            "name = \"frozen\"\n{}[load]\npublishers = 1\nsubscribers = 1\n\
             rate = 10000\nduration = \"3s\"\nwarmup = \"200ms\"\ndrain = \"2s\"\n\
             [matrix]\nqos = [1]\nsize = [16]\nsuite = [\"none\"]\n",
            m.broker_toml()
        ),
    );
    let run = tokio::spawn(async move { common::run_in_temp(&s).await });
    // Freeze once the case is publishing.
    assert!(
        first_message_seen(&m).await,
        "no message of the run reached the broker"
    );
    m.freeze(true);
    let (outcome, _root) = tokio::time::timeout(Duration::from_secs(60), run)
        .await
        .expect("the run ends although the broker is frozen")
        .expect("run task");
    m.freeze(false);
    let c = &outcome.results.cases[0];
    let n = &c.counts;
    assert!(n.sent > 0, "{n:?}");
    assert_eq!(n.expected, n.delivered + n.lost, "{n:?}");
    assert!(n.lost > 0, "a frozen broker delivers nothing: {n:?}");
    assert!(n.unacked > 0, "{n:?}");
    assert!(
        c.errors
            .iter()
            .any(|e| e.contains("took no publish") && e.contains("acknowledged nothing")),
        "{:?}",
        c.errors
    );
    eprintln!(
        "frozen: sent {} delivered {} lost {} unacked {}; {:?}",
        n.sent, n.delivered, n.lost, n.unacked, c.error
    );
}
