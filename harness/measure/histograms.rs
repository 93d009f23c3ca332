//! The per-phase HdrHistograms the measuring code records into. They live in
//! `results::histograms`, below this module, because results.json's phase summaries, `merge`
//! and `histograms.hlog` are made from them; this re-export keeps the recording code's path.

pub use crate::results::histograms::*;
