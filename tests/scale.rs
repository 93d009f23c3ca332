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
