//! Loads a run folder's `results.json` back, for `report` and `compare`.

use std::path::{Path, PathBuf};

use super::writer::RESULTS_FILE;
use super::{OLDEST_READABLE_VERSION, RunResults, SCHEMA_VERSION};

#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error("cannot read {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: not a results.json of this tool: {source}")]
    Json {
        path: PathBuf,
        source: serde_json::Error,
    },
    #[error(
        "{path}: schema_version {found}, this build reads {OLDEST_READABLE_VERSION} to {SCHEMA_VERSION}"
    )]
    Version { path: PathBuf, found: u32 },
    #[error("{path}: accounting does not add up: {detail}")]
    Accounting { path: PathBuf, detail: String },
}

/// Reads `dir/results.json` (or `dir` itself when it names the file). Older versions this build
/// still reads are brought up to the current one on the way in (version 1: `suites` derived
/// from version 1's catalogue, see `results::suites`); newer ones are refused.
pub fn read(dir: &Path) -> Result<RunResults, ReadError> {
    let path = if dir.is_dir() {
        dir.join(RESULTS_FILE)
    } else {
        dir.to_path_buf()
    };
    let text = std::fs::read(&path).map_err(|source| ReadError::Io {
        path: path.clone(),
        source,
    })?;
    // Check the version before the strict parse so an old file gets the useful error.
    #[derive(serde::Deserialize)]
    struct Version {
        schema_version: u32,
    }
    let version = serde_json::from_slice::<Version>(&text).map(|v| v.schema_version);
    if let Ok(found) = version
        && !(OLDEST_READABLE_VERSION..=SCHEMA_VERSION).contains(&found)
    {
        return Err(ReadError::Version { path, found });
    }
    let mut results: RunResults =
        serde_json::from_slice(&text).map_err(|source| ReadError::Json {
            path: path.clone(),
            source,
        })?;
    if results.schema_version == 1 {
        super::suites::upgrade_v1(&mut results);
    }
    let broken = super::invariants::check(&results);
    if !broken.is_empty() {
        return Err(ReadError::Accounting {
            path,
            detail: super::invariants::describe(&broken),
        });
    }
    Ok(results)
}
