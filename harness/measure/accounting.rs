//! Per-subscriber message accounting: which (publisher, seq) pairs arrived, how often, in
//! what order. At the end `expected = delivered + lost` holds by construction.
//!
//! Memory is bounded whatever arrives: each publisher's seqs are tracked in a sliding window
//! of [`WINDOW`] seqs. A seq more than one window ahead of the highest seen, or below the
//! window, is not stored (the caller counts it malformed): a forged or corrupt header on an
//! unauthenticated suite cannot make the bit set grow, and the window only slides for a seq
//! at most one window ahead, so forging can move it by one window per message at most and
//! never past what that costs in memory.

use crate::results::Counts;

/// Seqs tracked per publisher: 4 Mi seqs, 512 KiB at most, allocated as seqs arrive. A real
/// jump ahead this large is an outage of 4 M messages of one publisher (40 s at 100 k msg/s).
pub const WINDOW: u64 = 1 << 22;
/// Words dropped at once when the window slides, so a long run moves the bit set rarely
/// (an eighth of the window each time) rather than once per 64 messages.
const SLIDE_WORDS: usize = (WINDOW / 64 / 8) as usize;

/// Seqs seen from one publisher: the bits of `[base, base + WINDOW)` plus how many distinct
/// seqs below `base` arrived before the window slid past them.
#[derive(Default, Clone)]
struct SeqSet {
    /// Bit i of word w is seq `base + 64 w + i`.
    bits: Vec<u64>,
    /// Multiple of 64.
    base: u64,
    /// Distinct seqs below `base`.
    below: u64,
    distinct: u64,
    highest: Option<u64>,
}

/// What one arrival was.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Arrival {
    /// First copy, in order.
    New,
    /// First copy, but a higher seq of the same publisher came earlier.
    OutOfOrder,
    /// A copy of a pair already received.
    Duplicate,
}

impl SeqSet {
    fn arrive(&mut self, seq: u64) -> Option<Arrival> {
        if seq < self.base {
            // Below the window: too old to tell a copy from a first arrival.
            return None;
        }
        let top = self
            .highest
            .map_or(0, |h| h.saturating_add(1))
            .max(self.base);
        if seq >= top.saturating_add(WINDOW) {
            return None;
        }
        if seq - self.base >= WINDOW {
            self.slide_to(seq);
        }
        let off = seq - self.base;
        let (word, bit) = ((off / 64) as usize, off % 64);
        if self.bits.len() <= word {
            self.bits.resize(word + 1, 0);
        }
        if self.bits[word] & (1 << bit) != 0 {
            return Some(Arrival::Duplicate);
        }
        self.bits[word] |= 1 << bit;
        self.distinct += 1;
        let arrival = match self.highest {
            Some(h) if seq < h => Arrival::OutOfOrder,
            _ => Arrival::New,
        };
        self.highest = Some(self.highest.map_or(seq, |h| h.max(seq)));
        Some(arrival)
    }

    /// Moves the window up so `seq` falls inside it, folding the dropped words into `below`.
    fn slide_to(&mut self, seq: u64) {
        let need = ((seq - self.base - WINDOW) / 64 + 1) as usize;
        let drop = need.max(SLIDE_WORDS);
        let kept = drop.min(self.bits.len());
        self.below += self.bits[..kept]
            .iter()
            .map(|w| u64::from(w.count_ones()))
            .sum::<u64>();
        self.bits.drain(..kept);
        self.base += drop as u64 * 64;
    }

    fn delivered_below(&self, sent: u64) -> u64 {
        if self.highest.is_none_or(|h| h < sent) {
            return self.distinct;
        }
        // Only a seq at or beyond `sent` (one the publisher never sent: forged or corrupt)
        // can have slid the window past `sent`; what lies below it then is not known apart.
        if sent <= self.base {
            return self.below;
        }
        let off = sent - self.base;
        let full = (off / 64) as usize;
        let mut n: u64 = self
            .bits
            .iter()
            .take(full)
            .map(|w| u64::from(w.count_ones()))
            .sum();
        let rem = off % 64;
        if rem > 0
            && let Some(w) = self.bits.get(full)
        {
            n += u64::from((w & ((1u64 << rem) - 1)).count_ones());
        }
        self.below + n
    }
}

#[derive(Default, Clone)]
pub struct Receipts {
    per_publisher: Vec<SeqSet>,
}

impl Receipts {
    pub fn new(publishers: usize) -> Self {
        Self {
            per_publisher: vec![SeqSet::default(); publishers],
        }
    }

    /// Records one opened message. `None` when the pair is out of range: an unknown
    /// publisher, or a seq outside the window (counted malformed, never stored).
    pub fn arrive(&mut self, publisher: u32, seq: u64) -> Option<Arrival> {
        self.per_publisher.get_mut(publisher as usize)?.arrive(seq)
    }

    /// Distinct pairs received from `publisher` with seq below `sent` (what it really sent).
    pub fn delivered_of(&self, publisher: usize, sent: u64) -> u64 {
        self.per_publisher
            .get(publisher)
            .map_or(0, |set| set.delivered_below(sent))
    }

    /// Words of bit set held over all publishers (the memory bound's test reads it).
    pub fn tracked_words(&self) -> usize {
        self.per_publisher.iter().map(|s| s.bits.len()).sum()
    }

    /// Fills `delivered`, `expected` and `lost` of `counts` given what each publisher sent.
    pub fn settle(&self, sent_per_publisher: &[u64], counts: &mut Counts) {
        for (i, &sent) in sent_per_publisher.iter().enumerate() {
            let got = self.delivered_of(i, sent);
            counts.expected += sent;
            counts.delivered += got;
            counts.lost += sent - got;
        }
    }

    /// True when every message each publisher sent has arrived.
    pub fn complete(&self, sent_per_publisher: &[u64]) -> bool {
        sent_per_publisher
            .iter()
            .enumerate()
            .all(|(i, &sent)| self.delivered_of(i, sent) == sent)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_duplicates_reordering_and_loss() {
        let mut r = Receipts::new(2);
        assert_eq!(r.arrive(0, 0), Some(Arrival::New));
        assert_eq!(r.arrive(0, 2), Some(Arrival::New));
        assert_eq!(r.arrive(0, 1), Some(Arrival::OutOfOrder));
        assert_eq!(r.arrive(0, 2), Some(Arrival::Duplicate));
        assert_eq!(r.arrive(1, 70), Some(Arrival::New));
        assert_eq!(r.arrive(2, 0), None, "unknown publisher");
        assert_eq!(r.arrive(0, u64::MAX), None, "absurd seq");
        let mut c = Counts::default();
        r.settle(&[4, 100], &mut c);
        assert_eq!(c.expected, 104);
        assert_eq!(c.delivered, 4);
        assert_eq!(c.lost, 100);
        assert_eq!(c.expected, c.delivered + c.lost);
        assert!(!r.complete(&[4, 100]));
        assert!(r.complete(&[3, 0]));
        // A seq beyond what the publisher reports sent is not counted as delivered.
        assert_eq!(r.delivered_of(1, 70), 0);
        assert_eq!(r.delivered_of(1, 71), 1);
    }

    #[test]
    fn forged_seqs_never_grow_memory() {
        let mut r = Receipts::new(1);
        for s in 0..1000 {
            assert_eq!(r.arrive(0, s), Some(Arrival::New));
        }
        let before = r.tracked_words();
        // Far ahead (u64::MAX, and a spread of huge values): refused, nothing allocated.
        let mut x = 0x9E37_79B9_7F4A_7C15u64;
        for _ in 0..10_000 {
            x = x.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            let huge = x | (1 << 63);
            assert_eq!(r.arrive(0, huge), None);
        }
        assert_eq!(r.arrive(0, u64::MAX), None);
        assert_eq!(r.arrive(0, 1000 + 2 * WINDOW), None);
        assert_eq!(r.tracked_words(), before);
        // Walking ahead one window at a time (the most a forger can do per message) slides the
        // window; the bit set never exceeds one window.
        let mut seq = 999;
        for _ in 0..64 {
            seq += WINDOW - 1;
            assert!(r.arrive(0, seq).is_some());
            assert!(
                r.tracked_words() as u64 <= WINDOW / 64,
                "{}",
                r.tracked_words()
            );
        }
        // What slid out of the window is still counted; seqs below it are refused, not stored.
        let mut c = Counts::default();
        r.settle(&[seq + 1], &mut c);
        assert_eq!(c.delivered, 1000 + 64);
        assert_eq!(r.arrive(0, 5), None);
    }

    #[test]
    fn a_long_honest_run_slides_and_counts_exactly() {
        let mut r = Receipts::new(1);
        let n = 3 * WINDOW + 12_345;
        // Every 7th message lost; a few arrive late, a few twice.
        let mut delivered = 0;
        for s in 0..n {
            if s % 7 == 3 {
                continue;
            }
            let a = r.arrive(0, s);
            assert!(matches!(a, Some(Arrival::New)), "{s}: {a:?}");
            delivered += 1;
            if s % 100_000 == 1 {
                assert_eq!(r.arrive(0, s), Some(Arrival::Duplicate));
                if (s - 1) % 7 != 3 {
                    assert_eq!(r.arrive(0, s - 1), Some(Arrival::Duplicate));
                }
            }
        }
        assert!(r.tracked_words() as u64 <= WINDOW / 64);
        let mut c = Counts::default();
        r.settle(&[n], &mut c);
        assert_eq!(c.delivered, delivered);
        assert_eq!(c.lost, n - delivered);
        // A publisher that reports fewer sent than the highest seq seen (inside the window).
        let tail = (n - 10..n).filter(|s| s % 7 != 3).count() as u64;
        assert_eq!(r.delivered_of(0, n - 10), delivered - tail);
    }
}
