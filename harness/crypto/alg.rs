//! The algorithm names of `crypto/`: block ciphers, modes, AEADs, hybrids, the suite family
//! that ties them to the catalogue, and the signature algorithms. Plain data (codes, names,
//! sizes) with no implementation behind it, so every implementation and the catalogue on top
//! can name an algorithm without naming each other.

use serde::{Deserialize, Serialize};

/// A block cipher of the seeds' comparison (the `C` nibble of the suite id).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BlockCipher {
    Des,
    TripleDes,
    Blowfish,
    Aes128,
    Aes192,
    Aes256,
}

impl BlockCipher {
    pub const ALL: [BlockCipher; 6] = [
        Self::Des,
        Self::TripleDes,
        Self::Blowfish,
        Self::Aes128,
        Self::Aes192,
        Self::Aes256,
    ];

    pub fn code(self) -> u8 {
        match self {
            Self::Des => 1,
            Self::TripleDes => 2,
            Self::Blowfish => 3,
            Self::Aes128 => 4,
            Self::Aes192 => 5,
            Self::Aes256 => 6,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Self::Des => "des",
            Self::TripleDes => "3des",
            Self::Blowfish => "blowfish",
            Self::Aes128 => "aes-128",
            Self::Aes192 => "aes-192",
            Self::Aes256 => "aes-256",
        }
    }

    pub fn key_len(self) -> usize {
        match self {
            Self::Des => 8,
            Self::TripleDes => 24,
            // Blowfish takes 4..56 bytes; DESIGN.md fixes 128 bits.
            Self::Blowfish | Self::Aes128 => 16,
            Self::Aes192 => 24,
            Self::Aes256 => 32,
        }
    }

    pub fn block_len(self) -> usize {
        match self {
            Self::Des | Self::TripleDes | Self::Blowfish => 8,
            Self::Aes128 | Self::Aes192 | Self::Aes256 => 16,
        }
    }
}

/// A block mode (the `M` nibble of the suite id).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Mode {
    Ecb,
    Cbc,
    Pcbc,
    Cfb,
    Ofb,
    Ctr,
}

impl Mode {
    pub const ALL: [Mode; 6] = [
        Self::Ecb,
        Self::Cbc,
        Self::Pcbc,
        Self::Cfb,
        Self::Ofb,
        Self::Ctr,
    ];

    pub fn code(self) -> u8 {
        match self {
            Self::Ecb => 1,
            Self::Cbc => 2,
            Self::Pcbc => 3,
            Self::Cfb => 4,
            Self::Ofb => 5,
            Self::Ctr => 6,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Self::Ecb => "ecb",
            Self::Cbc => "cbc",
            Self::Pcbc => "pcbc",
            Self::Cfb => "cfb",
            Self::Ofb => "ofb",
            Self::Ctr => "ctr",
        }
    }

    /// ECB, CBC and PCBC pad with PKCS#7; CFB, OFB and CTR are streams.
    pub fn padded(self) -> bool {
        matches!(self, Self::Ecb | Self::Cbc | Self::Pcbc)
    }
}

/// The AEADs (ids 0x80..).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AeadAlg {
    Aes128Gcm,
    Aes256Gcm,
    Aes128Ccm,
    ChaCha20Poly1305,
    AsconAead128,
}

impl AeadAlg {
    /// The suite name (DESIGN.md's table).
    pub fn name(self) -> &'static str {
        match self {
            Self::Aes128Gcm => "aes-128-gcm",
            Self::Aes256Gcm => "aes-256-gcm",
            Self::Aes128Ccm => "aes-128-ccm",
            Self::ChaCha20Poly1305 => "chacha20-poly1305",
            Self::AsconAead128 => "ascon-aead128",
        }
    }

    /// The nonce length (DESIGN.md's table); a nonce of any other length is refused when it is
    /// converted to the implementation's nonce type.
    pub fn nonce_len(self) -> usize {
        match self {
            Self::Aes128Gcm | Self::Aes256Gcm | Self::ChaCha20Poly1305 => 12,
            Self::Aes128Ccm => 13,
            Self::AsconAead128 => 16,
        }
    }
}

/// The hybrid public-key suites (ids 0xA0..).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum HybridAlg {
    Rsa2048Oaep,
    EciesP256,
}

/// Bytes of the RSA-2048-OAEP wrapped key.
pub const RSA_WRAPPED_LEN: usize = 256;
/// Bytes of an uncompressed SEC1 P-256 point.
pub const P256_POINT_LEN: usize = 65;

impl HybridAlg {
    /// The suite name (DESIGN.md's table).
    pub fn name(self) -> &'static str {
        match self {
            Self::Rsa2048Oaep => "rsa-2048-oaep",
            Self::EciesP256 => "ecies-p256",
        }
    }

    /// Bytes the suite puts before the GCM ciphertext: the wrapped key or the ephemeral point.
    pub fn prefix_len(self) -> usize {
        match self {
            Self::Rsa2048Oaep => RSA_WRAPPED_LEN,
            Self::EciesP256 => P256_POINT_LEN,
        }
    }
}

/// What kind of suite a catalogue row is, with its algorithm.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Family {
    None,
    Block(BlockCipher, Mode),
    Aead(AeadAlg),
    Hybrid(HybridAlg),
    /// Seed 004's S-MQTT (id 0xB0, crypto/smqtt.rs): every byte encoded onto a P-256 point
    /// and EC-ElGamal encrypted point by point, with SHA-256 Hash(M) and a timestamp.
    SMqtt,
}

/// A signature algorithm (the envelope's `sig` byte).
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
}
