//! Run-versus-run comparison: `compare RUN_A RUN_B`.
//!
//! Cases are matched by id (`aes-128-gcm/q1/64B/tcp`); for each matched case and metric the
//! report shows A, B and the ratio B/A, and flags the ratio when it is beyond the noise
//! ([`NOISE_RULE`] says exactly how). Cases found in only one run are listed, never dropped.
//!
//! A run has no repetitions yet, so the noise is estimated from each case's own HdrHistogram:
//! the percentiles give the spread of the distribution, the sample count how well a median or
//! a p99 of that spread is pinned down. A fixed floor covers what one histogram cannot see
//! (the machine doing something else between the two runs).
//!
//! Files written into the output folder: `compare.md`, `compare.html` (self-contained like
//! `report.html`) and `charts/compare_ratio.svg` (see [`compare_ratio`](super::compare_ratio)).

use std::collections::BTreeMap;
use std::fmt::Write;
use std::path::{Path, PathBuf};

use super::table::{Row, Table};
use super::{ReportError, compare_ratio, data, html, markdown};
use crate::results::{CaseResult, PhaseStats, RunResults, phase};

/// Smallest relative change ever flagged: two runs on one machine drift this much anyway.
pub const NOISE_FLOOR: f64 = 0.05;
/// How many combined standard errors a change must exceed.
pub const NOISE_SIGMAS: f64 = 2.0;

/// The rule, word for word as the documents print it.
pub const NOISE_RULE: &str = "A change is flagged when |B/A − 1| ≥ max(5%, 2·√(sA² + sB²)), \
where s is a run's relative standard error of the metric estimated from its own histogram \
(there are no repetitions): for a p50, s = (p90 − p50) / p50 / √count; for a p99, \
s = (p99.9 − p99) / p99 / √(count / 100) (only 1% of samples lie beyond p99); for lost \
messages, s = 1 / √lost (Poisson); for delivered msgs/s, s = 0 (one number, so only the 5% \
floor applies). Loss going from zero to non-zero or back is always flagged.";

/// What a metric being larger means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Better {
    Lower,
    Higher,
}

/// One metric of the comparison.
#[derive(Debug, Clone, Copy)]
pub struct Metric {
    pub name: &'static str,
    /// Unit of the A and B cells.
    pub unit: &'static str,
    pub better: Better,
    /// The value and its relative standard error, when the case has it.
    pub extract: fn(&CaseResult) -> Option<(f64, f64)>,
}

fn percentile_metric(case: &CaseResult, name: &str, p99: bool, unit: f64) -> Option<(f64, f64)> {
    let p: &PhaseStats = data::phase(case, name)?;
    let count = p.count as f64;
    let (value, next, n) = if p99 {
        (p.p99 as f64, p.p999 as f64, count / 100.0)
    } else {
        (p.p50 as f64, p.p90 as f64, count)
    };
    if value <= 0.0 {
        return None;
    }
    let s = ((next - value).max(0.0) / value) / n.max(1.0).sqrt();
    Some((value / unit, s))
}

pub const METRICS: [Metric; 8] = [
    Metric {
        name: "enc p50",
        unit: "µs",
        better: Better::Lower,
        extract: |c| percentile_metric(c, phase::ENCRYPT, false, 1e3),
    },
    Metric {
        name: "enc p99",
        unit: "µs",
        better: Better::Lower,
        extract: |c| percentile_metric(c, phase::ENCRYPT, true, 1e3),
    },
    Metric {
        name: "dec p50",
        unit: "µs",
        better: Better::Lower,
        extract: |c| percentile_metric(c, phase::DECRYPT, false, 1e3),
    },
    Metric {
        name: "dec p99",
        unit: "µs",
        better: Better::Lower,
        extract: |c| percentile_metric(c, phase::DECRYPT, true, 1e3),
    },
    Metric {
        name: "lat p50",
        unit: "ms",
        better: Better::Lower,
        extract: |c| percentile_metric(c, phase::LATENCY, false, 1e6),
    },
    Metric {
        name: "lat p99",
        unit: "ms",
        better: Better::Lower,
        extract: |c| percentile_metric(c, phase::LATENCY, true, 1e6),
    },
    Metric {
        name: "delivered/s",
        unit: "msg/s",
        better: Better::Higher,
        // A case that measured nothing has no rate, not a rate of zero.
        extract: |c| (c.measured_s > 0.0).then_some((c.throughput.delivered_msgs_per_s, 0.0)),
    },
    Metric {
        name: "lost",
        unit: "msgs",
        better: Better::Lower,
        extract: |c| {
            let lost = c.counts.lost as f64;
            let s = if lost > 0.0 { 1.0 / lost.sqrt() } else { 0.0 };
            Some((lost, s))
        },
    },
];

/// What the comparison concludes about one metric of one case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Within the noise.
    Same,
    Better,
    Worse,
    /// One side has no value (not measured, or zero where a ratio is needed).
    NotComparable,
}

impl Verdict {
    pub fn word(self) -> &'static str {
        match self {
            Verdict::Same => "noise",
            Verdict::Better => "BETTER",
            Verdict::Worse => "WORSE",
            Verdict::NotComparable => "n/a",
        }
    }
}

#[derive(Debug, Clone)]
pub struct MetricDelta {
    pub metric: &'static str,
    pub unit: &'static str,
    pub a: Option<f64>,
    pub b: Option<f64>,
    /// B / A, when both are measured and A is not zero.
    pub ratio: Option<f64>,
    /// The relative change below which this row counts as noise.
    pub threshold: Option<f64>,
    pub verdict: Verdict,
}

#[derive(Debug, Clone)]
pub struct CaseDelta {
    pub id: String,
    pub metrics: Vec<MetricDelta>,
}

/// Everything `compare` prints and renders.
#[derive(Debug, Clone)]
pub struct Comparison {
    /// Short names of the runs: scenario and start time.
    pub a_label: String,
    pub b_label: String,
    pub cases: Vec<CaseDelta>,
    /// Ids of finished cases only in A, only in B.
    pub only_a: Vec<String>,
    pub only_b: Vec<String>,
    /// Ids present in both runs but failed in at least one.
    pub failed: Vec<String>,
    /// Differences in the set-up that make the numbers less comparable.
    pub warnings: Vec<String>,
}

fn run_label(r: &RunResults) -> String {
    format!("{} @ {}", r.scenario.name, r.started_at)
}

fn delta(metric: &Metric, a: &CaseResult, b: &CaseResult) -> MetricDelta {
    let (va, vb) = ((metric.extract)(a), (metric.extract)(b));
    let mut d = MetricDelta {
        metric: metric.name,
        unit: metric.unit,
        a: va.map(|v| v.0),
        b: vb.map(|v| v.0),
        ratio: None,
        threshold: None,
        verdict: Verdict::NotComparable,
    };
    let (Some((xa, sa)), Some((xb, sb))) = (va, vb) else {
        return d;
    };
    let threshold = NOISE_FLOOR.max(NOISE_SIGMAS * (sa * sa + sb * sb).sqrt());
    d.threshold = Some(threshold);
    let direction = |b_larger: bool| match (b_larger, metric.better) {
        (true, Better::Lower) | (false, Better::Higher) => Verdict::Worse,
        _ => Verdict::Better,
    };
    if xa == 0.0 {
        // No ratio from zero; for loss, appearing at all is the news.
        d.verdict = if xb == 0.0 {
            Verdict::Same
        } else {
            direction(true)
        };
        return d;
    }
    let ratio = xb / xa;
    d.ratio = Some(ratio);
    d.verdict = if metric.name == "lost" && xb == 0.0 {
        direction(false)
    } else if (ratio - 1.0).abs() < threshold {
        Verdict::Same
    } else {
        direction(ratio > 1.0)
    };
    d
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
    differ(
        "CPU",
        ea.cpu_model.clone().unwrap_or_else(|| "unknown".into()),
        eb.cpu_model.clone().unwrap_or_else(|| "unknown".into()),
    );
    differ("build profile", ea.profile.clone(), eb.profile.clone());
    differ("broker", a.broker.name.clone(), b.broker.name.clone());
    differ("load", data::load(a), data::load(b));
    out
}

/// Matches the cases of `a` and `b` by id and compares every metric.
pub fn compare(a: &RunResults, b: &RunResults) -> Comparison {
    let ok_b: BTreeMap<&str, &CaseResult> = data::ok_cases(b).map(|c| (c.id.as_str(), c)).collect();
    let ok_a: BTreeMap<&str, &CaseResult> = data::ok_cases(a).map(|c| (c.id.as_str(), c)).collect();
    let all_b: Vec<&str> = b.cases.iter().map(|c| c.id.as_str()).collect();
    let all_a: Vec<&str> = a.cases.iter().map(|c| c.id.as_str()).collect();
    let mut cases = Vec::new();
    let mut failed = Vec::new();
    // A's order (its matrix order), then anything only B has.
    for ca in &a.cases {
        if !all_b.contains(&ca.id.as_str()) {
            continue;
        }
        match (ok_a.get(ca.id.as_str()), ok_b.get(ca.id.as_str())) {
            (Some(ca), Some(cb)) => cases.push(CaseDelta {
                id: ca.id.clone(),
                metrics: METRICS.iter().map(|m| delta(m, ca, cb)).collect(),
            }),
            _ => failed.push(ca.id.clone()),
        }
    }
    let only = |ids: &[&str], other: &[&str]| -> Vec<String> {
        ids.iter()
            .filter(|id| !other.contains(*id))
            .map(|id| id.to_string())
            .collect()
    };
    Comparison {
        a_label: run_label(a),
        b_label: run_label(b),
        cases,
        only_a: only(&all_a, &all_b),
        only_b: only(&all_b, &all_a),
        failed,
        warnings: warnings(a, b),
    }
}

fn fmt_value(v: Option<f64>) -> String {
    v.map_or_else(|| "n/a".into(), data::sig3)
}

fn fmt_ratio(r: Option<f64>) -> String {
    r.map_or_else(|| "n/a".into(), |r| format!("×{}", data::sig3(r)))
}

/// Beyond ±1000% the exact figure only says "one outlier dominates this tail".
fn fmt_threshold(t: Option<f64>) -> String {
    match t {
        None => "n/a".into(),
        Some(t) if t >= 10.0 => ">±999%".into(),
        Some(t) => format!("±{:.0}%", t * 100.0),
    }
}

/// One row per case and metric; the id only on a case's first row so cases stand apart.
/// Rows with a WORSE verdict are marked like lossy rows (red in HTML).
pub fn table(c: &Comparison) -> Table {
    let mut rows = Vec::new();
    for case in &c.cases {
        for (i, m) in case.metrics.iter().enumerate() {
            rows.push(Row {
                cells: vec![
                    if i == 0 {
                        case.id.clone()
                    } else {
                        String::new()
                    },
                    format!("{} ({})", m.metric, m.unit),
                    fmt_value(m.a),
                    fmt_value(m.b),
                    fmt_ratio(m.ratio),
                    fmt_threshold(m.threshold),
                    m.verdict.word().into(),
                ],
                lossy: m.verdict == Verdict::Worse,
            });
        }
    }
    Table {
        headers: vec!["case", "metric", "A", "B", "B/A", "noise", "verdict"],
        numeric: vec![false, false, true, true, true, true, false],
        rows,
    }
}

/// Counts of flagged changes, for the one-line verdict.
fn tally(c: &Comparison) -> (usize, usize) {
    let all = c.cases.iter().flat_map(|k| &k.metrics);
    let worse = all.clone().filter(|m| m.verdict == Verdict::Worse).count();
    let better = all.filter(|m| m.verdict == Verdict::Better).count();
    (worse, better)
}

/// Lines said before any table, shared by the three renderings.
fn preamble(c: &Comparison) -> Vec<String> {
    let (worse, better) = tally(c);
    let mut lines = vec![
        format!("A: {}", c.a_label),
        format!("B: {}", c.b_label),
        format!(
            "{} matched case(s): {worse} metric(s) WORSE, {better} BETTER beyond the noise.",
            c.cases.len()
        ),
    ];
    lines.extend(c.warnings.iter().map(|w| format!("Warning: {w}")));
    lines.push(format!("Noise rule: {NOISE_RULE}"));
    lines
}

fn unmatched(c: &Comparison) -> Vec<String> {
    let mut lines = Vec::new();
    for id in &c.only_a {
        lines.push(format!("only in A: {id}"));
    }
    for id in &c.only_b {
        lines.push(format!("only in B: {id}"));
    }
    for id in &c.failed {
        lines.push(format!("failed in A or B, not compared: {id}"));
    }
    lines
}

/// The comparison as plain text for the terminal.
pub fn terminal(c: &Comparison) -> String {
    let mut out = preamble(c).join("\n");
    out.push_str("\n\n");
    if c.cases.is_empty() {
        out.push_str("No case finished in both runs.\n");
    } else {
        out.push_str(&super::table::aligned(&table(c)));
    }
    for line in unmatched(c) {
        out.push_str(&line);
        out.push('\n');
    }
    out
}

fn render_markdown(c: &Comparison, chart: Option<&super::Chart>) -> String {
    let mut md = String::from("# Run comparison\n\n");
    for line in preamble(c) {
        let _ = writeln!(md, "- {}", markdown::inline(&line));
    }
    md.push('\n');
    if !c.cases.is_empty() {
        md.push_str(&markdown::markdown_table(&table(c)));
    }
    let unmatched = unmatched(c);
    if !unmatched.is_empty() {
        md.push_str("\n## Not compared\n\n");
        for line in unmatched {
            let _ = writeln!(md, "- {}", markdown::inline(&line));
        }
    }
    if let Some(chart) = chart {
        let _ = writeln!(md, "\n![{}]({})", chart.title, chart.rel_path());
    }
    md
}

fn render_html(c: &Comparison, chart: Option<&super::Chart>) -> String {
    let mut h = String::new();
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>Run comparison — mqtt-cipher-bench</title>\n<style>{}</style>\n</head>\n\
         <body>\n<main>\n<h1>Run comparison</h1>\n<ul>\n",
        html::CSS
    );
    for line in preamble(c) {
        let _ = writeln!(h, "<li>{}</li>", html::esc(&line));
    }
    h.push_str("</ul>\n");
    if let Some(chart) = chart {
        let _ = writeln!(
            h,
            "<figure id=\"{}\">\n{}\n<figcaption>{} (<code>{}</code>)</figcaption>\n</figure>",
            html::esc(&chart.name),
            chart.svg.trim(),
            html::esc(&chart.title),
            html::esc(&chart.rel_path())
        );
    }
    if !c.cases.is_empty() {
        h.push_str("<h2>Per case</h2>\n");
        h.push_str(&html::html_table(&table(c)));
    }
    let unmatched = unmatched(c);
    if !unmatched.is_empty() {
        h.push_str("<h2>Not compared</h2>\n<ul>\n");
        for line in unmatched {
            let _ = writeln!(h, "<li>{}</li>", html::esc(&line));
        }
        h.push_str("</ul>\n");
    }
    h.push_str("</main>\n</body>\n</html>\n");
    h
}

/// Paths of what [`render`] wrote.
#[derive(Debug, Clone)]
pub struct RenderedCompare {
    pub html: PathBuf,
    pub markdown: PathBuf,
    pub chart: Option<PathBuf>,
}

/// Writes `compare.html`, `compare.md` and, when any ratio exists, `charts/compare_ratio.svg`
/// into `dir`.
pub fn render(
    dir: &Path,
    c: &Comparison,
    a: &RunResults,
    b: &RunResults,
) -> Result<RenderedCompare, ReportError> {
    let chart = compare_ratio::render(c, a, b)?
        .map(|svg| super::Chart::new(compare_ratio::NAME, compare_ratio::TITLE, svg));
    let chart_dir = dir.join("charts");
    std::fs::create_dir_all(&chart_dir).map_err(|source| ReportError::Io {
        path: chart_dir.clone(),
        source,
    })?;
    let chart_path = match &chart {
        Some(ch) => Some(super::write(&dir.join(ch.rel_path()), &ch.svg)?),
        None => None,
    };
    Ok(RenderedCompare {
        html: super::write(&dir.join("compare.html"), &render_html(c, chart.as_ref()))?,
        markdown: super::write(&dir.join("compare.md"), &render_markdown(c, chart.as_ref()))?,
        chart: chart_path,
    })
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

#[cfg(test)]
mod tests {
    use super::super::fixture;
    use super::*;

    fn metric<'a>(c: &'a Comparison, id: &str, name: &str) -> &'a MetricDelta {
        c.cases
            .iter()
            .find(|k| k.id == id)
            .and_then(|k| k.metrics.iter().find(|m| m.metric == name))
            .unwrap_or_else(|| panic!("{id} {name}"))
    }

    /// B: one case 50% slower to encrypt, one 2% slower (noise), one case dropped, one added.
    fn pair() -> (RunResults, RunResults) {
        let a = fixture::run();
        let mut b = a.clone();
        b.started_at = "2026-11-23T08:00:00Z".into();
        let scale = |c: &mut CaseResult, f: f64| {
            let p = c.phases.get_mut(phase::ENCRYPT).expect("encrypt");
            for v in [&mut p.p50, &mut p.p90, &mut p.p99, &mut p.p999] {
                *v = (*v as f64 * f) as u64;
            }
        };
        for c in &mut b.cases {
            match c.id.as_str() {
                "aes-128-gcm/q0/256B/tcp" => scale(c, 1.5),
                "aes-128-cbc/q0/256B/tcp" => scale(c, 1.02),
                _ => {}
            }
        }
        b.cases.retain(|c| c.id != "des-ecb/q0/16B/tcp");
        let mut extra = b.cases[0].clone();
        extra.id = "aes-256-gcm/q0/16B/tcp".into();
        b.cases.push(extra);
        (a, b)
    }

    #[test]
    fn flags_real_changes_and_lists_unmatched_cases() {
        let (a, b) = pair();
        let c = compare(&a, &b);
        let slow = metric(&c, "aes-128-gcm/q0/256B/tcp", "enc p50");
        assert_eq!(slow.verdict, Verdict::Worse);
        assert!((slow.ratio.expect("ratio") - 1.5).abs() < 0.01);
        let noise = metric(&c, "aes-128-cbc/q0/256B/tcp", "enc p50");
        assert_eq!(noise.verdict, Verdict::Same, "{noise:?}");
        assert_eq!(
            metric(&c, "aes-128-gcm/q0/256B/tcp", "lat p50").verdict,
            Verdict::Same
        );
        assert_eq!(c.only_a, vec!["des-ecb/q0/16B/tcp".to_string()]);
        assert_eq!(c.only_b, vec!["aes-256-gcm/q0/16B/tcp".to_string()]);
        assert_eq!(c.failed, vec![fixture::FAILED_ID.to_string()]);
        // The baseline at q0/16B has no decrypt in the fixture: n/a, never a made-up ratio.
        let missing = metric(&c, "none/q0/16B/tcp", "dec p50");
        assert_eq!(missing.verdict, Verdict::NotComparable);
        assert!(missing.ratio.is_none());
    }

    #[test]
    fn loss_appearing_is_flagged() {
        let (a, mut b) = pair();
        let c0 = b
            .cases
            .iter_mut()
            .find(|c| c.id == "aes-128-gcm/q1/16B/tcp")
            .expect("case");
        c0.counts.lost = 3;
        let c = compare(&a, &b);
        assert_eq!(
            metric(&c, "aes-128-gcm/q1/16B/tcp", "lost").verdict,
            Verdict::Worse
        );
        assert_eq!(metric(&c, fixture::LOSSY_ID, "lost").verdict, Verdict::Same);
    }

    #[test]
    fn renders_documents_and_a_well_formed_chart() {
        let (a, b) = pair();
        let c = compare(&a, &b);
        let dir = tempfile::tempdir().expect("temp dir");
        let out = render(dir.path(), &c, &a, &b).expect("render");
        let svg = std::fs::read_to_string(out.chart.expect("chart")).expect("svg");
        let doc = roxmltree::Document::parse(&svg).expect("XML");
        let texts: Vec<String> = doc
            .descendants()
            .filter(|n| n.has_tag_name("text"))
            .map(|n| n.text().unwrap_or("").trim().to_string())
            .collect();
        for want in [
            compare_ratio::TITLE,
            compare_ratio::X_LABEL,
            compare_ratio::Y_LABEL,
        ] {
            assert!(texts.iter().any(|t| t == want), "{want} missing");
        }
        let html = std::fs::read_to_string(&out.html).expect("html");
        assert!(html.contains("Noise rule"));
        assert!(html.contains("only in B: aes-256-gcm/q0/16B/tcp"));
        assert!(!html.contains("<script"));
        let md = std::fs::read_to_string(&out.markdown).expect("md");
        assert!(md.contains("![Run B relative to run A (B/A)](charts/compare_ratio.svg)"));
        let text = terminal(&c);
        assert!(text.contains("WORSE") && text.contains("only in A: des-ecb/q0/16B/tcp"));
    }
}
