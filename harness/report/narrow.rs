//! The terminal summary that fits 100 columns: one row per case id (its repetitions folded
//! into a median with the 95% interval), only the figures that decide: CPU per message,
//! crypto time, latency p99, security bytes and loss. `--wide` prints [`super::table`]'s
//! every column instead.

use super::data::{self, sig3};
use super::recommend::figures::Figure;
use super::recommend::text::figure;
use super::table::{self, Row, Table};
use crate::results::{CaseResult, RunResults, phase};

/// Columns of the terminal the default summary fits.
pub const WIDTH: usize = 100;

const HEADERS: [(&str, bool); 8] = [
    ("case", false),
    ("QoS", true),
    ("size", true),
    ("CPU/msg µs [95%]", true),
    ("enc+dec µs", true),
    ("lat p99 ms", true),
    ("sec B", true),
    ("lost", true),
];

fn case_label(c: &CaseResult) -> String {
    let p = &c.params;
    let mut s = p.suite.clone();
    for extra in [&p.mac, &p.signature] {
        if extra != "none" {
            s.push('+');
            s.push_str(extra);
        }
    }
    if p.transport != "tcp" {
        s.push_str(" · ");
        s.push_str(&p.transport);
    }
    if p.protocol != "v4" {
        s.push_str(" · ");
        s.push_str(&p.protocol);
    }
    s
}

fn row(reps: &[&CaseResult]) -> Row {
    let first = reps[0];
    let values = |f: &dyn Fn(&CaseResult) -> Option<f64>| -> Vec<f64> {
        reps.iter().filter_map(|c| f(c)).collect()
    };
    let cpu = Figure::of(&values(&|c| {
        c.cpu.threads.as_ref().and_then(|t| t.clients_us_per_msg())
    }));
    let crypto = data::median_mid(values(&|c| {
        crate::results::repetitions::crypto_cpu_p50(c).or_else(|| {
            Some(
                data::phase(c, phase::ENCRYPT)?.p50 as f64
                    + data::phase(c, phase::DECRYPT)?.p50 as f64,
            )
        })
    }));
    let p99 = data::median_mid(values(&|c| {
        data::phase(c, phase::LATENCY)
            .filter(|p| p.count >= table::P99_MIN_SAMPLES)
            .map(|p| p.p99 as f64)
    }));
    let (lost, expected): (u64, u64) = reps.iter().fold((0, 0), |(l, e), c| {
        (l + c.counts.lost, e + c.counts.expected)
    });
    let lossy = reps.iter().any(|c| data::is_lossy(c));
    Row {
        cells: vec![
            case_label(first),
            first.params.qos.to_string(),
            first.params.size.to_string(),
            cpu.map_or_else(|| "n/a".into(), |f| figure(&f, |x| x)),
            crypto.map_or_else(|| "n/a".into(), |x| sig3(x / 1e3)),
            p99.map_or_else(|| "n/a".into(), |x| sig3(x / 1e6)),
            if first.sizes.envelope > 0 {
                first.sizes.security_overhead.to_string()
            } else {
                "n/a".into()
            },
            format!("{}{lost}/{expected}", if lossy { "LOSS " } else { "" }),
        ],
        lossy,
    }
}

/// The summary table, one row per case id, sorted by QoS and size as the wide one is.
pub fn table(results: &RunResults) -> Table {
    let mut groups = data::by_id(data::ok_cases(results));
    groups.sort_by_key(|(_, reps)| (reps[0].params.qos, reps[0].params.size));
    Table {
        headers: HEADERS.iter().map(|h| h.0).collect(),
        numeric: HEADERS.iter().map(|h| h.1).collect(),
        rows: groups.iter().map(|(_, reps)| row(reps)).collect(),
    }
}

/// The default terminal summary: the table within [`WIDTH`] columns (case names clipped
/// with `…` when the figures need the room), then failures, outages and the ECB warning.
pub fn terminal(results: &RunResults) -> String {
    let mut t = table(results);
    let mut out = String::new();
    if t.rows.is_empty() {
        out.push_str("No finished cases.\n");
    } else {
        out.push_str(
            "CPU/msg: publisher + subscriber thread CPU per message, median over repetitions \
             [95% CI];\nenc+dec: encrypt + decrypt p50 (CPU clock where recorded);\n\
             sec B: security overhead bytes; lat p99: n/a below 1000 samples\n",
        );
        let others: usize = (1..t.headers.len())
            .map(|i| {
                t.rows
                    .iter()
                    .map(|r| r.cells[i].chars().count())
                    .chain([t.headers[i].chars().count()])
                    .max()
                    .unwrap_or(0)
                    + 2
            })
            .sum();
        let room = WIDTH.saturating_sub(others).max(12);
        for r in &mut t.rows {
            if r.cells[0].chars().count() > room {
                let clipped: String = r.cells[0].chars().take(room - 1).collect();
                r.cells[0] = format!("{clipped}…");
            }
        }
        out.push_str(&super::terminal::aligned(&t));
    }
    for (id, error) in table::failed(results) {
        out.push_str(&super::recommend::text::wrap(
            &format!("FAILED {id}: {error}"),
            WIDTH,
            "  ",
        ));
        out.push('\n');
    }
    let degraded = table::degraded(results)
        .into_iter()
        .map(|(id, why)| format!("DEGRADED {id}: {why}"));
    let loss = super::loss::lines(results)
        .into_iter()
        .map(|l| format!("LOSS {l}"));
    for line in degraded.chain(loss) {
        out.push_str(&super::recommend::text::wrap(&line, WIDTH, "  "));
        out.push('\n');
    }
    for o in super::outages::lines(results) {
        out.push_str(&super::recommend::text::wrap(
            &format!("OUTAGE {o}"),
            WIDTH,
            "  ",
        ));
        out.push('\n');
    }
    if let Some(w) = table::ecb_warning(results) {
        out.push_str(&super::recommend::text::wrap(
            &format!("WARNING: {w}"),
            WIDTH,
            "  ",
        ));
        out.push('\n');
    }
    out
}
