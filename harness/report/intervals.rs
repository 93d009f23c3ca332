//! Medians across repetitions with 95% intervals, per case: the table the HTML and Markdown
//! show when a run repeated its cases, and the intervals the charts draw as whiskers.
//!
//! Computed from the repetitions' own figures in `cases` (not the `repetitions` summary of
//! results.json), with [`crate::results::interval`]'s method, whose real coverage is stated
//! beside each interval.

use super::data;
use super::table::{Row, Table};
use crate::results::interval::{self, Interval, Method};
use crate::results::{CaseResult, RunResults, phase, repetitions};

/// One figure of a case summarized across repetitions.
pub struct Metric {
    pub header: &'static str,
    pub value: fn(&CaseResult) -> Option<f64>,
    pub format: fn(f64) -> String,
}

fn p50(c: &CaseResult, name: &str) -> Option<f64> {
    data::phase(c, name).map(|p| p.p50 as f64)
}

/// The figures of the table, in its column order.
pub const METRICS: [Metric; 5] = [
    Metric {
        header: "latency p50",
        value: |c| p50(c, phase::LATENCY),
        format: data::fmt_duration,
    },
    Metric {
        header: "latency p99",
        value: |c| data::phase(c, phase::LATENCY).map(|p| p.p99 as f64),
        format: data::fmt_duration,
    },
    Metric {
        header: "encrypt p50",
        value: |c| p50(c, phase::ENCRYPT),
        format: data::fmt_duration,
    },
    Metric {
        header: "decrypt p50",
        value: |c| p50(c, phase::DECRYPT),
        format: data::fmt_duration,
    },
    Metric {
        header: "delivered msg/s",
        value: |c| (c.measured_s > 0.0).then_some(c.throughput.delivered_msgs_per_s),
        format: |x| data::fmt_rate(x),
    },
];

/// The interval of `value` over `cases` (the repetitions of one case), when at least two
/// of them have the value.
pub fn of(cases: &[&CaseResult], value: impl Fn(&CaseResult) -> Option<f64>) -> Option<Interval> {
    let v: Vec<f64> = cases.iter().filter_map(|c| value(c)).collect();
    interval::median_interval(&v)
}

/// How the table's intervals were made and what they cover, for the text above it.
pub const LEGEND: &str = "Each case was measured several times (load.repeat), in rounds. \
Cells: median across the repetitions [95% confidence interval for the median]. With fewer than \
6 repetitions the interval is a Student t interval on the logarithms (95% coverage if the \
repetitions' values are log-normal; the distribution-free range of 3 repetitions would cover \
only 75%); from 6 on, order statistics (at least 95%, no assumption). WIDE: the interval is \
wider than 20% of the median, so differences smaller than that between cases are not evidence.";

/// One row per case id measured at least twice, in matrix order; `None` without any.
pub fn table(results: &RunResults) -> Option<Table> {
    let mut headers = vec!["case", "n"];
    headers.extend(METRICS.iter().map(|m| m.header));
    headers.extend(["interval method (coverage)", "wide (> 20%)"]);
    let mut numeric = vec![false, true];
    numeric.extend(METRICS.iter().map(|_| true));
    numeric.extend([false, false]);
    let rows: Vec<Row> = data::by_id(data::ok_cases(results))
        .into_iter()
        .filter(|(_, reps)| reps.len() > 1)
        .map(|(id, reps)| row(id, &reps))
        .collect();
    (!rows.is_empty()).then_some(Table {
        headers,
        numeric,
        rows,
    })
}

fn row(id: &str, reps: &[&CaseResult]) -> Row {
    let mut cells = vec![id.to_owned(), reps.len().to_string()];
    let mut wide = Vec::new();
    let mut methods: Vec<String> = Vec::new();
    for m in &METRICS {
        match of(reps, m.value) {
            Some(i) => {
                let f = m.format;
                let flag = if i.too_wide() { " WIDE" } else { "" };
                cells.push(format!(
                    "{} [{}, {}]{flag}",
                    f(i.median),
                    f(i.low),
                    f(i.high)
                ));
                if i.too_wide() {
                    wide.push(m.header);
                }
                let method = describe(&i);
                if !methods.contains(&method) {
                    methods.push(method);
                }
            }
            None => cells.push("n/a".into()),
        }
    }
    cells.push(methods.join("; "));
    cells.push(if wide.is_empty() {
        "no".into()
    } else {
        wide.join(", ")
    });
    Row {
        cells,
        lossy: reps.iter().any(|c| data::is_lossy(c)),
    }
}

/// `t on logs (95% if log-normal)` or `order statistics (75%)`.
pub fn describe(i: &Interval) -> String {
    match i.method {
        Method::LogT => format!(
            "{} ({:.0}% if log-normal)",
            i.method.name(),
            i.coverage * 100.0
        ),
        Method::OrderStatistics => {
            format!("{} ({:.1}%)", i.method.name(), i.coverage * 100.0)
        }
    }
}

/// How many cases have some interval wider than [`repetitions::TOO_WIDE`], of how many.
pub fn wide_count(results: &RunResults) -> (usize, usize) {
    let repeated: Vec<_> = data::by_id(data::ok_cases(results))
        .into_iter()
        .filter(|(_, reps)| reps.len() > 1)
        .collect();
    let wide = repeated
        .iter()
        .filter(|(_, reps)| {
            METRICS
                .iter()
                .any(|m| of(reps, m.value).is_some_and(|i| i.too_wide()))
        })
        .count();
    (wide, repeated.len())
}

/// The sentence under the table's heading: `4 of 16 cases have an interval wider than 20%`.
pub fn wide_sentence(results: &RunResults) -> Option<String> {
    let (wide, of_n) = wide_count(results);
    (of_n > 0).then(|| {
        format!(
            "{wide} of {of_n} repeated cases have an interval wider than {:.0}% of the median (WIDE).",
            repetitions::TOO_WIDE * 100.0
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::fixture;

    #[test]
    fn repeated_cases_get_one_row_with_intervals() {
        let mut r = fixture::run();
        assert!(table(&r).is_none(), "no repetitions, no table");
        let first = r.cases[0].clone();
        for (rep, scale) in [(2u32, 1.1), (3, 1.2)] {
            let mut c = first.clone();
            c.repetition = rep;
            if let Some(l) = c.phases.get_mut(phase::LATENCY) {
                l.p50 = (l.p50 as f64 * scale) as u64;
            }
            r.cases.push(c);
        }
        let t = table(&r).unwrap();
        assert_eq!(t.rows.len(), 1);
        let row = &t.rows[0].cells;
        assert_eq!((row[0].as_str(), row[1].as_str()), (first.id.as_str(), "3"));
        assert!(row[2].contains('[') && row[2].ends_with("WIDE"), "{row:?}");
        assert!(row[7].contains("t on logs (95% if log-normal)"), "{row:?}");
        assert!(row[8].contains("latency p50"), "{row:?}");
        assert_eq!(wide_count(&r), (1, 1));
    }
}
