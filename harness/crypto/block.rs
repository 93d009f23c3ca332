//! Block cipher x mode suites (ids 0xCM).
//!
//! One generic type over the cipher holds every mode (`ModeSuite`); [`CatalogueCipher`] names
//! the six ciphers and the CTR flavour whose shape depends on the block width. The cipher is
//! keyed once per topic (key setup is about 29 µs for Blowfish, never inside the per-message
//! time) and every message's mode instance *borrows* it: the mode crates take any
//! `C: BlockCipherEncrypt`, and cipher 0.5 implements that for `&C`, so a message costs an
//! IV-sized mode state, never a copy of the key schedule (4 KiB for Blowfish, 384 B for 3DES).
//!
//! Per-message work is the same shape in every mode: the body goes into `out` (sized once by
//! the caller), written in one pass (PKCS#7 modes encrypt buffer to buffer after one resize;
//! stream modes copy the input once and XOR the keystream in place).
//!
//! [`streamer`] is the other shape, for `speed --stream` only: one mode context owning its
//! cipher, fed one long message in pieces, its state carried from call to call.

use cipher::block_padding::Pkcs7;
use cipher::common::InnerInit;
use cipher::{Block, BlockCipherDecrypt, BlockCipherEncrypt, BlockModeDecrypt, BlockModeEncrypt};
use cipher::{BlockSizeUser, InnerIvInit, KeyInit, StreamCipher, StreamCipherCoreWrapper};

use super::alg::{BlockCipher, Mode};
use super::base::{CryptoError, Direction, Opener, Sealer, Streamer};
use super::pcbc;

/// A block cipher of the catalogue, plus its keystream modes: CTR's counter spans the whole
/// block (64-bit for DES/3DES/Blowfish, 128-bit for AES), which is a per-width type in `ctr`.
pub trait CatalogueCipher:
    BlockCipherEncrypt + BlockCipherDecrypt + KeyInit + Send + 'static
{
    /// XORs the CTR keystream whose first counter block is `iv` into `buf`, borrowing `self`.
    fn ctr_xor(&self, iv: &[u8], buf: &mut [u8]) -> Result<(), CryptoError>;
    /// XORs the OFB keystream of `iv` into `buf`, borrowing `self`.
    fn ofb_xor(&self, iv: &[u8], buf: &mut [u8]) -> Result<(), CryptoError>;
    /// The CTR keystream from `iv`, owning `self`, going on from one call to the next.
    fn ctr_stream(self, iv: &[u8]) -> Result<Box<dyn StreamCipher + Send>, CryptoError>;
    /// The OFB keystream of `iv`, owning `self`.
    fn ofb_stream(self, iv: &[u8]) -> Result<Box<dyn StreamCipher + Send>, CryptoError>;
}

/// Applies a keystream made from a borrowed cipher, or says why it could not be made.
fn xor_keystream<S: StreamCipher>(
    stream: Result<S, cipher::InvalidLength>,
    buf: &mut [u8],
) -> Result<(), CryptoError> {
    stream
        .map_err(|_| CryptoError::Decrypt("wrong IV length"))?
        .try_apply_keystream(buf)
        .map_err(|_| CryptoError::Decrypt("keystream exhausted"))
}

macro_rules! catalogue_ciphers {
    ($($ty:ty => $flavor:ty),* $(,)?) => {$(
        impl CatalogueCipher for $ty {
            fn ctr_xor(&self, iv: &[u8], buf: &mut [u8]) -> Result<(), CryptoError> {
                let core = ctr::CtrCore::<&$ty, $flavor>::inner_iv_slice_init(self, iv);
                xor_keystream(core.map(StreamCipherCoreWrapper::from_core), buf)
            }
            fn ofb_xor(&self, iv: &[u8], buf: &mut [u8]) -> Result<(), CryptoError> {
                let core = ofb::OfbCore::<&$ty>::inner_iv_slice_init(self, iv);
                xor_keystream(core.map(StreamCipherCoreWrapper::from_core), buf)
            }
            fn ctr_stream(self, iv: &[u8]) -> Result<Box<dyn StreamCipher + Send>, CryptoError> {
                let core = ctr::CtrCore::<$ty, $flavor>::inner_iv_slice_init(self, iv)
                    .map_err(|_| CryptoError::Key("wrong IV length".into()))?;
                Ok(Box::new(StreamCipherCoreWrapper::from_core(core)))
            }
            fn ofb_stream(self, iv: &[u8]) -> Result<Box<dyn StreamCipher + Send>, CryptoError> {
                let core = ofb::OfbCore::<$ty>::inner_iv_slice_init(self, iv)
                    .map_err(|_| CryptoError::Key("wrong IV length".into()))?;
                Ok(Box::new(StreamCipherCoreWrapper::from_core(core)))
            }
        }
    )*};
}

catalogue_ciphers!(
    des::Des => ctr::flavors::Ctr64BE,
    des::TdesEde3 => ctr::flavors::Ctr64BE,
    blowfish::Blowfish => ctr::flavors::Ctr64BE,
    aes::Aes128 => ctr::flavors::Ctr128BE,
    aes::Aes192 => ctr::flavors::Ctr128BE,
    aes::Aes256 => ctr::flavors::Ctr128BE,
);

/// Calls `$f::<C>(args)` with the concrete type of a [`BlockCipher`].
macro_rules! with_cipher {
    ($cipher:expr, $f:ident($($arg:expr),*)) => {
        match $cipher {
            BlockCipher::Des => $f::<des::Des>($($arg),*),
            BlockCipher::TripleDes => $f::<des::TdesEde3>($($arg),*),
            BlockCipher::Blowfish => $f::<blowfish::Blowfish>($($arg),*),
            BlockCipher::Aes128 => $f::<aes::Aes128>($($arg),*),
            BlockCipher::Aes192 => $f::<aes::Aes192>($($arg),*),
            BlockCipher::Aes256 => $f::<aes::Aes256>($($arg),*),
        }
    };
}

/// Keys the publisher's half of `cipher`-`mode` for one topic.
pub fn sealer(cipher: BlockCipher, mode: Mode, key: &[u8]) -> Result<Box<dyn Sealer>, CryptoError> {
    with_cipher!(cipher, sealer_for(mode, key))
}

/// Keys the subscriber's half of `cipher`-`mode` for one topic.
pub fn opener(cipher: BlockCipher, mode: Mode, key: &[u8]) -> Result<Box<dyn Opener>, CryptoError> {
    with_cipher!(cipher, opener_for(mode, key))
}

fn sealer_for<C: CatalogueCipher>(mode: Mode, key: &[u8]) -> Result<Box<dyn Sealer>, CryptoError> {
    Ok(Box::new(ModeSuite::<C>::new(mode, key)?))
}

fn opener_for<C: CatalogueCipher>(mode: Mode, key: &[u8]) -> Result<Box<dyn Opener>, CryptoError> {
    Ok(Box::new(ModeSuite::<C>::new(mode, key)?))
}

/// A cipher keyed for one topic, used by both halves.
struct Keyed<C> {
    cipher: C,
    block_len: usize,
}

impl<C: CatalogueCipher> Keyed<C> {
    fn new(key: &[u8]) -> Result<Self, CryptoError> {
        let cipher = C::new_from_slice(key)
            .map_err(|_| CryptoError::Key(format!("wrong key length {}", key.len())))?;
        Ok(Self {
            cipher,
            block_len: C::block_size(),
        })
    }

    fn padded_len(&self, n: usize) -> usize {
        (n / self.block_len + 1) * self.block_len
    }

    fn check_whole_blocks(&self, body: &[u8]) -> Result<(), CryptoError> {
        if body.is_empty() || body.len() % self.block_len != 0 {
            return Err(CryptoError::Decrypt("body is not a whole number of blocks"));
        }
        Ok(())
    }

    /// Runs a PKCS#7 padding encryption into freshly reserved space at the end of `out`.
    fn seal_padded(
        &self,
        pt: &[u8],
        out: &mut Vec<u8>,
        enc: impl FnOnce(&[u8], &mut [u8]) -> Option<usize>,
    ) -> Result<(), CryptoError> {
        let start = out.len();
        out.resize(start + self.padded_len(pt.len()), 0);
        let n =
            enc(pt, &mut out[start..]).ok_or_else(|| CryptoError::Key("padding failed".into()))?;
        out.truncate(start + n);
        Ok(())
    }

    fn open_padded(
        &self,
        body: &[u8],
        out: &mut Vec<u8>,
        dec: impl FnOnce(&[u8], &mut [u8]) -> Option<usize>,
    ) -> Result<(), CryptoError> {
        self.check_whole_blocks(body)?;
        let start = out.len();
        out.resize(start + body.len(), 0);
        match dec(body, &mut out[start..]) {
            Some(n) => {
                out.truncate(start + n);
                Ok(())
            }
            None => {
                out.truncate(start);
                Err(CryptoError::Decrypt("bad PKCS#7 padding"))
            }
        }
    }
}

/// One cipher in one mode, both halves: the shape every mode shares (IV length, body length,
/// the trait methods) once, and per mode only the transform. ECB, CBC and PCBC pad with
/// PKCS#7 buffer to buffer; CFB, OFB and CTR copy the input once and transform it in place.
struct ModeSuite<C> {
    k: Keyed<C>,
    mode: Mode,
}

impl<C: CatalogueCipher> ModeSuite<C> {
    fn new(mode: Mode, key: &[u8]) -> Result<Self, CryptoError> {
        Ok(Self {
            k: Keyed::new(key)?,
            mode,
        })
    }
}

impl<C: CatalogueCipher> Sealer for ModeSuite<C> {
    fn iv_len(&self) -> usize {
        if self.mode == Mode::Ecb {
            0
        } else {
            self.k.block_len
        }
    }
    fn body_len(&self, n: usize) -> usize {
        if self.mode.padded() {
            self.k.padded_len(n)
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
        let c = &self.k.cipher;
        let bad_iv = |_| CryptoError::Key("wrong IV length".into());
        match self.mode {
            Mode::Ecb => {
                let enc = ecb::Encryptor::<&C>::inner_init(c);
                self.k.seal_padded(pt, out, |i, o| {
                    enc.encrypt_padded_b2b::<Pkcs7>(i, o).ok().map(|c| c.len())
                })
            }
            Mode::Cbc => {
                let enc = cbc::Encryptor::<&C>::inner_iv_slice_init(c, iv).map_err(bad_iv)?;
                self.k.seal_padded(pt, out, |i, o| {
                    enc.encrypt_padded_b2b::<Pkcs7>(i, o).ok().map(|c| c.len())
                })
            }
            Mode::Pcbc => pcbc::encrypt(c, iv, pt, out),
            Mode::Cfb => {
                let enc = cfb_mode::Encryptor::<&C>::inner_iv_slice_init(c, iv).map_err(bad_iv)?;
                // The crate treats a final partial block as a stream, as OpenSSL's -cfb does.
                apply_stream(pt, out, |buf| {
                    enc.encrypt(buf);
                    Ok(())
                })
            }
            Mode::Ofb => apply_stream(pt, out, |buf| c.ofb_xor(iv, buf)),
            Mode::Ctr => apply_stream(pt, out, |buf| c.ctr_xor(iv, buf)),
        }
    }
}

impl<C: CatalogueCipher> Opener for ModeSuite<C> {
    fn open(
        &mut self,
        iv: &[u8],
        _: &[u8],
        body: &[u8],
        out: &mut Vec<u8>,
    ) -> Result<(), CryptoError> {
        let c = &self.k.cipher;
        let bad_iv = |_| CryptoError::Decrypt("wrong IV length");
        match self.mode {
            Mode::Ecb => {
                let dec = ecb::Decryptor::<&C>::inner_init(c);
                self.k.open_padded(body, out, |i, o| {
                    dec.decrypt_padded_b2b::<Pkcs7>(i, o).ok().map(|p| p.len())
                })
            }
            Mode::Cbc => {
                let dec = cbc::Decryptor::<&C>::inner_iv_slice_init(c, iv).map_err(bad_iv)?;
                self.k.open_padded(body, out, |i, o| {
                    dec.decrypt_padded_b2b::<Pkcs7>(i, o).ok().map(|p| p.len())
                })
            }
            Mode::Pcbc => pcbc::decrypt(c, iv, body, out),
            Mode::Cfb => {
                let dec = cfb_mode::Decryptor::<&C>::inner_iv_slice_init(c, iv).map_err(bad_iv)?;
                apply_stream(body, out, |buf| {
                    dec.decrypt(buf);
                    Ok(())
                })
            }
            Mode::Ofb => apply_stream(body, out, |buf| c.ofb_xor(iv, buf)),
            Mode::Ctr => apply_stream(body, out, |buf| c.ctr_xor(iv, buf)),
        }
    }
}

/// A [`Streamer`] of `cipher`-`mode` keyed with `key`, starting from `iv` (empty for ECB): the
/// same bytes as [`sealer`] for a message of whole blocks, less the padding block, and the next
/// call goes on where the last one stopped.
pub fn streamer(
    cipher: BlockCipher,
    mode: Mode,
    key: &[u8],
    iv: &[u8],
    direction: Direction,
) -> Result<Box<dyn Streamer>, CryptoError> {
    with_cipher!(cipher, streamer_for(mode, key, iv, direction))
}

fn streamer_for<C: CatalogueCipher>(
    mode: Mode,
    key: &[u8],
    iv: &[u8],
    direction: Direction,
) -> Result<Box<dyn Streamer>, CryptoError> {
    let c = Keyed::<C>::new(key)?.cipher;
    let bad_iv = || CryptoError::Key("wrong IV length".into());
    use Direction::{Decrypt, Encrypt};
    Ok(match (mode, direction) {
        (Mode::Ecb, Encrypt) => Box::new(EncryptBlocks(ecb::Encryptor::<C>::inner_init(c))),
        (Mode::Ecb, Decrypt) => Box::new(DecryptBlocks(ecb::Decryptor::<C>::inner_init(c))),
        (Mode::Cbc, Encrypt) => Box::new(EncryptBlocks(
            cbc::Encryptor::<C>::inner_iv_slice_init(c, iv).map_err(|_| bad_iv())?,
        )),
        (Mode::Cbc, Decrypt) => Box::new(DecryptBlocks(
            cbc::Decryptor::<C>::inner_iv_slice_init(c, iv).map_err(|_| bad_iv())?,
        )),
        // Whole blocks only, so the block-mode interface of `cfb-mode` serves (its buffered
        // one is for partial blocks).
        (Mode::Cfb, Encrypt) => Box::new(EncryptBlocks(
            cfb_mode::Encryptor::<C>::inner_iv_slice_init(c, iv).map_err(|_| bad_iv())?,
        )),
        (Mode::Cfb, Decrypt) => Box::new(DecryptBlocks(
            cfb_mode::Decryptor::<C>::inner_iv_slice_init(c, iv).map_err(|_| bad_iv())?,
        )),
        (Mode::Pcbc, direction) => Box::new(PcbcStream {
            feedback: <&Block<C>>::try_from(iv).map_err(|_| bad_iv())?.clone(),
            cipher: c,
            direction,
        }),
        (Mode::Ofb, _) => Box::new(Keystream(c.ofb_stream(iv)?)),
        (Mode::Ctr, _) => Box::new(Keystream(c.ctr_stream(iv)?)),
    })
}

/// A stream piece's input blocks and as many output blocks.
type Pieces<'i, 'o, M> = (&'i [Block<M>], &'o mut [Block<M>]);

/// `input` as whole blocks of `M`, and as many blocks at the start of `out`.
fn as_blocks<'i, 'o, M: BlockSizeUser>(
    input: &'i [u8],
    out: &'o mut [u8],
) -> Result<Pieces<'i, 'o, M>, CryptoError> {
    let (blocks, rest) = Block::<M>::slice_as_chunks(input);
    if !rest.is_empty() {
        return Err(CryptoError::Key(format!(
            "a stream takes whole {}-byte blocks, got {} bytes",
            M::block_size(),
            input.len()
        )));
    }
    let out = out
        .get_mut(..input.len())
        .ok_or_else(|| CryptoError::Key("stream output shorter than its input".into()))?;
    Ok((blocks, Block::<M>::slice_as_chunks_mut(out).0))
}

/// ECB, CBC and CFB streams: the mode crate's context, which keeps its chaining value.
struct EncryptBlocks<M>(M);
struct DecryptBlocks<M>(M);

impl<M: BlockModeEncrypt + Send> Streamer for EncryptBlocks<M> {
    fn update(&mut self, input: &[u8], out: &mut [u8]) -> Result<usize, CryptoError> {
        let (blocks, outs) = as_blocks::<M>(input, out)?;
        self.0
            .encrypt_blocks_b2b(blocks, outs)
            .map_err(|_| CryptoError::Key("stream buffers differ in length".into()))?;
        Ok(input.len())
    }
}

impl<M: BlockModeDecrypt + Send> Streamer for DecryptBlocks<M> {
    fn update(&mut self, input: &[u8], out: &mut [u8]) -> Result<usize, CryptoError> {
        let (blocks, outs) = as_blocks::<M>(input, out)?;
        self.0
            .decrypt_blocks_b2b(blocks, outs)
            .map_err(|_| CryptoError::Key("stream buffers differ in length".into()))?;
        Ok(input.len())
    }
}

/// OFB and CTR streams, both directions: the keystream goes on where it stopped.
struct Keystream(Box<dyn StreamCipher + Send>);

impl Streamer for Keystream {
    fn update(&mut self, input: &[u8], out: &mut [u8]) -> Result<usize, CryptoError> {
        let out = out
            .get_mut(..input.len())
            .ok_or_else(|| CryptoError::Key("stream output shorter than its input".into()))?;
        self.0
            .try_apply_keystream_b2b(input, out)
            .map_err(|_| CryptoError::Decrypt("keystream exhausted"))?;
        Ok(input.len())
    }
}

/// PCBC as a stream: the harness's chain (crypto/pcbc.rs) with its feedback kept between calls.
struct PcbcStream<C: CatalogueCipher> {
    cipher: C,
    feedback: Block<C>,
    direction: Direction,
}

impl<C: CatalogueCipher> Streamer for PcbcStream<C> {
    fn update(&mut self, input: &[u8], out: &mut [u8]) -> Result<usize, CryptoError> {
        let (blocks, outs) = as_blocks::<C>(input, out)?;
        match self.direction {
            Direction::Encrypt => {
                pcbc::encrypt_blocks(&self.cipher, &mut self.feedback, blocks, outs)
            }
            Direction::Decrypt => {
                pcbc::decrypt_blocks(&self.cipher, &mut self.feedback, blocks, outs)
            }
        }
        Ok(input.len())
    }
}

/// The stream modes' one pass: copy the input once, transform it in place (on an error, `out`
/// is left as it was).
fn apply_stream(
    input: &[u8],
    out: &mut Vec<u8>,
    xor: impl FnOnce(&mut [u8]) -> Result<(), CryptoError>,
) -> Result<(), CryptoError> {
    let start = out.len();
    out.extend_from_slice(input);
    xor(&mut out[start..]).inspect_err(|_| out.truncate(start))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unhex(s: &str) -> Vec<u8> {
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    /// NIST SP 800-38A F.2.1 CBC-AES128.Encrypt (four blocks; PKCS#7 adds a fifth block,
    /// which is AES(K, C4 xor 0x10...)).
    #[test]
    fn aes128_cbc_sp800_38a() {
        let key = unhex("2b7e151628aed2a6abf7158809cf4f3c");
        let iv = unhex("000102030405060708090a0b0c0d0e0f");
        let pt = unhex(concat!(
            "6bc1bee22e409f96e93d7e117393172a",
            "ae2d8a571e03ac9c9eb76fac45af8e51",
            "30c81c46a35ce411e5fbc1191a0a52ef",
            "f69f2445df4f9b17ad2b417be66c3710"
        ));
        let ct = unhex(concat!(
            "7649abac8119b246cee98e9b12e9197d",
            "5086cb9b507219ee95db113a917678b2",
            "73bed6b8e3c1743b7116e69e22229516",
            "3ff1caa1681fac09120eca307586e1a7"
        ));
        let mut s = sealer(BlockCipher::Aes128, Mode::Cbc, &key).unwrap();
        let mut out = Vec::new();
        s.seal(&iv, &[], &pt, &mut out).unwrap();
        assert_eq!(&out[..64], &ct[..]);
        assert_eq!(out.len(), 80);
        let mut o = opener(BlockCipher::Aes128, Mode::Cbc, &key).unwrap();
        let mut back = Vec::new();
        o.open(&iv, &[], &out, &mut back).unwrap();
        assert_eq!(back, pt);
        // Damage the padding block: the opener reports it, never panics.
        let last = out.len() - 1;
        out[last] ^= 0x01;
        assert!(o.open(&iv, &[], &out, &mut Vec::new()).is_err());
    }

    /// Garbage of every length, with IVs of every length, is an error or a plaintext, never a
    /// panic, in every mode of every cipher.
    #[test]
    fn openers_never_panic() {
        for cipher in BlockCipher::ALL {
            for mode in Mode::ALL {
                let mut o = opener(cipher, mode, &vec![7; cipher.key_len()]).unwrap();
                for iv_len in [0, 1, 8, 15, 16, 17] {
                    for body_len in [0, 1, 7, 8, 9, 16, 31, 32] {
                        let body: Vec<u8> = (0..body_len as u8).collect();
                        let _ = o.open(&vec![3; iv_len], &[], &body, &mut Vec::new());
                    }
                }
            }
        }
    }
}
