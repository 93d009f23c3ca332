//! What the messages of a study must be protected against and what the device can afford
//! (the scenario's `[requirements]`), and what each protection of the run offers by design.
//! Both are recorded in results.json so the report's Recommendation reads nothing else.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Who may write a message a subscriber accepts.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum Writer {
    /// Anyone: nothing authenticates the message.
    Anyone,
    /// Anyone holding the topic's public key (a hybrid suite without MAC or signature: the
    /// public key is public, so anyone can seal a new message).
    PublicKeyHolder,
    /// Only holders of the topic's symmetric key (AEAD, HMAC).
    KeyHolder,
    /// Only the publisher holding the signing key.
    Publisher,
}

impl Writer {
    pub fn name(self) -> &'static str {
        match self {
            Writer::Anyone => "anyone",
            Writer::PublicKeyHolder => "public-key holder",
            Writer::KeyHolder => "key-holder",
            Writer::Publisher => "publisher",
        }
    }
}

/// The scenario's `[requirements]`, with the defaults filled in.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Requirements {
    /// The payload must be encrypted end to end (TLS alone leaves it readable to the broker).
    pub confidentiality: bool,
    /// A changed or forged message must be rejected.
    pub integrity: bool,
    /// Who may write an accepted message: `key-holder` (anyone with the topic key) or
    /// `publisher` (only the publisher that signs); null: not required.
    pub authenticity: Option<Writer>,
    /// A re-sent copy of a message must be detectable (its sequence number authenticated).
    pub replay: bool,
    /// Security bytes per message at most (envelope overhead, plus TLS record bytes on TLS).
    pub max_overhead_bytes: Option<u64>,
    /// Publisher + subscriber thread CPU per message at most, µs.
    pub max_cpu_us: Option<f64>,
    /// End-to-end latency p99 at most, ns.
    pub max_latency_p99_ns: Option<u64>,
    /// Fields the scenario did not write (their value is the default), e.g. `integrity`.
    pub defaulted: Vec<String>,
}

/// The field names of `[requirements]`, in the order the report lists them.
pub const REQUIREMENT_FIELDS: [&str; 7] = [
    "confidentiality",
    "integrity",
    "authenticity",
    "replay",
    "max_overhead_bytes",
    "max_cpu_us",
    "max_latency_p99",
];

impl Default for Requirements {
    /// A cautious user's: the payload encrypted and tamper-proof, nothing else asked.
    fn default() -> Self {
        Self {
            confidentiality: true,
            integrity: true,
            authenticity: None,
            replay: false,
            max_overhead_bytes: None,
            max_cpu_us: None,
            max_latency_p99_ns: None,
            defaulted: REQUIREMENT_FIELDS.iter().map(|f| (*f).to_owned()).collect(),
        }
    }
}

/// Where a run's [`ProtectionProperties`] came from.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum PropertiesSource {
    /// Recorded by the run that measured the cases.
    #[default]
    Run,
    /// Filled in when the report was rendered, from the suite catalogue of the build that
    /// rendered it (the run predates recorded properties).
    Catalogue,
}

/// What one protection (suite × MAC × signature) offers by design: the claims the tamper
/// matrix and the block-repeat sample then test.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ProtectionProperties {
    pub suite: String,
    pub mac: String,
    pub signature: String,
    /// The suite encrypts the payload (every suite but `none`).
    pub confidentiality: bool,
    /// The suite, a MAC or a signature rejects changed messages.
    pub integrity: bool,
    /// Who can write a message the subscriber accepts.
    pub writer: Writer,
    /// Equal plaintext blocks give equal ciphertext blocks under one key (ECB).
    pub deterministic: bool,
    #[serde(default)]
    pub source: PropertiesSource,
}

impl ProtectionProperties {
    /// `suite`, `suite+hmac-sha256`, `suite+ed25519`, …: the label the tamper matrix uses.
    pub fn label(&self) -> String {
        let mut s = self.suite.clone();
        for extra in [&self.mac, &self.signature] {
            if extra != "none" {
                s.push('+');
                s.push_str(extra);
            }
        }
        s
    }

    pub fn is(&self, suite: &str, mac: &str, signature: &str) -> bool {
        self.suite == suite && self.mac == mac && self.signature == signature
    }
}
