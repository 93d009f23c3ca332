//! Where the broker is: the embedded rumqttd, or an external endpoint by URL.

pub mod certs;
pub mod config;
pub mod embedded;
pub mod endpoint;
pub mod faults;
pub mod link;
pub mod nagle;
pub mod standalone;

pub use endpoint::{Credentials, Endpoint};
