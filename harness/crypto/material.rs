//! Key material and its derivation (DESIGN.md "Keys"): what the implementations are keyed with.
//!
//! Symmetric keys are derived, never stored: `HKDF-SHA256(ikm = seed, salt = "mqtt-cipher-bench/v1",
//! info = "enc/" ‖ suite ‖ "/" ‖ topic)`, so two machines with the same seed talk without a
//! Security Center. Nothing in here prints or writes key material. The key ring that hands these
//! out per run (and generates the key pairs) is keys.rs, above the catalogue.

use std::sync::Arc;

use hkdf::Hkdf;
use sha2::Sha256;

use super::base::CryptoError;

/// The seed used when a scenario names none.
pub const DEFAULT_SEED: &str = "mqtt-cipher-bench";
/// HKDF salt of envelope v1.
pub const SALT: &[u8] = b"mqtt-cipher-bench/v1";
/// Length of the HMAC-SHA256 key.
pub const MAC_KEY_LEN: usize = 32;

fn hkdf_expand(seed: &[u8], info: &[&[u8]], len: usize) -> Vec<u8> {
    let hk = Hkdf::<Sha256>::new(Some(SALT), seed);
    let mut out = vec![0u8; len];
    // HKDF-SHA256 can expand to 255 * 32 bytes; every key here is at most 32.
    hk.expand_multi_info(info, &mut out)
        .unwrap_or_else(|_| unreachable!("key length {len} is within HKDF's limit"));
    out
}

/// The encryption key of `suite` on `topic`.
pub fn derive_enc_key(seed: &[u8], suite_name: &str, topic: &str, len: usize) -> Vec<u8> {
    hkdf_expand(
        seed,
        &[b"enc/", suite_name.as_bytes(), b"/", topic.as_bytes()],
        len,
    )
}

/// The HMAC-SHA256 key of `topic`.
pub fn derive_mac_key(seed: &[u8], topic: &str) -> Vec<u8> {
    hkdf_expand(seed, &[b"mac/", topic.as_bytes()], MAC_KEY_LEN)
}

/// A topic's key pair for a hybrid suite. Both halves travel together in [`TopicKeys`]; the
/// sealer takes only the public half, the opener the private one.
#[derive(Clone)]
pub enum TopicPair {
    Rsa(Arc<rsa::RsaPrivateKey>),
    P256(Arc<p256::SecretKey>),
}

/// A publisher's signing key pair.
#[derive(Clone)]
pub enum SigningPair {
    EcdsaP256(Arc<p256::ecdsa::SigningKey>),
    Ed25519(Arc<ed25519_dalek::SigningKey>),
    RsaPss(Arc<rsa::RsaPrivateKey>),
}

/// The keys one topic needs for one suite.
pub struct TopicKeys {
    symmetric: Option<Vec<u8>>,
    pair: Option<TopicPair>,
}

impl TopicKeys {
    /// Keys from explicit material (a Security Center, PEM files, tests).
    pub fn new(symmetric: Option<Vec<u8>>, pair: Option<TopicPair>) -> Self {
        Self { symmetric, pair }
    }

    pub fn symmetric(&self) -> Result<&[u8], CryptoError> {
        self.symmetric
            .as_deref()
            .ok_or_else(|| CryptoError::Key("no symmetric key for this topic".into()))
    }

    pub fn pair(&self) -> Result<&TopicPair, CryptoError> {
        self.pair
            .as_ref()
            .ok_or_else(|| CryptoError::Key("no key pair for this topic".into()))
    }
}

impl Drop for TopicKeys {
    fn drop(&mut self) {
        if let Some(k) = self.symmetric.as_mut() {
            k.fill(0);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Expected values computed independently (Python `hmac`/`hashlib`, RFC 5869 by hand):
    /// prk = HMAC-SHA256(salt, ikm); okm = HMAC-SHA256(prk, info ‖ 0x01)[..L].
    #[test]
    fn hkdf_matches_independent_computation() {
        let k = derive_enc_key(b"mqtt-cipher-bench", "aes-128-gcm", "sensors/t1", 16);
        assert_eq!(hex(&k), EXPECTED_ENC);
        let m = derive_mac_key(b"mqtt-cipher-bench", "sensors/t1");
        assert_eq!(hex(&m), EXPECTED_MAC);
    }

    const EXPECTED_ENC: &str = "c3357fc16f7356946cab407fed6bcdf3";
    const EXPECTED_MAC: &str = "07188d7a7d1d88e420abd485fa605ac01df26f211e8fa1ebe9787ad283b39aae";

    fn hex(b: &[u8]) -> String {
        b.iter().map(|x| format!("{x:02x}")).collect()
    }
}
