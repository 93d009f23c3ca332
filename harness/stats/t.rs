//! Student's t distribution with real (not only whole) degrees of freedom, as Welch's test
//! needs.

use super::special::inc_beta;

/// P(T > t) for T ~ t(df), df > 0. Computed from the tail directly, so tiny p-values keep
/// their digits instead of being lost in 1 − (something close to 1).
pub fn sf(t: f64, df: f64) -> f64 {
    if t.is_nan() || df.is_nan() || df <= 0.0 {
        return f64::NAN;
    }
    if t == f64::INFINITY {
        return 0.0;
    }
    if t == f64::NEG_INFINITY {
        return 1.0;
    }
    // P(|T| > |t|) = I_{df/(df+t²)}(df/2, 1/2).
    let two_tail = inc_beta(df / 2.0, 0.5, df / (df + t * t));
    if t >= 0.0 {
        two_tail / 2.0
    } else {
        1.0 - two_tail / 2.0
    }
}

/// P(T ≤ t).
pub fn cdf(t: f64, df: f64) -> f64 {
    sf(-t, df)
}

/// The t with P(T ≤ t) = p, for p in (0, 1): bisection on [`sf`], to about 1e-12 relative.
pub fn quantile(p: f64, df: f64) -> f64 {
    if !(p > 0.0 && p < 1.0) || df.is_nan() || df <= 0.0 {
        return f64::NAN;
    }
    if p < 0.5 {
        return -quantile(1.0 - p, df);
    }
    let tail = 1.0 - p;
    let mut hi = 1.0;
    while sf(hi, df) > tail {
        hi *= 2.0;
        if hi > 1e300 {
            return f64::INFINITY;
        }
    }
    let mut lo = 0.0;
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        if sf(mid, df) > tail {
            lo = mid;
        } else {
            hi = mid;
        }
        if hi - lo <= 1e-12 * hi {
            break;
        }
    }
    0.5 * (lo + hi)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_the_closed_forms_of_one_and_two_degrees_of_freedom() {
        for &t in &[-30.0, -2.5, -0.3, 0.0, 0.7, 1.0, 4.0, 100.0] {
            // df = 1 is Cauchy: 1/2 + atan(t)/π. df = 2: 1/2 + t / (2√(2 + t²)).
            let cauchy = 0.5 + f64::atan(t) / std::f64::consts::PI;
            assert!((cdf(t, 1.0) - cauchy).abs() < 1e-13, "t={t}");
            let two = 0.5 + t / (2.0 * (2.0 + t * t).sqrt());
            assert!((cdf(t, 2.0) - two).abs() < 1e-13, "t={t}");
        }
        // The far tail keeps its relative precision: df = 2, P(T > 1000) = 1/2 − t/(2√(2+t²)).
        let t = 1000.0f64;
        let exact = 1.0 / (2.0 * (2.0 + t * t).sqrt() * ((2.0 + t * t).sqrt() + t)) * 2.0;
        assert!(
            (sf(t, 2.0) / exact - 1.0).abs() < 1e-9,
            "{} vs {exact}",
            sf(t, 2.0)
        );
    }

    /// Integrates the density numerically (Simpson) for fractional df, as Welch's test
    /// produces, independently of the incomplete beta.
    #[test]
    fn matches_the_integrated_density_at_fractional_degrees_of_freedom() {
        use super::super::special::ln_gamma;
        for &df in &[2.3, 3.7, 5.5, 11.2] {
            let ln_c = ln_gamma((df + 1.0) / 2.0)
                - ln_gamma(df / 2.0)
                - 0.5 * (df * std::f64::consts::PI).ln();
            let density = |x: f64| (ln_c - (df + 1.0) / 2.0 * (1.0 + x * x / df).ln()).exp();
            for &t in &[0.5, 1.5, 3.0] {
                let n = 20_000;
                let h = t / n as f64;
                let mut s = density(0.0) + density(t);
                for i in 1..n {
                    s += density(i as f64 * h) * if i % 2 == 1 { 4.0 } else { 2.0 };
                }
                let want = 0.5 + s * h / 3.0;
                assert!((cdf(t, df) - want).abs() < 1e-10, "df={df} t={t}");
            }
        }
    }

    #[test]
    fn quantiles_match_the_printed_tables() {
        // Two-sided 95% and 99% critical values of the classic t table.
        for (p, df, want) in [
            (0.975, 2.0, 4.302_653),
            (0.975, 3.0, 3.182_446),
            (0.975, 4.0, 2.776_445),
            (0.975, 10.0, 2.228_139),
            (0.995, 5.0, 4.032_143),
            (0.975, 1e6, 1.959_966),
        ] {
            let q = quantile(p, df);
            assert!((q - want).abs() < 2e-6, "t({p}, {df}) = {q}, table {want}");
            assert!((cdf(q, df) - p).abs() < 1e-11);
            assert!((quantile(1.0 - p, df) + q).abs() < 1e-9);
        }
        assert!(quantile(0.0, 3.0).is_nan() && quantile(0.5, -1.0).is_nan());
        assert!(quantile(0.5, 3.0).abs() < 1e-12);
    }
}
