//! The decision rule: from each side's per-repetition values of one metric to an estimate, an
//! interval and a p-value, then BETTER / WORSE only after correcting for the whole family of
//! tests.
//!
//! Why this rule. Each repetition of a case is one independent measurement of it (the samples
//! inside one histogram are not: they are serial and autocorrelated, so their count says
//! nothing about how well the next run will agree). With 3 repetitions a rank test cannot
//! reach a small p-value (see [`crate::stats::welch`]); Welch's t-test on log values can.
//! Two runs are two processes (different heap layout, address-space randomization, broker
//! state), which moves figures by a few percent that no number of repetitions inside one run
//! can see, so the null hypothesis is "no change beyond a minimum effect" (default 5%)
//! rather than "no change at all": an A/A comparison is then not flagged for that offset.

use serde::Serialize;

use super::metrics::Scale;
use crate::stats::{Correction, Sample, Welch};

/// Level of every verdict, after correction.
pub const ALPHA: f64 = 0.05;
/// Coverage of the printed intervals.
pub const INTERVAL_LEVEL: f64 = 0.95;
/// Fewer repetitions than this on either side: the row is shown without a verdict.
pub const MIN_REPETITIONS: usize = 3;
/// Default of `--min-effect`.
pub const DEFAULT_MIN_EFFECT: f64 = 0.05;
/// The test, as named in every output.
pub const TEST: &str = "Welch's t-test on log values";

/// The knobs of the rule.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rule {
    /// Relative change a verdict must exceed, e.g. 0.05: H0 is B/A within [1/1.05, 1.05].
    pub min_effect: f64,
    pub correction: Correction,
    pub alpha: f64,
}

/// Benjamini–Hochberg by default: when nothing changed it flags anything at all no more often
/// than Holm's promise (5%, as the A/A simulations check), and when a change moves many rows
/// at once (a slower cipher or build moves every crypto row) it finds them with far fewer
/// repetitions (see `simulation.rs`: 97% against 18% of 20% shifts at 3 repetitions, CV 2%).
impl Default for Rule {
    fn default() -> Self {
        Self {
            min_effect: DEFAULT_MIN_EFFECT,
            correction: Correction::BenjaminiHochberg,
            alpha: ALPHA,
        }
    }
}

/// A confidence interval of the effect.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(tag = "of", rename_all = "snake_case")]
pub enum Interval {
    /// Of B/A (log-scale metrics).
    Ratio { low: f64, high: f64 },
    /// Of B − A, in the metric's unit (counts).
    Difference { low: f64, high: f64 },
}

/// One metric of one matched case, before the family's correction.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Estimate {
    /// Geometric (log scale) or plain (counts) means of the repetitions.
    pub a: f64,
    pub b: f64,
    /// b / a, when a is not zero.
    pub ratio: Option<f64>,
    /// Present with at least [`MIN_REPETITIONS`] on both sides, as is `p`.
    pub interval: Option<Interval>,
    /// Unadjusted two-sided p-value of "no change beyond the minimum effect".
    pub p: Option<f64>,
    /// Whether B's mean is above A's (the direction a verdict would have).
    pub b_larger: bool,
}

/// Estimates the effect of one metric from the per-repetition values of each side; `None`
/// when a side has no value, or a log-scale value is not positive (no logarithm, no ratio).
pub fn estimate(scale: Scale, a: &[f64], b: &[f64], rule: &Rule) -> Option<Estimate> {
    if a.is_empty() || b.is_empty() {
        return None;
    }
    let enough = a.len() >= MIN_REPETITIONS && b.len() >= MIN_REPETITIONS;
    match scale {
        Scale::Log => {
            if a.iter().chain(b).any(|&v| v <= 0.0 || !v.is_finite()) {
                return None;
            }
            let ln = |v: &[f64]| v.iter().map(|x| x.ln()).collect::<Vec<_>>();
            let (la, lb) = (ln(a), ln(b));
            let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
            let (ma, mb) = (mean(&la), mean(&lb));
            let mut e = Estimate {
                a: ma.exp(),
                b: mb.exp(),
                ratio: Some((mb - ma).exp()),
                interval: None,
                p: None,
                b_larger: mb > ma,
            };
            if let (true, Some(sa), Some(sb)) = (enough, Sample::of(&la), Sample::of(&lb)) {
                let w = Welch::new(&sa, &sb);
                let (lo, hi) = w.interval(INTERVAL_LEVEL);
                e.interval = Some(Interval::Ratio {
                    low: lo.exp(),
                    high: hi.exp(),
                });
                e.p = Some(w.p_beyond(rule.min_effect.ln_1p()));
            }
            Some(e)
        }
        Scale::Count => {
            let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
            let (ma, mb) = (mean(a), mean(b));
            let mut e = Estimate {
                a: ma,
                b: mb,
                ratio: (ma > 0.0).then(|| mb / ma),
                interval: None,
                p: None,
                b_larger: mb > ma,
            };
            if let (true, Some(sa), Some(sb)) = (enough, Sample::of(a), Sample::of(b)) {
                // Repetitions that happened to lose the same number of messages (often all
                // zero on one side) must not make the count look exact.
                let w = Welch::new(&sa.with_var_floor(ma), &sb.with_var_floor(mb));
                let (low, high) = w.interval(INTERVAL_LEVEL);
                e.interval = Some(Interval::Difference { low, high });
                e.p = Some(w.p_beyond(0.0));
            }
            Some(e)
        }
    }
}

/// Adjusted p-values of a family of rows (rows without a p-value are not in the family and
/// stay `None`), in the order given.
pub fn adjust(rule: &Rule, p: &[Option<f64>]) -> Vec<Option<f64>> {
    let tested: Vec<f64> = p.iter().flatten().copied().collect();
    let mut adjusted = rule.correction.adjust(&tested).into_iter();
    p.iter().map(|v| v.and_then(|_| adjusted.next())).collect()
}

/// The rule, word for word as every output prints it.
pub fn describe(rule: &Rule, family_size: usize) -> String {
    let pct = |f: f64| format!("{}%", plain(f * 100.0));
    let (effect, level) = (pct(rule.min_effect), pct(rule.alpha));
    let edge = plain(1.0 + rule.min_effect);
    let guarantee = match rule.correction {
        Correction::Holm => format!(
            "this keeps the family-wise error rate (the chance of flagging anything when no \
             metric changed by more than {effect}) at or below {level}"
        ),
        Correction::BenjaminiHochberg => format!(
            "this keeps the false discovery rate (the expected share of wrong flags among the \
             flagged) at or below {level}; when no metric changed by more than {effect} it is \
             also the chance of flagging anything"
        ),
    };
    format!(
        "Per case and metric, A and B are the geometric means of the repetitions' values \
         (lost: plain means) and B/A is their ratio. Test: {TEST} (lost: on the counts, each \
         side's variance taken as at least its mean, as for Poisson counts), against a minimum \
         effect of {effect}: H0 is that B/A lies within [1/{edge}, {edge}], and \
         p = 2·P(T_df > (|mean ln B − mean ln A| − ln {edge}) / se) with Welch–Satterthwaite \
         df (lost: H0 is equal means). A row is BETTER or WORSE when its {}-adjusted p is \
         below {}, over a family of {family_size} rows (every metric of every matched case with \
         at least {MIN_REPETITIONS} repetitions on both sides); {guarantee}. The interval is \
         the {}% Welch interval of B/A (of B − A for lost), not adjusted for the {family_size} \
         tests. \"n.s.\" means no change beyond {effect} was shown, not that there is none.",
        rule.correction.name(),
        plain(rule.alpha),
        plain(INTERVAL_LEVEL * 100.0),
    )
}

/// A setting as a person writes it: 5, 1.05, 0.05 (no trailing zeros).
pub fn plain(x: f64) -> String {
    let s = format!("{x:.4}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s.is_empty() || s == "-" {
        "0".into()
    } else {
        s.into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_metrics_use_geometric_means_and_the_margin() {
        let rule = Rule::default();
        let a = [100.0, 101.0, 99.0];
        let b = [150.0, 151.0, 149.0];
        let e = estimate(Scale::Log, &a, &b, &rule).expect("estimate");
        let geo = |v: &[f64]| (v.iter().map(|x: &f64| x.ln()).sum::<f64>() / 3.0).exp();
        assert!((e.a - geo(&a)).abs() < 1e-9 && (e.b - geo(&b)).abs() < 1e-9);
        assert!((e.ratio.expect("ratio") - 1.5).abs() < 0.01);
        assert!(e.b_larger && e.p.expect("p") < 1e-4, "{e:?}");
        let Some(Interval::Ratio { low, high }) = e.interval else {
            panic!("{e:?}")
        };
        assert!(low > 1.45 && high < 1.55 && low < 1.5 && high > 1.5);
        // 3% apart and steady: beyond 0 but inside the 5% margin, so p = 1.
        let c = [103.0, 104.0, 102.0];
        let e = estimate(Scale::Log, &a, &c, &rule).expect("estimate");
        assert_eq!(e.p, Some(1.0));
        let strict = Rule {
            min_effect: 0.0,
            ..rule
        };
        assert!(
            estimate(Scale::Log, &a, &c, &strict)
                .expect("e")
                .p
                .expect("p")
                < 0.05
        );
    }

    #[test]
    fn too_few_repetitions_give_figures_but_no_p_value() {
        let e = estimate(Scale::Log, &[1.0, 2.0], &[3.0, 4.0, 5.0], &Rule::default());
        let e = e.expect("estimate");
        assert!(e.p.is_none() && e.interval.is_none() && e.ratio.is_some());
        assert!(estimate(Scale::Log, &[], &[1.0], &Rule::default()).is_none());
        assert!(estimate(Scale::Log, &[0.0, 1.0, 1.0], &[1.0; 3], &Rule::default()).is_none());
    }

    #[test]
    fn counts_take_at_least_poisson_variance() {
        let rule = Rule::default();
        // No loss on one side, one or two messages lost per repetition on the other: a
        // Poisson count with mean 1.3 does that by chance, so no verdict.
        let e = estimate(Scale::Count, &[0.0; 3], &[1.0, 2.0, 1.0], &rule).expect("e");
        assert!(e.p.expect("p") > 0.05, "{e:?}");
        assert!(e.ratio.is_none());
        // Constant 1 vs constant 0 would be "exact" without the floor.
        let e = estimate(Scale::Count, &[0.0; 3], &[1.0; 3], &rule).expect("e");
        assert!(e.p.expect("p") > 0.05, "{e:?}");
        // Tens of messages every time: real.
        let e = estimate(Scale::Count, &[0.0; 3], &[50.0, 61.0, 55.0], &rule).expect("e");
        assert!(e.p.expect("p") < 0.01 && e.b_larger, "{e:?}");
        assert!(matches!(e.interval, Some(Interval::Difference { low, .. }) if low > 30.0));
        let e = estimate(Scale::Count, &[0.0; 3], &[0.0; 3], &rule).expect("e");
        assert_eq!(e.p, Some(1.0));
    }

    #[test]
    fn adjust_leaves_untested_rows_out_of_the_family() {
        let rule = Rule {
            correction: Correction::Holm,
            ..Rule::default()
        };
        let adj = adjust(&rule, &[Some(0.01), None, Some(0.04)]);
        assert_eq!(adj[1], None);
        assert!((adj[0].expect("a") - 0.02).abs() < 1e-12);
        assert!((adj[2].expect("c") - 0.04).abs() < 1e-12);
    }

    #[test]
    fn the_rule_names_its_parts() {
        let holm = Rule {
            correction: Correction::Holm,
            ..Rule::default()
        };
        let text = describe(&holm, 96);
        for want in [
            TEST,
            "Holm",
            "family of 96 rows",
            "5%",
            "1.05",
            "at least 3",
        ] {
            assert!(text.contains(want), "{want}: {text}");
        }
        let bh = Rule {
            min_effect: 0.1,
            ..Rule::default()
        };
        let text = describe(&bh, 7);
        assert!(
            text.contains("false discovery rate") && text.contains("10%"),
            "{text}"
        );
        assert!(text.contains("Benjamini–Hochberg"), "{text}");
        assert_eq!(
            (plain(5.0), plain(1.05), plain(0.05), plain(0.0)),
            ("5".into(), "1.05".into(), "0.05".into(), "0".into())
        );
    }
}
