//! A thousand publishers, each a real MQTT connection with its own thread and schedule,
//! against the embedded broker: connected in a ramp, every message accounted for.

mod common;

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
