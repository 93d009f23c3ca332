//! Faults injected by the link proxy (`[link] faults`) on real sockets to the embedded broker:
//! resets, stalls, half-open connections and byte corruption. Under each, every message is
//! accounted for (expected = delivered + lost, at QoS 1 with clean sessions), the clients
//! reconnect and the time they took is recorded, corruption shows as failed authentication on
//! authenticated suites and as corrupted plaintexts on the others, nothing hangs (each run has
//! a deadline) and nothing panics; the report has the faults table.

use crate::common;
use std::time::Duration;

use mqtt_cipher_bench::results::{CaseResult, CaseStatus, RunResults};

/// Far above what these runs take (about 10 s a case), far below a hang.
const DEADLINE: Duration = Duration::from_secs(300);

fn scenario(
    faults: &str,
    suites: &str,
    extra_matrix: &str,
) -> mqtt_cipher_bench::scenario::Scenario {
    common::scenario(
        "faults.toml",
        &format!(
            "name = \"faults\"\n[load]\npublishers = 2\nsubscribers = 1\nrate = 100\n\
             duration = \"6s\"\nwarmup = \"500ms\"\ndrain = \"3s\"\n\
             [link]\nkeep_alive = \"1s\"\nfaults = [\n{faults}]\n\
             [matrix]\nqos = [1]\nsize = [256]\nsuite = [{suites}]\n{extra_matrix}"
        ),
    )
}

async fn run(
    s: mqtt_cipher_bench::scenario::Scenario,
) -> (RunResults, std::path::PathBuf, tempfile::TempDir) {
    let (outcome, root) =
        tokio::time::timeout(DEADLINE, async move { common::run_in_temp(&s).await })
            .await
            .expect("the run hung");
    (outcome.results, outcome.dir, root)
}

fn case<'a>(r: &'a RunResults, suffix: &str) -> &'a CaseResult {
    r.cases
        .iter()
        .find(|c| c.id.ends_with(suffix))
        .unwrap_or_else(|| {
            panic!(
                "no case {suffix}: {:?}",
                r.cases.iter().map(|c| &c.id).collect::<Vec<_>>()
            )
        })
}

/// The identity every case keeps whatever the fault, and what every faulted case records.
fn accounted(c: &CaseResult) {
    let n = &c.counts;
    assert_ne!(c.status, CaseStatus::Failed, "{}: {:?}", c.id, c.error);
    assert!(n.sent > 0 && n.delivered > 0, "{}: {n:?}", c.id);
    assert_eq!(n.expected, n.sent, "{}: one subscriber: {n:?}", c.id);
    assert_eq!(n.expected, n.delivered + n.lost, "{}: {n:?}", c.id);
    assert_eq!(n.scheduled, Some(n.sent + n.unsent), "{}: {n:?}", c.id);
    let f = c.fault.as_ref().expect("a fault record");
    eprintln!(
        "{}: sent {} delivered {} lost {} dup {} failed_auth {} failed_decrypt {} corrupted {} malformed {} | events {} resets {} corrupted_bytes {} reconnects {} recover {:?} unrecovered {}",
        c.id,
        n.sent,
        n.delivered,
        n.lost,
        n.duplicated,
        n.failed_auth,
        n.failed_decrypt,
        n.corrupted,
        n.malformed,
        f.events,
        f.connections_reset,
        f.corrupted_bytes,
        f.reconnects,
        f.recovery(),
        f.unrecovered
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resets_stalls_and_half_open_links_lose_only_what_they_account_for() {
    let s = scenario(
        "{ kind = \"none\" },\n\
         { kind = \"reset\", every = \"1500ms\" },\n\
         { kind = \"reset\", name = \"reset-random\", mean = \"1s\", seed = 7 },\n\
         { kind = \"stall\", every = \"2500ms\", for = \"2100ms\" },\n\
         { kind = \"half-open\", every = \"2s\", direction = \"down\" },\n\
         { kind = \"half-open\", name = \"half-open-up\", every = \"2s\", direction = \"up\" },\n",
        "\"aes-128-gcm\"",
        "",
    );
    assert_eq!(s.cases.len(), 6);
    let (r, dir, _root) = run(s).await;
    for c in &r.cases {
        accounted(c);
    }

    // A clean link through the proxy loses nothing at QoS 1.
    let none = case(&r, "/fault-none");
    let f = none.fault.as_ref().unwrap();
    assert_eq!((f.events, f.reconnects), (0, 0), "{f:?}");
    assert_eq!(none.counts.lost, 0, "{:?}", none.counts);

    // Resets: RSTs at every event, every client back each time, the recovery time recorded.
    for id in ["/fault-reset", "/fault-reset-random"] {
        let c = case(&r, id);
        let f = c.fault.as_ref().unwrap();
        assert!(f.events >= 2, "{id}: {f:?}");
        assert!(
            f.connections_reset >= 3,
            "{id}: each event resets every open connection: {f:?}"
        );
        assert!(f.reconnects >= 3, "{id}: {f:?}");
        let (median, max) = f
            .recovery()
            .unwrap_or_else(|| panic!("{id}: no recovery: {f:?}"));
        // rumqttc redials after the harness's 200 ms pause; a second is plenty.
        assert!(median > 0.0 && max < 3.0, "{id}: {f:?}");
        assert_eq!(f.unrecovered, 0, "{id}: {f:?}");
        assert!(
            c.errors.iter().any(|e| e.contains("connection error")),
            "{id}: {:?}",
            c.errors
        );
    }

    // A stall longer than two keep-alives: a ping falls in its first second and its answer
    // is due inside it, so clients give up on the silent link and redial; what was sent still
    // arrives or is counted lost.
    let c = case(&r, "/fault-stall");
    let f = c.fault.as_ref().unwrap();
    assert!(f.events >= 2, "{f:?}");
    assert!(
        f.reconnects >= 1,
        "a 2.1 s stall outlasts two 1 s keep-alives: {f:?}"
    );

    // Half-open: the dead direction is noticed by the keep-alive, the client reconnects on a
    // new connection, and delivery resumes (most messages arrive).
    for id in ["/fault-half-open", "/fault-half-open-up"] {
        let c = case(&r, id);
        let f = c.fault.as_ref().unwrap();
        assert!(f.events >= 2, "{id}: {f:?}");
        assert!(f.reconnects >= 1, "{id}: {f:?}");
        assert!(f.recovery().is_some(), "{id}: {f:?}");
        assert!(
            c.counts.delivered > c.counts.sent / 3,
            "{id}: {:?}",
            c.counts
        );
    }

    // The report has the faults table, and results.json carries what it needs.
    mqtt_cipher_bench::report::render_run(&dir, &r).expect("render the report");
    let md = std::fs::read_to_string(dir.join("report.md")).expect("report.md");
    assert!(md.contains("## Faults injected by the link"), "{md}");
    assert!(md.contains("| recover median / max |"), "{md}");
    assert!(
        md.contains("TCP reset of every connection every 1s 500ms"),
        "{md}"
    );
    let html = std::fs::read_to_string(dir.join("report.html")).expect("report.html");
    assert!(html.contains("<h2 id=\"faults\">Faults injected by the link</h2>"));
    let back = mqtt_cipher_bench::results::reader::read(&dir).expect("results.json reads back");
    assert_eq!(back.cases.len(), 6);
    assert!(back.cases.iter().all(|c| c.fault.is_some()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn corruption_fails_authentication_or_shows_as_corrupted_by_suite() {
    let s = scenario(
        "{ kind = \"corrupt\", rate = 2e-4, seed = 11 },\n",
        "\"aes-128-gcm\", \"aes-128-ctr\"",
        "mac = [\"none\", \"hmac-sha256\"]\nmac_only_where_needed = true\n",
    );
    // gcm, ctr, ctr+hmac.
    assert_eq!(s.cases.len(), 3);
    let (r, _dir, _root) = run(s).await;
    for c in &r.cases {
        accounted(c);
        let f = c.fault.as_ref().unwrap();
        assert!(f.corrupted_bytes > 0, "{}: {f:?}", c.id);
    }
    // Authenticated: a flipped byte fails the tag and the message is lost, never delivered
    // wrong.
    for id in [
        "aes-128-gcm/q1/256B/tcp/fault-corrupt",
        "aes-128-ctr+hmac-sha256/q1/256B/tcp/fault-corrupt",
    ] {
        let c = case(&r, id);
        assert!(c.counts.failed_auth > 0, "{id}: {:?}", c.counts);
        assert_eq!(c.counts.corrupted, 0, "{id}: {:?}", c.counts);
    }
    // Unauthenticated: the flipped byte opens to a wrong plaintext, delivered and counted.
    let c = case(&r, "aes-128-ctr/q1/256B/tcp/fault-corrupt");
    assert!(c.counts.corrupted > 0, "{:?}", c.counts);
    assert_eq!(c.counts.failed_auth, 0, "{:?}", c.counts);
}
