//! Delivered messages per second per suite, one bar per QoS x size: what the broker and the
//! subscribers actually received in the measured window, never the offered rate. With
//! repetitions, each bar is the median across them, its whisker their 95% interval.

use super::bars::{self, BarChart};
use super::{ReportError, data};
use crate::results::{CaseResult, RunResults};

pub const NAME: &str = "throughput";
pub const TITLE: &str = "Delivered messages per second";

pub fn render(results: &RunResults) -> Result<Option<String>, ReportError> {
    let kinds = bars::qos_size_kinds(results);
    let value = |c: &CaseResult| (c.measured_s > 0.0).then_some(c.throughput.delivered_msgs_per_s);
    let groups = bars::groups_by_qos_size(results, &kinds, value);
    let ranges = bars::qos_size_ranges(results, &kinds, value);
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
    chart.render_with_ranges(&ranges)
}
