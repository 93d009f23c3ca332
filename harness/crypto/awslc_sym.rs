//! The `aws-lc` provider's symmetric suites: AES-GCM and ChaCha20-Poly1305 through aws-lc-rs's
//! `aead`, AES in ECB, CBC, CFB-128, OFB and CTR through its `cipher` module (AWS-LC's
//! `AES_*` functions over one expanded key schedule per topic), and DES and 3DES in ECB and
//! CBC behind aws-lc-rs's `legacy-des` feature (AWS-LC's `DES_*` functions: the table-driven
//! C code OpenSSL's DES also is; aws-lc-rs offers no other DES mode).
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

/// The key of `cipher` in `mode` and the cipher's block length, or None for what aws-lc-rs
/// does not offer here (Blowfish; DES and 3DES outside ECB and CBC).
// The DES algorithms are deprecated in aws-lc-rs as a warning to users; they are here to
// measure them.
#[allow(deprecated)]
fn block_key(
    cipher: BlockCipher,
    mode: Mode,
    key: &[u8],
) -> Result<Option<(UnboundCipherKey, usize)>, CryptoError> {
    let (alg, block) = match cipher {
        BlockCipher::Aes128 => (&lc_cipher::AES_128, AES_BLOCK),
        BlockCipher::Aes192 => (&lc_cipher::AES_192, AES_BLOCK),
        BlockCipher::Aes256 => (&lc_cipher::AES_256, AES_BLOCK),
        BlockCipher::Des | BlockCipher::TripleDes if !matches!(mode, Mode::Ecb | Mode::Cbc) => {
            return Ok(None);
        }
        BlockCipher::Des => (&lc_cipher::DES_FOR_LEGACY_USE_ONLY, DES_BLOCK),
        BlockCipher::TripleDes => (&lc_cipher::DES_EDE3_FOR_LEGACY_USE_ONLY, DES_BLOCK),
        BlockCipher::Blowfish => return Ok(None),
    };
    UnboundCipherKey::new(alg, key)
        .map(|k| Some((k, block)))
        .map_err(|_| CryptoError::Key(format!("wrong key length {}", key.len())))
}

const AES_BLOCK: usize = 16;
const DES_BLOCK: usize = 8;

fn unsupported(cipher: BlockCipher, mode: Mode) -> CryptoError {
    CryptoError::Key(format!("aws-lc has no {}-{}", cipher.name(), mode.name()))
}

/// A key aws-lc-rs would not take: for DES and 3DES, a weak or semi-weak DES key or equal
/// 3DES parts (which RustCrypto's `des` takes; HKDF-derived keys are one in 2^52 weak).
fn refused(cipher: BlockCipher, mode: Mode) -> CryptoError {
    CryptoError::Key(match cipher {
        BlockCipher::Des | BlockCipher::TripleDes => format!(
            "aws-lc refuses this {}-{} key (a weak or semi-weak DES key, or equal 3DES parts)",
            cipher.name(),
            mode.name()
        ),
        _ => return unsupported(cipher, mode),
    })
}

/// Keys the publisher's half of AES-`mode` for one topic.
pub(crate) fn block_sealer(
    cipher: BlockCipher,
    mode: Mode,
    key: &[u8],
) -> Result<Box<dyn Sealer>, CryptoError> {
    let (key, block) = block_key(cipher, mode, key)?.ok_or_else(|| unsupported(cipher, mode))?;
    let key = match mode {
        Mode::Ecb => EncryptingKey::ecb(key),
        Mode::Cbc => EncryptingKey::cbc(key),
        Mode::Cfb => EncryptingKey::cfb128(key),
        Mode::Ofb => EncryptingKey::ofb(key),
        Mode::Ctr => EncryptingKey::ctr(key),
        Mode::Pcbc => return Err(unsupported(cipher, mode)),
    }
    .map_err(|_| refused(cipher, mode))?;
    Ok(Box::new(BlockSealer { key, mode, block }))
}

/// Keys the subscriber's half of AES-`mode` for one topic.
pub(crate) fn block_opener(
    cipher: BlockCipher,
    mode: Mode,
    key: &[u8],
) -> Result<Box<dyn Opener>, CryptoError> {
    let (key, block) = block_key(cipher, mode, key)?.ok_or_else(|| unsupported(cipher, mode))?;
    let key = match mode {
        Mode::Ecb => DecryptingKey::ecb(key),
        Mode::Cbc => DecryptingKey::cbc(key),
        Mode::Cfb => DecryptingKey::cfb128(key),
        Mode::Ofb => DecryptingKey::ofb(key),
        Mode::Ctr => DecryptingKey::ctr(key),
        Mode::Pcbc => return Err(unsupported(cipher, mode)),
    }
    .map_err(|_| refused(cipher, mode))?;
    Ok(Box::new(BlockOpener { key, mode, block }))
}

struct BlockSealer {
    key: EncryptingKey,
    mode: Mode,
    block: usize,
}

struct BlockOpener {
    key: DecryptingKey,
    mode: Mode,
    block: usize,
}

/// The IV as aws-lc-rs's context (ECB has none): one block of the cipher, 16 bytes for AES,
/// 8 for DES and 3DES.
fn encryption_context(
    mode: Mode,
    block: usize,
    iv: &[u8],
) -> Result<EncryptionContext, CryptoError> {
    let wrong = |_| CryptoError::Decrypt("wrong IV length");
    Ok(match (mode, block) {
        (Mode::Ecb, _) => EncryptionContext::None,
        (_, DES_BLOCK) => EncryptionContext::Iv64(FixedLength::<8>::try_from(iv).map_err(wrong)?),
        _ => EncryptionContext::Iv128(FixedLength::<16>::try_from(iv).map_err(wrong)?),
    })
}

fn decryption_context(
    mode: Mode,
    block: usize,
    iv: &[u8],
) -> Result<DecryptionContext, CryptoError> {
    Ok(match encryption_context(mode, block, iv)? {
        EncryptionContext::Iv64(iv) => DecryptionContext::Iv64(iv),
        EncryptionContext::Iv128(iv) => DecryptionContext::Iv128(iv),
        _ => DecryptionContext::None,
    })
}

impl Sealer for BlockSealer {
    fn iv_len(&self) -> usize {
        if self.mode == Mode::Ecb {
            0
        } else {
            self.block
        }
    }
    fn body_len(&self, n: usize) -> usize {
        if self.mode.padded() {
            (n / self.block + 1) * self.block
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
        let context = encryption_context(self.mode, self.block, iv)?;
        let start = out.len();
        out.extend_from_slice(pt);
        if self.mode.padded() {
            let pad = self.block - pt.len() % self.block;
            out.resize(out.len() + pad, pad as u8);
        }
        self.key
            .less_safe_encrypt(&mut out[start..], context)
            .map_err(|_| CryptoError::Key("aws-lc refused the message".into()))?;
        Ok(())
    }
}

impl Opener for BlockOpener {
    fn open(
        &mut self,
        iv: &[u8],
        _: &[u8],
        body: &[u8],
        out: &mut Vec<u8>,
    ) -> Result<(), CryptoError> {
        let context = decryption_context(self.mode, self.block, iv)?;
        let padded = self.mode.padded();
        if padded && (body.is_empty() || body.len() % self.block != 0) {
            return Err(CryptoError::Decrypt("body is not a whole number of blocks"));
        }
        let start = out.len();
        out.extend_from_slice(body);
        if self.key.decrypt(&mut out[start..], context).is_err() {
            out.truncate(start);
            return Err(CryptoError::Decrypt("aws-lc refused the body"));
        }
        if padded {
            match pkcs7_len(&out[start..], self.block) {
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

/// A [`Streamer`] of AES-, DES- or 3DES-`mode` from `iv`: aws-lc-rs's streaming keys, one EVP cipher context
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
    let (key, block) = block_key(cipher, mode, key)?.ok_or_else(|| unsupported(cipher, mode))?;
    let refused = |_| refused(cipher, mode);
    Ok(match direction {
        Direction::Encrypt => {
            let context = encryption_context(mode, block, iv)?;
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
            let context = decryption_context(mode, block, iv)?;
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

/// The plaintext length of a PKCS#7-padded sequence of `block`-byte blocks, None when the
/// padding is bad.
fn pkcs7_len(padded: &[u8], block: usize) -> Option<usize> {
    let &last = padded.last()?;
    let pad = usize::from(last);
    if pad == 0 || pad > block || pad > padded.len() {
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
        assert_eq!(pkcs7_len(&block, 16), None, "pad bytes differ");
        block[13] = 3;
        block[14] = 3;
        assert_eq!(pkcs7_len(&block, 16), Some(13));
        block[15] = 0;
        assert_eq!(pkcs7_len(&block, 16), None, "zero pad");
        block[15] = 17;
        assert_eq!(pkcs7_len(&block, 16), None, "pad longer than a block");
    }
}
