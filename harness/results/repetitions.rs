//! Medians across repetitions with 95% confidence intervals ([`super::interval`]), and the
//! distribution-free order-statistic interval it falls back on.

use std::collections::BTreeMap;

pub use super::interval::{TOO_WIDE, estimate};
use super::{CaseResult, Estimate, RepeatedCase, phase};

/// Summaries for every case id measured more than once, in first-seen order.
pub fn summarize(cases: &[CaseResult]) -> Vec<RepeatedCase> {
    let mut order: Vec<&str> = Vec::new();
    let mut by_id: BTreeMap<&str, Vec<&CaseResult>> = BTreeMap::new();
    for c in cases {
        let v = by_id.entry(&c.id).or_default();
        if v.is_empty() {
            order.push(&c.id);
        }
        v.push(c);
    }
    order
        .into_iter()
        .filter_map(|id| {
            let reps = &by_id[id];
            (reps.len() > 1).then(|| summarize_one(id, reps))
        })
        .collect()
}

/// Encrypt + decrypt medians on the thread CPU clock: what the summary ranks suites by.
pub const CRYPTO_CPU: &str = "crypto_cpu_p50_ns";

/// The metrics summarized across repetitions.
const METRICS: [&str; 8] = [
    "latency_p50_ns",
    "latency_p99_ns",
    "encrypt_p50_ns",
    "decrypt_p50_ns",
    "encrypt_cpu_p50_ns",
    "decrypt_cpu_p50_ns",
    CRYPTO_CPU,
    "delivered_msgs_per_s",
];

/// A case's encrypt + decrypt CPU-clock medians (ns), when both were recorded.
pub fn crypto_cpu_p50(c: &CaseResult) -> Option<f64> {
    Some(value(c, "encrypt_cpu_p50_ns")? + value(c, "decrypt_cpu_p50_ns")?)
}

fn value(c: &CaseResult, metric: &str) -> Option<f64> {
    let p = |name: &str| c.phases.get(name);
    match metric {
        "latency_p50_ns" => p(phase::LATENCY).map(|s| s.p50 as f64),
        "latency_p99_ns" => p(phase::LATENCY).map(|s| s.p99 as f64),
        "encrypt_p50_ns" => p(phase::ENCRYPT).map(|s| s.p50 as f64),
        "decrypt_p50_ns" => p(phase::DECRYPT).map(|s| s.p50 as f64),
        "encrypt_cpu_p50_ns" => p(phase::ENCRYPT_CPU).map(|s| s.p50 as f64),
        "decrypt_cpu_p50_ns" => p(phase::DECRYPT_CPU).map(|s| s.p50 as f64),
        CRYPTO_CPU => crypto_cpu_p50(c),
        "delivered_msgs_per_s" => Some(c.throughput.delivered_msgs_per_s),
        _ => None,
    }
}

fn summarize_one(id: &str, reps: &[&CaseResult]) -> RepeatedCase {
    let metrics: BTreeMap<String, Estimate> = METRICS
        .iter()
        .filter_map(|&m| {
            // A metric missing from any repetition (a failed case) is not summarized.
            // The same 95% interval the report's tables show (t on logs below 6 repetitions,
            // order statistics from 6), so the terminal, results.json and the report agree.
            let v: Option<Vec<f64>> = reps.iter().map(|c| value(c, m)).collect();
            let i = super::interval::median_interval(&v?)?;
            Some((
                m.to_owned(),
                Estimate {
                    median: i.median,
                    low: i.low,
                    high: i.high,
                    confidence: i.coverage,
                },
            ))
        })
        .collect();
    let too_wide = metrics
        .values()
        .any(|e| e.median > 0.0 && (e.high - e.low) / e.median > TOO_WIDE);
    RepeatedCase {
        id: id.to_owned(),
        repetitions: reps.len() as u32,
        metrics,
        too_wide,
    }
}
