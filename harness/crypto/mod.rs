//! Everything that turns a plaintext into the bytes of a PUBLISH and back.
//!
//! The seams, in the order a message meets them:
//! - [`suite`]: the catalogue (wire id, name, key and IV sizes) and the constructors of
//!   [`Sealer`]/[`Opener`] pairs; adding a suite is a row in its table plus a small impl.
//! - [`block`] (block cipher x mode, with PCBC in `pcbc`), [`aead`] and [`hybrid`]: the suites.
//! - [`keys`]: the HKDF key derivation of DESIGN.md and the per-run key ring, which also
//!   generates and caches the key pairs (per topic for hybrids, per publisher for signatures).
//! - [`mac`] and [`signature`]: encrypt-then-MAC and signatures over topic ‖ header ‖ body ‖ tag.
//! - [`envelope`]: the v1 byte layout every implementation must agree on.
//! - [`provider`]: which library runs a suite or signature (`rustcrypto`, `ring`, `aws-lc`)
//!   and the default per suite; `ring_aead`, `awslc_sym` and `awslc_pk` are the non-RustCrypto
//!   implementations behind the same traits.

pub mod aead;
pub mod awslc_pk;
mod awslc_sym;
pub mod block;
pub mod envelope;
pub mod hybrid;
pub mod keys;
pub mod mac;
mod pcbc;
pub mod protect;
pub mod provider;
mod ring_aead;
pub mod signature;
pub mod suite;

pub use provider::Provider;
pub use suite::{Suite, SuiteSpec};

/// Why opening a message failed. Each variant is counted, never a crash.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CryptoError {
    /// The tag, MAC or signature did not verify: the message was forged or damaged.
    #[error("authentication failed")]
    Authentication,
    /// The ciphertext decrypted but its padding (or length) was invalid.
    #[error("decryption failed: {0}")]
    Decrypt(&'static str),
    /// Key material was missing or of the wrong shape.
    #[error("key error: {0}")]
    Key(String),
}

/// The publisher's half of a suite, keyed once per topic and reused for every message.
pub trait Sealer: Send {
    /// Bytes of IV / nonce this suite puts in the envelope (0 for none and ECB).
    fn iv_len(&self) -> usize;
    /// Body length for a plaintext of `plaintext_len` bytes; must be exact, because the
    /// body length is part of the header and so of the associated data.
    fn body_len(&self, plaintext_len: usize) -> usize;
    /// Appends the body for `plaintext` to `out`. `iv` holds `iv_len()` fresh random bytes;
    /// `aad` is topic ‖ header (used by AEAD and hybrid suites, ignored by the others).
    fn seal(
        &mut self,
        iv: &[u8],
        aad: &[u8],
        plaintext: &[u8],
        out: &mut Vec<u8>,
    ) -> Result<(), CryptoError>;
}

/// The subscriber's half of a suite.
pub trait Opener: Send {
    /// Appends the plaintext of `body` to `out`.
    fn open(
        &mut self,
        iv: &[u8],
        aad: &[u8],
        body: &[u8],
        out: &mut Vec<u8>,
    ) -> Result<(), CryptoError>;
}
