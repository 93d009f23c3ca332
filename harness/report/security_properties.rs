//! The "Security properties (measured)" table: per protection (suite × MAC × signature), what
//! the tamper matrix measured (rejected % per kind, forgeries accepted, header fields nothing
//! authenticates), the repeated ciphertext blocks seen on the wire (ECB leakage) and the
//! replays the subscribers counted.
//!
//! Rendered from results.json alone; a run without a `security` section (older runs) still
//! gets the block and replay columns, with the tamper columns "n/a".

use super::data::sig3;
use super::table::{Row, Table};
use crate::results::security::{TamperKind, label, pct};
use crate::results::{CaseResult, ProtectionSecurity, RunResults};

pub const TITLE: &str = "Security properties (measured)";

pub const LEGEND: &str = "authenticated: tampering is detected (AEAD, hybrid, HMAC or \
signature); only a signature also proves who sent a message (anyone holding a hybrid suite's \
public key can write a new one). Tamper columns: % of damaged or forged real envelopes the subscriber \
rejected (bit flips anywhere, truncation, appended bytes, a flipped header-field bit, another \
message's header, another topic). forged: tampered messages that opened to a different \
plaintext. unauthenticated fields: header fields whose flipped bits went unnoticed. repeated \
blocks: ciphertext blocks equal to an earlier block of the same envelope body, per envelope, \
on a sample of received envelopes; across msgs: blocks equal to a block of an earlier \
message of the same publisher, per envelope (non-zero means the payload's patterns show on the \
wire). replayed: copies of an already received (publisher, seq) beyond QoS duplicates.";

/// One row per protection, in the order the run first met them.
pub fn table(results: &RunResults) -> Option<Table> {
    let mut labels: Vec<String> = Vec::new();
    if let Some(s) = &results.security {
        labels.extend(s.protections.iter().map(|p| p.label_of()));
    }
    for c in &results.cases {
        let l = case_label(c);
        if !labels.contains(&l) {
            labels.push(l);
        }
    }
    if labels.is_empty() {
        return None;
    }
    let mut headers: Vec<&'static str> = vec!["protection", "authenticated"];
    headers.extend(TamperKind::ALL.iter().map(|k| k.name()));
    headers.extend([
        "forged",
        "unauthenticated fields",
        "repeated blocks",
        "repeated across msgs",
        "replayed",
        "replay detection",
    ]);
    let mut numeric = vec![false, false];
    numeric.extend(TamperKind::ALL.iter().map(|_| true));
    numeric.extend([true, false, true, true, true, false]);
    let rows = labels
        .iter()
        .map(|label| row(results, label))
        .collect::<Vec<_>>();
    Some(Table {
        headers,
        numeric,
        rows,
    })
}

trait Label {
    fn label_of(&self) -> String;
}

impl Label for ProtectionSecurity {
    fn label_of(&self) -> String {
        label(&self.suite, &self.mac, &self.signature)
    }
}

fn case_label(c: &CaseResult) -> String {
    label(&c.params.suite, &c.params.mac, &c.params.signature)
}

fn row(results: &RunResults, label: &str) -> Row {
    let measured = results
        .security
        .as_ref()
        .and_then(|s| s.protections.iter().find(|p| p.label_of() == label));
    let cases: Vec<&CaseResult> = results
        .cases
        .iter()
        .filter(|c| case_label(c) == label)
        .collect();
    let authenticated = measured.map(|p| p.authenticated).or_else(|| {
        cases
            .first()
            .map(|c| super::table::has_integrity(results, c))
    });
    let mut cells = vec![
        label.to_owned(),
        authenticated.map_or_else(|| "n/a".into(), |a| if a { "yes" } else { "no" }.into()),
    ];
    for k in TamperKind::ALL {
        cells.push(
            measured
                .and_then(|p| p.kinds.iter().find(|c| c.kind == k.name()))
                .map_or_else(
                    || "n/a".into(),
                    |c| format!("{}% of {}", pct(c.rejected_pct()), c.trials),
                ),
        );
    }
    cells.push(measured.map_or_else(
        || "n/a".into(),
        |p| p.kinds.iter().map(|c| c.forged).sum::<u64>().to_string(),
    ));
    cells.push(measured.map_or_else(
        || "n/a".into(),
        |p| {
            if p.unauthenticated_fields.is_empty() {
                "none".into()
            } else {
                p.unauthenticated_fields.join(", ")
            }
        },
    ));
    // Repeated blocks per envelope, over every case of this protection that sampled some.
    let (mut envelopes, mut repeated, mut across) = (0u64, 0u64, 0u64);
    for c in &cases {
        if let Some(b) = &c.block_repeats {
            envelopes += b.envelopes;
            repeated += b.repeated;
            across += b.repeated_across;
        }
    }
    for n in [repeated, across] {
        cells.push(if envelopes == 0 {
            "n/a".into()
        } else {
            sig3(n as f64 / envelopes as f64)
        });
    }
    cells.push(
        cases
            .iter()
            .map(|c| c.counts.replayed)
            .sum::<u64>()
            .to_string(),
    );
    cells.push(
        match authenticated {
            Some(true) => "any copy (seq authenticated)",
            Some(false) => "unmodified copies only (seq forgeable)",
            None => "n/a",
        }
        .into(),
    );
    Row {
        cells,
        lossy: false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn old_runs_get_na_tamper_cells_and_measured_ones_their_numbers() {
        use crate::results::{ProtectionSecurity, SecurityResults, TamperCounts};
        let mut r = crate::report::fixture::run();
        let t = table(&r).expect("rows for the cases");
        let first = &t.rows[0].cells;
        assert_eq!(first.len(), t.headers.len());
        assert_eq!(first[2], "n/a", "no security section: tamper cells are n/a");
        let c = &r.cases[0];
        let (suite, mac, signature) = (
            c.params.suite.clone(),
            c.params.mac.clone(),
            c.params.signature.clone(),
        );
        r.security = Some(SecurityResults {
            seed: 1,
            trials_per_kind: 10,
            budget_s: 2.0,
            protections: vec![ProtectionSecurity {
                suite,
                mac,
                signature,
                authenticated: false,
                size: 64,
                kinds: vec![TamperCounts {
                    kind: "bit-flip".into(),
                    trials: 1000,
                    rejected: 999,
                    forged: 1,
                    ..Default::default()
                }],
                unauthenticated_fields: vec!["seq".into()],
                truncated_by_budget: false,
                provider: None,
                implementation: None,
            }],
        });
        let t = table(&r).unwrap();
        let cells = &t.rows[0].cells;
        assert_eq!(cells[1], "no");
        assert_eq!(cells[2], "99.9% of 1000", "one forgery in 1000 is not 100%");
        assert_eq!(cells[3], "n/a", "kind not measured");
        let forged = t.headers.iter().position(|h| *h == "forged").unwrap();
        assert_eq!(cells[forged], "1");
        assert_eq!(cells[forged + 1], "seq");
    }

    #[test]
    fn one_accepted_forgery_is_not_rounded_to_100() {
        assert_eq!(pct(100.0), "100");
        assert_eq!(pct(99.99), "99.9");
        assert_eq!(pct(0.0), "0.0");
    }
}
