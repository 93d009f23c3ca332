//! Security Center response vs message size (seed 002's Fig. 9), log-log: per suite, the
//! clients' key-request time (cache miss: sign, round trip through the broker, verify, unwrap)
//! at p50 and p99, and the center's own time per request (p50, dashed).
//!
//! The center never sees a message: the key it issues does not depend on the size, so a flat
//! line is the expected shape. Seed 002 reports growth with size; a chart that shows none says
//! this implementation does not reproduce it (see the caption).
//!
//! Only rendered when the run has Security Center data.

use super::data;
use super::lines::{self, Series};
use super::{ReportError, style};
use crate::results::{CaseResult, RunResults, phase};

pub const NAME: &str = "center_vs_size";
pub const TITLE: &str = "Security Center: key request time vs message size (seed 002 Fig. 9)";

/// Median over the cases at one point (several QoS levels) of a percentile of `phase_name`, ms.
fn value(
    cases: &[&CaseResult],
    phase_name: &str,
    pick: fn(&crate::results::PhaseStats) -> u64,
) -> Option<f64> {
    data::median(
        cases
            .iter()
            .filter_map(|c| data::phase(c, phase_name))
            .map(|p| data::ns_to_ms(pick(p) as f64))
            .filter(|v| *v > 0.0)
            .collect(),
    )
}

/// A series kind: label, phase, which percentile, dashed.
type Kind = (
    &'static str,
    &'static str,
    fn(&crate::results::PhaseStats) -> u64,
    bool,
);

pub fn series(results: &RunResults) -> Vec<Series> {
    let mut out = Vec::new();
    let kinds: [Kind; 3] = [
        ("request p50", phase::KEY_REQUEST_MISS, |p| p.p50, false),
        ("request p99", phase::KEY_REQUEST_MISS, |p| p.p99, true),
        ("center p50", phase::CENTER_SERVICE, |p| p.p50, true),
    ];
    for (k, (label, name, pick, dashed)) in kinds.into_iter().enumerate() {
        for (i, mut s) in lines::by_size(results, |cases| value(cases, name, pick))
            .into_iter()
            .enumerate()
        {
            s.label = format!("{} · {label}", s.label);
            // One colour per suite and measure, markers by measure.
            s.style = style::series(i * 3 + k);
            s.style.dashed = dashed;
            out.push(s);
        }
    }
    out.retain(|s| !s.points.is_empty());
    out
}

pub fn render(results: &RunResults) -> Result<Option<String>, ReportError> {
    let series = series(results);
    lines::render_log_log(
        &lines::LogLog {
            title: TITLE,
            caption: format!(
                "request: client asks the center over MQTT (cache miss); center: its authn + authz + keygen + wrap + signing. {}",
                data::caption(results)
            ),
            x_desc: "message size of the case (bytes, log)",
            y_desc: "time per key request (ms, log)",
            x_ticks: data::size_ticks(results),
        },
        &[(None, &series)],
    )
}
