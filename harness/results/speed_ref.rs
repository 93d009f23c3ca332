//! The in-process `speed` figures a run is ranked against: what `speed` measured for the run's
//! own suites and sizes on the machine of the run (or read from a `speed --json` file).
//!
//! The run records them so the report can set its in-run order of suites beside the order of
//! an isolated measurement without re-measuring anything: a results.json carries everything
//! its report needs.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// `speed` figures for the suites and sizes of a run.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct SpeedReference {
    /// Where the figures come from: `"measured after the cases"` or `"file <path>"`.
    pub source: String,
    /// CPU model of the machine `speed` ran on (compared with the run's own).
    pub cpu_model: Option<String>,
    /// Set when the figures come from another machine (CPU model differs); the report repeats it.
    #[serde(default)]
    pub warning: Option<String>,
    /// Samples per cell and the measuring budget of each cell.
    pub samples: u32,
    pub time_per_cell_ms: f64,
    pub cells: Vec<SpeedCell>,
    /// Bytes evicted before each cold call, when the cells carry cold figures (`speed --cold`).
    #[serde(default)]
    pub cold_evict_bytes: Option<usize>,
}

/// One suite at one plaintext size: `speed`'s medians and intervals, ns per operation.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct SpeedCell {
    pub suite: String,
    pub size: usize,
    pub encrypt: SpeedFigure,
    pub decrypt: SpeedFigure,
    /// The same calls timed cold: one call per sample after the core's L1d and L2 were
    /// evicted (absent when not measured).
    #[serde(default)]
    pub encrypt_cold: Option<SpeedFigure>,
    #[serde(default)]
    pub decrypt_cold: Option<SpeedFigure>,
}

/// Median ns per operation and its interval across samples.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct SpeedFigure {
    pub median_ns: f64,
    pub low_ns: f64,
    pub high_ns: f64,
    /// Coverage of [low, high] (distribution-free order-statistic interval).
    pub confidence: f64,
}

impl SpeedReference {
    pub fn cell(&self, suite: &str, size: usize) -> Option<&SpeedCell> {
        self.cells
            .iter()
            .find(|c| c.suite == suite && c.size == size)
    }
}
