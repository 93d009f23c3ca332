//! Each case is written once, when it ends (results.json appended in place, histograms.hlog
//! appended): a run killed outright (SIGKILL, no chance to write anything more) still leaves a
//! results.json that reads back with every case that ended and their histograms, and a
//! finished run's file is in matrix order with its sequence.

use crate::common;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use mqtt_cipher_bench::results::{self, RunStatus, hlog};

const SCENARIO: &str = "name = \"streamed\"\n[load]\npublishers = 1\nsubscribers = 1\nrate = 100\nduration = \"150ms\"\nwarmup = \"30ms\"\ndrain = \"500ms\"\nrepeat = 4\n[matrix]\nsize = [16, 32, 48, 64, 80]\nsuite = [\"aes-128-gcm\"]\n";

#[test]
fn a_killed_run_leaves_every_ended_case_readable() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("streamed.toml");
    std::fs::write(&path, SCENARIO).unwrap();
    let out = dir.path().join("out");
    let mut child = Command::new(common::bin())
        .args([
            "run",
            path.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ])
        .args(["--speed", "none"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // Until at least 3 of the 20 cases are on disk, then kill without warning.
    let deadline = Instant::now() + Duration::from_secs(120);
    let run_dir = loop {
        let found = std::fs::read_dir(out.join("streamed"))
            .ok()
            .and_then(|mut d| d.next())
            .and_then(|e| e.ok())
            .map(|e| e.path())
            .filter(|d| results::reader::read(d).is_ok_and(|r| r.cases.len() >= 3));
        if let Some(d) = found {
            break d;
        }
        assert!(Instant::now() < deadline, "no 3 cases ended in time");
        std::thread::sleep(Duration::from_millis(20));
    };
    child.kill().unwrap();
    child.wait().unwrap();

    let r = results::reader::read(&run_dir).expect("a killed run's results.json reads back");
    assert_eq!(
        r.status,
        RunStatus::Running,
        "it never got to say otherwise"
    );
    let n = r.cases.len();
    assert!((3..20).contains(&n), "{n} cases");
    for c in &r.cases {
        assert!(c.counts.sent > 0, "{}: {:?}", c.id, c.counts);
    }
    // While running, the sequence is the cases' own order; it is filled at the end.
    assert!(r.order.as_ref().is_some_and(|o| o.sequence.is_empty()));
    // The histograms of the same cases (the last one's may be missing: they are appended
    // right after its results).
    let h = hlog::read(&run_dir).unwrap();
    let mut keys: Vec<String> = h.iter().map(|(k, _, _)| k.clone()).collect();
    keys.dedup();
    assert!(
        keys.len() == n || keys.len() + 1 == n,
        "{keys:?} for {n} cases"
    );
    for (c, k) in r.cases.iter().zip(&keys) {
        assert_eq!(&hlog::case_key(&c.id, c.repetition), k);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_finished_run_is_written_in_matrix_order_with_its_sequence() {
    let s = common::scenario("streamed.toml", SCENARIO);
    let (outcome, _root) = common::run_in_temp(&s).await;
    let back = results::reader::read(&outcome.dir).unwrap();
    assert_eq!(back.cases.len(), 20);
    assert_eq!(back.status, RunStatus::Complete);
    let json = |c: &[results::CaseResult]| serde_json::to_value(c).unwrap();
    assert_eq!(json(&back.cases), json(&outcome.results.cases));
    // Matrix order: round by round, each round in the scenario's order.
    let order: Vec<(u32, usize)> = back
        .cases
        .iter()
        .map(|c| (c.repetition, c.params.size))
        .collect();
    let mut sorted = order.clone();
    sorted.sort();
    assert_eq!(order, sorted);
    let seq = &back.order.as_ref().unwrap().sequence;
    assert_eq!(seq.len(), 20);
    // The hlog holds every case once, in the order they ran.
    let h = hlog::read(&outcome.dir).unwrap();
    let mut keys: Vec<String> = h.iter().map(|(k, _, _)| k.clone()).collect();
    keys.dedup();
    let ran: Vec<String> = seq
        .iter()
        .map(|s| hlog::case_key(&s.case, s.repetition))
        .collect();
    assert_eq!(keys, ran);
    assert_eq!(
        back.repetitions.len(),
        5,
        "summaries over the 4 repetitions"
    );
}
