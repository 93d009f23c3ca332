//! Run-versus-run comparison: `compare RUN_A RUN_B`.
//!
//! Cases are paired by id (`aes-128-gcm/q1/64B/tcp`), or by the case parameters named with
//! `--match` ([`pairing`]); the repetitions of a case (`load.repeat`) are its independent
//! measurements. For each pair and [metric](metrics::METRICS) the comparison shows A, B (means
//! over repetitions), B/A with a 95% interval, and a verdict from [`verdict`]'s rule: Welch's
//! t-test on log values against a minimum effect, corrected over every row tested
//! (Benjamini–Hochberg by default, Holm on request). With fewer than 3 repetitions of a case on either side its rows get figures but
//! no verdict. Cases found in only one run are listed, never dropped.
//!
//! Runs of different scenarios are refused unless `--match` names how to pair their cases:
//! the same id can mean a different set-up in another scenario (another rate, payload or
//! broker), and `--match` is the explicit statement that the named fields are what should
//! agree (the set-up differences are still printed as warnings).
//!
//! Outputs ([`render`]): the terminal table, `compare.md`, `compare.html` (self-contained like
//! `report.html`), `charts/compare_ratio.svg` (see [`ratio`]),
//! and with `--json` the [`Comparison`] itself on stdout. Its fields: `a_label`, `b_label`;
//! `test`, `correction` (`holm` / `benjamini_hochberg`), `controls`, `alpha`, `min_effect`,
//! `min_repetitions`, `pairing`, `repetitions_a` / `repetitions_b` (`min`, `max` per case),
//! `family_size` (rows tested), `rule` (the text printed), `no_verdicts` (why there are none,
//! or null), `tally` (`worse`, `better`, `not_significant`, `untested`, `not_comparable`), and
//! `cases`: per pair `label`, `id_a`, `id_b` and `metrics`, each with `metric`, `unit`,
//! `better`, `scale`, `n_a`, `n_b`, `a`, `b`, `ratio`, `interval` (`of`: `ratio` or
//! `difference`, `low`, `high`), `p`, `p_adjusted` and `verdict` (`better`, `worse`,
//! `not_significant`, `too_few_repetitions`, `not_comparable`); then `only_a`, `only_b`,
//! `failed` and `warnings`.

pub mod metrics;
pub mod pairing;
pub mod ratio;
mod render;
pub mod verdict;

#[cfg(test)]
mod simulation;
#[cfg(test)]
mod tests;

use std::path::{Path, PathBuf};

use serde::Serialize;

pub use metrics::{Better, METRICS, Metric, Scale};
pub use pairing::Pairing;
pub use render::{RenderedCompare, json, render, table, terminal};
pub use verdict::{Interval, Rule};

use super::data;
use crate::results::RunResults;
use crate::stats::Correction;

/// Input `compare` refuses (exit code 2 at the command line).
#[derive(Debug, thiserror::Error)]
pub enum CompareError {
    #[error("--match: unknown field \"{field}\"; valid fields are the case parameters: {valid}")]
    UnknownField { field: String, valid: String },
    #[error(
        "pairing by {pairing}: run {side} has {} different cases with {key}: {}; name more \
         fields so that each case of a run has its own key (valid: {valid})",
        ids.len(), ids.join(", ")
    )]
    Collision {
        pairing: String,
        side: &'static str,
        key: String,
        ids: Vec<String>,
        valid: String,
    },
    #[error(
        "run A is of scenario \"{a}\" and run B of scenario \"{b}\": the same case id can mean \
         a different set-up in another scenario, so cases are not paired by id. Compare two \
         runs of one scenario, or name the case parameters that should agree with --match \
         (e.g. --match qos,size,transport)"
    )]
    DifferentScenarios { a: String, b: String },
    #[error(
        "--min-effect: expected a fraction from 0 to 1 (0.05) or a percentage (5%), got \"{0}\""
    )]
    MinEffect(String),
}

/// Parses `--min-effect`: `0.05` or `5%`.
pub fn parse_min_effect(s: &str) -> Result<f64, CompareError> {
    let t = s.trim();
    let v = match t.strip_suffix('%') {
        Some(pct) => pct.trim().parse::<f64>().map(|v| v / 100.0),
        None => t.parse::<f64>(),
    };
    match v {
        Ok(v) if (0.0..1.0).contains(&v) => Ok(v),
        _ => Err(CompareError::MinEffect(s.to_owned())),
    }
}

/// Parses `--correction`: `holm` or `bh` (Benjamini–Hochberg).
pub fn parse_correction(s: &str) -> Result<Correction, String> {
    match s.trim().to_ascii_lowercase().as_str() {
        "holm" => Ok(Correction::Holm),
        "bh" | "benjamini-hochberg" => Ok(Correction::BenjaminiHochberg),
        _ => Err(format!(
            "expected holm or bh (Benjamini–Hochberg), got \"{s}\""
        )),
    }
}

/// What a comparison is asked to do.
#[derive(Debug, Clone, Default)]
pub struct Settings {
    /// `--match` field names; empty: pair by case id.
    pub match_fields: Vec<String>,
    pub rule: Rule,
}

/// What the comparison concludes about one metric of one pair of cases.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Better,
    Worse,
    /// Tested: no change beyond the minimum effect shown.
    NotSignificant,
    /// Figures only: fewer than [`verdict::MIN_REPETITIONS`] on a side.
    TooFewRepetitions,
    /// A side has no value (not measured, or not positive where a ratio is needed).
    NotComparable,
}

impl Verdict {
    pub fn word(self) -> &'static str {
        match self {
            Verdict::Better => "BETTER",
            Verdict::Worse => "WORSE",
            Verdict::NotSignificant => "n.s.",
            Verdict::TooFewRepetitions => "no verdict",
            Verdict::NotComparable => "n/a",
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct MetricDelta {
    pub metric: &'static str,
    pub unit: &'static str,
    pub better: Better,
    pub scale: Scale,
    /// Repetitions with a value, per side.
    pub n_a: usize,
    pub n_b: usize,
    /// Geometric means (lost: plain means) over repetitions, in `unit`.
    pub a: Option<f64>,
    pub b: Option<f64>,
    /// B / A, when both are measured and A is not zero.
    pub ratio: Option<f64>,
    /// 95% interval of B/A (lost: of B − A), with enough repetitions.
    pub interval: Option<Interval>,
    /// Unadjusted p-value of "no change beyond the minimum effect".
    pub p: Option<f64>,
    /// After the family's correction; the verdict is drawn from this.
    pub p_adjusted: Option<f64>,
    pub verdict: Verdict,
}

#[derive(Debug, Clone, Serialize)]
pub struct CaseDelta {
    /// The id when both sides have the same, else `id_a vs id_b`.
    pub label: String,
    pub id_a: String,
    pub id_b: String,
    pub metrics: Vec<MetricDelta>,
}

/// Fewest and most finished repetitions of a matched case on one side.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Repetitions {
    pub min: usize,
    pub max: usize,
}

impl std::fmt::Display for Repetitions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.min == self.max {
            write!(f, "{}", self.min)
        } else {
            write!(f, "{}–{}", self.min, self.max)
        }
    }
}

/// How many rows got each verdict.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Tally {
    pub worse: usize,
    pub better: usize,
    pub not_significant: usize,
    pub untested: usize,
    pub not_comparable: usize,
}

/// Everything `compare` prints and renders.
#[derive(Debug, Clone, Serialize)]
pub struct Comparison {
    /// Short names of the runs: scenario and start time.
    pub a_label: String,
    pub b_label: String,
    pub test: &'static str,
    pub correction: Correction,
    /// What the correction bounds at `alpha`.
    pub controls: &'static str,
    pub alpha: f64,
    pub min_effect: f64,
    pub min_repetitions: usize,
    /// `case id` or `--match f1,f2`.
    pub pairing: String,
    pub repetitions_a: Repetitions,
    pub repetitions_b: Repetitions,
    /// Rows with a p-value: the family the correction covers.
    pub family_size: usize,
    /// The rule, word for word as printed.
    pub rule: String,
    /// Why no row has a verdict, when none has.
    pub no_verdicts: Option<String>,
    pub tally: Tally,
    pub cases: Vec<CaseDelta>,
    /// Ids of cases only in A, only in B.
    pub only_a: Vec<String>,
    pub only_b: Vec<String>,
    /// Cases present in both runs but without a finished repetition in at least one.
    pub failed: Vec<String>,
    /// Differences in the set-up that make the numbers less comparable.
    pub warnings: Vec<String>,
}

fn run_label(r: &RunResults) -> String {
    format!("{} @ {}", r.scenario.name, r.started_at)
}

/// Set-up differences worth a warning above the table.
fn warnings(a: &RunResults, b: &RunResults) -> Vec<String> {
    let (ea, eb) = (&a.environment, &b.environment);
    let mut out = Vec::new();
    let mut differ = |what: &str, x: String, y: String| {
        if x != y {
            out.push(format!("{what} differs: A {x}, B {y}"));
        }
    };
    differ("scenario", a.scenario.name.clone(), b.scenario.name.clone());
    differ(
        "CPU",
        ea.cpu_model.clone().unwrap_or_else(|| "unknown".into()),
        eb.cpu_model.clone().unwrap_or_else(|| "unknown".into()),
    );
    differ("build profile", ea.profile.clone(), eb.profile.clone());
    differ("broker", a.broker.name.clone(), b.broker.name.clone());
    differ("load", data::load(a), data::load(b));
    let flags = |r: &RunResults| {
        crate::results::secrets::redact(&r.scenario)
            .overrides
            .join(" ")
    };
    differ("overrides", flags(a), flags(b));
    differ(
        "key seed (SHA-256, first 8 bytes)",
        a.scenario.key_seed_sha256.clone().unwrap_or_default(),
        b.scenario.key_seed_sha256.clone().unwrap_or_default(),
    );
    out
}

/// Pairs the cases of `a` and `b` and compares every metric.
pub fn compare(
    a: &RunResults,
    b: &RunResults,
    settings: &Settings,
) -> Result<Comparison, CompareError> {
    let pairing = Pairing::parse(&settings.match_fields)?;
    if pairing == Pairing::ById && a.scenario.name != b.scenario.name {
        return Err(CompareError::DifferentScenarios {
            a: a.scenario.name.clone(),
            b: b.scenario.name.clone(),
        });
    }
    let ga = pairing::groups(a, "A", &pairing)?;
    let gb = pairing::groups(b, "B", &pairing)?;
    let rule = settings.rule;
    let metrics = metrics::in_use(a, b);

    let mut cases = Vec::new();
    let mut failed = Vec::new();
    let (mut reps_a, mut reps_b) = (Vec::new(), Vec::new());
    let mut estimates = Vec::new();
    for x in &ga {
        let Some(y) = gb.iter().find(|y| y.key == x.key) else {
            continue;
        };
        let label = if x.id == y.id {
            x.id.clone()
        } else {
            format!("{} vs {}", x.id, y.id)
        };
        if x.ok.is_empty() || y.ok.is_empty() {
            failed.push(label);
            continue;
        }
        reps_a.push(x.ok.len());
        reps_b.push(y.ok.len());
        let mut rows = Vec::new();
        for m in &metrics {
            let values = |reps: &[&crate::results::CaseResult]| -> Vec<f64> {
                reps.iter().filter_map(|c| (m.extract)(c)).collect()
            };
            let (va, vb) = (values(&x.ok), values(&y.ok));
            let e = verdict::estimate(m.scale, &va, &vb, &rule);
            estimates.push(e.and_then(|e| e.p));
            rows.push((m, va.len(), vb.len(), e));
        }
        cases.push((label, x.id.clone(), y.id.clone(), rows));
    }

    let adjusted = verdict::adjust(&rule, &estimates);
    let family_size = estimates.iter().flatten().count();
    let mut adjusted = adjusted.into_iter();
    let mut tally = Tally::default();
    let cases: Vec<CaseDelta> = cases
        .into_iter()
        .map(|(label, id_a, id_b, rows)| CaseDelta {
            label,
            id_a,
            id_b,
            metrics: rows
                .into_iter()
                .map(|(m, n_a, n_b, e)| {
                    let p_adjusted = adjusted.next().flatten();
                    let verdict = decide(m, e.as_ref(), p_adjusted, &rule);
                    match verdict {
                        Verdict::Worse => tally.worse += 1,
                        Verdict::Better => tally.better += 1,
                        Verdict::NotSignificant => tally.not_significant += 1,
                        Verdict::TooFewRepetitions => tally.untested += 1,
                        Verdict::NotComparable => tally.not_comparable += 1,
                    }
                    MetricDelta {
                        metric: m.name,
                        unit: m.unit,
                        better: m.better,
                        scale: m.scale,
                        n_a,
                        n_b,
                        a: e.map(|e| e.a),
                        b: e.map(|e| e.b),
                        ratio: e.and_then(|e| e.ratio),
                        interval: e.and_then(|e| e.interval),
                        p: e.and_then(|e| e.p),
                        p_adjusted,
                        verdict,
                    }
                })
                .collect(),
        })
        .collect();

    let span = |v: &[usize]| Repetitions {
        min: v.iter().copied().min().unwrap_or(0),
        max: v.iter().copied().max().unwrap_or(0),
    };
    let (repetitions_a, repetitions_b) = (span(&reps_a), span(&reps_b));
    let no_verdicts = (family_size == 0 && !cases.is_empty()).then(|| {
        format!(
            "No BETTER/WORSE verdicts: a verdict needs at least {} repetitions of a case in \
             each run, and A has {repetitions_a}, B {repetitions_b} per case. One run's \
             samples are serial and correlated, so they cannot tell a change from \
             run-to-run drift. Run both again with --set load.repeat=5.",
            verdict::MIN_REPETITIONS
        )
    });

    let only = |from: &[pairing::Group], other: &[pairing::Group]| -> Vec<String> {
        from.iter()
            .filter(|g| !other.iter().any(|o| o.key == g.key))
            .map(|g| g.id.clone())
            .collect()
    };
    Ok(Comparison {
        a_label: run_label(a),
        b_label: run_label(b),
        test: verdict::TEST,
        correction: rule.correction,
        controls: rule.correction.controls(),
        alpha: rule.alpha,
        min_effect: rule.min_effect,
        min_repetitions: verdict::MIN_REPETITIONS,
        pairing: pairing.describe(),
        repetitions_a,
        repetitions_b,
        family_size,
        rule: verdict::describe(&rule, family_size),
        no_verdicts,
        tally,
        cases,
        only_a: only(&ga, &gb),
        only_b: only(&gb, &ga),
        failed,
        warnings: warnings(a, b),
    })
}

fn decide(
    m: &Metric,
    e: Option<&verdict::Estimate>,
    p_adjusted: Option<f64>,
    rule: &Rule,
) -> Verdict {
    let Some(e) = e else {
        return Verdict::NotComparable;
    };
    match p_adjusted {
        None => Verdict::TooFewRepetitions,
        Some(p) if p >= rule.alpha => Verdict::NotSignificant,
        Some(_) => match (e.b_larger, m.better) {
            (true, Better::Lower) | (false, Better::Higher) => Verdict::Worse,
            _ => Verdict::Better,
        },
    }
}

/// Default output folder: `RUN_B/compare-<A's folder name>`, A's folder being its timestamp.
pub fn default_out(run_a: &Path, run_b: &Path, a: &RunResults) -> PathBuf {
    let stamp = run_a
        .canonicalize()
        .ok()
        .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| a.started_at.replace(':', ""));
    run_b.join(format!("compare-{stamp}"))
}
