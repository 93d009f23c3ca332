//! mqtt-cipher-bench: what does it cost to secure MQTT?
//!
//! Data flows one way: [`scenario`] → cases → [`run`] (load + measure) → [`results`] → [`report`].

pub mod crypto;
pub mod speed;
