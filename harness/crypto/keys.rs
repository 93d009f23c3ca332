//! The per-run key ring: derives each topic's symmetric keys (crypto/material.rs) and generates
//! and caches the key pairs.
//!
//! Key pairs cannot be derived, so the ring generates them on first use and caches them for the
//! run: one per (public-key suite, topic) and one per (signature, publisher). Callers ask for them
//! during setup, so generation (seconds for RSA-3072) never lands in a measured phase; the
//! second ask is a map lookup. The ring sits above the catalogue (it keys by [`Suite`]); the
//! material it hands out is re-exported here for callers outside `crypto/`.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

use p256::elliptic_curve::Generate;

use super::alg::{Family, HybridAlg, SigAlg};
use super::base::CryptoError;
pub use super::material::{
    DEFAULT_SEED, MAC_KEY_LEN, SALT, SigningPair, TopicKeys, TopicPair, derive_enc_key,
    derive_mac_key,
};
use super::suite::Suite;

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
            // The subscriber's P-256 pair, generated as ecies-p256's is (cached per suite).
            Family::SMqtt => Some(self.topic_pair(suite, HybridAlg::EciesP256, topic)?),
            _ => None,
        };
        Ok(TopicKeys::new(symmetric, pair))
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
