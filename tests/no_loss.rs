//! Seed 003's "without any loss of data", and when it holds: a real Mosquitto with
//! `persistence true` is stopped and started again mid-case, and the results show lost,
//! duplicated and delivered per QoS, session kind and way of stopping.
//!
//! - Persistent sessions, broker stopped with SIGTERM (it saves sessions and queued messages
//!   before it exits): QoS 1 and QoS 2 lose nothing, QoS 2 delivers nothing twice, and every
//!   reconnect finds its session.
//! - Persistent sessions, broker killed with SIGKILL before it ever saved: the sessions are
//!   gone, no reconnect finds one, and the accounting still closes (what is lost is counted).
//! - Clean sessions are tests/outage.rs: they lose what was sent while subscribers were away.

mod common;

use std::time::Duration;

use common::mosquitto::{Mosquitto, first_message_seen, observer_missing};
use mqtt_cipher_bench::results::{CaseResult, CaseStatus};

const PUBLISHERS: u32 = 2;
const SUBSCRIBERS: u32 = 1;
const DOWN_FOR: Duration = Duration::from_millis(1500);

#[derive(Debug, Clone, Copy, PartialEq)]
enum Stop {
    /// SIGTERM: a clean shutdown, persistence written.
    Term,
    /// SIGKILL: a crash; with the default autosave interval nothing of this run was saved.
    Kill,
}

/// Runs one persistent-session case against `m`, stopping the broker mid-case as `stop` says
/// and starting it again after [`DOWN_FOR`]; returns the case.
async fn run_with_restart(m: &mut Mosquitto, qos: u8, protocol: &str, stop: Stop) -> CaseResult {
    let s = common::scenario(
        "no-loss.toml",
        &format!(
            "name = \"no-loss\"\n{}protocol = \"{protocol}\"\n[load]\npublishers = {PUBLISHERS}\n\
             subscribers = {SUBSCRIBERS}\nrate = 100\nduration = \"6s\"\nwarmup = \"500ms\"\n\
             drain = \"8s\"\nsession = \"persistent\"\n\
             [matrix]\nqos = [{qos}]\nsize = [64]\nsuite = [\"aes-128-gcm\"]\n",
            m.broker_toml()
        ),
    );
    let run = tokio::spawn(async move { common::run_in_temp(&s).await });
    assert!(
        first_message_seen(m).await,
        "QoS {qos} {protocol}: no message of the run reached the broker"
    );
    tokio::time::sleep(Duration::from_secs(1)).await;
    match stop {
        Stop::Term => m.terminate(),
        Stop::Kill => m.kill(),
    }
    tokio::time::sleep(DOWN_FOR).await;
    m.start_again();
    let (outcome, _root) = run.await.expect("run task");
    let r = outcome.results;
    assert_eq!(r.cases.len(), 1);
    let c = r.cases[0].clone();
    let n = &c.counts;
    eprintln!(
        "QoS {qos} {protocol} persistent, {stop:?}: sent {} delivered {} lost {} duplicated {}; \
         sessions {:?}; outages {:?}; {} errors",
        n.sent,
        n.delivered,
        n.lost,
        n.duplicated,
        c.session_resumes,
        c.outages,
        c.errors.len()
    );
    assert_eq!(c.params.session, "persistent");
    assert!(c.id.ends_with("/persistent"), "{}", c.id);
    // The accounting identity holds whatever the broker did.
    assert_eq!(n.expected, n.sent * u64::from(SUBSCRIBERS), "{n:?}");
    assert_eq!(n.expected, n.delivered + n.lost, "{n:?}");
    assert!(n.sent > 0, "{n:?}");
    assert!(
        !c.outages.is_empty(),
        "QoS {qos} {protocol}: the restart was not seen: {:?}",
        c.outages
    );
    c
}

/// With a file to save to and the default autosave interval (30 min): only a clean
/// shutdown writes it during a test.
fn persistent_mosquitto() -> Option<Mosquitto> {
    let dir = tempfile::tempdir().expect("temp dir");
    let extra = format!(
        "persistence true\npersistence_location {}/\n",
        dir.path().display()
    );
    let m = Mosquitto::start_with(&extra)?;
    // The broker's own temp folder outlives this one otherwise: keep it for the broker's life.
    std::mem::forget(dir);
    Some(m)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn persistent_sessions_lose_nothing_across_a_clean_broker_restart() {
    let Some(mut m) = persistent_mosquitto() else {
        return;
    };
    if observer_missing() {
        return;
    }
    for (qos, protocol) in [(1u8, "v4"), (2, "v4"), (1, "v5"), (2, "v5")] {
        let c = run_with_restart(&mut m, qos, protocol, Stop::Term).await;
        let n = &c.counts;
        assert_eq!(c.status, CaseStatus::Ok, "{:?}", c.error);
        assert_eq!(
            n.lost, 0,
            "QoS {qos} {protocol}: persistent session + persistence + SIGTERM lost messages: {n:?}; {:?}",
            c.errors
        );
        if qos == 2 {
            assert_eq!(n.duplicated, 0, "QoS 2 {protocol} delivered twice: {n:?}");
        }
        let resumes = c
            .session_resumes
            .expect("a persistent case records its resumes");
        assert!(
            resumes.reconnects >= u64::from(PUBLISHERS + SUBSCRIBERS),
            "{resumes:?}"
        );
        assert_eq!(
            resumes.resumed, resumes.reconnects,
            "QoS {qos} {protocol}: every reconnect finds its saved session: {resumes:?}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_broker_loses_the_sessions_it_never_saved() {
    let Some(mut m) = persistent_mosquitto() else {
        return;
    };
    if observer_missing() {
        return;
    }
    let c = run_with_restart(&mut m, 1, "v4", Stop::Kill).await;
    let resumes = c
        .session_resumes
        .expect("a persistent case records its resumes");
    assert!(resumes.reconnects > 0, "{resumes:?}");
    assert_eq!(
        resumes.resumed, 0,
        "a broker killed before its first save has no session to resume: {resumes:?}"
    );
    // The subscriber subscribed again (its session was gone), so delivery resumed.
    assert!(c.counts.delivered > c.counts.sent / 2, "{:?}", c.counts);
}
