//! mqtt-cipher-bench: what does it cost to secure MQTT?
//!
//! Data flows one way: [`scenario`] → cases → [`run`] (load + measure) → [`results`] → [`report`].

pub mod broker;
pub mod center;
pub mod cli;
pub mod crypto;
pub mod load;
pub mod measure;
pub mod present;
pub mod probe;
pub mod report;
pub mod results;
pub mod run;
pub mod scenario;
pub mod security;
pub mod speed;
pub mod stats;
pub mod textpos;
