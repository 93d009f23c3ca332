//! Turning events into numbers: the shared clock, phase histograms, message accounting, CPU
//! usage and the facts about the machine.

pub mod accounting;
pub mod clock;
pub mod cpu;
pub mod env;
pub mod histograms;
pub mod live;
pub mod local_broker;
pub mod outage;
