//! Signatures over topic ‖ header ‖ body ‖ MAC tag (envelope `sig` byte), one key pair per
//! publisher.
//!
//! - ecdsa-p256: SHA-256, 64-byte r ‖ s (IEEE P1363); deterministic nonces (RFC 6979) on
//!   `rustcrypto`, random ones on `aws-lc` (crypto/awslc_pk.rs).
//! - ed25519: RFC 8032 pure Ed25519; verification is strict (rejects small-order keys and
//!   non-canonical encodings), matching what Wycheproof expects.
//! - rsa-2048-pss / rsa-3072-pss: SHA-256, MGF1-SHA-256, 32-byte salt.

use p256::ecdsa::signature::{RandomizedSigner, SignatureEncoding, Signer as _, Verifier as _};
use sha2::Sha256;

pub use super::alg::SigAlg;
use super::awslc_pk;
use super::base::CryptoError;
pub use super::base::{Signer, Verifier};
use super::keys::KeyRing;
use super::material::SigningPair;
use super::provider::{self, Provider};

/// PSS salt length of both RSA signature algorithms.
pub const PSS_SALT_LEN: usize = 32;

impl SigAlg {
    /// The publisher's signing half, with the publisher's own key pair (generated on first
    /// use), on the default provider of this algorithm.
    pub fn signer(self, keys: &KeyRing, publisher: u32) -> Result<Box<dyn Signer>, CryptoError> {
        self.signer_with(provider::default_for_signature(self), keys, publisher)
    }

    /// The subscriber's verifying half, with the publisher's public key, on the default
    /// provider.
    pub fn verifier(
        self,
        keys: &KeyRing,
        publisher: u32,
    ) -> Result<Box<dyn Verifier>, CryptoError> {
        self.verifier_with(provider::default_for_signature(self), keys, publisher)
    }

    /// [`signer`](Self::signer) on `provider`; an error naming the providers that have this
    /// algorithm when `provider` does not.
    pub fn signer_with(
        self,
        provider: Provider,
        keys: &KeyRing,
        publisher: u32,
    ) -> Result<Box<dyn Signer>, CryptoError> {
        if self == Self::None {
            return Ok(Box::new(NoSignature));
        }
        let pair = keys.signing_pair(self, publisher)?;
        match check(self, provider)? {
            Provider::AwsLc => awslc_pk::signer(&pair),
            _ => Ok(match pair {
                SigningPair::EcdsaP256(k) => Box::new(EcdsaSigner(k.as_ref().clone())),
                SigningPair::Ed25519(k) => Box::new(Ed25519Signer(k.as_ref().clone())),
                SigningPair::RsaPss(k) => Box::new(PssSigner(
                    rsa::pss::SigningKey::new_with_salt_len(k.as_ref().clone(), PSS_SALT_LEN),
                )),
            }),
        }
    }

    /// [`verifier`](Self::verifier) on `provider`.
    pub fn verifier_with(
        self,
        provider: Provider,
        keys: &KeyRing,
        publisher: u32,
    ) -> Result<Box<dyn Verifier>, CryptoError> {
        if self == Self::None {
            return Ok(Box::new(NoSignature));
        }
        let pair = keys.signing_pair(self, publisher)?;
        match check(self, provider)? {
            Provider::AwsLc => awslc_pk::verifier(&pair),
            _ => Ok(match pair {
                SigningPair::EcdsaP256(k) => Box::new(EcdsaVerifier(*k.verifying_key())),
                SigningPair::Ed25519(k) => Box::new(Ed25519Verifier(k.verifying_key())),
                SigningPair::RsaPss(k) => Box::new(PssVerifier(
                    rsa::pss::VerifyingKey::new_with_salt_len(k.to_public_key(), PSS_SALT_LEN),
                )),
            }),
        }
    }
}

fn check(alg: SigAlg, provider: Provider) -> Result<Provider, CryptoError> {
    provider::for_signature(alg, Some(provider)).map_err(|e| CryptoError::Key(e.to_string()))
}

/// `sig = none`: nothing to append, anything verifies (the envelope carries no signature).
struct NoSignature;

impl Signer for NoSignature {
    fn sign(&mut self, _: &[u8], _: &mut Vec<u8>) -> Result<(), CryptoError> {
        Ok(())
    }
}

impl Verifier for NoSignature {
    fn verify(&mut self, _: &[u8], sig: &[u8]) -> Result<(), CryptoError> {
        if sig.is_empty() {
            Ok(())
        } else {
            Err(CryptoError::Authentication)
        }
    }
}

pub struct EcdsaSigner(pub p256::ecdsa::SigningKey);
pub struct EcdsaVerifier(pub p256::ecdsa::VerifyingKey);

impl Signer for EcdsaSigner {
    fn sign(&mut self, msg: &[u8], out: &mut Vec<u8>) -> Result<(), CryptoError> {
        let sig: p256::ecdsa::Signature = self
            .0
            .try_sign(msg)
            .map_err(|e| CryptoError::Key(format!("ECDSA: {e}")))?;
        out.extend_from_slice(&sig.to_bytes());
        Ok(())
    }
}

impl Verifier for EcdsaVerifier {
    fn verify(&mut self, msg: &[u8], sig: &[u8]) -> Result<(), CryptoError> {
        let sig =
            p256::ecdsa::Signature::from_slice(sig).map_err(|_| CryptoError::Authentication)?;
        self.0
            .verify(msg, &sig)
            .map_err(|_| CryptoError::Authentication)
    }
}

pub struct Ed25519Signer(pub ed25519_dalek::SigningKey);
pub struct Ed25519Verifier(pub ed25519_dalek::VerifyingKey);

impl Signer for Ed25519Signer {
    fn sign(&mut self, msg: &[u8], out: &mut Vec<u8>) -> Result<(), CryptoError> {
        let sig = self
            .0
            .try_sign(msg)
            .map_err(|e| CryptoError::Key(format!("Ed25519: {e}")))?;
        out.extend_from_slice(&sig.to_bytes());
        Ok(())
    }
}

impl Verifier for Ed25519Verifier {
    fn verify(&mut self, msg: &[u8], sig: &[u8]) -> Result<(), CryptoError> {
        let sig =
            ed25519_dalek::Signature::from_slice(sig).map_err(|_| CryptoError::Authentication)?;
        self.0
            .verify_strict(msg, &sig)
            .map_err(|_| CryptoError::Authentication)
    }
}

pub struct PssSigner(pub rsa::pss::SigningKey<Sha256>);
pub struct PssVerifier(pub rsa::pss::VerifyingKey<Sha256>);

impl Signer for PssSigner {
    fn sign(&mut self, msg: &[u8], out: &mut Vec<u8>) -> Result<(), CryptoError> {
        let sig = self
            .0
            .try_sign_with_rng(&mut rand::rng(), msg)
            .map_err(|e| CryptoError::Key(format!("RSA-PSS: {e}")))?;
        out.extend_from_slice(&sig.to_bytes());
        Ok(())
    }
}

impl Verifier for PssVerifier {
    fn verify(&mut self, msg: &[u8], sig: &[u8]) -> Result<(), CryptoError> {
        let sig = rsa::pss::Signature::try_from(sig).map_err(|_| CryptoError::Authentication)?;
        self.0
            .verify(msg, &sig)
            .map_err(|_| CryptoError::Authentication)
    }
}
