//! Bytes on the wire per message, client to broker, counted at the socket by the link proxy:
//! the envelope plus everything the transport and protocol add (MQTT headers, acks, TLS
//! records, WebSocket frames, the MQTT 5 property length). The one chart where TLS-vs-payload
//! and v3.1.1-vs-5 differences show in bytes rather than time; one group per series (suite,
//! plus mac/signature/MQTT version/transport where they vary), one bar per QoS x size.
//!
//! With repetitions, bars are medians across them and whiskers their 95% intervals.
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
    let kinds = bars::qos_size_kinds(results);
    let mut groups = bars::groups_by_qos_size(results, &kinds, up);
    // TLS records vary a little between repetitions; plain MQTT's bytes do not.
    let ranges = bars::qos_size_ranges(results, &kinds, up);
    // A series' MQTT versions next to each other (the matrix runs all of v4 first), so the
    // byte the protocol adds reads off adjacent bars; stable, so v4 stays above v5.
    let without_version = |label: &str| label.replace(" · v4", "").replace(" · v5", "");
    let mut order: Vec<String> = Vec::new();
    for g in &groups {
        let k = without_version(&g.label);
        if !order.contains(&k) {
            order.push(k);
        }
    }
    groups.sort_by_key(|g| {
        let k = without_version(&g.label);
        order.iter().position(|o| *o == k)
    });
    let chart = BarChart {
        title: TITLE.into(),
        x_desc: X_LABEL.into(),
        y_desc: Y_LABEL.into(),
        kinds: bars::qos_size_labels(&kinds),
        groups,
        value_label: |v| format!("{v:.1} B"),
        caption: data::caption(results),
        reference: None,
    };
    chart.render_with_ranges(&ranges)
}
