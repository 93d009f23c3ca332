//! What a `[link] faults` fault did to a case, beside the case's counts (sent, delivered,
//! lost, duplicated, failed_auth, corrupted) and outages.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FaultOutcome {
    /// The fault's name in the scenario (the case id ends in `/fault-<name>`).
    pub name: String,
    /// none | reset | stall | half-open | corrupt
    pub kind: String,
    /// What it does and how often, in words.
    pub description: String,
    /// Scheduled events that fired in the case (resets, stalls, half-open cuts).
    pub events: u64,
    /// Connections the proxy reset.
    #[serde(default)]
    pub connections_reset: u64,
    /// Bytes the proxy flipped.
    #[serde(default)]
    pub corrupted_bytes: u64,
    /// Reconnections of all clients (a CONNACK after a lost connection).
    pub reconnects: u64,
    /// For each outage the clients recovered from: seconds from the fault event before it
    /// (the outage's own start when none came before) to the last affected client's CONNACK.
    #[serde(default)]
    pub recover_s: Vec<f64>,
    /// Outages still open when the case ended.
    #[serde(default)]
    pub unrecovered: u32,
}

impl FaultOutcome {
    /// Median and worst of `recover_s`.
    pub fn recovery(&self) -> Option<(f64, f64)> {
        let mut v: Vec<f64> = self
            .recover_s
            .iter()
            .copied()
            .filter(|x| x.is_finite())
            .collect();
        if v.is_empty() {
            return None;
        }
        v.sort_by(f64::total_cmp);
        let mid = v.len() / 2;
        let median = if v.len() % 2 == 1 {
            v[mid]
        } else {
            (v[mid - 1] + v[mid]) / 2.0
        };
        Some((median, v[v.len() - 1]))
    }
}
