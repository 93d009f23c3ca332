//! The metrics `compare` tests, and how one repetition's value of each is read.

use serde::Serialize;

use super::super::data;
use crate::results::{CaseResult, RunResults, phase};

/// The CPU-clock crypto phases, when a run recorded them (newer runs): wall time includes
/// preemption, the thread's CPU time does not, so a change can be told apart from a busier
/// machine. Older runs have no such phases; their rows are simply left out.
const ENCRYPT_CPU: &str = "encrypt_cpu";
const DECRYPT_CPU: &str = "decrypt_cpu";

/// What a metric being larger means.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Better {
    Lower,
    Higher,
}

/// On which scale repetitions are averaged and tested.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Scale {
    /// Times and rates: their spread is multiplicative, so logarithms are tested and the
    /// effect is the ratio B/A (geometric means).
    Log,
    /// Lost messages: often zero, so differences of plain means are tested, each side's
    /// variance raised to at least its mean (a Poisson count's).
    Count,
}

/// One metric of the comparison.
#[derive(Debug, Clone, Copy)]
pub struct Metric {
    pub name: &'static str,
    /// Unit of the A and B figures.
    pub unit: &'static str,
    pub better: Better,
    pub scale: Scale,
    /// Present only in runs that recorded it: left out of a comparison unless both runs have
    /// it somewhere, rather than filling the table with n/a.
    pub optional: bool,
    /// One repetition's value, in `unit`; `None` when the case did not measure it.
    pub extract: fn(&CaseResult) -> Option<f64>,
}

fn percentile(case: &CaseResult, name: &str, p99: bool, unit: f64) -> Option<f64> {
    let p = data::phase(case, name)?;
    Some(if p99 { p.p99 } else { p.p50 } as f64 / unit)
}

const fn timing(
    name: &'static str,
    unit: &'static str,
    optional: bool,
    extract: fn(&CaseResult) -> Option<f64>,
) -> Metric {
    Metric {
        name,
        unit,
        better: Better::Lower,
        scale: Scale::Log,
        optional,
        extract,
    }
}

pub const METRICS: [Metric; 12] = [
    timing("enc p50", "µs", false, |c| {
        percentile(c, phase::ENCRYPT, false, 1e3)
    }),
    timing("enc p99", "µs", false, |c| {
        percentile(c, phase::ENCRYPT, true, 1e3)
    }),
    timing("enc cpu p50", "µs", true, |c| {
        percentile(c, ENCRYPT_CPU, false, 1e3)
    }),
    timing("enc cpu p99", "µs", true, |c| {
        percentile(c, ENCRYPT_CPU, true, 1e3)
    }),
    timing("dec p50", "µs", false, |c| {
        percentile(c, phase::DECRYPT, false, 1e3)
    }),
    timing("dec p99", "µs", false, |c| {
        percentile(c, phase::DECRYPT, true, 1e3)
    }),
    timing("dec cpu p50", "µs", true, |c| {
        percentile(c, DECRYPT_CPU, false, 1e3)
    }),
    timing("dec cpu p99", "µs", true, |c| {
        percentile(c, DECRYPT_CPU, true, 1e3)
    }),
    timing("lat p50", "ms", false, |c| {
        percentile(c, phase::LATENCY, false, 1e6)
    }),
    timing("lat p99", "ms", false, |c| {
        percentile(c, phase::LATENCY, true, 1e6)
    }),
    Metric {
        name: "delivered/s",
        unit: "msg/s",
        better: Better::Higher,
        scale: Scale::Log,
        optional: false,
        // A case that measured nothing has no rate, not a rate of zero.
        extract: |c| (c.measured_s > 0.0).then_some(c.throughput.delivered_msgs_per_s),
    },
    Metric {
        name: "lost",
        unit: "msgs",
        better: Better::Lower,
        scale: Scale::Count,
        optional: false,
        extract: |c| Some(c.counts.lost as f64),
    },
];

/// The metrics of a comparison of `a` and `b`: every required one, and each optional one
/// that both runs measured in at least one case.
pub fn in_use(a: &RunResults, b: &RunResults) -> Vec<&'static Metric> {
    let measured = |r: &RunResults, m: &Metric| r.cases.iter().any(|c| (m.extract)(c).is_some());
    METRICS
        .iter()
        .filter(|m| !m.optional || (measured(a, m) && measured(b, m)))
        .collect()
}
