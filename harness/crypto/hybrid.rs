//! Hybrid public-key suites (ids 0xA0..): a fresh AES-128 key per message, wrapped to the
//! topic's public key, then AES-128-GCM over the plaintext with the envelope IV as nonce and
//! topic ‖ header as associated data.
//!
//! - rsa-2048-oaep: body = RSA-OAEP-SHA256(key) (256 B) ‖ GCM ciphertext ‖ tag.
//! - ecies-p256: body = ephemeral P-256 public key, SEC1 uncompressed (65 B) ‖ GCM ciphertext ‖
//!   tag, with key = HKDF-SHA256(ikm = ECDH x-coordinate, salt = empty,
//!   info = "mqtt-cipher-bench/v1/ecies-p256", L = 16).
//!
//! The framing both share (and share with the aws-lc side in awslc_pk.rs) is crypto/transport.rs;
//! this file holds the RustCrypto public-key steps and picks a provider's.
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

use p256::elliptic_curve::Generate;
use p256::elliptic_curve::sec1::ToSec1Point;
use rsa::{Oaep, RsaPrivateKey, RsaPublicKey};
use sha2::Sha256;

use super::alg::HybridAlg;
pub use super::alg::{P256_POINT_LEN, RSA_WRAPPED_LEN};
use super::awslc_pk;
use super::base::{CryptoError, Opener, Sealer};
use super::material::{TopicKeys, TopicPair};
use super::provider::Provider;
pub use super::transport::ECIES_INFO;
use super::transport::{self, DataKey, Decapsulate, Encapsulate, ecies_key, fresh_data_key};

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
        (_, HybridAlg::Rsa2048Oaep, TopicPair::Rsa(k)) => Ok(rustcrypto_sealer(
            RsaOaepWrap {
                public: k.to_public_key(),
            },
            alg,
        )),
        (_, HybridAlg::EciesP256, TopicPair::P256(k)) => Ok(rustcrypto_sealer(
            EciesWrap {
                public: k.public_key(),
            },
            alg,
        )),
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
        (_, HybridAlg::Rsa2048Oaep, TopicPair::Rsa(k)) => Ok(rustcrypto_opener(
            RsaOaepUnwrap {
                private: k.as_ref().clone(),
            },
            alg,
        )),
        (_, HybridAlg::EciesP256, TopicPair::P256(k)) => Ok(rustcrypto_opener(
            EciesUnwrap {
                secret: k.to_nonzero_scalar(),
            },
            alg,
        )),
        _ => Err(mismatch()),
    }
}

fn mismatch() -> CryptoError {
    CryptoError::Key("key pair does not match the suite".into())
}

fn rustcrypto_sealer(kem: impl Encapsulate + 'static, alg: HybridAlg) -> Box<dyn Sealer> {
    transport::sealer(kem, alg, Provider::RustCrypto)
}

fn rustcrypto_opener(kem: impl Decapsulate + 'static, alg: HybridAlg) -> Box<dyn Opener> {
    transport::opener(kem, alg, Provider::RustCrypto)
}

/// rsa-2048-oaep's publisher step: a fresh data key, wrapped to the topic's public key.
struct RsaOaepWrap {
    public: RsaPublicKey,
}

impl Encapsulate for RsaOaepWrap {
    fn encapsulate(&mut self, out: &mut Vec<u8>) -> Result<DataKey, CryptoError> {
        let mut key = fresh_data_key();
        match self
            .public
            .encrypt(&mut rand::rng(), Oaep::<Sha256>::new(), &key)
        {
            Ok(wrapped) => {
                out.extend_from_slice(&wrapped);
                Ok(key)
            }
            Err(e) => {
                key.fill(0);
                Err(CryptoError::Key(format!("RSA-OAEP: {e}")))
            }
        }
    }
}

/// rsa-2048-oaep's subscriber step: unwraps the data key with the topic's private key.
struct RsaOaepUnwrap {
    private: RsaPrivateKey,
}

impl Decapsulate for RsaOaepUnwrap {
    fn decapsulate(&mut self, wrapped: &[u8]) -> Result<DataKey, CryptoError> {
        // One error for every failure, so the opener is no OAEP padding oracle.
        let mut key = self
            .private
            .decrypt(Oaep::<Sha256>::new(), wrapped)
            .map_err(|_| CryptoError::Authentication)?;
        let res = DataKey::try_from(key.as_slice()).map_err(|_| CryptoError::Authentication);
        key.fill(0);
        res
    }
}

/// ecies-p256's publisher step: an ephemeral key pair, its point in the body, the data key
/// from ECDH with the topic's public key.
struct EciesWrap {
    public: p256::PublicKey,
}

impl Encapsulate for EciesWrap {
    fn encapsulate(&mut self, out: &mut Vec<u8>) -> Result<DataKey, CryptoError> {
        let eph = p256::ecdh::EphemeralSecret::generate_from_rng(&mut rand::rng());
        let point = eph.public_key().to_sec1_point(false);
        out.extend_from_slice(point.as_bytes());
        Ok(ecies_key(
            &eph.diffie_hellman(&self.public).raw_secret_bytes()[..],
        ))
    }
}

/// ecies-p256's subscriber step: ECDH of the topic's secret with the ephemeral point.
struct EciesUnwrap {
    secret: p256::NonZeroScalar,
}

impl Decapsulate for EciesUnwrap {
    fn decapsulate(&mut self, point: &[u8]) -> Result<DataKey, CryptoError> {
        // Only the uncompressed form has 65 bytes, but say so rather than lean on the parser.
        if point.first() != Some(&0x04) {
            return Err(CryptoError::Authentication);
        }
        // from_sec1_bytes checks that the point is on the curve (no invalid-curve attack).
        let eph =
            p256::PublicKey::from_sec1_bytes(point).map_err(|_| CryptoError::Authentication)?;
        let shared = p256::ecdh::diffie_hellman(self.secret, eph.as_affine());
        Ok(ecies_key(&shared.raw_secret_bytes()[..]))
    }
}
