//! `merge`: combines run folders measured at the same time against one broker (the shards of
//! a multi-machine run) into one result: counts and rates summed, histograms added from each
//! folder's histograms.hlog (so percentiles are of the union, not averages of percentiles).
//! [`merge_check`](super::merge_check) refuses folders that are not the shards of one run.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::histograms::{Phase, Phases, summarize};
use super::hlog::{self, CaseHistograms};
use super::{CaseResult, CaseStatus, RunResults, RunStatus, reader};

#[derive(Debug, thiserror::Error)]
pub enum MergeError {
    #[error("merge needs at least one run folder")]
    TooFew,
    #[error(transparent)]
    Read(#[from] reader::ReadError),
    #[error("{dir}: cannot read histograms.hlog: {source}")]
    Hlog {
        dir: PathBuf,
        source: std::io::Error,
    },
    /// Not a shard of the same run as the others (exit 2): names the folder and the field.
    #[error(transparent)]
    Refused(#[from] super::merge_check::Refusal),
}

/// The merged results and histograms, ready to be written like a run.
pub struct Merged {
    pub results: RunResults,
    pub histograms: Vec<CaseHistograms>,
}

/// Merges the shards in `dirs`: every one of 1..N, each once, of one scenario and build.
pub fn merge(dirs: &[PathBuf]) -> Result<Merged, MergeError> {
    merge_with(dirs, false)
}

/// Like [`merge`]; `partial` accepts missing shards (recorded in `merge.shards_missing`).
pub fn merge_with(dirs: &[PathBuf], partial: bool) -> Result<Merged, MergeError> {
    if dirs.is_empty() {
        return Err(MergeError::TooFew);
    }
    let mut runs = Vec::with_capacity(dirs.len());
    for d in dirs {
        let r = reader::read(d)?;
        let h = hlog::read(d).map_err(|source| MergeError::Hlog {
            dir: d.clone(),
            source,
        })?;
        runs.push((d.as_path(), r, h));
    }
    let listed: Vec<(&Path, &RunResults)> = runs.iter().map(|(d, r, _)| (*d, r)).collect();
    let info = super::merge_check::check(&listed, partial)?;
    // In shard order, so "shard k" in the merged errors is `--shard k/N`.
    runs.sort_by_key(|(_, r, _)| r.shard.as_ref().map_or(0, |s| s.index));
    let index_of: Vec<u32> = runs
        .iter()
        .map(|(_, r, _)| r.shard.as_ref().map_or(0, |s| s.index))
        .collect();
    let (_, first, _) = &runs[0];

    // `order` and `noise` are the first run's: shards of one run share their order (the same
    // seed, derived from the scenario text unless given), and the report's noise warnings
    // then speak for the first machine; each shard's own are in its folder.
    let mut merged = first.clone();
    merged.cases.clear();
    merged.repetitions.clear();
    merged.shard = None;
    merged.merged_from = dirs.iter().map(|d| d.display().to_string()).collect();
    merged.timing = Some(union_window(runs.iter().map(|(_, r, _)| r)));
    merged.merge = Some(info);
    merged.load.publishers = runs.iter().map(|(_, r, _)| r.load.publishers).sum();
    merged.load.subscribers = runs.iter().map(|(_, r, _)| r.load.subscribers).sum();
    merged.status = if runs.iter().all(|(_, r, _)| r.status == RunStatus::Complete) {
        RunStatus::Complete
    } else {
        RunStatus::Interrupted
    };

    // Cases in the first run's order; a case missing from some shard is merged from those
    // that have it, and says so.
    let key = |c: &CaseResult| hlog::case_key(&c.id, c.repetition);
    let mut order: Vec<String> = Vec::new();
    let mut by_key: BTreeMap<String, Vec<(usize, &CaseResult)>> = BTreeMap::new();
    for (k, (_, r, _)) in runs.iter().enumerate() {
        for c in &r.cases {
            let e = by_key.entry(key(c)).or_default();
            if e.is_empty() {
                order.push(key(c));
            }
            e.push((k, c));
        }
    }
    let mut histograms = Vec::new();
    for k in order {
        let parts = &by_key[&k];
        let mut phases = Phases::default();
        for &(run, _) in parts {
            for (hk, phase, h) in &runs[run].2 {
                if *hk == k {
                    phases.add_histogram(*phase, h);
                }
            }
        }
        let case = merge_case(parts, &index_of, &phases);
        histograms.push(CaseHistograms {
            case_id: case.id.clone(),
            repetition: case.repetition,
            start: std::time::SystemTime::now(),
            duration: std::time::Duration::from_secs_f64(case.wall_s),
            phases,
        });
        merged.cases.push(case);
    }
    merged.repetitions = super::repetitions::summarize(&merged.cases);
    Ok(Merged {
        results: merged,
        histograms,
    })
}

/// The merged run's timing: the agreed start, and a window from the earliest first case start
/// to the latest last case end.
fn union_window<'a>(runs: impl Iterator<Item = &'a RunResults>) -> super::RunTiming {
    use super::fleet::{parse_timestamp, timestamp};
    let (mut planned, mut from, mut to) = (None, None::<std::time::SystemTime>, None);
    for t in runs.filter_map(|r| r.timing.as_ref()) {
        planned = planned.or(t.planned_start.clone());
        if let Some(s) = t.first_case_start.as_deref().and_then(parse_timestamp) {
            from = Some(from.map_or(s, |f| f.min(s)));
        }
        if let Some(e) = t.last_case_end.as_deref().and_then(parse_timestamp) {
            to = Some(to.map_or(e, |x: std::time::SystemTime| x.max(e)));
        }
    }
    super::RunTiming {
        planned_start: planned,
        actual_start: None,
        late_s: None,
        tolerance_s: None,
        late_warning: None,
        first_case_start: from.map(timestamp),
        last_case_end: to.map(timestamp),
    }
}

fn merge_case(parts: &[(usize, &CaseResult)], index_of: &[u32], phases: &Phases) -> CaseResult {
    let shards = index_of.len();
    let mut c = parts[0].1.clone();
    let (mut user, mut system, mut rss) = (0.0, 0.0, 0u64);
    // Known only when every shard recorded it: the sum starts from a known zero.
    c.counts = super::Counts::zero();
    c.throughput = super::Throughput::default();
    c.errors.clear();
    c.saturation = None;
    // Each shard's outages are relative to its own start; listed one after another.
    c.outages.clear();
    c.block_repeats = None;
    c.broker_qos = None;
    c.session_resumes = None;
    for &(run, p) in parts {
        c.counts += &p.counts;
        c.throughput += &p.throughput;
        c.wall_s = c.wall_s.max(p.wall_s);
        user += p.cpu.user_s;
        system += p.cpu.system_s;
        rss = rss.max(p.cpu.max_rss_bytes.unwrap_or(0));
        // Each shard ran its own proxy: its fault's events, resets and reconnects add up.
        if let (Some(m), Some(f), true) = (&mut c.fault, &p.fault, run != parts[0].0) {
            m.events += f.events;
            m.connections_reset += f.connections_reset;
            m.corrupted_bytes += f.corrupted_bytes;
            m.reconnects += f.reconnects;
            m.recover_s.extend_from_slice(&f.recover_s);
            m.unrecovered += f.unrecovered;
        }
        if let Some(q) = &p.broker_qos {
            *c.broker_qos.get_or_insert_with(Default::default) += q;
        }
        if let Some(r) = &p.session_resumes {
            let m = c.session_resumes.get_or_insert_with(Default::default);
            m.reconnects += r.reconnects;
            m.resumed += r.resumed;
        }
        if p.status == CaseStatus::Degraded && c.status == CaseStatus::Ok {
            c.status = CaseStatus::Degraded;
            c.error = Some(format!(
                "shard {}: {}",
                index_of[run],
                p.error.as_deref().unwrap_or("degraded")
            ));
        }
        if p.status == CaseStatus::Failed {
            c.status = CaseStatus::Failed;
            c.error = Some(format!(
                "shard {}: {}",
                index_of[run],
                p.error.as_deref().unwrap_or("failed")
            ));
        }
        c.errors.extend(
            p.errors
                .iter()
                .map(|e| format!("shard {}: {e}", index_of[run])),
        );
        if let Some(s) = &p.saturation {
            c.saturation = Some(format!("shard {}: {s}", index_of[run]));
        }
        c.outages.extend(p.outages.iter().cloned());
        if let Some(b) = &p.block_repeats {
            c.block_repeats
                .get_or_insert_with(|| super::BlockRepeats {
                    block_len: b.block_len,
                    ..Default::default()
                })
                .merge(b);
        }
    }
    // Each shard ran its own Security Center: its counts add up; the concurrency probe's
    // levels are per center (summaries, not histograms), so the first shard's are kept.
    let centers: Vec<&super::CenterCase> = parts
        .iter()
        .filter_map(|(_, p)| p.center.as_ref())
        .collect();
    if let Some((first, rest)) = centers.split_first() {
        let mut m = (*first).clone();
        for x in rest {
            m.requests += x.requests;
            m.granted += x.granted;
            m.denied += x.denied;
            m.cache_hits += x.cache_hits;
            m.cache_misses += x.cache_misses;
            m.timeouts += x.timeouts;
            for (k, v) in &x.denials {
                *m.denials.entry(k.clone()).or_default() += v;
            }
        }
        c.center = Some(m);
    }
    if parts.len() < shards {
        c.errors.push(format!(
            "present in {} of {shards} merged runs",
            parts.len()
        ));
    }
    c.cpu.user_s = user;
    c.cpu.system_s = system;
    c.cpu.max_rss_bytes = Some(rss).filter(|&r| r > 0);
    c.cpu.per_message_us =
        (c.counts.delivered > 0).then(|| (user + system) * 1e6 / c.counts.delivered as f64);
    c.phases = Phase::ALL
        .iter()
        .filter(|&&p| !phases.is_empty(p))
        .map(|&p| (p.name().to_owned(), summarize(&phases.histogram(p))))
        .collect();
    c
}

/// Writes a merged result like a run: `<root>/<scenario>-merged/<timestamp>/`.
pub fn write(root: &Path, m: &Merged) -> Result<PathBuf, String> {
    let name = format!("{}-merged", m.results.scenario.name);
    let dir = super::run_dir::create(root, &name, std::time::SystemTime::now())
        .map_err(|e| e.to_string())?;
    super::writer::write(&dir, &m.results).map_err(|e| e.to_string())?;
    hlog::write(
        &dir,
        std::time::SystemTime::now() - std::time::Duration::from_secs(1),
        &m.histograms,
    )
    .map_err(|e| format!("cannot write {}: {e}", hlog::HLOG_FILE))?;
    Ok(dir)
}
