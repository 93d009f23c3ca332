//! Security overhead bytes per message against plaintext size, per suite: what the IV,
//! padding, tag, MAC, signature and envelope ids add to every PUBLISH (the 28 bytes only the
//! harness needs are not counted). Bars rather than lines: suites with equal overhead (every
//! 12-byte-nonce AEAD) would hide each other's lines, while bars keep each one visible with
//! its exact value.

use super::bars::{self, BarChart};
use super::{ReportError, data};
use crate::results::RunResults;

pub const NAME: &str = "overhead";
pub const TITLE: &str = "Security overhead per message";

pub fn render(results: &RunResults) -> Result<Option<String>, ReportError> {
    let sizes = data::sizes(data::ok_cases(results));
    let groups = bars::groups_by_series(results, &sizes, |cases, &size| {
        // Sizes are the same at every QoS; a zero envelope means the case never built one.
        cases
            .iter()
            .find(|c| c.params.size == size && c.sizes.envelope > 0)
            .map(|c| c.sizes.security_overhead as f64)
    });
    let chart = BarChart {
        title: TITLE.into(),
        x_desc: "security overhead (bytes per message, harness fields excluded)".into(),
        y_desc: "suite, bars by plaintext size".into(),
        kinds: sizes
            .iter()
            .map(|&s| format!("{} plaintext", data::fmt_bytes(s)))
            .collect(),
        groups,
        value_label: |v| format!("{v:.0} B"),
        caption: data::caption(results),
        reference: None,
    };
    chart.render()
}
