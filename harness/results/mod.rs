//! `results.json`: the one data contract between a run and its report.
//!
//! [`types`] are the versioned serde types; during a run [`stream`] adds each case to the file
//! once, as it ends (so a crash keeps what was measured), and [`writer`] writes the whole file
//! atomically at the end; [`reader`] loads a run folder back.

pub mod conditions;
pub mod cpu_types;
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
pub mod stream;
pub mod types;
pub mod writer;

pub use conditions::*;
pub use cpu_types::*;
pub use requirements::*;
pub use speed_ref::*;
pub use types::*;
