//! The `security` section of results.json: the tamper matrix of each protection, with the
//! names of the tamper kinds and the labels and percentages the tables print them with (the
//! report and the `tamper` command share them; the trials themselves are security/tamper.rs).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// What the run measured about the protections themselves, apart from their cost.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SecurityResults {
    /// Seed of the tamper engine's choices (envelopes themselves use fresh random IVs).
    pub seed: u64,
    /// Trials asked for per kind and protection.
    pub trials_per_kind: u64,
    /// Time budget per protection, in seconds.
    pub budget_s: f64,
    /// One entry per distinct (suite, mac, signature) of the run.
    pub protections: Vec<ProtectionSecurity>,
}

/// The tamper matrix of one protection: real envelopes, damaged one way per trial, opened by
/// the real subscriber path.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ProtectionSecurity {
    pub suite: String,
    pub mac: String,
    pub signature: String,
    /// True when the suite, a MAC or a signature authenticates messages.
    pub authenticated: bool,
    /// Plaintext bytes of the envelopes tampered with.
    pub size: usize,
    /// Per kind: bit-flip, multi-bit-flip, truncate, extend, header-field, header-swap,
    /// topic-swap.
    pub kinds: Vec<TamperCounts>,
    /// Header fields in which a flipped bit was accepted: nothing authenticates them.
    pub unauthenticated_fields: Vec<String>,
    /// True when the time budget stopped the trials before `trials_per_kind`.
    pub truncated_by_budget: bool,
    /// The provider that ran the suite, e.g. `aws-lc` (absent in results written before the
    /// tamper matrix named it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider: Option<String>,
    /// Provider, crate and version of each part, as a case's `params.implementation` (absent
    /// before it was recorded).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub implementation: Option<super::types::Implementation>,
}

/// Trials of one tamper kind against one protection.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TamperCounts {
    pub kind: String,
    pub trials: u64,
    /// Decode, authentication or decryption error.
    pub rejected: u64,
    /// Of `rejected`: the tag, MAC or signature did not verify.
    pub rejected_auth: u64,
    /// Opened to a plaintext different from what was sent: a forgery that got through.
    pub forged: u64,
    /// Opened to exactly the plaintext sent although bytes changed.
    pub accepted_identical: u64,
}

impl TamperCounts {
    /// Percentage of trials rejected (0 when there were none).
    pub fn rejected_pct(&self) -> f64 {
        if self.trials == 0 {
            0.0
        } else {
            self.rejected as f64 * 100.0 / self.trials as f64
        }
    }
}

/// One way of damaging a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum TamperKind {
    /// One random bit anywhere in the envelope (header, IV, body, tag, signature).
    BitFlip,
    /// 2 to 8 random bits anywhere.
    MultiBitFlip,
    /// The envelope cut short by 1 byte up to all of it.
    Truncate,
    /// 1 to 64 random bytes appended.
    Extend,
    /// One random bit of one header field (version, ids, key id, publisher, seq, timestamps,
    /// IV length, body length).
    HeaderField,
    /// The header (IV included) of another real envelope of the same protection.
    HeaderSwap,
    /// The untouched envelope opened as if received on another topic.
    TopicSwap,
}

impl TamperKind {
    pub const ALL: [TamperKind; 7] = [
        Self::BitFlip,
        Self::MultiBitFlip,
        Self::Truncate,
        Self::Extend,
        Self::HeaderField,
        Self::HeaderSwap,
        Self::TopicSwap,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Self::BitFlip => "bit-flip",
            Self::MultiBitFlip => "multi-bit-flip",
            Self::Truncate => "truncate",
            Self::Extend => "extend",
            Self::HeaderField => "header-field",
            Self::HeaderSwap => "header-swap",
            Self::TopicSwap => "topic-swap",
        }
    }

    pub fn from_name(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.name() == s)
    }
}

/// `suite`, `suite+hmac-sha256`, `suite+ed25519`, …
pub fn label(suite: &str, mac: &str, signature: &str) -> String {
    let mut s = suite.to_owned();
    for extra in [mac, signature] {
        if extra != "none" {
            s.push('+');
            s.push_str(extra);
        }
    }
    s
}

/// A percentage with one decimal; 100 only when it is exactly 100, so one accepted forgery in
/// thousands of trials never rounds away.
pub fn pct(p: f64) -> String {
    if p >= 100.0 {
        "100".into()
    } else {
        format!("{:.1}", p.min(99.9))
    }
}
