//! mqtt-cipher-bench: what does it cost to secure MQTT?
//!
//! Data flows one way: [`scenario`] → cases → [`run`] (load + measure) → [`results`] → [`report`].

pub mod crypto;
pub mod report;
pub mod results;
pub mod scenario;
pub mod measure;
pub mod broker;
pub mod load;
pub mod run;
pub mod cli;
pub mod present;
