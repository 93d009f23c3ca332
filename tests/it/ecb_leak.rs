//! ECB leakage on the wire: patterned payloads (`zeros`, `sensor-json`) sent through the
//! embedded broker; the subscribers count repeated ciphertext blocks in the envelopes they
//! really received. ECB repeats, CBC/CTR/GCM do not, and the report says so.

use crate::common;
use mqtt_cipher_bench::results::{CaseResult, CaseStatus};

const SUITES: [&str; 5] = [
    "aes-128-ecb",
    "des-ecb",
    "aes-128-cbc",
    "aes-128-ctr",
    "aes-128-gcm",
];

fn scenario(payload: &str) -> mqtt_cipher_bench::scenario::Scenario {
    let suites: Vec<String> = SUITES.iter().map(|s| format!("\"{s}\"")).collect();
    common::scenario(
        "ecb.toml",
        &format!(
            "name = \"ecb-{payload}\"\n[load]\npublishers = 2\nrate = 40\nduration = \"1s\"\n\
             warmup = \"200ms\"\ndrain = \"2s\"\npayload = \"{payload}\"\n[matrix]\nqos = [1]\n\
             size = [256]\nsuite = [{}]\n",
            suites.join(", ")
        ),
    )
}

fn case<'a>(cases: &'a [CaseResult], suite: &str) -> &'a CaseResult {
    cases
        .iter()
        .find(|c| c.params.suite == suite)
        .unwrap_or_else(|| panic!("no case for {suite}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ecb_repeats_blocks_on_the_wire_and_the_others_do_not() {
    for payload in ["zeros", "sensor-json"] {
        let (outcome, _root) = common::run_in_temp(&scenario(payload)).await;
        let cases = &outcome.results.cases;
        for suite in SUITES {
            let c = case(cases, suite);
            assert_eq!(c.status, CaseStatus::Ok, "{}: {:?}", c.id, c.error);
            let b = c
                .block_repeats
                .as_ref()
                .unwrap_or_else(|| panic!("{payload} {suite}: no block sample"));
            assert!(b.envelopes >= 20, "{payload} {suite}: {b:?}");
            let ecb = suite.ends_with("-ecb");
            let want_len = if suite.starts_with("des") { 8 } else { 16 };
            assert_eq!(b.block_len, want_len, "{suite}");
            match (ecb, payload) {
                // 256 zero bytes: every block of the body but the padding block is the same.
                (true, "zeros") => {
                    let blocks_per_body = 256 / want_len as u64 + 1;
                    assert_eq!(b.blocks, b.envelopes * blocks_per_body, "{suite}");
                    assert_eq!(b.repeated, b.envelopes * (blocks_per_body - 2), "{suite}");
                    assert_eq!(b.envelopes_with_repeats, b.envelopes);
                }
                // JSON: the same key names in every message, so blocks recur from message to
                // message of a publisher.
                (true, _) => assert!(b.repeated_across > 0, "{payload} {suite}: {b:?}"),
                (false, _) => assert_eq!(
                    (b.repeated, b.repeated_across),
                    (0, 0),
                    "{payload} {suite}: {b:?}"
                ),
            }
        }
        // The CLI renders the report after run(); render it the same way.
        mqtt_cipher_bench::report::render_run(&outcome.dir, &outcome.results)
            .expect("report renders");
        let md = std::fs::read_to_string(outcome.dir.join("report.md")).unwrap();
        assert!(md.contains("Security properties (measured)"), "{md}");
        assert!(md.contains("ECB leaks patterns"), "{md}");
        let (_, measured) = md
            .split_once("Security properties (measured)")
            .expect("measured table");
        let row = measured
            .lines()
            .find(|l| l.starts_with("| aes-128-ecb |"))
            .expect("aes-128-ecb row");
        let gcm = measured
            .lines()
            .find(|l| l.starts_with("| aes-128-gcm |"))
            .expect("aes-128-gcm row");
        assert!(gcm.contains("| 0 | 0 |"), "{gcm}");
        if payload == "zeros" {
            assert!(row.contains("| 15.0 |"), "{row}");
        }
    }
}
