//! The Recommendation as tables (shared by Markdown and HTML), as Markdown, and as terminal
//! text that fits 100 columns.

use std::fmt::Write;

use super::checks;
use super::{Entry, Ranked, Recommendation, Section};
use crate::report::data::{fmt_rate, sig3};
use crate::report::markup::{inline, markdown_table};
use crate::report::table::{Row, Table};
use crate::results::{REQUIREMENT_FIELDS, Requirements};

pub const TITLE: &str = "Recommendation";

/// How the section reads, for the text under its heading.
pub const LEGEND: &str = "Per message size: the protections (suite × MAC × signature × \
transport) that meet every requirement, cheapest first by CPU per message (publisher send, \
publisher MQTT event loop and subscriber threads, measured window only), median over the \
repetitions [95% interval]. \"=\" marks a tie: its interval overlaps that of the first of its \
rank, so the run cannot tell them apart. msgs/s per core: 1e6 / CPU µs per message. Security \
bytes: the envelope's overhead (IV, padding, tag, MAC, signature, ids) plus, on TLS, the record \
bytes measured over the same protection on TCP; per day at the scenario's rate per publisher. \
front: no other protection of the size is cheaper on both CPU and bytes on the wire.";

/// One line per requirement: what is asked, and whether it was the default.
pub fn requirement_lines(rec: &Recommendation) -> Vec<String> {
    let r = &rec.requirements;
    let defaulted = |f: &str| {
        if r.defaulted.iter().any(|d| d == f) {
            " (default)"
        } else {
            ""
        }
    };
    let yes = |b: bool, what: &str| {
        if b {
            format!("required ({what})")
        } else {
            "not required".into()
        }
    };
    let limit = |v: Option<String>| v.unwrap_or_else(|| "no limit".into());
    REQUIREMENT_FIELDS
        .iter()
        .map(|&f| {
            let value = match f {
                "confidentiality" => yes(r.confidentiality, "payload encrypted end to end"),
                "integrity" => yes(r.integrity, "changed or forged messages rejected"),
                "authenticity" => r.authenticity.map_or_else(
                    || "not required".into(),
                    |w| format!("{} may write", w.name()),
                ),
                "replay" => yes(r.replay, "re-sent copies detectable"),
                "max_overhead_bytes" => {
                    limit(r.max_overhead_bytes.map(|b| format!("{b} B per message")))
                }
                "max_cpu_us" => limit(r.max_cpu_us.map(|u| format!("{} µs per message", sig3(u)))),
                _ => limit(
                    r.max_latency_p99_ns
                        .map(|n| crate::report::data::fmt_duration(n as f64)),
                ),
            };
            format!("{f}: {value}{}", defaulted(f))
        })
        .collect()
}

/// Where the requirements came from, in one sentence.
pub fn source_note(rec: &Recommendation) -> String {
    let mut s = if rec.requirements_recorded {
        "Requirements from the scenario's [requirements]; the cautious defaults where it wrote none.".to_owned()
    } else {
        "This run recorded no requirements (it predates [requirements]): the cautious defaults."
            .to_owned()
    };
    if !rec.overrides.is_empty() {
        let _ = write!(s, " Overridden: {}.", rec.overrides.join(" "));
    }
    if rec.catalogue_properties {
        s.push_str(
            " What each suite offers by design comes from this build's catalogue (the run \
             predates recording it).",
        );
    }
    if rec.runs.len() > 1 {
        let _ = write!(s, " Runs: {}.", rec.runs.join("; "));
    }
    s
}

/// `41.2 [39.0, 44.1]`, or the bare value with one repetition.
pub fn figure(f: &super::figures::Figure, scale: impl Fn(f64) -> f64) -> String {
    match f.interval {
        Some(i) => format!(
            "{} [{}, {}]",
            sig3(scale(f.median)),
            sig3(scale(i.low)),
            sig3(scale(i.high))
        ),
        None => sig3(scale(f.median)),
    }
}

/// Messages per second one core protects: 1e6 / CPU µs (the interval's ends swap).
pub fn capacity(e: &Entry) -> String {
    match e.measured.cpu_us {
        Some(f) if f.median > 0.0 => {
            let (lo, hi) = f.bounds();
            if f.interval.is_some() && lo > 0.0 {
                format!(
                    "{} [{}, {}]",
                    fmt_rate(1e6 / f.median),
                    fmt_rate(1e6 / hi),
                    fmt_rate(1e6 / lo)
                )
            } else {
                fmt_rate(1e6 / f.median)
            }
        }
        _ => "not measured".into(),
    }
}

/// Security bytes per day per publisher at the scenario's rate.
pub fn per_day(rec: &Recommendation, e: &Entry) -> String {
    match (&e.overhead, rec.rate_per_device) {
        (Ok(b), Some(rate)) => decimal_bytes(b * rate * 86_400.0),
        (Ok(_), None) => "n/a (closed loop)".into(),
        (Err(_), _) => "not measured".into(),
    }
}

/// `250 MB`, `1.23 GB` (decimal: a radio's data plan counts that way).
pub fn decimal_bytes(b: f64) -> String {
    for (unit, div) in [("TB", 1e12), ("GB", 1e9), ("MB", 1e6), ("kB", 1e3)] {
        if b >= div {
            return format!("{} {unit}", sig3(b / div));
        }
    }
    format!("{} B", sig3(b))
}

fn rank_cell(r: &Ranked) -> String {
    if r.tie {
        format!("={}", r.rank)
    } else {
        r.rank.to_string()
    }
}

fn overhead_cell(e: &Entry) -> String {
    e.overhead
        .as_ref()
        .map_or_else(|_| "not measured".into(), |b| checks::bytes(*b))
}

/// The qualifying protections of a section, cheapest first.
pub fn qualified_table(rec: &Recommendation, s: &Section) -> Table {
    let mut headers = vec![
        "rank",
        "protection",
        "CPU per msg (µs) [95% CI]",
        "vs best",
        "msgs/s per core",
        "security B/msg",
        "security bytes/day",
        "wire B/msg",
        "latency p99",
        "front",
    ];
    let multi = rec.runs.len() > 1;
    if multi {
        headers.insert(2, "run");
    }
    let best = s
        .qualified
        .first()
        .and_then(|r| r.entry.measured.cpu_us)
        .map(|f| f.median);
    let rows = s
        .qualified
        .iter()
        .map(|r| {
            let e = &r.entry;
            let m = &e.measured;
            let mut cells = vec![
                rank_cell(r),
                e.protection.label(),
                m.cpu_us
                    .map_or_else(|| "not measured".into(), |f| figure(&f, |x| x)),
                match (m.cpu_us, best) {
                    (Some(f), Some(b)) if b > 0.0 => format!("×{:.2}", f.median / b),
                    _ => "n/a".into(),
                },
                capacity(e),
                overhead_cell(e),
                per_day(rec, e),
                m.bytes_on_wire()
                    .map_or_else(|| "n/a".into(), |(b, _)| sig3(b)),
                m.latency_p99_ns.map_or_else(
                    || "n/a".into(),
                    |f| crate::report::data::fmt_duration(f.median),
                ),
                if e.on_front { "yes" } else { "" }.into(),
            ];
            if multi {
                cells.insert(2, (e.run + 1).to_string());
            }
            Row {
                cells,
                lossy: false,
            }
        })
        .collect();
    let numeric = headers
        .iter()
        .map(|h| !matches!(*h, "protection" | "front" | "rank"))
        .collect();
    Table {
        headers,
        numeric,
        rows,
    }
}

/// Rejected (and not measured) protections with every reason.
pub fn rejected_table(s: &Section) -> Option<Table> {
    let rows: Vec<Row> = s
        .rejected
        .iter()
        .map(|e| (e, "rejected", e.failed().collect::<Vec<_>>()))
        .chain(
            s.unmeasured
                .iter()
                .map(|e| (e, "not measured", e.unmeasured().collect::<Vec<_>>())),
        )
        .map(|(e, verdict, why)| Row {
            cells: vec![
                e.protection.label(),
                verdict.into(),
                why.iter()
                    .map(|(f, c)| format!("{f}: {}", c.text()))
                    .collect::<Vec<_>>()
                    .join("; "),
            ],
            lossy: false,
        })
        .collect();
    (!rows.is_empty()).then(|| Table {
        headers: vec!["protection", "verdict", "why (measured)"],
        numeric: vec![false, false, false],
        rows,
    })
}

/// "none qualifies" in sentences: what cuts them all, and what dropping one would admit.
pub fn none_lines(s: &Section) -> Vec<String> {
    let Some(n) = &s.none else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let total = s.rejected.len() + s.unmeasured.len();
    if n.cuts_all.is_empty() {
        let counts: Vec<String> = n
            .rejects
            .iter()
            .map(|(f, k)| format!("{f} rejects {k}"))
            .collect();
        out.push(format!(
            "None qualifies: no single requirement rejects all {total}, together they do ({}).",
            counts.join(", ")
        ));
    } else {
        out.push(format!(
            "None qualifies: {} rejects every one of the {total} protections measured.",
            n.cuts_all.join(" and ")
        ));
    }
    for (f, names) in &n.without {
        out.push(format!(
            "Without {f}: {} would qualify ({}).",
            names.len(),
            shorten(names, 4)
        ));
    }
    out
}

fn shorten(names: &[String], n: usize) -> String {
    if names.len() <= n {
        names.join(", ")
    } else {
        format!("{}, … {} more", names[..n].join(", "), names.len() - n)
    }
}

/// The whole section as Markdown (`## Recommendation` first in report.md).
pub fn markdown(rec: &Recommendation) -> String {
    let mut md = format!("## {TITLE}\n\n{}\n\n", inline(&source_note(rec)));
    for line in requirement_lines(rec) {
        let _ = writeln!(md, "- {}", inline(&line));
    }
    let _ = writeln!(md, "\n{LEGEND}\n");
    if rec.sections.is_empty() {
        md.push_str("No finished cases: nothing to recommend.\n\n");
    }
    for s in &rec.sections {
        let _ = writeln!(
            md,
            "### {}: {} of {} qualify\n",
            rec.heading(&s.condition),
            s.qualified.len(),
            s.entries().count()
        );
        for line in none_lines(s) {
            let _ = writeln!(md, "**{}**\n", inline(&line));
        }
        if !s.qualified.is_empty() {
            md.push_str(&markdown_table(&qualified_table(rec, s)));
            md.push('\n');
        }
        if let Some(t) = rejected_table(s) {
            md.push_str(&markdown_table(&t));
            md.push('\n');
        }
    }
    md
}

/// The terminal summary's Recommendation: within 100 columns, the qualifying protections
/// with their CPU interval, capacity and security bytes, then who was rejected and why in a
/// word (the report has every reason).
pub fn terminal(rec: &Recommendation) -> String {
    let mut out = format!("{}\n", TITLE.to_uppercase());
    let asked: Vec<&str> = asked(&rec.requirements);
    let _ = writeln!(
        out,
        "{}",
        wrap(
            &format!(
                "requires: {}{}",
                if asked.is_empty() {
                    "nothing".into()
                } else {
                    asked.join(", ")
                },
                if rec.requirements_recorded {
                    ""
                } else {
                    " (defaults: the run recorded none)"
                }
            ),
            100,
            "  "
        )
    );
    for s in &rec.sections {
        let _ = writeln!(
            out,
            "{}: {} of {} qualify",
            rec.heading(&s.condition),
            s.qualified.len(),
            s.entries().count()
        );
        for line in none_lines(s) {
            out.push_str(&wrap(&line, 100, "    "));
            out.push('\n');
        }
        for r in s.qualified.iter().take(TERMINAL_ROWS) {
            let e = &r.entry;
            let cpu = e
                .measured
                .cpu_us
                .map_or_else(|| "cpu n/a".into(), |f| format!("{} µs", figure(&f, |x| x)));
            let line = format!(
                "{:>3} {:<28} {:<24} {:>7}/s/core {:>6} {}/day",
                rank_cell(r),
                clip(&e.protection.label(), 28),
                cpu,
                e.measured
                    .cpu_us
                    .filter(|f| f.median > 0.0)
                    .map_or_else(|| "n/a".into(), |f| fmt_rate(1e6 / f.median)),
                overhead_cell(e),
                per_day(rec, e)
            );
            out.push_str(clip(line.trim_end(), 100));
            out.push('\n');
        }
        if s.qualified.len() > TERMINAL_ROWS {
            let _ = writeln!(
                out,
                "       … {} more in the report",
                s.qualified.len() - TERMINAL_ROWS
            );
        }
        for (field, names) in rejected_by_first_reason(s) {
            out.push_str(&wrap(
                &format!(
                    "  rejected by {field} ({}): {}",
                    names.len(),
                    names.join(", ")
                ),
                100,
                "    ",
            ));
            out.push('\n');
        }
        if !s.unmeasured.is_empty() {
            let names: Vec<String> = s.unmeasured.iter().map(|e| e.protection.label()).collect();
            out.push_str(&wrap(
                &format!("  not measured ({}): {}", names.len(), names.join(", ")),
                100,
                "    ",
            ));
            out.push('\n');
        }
    }
    out
}

/// Qualifying rows shown per section in the terminal.
const TERMINAL_ROWS: usize = 5;

fn asked(r: &Requirements) -> Vec<&'static str> {
    let mut v = Vec::new();
    if r.confidentiality {
        v.push("confidentiality");
    }
    if r.integrity {
        v.push("integrity");
    }
    match r.authenticity {
        Some(crate::results::Writer::Publisher) => v.push("authenticity (publisher)"),
        Some(_) => v.push("authenticity (key-holder)"),
        None => {}
    }
    if r.replay {
        v.push("replay");
    }
    for (on, name) in [
        (r.max_overhead_bytes.is_some(), "max_overhead_bytes"),
        (r.max_cpu_us.is_some(), "max_cpu_us"),
        (r.max_latency_p99_ns.is_some(), "max_latency_p99"),
    ] {
        if on {
            v.push(name);
        }
    }
    v
}

/// Rejected protections grouped by the first requirement they fail.
fn rejected_by_first_reason(s: &Section) -> Vec<(&'static str, Vec<String>)> {
    let mut out: Vec<(&'static str, Vec<String>)> = Vec::new();
    for e in &s.rejected {
        let Some((field, _)) = e.failed().next() else {
            continue;
        };
        match out.iter_mut().find(|(f, _)| f == field) {
            Some((_, v)) => v.push(e.protection.label()),
            None => out.push((*field, vec![e.protection.label()])),
        }
    }
    out
}

fn clip(s: &str, n: usize) -> &str {
    match s.char_indices().nth(n) {
        Some((i, _)) => &s[..i],
        None => s,
    }
}

/// Word-wraps `text` at `width` columns, continuation lines indented by `indent`; the
/// text's own leading spaces stay on its first line.
pub fn wrap(text: &str, width: usize, indent: &str) -> String {
    let lead = &text[..text.len() - text.trim_start().len()];
    let mut lines: Vec<String> = Vec::new();
    let mut line = lead.to_owned();
    let mut fresh = true;
    for word in text.split_whitespace() {
        if !fresh && line.chars().count() + 1 + word.chars().count() > width {
            lines.push(std::mem::replace(&mut line, indent.to_owned()));
            fresh = true;
        }
        if !fresh {
            line.push(' ');
        }
        line.push_str(word);
        fresh = false;
    }
    lines.push(line);
    lines.join("\n")
}
