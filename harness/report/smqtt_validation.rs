//! S-MQTT's validation round trip (the `smqtt_validation` phase: one sample per publisher per
//! case, before the measured phase), one line per case, pooled over its repetitions, with why
//! it travels over PUBLISH.

use std::collections::BTreeMap;

use super::data::fmt_duration;
use crate::results::{RunResults, phase};

pub const TITLE: &str = "S-MQTT validation round trip (seed 004, §3.3 steps 1–4)";

/// What the exchange is and why it runs over PUBLISH rather than the paper's DETECT packet.
pub const LEGEND: &str = "Before each s-mqtt case is measured, every publisher sends its \
subscriber Enc(M), timestamp 1 and Hash(M); the subscriber decrypts, compares Hash(M') with \
Hash(M) and returns Hash(M') and timestamp 2 signed with ECDSA P-256; the publisher verifies, \
compares and checks the time difference against load.smqtt_time_bound, and a failure fails \
the case. Timed from sealing the request to the answer checked, through the broker both ways. \
The paper's DETECT packet is reserved packet type 0, which rumqttd and Mosquitto answer by \
closing the connection (`mqtt-cipher-bench probe`, row packet-type-0, shows what a broker \
does with it), so the exchange travels over PUBLISH at QoS 1.";

/// One sentence per s-mqtt case that recorded the phase: samples, repetitions, the median of
/// the per-repetition medians and their range.
pub fn lines(results: &RunResults) -> Vec<String> {
    // (size, id) -> (samples, per-repetition p50s): in size order, as the paper's figures.
    let mut by_case: BTreeMap<(usize, &str), (u64, Vec<u64>)> = BTreeMap::new();
    for c in &results.cases {
        if let Some(p) = c.phases.get(phase::SMQTT_VALIDATION) {
            let e = by_case.entry((c.params.size, c.id.as_str())).or_default();
            e.0 += p.count;
            e.1.push(p.p50);
        }
    }
    by_case
        .into_iter()
        .map(|((_, id), (n, mut p50s))| {
            p50s.sort_unstable();
            let mid = p50s[p50s.len() / 2];
            let range = if p50s.len() > 1 {
                format!(
                    ", per-repetition medians {} to {}",
                    fmt_duration(p50s[0] as f64),
                    fmt_duration(p50s[p50s.len() - 1] as f64)
                )
            } else {
                String::new()
            };
            format!(
                "{id}: median round trip {} ({n} exchange{} over {} repetition{}{range})",
                fmt_duration(mid as f64),
                if n == 1 { "" } else { "s" },
                p50s.len(),
                if p50s.len() == 1 { "" } else { "s" },
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn one_line_per_smqtt_case_and_none_for_other_runs() {
        let r = super::super::fixture::run();
        // The fixture has no s-mqtt validation.
        assert!(super::lines(&r).is_empty());
        let mut r = r;
        let mut c = r.cases[0].clone();
        let mut p = c.phases.values().next().cloned().expect("a phase");
        p.count = 1;
        p.p50 = 2_500_000;
        c.phases.insert("smqtt_validation".into(), p.clone());
        let mut c2 = c.clone();
        p.p50 = 3_500_000;
        c2.phases.insert("smqtt_validation".into(), p);
        r.cases = vec![c.clone(), c2];
        let lines = super::lines(&r);
        assert_eq!(lines.len(), 1, "{lines:?}");
        assert!(
            lines[0].starts_with(&format!("{}: median round trip 3.50 ms (2 exchanges over 2 repetitions, per-repetition medians 2.50 ms to 3.50 ms)", c.id)),
            "{lines:?}"
        );
    }
}
