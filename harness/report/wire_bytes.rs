//! Bytes on the wire per message, client to broker, counted at the socket by the link proxy:
//! the envelope plus everything the transport and protocol add (MQTT headers, acks, TLS
//! records, WebSocket frames, the MQTT 5 property length). The one chart where TLS-vs-payload
//! and v3.1.1-vs-5 differences show in bytes rather than time; one group per series (suite,
//! plus mac/signature/MQTT version/transport where they vary), one bar per QoS x size.
//!
//! Rendered when the run counted wire bytes (the proxy is on by default).

use super::bars::{self, BarChart};
use super::{ReportError, data};
use crate::results::{CaseResult, RunResults};

pub const NAME: &str = "wire_bytes";
pub const TITLE: &str = "Bytes on the wire per message";
pub const X_LABEL: &str = "client → broker bytes per message sent, at the socket (B)";
pub const Y_LABEL: &str = "series, bars by QoS and size";

fn up(c: &CaseResult) -> Option<f64> {
    c.wire
        .as_ref()
        .and_then(|w| w.per_message_up)
        .filter(|v| v.is_finite() && *v > 0.0)
}

pub fn render(results: &RunResults) -> Result<Option<String>, ReportError> {
    if !data::ok_cases(results).any(|c| up(c).is_some()) {
        return Ok(None);
    }
    let sizes = data::sizes(data::ok_cases(results));
    let kinds: Vec<(u8, usize)> = data::qos_levels(data::ok_cases(results))
        .into_iter()
        .flat_map(|q| sizes.iter().map(move |&s| (q, s)))
        .collect();
    let groups = bars::groups_by_series(results, &kinds, |cases, &(qos, size)| {
        cases
            .iter()
            .find(|c| c.params.qos == qos && c.params.size == size)
            .and_then(|c| up(c))
    });
    let chart = BarChart {
        title: TITLE.into(),
        x_desc: X_LABEL.into(),
        y_desc: Y_LABEL.into(),
        kinds: kinds
            .iter()
            .map(|&(q, s)| format!("QoS {q} · {}", data::fmt_bytes(s)))
            .collect(),
        groups,
        value_label: |v| format!("{v:.1} B"),
        caption: data::caption(results),
        reference: None,
    };
    chart.render()
}
