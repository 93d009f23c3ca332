//! Key derivation (DESIGN.md "Keys") and the per-run key ring.
//!
//! Symmetric keys are derived, never stored: `HKDF-SHA256(ikm = seed, salt = "mqtt-cipher-bench/v1",
//! info = "enc/" ‖ suite ‖ "/" ‖ topic)`, so two machines with the same seed talk without a
//! Security Center. Nothing in here prints or writes key material.

use hkdf::Hkdf;
use sha2::Sha256;

use super::CryptoError;
use super::suite::Suite;

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

/// The keys one topic needs for one suite.
pub struct TopicKeys {
    symmetric: Option<Vec<u8>>,
}

impl TopicKeys {
    pub fn symmetric(&self) -> Result<&[u8], CryptoError> {
        self.symmetric
            .as_deref()
            .ok_or_else(|| CryptoError::Key("no symmetric key for this topic".into()))
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
}

impl KeyRing {
    pub fn from_seed(seed: &[u8]) -> Self {
        Self {
            seed: seed.to_vec(),
        }
    }

    /// Keys for `suite` on `topic` (derived; key pairs are generated on first use).
    pub fn topic_keys(&self, suite: Suite, topic: &str) -> Result<TopicKeys, CryptoError> {
        let len = suite.spec().key_len;
        let symmetric = (len > 0).then(|| derive_enc_key(&self.seed, suite.name(), topic, len));
        Ok(TopicKeys { symmetric })
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
