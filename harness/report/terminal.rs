//! The summary table as aligned plain text for the terminal (`report --no-write`, the end of
//! a run), with the failed, degraded, lossy and interrupted cases and the ECB warning below.

use super::table::{LOSS_HEADER, Table, degraded, ecb_warning, failed, relative_note, summary};
use crate::results::RunResults;

/// The summary as aligned plain text for the terminal; columns with one value for every case
/// are folded into a line above the table, lossy rows get a LOSS marker, failed cases follow.
pub fn terminal_table(results: &RunResults) -> String {
    let mut table = summary(results);
    let mut out = String::new();
    if table.rows.is_empty() {
        out.push_str("No finished cases.\n");
    } else {
        let constant = table.fold_constant();
        if !constant.is_empty() {
            out.push_str(&format!("All cases: {}\n", constant.join(", ")));
        }
        // Units once above the table instead of in every header: 30 columns narrower.
        out.push_str(
            "Times: enc/dec in µs (cpu: thread CPU clock, else wall), lat (end-to-end latency) \
             in ms; n: samples (lat has dec's); p99 n/a below 1000 samples\n",
        );
        out.push_str(&relative_note(results));
        out.push('\n');
        for h in &mut table.headers {
            *h = h.trim_end_matches(" (µs)").trim_end_matches(" (ms)");
        }
        let loss_col = table.headers.iter().position(|h| *h == LOSS_HEADER);
        for r in &mut table.rows {
            if let (true, Some(i)) = (r.lossy, loss_col) {
                r.cells[i] = format!("LOSS {}", r.cells[i]);
            }
        }
        out.push_str(&aligned(&table));
    }
    for (id, error) in failed(results) {
        out.push_str(&format!("FAILED {id}: {error}\n"));
    }
    for (id, why) in degraded(results) {
        out.push_str(&format!("DEGRADED {id}: {why}\n"));
    }
    for l in super::loss::lines(results) {
        out.push_str(&format!("LOSS {l}\n"));
    }
    for o in super::outages::lines(results) {
        out.push_str(&format!("OUTAGE {o}\n"));
    }
    if let Some(w) = ecb_warning(results) {
        out.push_str(&format!("WARNING: {w}\n"));
    }
    out
}

pub(crate) fn aligned(table: &Table) -> String {
    let width = |s: &str| s.chars().count();
    let mut widths: Vec<usize> = table.headers.iter().map(|h| width(h)).collect();
    for r in &table.rows {
        for (w, c) in widths.iter_mut().zip(&r.cells) {
            *w = (*w).max(width(c));
        }
    }
    let line = |cells: Vec<&str>| {
        let padded: Vec<String> = cells
            .iter()
            .zip(&widths)
            .zip(&table.numeric)
            .map(|((c, &w), &right)| {
                let pad = " ".repeat(w - width(c));
                if right {
                    format!("{pad}{c}")
                } else {
                    format!("{c}{pad}")
                }
            })
            .collect();
        format!("{}\n", padded.join("  ").trim_end())
    };
    let mut out = line(table.headers.clone());
    let rule: Vec<String> = widths.iter().map(|&w| "-".repeat(w)).collect();
    out.push_str(&line(rule.iter().map(String::as_str).collect()));
    for r in &table.rows {
        out.push_str(&line(r.cells.iter().map(String::as_str).collect()));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ecb_warning_only_for_patterned_payloads_with_ecb_suites() {
        let mut r = super::super::fixture::run();
        assert!(ecb_warning(&r).is_none(), "random payload leaks nothing");
        r.load.payload = "zeros".into();
        let w = ecb_warning(&r).expect("warning");
        assert!(w.contains("aes-128-ecb, des-ecb"), "{w}");
        assert!(terminal_table(&r).contains("ECB leaks patterns"));
        r.cases.retain(|c| !c.params.suite.ends_with("-ecb"));
        assert!(ecb_warning(&r).is_none());
    }
}
