//! Everything that turns a plaintext into the bytes of a PUBLISH and back.
//!
//! The files form layers, each using only those below it (tests/it/layers.rs checks it):
//! - bottom: [`base`] (the error, the [`Sealer`]/[`Opener`]/`Signer`/`Verifier` traits) and
//!   [`alg`] (the algorithm enums: block cipher, mode, AEAD, hybrid, `Family`, `SigAlg`).
//! - below the implementations: [`provider`] (which library runs an algorithm, and the
//!   default per algorithm), [`material`] (HKDF key derivation of DESIGN.md and the key types),
//!   [`mac`], [`envelope`] (the v1 byte layout every implementation must agree on), `pcbc`.
//! - the implementations: [`block`] (block cipher x mode), [`aead`] (with `ring_aead` and
//!   `awslc_sym`), [`transport`] (the framing both hybrids share), `awslc_pk`, [`hybrid`],
//!   [`smqtt`] (seed 004's point-encoding EC-ElGamal).
//! - [`suite`]: the catalogue on top (wire id, name, key and IV sizes) that maps a row to its
//!   implementation; adding a suite is a row in its table plus a small impl.
//! - [`keys`]: the per-run key ring (derives per suite and topic, generates and caches the key
//!   pairs), then [`signature`] (signers and verifiers from the ring's pairs) and [`protect`]
//!   (one message through suite, MAC and signature).

pub mod aead;
pub mod alg;
pub mod awslc_pk;
mod awslc_sym;
pub mod base;
pub mod block;
pub mod envelope;
pub mod hybrid;
pub mod keys;
pub mod mac;
pub mod material;
mod pcbc;
pub mod protect;
pub mod provider;
mod ring_aead;
pub mod signature;
pub mod smqtt;
pub mod suite;
pub mod transport;

pub use base::{CryptoError, Direction, Opener, Sealer, Streamer};
pub use provider::Provider;
pub use suite::{Suite, SuiteSpec};
