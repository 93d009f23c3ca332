//! A measured case's status: `ok` only when the numbers mean what the case's label says.
//!
//! A case that sent nothing, whose publishers all stopped early, or whose messages never came
//! back is `failed` with the first error; a case the broker served at a lower QoS than it
//! names (a lower QoS granted in SUBACK, a PUBACK for a QoS 2 publish) is `degraded`, its
//! numbers kept out of the tables and charts; a case whose broker acknowledged none of its
//! publishes at QoS >= 1 is `failed`.
//!
//! [`saturation`] says when the harness itself could not keep the schedule.

use crate::load::mqtt::Rejection;
use crate::load::plan::Rate;
use crate::results::{CaseResult, CaseStatus};

/// What the publishers reported beyond their counts.
pub struct Facts {
    /// The first publish a v5 broker refused, with its reason code.
    pub rejection: Option<Rejection>,
    /// Per publisher: why it stopped before the end of its schedule, if it did.
    pub stopped: Vec<Option<String>>,
    /// Messages those stopped publishers never sent (part of `counts.unsent`).
    pub stopped_unsent: u64,
}

/// Sets `result.status` and `result.error` from its counts and `facts`; a status already
/// `failed` (set-up went wrong) is kept.
pub fn settle(result: &mut CaseResult, facts: &Facts, scenario: &str) {
    if result.status != CaseStatus::Ok {
        return;
    }
    if let Some(why) = failure(result, facts, scenario) {
        result.status = CaseStatus::Failed;
        result.error = Some(why);
    } else if let Some(why) = downgrade(result) {
        result.status = CaseStatus::Degraded;
        result.error = Some(why);
    }
}

fn failure(r: &CaseResult, facts: &Facts, scenario: &str) -> Option<String> {
    let n = &r.counts;
    let first_stop = facts.stopped.iter().flatten().next();
    if n.sent == 0 {
        let why = first_stop
            .or(r.errors.first())
            .map_or("no publisher sent a message", String::as_str);
        return Some(format!(
            "no message was sent ({} scheduled, all unsent): {why}",
            n.scheduled.unwrap_or(n.unsent)
        ));
    }
    // Sent but nothing came back: every measured number would be empty. Under MQTT 5 the
    // broker says why (PUBACK/PUBREC reason codes); under 3.1.1 it drops silently, most often
    // for its size limit or an ACL: say so instead of reporting a silent 100% loss.
    if n.delivered == 0 {
        return Some(match &facts.rejection {
            Some(rej) if n.rejected > 0 => format!(
                "none of the {} messages sent came back: the broker rejected {} publishes \
                 ({rej}); {}",
                n.sent,
                n.rejected,
                rejection_hint(&rej.code, scenario),
            ),
            _ => format!(
                "none of the {} messages sent came back from the broker ({} B PUBLISH packets, \
                 {} B payloads); if it limits message size (Mosquitto: max_packet_size, \
                 message_size_limit), raise the limit or lower matrix.size; if it has an ACL, \
                 let this user publish and subscribe on mcb/# (MQTT 3.1.1 brokers drop denied \
                 publishes silently; with protocol = \"v5\" they say why)",
                n.sent, r.sizes.mqtt_packet, r.sizes.envelope
            ),
        });
    }
    if !facts.stopped.is_empty() && facts.stopped.iter().all(Option::is_some) {
        let why = first_stop.map_or("", String::as_str);
        return Some(format!(
            "every publisher stopped early ({} of {} scheduled messages sent, {} unsent): {why}",
            n.sent,
            n.scheduled.unwrap_or(n.sent + n.unsent),
            n.unsent
        ));
    }
    if r.params.qos > 0 && n.unacked >= n.sent {
        return Some(format!(
            "the broker acknowledged none of the {} QoS {} publishes (no {} arrived before the \
             drain ended): the delivery guarantee the case measures was never given",
            n.sent,
            r.params.qos,
            if r.params.qos == 1 {
                "PUBACK"
            } else {
                "PUBCOMP"
            },
        ));
    }
    None
}

/// Why the broker served this case below its QoS, if it did.
fn downgrade(r: &CaseResult) -> Option<String> {
    let q = r.broker_qos.as_ref()?;
    let asked = r.params.qos;
    let mut why = Vec::new();
    if let Some(g) = q.granted
        && g < asked
    {
        why.push(format!(
            "the broker granted QoS {g} on SUBSCRIBE for QoS {asked}: it delivered to the \
             subscribers at QoS {g}"
        ));
    }
    if asked == 2 && q.puback > 0 {
        why.push(format!(
            "the broker answered {} of {} QoS 2 publishes with PUBACK (QoS 1's \
             acknowledgement) instead of PUBREC/PUBCOMP: they went at QoS 1",
            q.puback, r.counts.sent
        ));
    }
    (!why.is_empty()).then(|| {
        format!(
            "QoS downgraded by the broker: {} (its numbers are not QoS {asked}'s, so they are \
             left out of the tables and charts)",
            why.join("; ")
        )
    })
}

/// What to check when an MQTT 5 broker refuses publishes with `code`.
fn rejection_hint(code: &str, scenario: &str) -> String {
    match code {
        "NotAuthorized" => format!(
            "check that the broker's ACL lets this user publish and subscribe on mcb/{scenario}/#"
        ),
        "QuotaExceeded" => {
            "the broker's quota for this client is used up (Mosquitto: max_queued_messages, message rate limits)".into()
        }
        "PayloadFormatInvalid" | "TopicNameInvalid" => {
            "the broker rejects the topic or payload itself".into()
        }
        _ => "see the broker's log for why".into(),
    }
}

/// A schedule lag beyond this at p99 means publishers ran late often enough to matter.
const LAG_LIMIT_NS: u64 = 10_000_000;

/// Says why the harness could not keep up, if it could not. Messages of publishers that
/// stopped on an error (`stopped_unsent`) are unsent for that error, not for being behind.
pub fn saturation(r: &CaseResult, stopped_unsent: u64, rate: Rate) -> Option<String> {
    let mut why = Vec::new();
    let behind = r.counts.unsent.saturating_sub(stopped_unsent);
    if behind > 0 {
        why.push(format!("{behind} scheduled messages were never sent"));
    }
    if let Rate::PerSecond(rate) = rate {
        let period = (1e9 / rate) as u64;
        if let Some(lag) = r.phases.get(crate::results::phase::SCHEDULE_LAG)
            && lag.p99 > period.max(LAG_LIMIT_NS)
        {
            why.push(format!(
                "publishers started messages up to {:.1} ms late (schedule lag p99)",
                lag.p99 as f64 / 1e6
            ));
        }
    }
    (!why.is_empty()).then(|| format!("harness saturated: {}", why.join("; ")))
}
