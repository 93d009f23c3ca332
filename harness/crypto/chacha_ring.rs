//! ChaCha20-Poly1305 (RFC 8439, suite 0x83) from ring.
//!
//! RustCrypto's `chacha20poly1305` 0.11 (poly1305 0.9.1, AVX2 backend) pays about 1.3 µs of
//! Poly1305 key setup per message — the one-time key is per nonce, so it cannot be hoisted —
//! which made this suite look 30x slower than OpenSSL at 16 B and trail AES-GCM below ~1 KiB.
//! A device would ship BoringSSL-class code (ring's is the same assembly family as
//! OpenSSL's), so that is what the harness measures. ring is already in the tree through
//! rustls; the vectors (RFC 8439 §2.8.2, Wycheproof) run against this implementation.
//!
//! Per message it pays what the RustCrypto AEADs pay: the 12-byte nonce copied into ring's
//! `Nonce`, the input copied once into `out`, sealed or opened in place, the tag appended.

use ring::aead::{Aad, CHACHA20_POLY1305, LessSafeKey, Nonce, Tag, UnboundKey};

use super::aead::{TAG_LEN, open_detached};
use super::{CryptoError, Opener, Sealer};

/// Keyed once per topic; the nonce is the envelope's 12-byte IV.
pub(crate) struct ChaCha20Poly1305 {
    key: LessSafeKey,
}

impl ChaCha20Poly1305 {
    pub(crate) fn new(key: &[u8]) -> Result<Self, CryptoError> {
        let key = UnboundKey::new(&CHACHA20_POLY1305, key)
            .map_err(|_| CryptoError::Key(format!("wrong key length {}", key.len())))?;
        Ok(Self {
            key: LessSafeKey::new(key),
        })
    }
}

impl Sealer for ChaCha20Poly1305 {
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

impl Opener for ChaCha20Poly1305 {
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
