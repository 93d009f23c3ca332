//! Encrypt-then-MAC for the suites that do not authenticate themselves (envelope `mac` byte).

use hmac::{Hmac, KeyInit, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

use super::base::CryptoError;

pub type HmacSha256 = Hmac<Sha256>;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum MacAlg {
    #[serde(rename = "none")]
    None,
    #[serde(rename = "hmac-sha256")]
    HmacSha256,
}

impl MacAlg {
    pub const ALL: [MacAlg; 2] = [MacAlg::None, MacAlg::HmacSha256];

    pub fn id(self) -> u8 {
        match self {
            Self::None => 0,
            Self::HmacSha256 => 1,
        }
    }
    pub fn from_id(id: u8) -> Option<Self> {
        Self::ALL.into_iter().find(|m| m.id() == id)
    }
    pub fn name(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::HmacSha256 => "hmac-sha256",
        }
    }
    /// Tag bytes in the envelope.
    pub fn tag_len(self) -> usize {
        match self {
            Self::None => 0,
            Self::HmacSha256 => 32,
        }
    }
}

/// An HMAC-SHA256 keyed once per topic; each message starts from a copy of the keyed state
/// (the inner and outer SHA-256 states after the padded key, about 200 bytes), which skips
/// re-hashing the key. That copy is how HMAC is computed with a precomputed key (OpenSSL's
/// `HMAC_Init_ex` with no new key does the same), so it is part of the MAC's cost, not the
/// harness's.
#[derive(Clone)]
pub struct TopicMac(HmacSha256);

impl TopicMac {
    pub fn new(key: &[u8]) -> Result<Self, CryptoError> {
        HmacSha256::new_from_slice(key)
            .map(Self)
            .map_err(|_| CryptoError::Key("bad HMAC key".into()))
    }

    /// HMAC over the concatenation of `parts` (topic and envelope need not be contiguous).
    pub fn tag(&self, parts: &[&[u8]]) -> [u8; 32] {
        let mut m = self.0.clone();
        for p in parts {
            m.update(p);
        }
        m.finalize().into_bytes().into()
    }

    /// Constant-time check of `tag` over the concatenation of `parts`.
    pub fn verify(&self, parts: &[&[u8]], tag: &[u8]) -> Result<(), CryptoError> {
        let mut m = self.0.clone();
        for p in parts {
            m.update(p);
        }
        m.verify_slice(tag).map_err(|_| CryptoError::Authentication)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 4231 test case 2 ("Jefe").
    #[test]
    fn rfc4231_case_2() {
        let mac = TopicMac::new(b"Jefe").unwrap();
        let out = mac.tag(&[b"what do ya ", b"want for nothing?"]);
        let hex: String = out.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(
            hex,
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
        assert!(mac.verify(&[b"what do ya want for nothing?"], &out).is_ok());
        assert!(
            mac.verify(&[b"what do ya want for nothing!"], &out)
                .is_err()
        );
    }
}
