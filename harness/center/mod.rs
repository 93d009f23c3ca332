//! The Security Center (seed 002): a key service that speaks over MQTT.
//!
//! Before a client publishes or subscribes, it asks the Security Center (SC) for the topic's
//! key. The SC authenticates the request (a signature by the client's registered key over a
//! fresh, timestamped request with a nonce), authorizes it (an ACL in the spirit of
//! Mosquitto's `acl_file`), generates or looks up the topic's key (of the suite the SC assigns
//! to the client's device class), wraps it to the client's key-agreement key (ECIES: P-256
//! ECDH + HKDF-SHA256 + AES-128-GCM) and signs the answer. The client verifies the answer,
//! unwraps the key and caches it until its TTL; the key id goes into the envelope's key id
//! field, so subscribers pick the key by id and old keys keep decrypting for a grace period
//! after a rotation.
//!
//! MQTT v3.1.1 convention, kept when the run speaks MQTT 5 (the clients follow the endpoint's
//! protocol) so any client can talk to any SC; no v5 response topic or correlation data: a
//! client `C` publishes requests on `<prefix>/req/C` and subscribes to `<prefix>/resp/C`; the
//! SC subscribes to `<prefix>/req/+` and answers on `<prefix>/resp/C`. Correlation is the
//! request id inside the signed body. Both directions use QoS 0 with a
//! client timeout: a lost request or answer is a timeout, and QoS 1 would add a delayed-ACK
//! round trip (~40 ms) on brokers without TCP_NODELAY.
//!
//! Files, one job each: [`protocol`] (wire format), [`acl`], [`registry`] (client id →
//! public keys), [`store`] (topic keys, ids, rotation, grace), [`wrap`] (ECIES), [`authority`]
//! (authn → authz → keygen + wrap, timed), [`service`] (the MQTT loop, within [`limits`]:
//! per-client rate, concurrency, request size), [`client`] (the
//! requesting side with its cache), [`config`] and [`command`] (the `center` and `keygen`
//! commands).

pub mod acl;
pub mod authority;
pub mod client;
pub mod command;
pub mod config;
pub mod fuzz;
pub mod limits;
pub mod protocol;
pub mod registry;
pub mod service;
pub mod store;
pub mod wrap;

pub use authority::Authority;
pub use client::CenterClient;
pub use config::CenterConfig;

/// The default topic prefix of the SC's request and response topics.
pub const DEFAULT_PREFIX: &str = "mcb/sc";

/// What a client wants to do with a topic's key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Access {
    /// Publish (ACL `write`): the key encrypts.
    Publish,
    /// Subscribe (ACL `read`): the key decrypts.
    Subscribe,
}

impl Access {
    pub fn code(self) -> u8 {
        match self {
            Access::Publish => 1,
            Access::Subscribe => 2,
        }
    }

    pub fn from_code(c: u8) -> Option<Access> {
        match c {
            1 => Some(Access::Publish),
            2 => Some(Access::Subscribe),
            _ => None,
        }
    }

    pub fn verb(self) -> &'static str {
        match self {
            Access::Publish => "publish",
            Access::Subscribe => "subscribe",
        }
    }
}

/// The topic a client sends its requests to.
pub fn request_topic(prefix: &str, client_id: &str) -> String {
    format!("{prefix}/req/{client_id}")
}

/// The topic a client receives its answers on.
pub fn response_topic(prefix: &str, client_id: &str) -> String {
    format!("{prefix}/resp/{client_id}")
}

/// Client ids that can be part of a topic name: no wildcard or separator characters, no NUL,
/// at most 128 bytes.
pub fn valid_client_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 128
        && !id
            .chars()
            .any(|c| matches!(c, '/' | '+' | '#' | '\0') || c.is_whitespace())
}

/// Unix time in milliseconds.
pub fn unix_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

/// Everything that can go wrong at the SC or its clients.
#[derive(Debug, thiserror::Error)]
pub enum CenterError {
    /// A request or response that does not parse.
    #[error("malformed {what}: {why}")]
    Malformed { what: &'static str, why: String },
    /// The SC answered with a denial (signed, so it really was the SC).
    #[error("denied by the Security Center ({code}): {reason}")]
    Denied {
        code: protocol::Denial,
        reason: String,
    },
    /// The answer's signature did not verify with the center's key.
    #[error("the answer is not signed by the Security Center's key")]
    BadCenterSignature,
    /// The answer does not match the request (another request id, client, topic, ...).
    #[error("the answer does not match the request: {0}")]
    Mismatch(String),
    /// The wrapped key did not decrypt (AEAD failure: tampered, or wrapped to another key).
    #[error("cannot unwrap the key: authentication failed (tampered or not for this client)")]
    Unwrap,
    #[error("no answer from the Security Center within {0:?}")]
    Timeout(std::time::Duration),
    #[error("MQTT: {0}")]
    Mqtt(String),
    /// A file (registry, ACL, key, config) that cannot be read or is wrong.
    #[error("{0}")]
    Input(String),
    #[error("key error: {0}")]
    Key(String),
}
