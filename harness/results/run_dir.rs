//! The folder a run (or a `merge`) writes into: `<root>/<name>/<timestamp>[-k]/`, created here
//! so both writers share one naming rule without `results` reaching up into `run`.

use std::path::{Path, PathBuf};
use std::time::SystemTime;

/// The results folder could not be created; the message names it and says why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct RunDirError(pub String);

/// Creates `<root>/<name>/<UTC timestamp>[-k]/`.
pub fn create(root: &Path, name: &str, at: SystemTime) -> Result<PathBuf, RunDirError> {
    create_tagged(root, name, at, None)
}

/// Creates `<root>/<name>/<UTC timestamp>[-<tag>][-k]/`: a shard's `tag` (`shard-2of3`) keeps
/// the folders of shards started in one second apart by name, not by the order they won the
/// race for `-k`.
pub fn create_tagged(
    root: &Path,
    name: &str,
    at: SystemTime,
    tag: Option<&str>,
) -> Result<PathBuf, RunDirError> {
    // Colons are not allowed in Windows paths; keep the timestamp sortable without them.
    let mut stamp = humantime::format_rfc3339_seconds(at)
        .to_string()
        .replace(':', "-");
    if let Some(t) = tag {
        stamp = format!("{stamp}-{t}");
    }
    let parent = root.join(name);
    std::fs::create_dir_all(&parent).map_err(|e| {
        RunDirError(format!(
            "cannot create results folder {}: {e}",
            parent.display()
        ))
    })?;
    for k in 1..1000 {
        let dir = if k == 1 {
            parent.join(&stamp)
        } else {
            parent.join(format!("{stamp}-{k}"))
        };
        match std::fs::create_dir(&dir) {
            Ok(()) => return Ok(dir),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => {
                return Err(RunDirError(format!(
                    "cannot create results folder {}: {e}",
                    dir.display()
                )));
            }
        }
    }
    Err(RunDirError(format!(
        "too many runs of {name} in one second under {}",
        parent.display()
    )))
}
