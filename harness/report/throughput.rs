//! Delivered messages per second per suite, one bar per QoS x size: what the broker and the
//! subscribers actually received in the measured window, never the offered rate.

use super::bars::{self, BarChart};
use super::{ReportError, data};
use crate::results::RunResults;

pub const NAME: &str = "throughput";
pub const TITLE: &str = "Delivered messages per second";

pub fn render(results: &RunResults) -> Result<Option<String>, ReportError> {
    let kinds = bars::qos_size_kinds(results);
    let groups = bars::groups_by_qos_size(results, &kinds, |c| {
        (c.measured_s > 0.0).then_some(c.throughput.delivered_msgs_per_s)
    });
    let chart = BarChart {
        title: TITLE.into(),
        x_desc: "delivered messages per second, all subscribers (msg/s)".into(),
        y_desc: "suite, bars by QoS and size".into(),
        kinds: bars::qos_size_labels(&kinds),
        groups,
        value_label: data::fmt_rate,
        caption: data::caption(results),
        reference: None,
    };
    chart.render()
}
