//! The comparison as a terminal table, `compare.md`, `compare.html` and JSON. Every rendering
//! prints the same preamble: the runs, repetitions per side, the pairing, the family size and
//! correction, and the rule word for word.

use std::fmt::Write;
use std::path::{Path, PathBuf};

use super::super::table::{Row, Table};
use super::super::{Chart, ReportError, data, html, markdown};
use super::ratio as compare_ratio;
use super::verdict::plain;
use super::{Comparison, Interval, MetricDelta, Verdict};
use crate::results::RunResults;

fn fmt_value(v: Option<f64>) -> String {
    v.map_or_else(|| "n/a".into(), data::sig3)
}

fn fmt_ratio(r: Option<f64>) -> String {
    r.map_or_else(|| "n/a".into(), |r| format!("×{}", data::sig3(r)))
}

fn fmt_interval(i: Option<Interval>) -> String {
    match i {
        None => "—".into(),
        Some(Interval::Ratio { low, high }) => {
            format!("×{} – ×{}", data::sig3(low), data::sig3(high))
        }
        Some(Interval::Difference { low, high }) => {
            format!("Δ {} – {}", data::sig3(low), data::sig3(high))
        }
    }
}

/// Two significant digits; tiny values in scientific notation.
pub(super) fn fmt_p(p: Option<f64>) -> String {
    match p {
        None => "—".into(),
        Some(p) if p >= 0.995 => "1".into(),
        Some(p) if p >= 0.001 => {
            let digits = (1 - p.log10().floor() as i32).max(0) as usize;
            format!("{p:.digits$}")
        }
        Some(p) if p > 0.0 => format!("{p:.1e}"),
        Some(_) => "0".into(),
    }
}

fn row(case_label: &str, first: bool, m: &MetricDelta) -> Row {
    Row {
        cells: vec![
            if first {
                case_label.to_owned()
            } else {
                String::new()
            },
            format!("{} ({})", m.metric, m.unit),
            format!("{}/{}", m.n_a, m.n_b),
            fmt_value(m.a),
            fmt_value(m.b),
            fmt_ratio(m.ratio),
            fmt_interval(m.interval),
            fmt_p(m.p_adjusted),
            m.verdict.word().into(),
        ],
        lossy: m.verdict == Verdict::Worse,
    }
}

/// One row per case and metric; the case only on its first row so cases stand apart. Rows
/// with a WORSE verdict are marked like lossy rows (red in HTML).
pub fn table(c: &Comparison) -> Table {
    let rows = c
        .cases
        .iter()
        .flat_map(|case| {
            case.metrics
                .iter()
                .enumerate()
                .map(|(i, m)| row(&case.label, i == 0, m))
        })
        .collect();
    Table {
        headers: vec![
            "case",
            "metric",
            "reps A/B",
            "A",
            "B",
            "B/A",
            "95% interval",
            "p (adj.)",
            "verdict",
        ],
        numeric: vec![false, false, true, true, true, true, true, true, false],
        rows,
    }
}

/// Lines said before any table, shared by every rendering.
fn preamble(c: &Comparison) -> Vec<String> {
    let t = &c.tally;
    let mut lines = vec![
        format!(
            "A: {} ({} repetition(s) per case)",
            c.a_label, c.repetitions_a
        ),
        format!(
            "B: {} ({} repetition(s) per case)",
            c.b_label, c.repetitions_b
        ),
        format!("Cases paired by {}.", c.pairing),
        format!(
            "{} matched case(s): {} metric(s) WORSE, {} BETTER, {} n.s., {} without a verdict \
             (too few repetitions), {} not comparable.",
            c.cases.len(),
            t.worse,
            t.better,
            t.not_significant,
            t.untested,
            t.not_comparable
        ),
        format!(
            "Family: {} tests, {} correction ({} at most {}%), minimum effect {}%, {}.",
            c.family_size,
            c.correction.name(),
            c.controls,
            plain(c.alpha * 100.0),
            plain(c.min_effect * 100.0),
            c.test
        ),
    ];
    lines.extend(c.no_verdicts.iter().cloned());
    lines.extend(c.warnings.iter().map(|w| format!("Warning: {w}")));
    lines.push(format!("Rule: {}", c.rule));
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
        out.push_str(&super::super::terminal::aligned(&table(c)));
    }
    for line in unmatched(c) {
        out.push_str(&line);
        out.push('\n');
    }
    out
}

/// The comparison as JSON (the fields are listed in the module's documentation).
pub fn json(c: &Comparison) -> Result<String, serde_json::Error> {
    serde_json::to_string_pretty(c)
}

fn render_markdown(c: &Comparison, chart: Option<&Chart>) -> String {
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

fn render_html(c: &Comparison, chart: Option<&Chart>) -> String {
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
        .map(|svg| Chart::new(compare_ratio::NAME, compare_ratio::TITLE, svg));
    let chart_dir = dir.join("charts");
    std::fs::create_dir_all(&chart_dir).map_err(|source| ReportError::Io {
        path: chart_dir.clone(),
        source,
    })?;
    let chart_path = match &chart {
        Some(ch) => Some(super::super::write(&dir.join(ch.rel_path()), &ch.svg)?),
        None => None,
    };
    Ok(RenderedCompare {
        html: super::super::write(&dir.join("compare.html"), &render_html(c, chart.as_ref()))?,
        markdown: super::super::write(
            &dir.join("compare.md"),
            &render_markdown(c, chart.as_ref()),
        )?,
        chart: chart_path,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn p_values_print_with_two_significant_digits() {
        let cases = [
            (None, "—"),
            (Some(1.0), "1"),
            (Some(0.5), "0.50"),
            (Some(0.0412), "0.041"),
            (Some(0.00123), "0.0012"),
            (Some(3.2e-7), "3.2e-7"),
            (Some(0.0), "0"),
        ];
        for (p, want) in cases {
            assert_eq!(fmt_p(p), want, "{p:?}");
        }
    }
}
