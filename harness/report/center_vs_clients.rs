//! Security Center response vs number of clients asking at once (the concurrency probe of
//! `[keys.center] concurrency`), log-log: per suite, the clients' response time p50 and p99
//! (dashed) and the center's own time per request p50 (dotted markers), each the median over
//! the suite's cases.
//!
//! Only rendered when the run has probe data.

use std::collections::BTreeMap;

use super::data;
use super::lines::{self, Series};
use super::{ReportError, style};
use crate::results::{PhaseStats, RunResults};

pub const NAME: &str = "center_vs_clients";
pub const TITLE: &str = "Security Center: response time vs clients asking at once";

/// A series kind: label, dashed, which statistics of a level, which percentile.
type Kind = (
    &'static str,
    bool,
    fn(&crate::results::CenterConcurrency) -> Option<&PhaseStats>,
    fn(&PhaseStats) -> u64,
);

pub fn series(results: &RunResults) -> Vec<Series> {
    // suite → clients → values per case.
    type Points = BTreeMap<u32, Vec<f64>>;
    let suites = data::center_suites(results);
    let mut by: BTreeMap<(String, usize), Points> = BTreeMap::new();
    let kinds: [Kind; 3] = [
        ("response p50", false, |l| l.response.as_ref(), |p| p.p50),
        ("response p99", true, |l| l.response.as_ref(), |p| p.p99),
        ("center p50", true, |l| l.service.as_ref(), |p| p.p50),
    ];
    for c in data::ok_cases(results) {
        let Some(center) = &c.center else { continue };
        for l in &center.concurrency {
            for (k, (_, _, stats, pick)) in kinds.iter().enumerate() {
                if let Some(p) = stats(l).filter(|p| p.count > 0) {
                    by.entry((c.params.suite.clone(), k))
                        .or_default()
                        .entry(l.clients)
                        .or_default()
                        .push(data::ns_to_ms(pick(p) as f64));
                }
            }
        }
    }
    let mut out = Vec::new();
    for (i, suite) in suites.iter().enumerate() {
        for (k, (label, dashed, _, _)) in kinds.iter().enumerate() {
            let Some(points) = by.remove(&(suite.clone(), k)) else {
                continue;
            };
            let points: Vec<(f64, f64)> = points
                .into_iter()
                .filter_map(|(n, v)| Some((f64::from(n), data::median(v)?)))
                .filter(|(_, v)| *v > 0.0)
                .collect();
            if points.is_empty() {
                continue;
            }
            let mut st = style::series(i * 3 + k);
            st.dashed = *dashed;
            out.push(Series {
                label: format!("{suite} · {label}"),
                style: st,
                points,
            });
        }
    }
    out
}

pub fn render(results: &RunResults) -> Result<Option<String>, ReportError> {
    let series = series(results);
    let x_ticks = series
        .iter()
        .flat_map(|s| s.points.iter().map(|p| p.0))
        .collect();
    lines::render_log_log(
        &lines::LogLog {
            title: TITLE,
            caption: format!(
                "N fresh clients ask for new topics' keys at once, median over cases; clients and center share this machine. {}",
                data::caption(results)
            ),
            x_desc: "clients asking at once (log)",
            y_desc: "time per key request (ms, log)",
            x_ticks,
        },
        &[(None, &series)],
    )
}
