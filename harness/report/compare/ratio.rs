//! The ratio chart of `compare`: per matched case, B/A of the median encrypt, decrypt and
//! latency and of delivered msgs/s (geometric means over repetitions), as bars against a
//! dashed line at 1 (no change). The p99s and loss stay in the table: tails are too noisy for
//! a bar to mean much. Intervals and verdicts are in the table, next to the chart.

use super::Comparison;
use crate::report::bars::{BarChart, Group};
use crate::report::{ReportError, data};
use crate::results::RunResults;

pub const NAME: &str = "compare_ratio";
pub const TITLE: &str = "Run B relative to run A (B/A)";
pub const X_LABEL: &str = "B/A ratio (1 = no change; times: above 1 is slower)";
pub const Y_LABEL: &str = "case, bars by metric";

/// The metrics drawn, by their [`Metric::name`](super::Metric).
const DRAWN: [&str; 4] = ["enc p50", "dec p50", "lat p50", "delivered/s"];

/// `None` when no case has any ratio to draw.
pub fn render(
    c: &Comparison,
    a: &RunResults,
    b: &RunResults,
) -> Result<Option<String>, ReportError> {
    let groups: Vec<Group> = c
        .cases
        .iter()
        .map(|case| Group {
            label: case.label.clone(),
            // Coloured by B's suite: with --match the two sides may differ, and B is the run
            // being judged.
            suite: case.id_b.split('/').next().unwrap_or_default().to_string(),
            values: DRAWN
                .iter()
                .map(|name| {
                    case.metrics
                        .iter()
                        .find(|m| m.metric == *name)
                        .and_then(|m| m.ratio)
                })
                .collect(),
        })
        .collect();
    let chart = BarChart {
        title: TITLE.into(),
        x_desc: X_LABEL.into(),
        y_desc: Y_LABEL.into(),
        kinds: DRAWN.iter().map(|s| s.to_string()).collect(),
        groups,
        value_label: |r| format!("×{}", data::sig3(r)),
        caption: format!(
            "A: {} · B: {}",
            data::caption(a),
            if a.environment.cpu_model == b.environment.cpu_model {
                format!("run started {}", b.started_at)
            } else {
                data::caption(b)
            }
        ),
        reference: Some(1.0),
    };
    chart.render()
}
