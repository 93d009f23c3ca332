//! The `ring` provider: AES-128-GCM, AES-256-GCM and ChaCha20-Poly1305 from ring (BoringSSL-
//! derived assembly), already in the tree through rustls.
//!
//! Why it is here at all: RustCrypto's `chacha20poly1305` 0.11 (poly1305 0.9.1, AVX2 backend)
//! pays about 1.3 µs of Poly1305 key setup per message (the one-time key is per nonce, so it
//! cannot be hoisted), which made that suite look 30x slower than OpenSSL at 16 B; ring was
//! the suite's implementation before the provider axis, and stays one of its providers.
//!
//! Per message it pays what the RustCrypto AEADs pay: the 12-byte nonce copied into ring's
//! `Nonce`, the input copied once into `out`, sealed or opened in place, the tag appended.

use ring::aead::{
    AES_128_GCM, AES_256_GCM, Aad, Algorithm, CHACHA20_POLY1305, LessSafeKey, Nonce, Tag,
    UnboundKey,
};

use super::alg::AeadAlg;
use super::base::{CryptoError, Opener, Sealer, TAG_LEN, open_detached};

/// ring's algorithm for `alg`, None for the AEADs ring lacks.
pub(crate) fn algorithm(alg: AeadAlg) -> Option<&'static Algorithm> {
    match alg {
        AeadAlg::Aes128Gcm => Some(&AES_128_GCM),
        AeadAlg::Aes256Gcm => Some(&AES_256_GCM),
        AeadAlg::ChaCha20Poly1305 => Some(&CHACHA20_POLY1305),
        AeadAlg::Aes128Ccm | AeadAlg::AsconAead128 => None,
    }
}

/// Keyed once per topic; the nonce is the envelope's 12-byte IV.
pub(crate) struct RingAead {
    key: LessSafeKey,
}

impl RingAead {
    pub(crate) fn new(alg: &'static Algorithm, key: &[u8]) -> Result<Self, CryptoError> {
        let key = UnboundKey::new(alg, key)
            .map_err(|_| CryptoError::Key(format!("wrong key length {}", key.len())))?;
        Ok(Self {
            key: LessSafeKey::new(key),
        })
    }
}

impl Sealer for RingAead {
    fn iv_len(&self) -> usize {
        12
    }
    fn body_len(&self, n: usize) -> usize {
        n + TAG_LEN
    }
    fn seal(
        &mut self,
        iv: &[u8],
        aad: &[u8],
        pt: &[u8],
        out: &mut Vec<u8>,
    ) -> Result<(), CryptoError> {
        let nonce = Nonce::try_assume_unique_for_key(iv)
            .map_err(|_| CryptoError::Key("nonce must be 12 bytes".into()))?;
        let start = out.len();
        out.extend_from_slice(pt);
        let tag = self
            .key
            .seal_in_place_separate_tag(nonce, Aad::from(aad), &mut out[start..])
            .map_err(|_| CryptoError::Key("plaintext too long".into()))?;
        out.extend_from_slice(tag.as_ref());
        Ok(())
    }
}

impl Opener for RingAead {
    fn open(
        &mut self,
        iv: &[u8],
        aad: &[u8],
        body: &[u8],
        out: &mut Vec<u8>,
    ) -> Result<(), CryptoError> {
        let nonce =
            Nonce::try_assume_unique_for_key(iv).map_err(|_| CryptoError::Authentication)?;
        open_detached(body, out, |ct, tag| {
            Tag::try_from(tag).is_ok_and(|tag| {
                self.key
                    .open_in_place_separate_tag(nonce, Aad::from(aad), tag, ct, 0..)
                    .is_ok()
            })
        })
    }
}
