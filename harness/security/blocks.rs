//! ECB leakage made visible: repeated ciphertext blocks inside one envelope body.
//!
//! ECB encrypts equal plaintext blocks to equal ciphertext blocks, so a patterned payload
//! (all zeros, JSON with the same keys in every reading) shows its structure on the wire. The
//! subscriber counts, on a sample of the envelopes it really received, how many blocks of each
//! body equal an earlier block of the same body, in units of the suite's block (8 bytes for
//! DES, 3DES and Blowfish, 16 for AES; 16 for stream modes, AEADs, hybrids and `none`, which
//! have no block structure of their own). A CBC/CTR/GCM body of any plaintext has none (but for
//! a 2^-64 or 2^-128 chance); `none` repeats whatever the plaintext repeats.

use std::collections::{HashMap, HashSet};

use crate::crypto::suite::{Family, Suite};
pub use crate::results::BlockRepeats;

/// Blocks counted per body at most (a 16 MiB body would otherwise cost a million hashes).
pub const MAX_BLOCKS_PER_BODY: usize = 4096;

/// The unit `suite`'s bodies are cut into.
pub fn block_len(suite: Suite) -> usize {
    match suite.family() {
        Family::Block(cipher, _) => cipher.block_len(),
        _ => 16,
    }
}

/// Blocks of `body` (whole blocks only, at most [`MAX_BLOCKS_PER_BODY`]) equal to an earlier
/// block of the same body.
pub fn repeated_blocks(body: &[u8], block_len: usize) -> (u64, u64) {
    if block_len == 0 {
        return (0, 0);
    }
    let mut seen: HashSet<&[u8]> = HashSet::new();
    let mut blocks = 0u64;
    let mut repeats = 0u64;
    for b in body.chunks_exact(block_len).take(MAX_BLOCKS_PER_BODY) {
        blocks += 1;
        if !seen.insert(b) {
            repeats += 1;
        }
    }
    (blocks, repeats)
}

impl BlockRepeats {
    pub fn new(block_len: usize) -> Self {
        Self {
            block_len,
            ..Default::default()
        }
    }

    pub fn add_body(&mut self, body: &[u8]) {
        let (blocks, repeated) = repeated_blocks(body, self.block_len);
        self.envelopes += 1;
        self.blocks += blocks;
        self.repeated += repeated;
        self.envelopes_with_repeats += u64::from(repeated > 0);
    }

    pub fn merge(&mut self, other: &BlockRepeats) {
        self.block_len = self.block_len.max(other.block_len);
        self.envelopes += other.envelopes;
        self.blocks += other.blocks;
        self.repeated += other.repeated;
        self.envelopes_with_repeats += other.envelopes_with_repeats;
        self.repeated_across += other.repeated_across;
    }

    /// Mean repeated blocks per envelope.
    pub fn per_envelope(&self) -> f64 {
        if self.envelopes == 0 {
            0.0
        } else {
            self.repeated as f64 / self.envelopes as f64
        }
    }
}

/// Samples the first `limit` envelopes a subscriber opens: repeats inside each body, and
/// blocks already seen in an earlier sampled body of the same publisher.
#[derive(Debug)]
pub struct BlockSampler {
    pub repeats: BlockRepeats,
    limit: u64,
    seen: HashMap<u32, HashSet<Vec<u8>>>,
}

impl BlockSampler {
    pub fn new(block_len: usize, limit: u64) -> Self {
        Self {
            repeats: BlockRepeats::new(block_len),
            limit,
            seen: HashMap::new(),
        }
    }

    /// True while the sample is not full.
    pub fn wants(&self) -> bool {
        self.repeats.envelopes < self.limit
    }

    pub fn add(&mut self, publisher: u32, body: &[u8]) {
        if !self.wants() {
            return;
        }
        self.repeats.add_body(body);
        let n = self.repeats.block_len;
        if n == 0 {
            return;
        }
        let seen = self.seen.entry(publisher).or_default();
        let blocks: Vec<&[u8]> = body.chunks_exact(n).take(MAX_BLOCKS_PER_BODY).collect();
        self.repeats.repeated_across += blocks.iter().filter(|b| seen.contains(**b)).count() as u64;
        seen.extend(blocks.into_iter().map(<[u8]>::to_vec));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_blocks_equal_to_an_earlier_one() {
        assert_eq!(repeated_blocks(&[0; 64], 16), (4, 3));
        assert_eq!(
            repeated_blocks(&[0; 63], 16),
            (3, 2),
            "partial block ignored"
        );
        let distinct: Vec<u8> = (0..64).collect();
        assert_eq!(repeated_blocks(&distinct, 8), (8, 0));
        let mut ab = vec![1u8; 8];
        ab.extend([2u8; 8]);
        ab.extend([1u8; 8]);
        assert_eq!(repeated_blocks(&ab, 8), (3, 1));
        let mut r = BlockRepeats::new(8);
        r.add_body(&ab);
        r.add_body(&distinct);
        assert_eq!((r.envelopes, r.blocks, r.repeated), (2, 11, 1));
        assert_eq!(r.envelopes_with_repeats, 1);

        let mut s = BlockSampler::new(8, 2);
        s.add(0, &ab);
        s.add(1, &ab);
        assert_eq!(
            s.repeats.repeated_across, 0,
            "another publisher, another key"
        );
        s.add(0, &ab);
        assert_eq!(s.repeats.envelopes, 2, "sample full");
        let mut s = BlockSampler::new(8, 8);
        s.add(0, &ab);
        s.add(0, &ab);
        assert_eq!(s.repeats.repeated_across, 3);
        assert_eq!(s.repeats.repeated, 2);
    }
}
