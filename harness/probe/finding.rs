//! Seed 004's finding, as this run measured it: which ill-formed strings the broker forwarded
//! to subscribers, and which client implementations that knocked off. The paper states it as a
//! discrepancy between validating and non-validating nodes; here it is per broker, per string
//! and per client library.

use serde::{Deserialize, Serialize};

use super::bystander::Fate;
use super::catalogue::BAD_UTF8;
use super::{Field, ProbeResult, Side};

/// One bystander knocked off by one probe.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Knock {
    pub bystander: String,
    /// "itself" (the client closed: its own check), "the broker", or "crash" (the application
    /// ended).
    pub by: String,
    /// From the probe's PUBLISH reaching its socket to the close, when it was delivered.
    pub after_delivery_ms: Option<f64>,
    /// Connected again (after the probe was sent), if it did.
    pub reconnected_ms: Option<f64>,
    /// The canary reached it again before the watch ended.
    pub receiving_again: bool,
}

/// A probe that reached the bystanders or harmed one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Forwarded {
    pub probe: String,
    /// The ill-formed sequence (or the field, for the other probes).
    pub what: String,
    /// Bystanders whose socket the broker handed the probe's message to.
    pub forwarded_to: Vec<String>,
    pub knocked_off: Vec<Knock>,
    pub unharmed: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    pub rows: Vec<Forwarded>,
    /// What the broker did with reserved packet type 0, the paper's DETECT packet.
    pub packet_type_0: Option<String>,
    /// The finding in one sentence.
    pub summary: String,
}

fn what(p: &ProbeResult) -> String {
    BAD_UTF8
        .iter()
        .find(|(short, _, _)| p.name.ends_with(&format!("-{short}")))
        .map(|(_, desc, _)| format!("{desc} in the {}", p.field.name()))
        .unwrap_or_else(|| p.description.clone())
}

fn knock(f: &Fate) -> Knock {
    let by = match (&f.exited, &f.disconnect) {
        (Some(_), _) if f.reconnected_ms.is_none() => "crash",
        (_, Some(d)) if d.by == Side::Broker => "the broker",
        _ => "itself",
    };
    Knock {
        bystander: f.bystander.clone(),
        by: by.into(),
        after_delivery_ms: f.disconnect.as_ref().and_then(|d| d.after_delivery_ms),
        reconnected_ms: f.reconnected_ms,
        receiving_again: f.canary_ms.is_some(),
    }
}

pub fn of(probes: &[ProbeResult]) -> Finding {
    let mut rows = Vec::new();
    for p in probes.iter().filter(|p| !p.control) {
        let ready: Vec<&Fate> = p.bystanders.iter().filter(|f| f.ready).collect();
        let forwarded_to: Vec<String> = ready
            .iter()
            .filter(|f| f.delivered_ms.is_some())
            .map(|f| f.bystander.clone())
            .collect();
        let knocked_off: Vec<Knock> = ready
            .iter()
            .filter(|f| f.knocked_off())
            .map(|f| knock(f))
            .collect();
        if forwarded_to.is_empty() && knocked_off.is_empty() {
            continue;
        }
        rows.push(Forwarded {
            probe: p.name.clone(),
            what: what(p),
            forwarded_to,
            knocked_off,
            unharmed: ready
                .iter()
                .filter(|f| f.unharmed())
                .map(|f| f.bystander.clone())
                .collect(),
        });
    }
    let packet_type_0 = probes
        .iter()
        .find(|p| p.field == Field::PacketType)
        .map(|p| p.offender.label());
    let summary = summary(&rows);
    Finding {
        rows,
        packet_type_0,
        summary,
    }
}

fn summary(rows: &[Forwarded]) -> String {
    let forwarded: Vec<&Forwarded> = rows.iter().filter(|r| !r.forwarded_to.is_empty()).collect();
    let mut parts: Vec<String> = Vec::new();
    if forwarded.is_empty() {
        parts.push("forwarded no ill-formed string to any bystander".into());
    } else {
        let each: Vec<String> = forwarded
            .iter()
            .map(|r| {
                let victims = if r.knocked_off.is_empty() {
                    "knocked nobody off".to_string()
                } else {
                    let names: Vec<String> = r
                        .knocked_off
                        .iter()
                        .map(|k| format!("{} (by {})", k.bystander, k.by))
                        .collect();
                    format!("knocked off {}", names.join(", "))
                };
                let spared = if r.unharmed.is_empty() {
                    String::new()
                } else {
                    format!(", not {}", r.unharmed.join(", "))
                };
                format!("{} [{}] {victims}{spared}", r.what, r.probe)
            })
            .collect();
        parts.push(format!(
            "forwarded {} ill-formed string(s) to its subscribers: {}",
            forwarded.len(),
            each.join("; ")
        ));
    }
    let other: Vec<String> = rows
        .iter()
        .filter(|r| r.forwarded_to.is_empty())
        .map(|r| {
            let names: Vec<&str> = r.knocked_off.iter().map(|k| k.bystander.as_str()).collect();
            format!("{} lost {}", r.probe, names.join(", "))
        })
        .collect();
    if other.is_empty() {
        parts.push("no other probe knocked a bystander off".into());
    } else {
        parts.push(format!("without forwarding: {}", other.join("; ")));
    }
    parts.join("; ")
}
