//! Driving the broker: client set-up, the pacer that says when each message is due, the
//! payload generator, and the publisher and subscriber tasks of one case.

pub mod client;
pub mod errors;
pub mod limits;
pub mod mqtt;
pub mod pacer;
pub mod payload;
pub mod plan;
pub mod publisher;
pub mod ramp;
pub mod smqtt_validation;
pub mod subscriber;
pub mod threads;
pub mod tls;
mod window;

pub use plan::CasePlan;
