//! The `[broker]` and `[link]` sections' checks: the broker's URLs and listeners against the
//! transport and protocol axes, and the emulated link.

use std::time::Duration;

use super::schema::{self, BrokerSection, MatrixSection, Protocol};
use super::{At, ScenarioError, Spanned};

/// Checks the broker URLs and that every transport of the axis has a listener; returns the
/// axis (default: the transport of `broker.url`).
pub(super) fn validate_broker(
    b: &BrokerSection,
    axis: Option<&Spanned<Vec<schema::Transport>>>,
    at: &At<'_>,
) -> Result<Vec<schema::Transport>, ScenarioError> {
    use crate::broker::endpoint;
    let url = b.url.get_ref().trim();
    let span = b.url.span();
    let default = if url.eq_ignore_ascii_case("embedded") {
        schema::Transport::Tcp
    } else {
        endpoint::parse_url("broker.url", url)
            .map_err(|e| at(span.clone(), "broker.url", strip_field(&e.to_string())))?
            .transport
    };
    if url.eq_ignore_ascii_case("embedded")
        && let Some((field, Some(t), _)) = endpoint::v5_listeners(b)
            .into_iter()
            .find(|(_, u, _)| u.is_some())
    {
        return Err(at(
            t.span(),
            field,
            "the embedded broker's MQTT 5 listeners are chosen by the harness; drop this field (it is for an external broker with ports of its own per version)".into(),
        ));
    }
    for (field, url, transport) in endpoint::other_listeners(b)
        .into_iter()
        .chain(endpoint::v5_listeners(b))
    {
        let Some(t) = url else { continue };
        let l = endpoint::parse_url(field, t.get_ref().trim())
            .map_err(|e| at(t.span(), field, strip_field(&e.to_string())))?;
        if l.transport != transport {
            return Err(at(
                t.span(),
                field,
                format!(
                    "expected an {}:// URL, got \"{}\"",
                    endpoint::scheme(transport),
                    t.get_ref()
                ),
            ));
        }
    }
    let (list, span) = match axis {
        Some(a) => (a.get_ref().clone(), a.span()),
        None => (vec![default], span),
    };
    for &t in &list {
        if let Some(e) = endpoint::transport_unavailable(b, t) {
            return Err(at(span, "matrix.transport", strip_field(&e.to_string())));
        }
    }
    Ok(list)
}

pub(super) fn link_spec(
    l: &schema::LinkSection,
    at: &At<'_>,
) -> Result<crate::broker::link::LinkSpec, ScenarioError> {
    let spec = crate::broker::link::LinkSpec {
        rtt: l.rtt.as_ref().map_or(Duration::ZERO, |d| d.get_ref().0),
        jitter: l.jitter.as_ref().map_or(Duration::ZERO, |d| d.get_ref().0),
        bandwidth_bps: l.bandwidth.as_ref().map(|b| b.get_ref().0),
        // Set per case from `load.source_addrs` (run::case).
        keep_source: false,
    };
    if spec.is_emulated() && !*l.proxy.get_ref() {
        return Err(at(
            l.proxy.span(),
            "link.proxy",
            "rtt, jitter and bandwidth are emulated by the proxy; remove them or set proxy = true"
                .into(),
        ));
    }
    let too_much = l.jitter.as_ref().filter(|j| j.get_ref().0 > spec.rtt / 2);
    if let Some(j) = too_much {
        return Err(at(
            j.span(),
            "link.jitter",
            format!(
                "jitter ({}) must not exceed rtt/2 ({}): a delay cannot be negative",
                humantime::format_duration(j.get_ref().0),
                humantime::format_duration(spec.rtt / 2)
            ),
        ));
    }
    Ok(spec)
}

/// Drops a leading `field: ` from a message (the position prefix names the field already).
pub(super) fn strip_field(msg: &str) -> String {
    match msg.split_once(": ") {
        Some((f, rest)) if f.starts_with("broker.") || f.starts_with("matrix.") => rest.to_owned(),
        _ => msg.to_owned(),
    }
}

/// The protocol axis (default: `broker.protocol`), each version checked against each transport
/// of the axis.
pub(super) fn protocols(
    broker: &BrokerSection,
    m: &MatrixSection,
    transports: &[schema::Transport],
    at: &At<'_>,
) -> Result<Vec<Protocol>, ScenarioError> {
    let protocols = match &m.protocol {
        Some(p) => p.get_ref().clone(),
        None => vec![*broker.protocol.get_ref()],
    };
    for &p in &protocols {
        for &t in transports {
            if let Some(e) = crate::broker::endpoint::protocol_unavailable(broker, t, p) {
                let (span, field) = match &m.protocol {
                    Some(axis) => (axis.span(), "matrix.protocol"),
                    None => (broker.protocol.span(), "broker.protocol"),
                };
                return Err(at(span, field, strip_field(&e.to_string())));
            }
        }
    }
    Ok(protocols)
}
