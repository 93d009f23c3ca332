//! Signatures over topic ‖ header ‖ body ‖ MAC tag (envelope `sig` byte), one key pair per
//! publisher.

use serde::{Deserialize, Serialize};

use super::CryptoError;
use super::keys::KeyRing;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum SigAlg {
    #[serde(rename = "none")]
    None,
    #[serde(rename = "ecdsa-p256")]
    EcdsaP256,
    #[serde(rename = "ed25519")]
    Ed25519,
    #[serde(rename = "rsa-2048-pss")]
    Rsa2048Pss,
    #[serde(rename = "rsa-3072-pss")]
    Rsa3072Pss,
}

impl SigAlg {
    pub const ALL: [SigAlg; 5] = [
        SigAlg::None,
        SigAlg::EcdsaP256,
        SigAlg::Ed25519,
        SigAlg::Rsa2048Pss,
        SigAlg::Rsa3072Pss,
    ];

    pub fn id(self) -> u8 {
        match self {
            Self::None => 0,
            Self::EcdsaP256 => 1,
            Self::Ed25519 => 2,
            Self::Rsa2048Pss => 3,
            Self::Rsa3072Pss => 4,
        }
    }
    pub fn from_id(id: u8) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.id() == id)
    }
    pub fn name(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::EcdsaP256 => "ecdsa-p256",
            Self::Ed25519 => "ed25519",
            Self::Rsa2048Pss => "rsa-2048-pss",
            Self::Rsa3072Pss => "rsa-3072-pss",
        }
    }
    /// Signature bytes in the envelope.
    pub fn sig_len(self) -> usize {
        match self {
            Self::None => 0,
            Self::EcdsaP256 | Self::Ed25519 => 64,
            Self::Rsa2048Pss => 256,
            Self::Rsa3072Pss => 384,
        }
    }

    /// The publisher's signing half, with the publisher's own key pair.
    pub fn signer(self, keys: &KeyRing, publisher: u32) -> Result<Box<dyn Signer>, CryptoError> {
        let _ = (keys, publisher);
        Err(CryptoError::Key(format!(
            "signature {} is not implemented yet",
            self.name()
        )))
    }

    /// The subscriber's verifying half, with the publisher's public key.
    pub fn verifier(
        self,
        keys: &KeyRing,
        publisher: u32,
    ) -> Result<Box<dyn Verifier>, CryptoError> {
        let _ = (keys, publisher);
        Err(CryptoError::Key(format!(
            "signature {} is not implemented yet",
            self.name()
        )))
    }
}

pub trait Signer: Send {
    /// Appends the signature of `msg` to `out`.
    fn sign(&mut self, msg: &[u8], out: &mut Vec<u8>) -> Result<(), CryptoError>;
}

pub trait Verifier: Send {
    fn verify(&mut self, msg: &[u8], sig: &[u8]) -> Result<(), CryptoError>;
}
