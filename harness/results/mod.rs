//! `results.json`: the one data contract between a run and its report.
//!
//! [`types`] are the versioned serde types; during a run [`stream`] adds each case to the file
//! once, as it ends (so a crash keeps what was measured), and [`writer`] writes the whole file
//! atomically at the end, into the folder [`run_dir`] makes; [`reader`] loads a run folder
//! back. [`histograms`] are the per-phase HdrHistograms the summaries and `histograms.hlog` are
//! made from. Nothing here imports a module above `results`.

pub mod conditions;
pub mod counts;
pub mod cpu_types;
pub mod faults;
pub mod fleet;
pub mod histograms;
pub mod hlog;
pub mod interval;
pub mod invariants;
pub mod merge;
pub mod merge_check;
pub mod noise;
pub mod phase;
pub mod reader;
pub mod reference;
pub mod repetitions;
pub mod requirements;
pub mod run_dir;
pub mod secrets;
pub mod security;
pub mod speed_ref;
pub mod stream;
pub mod suites;
pub mod types;
pub mod writer;

pub use conditions::*;
pub use counts::{BrokerQos, Counts, Throughput};
pub use cpu_types::*;
pub use faults::FaultOutcome;
pub use fleet::{MergeInfo, RunTiming};
pub use reference::ReferenceValue;
pub use requirements::*;
pub use security::{ProtectionSecurity, SecurityResults, TamperCounts};
pub use speed_ref::*;
pub use suites::{SuiteFamily, SuiteInfo};
pub use types::*;
