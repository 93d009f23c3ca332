//! `results.json`: the one data contract between a run and its report.
//!
//! [`types`] are the versioned serde types, [`writer`] writes them atomically after every case
//! (so a crash keeps what was measured), [`reader`] loads a run folder back.

pub mod conditions;
pub mod cpu_types;
pub mod faults;
pub mod hlog;
pub mod interval;
pub mod invariants;
pub mod merge;
pub mod noise;
pub mod reader;
pub mod repetitions;
pub mod requirements;
pub mod secrets;
pub mod speed_ref;
pub mod types;
pub mod writer;

pub use conditions::*;
pub use cpu_types::*;
pub use faults::FaultOutcome;
pub use requirements::*;
pub use speed_ref::*;
pub use types::*;
