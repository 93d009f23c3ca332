//! PCBC (propagating cipher block chaining), built from its definition because no crate ships it:
//! `C_i = E(P_i xor P_{i-1} xor C_{i-1})` with `P_0 xor C_0` replaced by the IV.
//!
//! The seeds compare PCBC against the other modes, so it is here for fidelity, not advice: an
//! error in one ciphertext block garbles every plaintext block after it (which is its point), yet
//! swapping two adjacent ciphertext blocks goes undetected.
//!
//! It is written to cost what CBC costs plus one XOR per block, so that a mode comparison shows
//! the mode and not this file: encryption runs inside one `encrypt_with_backend` call (the
//! cipher's backend, e.g. AES-NI with its round keys loaded, is picked once per message, as the
//! `cbc` crate does) and writes each block straight into the output; decryption runs the
//! backend's parallel call a batch at a time (like CBC decryption) and XORs the chain while the
//! batch is in registers.

use cipher::array::ArraySize;
use cipher::{
    Array, Block, BlockCipherDecBackend, BlockCipherDecClosure, BlockCipherDecrypt,
    BlockCipherEncBackend, BlockCipherEncClosure, BlockCipherEncrypt, BlockSizeUser, ParBlocks,
};

use super::base::CryptoError;

/// Appends the PKCS#7-padded PCBC encryption of `pt` to `out`. `iv` must be one block.
pub fn encrypt<C: BlockCipherEncrypt>(
    cipher: &C,
    iv: &[u8],
    pt: &[u8],
    out: &mut Vec<u8>,
) -> Result<(), CryptoError> {
    let iv = <&Block<C>>::try_from(iv).map_err(|_| CryptoError::Key("wrong IV length".into()))?;
    let b = C::block_size();
    let start = out.len();
    out.resize(start + (pt.len() / b + 1) * b, 0);
    let (blocks, _) = Block::<C>::slice_as_chunks_mut(&mut out[start..]);
    let (full, tail) = Block::<C>::slice_as_chunks(pt);
    cipher.encrypt_with_backend(EncryptChain {
        feedback: &mut iv.clone(),
        full,
        tail: Some(tail),
        out: blocks,
    });
    Ok(())
}

/// Encrypts whole blocks `input` into `out` (as many blocks) as one piece of a longer PCBC
/// message, no padding: `feedback` is the IV before the first piece and is left where the next
/// piece goes on (`speed --stream`).
pub fn encrypt_blocks<C: BlockCipherEncrypt>(
    cipher: &C,
    feedback: &mut Block<C>,
    input: &[Block<C>],
    out: &mut [Block<C>],
) {
    cipher.encrypt_with_backend(EncryptChain {
        feedback,
        full: input,
        tail: None,
        out,
    });
}

/// Decrypts whole blocks `input` into `out` as one piece of a longer PCBC message (see
/// [`encrypt_blocks`]).
pub fn decrypt_blocks<C: BlockCipherDecrypt>(
    cipher: &C,
    feedback: &mut Block<C>,
    input: &[Block<C>],
    out: &mut [Block<C>],
) {
    cipher.decrypt_with_backend(DecryptChain {
        feedback,
        cts: input,
        pts: out,
    });
}

/// Appends the PCBC decryption of `body` with its PKCS#7 padding removed.
pub fn decrypt<C: BlockCipherDecrypt>(
    cipher: &C,
    iv: &[u8],
    body: &[u8],
    out: &mut Vec<u8>,
) -> Result<(), CryptoError> {
    let iv = <&Block<C>>::try_from(iv).map_err(|_| CryptoError::Decrypt("wrong IV length"))?;
    let b = C::block_size();
    if body.is_empty() || body.len() % b != 0 {
        return Err(CryptoError::Decrypt("body is not a whole number of blocks"));
    }
    let start = out.len();
    out.resize(start + body.len(), 0);
    unchain(cipher, iv, body, &mut out[start..]);
    match pkcs7_len(&out[start..], b) {
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

/// Decrypts whole blocks `body` into `out` (same length) inside one `decrypt_with_backend` call,
/// as the `cbc` crate does: the ciphertext goes through the backend's parallel call a batch
/// at a time (8 blocks for AES-NI) into a local, and the chain
/// `P_i = D(C_i) xor P_{i-1} xor C_{i-1}` is XORed while the batch is still in registers.
/// A first version decrypted the whole body and then made a second pass over it: AES-128
/// decryption measured 1.42x CBC at 4 KiB that way.
fn unchain<C: BlockCipherDecrypt>(cipher: &C, iv: &Block<C>, body: &[u8], out: &mut [u8]) {
    let (cts, _) = Block::<C>::slice_as_chunks(body);
    let (pts, _) = Block::<C>::slice_as_chunks_mut(out);
    cipher.decrypt_with_backend(DecryptChain {
        feedback: &mut iv.clone(),
        cts,
        pts,
    });
}

/// The decryption loop, run with the cipher's backend.
struct DecryptChain<'a, BS: ArraySize> {
    /// `P_0 xor C_0` before the first block (the IV), written back after the last.
    feedback: &'a mut Array<u8, BS>,
    cts: &'a [Array<u8, BS>],
    /// As many blocks as `cts`.
    pts: &'a mut [Array<u8, BS>],
}

impl<BS: ArraySize> BlockSizeUser for DecryptChain<'_, BS> {
    type BlockSize = BS;
}

impl<BS: ArraySize> BlockCipherDecClosure for DecryptChain<'_, BS> {
    #[inline(always)]
    fn call<B: BlockCipherDecBackend<BlockSize = BS>>(self, backend: &B) {
        // feedback_i = P_i xor C_i = feedback_{i-1} xor D(C_i) xor C_i: the serial chain is one
        // XOR per block, kept in a local.
        let mut feedback = self.feedback.clone();
        let (par_cts, tail_cts) = ParBlocks::<B>::slice_as_chunks(self.cts);
        let (par_pts, tail_pts) = ParBlocks::<B>::slice_as_chunks_mut(self.pts);
        for (c, p) in par_cts.iter().zip(par_pts) {
            let mut d = c.clone();
            backend.decrypt_par_blocks_inplace(&mut d);
            for ((d, c), p) in d.iter_mut().zip(c.iter()).zip(p.iter_mut()) {
                unchain_block(&mut feedback, d, c, p);
            }
        }
        for (c, p) in tail_cts.iter().zip(tail_pts) {
            let mut d = c.clone();
            backend.decrypt_block_inplace(&mut d);
            unchain_block(&mut feedback, &mut d, c, p);
        }
        *self.feedback = feedback;
    }
}

/// `P_i = d xor feedback` (d = D(C_i)), then `feedback ^= d xor C_i`: `d xor C_i` does not
/// wait on the chain, so the chain itself is one XOR per block.
#[inline(always)]
fn unchain_block<BS: ArraySize>(
    feedback: &mut Array<u8, BS>,
    d: &mut Array<u8, BS>,
    c: &Array<u8, BS>,
    p: &mut Array<u8, BS>,
) {
    let mut plain = d.clone();
    xor_into(&mut plain, feedback);
    xor_into(d, c);
    xor_into(feedback, d);
    *p = plain;
}

/// The encryption loop, run with the cipher's backend (a rank-2 closure in cipher 0.5).
struct EncryptChain<'a, BS: ArraySize> {
    /// The IV before the first block, written back after the last (a stream goes on from it).
    feedback: &'a mut Array<u8, BS>,
    /// The plaintext's whole blocks.
    full: &'a [Array<u8, BS>],
    /// The bytes after them (fewer than a block), which PKCS#7 completes; None for a piece of
    /// a stream, which has no padding.
    tail: Option<&'a [u8]>,
    /// `full.len() + 1` blocks with a tail, `full.len()` without.
    out: &'a mut [Array<u8, BS>],
}

impl<BS: ArraySize> BlockSizeUser for EncryptChain<'_, BS> {
    type BlockSize = BS;
}

impl<BS: ArraySize> BlockCipherEncClosure for EncryptChain<'_, BS> {
    #[inline(always)]
    fn call<B: BlockCipherEncBackend<BlockSize = BS>>(self, backend: &B) {
        let (outs, padded) = match self.tail {
            Some(tail) => {
                let Some((last_out, outs)) = self.out.split_last_mut() else {
                    unreachable!("PKCS#7 output always has a block");
                };
                (outs, Some((tail, last_out)))
            }
            None => (self.out, None),
        };
        let mut feedback = self.feedback.clone();
        for (p, c) in self.full.iter().zip(outs) {
            chain_block(backend, &mut feedback, p, c);
        }
        if let Some((tail, last_out)) = padded {
            let mut last = Array::<u8, BS>::default();
            let n = tail.len();
            last[..n].copy_from_slice(tail);
            last[n..].fill((BS::USIZE - n) as u8);
            chain_block(backend, &mut feedback, &last, last_out);
        }
        *self.feedback = feedback;
    }
}

/// `C_i = E(P_i xor feedback)`, then `feedback = P_i xor C_i`. The block is worked on in a
/// local and stored to `c` once: encrypting in the output buffer put a store and a reload on
/// the serial chain of every block (AES-128-PCBC measured 1.8x CBC that way).
#[inline(always)]
fn chain_block<B: BlockCipherEncBackend>(
    backend: &B,
    feedback: &mut Block<B>,
    p: &Block<B>,
    c: &mut Block<B>,
) {
    let mut x = p.clone();
    xor_into(&mut x, feedback);
    backend.encrypt_block_inplace(&mut x);
    *c = x.clone();
    xor_into(&mut x, p);
    *feedback = x;
}

/// Length of the unpadded data, or None when the PKCS#7 padding is malformed. Looks at every
/// candidate byte so the time does not depend on where the padding goes wrong.
fn pkcs7_len(data: &[u8], b: usize) -> Option<usize> {
    let last = *data.last()?;
    let pad = usize::from(last);
    let tail = &data[data.len() - b..];
    let mut bad = u8::from(pad == 0 || pad > b);
    for (i, &byte) in tail.iter().rev().enumerate() {
        let inside = u8::from(i < pad);
        bad |= inside & u8::from(byte != last);
    }
    (bad == 0).then(|| data.len() - pad)
}

/// `acc ^= other` for 8- and 16-byte blocks, a 64-bit word at a time so that it is two or
/// one instructions per word whether or not the byte loop would have been vectorized.
#[inline(always)]
fn xor_into(acc: &mut [u8], other: &[u8]) {
    let mut a = acc.chunks_exact_mut(8);
    let mut o = other.chunks_exact(8);
    for (a, o) in a.by_ref().zip(o.by_ref()) {
        let (Ok(x), Ok(y)) = (<[u8; 8]>::try_from(&*a), <[u8; 8]>::try_from(o)) else {
            unreachable!("chunks_exact(8) yields 8 bytes");
        };
        a.copy_from_slice(&(u64::from_ne_bytes(x) ^ u64::from_ne_bytes(y)).to_ne_bytes());
    }
    for (a, o) in a.into_remainder().iter_mut().zip(o.remainder()) {
        *a ^= o;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use cipher::KeyInit;

    #[test]
    fn pkcs7_rules() {
        assert_eq!(pkcs7_len(&[1, 2, 3, 4, 5, 6, 7, 1], 8), Some(7));
        assert_eq!(pkcs7_len(&[8; 8], 8), Some(0));
        assert_eq!(pkcs7_len(&[1, 2, 3, 4, 5, 6, 2, 3], 8), None);
        assert_eq!(pkcs7_len(&[0; 8], 8), None);
        assert_eq!(pkcs7_len(&[9; 8], 8), None);
    }

    /// The textbook loop, one block at a time through the cipher's single-block calls: what the
    /// optimized paths above must agree with.
    fn reference_encrypt<C: BlockCipherEncrypt>(cipher: &C, iv: &[u8], padded: &[u8]) -> Vec<u8> {
        let mut feedback = iv.to_vec();
        let mut out = Vec::new();
        for p in padded.chunks(iv.len()) {
            let mut x = Block::<C>::try_from(p).unwrap();
            xor_into(&mut x, &feedback);
            cipher.encrypt_block(&mut x);
            feedback = p.iter().zip(x.iter()).map(|(p, c)| p ^ c).collect();
            out.extend_from_slice(&x);
        }
        out
    }

    fn reference_decrypt<C: BlockCipherDecrypt>(cipher: &C, iv: &[u8], body: &[u8]) -> Vec<u8> {
        let mut feedback = iv.to_vec();
        let mut out = Vec::new();
        for c in body.chunks(iv.len()) {
            let mut x = Block::<C>::try_from(c).unwrap();
            cipher.decrypt_block(&mut x);
            xor_into(&mut x, &feedback);
            feedback = c.iter().zip(x.iter()).map(|(c, p)| p ^ c).collect();
            out.extend_from_slice(&x);
        }
        out
    }

    fn pkcs7(data: &[u8], b: usize) -> Vec<u8> {
        let pad = b - data.len() % b;
        let mut v = data.to_vec();
        v.resize(data.len() + pad, pad as u8);
        v
    }

    /// Both directions against the reference, for every length up to ten blocks and for
    /// arbitrary ciphertexts (not only our own), with output appended after existing bytes.
    fn matches_reference<C: BlockCipherEncrypt + BlockCipherDecrypt + KeyInit>() {
        let b = C::block_size();
        let key: Vec<u8> = (0..C::key_size() as u8)
            .map(|i| i.wrapping_mul(37) ^ 0x5c)
            .collect();
        let cipher = C::new_from_slice(&key).unwrap();
        let iv: Vec<u8> = (0..b as u8).map(|i| 0xa0 ^ i).collect();
        for len in 0..=10 * b + 1 {
            let pt: Vec<u8> = (0..len).map(|i| (i * 11 + len) as u8).collect();
            let expect = reference_encrypt(&cipher, &iv, &pkcs7(&pt, b));
            let mut out = vec![0xee; 3];
            encrypt(&cipher, &iv, &pt, &mut out).unwrap();
            assert_eq!(&out[..3], &[0xee; 3]);
            assert_eq!(&out[3..], &expect[..], "encrypt, {b}-byte block, len {len}");

            let mut back = vec![0xdd; 2];
            decrypt(&cipher, &iv, &expect, &mut back).unwrap();
            assert_eq!(&back[2..], &pt[..], "decrypt, {b}-byte block, len {len}");

            if len % b == 0 && len > 0 {
                // Any whole blocks decrypt as the reference says, padding valid or not.
                let body: Vec<u8> = (0..len).map(|i| (i * 29 + 7) as u8).collect();
                let mut raw = vec![0; len];
                unchain(&cipher, (&iv[..]).try_into().unwrap(), &body, &mut raw);
                assert_eq!(raw, reference_decrypt(&cipher, &iv, &body), "len {len}");
            }
        }
    }

    #[test]
    fn matches_the_block_by_block_reference_for_every_cipher() {
        matches_reference::<des::Des>();
        matches_reference::<des::TdesEde3>();
        matches_reference::<blowfish::Blowfish>();
        matches_reference::<aes::Aes128>();
        matches_reference::<aes::Aes192>();
        matches_reference::<aes::Aes256>();
    }

    /// Two stream pieces (`encrypt_blocks`, `decrypt_blocks`) give the reference's bytes for
    /// the whole message, so the feedback really goes on from one piece to the next.
    #[test]
    fn stream_pieces_continue_the_chain() {
        let cipher = des::Des::new_from_slice(&[0x13; 8]).unwrap();
        let iv = [0x42u8; 8];
        let pt: Vec<u8> = (0..40u8).map(|i| i.wrapping_mul(7)).collect();
        let expect = reference_encrypt(&cipher, &iv, &pt);
        let blocks = |b: &[u8]| Block::<des::Des>::slice_as_chunks(b).0.to_vec();
        let mut feedback = Block::<des::Des>::try_from(&iv[..]).unwrap();
        let mut ct: [Block<des::Des>; 5] = Default::default();
        let (first, second) = ct.split_at_mut(2);
        encrypt_blocks(&cipher, &mut feedback, &blocks(&pt[..16]), first);
        encrypt_blocks(&cipher, &mut feedback, &blocks(&pt[16..]), second);
        assert_eq!(ct.iter().flatten().copied().collect::<Vec<u8>>(), expect);
        let mut feedback = Block::<des::Des>::try_from(&iv[..]).unwrap();
        let mut back: [Block<des::Des>; 5] = Default::default();
        let (first, second) = back.split_at_mut(3);
        decrypt_blocks(&cipher, &mut feedback, &blocks(&expect[..24]), first);
        decrypt_blocks(&cipher, &mut feedback, &blocks(&expect[24..]), second);
        assert_eq!(back.iter().flatten().copied().collect::<Vec<u8>>(), pt);
    }

    #[test]
    fn refuses_bad_shapes_without_touching_out() {
        let cipher = aes::Aes128::new_from_slice(&[1; 16]).unwrap();
        let mut out = vec![9];
        assert!(encrypt(&cipher, &[0; 15], b"x", &mut out).is_err());
        assert!(decrypt(&cipher, &[0; 16], &[0; 15], &mut out).is_err());
        assert!(decrypt(&cipher, &[0; 17], &[0; 16], &mut out).is_err());
        assert_eq!(out, [9]);
    }
}
