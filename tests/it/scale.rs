//! A thousand publishers, each a real MQTT connection with its own schedule, against the
//! embedded broker: connected in a ramp, carried by one thread group per core (`load.threads`
//! "auto"), every message accounted for.

use crate::common;
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn thousand_publishers_deliver_everything() {
    let s = common::scenario(
        "scale.toml",
        r#"
name = "scale"
[load]
publishers = 1000
subscribers = 1
rate = 2
duration = "2s"
warmup = "500ms"
drain = "10s"
[matrix]
qos = [1]
size = [64]
suite = ["aes-128-gcm"]
"#,
    );
    let (outcome, _root) = common::run_in_temp(&s).await;
    let c = &outcome.results.cases[0];
    let n = &c.counts;
    assert_eq!(
        c.phases["connect"].count, 1001,
        "every client connected once"
    );
    assert_eq!(n.sent + n.unsent, 4000, "{n:?}");
    assert_eq!(n.delivered, n.sent, "{n:?} {:?}", c.errors);
    assert_eq!((n.lost, n.duplicated, n.failed_auth), (0, 0, 0));
    // "auto" above 64 clients: one group per core, so a few threads, not 2,001.
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get() as u32);
    let conns = c.connections.expect("connections recorded");
    assert_eq!(conns.clients, 1001);
    assert_eq!(
        (conns.publisher_groups, conns.subscriber_groups),
        (cores.min(1000), 1)
    );
    assert!(
        conns.ramp_s > 0.0 && conns.connects_per_s > 0.0,
        "{conns:?}"
    );
}

/// `threads = N` puts several publishers and subscribers on each thread, open and closed loop,
/// at every QoS: every message still arrives once, each publisher keeps its own schedule
/// (the per-publisher counts add up), and the crypto and CPU figures are still measured.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shared_threads_deliver_everything_at_every_qos() {
    for rate in ["50", "\"max\""] {
        let s = common::scenario(
            "shared.toml",
            &format!(
                r#"
name = "shared"
[load]
publishers = 7
subscribers = 3
rate = {rate}
inflight = 20
duration = "1s"
warmup = "200ms"
drain = "5s"
threads = 2
[matrix]
qos = [0, 1, 2]
size = [64]
suite = ["aes-128-gcm"]
"#
            ),
        );
        let (outcome, _root) = common::run_in_temp(&s).await;
        for c in &outcome.results.cases {
            let n = &c.counts;
            assert_eq!(
                c.status,
                mqtt_cipher_bench::results::CaseStatus::Ok,
                "{rate} {}: {:?}",
                c.id,
                c.error
            );
            assert!(n.sent > 7, "{rate} {}: {n:?}", c.id);
            assert_eq!(n.expected, 3 * n.sent, "{rate} {}: {n:?}", c.id);
            assert_eq!(
                n.delivered, n.expected,
                "{rate} {}: {n:?} {:?}",
                c.id, c.errors
            );
            assert_eq!((n.lost, n.duplicated, n.failed_auth), (0, 0, 0), "{}", c.id);
            if rate == "50" {
                assert_eq!(n.sent + n.unsent, 7 * 50, "{}: {n:?}", c.id);
            }
            let conns = c.connections.expect("connections recorded");
            assert_eq!((conns.publisher_groups, conns.subscriber_groups), (2, 2));
            assert!(c.phases["encrypt_cpu"].count > 0 && c.phases["decrypt_cpu"].count > 0);
            let t = c.cpu.threads.as_ref().expect("thread CPU measured");
            assert!(t.publisher_io_us_per_msg.is_some() && t.subscriber_us_per_msg.is_some());
        }
    }
}

/// `matrix.threads` runs thread models side by side in one shuffled run: each case records
/// its value (`params.threads`, the id's `/threads-…`) and ran on the groups it names, and
/// `compare --match threads` can set them apart.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_threads_axis_runs_each_model_in_its_own_cases() {
    let s = common::scenario(
        "threads-axis.toml",
        r#"
name = "threads-axis"
[load]
publishers = 4
subscribers = 2
rate = 50
duration = "1s"
warmup = "200ms"
drain = "3s"
[matrix]
qos = [1]
size = [64]
suite = ["aes-128-gcm"]
threads = ["per-client", 1]
"#,
    );
    assert_eq!(s.cases.len(), 2);
    let (outcome, _root) = common::run_in_temp(&s).await;
    let mut seen = Vec::new();
    for c in &outcome.results.cases {
        assert_eq!(
            c.status,
            mqtt_cipher_bench::results::CaseStatus::Ok,
            "{}: {:?}",
            c.id,
            c.error
        );
        assert_eq!(c.counts.delivered, c.counts.expected, "{}", c.id);
        let conns = c.connections.expect("connections recorded");
        let groups = (conns.publisher_groups, conns.subscriber_groups);
        match c.params.threads.as_deref() {
            Some("per-client") => {
                assert!(c.id.ends_with("/threads-per-client"), "{}", c.id);
                assert_eq!(groups, (4, 2), "{}", c.id);
            }
            Some("1") => {
                assert!(c.id.ends_with("/threads-1"), "{}", c.id);
                assert_eq!(groups, (1, 1), "{}", c.id);
            }
            other => panic!("{}: threads {other:?}", c.id),
        }
        seen.push(c.params.threads.clone());
    }
    seen.sort();
    assert_eq!(seen, [Some("1".into()), Some("per-client".into())]);
}

/// `connect_batch` / `connect_interval` shape the ramp: 40 publishers in batches of 10, 500 ms
/// apart, cannot be up in less than 3 pauses. A lower bound only, so a slow
/// machine cannot fail it; without the ramp the case is over in well under that.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connect_ramp_spaces_batches() {
    let s = common::scenario(
        "ramp.toml",
        r#"
name = "ramp"
[load]
publishers = 40
subscribers = 1
rate = 5
duration = "600ms"
warmup = "100ms"
drain = "2s"
connect_batch = 10
connect_interval = "500ms"
[matrix]
qos = [1]
size = [64]
suite = ["none"]
"#,
    );
    let (outcome, _root) = common::run_in_temp(&s).await;
    let c = &outcome.results.cases[0];
    assert_eq!(c.phases["connect"].count, 41, "every client connected once");
    assert!(
        c.wall_s >= 0.6 + 3.0 * 0.5,
        "40 publishers in 4 batches 500 ms apart took only {:.2} s",
        c.wall_s
    );
    assert_eq!(c.counts.delivered, c.counts.sent, "{:?}", c.counts);
}
