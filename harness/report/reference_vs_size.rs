//! The run's phases beside the figures a paper reported (results.json `references`, from the
//! scenario's `[[reference]]`): one log-log panel per reference (its phases' medians summed,
//! per series, against message size) with the reported figure drawn at the sizes it was
//! reported for and labelled as the paper's; and one line per reference and series saying how
//! many times faster or slower this run was. Drawn only when the run has references.
//!
//! Medians as in `crypto_vs_size`: per size, the case with the most samples of the phase, the
//! median of its repetitions' medians, on the thread CPU clock when every case has it.

use super::data;
use super::lines::{self, Series};
use super::style;
use super::{ReportError, markup};
use crate::results::{CaseResult, ReferenceValue, RunResults};

pub const NAME: &str = "reference_vs_size";
pub const TITLE: &str = "Phases vs message size, beside the figures the paper reported";

/// The median (ns) and its sample count of `phase` over one series' cases at one size.
fn median_ns(
    results: &RunResults,
    cases: &[&CaseResult],
    wall: &'static str,
) -> Option<(f64, u64)> {
    let (phase, _) = data::crypto_clock(results, wall);
    let c = data::representative(cases.iter().copied(), phase)?;
    let reps: Vec<_> = cases.iter().copied().filter(|r| r.id == c.id).collect();
    let p50 = data::median_of(&reps, |r| data::phase(r, phase).map(|p| p.p50 as f64))?;
    let n = reps
        .iter()
        .filter_map(|r| data::phase(r, phase).map(|p| p.count))
        .min()?;
    Some((p50, n))
}

/// `name` as the `&'static str` of `phase::ALL` (reference phases are checked names).
fn static_phase(name: &str) -> Option<&'static str> {
    crate::results::phase::ALL.into_iter().find(|p| *p == name)
}

/// `r`'s phases summed at one size of one series: (ns, smallest sample count); None when a
/// phase is missing there.
fn summed(
    results: &RunResults,
    cases: &[&CaseResult],
    phases: &[&'static str],
) -> Option<(f64, u64)> {
    let mut sum = 0.0;
    let mut n = u64::MAX;
    for &p in phases {
        let (v, c) = median_ns(results, cases, p)?;
        sum += v;
        n = n.min(c);
    }
    (sum > 0.0).then_some((sum, n))
}

/// Per series (as `lines::by_size` makes them, same labels and styles): the points (size,
/// summed median in ns) of `r`'s phases, and each point's sample count.
fn measured(results: &RunResults, r: &ReferenceValue) -> Vec<(Series, Vec<u64>)> {
    let phases: Vec<&'static str> = r.phases.iter().filter_map(|p| static_phase(p)).collect();
    if phases.len() != r.phases.len() {
        return Vec::new();
    }
    let varying = data::Varying::of(results);
    let sizes = data::sizes(data::ok_cases(results));
    data::series_keys(data::ok_cases(results))
        .into_iter()
        .enumerate()
        .filter_map(|(i, key)| {
            let of_key: Vec<&CaseResult> = data::ok_cases(results)
                .filter(|c| data::series_key(&c.params) == key)
                .collect();
            // The plaintext suite's "encrypt" is a copy: set beside a reported cipher's time
            // it would read as a cipher a hundred times faster.
            if of_key.first()?.params.suite == "none" {
                return None;
            }
            let label = varying.label(&of_key.first()?.params);
            let (mut points, mut counts) = (Vec::new(), Vec::new());
            for &size in &sizes {
                let at: Vec<&CaseResult> = of_key
                    .iter()
                    .copied()
                    .filter(|c| c.params.size == size)
                    .collect();
                if let Some((v, n)) = summed(results, &at, &phases) {
                    points.push((size as f64, v));
                    counts.push(n);
                }
            }
            (!points.is_empty()).then(|| {
                let style = style::series(i);
                (
                    Series {
                        label,
                        style,
                        points,
                    },
                    counts,
                )
            })
        })
        .collect()
}

/// The reported figure as a series of its own: dashed, at each size it was reported for.
fn reported(r: &ReferenceValue, index: usize) -> Series {
    let mut st = style::series(index);
    st.dashed = true;
    let ns = r.seconds * 1e9;
    let mut sizes = r.sizes.clone();
    sizes.sort_unstable();
    Series {
        label: format!(
            "reported by {}: {} ≈ {} s",
            r.source,
            r.phases_label(),
            data::sig3(r.seconds)
        ),
        style: st,
        points: sizes.into_iter().map(|x| (x as f64, ns)).collect(),
    }
}

pub fn render(results: &RunResults) -> Result<Option<String>, ReportError> {
    if results.references.is_empty() {
        return Ok(None);
    }
    let n_series = data::series_keys(data::ok_cases(results)).len();
    let mut panels: Vec<(String, Vec<Series>)> = Vec::new();
    for (i, r) in results.references.iter().enumerate() {
        let mut series: Vec<Series> = measured(results, r)
            .into_iter()
            .map(|(mut s, _)| {
                for p in &mut s.points {
                    p.1 = data::ns_to_us(p.1);
                }
                s
            })
            .collect();
        let mut paper = reported(r, n_series + i);
        for p in &mut paper.points {
            p.1 = data::ns_to_us(p.1);
        }
        series.push(paper);
        panels.push((r.phases_label(), series));
    }
    let refs: Vec<(Option<&str>, &[Series])> = panels
        .iter()
        .map(|(t, s)| (Some(t.as_str()), s.as_slice()))
        .collect();
    lines::render_log_log(
        &lines::LogLog {
            title: TITLE,
            caption: data::caption(results),
            x_desc: "message size (bytes, log)",
            y_desc: "median time per message (µs, log)",
            x_ticks: data::size_ticks(results),
        },
        &refs,
    )
}

/// One line per reference and series: this run's median over the reference's sizes against
/// the reported figure, and the factor between them.
pub fn lines(results: &RunResults) -> Vec<String> {
    let mut out = Vec::new();
    for r in &results.references {
        let (lo, hi) = (
            r.sizes.iter().copied().min().unwrap_or(0) as f64,
            r.sizes.iter().copied().max().unwrap_or(0) as f64,
        );
        for (s, counts) in measured(results, r) {
            let inside: Vec<(f64, f64)> = s
                .points
                .iter()
                .copied()
                .filter(|(x, _)| (lo..=hi).contains(x))
                .collect();
            let Some(here) = data::median_mid(inside.iter().map(|p| p.1).collect()) else {
                continue;
            };
            let paper = r.seconds * 1e9;
            let factor = if here < paper {
                format!("{}× faster here", data::sig3(paper / here))
            } else {
                format!("{}× slower here", data::sig3(here / paper))
            };
            let span = match (inside.first(), inside.last()) {
                (Some(a), Some(b)) if inside.len() > 1 => format!(
                    "median over this run's {} to {} B ({} at {} B, {} at {} B)",
                    a.0,
                    b.0,
                    data::fmt_duration(a.1),
                    a.0,
                    data::fmt_duration(b.1),
                    b.0
                ),
                (Some(a), _) => format!("at {} B", a.0),
                _ => continue,
            };
            let n = counts.iter().copied().min().unwrap_or(0);
            out.push(format!(
                "{}: {} {} here, {span}, ≥ {n} messages per point; {} reported {} for {}–{} B{}: {factor}",
                s.label,
                r.phases_label(),
                data::fmt_duration(here),
                r.source,
                data::fmt_duration(paper),
                lo,
                hi,
                r.setting
                    .as_deref()
                    .map(|t| format!(" ({t})"))
                    .unwrap_or_default(),
            ));
        }
    }
    out
}

/// The lines as an HTML list, for html.rs.
pub fn html(results: &RunResults) -> String {
    let lines = lines(results);
    if lines.is_empty() {
        return String::new();
    }
    let mut h = String::from("<h2>Beside the reported figures</h2>\n<ul>\n");
    for l in lines {
        h.push_str(&format!("<li>{}</li>\n", markup::esc(&l)));
    }
    h.push_str("</ul>\n");
    h
}
