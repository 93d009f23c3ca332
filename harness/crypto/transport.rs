//! The shape both hybrid suites share, on every provider: the body is a key-transport prefix
//! (RSA-OAEP wrapped key or ephemeral P-256 point, [`HybridAlg::prefix_len`] bytes) ‖
//! AES-128-GCM ciphertext ‖ tag, the data key fresh for every message.
//!
//! [`HybridSealer`] and [`HybridOpener`] do that framing once: what differs between RSA-OAEP and
//! ECIES, and between RustCrypto (hybrid.rs) and aws-lc (awslc_pk.rs), is only how the prefix
//! carries the data key, behind [`Encapsulate`] / [`Decapsulate`]. The data half runs on the
//! same provider's AES-128-GCM.

use hkdf::Hkdf;
use rand::Rng;
use sha2::Sha256;

use super::aead::{aes128_gcm, aes128_gcm_opener};
use super::alg::HybridAlg;
use super::base::{CryptoError, Opener, Sealer, TAG_LEN};
use super::provider::Provider;

/// HKDF info of ecies-p256 (DESIGN.md).
pub const ECIES_INFO: &[u8] = b"mqtt-cipher-bench/v1/ecies-p256";
/// Bytes of the per-message AES-128 data key.
pub(crate) const DATA_KEY_LEN: usize = 16;

/// A per-message AES-128 data key; whoever holds one wipes it when done.
pub(crate) type DataKey = [u8; DATA_KEY_LEN];

/// The publisher's public-key step: appends the prefix that carries a data key to `out` and
/// returns that key.
pub(crate) trait Encapsulate: Send {
    fn encapsulate(&mut self, out: &mut Vec<u8>) -> Result<DataKey, CryptoError>;
}

/// The subscriber's public-key step: the data key `prefix` carries. Every failure is
/// [`CryptoError::Authentication`], so an opener is no padding oracle.
pub(crate) trait Decapsulate: Send {
    fn decapsulate(&mut self, prefix: &[u8]) -> Result<DataKey, CryptoError>;
}

/// A fresh random data key from the thread RNG (RSA-OAEP wraps one; ECIES derives its own).
pub(crate) fn fresh_data_key() -> DataKey {
    let mut key = [0u8; DATA_KEY_LEN];
    rand::rng().fill_bytes(&mut key);
    key
}

/// HKDF-SHA256 of the shared x-coordinate into the 16-byte data key (both providers).
pub(crate) fn ecies_key(shared_x: &[u8]) -> DataKey {
    let hk = Hkdf::<Sha256>::new(Some(&[]), shared_x);
    let mut key = [0u8; DATA_KEY_LEN];
    hk.expand(ECIES_INFO, &mut key)
        .unwrap_or_else(|_| unreachable!("16 bytes is within HKDF-SHA256's limit"));
    key
}

/// Splits a hybrid body into the key-transport prefix and the GCM part, refusing bodies too
/// short to hold both.
pub(crate) fn split(body: &[u8], prefix: usize) -> Result<(&[u8], &[u8]), CryptoError> {
    if body.len() < prefix + TAG_LEN {
        return Err(CryptoError::Authentication);
    }
    Ok(body.split_at(prefix))
}

/// The publisher's half of hybrid `alg`, with `kem` for the public-key step.
pub(crate) fn sealer(
    kem: impl Encapsulate + 'static,
    alg: HybridAlg,
    provider: Provider,
) -> Box<dyn Sealer> {
    Box::new(HybridSealer { kem, alg, provider })
}

/// The subscriber's half of hybrid `alg`, with `kem` for the public-key step.
pub(crate) fn opener(
    kem: impl Decapsulate + 'static,
    alg: HybridAlg,
    provider: Provider,
) -> Box<dyn Opener> {
    Box::new(HybridOpener { kem, alg, provider })
}

struct HybridSealer<K> {
    kem: K,
    alg: HybridAlg,
    provider: Provider,
}

impl<K: Encapsulate> Sealer for HybridSealer<K> {
    fn iv_len(&self) -> usize {
        12
    }
    fn body_len(&self, n: usize) -> usize {
        self.alg.prefix_len() + n + TAG_LEN
    }
    fn seal(
        &mut self,
        iv: &[u8],
        aad: &[u8],
        pt: &[u8],
        out: &mut Vec<u8>,
    ) -> Result<(), CryptoError> {
        let start = out.len();
        let res = self.kem.encapsulate(out).and_then(|mut key| {
            let res = aes128_gcm(self.provider, &key).and_then(|mut g| g.seal(iv, aad, pt, out));
            key.fill(0);
            res
        });
        if res.is_err() {
            out.truncate(start);
        }
        res
    }
}

struct HybridOpener<K> {
    kem: K,
    alg: HybridAlg,
    provider: Provider,
}

impl<K: Decapsulate> Opener for HybridOpener<K> {
    fn open(
        &mut self,
        iv: &[u8],
        aad: &[u8],
        body: &[u8],
        out: &mut Vec<u8>,
    ) -> Result<(), CryptoError> {
        let (prefix, data) = split(body, self.alg.prefix_len())?;
        let mut key = self.kem.decapsulate(prefix)?;
        let res = aes128_gcm_opener(self.provider, &key)
            .and_then(|mut g| g.open(iv, aad, data, out))
            .map_err(|_| CryptoError::Authentication);
        key.fill(0);
        res
    }
}
