//! What the user sees after a run: the report files and the summary table.

use std::path::Path;

use crate::results::{CaseStatus, RunResults, RunStatus};
use crate::run::RunOutcome;

/// Renders the report of a finished run and prints the summary and where everything is
/// (`wide`: every column of the summary, else what fits 100 columns).
pub fn after_run(outcome: &RunOutcome, wide: bool) -> anyhow::Result<()> {
    render(&outcome.dir, &outcome.results, wide)?;
    let r = &outcome.results;
    match r.status {
        RunStatus::Interrupted => anyhow::bail!(
            "interrupted: the {} cases measured so far are in {} and its report",
            r.cases.len(),
            outcome.dir.display()
        ),
        RunStatus::Failed => anyhow::bail!(
            "every case failed; see {}",
            outcome.dir.join("results.json").display()
        ),
        _ => {}
    }
    if r.cases.iter().any(|c| c.status == CaseStatus::Failed) {
        eprintln!("some cases failed; their errors are in the report");
    }
    if r.cases.iter().any(|c| c.status == CaseStatus::Degraded) {
        eprintln!(
            "some cases were degraded: the broker did not give the QoS they name (see DEGRADED \
             above and in the report)"
        );
    }
    Ok(())
}

/// Writes the report files for `results` into `dir` and prints the Recommendation, then the
/// summary table: by default within 100 columns (the deciding figures, with intervals),
/// with `wide` every column and the per-repetition and Security Center tables.
pub fn render(dir: &Path, results: &RunResults, wide: bool) -> anyhow::Result<()> {
    let rendered = crate::report::render_run(dir, results)?;
    print_summary(results, wide);
    println!(
        "results: {}",
        dir.join(crate::results::writer::RESULTS_FILE).display()
    );
    println!("report:  {}", rendered.html.display());
    Ok(())
}

/// The terminal summary of `results`: the Recommendation, the case table (within 100 columns,
/// or with `wide` every column plus the Security Center and repetition tables), the rank
/// agreement with `speed` and the tamper matrix. Writes nothing.
pub fn print_summary(results: &RunResults, wide: bool) {
    let rec = crate::report::recommend::of_run(results);
    println!("{}", crate::report::recommend::text::terminal(&rec));
    let wrap =
        |s: &str| crate::report::recommend::text::wrap(s, crate::report::narrow::WIDTH, "  ");
    if wide {
        println!("{}", crate::report::terminal_table(results));
        print_center(results);
        print_repetitions(results);
    } else {
        println!("{}", crate::report::narrow::terminal(results));
    }
    for line in crate::report::rankings::summary_lines(results) {
        println!("{}", if wide { line } else { wrap(&line) });
    }
    print_security(results, wide);
}

/// One line per protection of the tamper matrix, and the replays counted.
fn print_security(results: &RunResults, wide: bool) {
    use crate::security::tamper::ReportExt;
    let Some(s) = &results.security else {
        return;
    };
    println!("\ntamper matrix (real envelopes, damaged and opened; see the report):");
    for p in &s.protections {
        let trials: u64 = p.kinds.iter().map(|c| c.trials).sum();
        let rejected: u64 = p.kinds.iter().map(|c| c.rejected).sum();
        let width = if wide { 40 } else { 34 };
        println!(
            "  {:<width$} {} of {trials} rejected, {} forgeries accepted{}",
            p.label(),
            rejected,
            p.total_forged(),
            if p.authenticated { "" } else { " (no auth)" }
        );
    }
    let replayed: u64 = results.cases.iter().map(|c| c.counts.replayed).sum();
    if replayed > 0 {
        println!("  replayed messages counted: {replayed}");
    }
}

/// The Security Center's table (key request miss/hit, its steps, the concurrency probe),
/// aligned, when the run used one.
fn print_center(results: &RunResults) {
    let t = crate::report::center_table::table(results);
    if t.rows.is_empty() {
        return;
    }
    let widths: Vec<usize> = (0..t.headers.len())
        .map(|i| {
            t.rows
                .iter()
                .map(|r| r.cells.get(i).map_or(0, |c| c.chars().count()))
                .chain([t.headers[i].chars().count()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let line = |cells: Vec<&str>| {
        cells
            .iter()
            .zip(&widths)
            .zip(&t.numeric)
            .map(|((c, &w), &num)| {
                if num {
                    format!("{c:>w$}")
                } else {
                    format!("{c:<w$}")
                }
            })
            .collect::<Vec<_>>()
            .join("  ")
            .trim_end()
            .to_owned()
    };
    println!("\nSecurity Center:");
    println!("{}", line(t.headers.clone()));
    for r in &t.rows {
        println!("{}", line(r.cells.iter().map(String::as_str).collect()));
    }
}

/// Medians across repetitions, with their intervals, and which cases are too noisy to rank.
fn print_repetitions(results: &RunResults) {
    if results.repetitions.is_empty() {
        return;
    }
    println!("\nacross repetitions (median [95% interval, coverage]):");
    for rc in &results.repetitions {
        let show = |key: &str, scale: f64, unit: &str| {
            rc.metrics.get(key).map_or("n/a".to_owned(), |e| {
                format!(
                    "{:.3} [{:.3}–{:.3} {unit}, {:.0}%]",
                    e.median / scale,
                    e.low / scale,
                    e.high / scale,
                    e.confidence * 100.0
                )
            })
        };
        println!(
            "  {:<40} x{}  latency p50 {}  encrypt+decrypt cpu p50 {}{}",
            rc.id,
            rc.repetitions,
            show("latency_p50_ns", 1e6, "ms"),
            show(crate::results::repetitions::CRYPTO_CPU, 1e3, "µs"),
            if rc.too_wide {
                "  SPREAD TOO WIDE TO COMPARE"
            } else {
                ""
            }
        );
    }
}
