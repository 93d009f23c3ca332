//! The suite catalogue, on top of the implementations: wire ids, names and sizes from DESIGN.md's
//! table, and the map from a row to the [`Sealer`]/[`Opener`] of its provider.
//!
//! A suite is a row in [`catalogue`] plus the constructor arm in [`Suite::sealer_with`] /
//! [`Suite::opener_with`]. The wire id is the envelope's `suite` byte: `0xCM` for block cipher C
//! in mode M, `0x8x` for AEADs, `0xAx` for hybrid public-key suites, `0xBx` for suites that
//! encode the message onto curve points (`0xB0` s-mqtt, seed 004's scheme). The algorithm enums live in
//! `alg.rs` (re-exported here), so the implementations below never name this file.

use std::fmt;
use std::sync::LazyLock;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

pub use super::alg::{AeadAlg, BlockCipher, Family, HybridAlg, Mode};
use super::base::{CryptoError, Direction, Opener, Sealer, Streamer, TAG_LEN};
use super::material::TopicKeys;
use super::provider::{self, Provider, Unsupported};
use super::{aead, awslc_sym, block, hybrid, smqtt};

/// A suite's largest message and the reason for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SizeLimit {
    pub bytes: usize,
    pub why: &'static str,
}

/// One row of the catalogue.
#[derive(Debug, Clone)]
pub struct SuiteSpec {
    pub id: u8,
    pub name: String,
    pub family: Family,
    /// Symmetric key bytes derived per topic (0 for `none` and the hybrids, whose keys are pairs).
    pub key_len: usize,
    /// IV / nonce bytes carried in the envelope.
    pub iv_len: usize,
}

impl SuiteSpec {
    fn new(id: u8, name: impl Into<String>, family: Family, key_len: usize, iv_len: usize) -> Self {
        Self {
            id,
            name: name.into(),
            family,
            key_len,
            iv_len,
        }
    }
}

fn build_catalogue() -> Vec<SuiteSpec> {
    let mut rows = vec![SuiteSpec::new(0x00, "none", Family::None, 0, 0)];
    for cipher in BlockCipher::ALL {
        for mode in Mode::ALL {
            let iv_len = if mode == Mode::Ecb {
                0
            } else {
                cipher.block_len()
            };
            rows.push(SuiteSpec::new(
                (cipher.code() << 4) | mode.code(),
                format!("{}-{}", cipher.name(), mode.name()),
                Family::Block(cipher, mode),
                cipher.key_len(),
                iv_len,
            ));
        }
    }
    let aead_row = |id, alg: AeadAlg, key_len| {
        SuiteSpec::new(id, alg.name(), Family::Aead(alg), key_len, alg.nonce_len())
    };
    let hybrid_row =
        |id, alg: HybridAlg| SuiteSpec::new(id, alg.name(), Family::Hybrid(alg), 0, 12);
    rows.extend([
        aead_row(0x80, AeadAlg::Aes128Gcm, 16),
        aead_row(0x81, AeadAlg::Aes256Gcm, 32),
        aead_row(0x82, AeadAlg::Aes128Ccm, 16),
        aead_row(0x83, AeadAlg::ChaCha20Poly1305, 32),
        aead_row(0x84, AeadAlg::AsconAead128, 16),
        hybrid_row(0xA0, HybridAlg::Rsa2048Oaep),
        hybrid_row(0xA1, HybridAlg::EciesP256),
        // Its randomness is the per-point k; no envelope IV.
        SuiteSpec::new(0xB0, "s-mqtt", Family::SMqtt, 0, 0),
    ]);
    rows
}

static CATALOGUE: LazyLock<Vec<SuiteSpec>> = LazyLock::new(build_catalogue);

/// Every suite, in wire-id order.
pub fn catalogue() -> &'static [SuiteSpec] {
    &CATALOGUE
}

/// A handle on one catalogue row; cheap to copy, compares by wire id.
#[derive(Clone, Copy)]
pub struct Suite(&'static SuiteSpec);

impl Suite {
    pub fn all() -> impl Iterator<Item = Suite> {
        catalogue().iter().map(Suite)
    }

    pub fn from_id(id: u8) -> Option<Suite> {
        catalogue().iter().find(|s| s.id == id).map(Suite)
    }

    pub fn from_name(name: &str) -> Option<Suite> {
        catalogue()
            .iter()
            .find(|s| s.name.eq_ignore_ascii_case(name))
            .map(Suite)
    }

    /// The block-cipher suite for a cipher x mode pair.
    pub fn block(cipher: BlockCipher, mode: Mode) -> Suite {
        Suite::from_id((cipher.code() << 4) | mode.code())
            .unwrap_or_else(|| unreachable!("every cipher x mode is in the catalogue"))
    }

    /// The name closest to `name`, for "did you mean" hints.
    pub fn closest_name(name: &str) -> Option<&'static str> {
        catalogue()
            .iter()
            .map(|s| {
                (
                    strsim::levenshtein(&s.name, &name.to_ascii_lowercase()),
                    s.name.as_str(),
                )
            })
            .filter(|(d, _)| *d <= 3)
            .min_by_key(|(d, _)| *d)
            .map(|(_, n)| n)
    }

    pub fn spec(self) -> &'static SuiteSpec {
        self.0
    }
    pub fn id(self) -> u8 {
        self.0.id
    }
    pub fn name(self) -> &'static str {
        &self.0.name
    }
    pub fn family(self) -> Family {
        self.0.family
    }
    pub fn iv_len(self) -> usize {
        self.0.iv_len
    }

    /// True when the suite itself rejects forged bodies (AEADs and the AEAD-based hybrids).
    /// Not s-mqtt: its unkeyed Hash(M) catches a changed point, not a message re-encrypted
    /// with the public key.
    pub fn authenticated(self) -> bool {
        matches!(self.0.family, Family::Aead(_) | Family::Hybrid(_))
    }

    /// True when the suite has an encode step before encryption and a decode step after
    /// decryption ([`Sealer::encode`], [`Opener::decrypt_encoded`]): s-mqtt.
    pub fn encodes(self) -> bool {
        self.0.family == Family::SMqtt
    }

    /// Why this suite cannot be combined with `mac` or `signature`, if it cannot. s-mqtt's
    /// publisher holds only the subscriber's public key (seed 004 §3.3, setup phase): it has
    /// no shared key to MAC with and no key pair to sign with; its integrity check is its own
    /// Hash(M), and the scheme's signature is the subscriber's, over Hash(M'), in the
    /// validation exchange, not a per-message axis.
    pub fn incompatibility(self, mac: &str, signature: &str) -> Option<String> {
        if self.0.family != Family::SMqtt {
            return None;
        }
        let what = match (mac, signature) {
            ("none", "none") => return None,
            (m, "none") => format!("mac \"{m}\""),
            (_, sig) => format!("signature \"{sig}\""),
        };
        Some(format!(
            "s-mqtt cannot be combined with {what}: its publisher holds only the subscriber's \
             public key (seed 004's setup phase), so it has no key to MAC or sign with; its \
             integrity check is its own Hash(M) (use mac \"none\" and signature \"none\")"
        ))
    }

    /// What a reader must know about this suite's confidentiality, in a few words.
    pub fn confidentiality_note(self) -> &'static str {
        match self.0.family {
            Family::None => "none: plaintext on the wire",
            Family::Block(_, Mode::Ecb) => "ECB leaks repeated blocks (patterns)",
            Family::Block(BlockCipher::Des, _) => "56-bit key: brute-forceable",
            Family::Block(BlockCipher::TripleDes | BlockCipher::Blowfish, _) => {
                "64-bit block: Sweet32 limits data per key"
            }
            Family::Block(_, Mode::Cbc | Mode::Pcbc) => "padding oracle risk without a MAC",
            Family::Block(_, _) => "malleable stream: bit flips pass through",
            Family::Aead(_) => "IND-CCA2 (nonce must not repeat)",
            Family::Hybrid(_) => "public-key wrapped AEAD key per message",
            Family::SMqtt => "EC-ElGamal per byte; Hash(M) in clear gives short messages away",
        }
    }

    /// Keys the publisher's half of this suite for one topic, on its default provider.
    pub fn sealer(self, keys: &TopicKeys) -> Result<Box<dyn Sealer>, CryptoError> {
        self.sealer_with(self.default_provider(), keys)
    }

    /// Keys the subscriber's half of this suite for one topic, on its default provider.
    pub fn opener(self, keys: &TopicKeys) -> Result<Box<dyn Opener>, CryptoError> {
        self.opener_with(self.default_provider(), keys)
    }

    /// Keys the publisher's half on `provider`; an error naming the providers that have this
    /// suite when `provider` does not.
    pub fn sealer_with(
        self,
        provider: Provider,
        keys: &TopicKeys,
    ) -> Result<Box<dyn Sealer>, CryptoError> {
        self.check_provider(provider)?;
        match (self.0.family, provider) {
            (Family::None, _) => Ok(Box::new(Plain)),
            (Family::Block(cipher, mode), Provider::AwsLc) => {
                awslc_sym::block_sealer(cipher, mode, keys.symmetric()?)
            }
            (Family::Block(cipher, mode), _) => block::sealer(cipher, mode, keys.symmetric()?),
            (Family::Aead(alg), _) => aead::sealer(provider, alg, keys.symmetric()?),
            (Family::Hybrid(alg), _) => hybrid::sealer(provider, alg, keys),
            (Family::SMqtt, _) => smqtt::sealer(keys),
        }
    }

    /// Keys the subscriber's half on `provider` (see [`sealer_with`](Self::sealer_with)).
    pub fn opener_with(
        self,
        provider: Provider,
        keys: &TopicKeys,
    ) -> Result<Box<dyn Opener>, CryptoError> {
        self.check_provider(provider)?;
        match (self.0.family, provider) {
            (Family::None, _) => Ok(Box::new(Plain)),
            (Family::Block(cipher, mode), Provider::AwsLc) => {
                awslc_sym::block_opener(cipher, mode, keys.symmetric()?)
            }
            (Family::Block(cipher, mode), _) => block::opener(cipher, mode, keys.symmetric()?),
            (Family::Aead(alg), _) => aead::opener(provider, alg, keys.symmetric()?),
            (Family::Hybrid(alg), _) => hybrid::opener(provider, alg, keys),
            (Family::SMqtt, _) => smqtt::opener(keys),
        }
    }

    /// True for the block cipher x mode suites, the ones with a [`Streamer`]
    /// ([`streamer_with`](Self::streamer_with)): `speed --stream` measures only them.
    pub fn streams(self) -> bool {
        matches!(self.0.family, Family::Block(_, _))
    }

    /// The cipher's block, bytes, for the suites that [`streams`](Self::streams).
    pub fn block_len(self) -> Option<usize> {
        match self.0.family {
            Family::Block(cipher, _) => Some(cipher.block_len()),
            _ => None,
        }
    }

    /// One mode context on `provider` for a long message from `iv` (`speed --stream`; see
    /// [`Streamer`]); an error for the suites that are not block modes, and for a provider
    /// without the suite.
    pub fn streamer_with(
        self,
        provider: Provider,
        keys: &TopicKeys,
        iv: &[u8],
        direction: Direction,
    ) -> Result<Box<dyn Streamer>, CryptoError> {
        self.check_provider(provider)?;
        match (self.0.family, provider) {
            (Family::Block(cipher, mode), Provider::AwsLc) => {
                awslc_sym::block_streamer(cipher, mode, keys.symmetric()?, iv, direction)
            }
            (Family::Block(cipher, mode), _) => {
                block::streamer(cipher, mode, keys.symmetric()?, iv, direction)
            }
            _ => Err(CryptoError::Key(format!(
                "suite {} is not a block mode: it has no stream",
                self.name()
            ))),
        }
    }

    /// The largest plaintext the suite can seal, where that is below the harness's own
    /// limit (`MAX_SIZE` of the scenario schema). Only CCM has one: its 13-byte nonce
    /// leaves 15 − 13 = 2 bytes for the message length. The GCM, ChaCha20-Poly1305 and Ascon
    /// limits are gigabytes; the hybrids' public-key step wraps only the 16-byte data key
    /// (RSA-OAEP-2048 could take 190 B), the payload goes through AES-128-GCM.
    pub fn max_plaintext(self) -> Option<SizeLimit> {
        match self.0.family {
            Family::Aead(AeadAlg::Aes128Ccm) => Some(SizeLimit {
                bytes: 65_535,
                why: "CCM with a 13-byte nonce has a 2-byte length field",
            }),
            _ => None,
        }
    }

    fn check_provider(self, provider: Provider) -> Result<(), CryptoError> {
        self.provider(Some(provider))
            .map(drop)
            .map_err(|e| CryptoError::Key(e.to_string()))
    }

    /// Whether `provider` implements this suite here.
    pub fn has_provider(self, provider: Provider) -> bool {
        provider.has_family(self.0.family)
    }

    /// The providers that implement this suite, for error messages and `--provider all`.
    pub fn providers(self) -> Vec<Provider> {
        provider::providers_of_family(self.0.family)
    }

    /// The provider that runs this suite when a case names none (crypto/provider.rs says
    /// where the table comes from).
    pub fn default_provider(self) -> Provider {
        provider::default_for_family(self.0.family)
    }

    /// The provider that runs this suite under `choice` (None: the default), or why none does.
    pub fn provider(self, choice: Option<Provider>) -> Result<Provider, Unsupported> {
        provider::for_family(self.0.family, self.name(), choice)
    }

    /// Exact body length for a plaintext of `n` bytes (it goes into the header before sealing).
    pub fn body_len(self, n: usize) -> usize {
        match self.0.family {
            Family::None => n,
            Family::Block(cipher, mode) if mode.padded() => {
                let b = cipher.block_len();
                (n / b + 1) * b
            }
            Family::Block(_, _) => n,
            Family::Aead(_) => n + TAG_LEN,
            Family::Hybrid(alg) => alg.prefix_len() + n + TAG_LEN,
            Family::SMqtt => smqtt::body_len(n),
        }
    }
}

impl PartialEq for Suite {
    fn eq(&self, other: &Self) -> bool {
        self.0.id == other.0.id
    }
}
impl Eq for Suite {}
impl std::hash::Hash for Suite {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.0.id.hash(state)
    }
}
impl PartialOrd for Suite {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Suite {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.0.id.cmp(&other.0.id)
    }
}

impl fmt::Debug for Suite {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Suite({:#04x} {})", self.0.id, self.0.name)
    }
}
impl fmt::Display for Suite {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0.name)
    }
}

impl std::str::FromStr for Suite {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Suite::from_name(s).ok_or_else(|| {
            let hint = Suite::closest_name(s)
                .map(|n| format!("; did you mean \"{n}\"?"))
                .unwrap_or_default();
            format!(
                "unknown suite \"{s}\" (expected a name from DESIGN.md's suite table, e.g. none, aes-128-cbc, aes-128-gcm, chacha20-poly1305{hint})"
            )
        })
    }
}

impl Serialize for Suite {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
}

impl<'de> Deserialize<'de> for Suite {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let name = String::deserialize(d)?;
        name.parse().map_err(serde::de::Error::custom)
    }
}

/// Suite 0x00: the body is the plaintext (the baseline every other suite is compared with).
struct Plain;

impl Sealer for Plain {
    fn iv_len(&self) -> usize {
        0
    }
    fn body_len(&self, n: usize) -> usize {
        n
    }
    fn seal(
        &mut self,
        _: &[u8],
        _: &[u8],
        pt: &[u8],
        out: &mut Vec<u8>,
    ) -> Result<(), CryptoError> {
        out.extend_from_slice(pt);
        Ok(())
    }
}

impl Opener for Plain {
    fn open(
        &mut self,
        _: &[u8],
        _: &[u8],
        body: &[u8],
        out: &mut Vec<u8>,
    ) -> Result<(), CryptoError> {
        out.extend_from_slice(body);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_and_names_are_unique_and_match_design() {
        let all: Vec<_> = Suite::all().collect();
        assert_eq!(all.len(), 1 + 36 + 5 + 2 + 1);
        let mut ids: Vec<u8> = all.iter().map(|s| s.id()).collect();
        ids.dedup();
        assert_eq!(ids.len(), all.len(), "ids sorted and unique");
        assert_eq!(Suite::from_name("aes-128-cbc").map(|s| s.id()), Some(0x42));
        assert_eq!(Suite::from_name("des-ecb").map(|s| s.id()), Some(0x11));
        assert_eq!(Suite::from_name("3des-pcbc").map(|s| s.id()), Some(0x23));
        assert_eq!(Suite::from_name("blowfish-ofb").map(|s| s.id()), Some(0x35));
        assert_eq!(Suite::from_name("aes-256-ctr").map(|s| s.id()), Some(0x66));
        assert_eq!(
            Suite::from_name("ascon-aead128").map(|s| s.id()),
            Some(0x84)
        );
        assert_eq!(Suite::from_name("ecies-p256").map(|s| s.id()), Some(0xA1));
        assert_eq!(Suite::from_name("s-mqtt").map(|s| s.id()), Some(0xB0));
    }

    #[test]
    fn unknown_name_suggests_the_closest() {
        let err = "aes-128-cbx".parse::<Suite>().unwrap_err();
        assert!(err.contains("did you mean \"aes-128-cbc\""), "{err}");
    }

    #[test]
    fn defaults_are_providers_of_the_suite() {
        for suite in Suite::all() {
            assert!(suite.has_provider(suite.default_provider()), "{suite}");
        }
    }

    #[test]
    fn a_missing_suite_names_the_providers_that_have_it() {
        let des = Suite::from_name("des-ofb").unwrap();
        let e = des.provider(Some(Provider::AwsLc)).unwrap_err();
        assert_eq!(
            e.to_string(),
            "provider aws-lc has no suite des-ofb (providers with it: rustcrypto)"
        );
        let gcm = Suite::from_name("aes-128-gcm").unwrap();
        assert_eq!(gcm.provider(Some(Provider::Ring)), Ok(Provider::Ring));
    }
}
