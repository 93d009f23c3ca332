//! Helpers shared by the integration tests (included with `mod common;`).
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use mqtt_cipher_bench::run::{self, Progress, RunOptions, RunOutcome};
use mqtt_cipher_bench::scenario::{self, Scenario};

/// Parses scenario text as if read from `name`.
pub fn scenario(name: &str, text: &str) -> Scenario {
    scenario::parse(Path::new(name), text, &[], None)
        .unwrap_or_else(|e| panic!("test scenario invalid: {e}"))
}

/// Runs `s` into a fresh temporary results root; returns the outcome and the root (kept
/// alive by the TempDir).
pub async fn run_in_temp(s: &Scenario) -> (RunOutcome, tempfile::TempDir) {
    let root = tempfile::tempdir().expect("temp dir");
    let opts = RunOptions {
        out_root: root.path().to_path_buf(),
        progress: Progress::Quiet,
        shard: None,
    };
    let outcome = run::run(s, &opts)
        .await
        .unwrap_or_else(|e| panic!("run failed: {e}"));
    (outcome, root)
}

pub fn bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_mqtt-cipher-bench"))
}
pub mod mosquitto;
