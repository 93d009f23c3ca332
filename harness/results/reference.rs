//! Figures a paper reported, recorded with the run (`references` in results.json, from the
//! scenario's `[[reference]]` tables) so the report can draw them beside what this run
//! measured and say how far apart they are. Data, not code keyed on a scenario's name.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// One reported figure: the time per message of one phase, or of several summed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ReferenceValue {
    /// The phases of this run it compares with (their medians summed), e.g. `["encode"]` or
    /// `["encrypt", "decrypt"]`.
    pub phases: Vec<String>,
    /// Seconds per message, as reported.
    pub seconds: f64,
    /// The message sizes (bytes) it was reported for; drawn at each.
    pub sizes: Vec<usize>,
    /// Who reported it, as the chart labels it, e.g. "Wang & Sakai 2020 (seed 004), §5".
    pub source: String,
    /// Where and how it was measured, e.g. the paper's hardware and language.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub setting: Option<String>,
}

impl ReferenceValue {
    /// "encode" or "encrypt + decrypt".
    pub fn phases_label(&self) -> String {
        self.phases.join(" + ")
    }
}
