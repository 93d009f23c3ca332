//! Per-subscriber message accounting: which (publisher, seq) pairs arrived, how often, in
//! what order. At the end `expected = delivered + lost` holds by construction.

use crate::results::Counts;

/// Seqs seen from one publisher, as a growable bit set.
#[derive(Default, Clone)]
struct SeqSet {
    bits: Vec<u64>,
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

/// Seqs beyond this are not tracked (a forged or corrupt header must not make us allocate
/// gigabytes); at 1 M msg/s it is 10 minutes of one publisher.
const MAX_TRACKED_SEQ: u64 = 600_000_000;

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

    /// Records one opened message. `None` when the pair is out of range (counted malformed).
    pub fn arrive(&mut self, publisher: u32, seq: u64) -> Option<Arrival> {
        let set = self.per_publisher.get_mut(publisher as usize)?;
        if seq >= MAX_TRACKED_SEQ {
            return None;
        }
        let (word, bit) = ((seq / 64) as usize, seq % 64);
        if set.bits.len() <= word {
            set.bits.resize(word + 1, 0);
        }
        if set.bits[word] & (1 << bit) != 0 {
            return Some(Arrival::Duplicate);
        }
        set.bits[word] |= 1 << bit;
        set.distinct += 1;
        let arrival = match set.highest {
            Some(h) if seq < h => Arrival::OutOfOrder,
            _ => Arrival::New,
        };
        set.highest = Some(set.highest.map_or(seq, |h| h.max(seq)));
        Some(arrival)
    }

    /// Distinct pairs received from `publisher` with seq below `sent` (what it really sent).
    pub fn delivered_of(&self, publisher: usize, sent: u64) -> u64 {
        let Some(set) = self.per_publisher.get(publisher) else {
            return 0;
        };
        if set.highest.is_none_or(|h| h < sent) {
            return set.distinct;
        }
        let full = (sent / 64) as usize;
        let mut n: u64 = set
            .bits
            .iter()
            .take(full)
            .map(|w| w.count_ones() as u64)
            .sum();
        let rem = sent % 64;
        if rem > 0
            && let Some(w) = set.bits.get(full)
        {
            n += (w & ((1u64 << rem) - 1)).count_ones() as u64;
        }
        n
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
}
