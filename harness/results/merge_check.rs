//! What `merge` checks before adding shards up: only the slices of one run (same scenario
//! text, keys, tool and cases, each index once, all of 1..N unless `--partial`) add up to a
//! meaningful whole; windows that do not overlap merge with a warning. Each refusal names the
//! shard folder and the results.json field.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use super::fleet::{parse_timestamp, scenario_hash, seconds_between};
use super::{MergeInfo, RunResults};

/// A shard `merge` will not add, naming its folder and the field that differs.
#[derive(Debug, thiserror::Error)]
#[error("{}: {field}: {message}", dir.display())]
pub struct Refusal {
    pub dir: PathBuf,
    pub field: &'static str,
    pub message: String,
}

fn refuse(dir: &Path, field: &'static str, message: String) -> Refusal {
    Refusal {
        dir: dir.to_path_buf(),
        field,
        message,
    }
}

/// The scenario hash a run recorded, or (runs recorded before it) computed from its fields.
pub fn hash_of(r: &RunResults) -> String {
    r.scenario
        .text_sha256
        .clone()
        .unwrap_or_else(|| scenario_hash(&r.scenario))
}

/// Checks `runs` (folder, results) are shards of one run; `partial` accepts missing shards
/// and shards that lack some cases (an interrupted one). Returns what the merged result
/// records about them.
pub fn check(runs: &[(&Path, &RunResults)], partial: bool) -> Result<MergeInfo, Refusal> {
    let Some(&(first_dir, first)) = runs.first() else {
        return Err(refuse(
            Path::new("."),
            "shard",
            "no run folder given".into(),
        ));
    };
    let not_a_shard = |dir: &Path| {
        refuse(
            dir,
            "shard",
            "absent: this run was not one shard of a run (`run --shard I/N`); merge adds up \
             the shards of one run"
                .into(),
        )
    };
    let count = first
        .shard
        .as_ref()
        .ok_or_else(|| not_a_shard(first_dir))?
        .count;
    let hash = hash_of(first);
    let mut seen: BTreeMap<u32, &Path> = BTreeMap::new();
    let cases = |r: &RunResults| -> BTreeSet<(String, u32)> {
        r.cases
            .iter()
            .map(|c| (c.id.clone(), c.repetition))
            .collect()
    };
    let all_cases: BTreeSet<(String, u32)> = runs.iter().flat_map(|(_, r)| cases(r)).collect();
    let mut warnings = Vec::new();
    for &(dir, r) in runs {
        let shard = r.shard.as_ref().ok_or_else(|| not_a_shard(dir))?;
        if shard.count != count {
            return Err(refuse(
                dir,
                "shard.count",
                format!(
                    "{} shards, but {} was one of {count}: shards of one run share N",
                    shard.count,
                    first_dir.display()
                ),
            ));
        }
        if let Some(other) = seen.insert(shard.index, dir) {
            return Err(refuse(
                dir,
                "shard.index",
                format!(
                    "shard {}/{count} again (also {}): merging one shard twice counts its \
                     messages twice",
                    shard.index,
                    other.display()
                ),
            ));
        }
        let h = hash_of(r);
        if h != hash {
            return Err(refuse(
                dir,
                "scenario.text_sha256",
                format!(
                    "{h} differs from {}'s {hash}: another scenario text or other --set flags \
                     (scenario {:?} vs {:?})",
                    first_dir.display(),
                    r.scenario.name,
                    first.scenario.name
                ),
            ));
        }
        if r.scenario.key_seed_sha256 != first.scenario.key_seed_sha256 {
            return Err(refuse(
                dir,
                "scenario.key_seed_sha256",
                format!("differs from {}'s: other keys", first_dir.display()),
            ));
        }
        if r.tool.version != first.tool.version {
            return Err(refuse(
                dir,
                "tool.version",
                format!(
                    "{} differs from {}'s {}: shards must be measured by one build",
                    r.tool.version,
                    first_dir.display(),
                    first.tool.version
                ),
            ));
        }
        if let (Some(a), Some(b)) = (&r.environment.git_commit, &first.environment.git_commit)
            && a != b
        {
            return Err(refuse(
                dir,
                "environment.git_commit",
                format!(
                    "{a} differs from {}'s {b}: shards must be measured by one build",
                    first_dir.display()
                ),
            ));
        }
        let mine = cases(r);
        if let Some((id, rep)) = all_cases.iter().find(|c| !mine.contains(*c)) {
            let status = format!("{:?}", r.status).to_lowercase();
            let what = format!(
                "lacks case {id} (repetition {rep}) that another shard measured (status {status})"
            );
            if !partial {
                return Err(refuse(
                    dir,
                    "cases",
                    format!("{what}; --partial merges it anyway"),
                ));
            }
            warnings.push(format!("{}: {what}", dir.display()));
        }
        if let Some(w) = r.timing.as_ref().and_then(|t| t.late_warning.as_ref()) {
            warnings.push(format!("{}: {w}", dir.display()));
        }
    }
    let missing: Vec<u32> = (1..=count).filter(|i| !seen.contains_key(i)).collect();
    if let Some(&m) = missing.first()
        && !partial
    {
        let names: Vec<String> = missing.iter().map(u32::to_string).collect();
        return Err(refuse(
            first_dir,
            "shard.index",
            format!(
                "shard {m}/{count} is missing (missing: {}): give every shard's folder, or \
                 --partial to merge these alone (recorded in the merged result)",
                names.join(", ")
            ),
        ));
    }
    if !missing.is_empty() {
        warnings.push(format!(
            "partial merge: shards {missing:?} of {count} missing; the counts are of the shards present"
        ));
    }
    let (start_skew_s, window_gap_s) = windows(runs, &mut warnings);
    Ok(MergeInfo {
        shard_count: count,
        shards_present: seen.keys().copied().collect(),
        shards_missing: missing,
        partial,
        scenario_sha256: hash,
        start_skew_s,
        window_gap_s,
        warnings,
    })
}

/// The shards' start skew and, when their measured windows do not all overlap, the gap.
fn windows(
    runs: &[(&Path, &RunResults)],
    warnings: &mut Vec<String>,
) -> (Option<f64>, Option<f64>) {
    let time = |s: &Option<String>| s.as_deref().and_then(parse_timestamp);
    let mut starts: Vec<SystemTime> = Vec::new();
    let mut spans: Vec<(SystemTime, SystemTime)> = Vec::new();
    for &(dir, r) in runs {
        let t = r.timing.as_ref();
        let window = t.and_then(|t| Some((time(&t.first_case_start)?, time(&t.last_case_end)?)));
        match window {
            Some(w) => spans.push(w),
            None => warnings.push(format!(
                "{}: timing: no measured window recorded (an older run, or no case ran): \
                 overlap not checked",
                dir.display()
            )),
        }
        if let Some(s) = t.and_then(|t| time(&t.actual_start).or(time(&t.first_case_start))) {
            starts.push(s);
        }
    }
    let skew = match (starts.iter().min(), starts.iter().max()) {
        (Some(a), Some(b)) if starts.len() == runs.len() => Some(seconds_between(*a, *b)),
        _ => None,
    };
    let gap = match (
        spans.iter().map(|w| w.0).max(),
        spans.iter().map(|w| w.1).min(),
    ) {
        (Some(latest_start), Some(earliest_end)) if latest_start > earliest_end => {
            let gap = seconds_between(earliest_end, latest_start);
            warnings.push(format!(
                "the shards' measured windows do not overlap: {gap:.3} s between the earliest \
                 last case end and the latest first case start (start them together with \
                 --start-at); the merged figures are not of one moment"
            ));
            Some(gap)
        }
        _ => None,
    };
    (skew, gap)
}
