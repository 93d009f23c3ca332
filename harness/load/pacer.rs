//! When each message is due: a pure function of the schedule, so it can be tested without a
//! clock and the publisher can record latency from the scheduled time (coordinated omission).

/// A fixed-rate schedule: message `i` is due at `start_ns + offset_ns + i / rate`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Pacer {
    start_ns: u64,
    offset_ns: u64,
    rate: f64,
}

impl Pacer {
    /// `publishers` clients sharing a start are staggered evenly across one period, so the
    /// broker sees a steady stream rather than bursts of `publishers` messages.
    pub fn new(start_ns: u64, rate_per_s: f64, index: u32, publishers: u32) -> Self {
        let period = 1e9 / rate_per_s;
        let offset_ns = (period * f64::from(index) / f64::from(publishers.max(1))) as u64;
        Self {
            start_ns,
            offset_ns,
            rate: rate_per_s,
        }
    }

    /// Due time of message `i`, computed from `i` (never accumulated, so it cannot drift).
    pub fn due(&self, i: u64) -> u64 {
        self.start_ns + self.offset_ns + (i as f64 * 1e9 / self.rate) as u64
    }

    /// Number of messages due strictly before `end_ns`.
    pub fn count_before(&self, end_ns: u64) -> u64 {
        let first = self.start_ns + self.offset_ns;
        if end_ns <= first {
            return 0;
        }
        let n = ((end_ns - first) as f64 * self.rate / 1e9).ceil() as u64;
        // Float rounding can be off by one at the boundary; settle it with `due`.
        (n.saturating_sub(1)..=n + 1)
            .find(|&k| self.due(k) >= end_ns)
            .unwrap_or(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn due_times_follow_the_rate_without_drift() {
        let p = Pacer::new(1_000_000_000, 200.0, 0, 1);
        assert_eq!(p.due(0), 1_000_000_000);
        assert_eq!(p.due(1), 1_005_000_000);
        assert_eq!(p.due(200), 2_000_000_000);
        assert_eq!(p.due(2_000_000), 1_000_000_000 + 10_000_000_000_000);
    }

    #[test]
    fn publishers_are_staggered_within_a_period() {
        let a = Pacer::new(0, 100.0, 0, 4);
        let b = Pacer::new(0, 100.0, 1, 4);
        let d = Pacer::new(0, 100.0, 3, 4);
        assert_eq!(a.due(0), 0);
        assert_eq!(b.due(0), 2_500_000);
        assert_eq!(d.due(0), 7_500_000);
        assert_eq!(b.due(1) - b.due(0), 10_000_000);
    }

    #[test]
    fn counts_messages_in_a_window() {
        let p = Pacer::new(0, 100.0, 0, 1);
        assert_eq!(p.count_before(0), 0);
        assert_eq!(p.count_before(1), 1);
        assert_eq!(p.count_before(1_000_000_000), 100);
        assert_eq!(p.count_before(1_000_000_001), 101);
        let q = Pacer::new(5, 3.0, 1, 2);
        for end in [0, 10, 166_666_672, 1_000_000_000, 7_777_777_777] {
            let n = q.count_before(end);
            assert!(n == 0 || q.due(n - 1) < end);
            assert!(q.due(n) >= end);
        }
    }
}
