//! The `speed` reference of a run (`run --speed auto|none|FILE`): the in-process figures of the
//! run's own suites and sizes that the report ranks the in-run figures against.
//!
//! `auto` measures them after the cases (and after the tamper matrix), so the measurement never
//! competes with a case for the CPU; a file is read and checked before any case runs, so a
//! wrong file costs nothing.

use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::crypto::Suite;
use crate::results::{Environment, SpeedCell, SpeedFigure, SpeedReference};
use crate::scenario::Scenario;
use crate::speed::{self, Providers, Rate, SpeedOptions, SpeedReport};

/// Where a run's speed reference comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SpeedSource {
    /// Measure the scenario's suites and sizes after the cases.
    Auto,
    /// No reference (the report leaves the rankings out).
    Off,
    /// A `speed --json` file of this tool.
    File(PathBuf),
}

impl std::str::FromStr for SpeedSource {
    type Err = std::convert::Infallible;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(match s {
            "auto" => SpeedSource::Auto,
            "none" => SpeedSource::Off,
            path => SpeedSource::File(PathBuf::from(path)),
        })
    }
}

/// Samples per cell and the budget of each cell when the run measures: enough for a median
/// with an interval, short enough to add seconds, not minutes (seed-002: 45 cells, each
/// measured hot and cold).
const SAMPLES: u32 = 10;
const CELL_TIME: Duration = Duration::from_millis(60);

/// The suites and sizes of the scenario's cases, in first-seen order.
fn suites_and_sizes(scenario: &Scenario) -> (Vec<Suite>, Vec<usize>) {
    let mut suites: Vec<Suite> = Vec::new();
    let mut sizes: Vec<usize> = Vec::new();
    for c in &scenario.cases {
        if !suites.contains(&c.suite) {
            suites.push(c.suite);
        }
        if !sizes.contains(&c.size) {
            sizes.push(c.size);
        }
    }
    sizes.sort_unstable();
    (suites, sizes)
}

/// Reads a `speed --json` file before the run. Err is a message for exit 2.
pub fn read(path: &Path, here: &Environment) -> Result<SpeedReference, String> {
    let report = speed::read_json(path).map_err(|e| format!("--speed: {e}"))?;
    let mut r = convert(&report, format!("file {}", path.display()));
    r.warning = report.machine_mismatch(here);
    Ok(r)
}

/// Measures the scenario's suites and sizes now: on each suite's default provider, or on every
/// provider of each suite when the scenario has a provider axis (each case is then ranked
/// against the provider it ran on).
pub fn measure(scenario: &Scenario) -> SpeedReference {
    let (suites, sizes) = suites_and_sizes(scenario);
    let axis = scenario.cases.iter().any(|c| c.provider.is_some());
    let opts = SpeedOptions {
        providers: if axis {
            Providers::All
        } else {
            Providers::Default
        },
        suites,
        sizes,
        min_time: CELL_TIME,
        samples: SAMPLES,
        macs: Vec::new(),
        signatures: Vec::new(),
        ecdh: false,
        key_setup: false,
        progress: false,
        cold: true,
        ..SpeedOptions::default()
    };
    convert(&speed::run(&opts), "measured after the cases".to_owned())
}

fn figure(r: &Rate) -> SpeedFigure {
    SpeedFigure {
        median_ns: r.median_ns,
        low_ns: r.low_ns,
        high_ns: r.high_ns,
        confidence: r.confidence,
    }
}

fn convert(report: &SpeedReport, source: String) -> SpeedReference {
    let cells = report
        .suites
        .iter()
        // Every provider's row, named: a case is ranked against the provider it ran on (a row
        // of an older report without a provider is the suite's default).
        .filter(|s| s.error.is_none())
        .flat_map(|s| {
            let provider = s.provider.unwrap_or_else(|| s.suite.default_provider());
            s.sizes.iter().map(move |c| SpeedCell {
                suite: s.suite.name().to_owned(),
                provider: Some(provider.name().to_owned()),
                size: c.size,
                encrypt: figure(&c.encrypt),
                decrypt: figure(&c.decrypt),
                encrypt_cold: c.encrypt_cold.as_ref().map(figure),
                decrypt_cold: c.decrypt_cold.as_ref().map(figure),
            })
        })
        .collect();
    SpeedReference {
        source,
        cpu_model: report.environment.cpu_model.clone(),
        warning: None,
        samples: report.samples,
        time_per_cell_ms: report.min_time_ms,
        cells,
        cold_evict_bytes: report.cold.as_ref().map(|c| c.evict_bytes),
    }
}
