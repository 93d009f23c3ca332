//! A thousand publishers against a real Mosquitto (password file, as seed 003 sets it up):
//! connected in a ramp, every message accounted for. Its own test binary so it does not share
//! the two cores with the embedded-broker scale test.

use crate::common;
use crate::common::mosquitto::Mosquitto;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn thousand_publishers_against_mosquitto_deliver_everything() {
    let Some(m) = Mosquitto::start() else {
        return;
    };
    let s = common::scenario(
        "scale-mosquitto.toml",
        &format!(
            r#"
name = "scale-mosquitto"
{}
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
            m.broker_toml()
        ),
    );
    let (outcome, _root) = common::run_in_temp(&s).await;
    let c = &outcome.results.cases[0];
    let n = &c.counts;
    assert_eq!(
        c.status,
        mqtt_cipher_bench::results::CaseStatus::Ok,
        "{:?}",
        c.error
    );
    assert_eq!(
        c.phases["connect"].count, 1001,
        "every client connected once"
    );
    assert_eq!(n.sent + n.unsent, 4000, "{n:?}");
    assert_eq!(n.delivered, n.sent, "{n:?} {:?}", c.errors);
    assert_eq!((n.lost, n.duplicated, n.failed_auth), (0, 0, 0));
    assert!(c.outages.is_empty(), "{:?}", c.outages);
    eprintln!(
        "1000 publishers via Mosquitto: connect p50 {:.1} ms p99 {:.1} ms, latency p50 {:.2} ms p99 {:.2} ms, RSS {:?}",
        c.phases["connect"].p50 as f64 / 1e6,
        c.phases["connect"].p99 as f64 / 1e6,
        c.phases["latency"].p50 as f64 / 1e6,
        c.phases["latency"].p99 as f64 / 1e6,
        c.cpu.max_rss_bytes
    );
}
