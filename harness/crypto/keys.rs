//! Key derivation (DESIGN.md "Keys") and the per-run key ring.
//!
//! Symmetric keys are derived, never stored: `HKDF-SHA256(ikm = seed, salt = "mqtt-cipher-bench/v1",
//! info = "enc/" ‖ suite ‖ "/" ‖ topic)`, so two machines with the same seed talk without a
//! Security Center. Nothing in here prints or writes key material.
//!
//! Key pairs cannot be derived that way, so the ring generates them on first use and caches
//! them for the run: one per (hybrid suite, topic) and one per (signature, publisher). Callers
//! ask for them during setup, so generation (seconds for RSA-3072) never lands in a measured
//! phase; the second ask is a map lookup.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

use hkdf::Hkdf;
use p256::elliptic_curve::Generate;
use sha2::Sha256;

use super::CryptoError;
use super::signature::SigAlg;
use super::suite::{Family, HybridAlg, Suite};

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

/// Where a run's keys come from. Shared by every publisher and subscriber of the run.
pub struct KeyRing {
    seed: Vec<u8>,
    topic_pairs: Mutex<HashMap<(Suite, String), TopicPair>>,
    signing_pairs: Mutex<HashMap<(SigAlg, u32), SigningPair>>,
}

/// A poisoned lock only means another thread panicked mid-insert of a whole value; the map is
/// still consistent, so keep using it.
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl KeyRing {
    pub fn from_seed(seed: &[u8]) -> Self {
        Self {
            seed: seed.to_vec(),
            topic_pairs: Mutex::default(),
            signing_pairs: Mutex::default(),
        }
    }

    /// Keys for `suite` on `topic`: the symmetric key is derived, a hybrid suite's key pair is
    /// generated on first use and cached.
    pub fn topic_keys(&self, suite: Suite, topic: &str) -> Result<TopicKeys, CryptoError> {
        let len = suite.spec().key_len;
        let symmetric = (len > 0).then(|| derive_enc_key(&self.seed, suite.name(), topic, len));
        let pair = match suite.family() {
            Family::Hybrid(alg) => Some(self.topic_pair(suite, alg, topic)?),
            _ => None,
        };
        Ok(TopicKeys { symmetric, pair })
    }

    fn topic_pair(
        &self,
        suite: Suite,
        alg: HybridAlg,
        topic: &str,
    ) -> Result<TopicPair, CryptoError> {
        let key = (suite, topic.to_owned());
        if let Some(p) = lock(&self.topic_pairs).get(&key) {
            return Ok(p.clone());
        }
        // Generate outside the lock: RSA keygen takes long enough to stall other topics' setup.
        let mut rng = rand::rng();
        let pair = match alg {
            HybridAlg::Rsa2048Oaep => TopicPair::Rsa(Arc::new(
                rsa::RsaPrivateKey::new(&mut rng, 2048)
                    .map_err(|e| CryptoError::Key(format!("RSA-2048 key generation: {e}")))?,
            )),
            HybridAlg::EciesP256 => {
                TopicPair::P256(Arc::new(p256::SecretKey::generate_from_rng(&mut rng)))
            }
        };
        // If another thread won the race, everyone uses its pair.
        Ok(lock(&self.topic_pairs).entry(key).or_insert(pair).clone())
    }

    /// The signing key pair of `publisher` for `alg`, generated on first use and cached.
    pub fn signing_pair(&self, alg: SigAlg, publisher: u32) -> Result<SigningPair, CryptoError> {
        if let Some(p) = lock(&self.signing_pairs).get(&(alg, publisher)) {
            return Ok(p.clone());
        }
        let mut rng = rand::rng();
        let rsa = |bits: usize, rng: &mut rand::rngs::ThreadRng| {
            rsa::RsaPrivateKey::new(rng, bits)
                .map(|k| SigningPair::RsaPss(Arc::new(k)))
                .map_err(|e| CryptoError::Key(format!("RSA-{bits} key generation: {e}")))
        };
        let pair = match alg {
            SigAlg::None => return Err(CryptoError::Key("signature none has no key pair".into())),
            SigAlg::EcdsaP256 => SigningPair::EcdsaP256(Arc::new(
                p256::ecdsa::SigningKey::generate_from_rng(&mut rng),
            )),
            SigAlg::Ed25519 => {
                SigningPair::Ed25519(Arc::new(ed25519_dalek::SigningKey::generate(&mut rng)))
            }
            SigAlg::Rsa2048Pss => rsa(2048, &mut rng)?,
            SigAlg::Rsa3072Pss => rsa(3072, &mut rng)?,
        };
        Ok(lock(&self.signing_pairs)
            .entry((alg, publisher))
            .or_insert(pair)
            .clone())
    }

    pub fn mac_key(&self, topic: &str) -> Vec<u8> {
        derive_mac_key(&self.seed, topic)
    }
}

impl Drop for KeyRing {
    fn drop(&mut self) {
        self.seed.fill(0);
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
