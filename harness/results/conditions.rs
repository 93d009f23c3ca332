//! The run-level records of how a run was measured, beside its figures: the order its cases
//! ran in and what else the machine was doing (types of `results.json`, re-exported from
//! [`super`] like those of [`super::types`]).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The order a run measured its cases in; `cases` itself is in matrix order (round by round,
/// every case of the scenario once per round) whatever the order run, once the run ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RunOrder {
    /// `shuffled` (each repetition round a fresh random permutation of all cases) or
    /// `matrix` (the scenario's order, round by round).
    pub kind: OrderKind,
    /// Seed of the shuffle (null for matrix order): `run --order-seed SEED` replays the same
    /// sequence with the same `rand` version.
    #[serde(default)]
    pub seed: Option<u64>,
    /// Where the seed came from: `flag` (--order-seed), `os` (random), `scenario` (derived
    /// from the scenario text and --set flags, so every shard of a run shares it).
    #[serde(default)]
    pub seed_source: Option<SeedSource>,
    /// Version of the `rand` crate that made the permutation: the sequence of a seed may
    /// differ under another version.
    #[serde(default)]
    pub rand_version: String,
    /// The cases in the order they ran. Filled when the run ends: while it goes (status
    /// `running`), `cases` itself holds the cases so far in the order they ran and this is
    /// empty (each case is written once, not the whole file again).
    #[serde(default)]
    pub sequence: Vec<OrderStep>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum OrderKind {
    Shuffled,
    Matrix,
}

impl OrderKind {
    pub fn name(self) -> &'static str {
        match self {
            Self::Shuffled => "shuffled",
            Self::Matrix => "matrix",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum SeedSource {
    Flag,
    Os,
    Scenario,
}

/// One executed case of [`RunOrder::sequence`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct OrderStep {
    /// Case id, as in `cases[].id`.
    pub case: String,
    /// 1-based, as in `cases[].repetition`.
    pub repetition: u32,
}

/// Machine-wide noise over a run, from /proc (Linux).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Noise {
    /// /proc/loadavg when the run started (before the first case) ...
    #[serde(default)]
    pub load_start: Option<LoadAverage>,
    /// ... and when it ended (the harness's own threads count in it).
    #[serde(default)]
    pub load_end: Option<LoadAverage>,
    /// Shares of all CPUs' time between start and end, from /proc/stat's `cpu` line.
    #[serde(default)]
    pub cpu: Option<CpuShares>,
    /// CPU seconds this process used between start and end (user + system), so the
    /// machine's busy share can be told apart from the harness's own.
    #[serde(default)]
    pub own_cpu_s: Option<f64>,
    /// Wall seconds between the two samples.
    #[serde(default)]
    pub interval_s: f64,
}

/// Runnable (and uninterruptible) tasks averaged over 1, 5 and 15 minutes.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LoadAverage {
    pub one: f64,
    pub five: f64,
    pub fifteen: f64,
}

/// Fractions (0..=1) of the CPU time of all logical cores over an interval.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CpuShares {
    /// user + nice.
    pub user: f64,
    /// system + irq + softirq.
    pub system: f64,
    pub idle: f64,
    pub iowait: f64,
    /// Time the hypervisor ran something else while this VM wanted the CPU: the share of
    /// the run that was not the machine measured.
    pub steal: f64,
}
