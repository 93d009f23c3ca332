//! Where the broker is: the embedded rumqttd, or an external endpoint by URL.

pub mod embedded;
pub mod endpoint;

pub use endpoint::{Credentials, Endpoint};
