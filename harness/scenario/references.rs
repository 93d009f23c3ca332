//! `[[reference]]`: figures a paper reported, for the report to draw beside the run's own
//! (results.json `references`). Each names the phases it compares with (summed), the
//! seconds per message reported, the sizes it was reported for, and its source:
//!
//! ```toml
//! [[reference]]
//! phases = ["encode"]
//! seconds = 0.064
//! sizes = [2, 200]
//! source = "Wang & Sakai (seed 004), §5"
//! setting = "Intel Core i7-7500U, C (gcc 4.8.4)"
//! ```

use serde::Deserialize;

use super::{At, ScenarioError, Spanned};
use crate::results::{ReferenceValue, phase};

/// One `[[reference]]` as written.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReferenceEntry {
    pub phases: Spanned<Vec<String>>,
    pub seconds: Spanned<f64>,
    pub sizes: Spanned<Vec<usize>>,
    pub source: Spanned<String>,
    #[serde(default)]
    pub setting: Option<String>,
}

/// Checks every entry: known phase names, a positive finite time, sizes > 0, a source.
pub(super) fn resolve(
    entries: &[ReferenceEntry],
    at: &At<'_>,
) -> Result<Vec<ReferenceValue>, ScenarioError> {
    entries
        .iter()
        .map(|e| {
            let phases = e.phases.get_ref();
            if phases.is_empty() {
                return Err(at(
                    e.phases.span(),
                    "reference.phases",
                    "expected at least one phase name, e.g. [\"encode\"]".into(),
                ));
            }
            if let Some(bad) = phases.iter().find(|p| !phase::ALL.contains(&p.as_str())) {
                return Err(at(
                    e.phases.span(),
                    "reference.phases",
                    format!(
                        "unknown phase \"{bad}\" (expected phases of results.json: {})",
                        phase::ALL.join(", ")
                    ),
                ));
            }
            let seconds = *e.seconds.get_ref();
            if !(seconds.is_finite() && seconds > 0.0) {
                return Err(at(
                    e.seconds.span(),
                    "reference.seconds",
                    format!("expected seconds per message > 0, got {seconds}"),
                ));
            }
            let sizes = e.sizes.get_ref();
            if sizes.is_empty() || sizes.contains(&0) {
                return Err(at(
                    e.sizes.span(),
                    "reference.sizes",
                    "expected the message sizes (bytes > 0) the figure was reported for, e.g. [2, 200]"
                        .into(),
                ));
            }
            if e.source.get_ref().trim().is_empty() {
                return Err(at(
                    e.source.span(),
                    "reference.source",
                    "expected who reported the figure (the chart labels it with this)".into(),
                ));
            }
            Ok(ReferenceValue {
                phases: phases.clone(),
                seconds,
                sizes: sizes.clone(),
                source: e.source.get_ref().trim().to_owned(),
                setting: e.setting.clone(),
            })
        })
        .collect()
}
