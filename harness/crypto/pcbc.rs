//! PCBC (propagating cipher block chaining), built from its definition because no crate ships it:
//! `C_i = E(P_i xor P_{i-1} xor C_{i-1})` with `P_0 xor C_0` replaced by the IV.
//!
//! The seeds compare PCBC against the other modes, so it is here for fidelity, not advice: an
//! error in one ciphertext block garbles every plaintext block after it (which is its point), yet
//! swapping two adjacent ciphertext blocks goes undetected.

use cipher::{Block, BlockCipherDecrypt, BlockCipherEncrypt, BlockSizeUser};

use super::CryptoError;

/// Appends the PKCS#7-padded PCBC encryption of `pt` to `out`. `iv` must be one block.
pub fn encrypt<C: BlockCipherEncrypt>(
    cipher: &C,
    iv: &[u8],
    pt: &[u8],
    out: &mut Vec<u8>,
) -> Result<(), CryptoError> {
    let mut feedback = block_from::<C>(iv).ok_or(CryptoError::Key("wrong IV length".into()))?;
    let b = feedback.len();
    let full = pt.len() / b;
    out.reserve((full + 1) * b);
    let mut chain = |p: &Block<C>, out: &mut Vec<u8>| {
        let mut x = p.clone();
        xor_into(&mut x, &feedback);
        cipher.encrypt_block(&mut x);
        out.extend_from_slice(&x);
        // Next feedback = P_i xor C_i.
        xor_into(&mut x, p);
        feedback = x;
    };
    for chunk in pt.chunks_exact(b) {
        chain(&block_from::<C>(chunk).unwrap_or_default(), out);
    }
    let tail = &pt[full * b..];
    let pad = (b - tail.len()) as u8;
    let mut last = Block::<C>::default();
    last[..tail.len()].copy_from_slice(tail);
    last[tail.len()..].fill(pad);
    chain(&last, out);
    Ok(())
}

/// Appends the PCBC decryption of `body` with its PKCS#7 padding removed.
pub fn decrypt<C: BlockCipherDecrypt>(
    cipher: &C,
    iv: &[u8],
    body: &[u8],
    out: &mut Vec<u8>,
) -> Result<(), CryptoError> {
    let mut feedback = block_from::<C>(iv).ok_or(CryptoError::Decrypt("wrong IV length"))?;
    let b = feedback.len();
    if body.is_empty() || body.len() % b != 0 {
        return Err(CryptoError::Decrypt("body is not a whole number of blocks"));
    }
    let start = out.len();
    out.reserve(body.len());
    for chunk in body.chunks_exact(b) {
        let c = block_from::<C>(chunk).unwrap_or_default();
        let mut p = c.clone();
        cipher.decrypt_block(&mut p);
        xor_into(&mut p, &feedback);
        out.extend_from_slice(&p);
        xor_into(&mut p, &c);
        feedback = p;
    }
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

fn block_from<C: BlockSizeUser>(bytes: &[u8]) -> Option<Block<C>> {
    Block::<C>::try_from(bytes).ok()
}

fn xor_into(acc: &mut [u8], other: &[u8]) {
    for (a, o) in acc.iter_mut().zip(other.iter()) {
        *a ^= o;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pkcs7_rules() {
        assert_eq!(pkcs7_len(&[1, 2, 3, 4, 5, 6, 7, 1], 8), Some(7));
        assert_eq!(pkcs7_len(&[8; 8], 8), Some(0));
        assert_eq!(pkcs7_len(&[1, 2, 3, 4, 5, 6, 2, 3], 8), None);
        assert_eq!(pkcs7_len(&[0; 8], 8), None);
        assert_eq!(pkcs7_len(&[9; 8], 8), None);
    }
}
