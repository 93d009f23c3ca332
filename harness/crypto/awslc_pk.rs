//! The `aws-lc` provider's public-key code: ECDSA P-256, Ed25519 and RSA-PSS signatures, and the
//! key-transport step of both hybrids (RSA-OAEP-SHA256, ECDH P-256), with the hybrids' data
//! half on aws-lc's AES-128-GCM.
//!
//! Key pairs still come from the run's key ring (crypto/keys.rs; RustCrypto types, so
//! both providers of a case hold the same keys); they are converted here, once per publisher
//! or topic, during setup: PKCS#8 DER for RSA, the raw scalar and SEC1 point for P-256, the
//! seed for Ed25519. Public keys are parsed once into aws-lc's `ParsedPublicKey`, as `openssl
//! speed` holds its keys, so a verify or an ECDH pays the operation, not the parse (except the
//! ephemeral point an ECIES opener receives, which is new every message and parsed, with its
//! on-curve check, inside the measured open).
//!
//! Same envelope bytes as the RustCrypto side except where the algorithm is randomized anyway:
//! aws-lc's ECDSA draws its nonce (RFC 6979's deterministic nonce is RustCrypto's), so
//! signatures differ between providers while each verifies the other's (tests/it/providers.rs).

use aws_lc_rs::agreement::{self, ECDH_P256, UnparsedPublicKey};
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::rsa::{
    OAEP_SHA256_MGF1SHA256, OaepPrivateDecryptingKey, OaepPublicEncryptingKey, PrivateDecryptingKey,
};
use aws_lc_rs::signature::{
    self as lc_sig, ECDSA_P256_SHA256_FIXED, ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair,
    Ed25519KeyPair, KeyPair as _, ParsedPublicKey, RSA_PSS_2048_8192_SHA256, RSA_PSS_SHA256,
};
use p256::elliptic_curve::sec1::ToSec1Point;
use rsa::pkcs8::EncodePrivateKey;

use super::alg::{HybridAlg, P256_POINT_LEN, RSA_WRAPPED_LEN};
use super::base::{CryptoError, Opener, Sealer, Signer, Verifier};
use super::material::SigningPair;
use super::provider::Provider;
use super::transport::{self, DataKey, Decapsulate, Encapsulate, ecies_key, fresh_data_key};

fn rejected(what: &str) -> impl FnOnce(aws_lc_rs::error::KeyRejected) -> CryptoError + '_ {
    move |e| CryptoError::Key(format!("aws-lc refused the {what}: {e}"))
}

/// PKCS#8 DER of an RSA key, for aws-lc (the bytes are wiped when the document drops).
fn rsa_pkcs8(k: &rsa::RsaPrivateKey) -> Result<rsa::pkcs8::SecretDocument, CryptoError> {
    k.to_pkcs8_der()
        .map_err(|e| CryptoError::Key(format!("RSA key to PKCS#8: {e}")))
}

/// The SEC1 uncompressed point of a P-256 public key.
fn p256_point(k: &p256::PublicKey) -> Vec<u8> {
    k.to_sec1_point(false).as_bytes().to_vec()
}

// --- signatures --------------------------------------------------------------------------

/// The aws-lc signer of a publisher's key pair.
pub(crate) fn signer(pair: &SigningPair) -> Result<Box<dyn Signer>, CryptoError> {
    Ok(match pair {
        SigningPair::EcdsaP256(k) => {
            let scalar = k.as_nonzero_scalar().to_bytes();
            let point = k.verifying_key().to_sec1_point(false).as_bytes().to_vec();
            Box::new(EcdsaSigner {
                key: EcdsaKeyPair::from_private_key_and_public_key(
                    &ECDSA_P256_SHA256_FIXED_SIGNING,
                    &scalar,
                    &point,
                )
                .map_err(rejected("P-256 key"))?,
                rng: SystemRandom::new(),
            })
        }
        SigningPair::Ed25519(k) => Box::new(Ed25519Signer(
            Ed25519KeyPair::from_seed_unchecked(k.as_bytes()).map_err(rejected("Ed25519 key"))?,
        )),
        SigningPair::RsaPss(k) => {
            let key = lc_sig::RsaKeyPair::from_pkcs8(rsa_pkcs8(k)?.as_bytes())
                .map_err(rejected("RSA key"))?;
            Box::new(PssSigner {
                len: key.public_modulus_len(),
                key,
                rng: SystemRandom::new(),
            })
        }
    })
}

/// The aws-lc verifier of a publisher's public key.
pub(crate) fn verifier(pair: &SigningPair) -> Result<Box<dyn Verifier>, CryptoError> {
    Ok(match pair {
        SigningPair::EcdsaP256(k) => Box::new(AwsLcVerifier::ecdsa_p256(
            k.verifying_key().to_sec1_point(false).as_bytes(),
        )?),
        SigningPair::Ed25519(k) => Box::new(AwsLcVerifier::ed25519(k.verifying_key().as_bytes())?),
        SigningPair::RsaPss(k) => {
            let key = lc_sig::RsaKeyPair::from_pkcs8(rsa_pkcs8(k)?.as_bytes())
                .map_err(rejected("RSA key"))?;
            Box::new(AwsLcVerifier::rsa_pss_sha256(key.public_key().as_ref())?)
        }
    })
}

struct EcdsaSigner {
    key: EcdsaKeyPair,
    rng: SystemRandom,
}

impl Signer for EcdsaSigner {
    fn sign(&mut self, msg: &[u8], out: &mut Vec<u8>) -> Result<(), CryptoError> {
        let sig = self
            .key
            .sign(&self.rng, msg)
            .map_err(|_| CryptoError::Key("aws-lc ECDSA signing failed".into()))?;
        out.extend_from_slice(sig.as_ref());
        Ok(())
    }
}

struct Ed25519Signer(Ed25519KeyPair);

impl Signer for Ed25519Signer {
    fn sign(&mut self, msg: &[u8], out: &mut Vec<u8>) -> Result<(), CryptoError> {
        out.extend_from_slice(self.0.sign(msg).as_ref());
        Ok(())
    }
}

struct PssSigner {
    key: lc_sig::RsaKeyPair,
    len: usize,
    rng: SystemRandom,
}

impl Signer for PssSigner {
    fn sign(&mut self, msg: &[u8], out: &mut Vec<u8>) -> Result<(), CryptoError> {
        let start = out.len();
        out.resize(start + self.len, 0);
        // RSA_PSS_SHA256: MGF1-SHA-256 and a salt as long as the digest, 32 bytes
        // (signature::PSS_SALT_LEN).
        if self
            .key
            .sign(&RSA_PSS_SHA256, &self.rng, msg, &mut out[start..])
            .is_err()
        {
            out.truncate(start);
            return Err(CryptoError::Key("aws-lc RSA-PSS signing failed".into()));
        }
        Ok(())
    }
}

/// A public key parsed once, verifying every message of one publisher. Public so the published
/// vectors (Wycheproof) can run through it from their encoded keys.
pub struct AwsLcVerifier(ParsedPublicKey);

impl AwsLcVerifier {
    /// From a SEC1 uncompressed P-256 point; SHA-256, 64-byte r ‖ s.
    pub fn ecdsa_p256(point: &[u8]) -> Result<Self, CryptoError> {
        ParsedPublicKey::new(&ECDSA_P256_SHA256_FIXED, point)
            .map(Self)
            .map_err(rejected("P-256 public key"))
    }

    /// From a 32-byte Ed25519 public key.
    pub fn ed25519(public: &[u8]) -> Result<Self, CryptoError> {
        ParsedPublicKey::new(&lc_sig::ED25519, public)
            .map(Self)
            .map_err(rejected("Ed25519 public key"))
    }

    /// From an RSA public key (PKCS#1 RSAPublicKey or SubjectPublicKeyInfo DER); PSS with
    /// SHA-256, MGF1-SHA-256 and a 32-byte salt.
    pub fn rsa_pss_sha256(der: &[u8]) -> Result<Self, CryptoError> {
        ParsedPublicKey::new(&RSA_PSS_2048_8192_SHA256, der)
            .map(Self)
            .map_err(rejected("RSA public key"))
    }
}

impl Verifier for AwsLcVerifier {
    fn verify(&mut self, msg: &[u8], sig: &[u8]) -> Result<(), CryptoError> {
        self.0
            .verify_sig(msg, sig)
            .map_err(|_| CryptoError::Authentication)
    }
}

// --- hybrids ------------------------------------------------------------------------------
// The framing (prefix ‖ AES-128-GCM on aws-lc) is crypto/transport.rs; only the public-key
// steps are here.

/// The RSA-OAEP sealer of a topic's key pair (its public half only is kept).
pub(crate) fn rsa_oaep_sealer(k: &rsa::RsaPrivateKey) -> Result<Box<dyn Sealer>, CryptoError> {
    let private =
        PrivateDecryptingKey::from_pkcs8(rsa_pkcs8(k)?.as_bytes()).map_err(rejected("RSA key"))?;
    let public = OaepPublicEncryptingKey::new(private.public_key())
        .map_err(|_| CryptoError::Key("aws-lc refused the RSA public key for OAEP".into()))?;
    Ok(transport::sealer(
        RsaOaepWrap { public },
        HybridAlg::Rsa2048Oaep,
        Provider::AwsLc,
    ))
}

/// The RSA-OAEP opener of a topic's key pair.
pub(crate) fn rsa_oaep_opener(k: &rsa::RsaPrivateKey) -> Result<Box<dyn Opener>, CryptoError> {
    let private =
        PrivateDecryptingKey::from_pkcs8(rsa_pkcs8(k)?.as_bytes()).map_err(rejected("RSA key"))?;
    let private = OaepPrivateDecryptingKey::new(private)
        .map_err(|_| CryptoError::Key("aws-lc refused the RSA key for OAEP".into()))?;
    Ok(transport::opener(
        RsaOaepUnwrap { private },
        HybridAlg::Rsa2048Oaep,
        Provider::AwsLc,
    ))
}

/// The ECIES sealer of a topic's key pair (its public point only is kept, parsed once).
pub(crate) fn ecies_sealer(k: &p256::SecretKey) -> Result<Box<dyn Sealer>, CryptoError> {
    let point = p256_point(&k.public_key());
    let public = agreement::ParsedPublicKey::try_from(UnparsedPublicKey::new(&ECDH_P256, point))
        .map_err(rejected("P-256 public key"))?;
    Ok(transport::sealer(
        EciesWrap { public },
        HybridAlg::EciesP256,
        Provider::AwsLc,
    ))
}

/// The ECIES opener of a topic's key pair.
pub(crate) fn ecies_opener(k: &p256::SecretKey) -> Result<Box<dyn Opener>, CryptoError> {
    let secret = agreement::PrivateKey::from_private_key(&ECDH_P256, &k.to_bytes())
        .map_err(rejected("P-256 private key"))?;
    Ok(transport::opener(
        EciesUnwrap { secret },
        HybridAlg::EciesP256,
        Provider::AwsLc,
    ))
}

struct RsaOaepWrap {
    public: OaepPublicEncryptingKey,
}

impl Encapsulate for RsaOaepWrap {
    fn encapsulate(&mut self, out: &mut Vec<u8>) -> Result<DataKey, CryptoError> {
        let mut key = fresh_data_key();
        let start = out.len();
        out.resize(start + RSA_WRAPPED_LEN, 0);
        let wrapped = self
            .public
            .encrypt(&OAEP_SHA256_MGF1SHA256, &key, &mut out[start..], None)
            .map(|w| w.len());
        match wrapped {
            Ok(RSA_WRAPPED_LEN) => Ok(key),
            _ => {
                key.fill(0);
                out.truncate(start);
                Err(CryptoError::Key("aws-lc RSA-OAEP encryption failed".into()))
            }
        }
    }
}

struct RsaOaepUnwrap {
    private: OaepPrivateDecryptingKey,
}

impl Decapsulate for RsaOaepUnwrap {
    fn decapsulate(&mut self, wrapped: &[u8]) -> Result<DataKey, CryptoError> {
        let mut buf = [0u8; RSA_WRAPPED_LEN];
        // One error for every failure, so the opener is no OAEP padding oracle.
        let res = match self
            .private
            .decrypt(&OAEP_SHA256_MGF1SHA256, wrapped, &mut buf, None)
        {
            Ok(key) => DataKey::try_from(&*key).map_err(|_| CryptoError::Authentication),
            Err(_) => Err(CryptoError::Authentication),
        };
        buf.fill(0);
        res
    }
}

struct EciesWrap {
    public: agreement::ParsedPublicKey,
}

impl Encapsulate for EciesWrap {
    fn encapsulate(&mut self, out: &mut Vec<u8>) -> Result<DataKey, CryptoError> {
        let failed = || CryptoError::Key("aws-lc P-256 ECDH failed".into());
        let eph = agreement::PrivateKey::generate(&ECDH_P256).map_err(|_| failed())?;
        let point = eph.compute_public_key().map_err(|_| failed())?;
        if point.as_ref().len() != P256_POINT_LEN {
            return Err(failed());
        }
        let key = agreement::agree(&eph, self.public.clone(), failed(), |shared| {
            Ok(ecies_key(shared))
        })?;
        out.extend_from_slice(point.as_ref());
        Ok(key)
    }
}

struct EciesUnwrap {
    secret: agreement::PrivateKey,
}

impl Decapsulate for EciesUnwrap {
    fn decapsulate(&mut self, point: &[u8]) -> Result<DataKey, CryptoError> {
        if point.first() != Some(&0x04) {
            return Err(CryptoError::Authentication);
        }
        // Parsing checks the point is on the curve (no invalid-curve attack).
        agreement::agree(
            &self.secret,
            UnparsedPublicKey::new(&ECDH_P256, point),
            CryptoError::Authentication,
            |shared| Ok(ecies_key(shared)),
        )
    }
}
