//! Writes `results.json` atomically: a crash mid-write leaves the previous complete file.

use std::io::Write;
use std::path::{Path, PathBuf};

use super::RunResults;

pub const RESULTS_FILE: &str = "results.json";

#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    #[error("cannot write {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot serialize results: {0}")]
    Json(#[from] serde_json::Error),
    /// The run's own accounting does not add up: a bug in the harness, not in the input.
    #[error("refusing to write results whose accounting does not add up: {0}")]
    Accounting(String),
}

/// Writes `results` to `dir/results.json` via a temporary file and a rename.
pub fn write(dir: &Path, results: &RunResults) -> Result<PathBuf, WriteError> {
    let broken = super::invariants::check(results);
    if !broken.is_empty() {
        return Err(WriteError::Accounting(super::invariants::describe(&broken)));
    }
    let path = dir.join(RESULTS_FILE);
    let tmp = dir.join(".results.json.tmp");
    let json = serde_json::to_vec_pretty(results)?;
    let io = |source| WriteError::Io {
        path: tmp.clone(),
        source,
    };
    let mut f = std::fs::File::create(&tmp).map_err(io)?;
    f.write_all(&json).map_err(io)?;
    f.write_all(b"\n").map_err(io)?;
    f.sync_all().map_err(io)?;
    std::fs::rename(&tmp, &path).map_err(|source| WriteError::Io {
        path: path.clone(),
        source,
    })?;
    Ok(path)
}
