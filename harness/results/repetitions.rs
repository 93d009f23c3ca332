//! Medians across repetitions with 95% confidence intervals ([`super::interval`]), and the
//! distribution-free order-statistic interval it falls back on.

use std::collections::BTreeMap;

use super::{CaseResult, Estimate, RepeatedCase, phase};

/// Interval wider than this fraction of the median: too noisy to compare.
pub const TOO_WIDE: f64 = 0.20;

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

/// Median and the narrowest symmetric order-statistic interval [x(k), x(n+1-k)] whose
/// binomial coverage is at least 95%; the full range (with its lower coverage) when n is too
/// small for that.
pub fn estimate(mut v: Vec<f64>) -> Estimate {
    v.sort_by(f64::total_cmp);
    let n = v.len();
    let median = if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    };
    // coverage(k) = 1 - 2 * P(Binomial(n, 1/2) < k), for 1-based k.
    let coverage = |k: usize| 1.0 - 2.0 * binomial_cdf_half(n, k - 1);
    let mut k = 1;
    while k < n / 2 && coverage(k + 1) >= 0.95 {
        k += 1;
    }
    Estimate {
        median,
        low: v[k - 1],
        high: v[n - k],
        confidence: coverage(k),
    }
}

/// P(X <= m) for X ~ Binomial(n, 1/2).
fn binomial_cdf_half(n: usize, m: usize) -> f64 {
    let mut term = 0.5f64.powi(n as i32); // C(n,0) / 2^n
    let mut sum = term;
    for i in 1..=m.min(n) {
        term *= (n + 1 - i) as f64 / i as f64;
        sum += term;
    }
    sum.min(1.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_samples_use_the_range_with_honest_coverage() {
        let e = estimate(vec![3.0, 1.0, 2.0]);
        assert_eq!((e.median, e.low, e.high), (2.0, 1.0, 3.0));
        assert!((e.confidence - 0.75).abs() < 1e-12, "{}", e.confidence);
        let e = estimate(vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0]);
        assert!((e.confidence - (1.0 - 2.0 / 64.0)).abs() < 1e-12);
        assert_eq!((e.low, e.high, e.median), (1.0, 6.0, 3.5));
    }

    #[test]
    fn larger_samples_narrow_to_a_95_percent_interval() {
        let v: Vec<f64> = (1..=20).map(f64::from).collect();
        let e = estimate(v);
        // For n = 20 the classic interval is [x(6), x(15)] with coverage 95.9%.
        assert_eq!((e.low, e.high), (6.0, 15.0));
        assert!(
            e.confidence >= 0.95 && e.confidence < 0.96,
            "{}",
            e.confidence
        );
    }
}
