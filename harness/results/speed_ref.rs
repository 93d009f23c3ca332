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
    /// The provider measured (`rustcrypto`, `ring`, `aws-lc`). Absent in references written
    /// before the provider axis, whose cells are each suite's default provider.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider: Option<String>,
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
    /// The cell of `suite` at `size` measured on `provider` (the provider the case ran on).
    /// A cell without a provider (an older reference) stands for the suite's default provider,
    /// so it answers only for a case that ran without a provider axis (`axis == false`).
    pub fn cell(
        &self,
        suite: &str,
        provider: Option<&str>,
        axis: bool,
        size: usize,
    ) -> Option<&SpeedCell> {
        self.cells.iter().find(|c| {
            c.suite == suite
                && c.size == size
                && match c.provider.as_deref() {
                    Some(p) => Some(p) == provider,
                    None => !axis,
                }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cell(suite: &str, provider: Option<&str>, ns: f64) -> SpeedCell {
        let f = SpeedFigure {
            median_ns: ns,
            low_ns: ns,
            high_ns: ns,
            confidence: 0.95,
        };
        SpeedCell {
            suite: suite.into(),
            provider: provider.map(str::to_owned),
            size: 64,
            encrypt: f,
            decrypt: f,
            encrypt_cold: None,
            decrypt_cold: None,
        }
    }

    fn reference(cells: Vec<SpeedCell>) -> SpeedReference {
        SpeedReference {
            source: "test".into(),
            cpu_model: None,
            warning: None,
            samples: 10,
            time_per_cell_ms: 60.0,
            cells,
            cold_evict_bytes: None,
        }
    }

    #[test]
    fn a_case_is_matched_to_the_provider_it_ran_on() {
        let r = reference(vec![
            cell("aes-128-gcm", Some("rustcrypto"), 300.0),
            cell("aes-128-gcm", Some("aws-lc"), 100.0),
        ]);
        let ns = |p, axis| {
            r.cell("aes-128-gcm", p, axis, 64)
                .map(|c| c.encrypt.median_ns)
        };
        assert_eq!(ns(Some("aws-lc"), true), Some(100.0));
        assert_eq!(ns(Some("rustcrypto"), false), Some(300.0));
        assert_eq!(ns(Some("ring"), true), None);
        assert_eq!(r.cell("aes-128-gcm", Some("aws-lc"), true, 65), None);
    }

    #[test]
    fn an_older_cell_without_a_provider_answers_only_without_an_axis() {
        let r = reference(vec![cell("des-cbc", None, 700.0)]);
        assert!(r.cell("des-cbc", Some("rustcrypto"), false, 64).is_some());
        assert!(r.cell("des-cbc", None, false, 64).is_some());
        assert!(r.cell("des-cbc", Some("rustcrypto"), true, 64).is_none());
    }
}
