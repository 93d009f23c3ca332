//! Corrections for testing many hypotheses at once: `compare` tests every metric of every
//! matched case, so a 5% level per test would flag about one row in twenty of two identical
//! runs.

use serde::Serialize;

/// How p-values are adjusted over a family of tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Correction {
    /// Holm's step-down method: controls the family-wise error rate (the chance of flagging
    /// anything at all when nothing changed) under any dependence between the tests.
    Holm,
    /// Benjamini–Hochberg: controls the false discovery rate (the expected share of wrong
    /// flags among the flagged); when nothing changed that equals the family-wise rate.
    /// Valid for independent or positively dependent tests.
    BenjaminiHochberg,
}

impl Correction {
    pub fn name(self) -> &'static str {
        match self {
            Correction::Holm => "Holm",
            Correction::BenjaminiHochberg => "Benjamini–Hochberg",
        }
    }

    /// What a level α of this correction bounds, for the printed rule.
    pub fn controls(self) -> &'static str {
        match self {
            Correction::Holm => "family-wise error rate",
            Correction::BenjaminiHochberg => "false discovery rate",
        }
    }

    /// Adjusted p-values, in the order given: a test is rejected at level α when its adjusted
    /// p-value is below α.
    pub fn adjust(self, p: &[f64]) -> Vec<f64> {
        match self {
            Correction::Holm => holm(p),
            Correction::BenjaminiHochberg => benjamini_hochberg(p),
        }
    }
}

/// Indices of `p` from the smallest p-value up (NaN last: treated as no evidence).
fn ascending(p: &[f64]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..p.len()).collect();
    order.sort_by(|&i, &j| {
        let key = |v: f64| if v.is_nan() { f64::INFINITY } else { v };
        key(p[i]).total_cmp(&key(p[j]))
    });
    order
}

/// Holm: the k-th smallest of m p-values is multiplied by m − k + 1, then made monotone.
pub fn holm(p: &[f64]) -> Vec<f64> {
    let m = p.len();
    let mut out = vec![1.0; m];
    let mut running = 0.0f64;
    for (k, &i) in ascending(p).iter().enumerate() {
        let v = if p[i].is_nan() { 1.0 } else { p[i] };
        running = running.max(((m - k) as f64 * v).min(1.0));
        out[i] = running;
    }
    out
}

/// Benjamini–Hochberg: the k-th smallest of m p-values is multiplied by m / k, then made
/// monotone from the largest down.
pub fn benjamini_hochberg(p: &[f64]) -> Vec<f64> {
    let m = p.len();
    let mut out = vec![1.0; m];
    let mut running = 1.0f64;
    for (k, &i) in ascending(p).iter().enumerate().rev() {
        let v = if p[i].is_nan() { 1.0 } else { p[i] };
        running = running.min((m as f64 / (k + 1) as f64 * v).min(1.0));
        out[i] = running;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn near(a: &[f64], b: &[f64]) -> bool {
        a.len() == b.len() && a.iter().zip(b).all(|(x, y)| (x - y).abs() < 1e-12)
    }

    #[test]
    fn holm_by_hand() {
        // Sorted 0.01, 0.02, 0.03, 0.04 (m = 4): ×4, ×3, ×2, ×1 → 0.04, 0.06, 0.06, 0.06
        // after taking the running maximum; given out of order.
        let adj = holm(&[0.03, 0.01, 0.04, 0.02]);
        assert!(near(&adj, &[0.06, 0.04, 0.06, 0.06]), "{adj:?}");
        assert!(near(&holm(&[0.5, 0.9]), &[1.0, 1.0]));
        assert!(near(&holm(&[f64::NAN, 0.001]), &[1.0, 0.002]));
        assert!(holm(&[]).is_empty());
    }

    #[test]
    fn benjamini_hochberg_by_hand() {
        // Sorted 0.01, 0.02, 0.03, 0.2 (m = 4): ×4, ×2, ×4/3, ×1 → 0.04, 0.04, 0.04, 0.2
        // after the running minimum from the top.
        let adj = benjamini_hochberg(&[0.2, 0.03, 0.01, 0.02]);
        assert!(near(&adj, &[0.2, 0.04, 0.04, 0.04]), "{adj:?}");
        // Never stricter than Holm.
        let p = [0.001, 0.008, 0.039, 0.041, 0.042, 0.06, 0.074, 0.205];
        for (b, h) in benjamini_hochberg(&p).iter().zip(holm(&p)) {
            assert!(*b <= h + 1e-15);
        }
    }
}
