//! Why a QoS >= 1 case lost messages, as far as results.json can tell: the causes the run
//! recorded evidence for (outages, publishes left unacknowledged, refusals with a reason
//! code, messages that arrived but did not open), and the broker's own limits where the
//! broker is known (Mosquitto's queue limit). A count alone says nothing to act on.

use crate::results::{CaseResult, RunResults};

/// Per lossy case (QoS >= 1, lost > 0), in run order: its id and the likely causes.
pub fn explanations(results: &RunResults) -> Vec<(String, Vec<String>)> {
    let mosquitto = results
        .broker
        .name
        .to_ascii_lowercase()
        .contains("mosquitto");
    results
        .cases
        .iter()
        .filter(|c| super::data::is_lossy(c))
        .map(|c| (c.id.clone(), causes(c, mosquitto)))
        .collect()
}

/// One line per lossy case: `id: lost N of M; cause; cause`.
pub fn lines(results: &RunResults) -> Vec<String> {
    explanations(results)
        .into_iter()
        .filter_map(|(id, causes)| {
            let c = results.cases.iter().find(|c| c.id == id)?;
            Some(format!(
                "{id}: lost {} of {}: {}",
                c.counts.lost,
                c.counts.expected,
                causes.join("; ")
            ))
        })
        .collect()
}

fn causes(c: &CaseResult, mosquitto: bool) -> Vec<String> {
    let n = &c.counts;
    let mut out = Vec::new();
    if !c.outages.is_empty() {
        let down: f64 = c.outages.iter().map(|o| o.duration_s).sum();
        let unrecovered = c.outages.iter().any(|o| !o.recovered);
        out.push(format!(
            "the clients lost the broker {} time{} ({down:.2} s in all{}): a clean session \
             loses what was in flight or queued for it",
            c.outages.len(),
            if c.outages.len() == 1 { "" } else { "s" },
            if unrecovered {
                ", not all reconnected"
            } else {
                ""
            }
        ));
    }
    if n.rejected > 0 {
        let reasons = rejection_reasons(c);
        out.push(format!(
            "the broker refused {} publishes with a reason code{}",
            n.rejected,
            if reasons.is_empty() {
                String::new()
            } else {
                format!(" ({})", reasons.join(", "))
            }
        ));
    }
    if n.unacked > 0 {
        out.push(format!(
            "{} publishes were still unacknowledged when the drain ended: the broker was \
             behind or never took them (a longer load.drain tells which)",
            n.unacked
        ));
    }
    let unopened = n.failed_auth + n.failed_decrypt + n.malformed;
    if unopened > 0 {
        out.push(format!(
            "{unopened} copies arrived but did not open ({} failed authentication, {} \
             decryption, {} malformed): counted lost",
            n.failed_auth, n.failed_decrypt, n.malformed
        ));
    }
    if mosquitto {
        out.push(
            "Mosquitto drops messages for a subscriber whose queue is full \
             (max_queued_messages, default 1000; its log says \"Outgoing messages are being \
             dropped\"): raise it, or lower load.rate or load.publishers"
                .into(),
        );
    }
    if out.is_empty() {
        out.push(
            "no cause the run can check: no outage, every publish acknowledged, none refused; \
             the broker dropped them after acknowledging (see its log and its queue limits)"
                .into(),
        );
    }
    out
}

/// Distinct reason codes of refused publishes, from the case's errors (`broker rejected a
/// publish: PUBACK QuotaExceeded`).
fn rejection_reasons(c: &CaseResult) -> Vec<String> {
    const MARK: &str = "broker rejected a publish: ";
    let mut out: Vec<String> = Vec::new();
    for e in &c.errors {
        if let Some(i) = e.find(MARK) {
            let r = e[i + MARK.len()..].to_owned();
            if !out.contains(&r) {
                out.push(r);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::results::Outage;

    fn lossy() -> RunResults {
        let mut r = super::super::fixture::run();
        r.cases.retain(|c| c.params.qos >= 1 && c.counts.lost > 0);
        assert!(!r.cases.is_empty(), "the fixture has a lossy QoS >= 1 case");
        r
    }

    #[test]
    fn names_each_cause_the_case_recorded() {
        let mut r = lossy();
        r.broker.name = "external".into();
        let c = &mut r.cases[0];
        c.counts.unacked = 7;
        c.counts.rejected = 3;
        c.counts.failed_auth = 2;
        c.errors
            .push("publisher 0: broker rejected a publish: PUBACK QuotaExceeded".into());
        c.outages.push(Outage {
            start_s: 1.0,
            duration_s: 0.5,
            clients: 2,
            recovered: false,
        });
        let (_, causes) = &explanations(&r)[0];
        let all = causes.join(" | ");
        assert!(
            all.contains("lost the broker 1 time (0.50 s in all, not all reconnected)"),
            "{all}"
        );
        assert!(
            all.contains("refused 3 publishes with a reason code (PUBACK QuotaExceeded)"),
            "{all}"
        );
        assert!(
            all.contains("7 publishes were still unacknowledged"),
            "{all}"
        );
        assert!(all.contains("2 failed authentication"), "{all}");
        assert!(!all.contains("Mosquitto"), "{all}");
    }

    #[test]
    fn mosquitto_gets_its_queue_hint_and_unexplained_loss_says_so() {
        let mut r = lossy();
        r.broker.name = "mosquitto".into();
        let (_, causes) = &explanations(&r)[0];
        assert!(causes.iter().any(|c| c.contains("max_queued_messages")));
        r.broker.name = "external".into();
        let (_, causes) = &explanations(&r)[0];
        assert_eq!(causes.len(), 1);
        assert!(
            causes[0].starts_with("no cause the run can check"),
            "{causes:?}"
        );
        let line = &lines(&r)[0];
        assert!(
            line.contains(&format!("lost {} of", r.cases[0].counts.lost)),
            "{line}"
        );
    }
}
