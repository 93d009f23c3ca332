//! The point of recording latency from the scheduled send time: when the sender itself stalls,
//! the corrected figure shows the backlog users would see and the uncorrected one hides it.
//!
//! The stall here is real work, not a hook: one publisher asked for 1000 msg/s while signing
//! every message with RustCrypto's RSA-3072 (several ms each) can send only a fraction on time. Messages it
//! starts late wait behind the stall; `latency` (from schedule) grows with the backlog, while
//! `latency_uncorrected` (from when the late message was finally started) stays at the cost of
//! one message.

use crate::common;
use mqtt_cipher_bench::results::phase;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stalled_sender_shows_in_corrected_latency_only() {
    let s = common::scenario(
        "stall.toml",
        r#"
name = "stall"
[load]
publishers = 1
subscribers = 1
rate = 1000
duration = "1500ms"
warmup = "100ms"
[matrix]
qos = [1]
size = [64]
suite = ["aes-128-gcm"]
signature = ["rsa-3072-pss"]
# RustCrypto's RSA: aws-lc's (the default) signs in well under a millisecond and keeps up.
provider = ["rustcrypto"]
"#,
    );
    let (outcome, _root) = common::run_in_temp(&s).await;
    let c = &outcome.results.cases[0];
    let n = &c.counts;
    assert!(n.sent > 0 && n.delivered == n.sent, "{n:?} {:?}", c.errors);
    // It could not keep the schedule, and says so instead of reporting 1000 msg/s.
    assert!(n.unsent > 0, "{n:?}");
    assert_eq!(
        n.sent + n.unsent,
        1500,
        "every scheduled message is sent or counted unsent"
    );
    let why = c.saturation.as_deref().expect("saturation reported");
    assert!(why.contains("never sent"), "{why}");
    assert!(c.throughput.sent_msgs_per_s < 0.9 * c.throughput.offered_msgs_per_s.unwrap());

    let corrected = &c.phases[phase::LATENCY];
    let uncorrected = &c.phases[phase::LATENCY_UNCORRECTED];
    let sign = &c.phases[phase::SIGN];
    // The backlog builds for the whole run: hundreds of ms at the tail, corrected...
    assert!(
        corrected.p99 > 100_000_000,
        "corrected p99 {} ns",
        corrected.p99
    );
    // ...while each message, timed from its own late start, costs about one signature.
    assert!(
        corrected.p99 > 5 * uncorrected.p99,
        "corrected p99 {} vs uncorrected p99 {}",
        corrected.p99,
        uncorrected.p99
    );
    assert!(
        uncorrected.p50 >= sign.p50,
        "uncorrected includes the signing it waited for"
    );
}
