//! The `aws-lc` provider's symmetric suites: AES-GCM and ChaCha20-Poly1305 through aws-lc-rs's
//! `aead`, and AES in ECB, CBC, CFB-128, OFB and CTR through its `cipher` module (AWS-LC's
//! `AES_*` functions over one expanded key schedule per topic).
//!
//! The bytes are DESIGN.md's, identical to the RustCrypto suites': PKCS#7 is applied and
//! checked here rather than by aws-lc-rs's padded keys, because those pad a whole `Vec` and
//! the body is appended to an envelope already in `out`; CTR is AWS-LC's 128-bit big-endian
//! counter over the whole IV, as DESIGN.md fixes it.

use aws_lc_rs::aead::{self as lc_aead, Aad, LessSafeKey, Nonce, UnboundKey};
use aws_lc_rs::cipher::{
    self as lc_cipher, DecryptingKey, DecryptionContext, EncryptingKey, EncryptionContext,
    StreamingDecryptingKey, StreamingEncryptingKey, UnboundCipherKey,
};
use aws_lc_rs::iv::FixedLength;

use super::alg::{AeadAlg, BlockCipher, Mode};
use super::base::{CryptoError, Direction, Opener, Sealer, Streamer, TAG_LEN, open_detached};

/// aws-lc-rs's algorithm for `alg`, None for the AEADs it lacks.
pub(crate) fn aead_algorithm(alg: AeadAlg) -> Option<&'static lc_aead::Algorithm> {
    match alg {
        AeadAlg::Aes128Gcm => Some(&lc_aead::AES_128_GCM),
        AeadAlg::Aes256Gcm => Some(&lc_aead::AES_256_GCM),
        AeadAlg::ChaCha20Poly1305 => Some(&lc_aead::CHACHA20_POLY1305),
        AeadAlg::Aes128Ccm | AeadAlg::AsconAead128 => None,
    }
}

/// An aws-lc AEAD keyed once per topic (or, in the hybrids, once per message).
pub(crate) struct AwsLcAead {
    key: LessSafeKey,
}

impl AwsLcAead {
    pub(crate) fn new(alg: &'static lc_aead::Algorithm, key: &[u8]) -> Result<Self, CryptoError> {
        let key = UnboundKey::new(alg, key)
            .map_err(|_| CryptoError::Key(format!("wrong key length {}", key.len())))?;
        Ok(Self {
            key: LessSafeKey::new(key),
        })
    }
}

impl Sealer for AwsLcAead {
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

impl Opener for AwsLcAead {
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
            self.key
                .open_in_place_separate_tag(nonce, Aad::from(aad), tag, ct)
                .is_ok()
        })
    }
}

/// The AES key of `cipher`, or None for the block ciphers aws-lc-rs does not offer here.
fn aes_key(cipher: BlockCipher, key: &[u8]) -> Result<Option<UnboundCipherKey>, CryptoError> {
    let alg = match cipher {
        BlockCipher::Aes128 => &lc_cipher::AES_128,
        BlockCipher::Aes192 => &lc_cipher::AES_192,
        BlockCipher::Aes256 => &lc_cipher::AES_256,
        BlockCipher::Des | BlockCipher::TripleDes | BlockCipher::Blowfish => return Ok(None),
    };
    UnboundCipherKey::new(alg, key)
        .map(Some)
        .map_err(|_| CryptoError::Key(format!("wrong key length {}", key.len())))
}

const AES_BLOCK: usize = 16;

fn unsupported(cipher: BlockCipher, mode: Mode) -> CryptoError {
    CryptoError::Key(format!("aws-lc has no {}-{}", cipher.name(), mode.name()))
}

/// Keys the publisher's half of AES-`mode` for one topic.
pub(crate) fn block_sealer(
    cipher: BlockCipher,
    mode: Mode,
    key: &[u8],
) -> Result<Box<dyn Sealer>, CryptoError> {
    let key = aes_key(cipher, key)?.ok_or_else(|| unsupported(cipher, mode))?;
    let key = match mode {
        Mode::Ecb => EncryptingKey::ecb(key),
        Mode::Cbc => EncryptingKey::cbc(key),
        Mode::Cfb => EncryptingKey::cfb128(key),
        Mode::Ofb => EncryptingKey::ofb(key),
        Mode::Ctr => EncryptingKey::ctr(key),
        Mode::Pcbc => return Err(unsupported(cipher, mode)),
    }
    .map_err(|_| unsupported(cipher, mode))?;
    Ok(Box::new(AesSealer { key, mode }))
}

/// Keys the subscriber's half of AES-`mode` for one topic.
pub(crate) fn block_opener(
    cipher: BlockCipher,
    mode: Mode,
    key: &[u8],
) -> Result<Box<dyn Opener>, CryptoError> {
    let key = aes_key(cipher, key)?.ok_or_else(|| unsupported(cipher, mode))?;
    let key = match mode {
        Mode::Ecb => DecryptingKey::ecb(key),
        Mode::Cbc => DecryptingKey::cbc(key),
        Mode::Cfb => DecryptingKey::cfb128(key),
        Mode::Ofb => DecryptingKey::ofb(key),
        Mode::Ctr => DecryptingKey::ctr(key),
        Mode::Pcbc => return Err(unsupported(cipher, mode)),
    }
    .map_err(|_| unsupported(cipher, mode))?;
    Ok(Box::new(AesOpener { key, mode }))
}

struct AesSealer {
    key: EncryptingKey,
    mode: Mode,
}

struct AesOpener {
    key: DecryptingKey,
    mode: Mode,
}

/// The 16-byte IV as aws-lc-rs's context type (ECB has none).
fn iv128(mode: Mode, iv: &[u8]) -> Result<Option<FixedLength<16>>, CryptoError> {
    if mode == Mode::Ecb {
        return Ok(None);
    }
    FixedLength::<16>::try_from(iv)
        .map(Some)
        .map_err(|_| CryptoError::Decrypt("wrong IV length"))
}

impl Sealer for AesSealer {
    fn iv_len(&self) -> usize {
        if self.mode == Mode::Ecb { 0 } else { AES_BLOCK }
    }
    fn body_len(&self, n: usize) -> usize {
        if self.mode.padded() {
            (n / AES_BLOCK + 1) * AES_BLOCK
        } else {
            n
        }
    }
    fn seal(
        &mut self,
        iv: &[u8],
        _: &[u8],
        pt: &[u8],
        out: &mut Vec<u8>,
    ) -> Result<(), CryptoError> {
        let context = match iv128(self.mode, iv)? {
            Some(iv) => EncryptionContext::Iv128(iv),
            None => EncryptionContext::None,
        };
        let start = out.len();
        out.extend_from_slice(pt);
        if self.mode.padded() {
            let pad = AES_BLOCK - pt.len() % AES_BLOCK;
            out.resize(out.len() + pad, pad as u8);
        }
        self.key
            .less_safe_encrypt(&mut out[start..], context)
            .map_err(|_| CryptoError::Key("aws-lc refused the message".into()))?;
        Ok(())
    }
}

impl Opener for AesOpener {
    fn open(
        &mut self,
        iv: &[u8],
        _: &[u8],
        body: &[u8],
        out: &mut Vec<u8>,
    ) -> Result<(), CryptoError> {
        let context = match iv128(self.mode, iv)? {
            Some(iv) => DecryptionContext::Iv128(iv),
            None => DecryptionContext::None,
        };
        let padded = self.mode.padded();
        if padded && (body.is_empty() || body.len() % AES_BLOCK != 0) {
            return Err(CryptoError::Decrypt("body is not a whole number of blocks"));
        }
        let start = out.len();
        out.extend_from_slice(body);
        if self.key.decrypt(&mut out[start..], context).is_err() {
            out.truncate(start);
            return Err(CryptoError::Decrypt("aws-lc refused the body"));
        }
        if padded {
            match pkcs7_len(&out[start..]) {
                Some(n) => out.truncate(start + n),
                None => {
                    out.truncate(start);
                    return Err(CryptoError::Decrypt("bad PKCS#7 padding"));
                }
            }
        }
        Ok(())
    }
}

/// A [`Streamer`] of AES-`mode` from `iv`: aws-lc-rs's streaming keys, one EVP cipher context
/// fed with `EVP_EncryptUpdate` / `EVP_DecryptUpdate`, exactly what `openssl speed -evp` times.
/// Its ECB and CBC keys are PKCS#7 ones, whose padding only `finish` (never called here) adds;
/// their decryption holds the last block back (see [`Streamer::update`]).
pub(crate) fn block_streamer(
    cipher: BlockCipher,
    mode: Mode,
    key: &[u8],
    iv: &[u8],
    direction: Direction,
) -> Result<Box<dyn Streamer>, CryptoError> {
    let key = aes_key(cipher, key)?.ok_or_else(|| unsupported(cipher, mode))?;
    let iv = iv128(mode, iv)?;
    let refused = |_| unsupported(cipher, mode);
    Ok(match direction {
        Direction::Encrypt => {
            let context = iv.map_or(EncryptionContext::None, EncryptionContext::Iv128);
            Box::new(EncryptStream(
                match mode {
                    Mode::Ecb => StreamingEncryptingKey::ecb_pkcs7(key),
                    Mode::Cbc => StreamingEncryptingKey::less_safe_cbc_pkcs7(key, context),
                    Mode::Cfb => StreamingEncryptingKey::less_safe_cfb128(key, context),
                    Mode::Ofb => StreamingEncryptingKey::less_safe_ofb(key, context),
                    Mode::Ctr => StreamingEncryptingKey::less_safe_ctr(key, context),
                    Mode::Pcbc => return Err(unsupported(cipher, mode)),
                }
                .map_err(refused)?,
            ))
        }
        Direction::Decrypt => {
            let context = iv.map_or(DecryptionContext::None, DecryptionContext::Iv128);
            Box::new(DecryptStream(
                match mode {
                    Mode::Ecb => StreamingDecryptingKey::ecb_pkcs7(key, context),
                    Mode::Cbc => StreamingDecryptingKey::cbc_pkcs7(key, context),
                    Mode::Cfb => StreamingDecryptingKey::cfb128(key, context),
                    Mode::Ofb => StreamingDecryptingKey::ofb(key, context),
                    Mode::Ctr => StreamingDecryptingKey::ctr(key, context),
                    Mode::Pcbc => return Err(unsupported(cipher, mode)),
                }
                .map_err(refused)?,
            ))
        }
    })
}

struct EncryptStream(StreamingEncryptingKey);
struct DecryptStream(StreamingDecryptingKey);

impl Streamer for EncryptStream {
    fn update(&mut self, input: &[u8], out: &mut [u8]) -> Result<usize, CryptoError> {
        self.0
            .update(input, out)
            .map(|u| u.written().len())
            .map_err(|_| CryptoError::Key("aws-lc refused the stream piece".into()))
    }
}

impl Streamer for DecryptStream {
    fn update(&mut self, input: &[u8], out: &mut [u8]) -> Result<usize, CryptoError> {
        self.0
            .update(input, out)
            .map(|u| u.written().len())
            .map_err(|_| CryptoError::Decrypt("aws-lc refused the stream piece"))
    }
}

/// The plaintext length of a PKCS#7-padded AES block sequence, None when the padding is bad.
fn pkcs7_len(padded: &[u8]) -> Option<usize> {
    let &last = padded.last()?;
    let pad = usize::from(last);
    if pad == 0 || pad > AES_BLOCK || pad > padded.len() {
        return None;
    }
    let (rest, tail) = padded.split_at(padded.len() - pad);
    tail.iter().all(|&b| b == last).then_some(rest.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pkcs7_refuses_bad_padding() {
        let mut block = [0u8; 16];
        block[15] = 3;
        assert_eq!(pkcs7_len(&block), None, "pad bytes differ");
        block[13] = 3;
        block[14] = 3;
        assert_eq!(pkcs7_len(&block), Some(13));
        block[15] = 0;
        assert_eq!(pkcs7_len(&block), None, "zero pad");
        block[15] = 17;
        assert_eq!(pkcs7_len(&block), None, "pad longer than a block");
    }
}
