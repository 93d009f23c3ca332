//! The commands that read run folders: `report`, `compare` and `merge`.

use std::path::PathBuf;

use super::BadInput;

/// Re-render the report of a results folder from its results.json, or with --index write
/// an index.html of every run under a folder.
#[derive(Debug, clap::Args)]
pub struct ReportArgs {
    /// A run folder (holding results.json).
    #[arg(required_unless_present = "index", conflicts_with = "index")]
    run_dir: Option<PathBuf>,
    /// Write DIR/index.html listing every run under DIR (scenario, started, commit,
    /// machine, status, cases, link to its report), newest first.
    #[arg(long, value_name = "DIR")]
    index: Option<PathBuf>,
    /// Print every column of the summary (default: what fits 100 columns).
    #[arg(long)]
    wide: bool,
    /// Print the summary only and write nothing (the folder stays as it is, e.g. a checked-in
    /// reference run).
    #[arg(long)]
    no_write: bool,
}

impl ReportArgs {
    pub fn execute(self) -> anyhow::Result<()> {
        if let Some(dir) = self.index {
            if !dir.is_dir() {
                return Err(BadInput(format!("--index {}: not a folder", dir.display())).into());
            }
            let (path, n) = crate::report::index::write(&dir)?;
            println!("{n} run(s) listed: {}", path.display());
            return Ok(());
        }
        let Some(run_dir) = self.run_dir else {
            return Err(BadInput("give a run folder, or --index DIR".into()).into());
        };
        let results = read_run(&run_dir)?;
        if self.no_write {
            crate::present::print_summary(&results, self.wide);
            return Ok(());
        }
        crate::present::render(&run_dir, &results, self.wide)
    }
}

/// Reads a run folder; runs written before the protections' properties were recorded get
/// them from this build's catalogue (marked so in the report).
pub fn read_run(dir: &std::path::Path) -> anyhow::Result<crate::results::RunResults> {
    let mut results = crate::results::reader::read(dir)
        .map_err(|e| BadInput(format!("{}: {e}", dir.display())))?;
    crate::run::properties::backfill(&mut results);
    Ok(results)
}

/// Combine run folders (the shards of one multi-machine run) into one result and report.
/// Refuses (exit 2, naming the folder and the field) folders that are not the shards of one
/// run: another scenario text or --set flags (scenario.text_sha256), keys, tool version or
/// build, cases, shard count, a shard given twice, or a shard of 1..N missing.
#[derive(Debug, clap::Args)]
pub struct MergeArgs {
    /// The shards' run folders (`run --shard I/N`), all of 1..N unless --partial.
    #[arg(required = true, num_args = 1..)]
    run_dirs: Vec<PathBuf>,
    /// Merge even when shards of 1..N are missing (or a shard lacks cases): the merged
    /// results.json records which were present and missing (`merge`).
    #[arg(long)]
    partial: bool,
    /// Results root for the merged folder (DIR/<scenario>-merged/<timestamp>/).
    #[arg(long, default_value = "results")]
    out: PathBuf,
}

impl MergeArgs {
    pub fn execute(self) -> anyhow::Result<()> {
        let merged = crate::results::merge::merge_with(&self.run_dirs, self.partial)
            .map_err(|e| BadInput(e.to_string()))?;
        if let Some(m) = &merged.results.merge {
            for w in &m.warnings {
                eprintln!("warning: {w}");
            }
            let fmt = |s: Option<f64>| s.map_or("unknown".to_owned(), |s| format!("{s:.3} s"));
            eprintln!(
                "merged shards {:?} of {}; start skew {}; windows {}",
                m.shards_present,
                m.shard_count,
                fmt(m.start_skew_s),
                m.window_gap_s
                    .map_or("overlap".to_owned(), |g| format!("apart by {g:.3} s"))
            );
        }
        let dir = crate::results::merge::write(&self.out, &merged).map_err(BadInput)?;
        crate::present::render(&dir, &merged.results, false)
    }
}

/// Compare two run folders case by case: B/A ratios with intervals, and BETTER/WORSE
/// verdicts from the repetitions (Welch's t-test on log values against a minimum effect,
/// corrected for the number of rows); writes compare.html, compare.md and a ratio chart.
#[derive(Debug, clap::Args)]
pub struct CompareArgs {
    /// The reference run folder (A).
    run_a: PathBuf,
    /// The run folder compared with it (B).
    run_b: PathBuf,
    /// Output folder (default: RUN_B/compare-<A's folder name>).
    #[arg(long)]
    out: Option<PathBuf>,
    /// Pair cases by these case parameters instead of by id, comma-separated (qos, size,
    /// suite, suite_id, mac, signature, transport, protocol, provider, implementation); needed for runs of
    /// different scenarios.
    #[arg(long = "match", value_delimiter = ',', value_name = "FIELDS")]
    match_fields: Vec<String>,
    /// Smallest change a verdict must show, as a fraction or a percentage: below it two
    /// runs differ anyway (two processes, two heap layouts).
    #[arg(long, default_value = "5%", value_parser = parse_min_effect, value_name = "FRACTION")]
    min_effect: f64,
    /// Correction for the number of rows tested: bh (Benjamini–Hochberg, false discovery
    /// rate) or holm (family-wise error rate, under any dependence; less power).
    #[arg(long, default_value = "bh", value_parser = crate::report::compare::parse_correction)]
    correction: crate::stats::Correction,
    /// Print the comparison as JSON instead of the table (the files are still written).
    #[arg(long)]
    json: bool,
}

fn parse_min_effect(s: &str) -> Result<f64, String> {
    crate::report::compare::parse_min_effect(s).map_err(|e| e.to_string())
}

impl CompareArgs {
    pub fn execute(self) -> anyhow::Result<()> {
        use crate::report::compare;
        let settings = compare::Settings {
            match_fields: self.match_fields,
            rule: compare::Rule {
                min_effect: self.min_effect,
                correction: self.correction,
                ..Default::default()
            },
        };
        let read = |dir: &PathBuf| {
            crate::results::reader::read(dir)
                .map_err(|e| BadInput(format!("{}: {e}", dir.display())))
        };
        let (a, b) = (read(&self.run_a)?, read(&self.run_b)?);
        let comparison =
            compare::compare(&a, &b, &settings).map_err(|e| BadInput(e.to_string()))?;
        let out = self
            .out
            .unwrap_or_else(|| compare::default_out(&self.run_a, &self.run_b, &a));
        let rendered = compare::render(&out, &comparison, &a, &b)?;
        if self.json {
            println!("{}", compare::json(&comparison)?);
        } else {
            print!("{}", compare::terminal(&comparison));
            println!("comparison: {}", rendered.html.display());
        }
        Ok(())
    }
}
