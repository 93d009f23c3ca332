//! Hybrid public-key suites (ids 0xA0..): a fresh AES-128 key per message, wrapped to the
//! topic's public key, then AES-128-GCM over the plaintext with the envelope IV as nonce and
//! topic ‖ header as associated data.
//!
//! - rsa-2048-oaep: body = RSA-OAEP-SHA256(key) (256 B) ‖ GCM ciphertext ‖ tag.
//! - ecies-p256: body = ephemeral P-256 public key, SEC1 uncompressed (65 B) ‖ GCM ciphertext ‖
//!   tag, with key = HKDF-SHA256(ikm = ECDH x-coordinate, salt = empty,
//!   info = "mqtt-cipher-bench/v1/ecies-p256", L = 16).
//!
//! Publishers hold only the public half, so anyone can encrypt to a topic: these suites give
//! confidentiality to the subscriber, not publisher authenticity (that is what signatures add).
//!
//! Per-message costs the symmetric suites do not pay, all inherent in the construction and so
//! part of what `encrypt`/`decrypt` measure for these suites: a fresh 16-byte data key from the
//! thread RNG (the IV still comes from the caller, like every suite's); the public-key step
//! (RSA-OAEP encryption/decryption, or an ephemeral P-256 key, its SEC1 encoding, one ECDH and
//! HKDF); the AES-128-GCM key schedule for that key (a symmetric suite keys it once per topic);
//! and the `rsa` crate's `Vec` for the wrapped or unwrapped key (its API returns one; a few
//! hundred bytes next to a modular exponentiation).

use hkdf::Hkdf;
use p256::elliptic_curve::Generate;
use p256::elliptic_curve::sec1::ToSec1Point;
use rand::Rng;
use rsa::{Oaep, RsaPrivateKey, RsaPublicKey};
use sha2::Sha256;

use super::aead::{TAG_LEN, aes128_gcm, aes128_gcm_opener};
use super::awslc_pk;
use super::keys::{TopicKeys, TopicPair};
use super::provider::Provider;
use super::suite::HybridAlg;
use super::{CryptoError, Opener, Sealer};

/// Bytes of the RSA-2048-OAEP wrapped key.
pub const RSA_WRAPPED_LEN: usize = 256;
/// Bytes of an uncompressed SEC1 P-256 point.
pub const P256_POINT_LEN: usize = 65;
/// HKDF info of ecies-p256 (DESIGN.md).
pub const ECIES_INFO: &[u8] = b"mqtt-cipher-bench/v1/ecies-p256";
/// Bytes of the per-message AES-128 data key.
pub(crate) const DATA_KEY_LEN: usize = 16;

/// Bytes the suite puts before the GCM ciphertext.
pub fn prefix_len(alg: HybridAlg) -> usize {
    match alg {
        HybridAlg::Rsa2048Oaep => RSA_WRAPPED_LEN,
        HybridAlg::EciesP256 => P256_POINT_LEN,
    }
}

/// Keys the publisher's half of `alg` on `provider` (RustCrypto or aws-lc, see
/// crypto/provider.rs; the data half runs on the same provider's AES-128-GCM).
pub fn sealer(
    provider: Provider,
    alg: HybridAlg,
    keys: &TopicKeys,
) -> Result<Box<dyn Sealer>, CryptoError> {
    match (provider, alg, keys.pair()?) {
        (Provider::AwsLc, HybridAlg::Rsa2048Oaep, TopicPair::Rsa(k)) => {
            awslc_pk::rsa_oaep_sealer(k)
        }
        (Provider::AwsLc, HybridAlg::EciesP256, TopicPair::P256(k)) => awslc_pk::ecies_sealer(k),
        (Provider::AwsLc, ..) => Err(mismatch()),
        (_, HybridAlg::Rsa2048Oaep, TopicPair::Rsa(k)) => Ok(Box::new(RsaOaepSealer {
            public: k.to_public_key(),
        })),
        (_, HybridAlg::EciesP256, TopicPair::P256(k)) => Ok(Box::new(EciesSealer {
            public: k.public_key(),
        })),
        _ => Err(mismatch()),
    }
}

/// Keys the subscriber's half of `alg` on `provider`.
pub fn opener(
    provider: Provider,
    alg: HybridAlg,
    keys: &TopicKeys,
) -> Result<Box<dyn Opener>, CryptoError> {
    match (provider, alg, keys.pair()?) {
        (Provider::AwsLc, HybridAlg::Rsa2048Oaep, TopicPair::Rsa(k)) => {
            awslc_pk::rsa_oaep_opener(k)
        }
        (Provider::AwsLc, HybridAlg::EciesP256, TopicPair::P256(k)) => awslc_pk::ecies_opener(k),
        (Provider::AwsLc, ..) => Err(mismatch()),
        (_, HybridAlg::Rsa2048Oaep, TopicPair::Rsa(k)) => Ok(Box::new(RsaOaepOpener {
            private: k.as_ref().clone(),
        })),
        (_, HybridAlg::EciesP256, TopicPair::P256(k)) => Ok(Box::new(EciesOpener {
            secret: k.to_nonzero_scalar(),
        })),
        _ => Err(mismatch()),
    }
}

fn mismatch() -> CryptoError {
    CryptoError::Key("key pair does not match the suite".into())
}

fn seal_data(
    key: &[u8],
    iv: &[u8],
    aad: &[u8],
    pt: &[u8],
    out: &mut Vec<u8>,
) -> Result<(), CryptoError> {
    aes128_gcm(Provider::RustCrypto, key)?.seal(iv, aad, pt, out)
}

fn open_data(
    key: &[u8],
    iv: &[u8],
    aad: &[u8],
    body: &[u8],
    out: &mut Vec<u8>,
) -> Result<(), CryptoError> {
    aes128_gcm_opener(Provider::RustCrypto, key)?.open(iv, aad, body, out)
}

/// Splits a hybrid body into the key-transport prefix and the GCM part, refusing bodies too
/// short to hold both.
pub(crate) fn split(body: &[u8], prefix: usize) -> Result<(&[u8], &[u8]), CryptoError> {
    if body.len() < prefix + TAG_LEN {
        return Err(CryptoError::Authentication);
    }
    Ok(body.split_at(prefix))
}

struct RsaOaepSealer {
    public: RsaPublicKey,
}

impl Sealer for RsaOaepSealer {
    fn iv_len(&self) -> usize {
        12
    }
    fn body_len(&self, n: usize) -> usize {
        RSA_WRAPPED_LEN + n + TAG_LEN
    }
    fn seal(
        &mut self,
        iv: &[u8],
        aad: &[u8],
        pt: &[u8],
        out: &mut Vec<u8>,
    ) -> Result<(), CryptoError> {
        let mut rng = rand::rng();
        let mut key = [0u8; DATA_KEY_LEN];
        rng.fill_bytes(&mut key);
        let wrapped = self
            .public
            .encrypt(&mut rng, Oaep::<Sha256>::new(), &key)
            .map_err(|e| CryptoError::Key(format!("RSA-OAEP: {e}")))?;
        out.extend_from_slice(&wrapped);
        let res = seal_data(&key, iv, aad, pt, out);
        key.fill(0);
        res
    }
}

struct RsaOaepOpener {
    private: RsaPrivateKey,
}

impl Opener for RsaOaepOpener {
    fn open(
        &mut self,
        iv: &[u8],
        aad: &[u8],
        body: &[u8],
        out: &mut Vec<u8>,
    ) -> Result<(), CryptoError> {
        let (wrapped, data) = split(body, RSA_WRAPPED_LEN)?;
        // One error for every failure, so the opener is no OAEP padding oracle.
        let mut key = self
            .private
            .decrypt(Oaep::<Sha256>::new(), wrapped)
            .map_err(|_| CryptoError::Authentication)?;
        let res = if key.len() == DATA_KEY_LEN {
            open_data(&key, iv, aad, data, out)
        } else {
            Err(CryptoError::Authentication)
        };
        key.fill(0);
        res
    }
}

/// HKDF-SHA256 of the shared x-coordinate into the 16-byte data key (both providers).
pub(crate) fn ecies_key(shared_x: &[u8]) -> [u8; DATA_KEY_LEN] {
    let hk = Hkdf::<Sha256>::new(Some(&[]), shared_x);
    let mut key = [0u8; DATA_KEY_LEN];
    hk.expand(ECIES_INFO, &mut key)
        .unwrap_or_else(|_| unreachable!("16 bytes is within HKDF-SHA256's limit"));
    key
}

struct EciesSealer {
    public: p256::PublicKey,
}

impl Sealer for EciesSealer {
    fn iv_len(&self) -> usize {
        12
    }
    fn body_len(&self, n: usize) -> usize {
        P256_POINT_LEN + n + TAG_LEN
    }
    fn seal(
        &mut self,
        iv: &[u8],
        aad: &[u8],
        pt: &[u8],
        out: &mut Vec<u8>,
    ) -> Result<(), CryptoError> {
        let eph = p256::ecdh::EphemeralSecret::generate_from_rng(&mut rand::rng());
        let point = eph.public_key().to_sec1_point(false);
        out.extend_from_slice(point.as_bytes());
        let mut key = ecies_key(&eph.diffie_hellman(&self.public).raw_secret_bytes()[..]);
        let res = seal_data(&key, iv, aad, pt, out);
        key.fill(0);
        res
    }
}

struct EciesOpener {
    secret: p256::NonZeroScalar,
}

impl Opener for EciesOpener {
    fn open(
        &mut self,
        iv: &[u8],
        aad: &[u8],
        body: &[u8],
        out: &mut Vec<u8>,
    ) -> Result<(), CryptoError> {
        let (point, data) = split(body, P256_POINT_LEN)?;
        // Only the uncompressed form has 65 bytes, but say so rather than lean on the parser.
        if point[0] != 0x04 {
            return Err(CryptoError::Authentication);
        }
        // from_sec1_bytes checks that the point is on the curve (no invalid-curve attack).
        let eph =
            p256::PublicKey::from_sec1_bytes(point).map_err(|_| CryptoError::Authentication)?;
        let shared = p256::ecdh::diffie_hellman(self.secret, eph.as_affine());
        let mut key = ecies_key(&shared.raw_secret_bytes()[..]);
        let res = open_data(&key, iv, aad, data, out);
        key.fill(0);
        res
    }
}
