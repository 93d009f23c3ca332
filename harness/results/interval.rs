//! A 95% confidence interval for the median of a case's metric across its repetitions, with
//! a method that holds its coverage at the repetition counts studies use (3 to 5).
//!
//! [`estimate`]'s order-statistic interval is distribution-free but with
//! n repetitions its widest choice, the range, covers the median only 1 − 2^(1−n) of the
//! time: 75% for 3, 87.5% for 4, 93.75% for 5. So below 6 repetitions this uses a Student t
//! interval on the logarithms: `exp(mean(ln x) ± t(0.975, n−1) · sd(ln x) / √n)`, exact 95%
//! when the repetitions' values are log-normal (timings and rates are positive and
//! right-skewed; on the log scale run-to-run noise is close to symmetric), and a CI for the
//! median because a log-normal's median is exp(mean of the logs). From 6 repetitions on, the
//! order-statistic interval reaches 95% without any assumption and is used instead. Values
//! of 0 (a phase below the clock's resolution, nothing delivered) have no logarithm: then the
//! order-statistic interval, with its lower coverage stated.

use super::Estimate;

/// How an [`Interval`] was computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// Student t on the logarithms (n < 6); coverage 95% if the values are log-normal.
    LogT,
    /// Order statistics of the binomial, no distribution assumed.
    OrderStatistics,
}

impl Method {
    pub fn name(self) -> &'static str {
        match self {
            Method::LogT => "t on logs",
            Method::OrderStatistics => "order statistics",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Interval {
    pub n: usize,
    /// The sample median of the repetitions' values.
    pub median: f64,
    pub low: f64,
    pub high: f64,
    /// Coverage the method gives (nominal for [`Method::LogT`], exact for order statistics).
    pub coverage: f64,
    pub method: Method,
}

impl Interval {
    /// (high − low) / median; infinite for a zero median.
    pub fn relative_width(&self) -> f64 {
        if self.median > 0.0 {
            (self.high - self.low) / self.median
        } else if self.high > self.low {
            f64::INFINITY
        } else {
            0.0
        }
    }

    /// Wider than [`TOO_WIDE`] (20%) of the median: differences smaller than
    /// that between cases are not evidence.
    pub fn too_wide(&self) -> bool {
        self.relative_width() > TOO_WIDE
    }
}

/// Repetitions from which the order-statistic interval reaches 95%.
pub const ORDER_STATISTICS_FROM: usize = 6;

/// t(0.975, df) for df = 1..=4 (n = 2..=5), from the Student t quantile tables.
const T975: [f64; 4] = [12.7062, 4.3027, 3.1824, 2.7764];

/// The interval of `values` (one per repetition); `None` for fewer than two values or any
/// value that is not finite.
pub fn median_interval(values: &[f64]) -> Option<Interval> {
    let n = values.len();
    if n < 2 || values.iter().any(|v| !v.is_finite()) {
        return None;
    }
    let order = || {
        let e = estimate(values.to_vec());
        Interval {
            n,
            median: e.median,
            low: e.low,
            high: e.high,
            coverage: e.confidence,
            method: Method::OrderStatistics,
        }
    };
    if n >= ORDER_STATISTICS_FROM || values.iter().any(|&v| v <= 0.0) {
        return Some(order());
    }
    let logs: Vec<f64> = values.iter().map(|v| v.ln()).collect();
    let mean = logs.iter().sum::<f64>() / n as f64;
    let var = logs.iter().map(|l| (l - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
    let half = T975[n - 2] * (var / n as f64).sqrt();
    Some(Interval {
        n,
        median: order().median,
        low: (mean - half).exp(),
        high: (mean + half).exp(),
        coverage: 0.95,
        method: Method::LogT,
    })
}

/// Interval wider than this fraction of the median: too noisy to compare.
pub const TOO_WIDE: f64 = 0.20;

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
    use rand::rngs::StdRng;
    use rand::{RngExt, SeedableRng};

    #[test]
    fn small_samples_use_t_on_logs_large_ones_order_statistics() {
        let i = median_interval(&[100.0, 110.0, 121.0]).unwrap();
        assert_eq!(i.method, Method::LogT);
        assert_eq!(i.median, 110.0);
        // Logs 4.605, 4.700, 4.796: mean ln 110, sd 0.0953; half width 4.3027 · 0.0953 / √3.
        let half = 4.3027 * 0.1f64.ln_1p() / 3f64.sqrt();
        assert!((i.low - 110.0 * (-half).exp()).abs() < 1e-9, "{i:?}");
        assert!((i.high - 110.0 * half.exp()).abs() < 1e-9, "{i:?}");
        assert!(i.too_wide(), "±2 sd of 10% at n = 3 is wider than 20%");
        let tight = median_interval(&[100.0, 101.0, 100.5]).unwrap();
        assert!(!tight.too_wide(), "{tight:?}");
        let six: Vec<f64> = (1..=6).map(f64::from).collect();
        let i = median_interval(&six).unwrap();
        assert_eq!(
            (i.method, i.low, i.high),
            (Method::OrderStatistics, 1.0, 6.0)
        );
        assert!(i.coverage >= 0.95);
        let zero = median_interval(&[0.0, 5.0, 6.0]).unwrap();
        assert_eq!(zero.method, Method::OrderStatistics);
        assert!(
            (zero.coverage - 0.75).abs() < 1e-12,
            "the range of 3, said so"
        );
        assert_eq!(median_interval(&[1.0]), None);
    }

    /// Coverage checked by simulation: log-normal repetitions (σ = 0.3, about the run-to-run
    /// noise of a loaded latency p99) around a known median.
    #[test]
    fn t_on_logs_covers_the_median_95_percent_of_the_time() {
        let mut rng = StdRng::seed_from_u64(15);
        let mut normal = move || {
            // Box-Muller.
            let (u, v): (f64, f64) = (rng.random(), rng.random());
            (-2.0 * (1.0 - u).ln()).sqrt() * (std::f64::consts::TAU * v).cos()
        };
        for n in 3..=5 {
            let trials = 4000;
            let mut covered = 0;
            for _ in 0..trials {
                let v: Vec<f64> = (0..n).map(|_| 1e6 * (0.3 * normal()).exp()).collect();
                let i = median_interval(&v).unwrap();
                covered += usize::from(i.low <= 1e6 && 1e6 <= i.high);
            }
            let rate = covered as f64 / trials as f64;
            // 4000 trials: the standard error of a 95% rate is 0.34%.
            assert!((0.935..=0.965).contains(&rate), "n = {n}: coverage {rate}");
        }
    }

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
