//! What a run spread over machines records so its shards can be checked and added up: the
//! scenario's hash, when each shard started and measured (types of `results.json`, re-exported
//! from [`super`] like those of [`super::types`]), and what a `merge` found.

use std::time::SystemTime;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::ScenarioInfo;

/// When a run's cases ran: the measured window, and with `--start-at`/`--start-in` the instant
/// the shards agreed on and how far this one missed it. Times are RFC 3339 UTC, milliseconds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RunTiming {
    /// The agreed start (`--start-at`, or `--start-in` added to the time the flag was read);
    /// absent without a synchronized start.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub planned_start: Option<String>,
    /// When the wait for `planned_start` ended and the case loop began (absent without one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actual_start: Option<String>,
    /// `actual_start` − `planned_start` in seconds: how late the case loop began.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub late_s: Option<f64>,
    /// `--start-tolerance` in seconds: lateness up to it is not a warning.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tolerance_s: Option<f64>,
    /// Set when `late_s` exceeds `tolerance_s`: says how late, and that the shards' windows
    /// overlap less than planned.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub late_warning: Option<String>,
    /// When the first case began (before its clients connected).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_case_start: Option<String>,
    /// When the last case that ran ended (its drain included).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_case_end: Option<String>,
}

/// What `merge` checked and found, in a merged result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MergeInfo {
    /// N of the shards' `--shard i/N`.
    pub shard_count: u32,
    /// The shard indices merged (1-based), ascending.
    pub shards_present: Vec<u32>,
    /// The indices of 1..N not merged: non-empty only with `merge --partial`.
    pub shards_missing: Vec<u32>,
    /// `merge --partial` was given.
    pub partial: bool,
    /// The scenario hash every shard recorded (`scenario.text_sha256`).
    pub scenario_sha256: String,
    /// Latest minus earliest `timing.actual_start` of the shards (or, without a synchronized
    /// start, of `timing.first_case_start`), seconds; absent when a shard recorded neither.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_skew_s: Option<f64>,
    /// When the shards' measured windows do not all overlap: the latest first case start
    /// minus the earliest last case end, seconds (the merged figures then are not of one
    /// moment of the broker's life).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub window_gap_s: Option<f64>,
    /// What merged but deserves a look: windows that do not overlap, missing shards, shards
    /// that started late, shards without a recorded window.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
}

/// SHA-256 (hex) of what every shard of one run shares: the scenario text as recorded and its
/// `--set` flags, one per line after it. `--shard` and `--broker` are left out, since they
/// may differ between the machines; the key seed is compared on its own
/// (`key_seed_sha256`), since the recorded text has it redacted. Computed from results.json's
/// fields alone, so a run recorded before the hash can be checked the same way.
pub fn scenario_hash(info: &ScenarioInfo) -> String {
    let mut h = Sha256::new();
    h.update(info.text.as_bytes());
    for o in info.overrides.iter().filter(|o| o.starts_with("--set ")) {
        h.update(b"\n");
        h.update(o.as_bytes());
    }
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// RFC 3339 UTC with milliseconds: shard start skews are milliseconds to seconds.
pub fn timestamp(t: SystemTime) -> String {
    humantime::format_rfc3339_millis(t).to_string()
}

/// A time written by [`timestamp`] (or any RFC 3339 UTC time), back.
pub fn parse_timestamp(s: &str) -> Option<SystemTime> {
    humantime::parse_rfc3339(s).ok()
}

/// `b` − `a` in seconds, negative when `b` is earlier.
pub fn seconds_between(a: SystemTime, b: SystemTime) -> f64 {
    match b.duration_since(a) {
        Ok(d) => d.as_secs_f64(),
        Err(e) => -e.duration().as_secs_f64(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info(text: &str, overrides: &[&str]) -> ScenarioInfo {
        ScenarioInfo {
            name: "x".into(),
            description: String::new(),
            path: "x.toml".into(),
            text: text.into(),
            overrides: overrides.iter().map(|&o| o.into()).collect(),
            key_seed_sha256: None,
            text_sha256: None,
        }
    }

    #[test]
    fn the_hash_covers_the_text_and_set_flags_but_not_shard_or_broker() {
        let base = scenario_hash(&info("name = \"x\"\n", &["--set load.rate=5"]));
        assert_eq!(base.len(), 64);
        assert_eq!(
            base,
            scenario_hash(&info(
                "name = \"x\"\n",
                &["--set load.rate=5", "--shard 2/3", "--broker mqtt://h:1883"]
            ))
        );
        assert_ne!(
            base,
            scenario_hash(&info("name = \"x\"\n", &["--set load.rate=6"]))
        );
        assert_ne!(
            base,
            scenario_hash(&info("name = \"y\"\n", &["--set load.rate=5"]))
        );
    }

    #[test]
    fn timestamps_round_trip_to_the_millisecond() {
        let t = SystemTime::UNIX_EPOCH + std::time::Duration::from_millis(1_790_000_000_123);
        let s = timestamp(t);
        assert!(s.ends_with(".123Z"), "{s}");
        assert_eq!(parse_timestamp(&s), Some(t));
        assert_eq!(
            seconds_between(t, t + std::time::Duration::from_millis(1500)),
            1.5
        );
        assert_eq!(
            seconds_between(t + std::time::Duration::from_secs(2), t),
            -2.0
        );
    }
}
