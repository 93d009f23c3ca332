//! Welch's two-sample t-test (unequal variances), with a minimum effect of interest.
//!
//! Why Welch on a few repetitions and not a rank test: with 3 repetitions per side an exact
//! Mann–Whitney test cannot go below p = 2 / C(6, 3) = 0.1 two-sided, so after any correction
//! for multiple comparisons it can never flag anything; the t-test uses the size of the
//! differences, not only their order, and so reaches small p-values from 3 repetitions when
//! the repetitions agree. It assumes roughly normal values: `compare` feeds it logarithms of
//! times and rates, whose repetition-to-repetition spread is multiplicative.

use super::t;

/// Count, mean and variance (n − 1 denominator) of one side's values.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Sample {
    pub n: usize,
    pub mean: f64,
    pub var: f64,
}

impl Sample {
    /// `None` for fewer than two values or any non-finite value: no variance to estimate.
    pub fn of(values: &[f64]) -> Option<Self> {
        let n = values.len();
        if n < 2 || values.iter().any(|v| !v.is_finite()) {
            return None;
        }
        let mean = values.iter().sum::<f64>() / n as f64;
        let var = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
        Some(Self { n, mean, var })
    }

    /// The same sample with its variance raised to at least `floor` (e.g. a Poisson count's
    /// mean: repeated counts cannot honestly be assumed steadier than that).
    pub fn with_var_floor(self, floor: f64) -> Self {
        Self {
            var: self.var.max(floor),
            ..self
        }
    }
}

/// Welch's statistic for μ_y − μ_x.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Welch {
    /// mean(y) − mean(x).
    pub diff: f64,
    /// Standard error of `diff`: √(s_x²/n_x + s_y²/n_y).
    pub se: f64,
    /// Welch–Satterthwaite degrees of freedom (n_x + n_y − 2 when both variances are zero).
    pub df: f64,
}

impl Welch {
    pub fn new(x: &Sample, y: &Sample) -> Self {
        let (vx, vy) = (x.var / x.n as f64, y.var / y.n as f64);
        let se2 = vx + vy;
        let denom = vx * vx / (x.n - 1) as f64 + vy * vy / (y.n - 1) as f64;
        let df = if denom > 0.0 {
            se2 * se2 / denom
        } else {
            (x.n + y.n - 2) as f64
        };
        Self {
            diff: y.mean - x.mean,
            se: se2.sqrt(),
            df,
        }
    }

    /// Two-sided p-value of H0: |μ_y − μ_x| ≤ `margin` (margin 0: the ordinary Welch test):
    /// p = 2·P(T_df > (|diff| − margin) / se), capped at 1. Rejecting at level α is the same as
    /// the (1 − α) interval `diff ± t·se` lying wholly outside [−margin, margin]; at the edge
    /// of H0 the test errs with probability α/2, inside it less.
    pub fn p_beyond(&self, margin: f64) -> f64 {
        let excess = self.diff.abs() - margin;
        if excess <= 0.0 {
            return 1.0;
        }
        if self.se == 0.0 {
            // Both sides constant and apart by more than the margin.
            return 0.0;
        }
        (2.0 * t::sf(excess / self.se, self.df)).min(1.0)
    }

    /// The two-sided `level` (e.g. 0.95) confidence interval of μ_y − μ_x.
    pub fn interval(&self, level: f64) -> (f64, f64) {
        let half = if self.se == 0.0 {
            0.0
        } else {
            t::quantile(0.5 + level / 2.0, self.df) * self.se
        };
        (self.diff - half, self.diff + half)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_a_hand_computed_example() {
        // x: mean 2, var 1; y: mean 5, var 4 (n = 3 each).
        let x = Sample::of(&[1.0, 2.0, 3.0]).expect("x");
        let y = Sample::of(&[3.0, 5.0, 7.0]).expect("y");
        assert_eq!((x.mean, x.var, y.mean, y.var), (2.0, 1.0, 5.0, 4.0));
        let w = Welch::new(&x, &y);
        // se² = 1/3 + 4/3 = 5/3; df = (5/3)² / ((1/3)²/2 + (4/3)²/2) = (25/9) / (17/18) = 50/17.
        assert!((w.se - (5.0f64 / 3.0).sqrt()).abs() < 1e-15);
        assert!((w.df - 50.0 / 17.0).abs() < 1e-12);
        let t = 3.0 / w.se;
        let p = w.p_beyond(0.0);
        assert!((p - 2.0 * t::sf(t, 50.0 / 17.0)).abs() < 1e-15);
        // t = 2.32 at ~2.9 df: p between the table's 0.10 (2.353 at 3 df) and 0.20.
        assert!(p > 0.09 && p < 0.2, "{p}");
        // The margin shifts the statistic: H0 |diff| ≤ 1 leaves an excess of 2.
        assert!((w.p_beyond(1.0) - 2.0 * t::sf(2.0 / w.se, w.df)).abs() < 1e-15);
        assert_eq!(w.p_beyond(3.0), 1.0);
        // The interval is centred on diff; at p > 0.05 the 95% one holds 0, and the (1 − p)
        // interval ends exactly at 0: test and interval are one rule.
        let (lo, hi) = w.interval(0.95);
        assert!(lo < 0.0 && (lo + hi - 6.0).abs() < 1e-12, "{lo} {hi}");
        let (edge, _) = w.interval(1.0 - p);
        assert!(edge.abs() < 1e-9, "{edge}");
    }

    #[test]
    fn degenerate_samples() {
        assert!(Sample::of(&[1.0]).is_none());
        assert!(Sample::of(&[1.0, f64::NAN]).is_none());
        let c = Sample::of(&[2.0, 2.0, 2.0]).expect("constant");
        let d = Sample::of(&[3.0, 3.0, 3.0]).expect("constant");
        let w = Welch::new(&c, &d);
        assert_eq!((w.se, w.df), (0.0, 4.0));
        assert_eq!(w.p_beyond(0.5), 0.0);
        assert_eq!(w.p_beyond(1.0), 1.0);
        assert_eq!(w.interval(0.95), (1.0, 1.0));
        let floored = c.with_var_floor(2.0);
        assert_eq!(floored.var, 2.0);
        assert_eq!(
            Sample::of(&[1.0, 3.0]).expect("s").with_var_floor(0.5).var,
            2.0
        );
    }
}
