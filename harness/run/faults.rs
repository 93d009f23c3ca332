//! The fault record of a case: what the link's injector did, how often clients reconnected,
//! and how long each outage took to recover from, measured from the fault event that caused it.

use crate::broker::faults::{FaultLog, FaultSpec};
use crate::measure::outage::ConnectionLog;
use crate::results::{FaultOutcome, Outage};

/// `outages` are relative to `start_ns` (the case's first scheduled message), as are the
/// injector's events once shifted.
pub fn outcome(
    spec: &FaultSpec,
    log: &FaultLog,
    connections: &[ConnectionLog],
    outages: &[Outage],
    start_ns: u64,
) -> FaultOutcome {
    let events_s: Vec<f64> = log
        .events_ns
        .iter()
        .map(|&t| (t as f64 - start_ns as f64) / 1e9)
        .collect();
    let (recover_s, unrecovered) = recovery(outages, &events_s);
    FaultOutcome {
        name: spec.name.clone(),
        kind: spec.kind.name().to_owned(),
        description: spec.describe(),
        events: log.events_ns.len() as u64,
        connections_reset: log.resets,
        corrupted_bytes: log.corrupted_bytes,
        reconnects: connections.iter().map(ConnectionLog::reconnects).sum(),
        recover_s,
        unrecovered,
    }
}

/// For each recovered outage: from the last event at or before its start (a client notices
/// a stall or a half-open link only at its keep-alive, so the outage starts after the event)
/// to its end; the outage's own length when no event came before it (corruption has none).
/// Returns those and the count of outages never recovered.
fn recovery(outages: &[Outage], events_s: &[f64]) -> (Vec<f64>, u32) {
    let mut out = Vec::with_capacity(outages.len());
    let mut unrecovered = 0;
    for o in outages {
        if !o.recovered {
            unrecovered += 1;
            continue;
        }
        let from = events_s
            .iter()
            .copied()
            .filter(|&e| e <= o.start_s)
            .fold(None, |a: Option<f64>, e| Some(a.map_or(e, |a| a.max(e))))
            .unwrap_or(o.start_s);
        out.push(o.start_s + o.duration_s - from);
    }
    (out, unrecovered)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn outage(start_s: f64, duration_s: f64, recovered: bool) -> Outage {
        Outage {
            start_s,
            duration_s,
            clients: 1,
            recovered,
        }
    }

    #[test]
    fn recovery_counts_from_the_event_before_each_outage() {
        let o = [
            outage(2.5, 0.5, true),
            outage(5.0, 0.2, true),
            outage(9.0, 1.0, false),
        ];
        let (r, open) = recovery(&o, &[1.0, 2.0, 6.0]);
        assert_eq!(open, 1);
        assert_eq!(r.len(), 2);
        assert!((r[0] - 1.0).abs() < 1e-9, "{r:?}");
        assert!((r[1] - 3.2).abs() < 1e-9, "{r:?}");
        // No event before: the outage's own length.
        let (r, _) = recovery(&[outage(1.0, 0.3, true)], &[4.0]);
        assert!((r[0] - 0.3).abs() < 1e-9);
    }
}
