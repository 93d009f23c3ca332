//! Delivered messages per second per suite, one bar per QoS x size: what the broker and the
//! subscribers actually received in the measured window, never the offered rate.

use super::bars::{self, BarChart};
use super::{ReportError, data};
use crate::results::RunResults;

pub const NAME: &str = "throughput";
pub const TITLE: &str = "Delivered messages per second";

pub fn render(results: &RunResults) -> Result<Option<String>, ReportError> {
    let sizes = data::sizes(data::ok_cases(results));
    let kinds: Vec<(u8, usize)> = data::qos_levels(data::ok_cases(results))
        .into_iter()
        .flat_map(|q| sizes.iter().map(move |&s| (q, s)))
        .collect();
    let groups = bars::groups_by_series(results, &kinds, |cases, &(qos, size)| {
        cases
            .iter()
            .find(|c| c.params.qos == qos && c.params.size == size && c.measured_s > 0.0)
            .map(|c| c.throughput.delivered_msgs_per_s)
    });
    let chart = BarChart {
        title: TITLE.into(),
        x_desc: "delivered messages per second, all subscribers (msg/s)".into(),
        y_desc: "suite, bars by QoS and size".into(),
        kinds: kinds
            .iter()
            .map(|&(q, s)| format!("QoS {q} · {}", data::fmt_bytes(s)))
            .collect(),
        groups,
        value_label: data::fmt_rate,
        caption: data::caption(results),
        reference: None,
    };
    chart.render()
}
