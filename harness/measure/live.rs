//! Live tallies of the case that is running, for `run --metrics`: what each client has done so
//! far, readable at any moment by another thread while the case goes on.
//!
//! Each publisher and subscriber writes only its own [`LiveCell`] (one writer per cell, so a
//! relaxed `fetch_add` never contends for a cache line with another client's), and a reader
//! sums the cells ([`LiveCase::snapshot`]). Relaxed ordering is enough: a scrape wants recent
//! values, not a consistent cut; the figures that go into results.json are the ones the
//! clients report at the end of the case, and the exporter replaces the live tallies with
//! those when the case ends.
//!
//! Nothing here is inside a timed phase: the clients update their cell after their clocks
//! stopped. A run without `--metrics` has no [`LiveCase`] and updates nothing.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::Relaxed};

/// Upper bounds (seconds) of the end-to-end latency histogram's buckets, 10 µs to 30 s,
/// 1-2.5-5 steps per decade: a loopback broker delivers in tens of microseconds, a stalled
/// one in seconds, and both must fall in a bucket of their own. A value above 30 s lands in
/// the `+Inf` bucket only.
pub const LATENCY_BUCKETS_S: [f64; 20] = [
    10e-6, 25e-6, 50e-6, 100e-6, 250e-6, 500e-6, 1e-3, 2.5e-3, 5e-3, 10e-3, 25e-3, 50e-3, 100e-3,
    250e-3, 500e-3, 1.0, 2.5, 5.0, 10.0, 30.0,
];

/// The bucket bounds in nanoseconds, the unit the clients measure in.
const BUCKETS_NS: [u64; 20] = {
    let mut ns = [0u64; 20];
    let mut i = 0;
    while i < ns.len() {
        ns[i] = (LATENCY_BUCKETS_S[i] * 1e9 + 0.5) as u64;
        i += 1;
    }
    ns
};

/// One client's tallies. Aligned to a cache line so two clients' cells never share one.
#[derive(Debug, Default)]
#[repr(align(64))]
pub struct LiveCell {
    sent: AtomicU64,
    delivered: AtomicU64,
    duplicated: AtomicU64,
    failed_auth: AtomicU64,
    failed_decrypt: AtomicU64,
    rejected: AtomicU64,
    connected: AtomicBool,
    /// The publisher's lag behind its schedule at its last message, in ns.
    schedule_lag_ns: AtomicU64,
    /// Per-bucket (not cumulative) latency counts; the last one is above the last bound.
    latency: [AtomicU64; BUCKETS_NS.len() + 1],
    latency_sum_ns: AtomicU64,
}

impl LiveCell {
    pub fn sent(&self, schedule_lag_ns: Option<u64>) {
        self.sent.fetch_add(1, Relaxed);
        if let Some(lag) = schedule_lag_ns {
            self.schedule_lag_ns.store(lag, Relaxed);
        }
    }

    /// A first copy of a message arrived and opened.
    pub fn delivered(&self) {
        self.delivered.fetch_add(1, Relaxed);
    }

    pub fn duplicated(&self) {
        self.duplicated.fetch_add(1, Relaxed);
    }

    pub fn failed_auth(&self) {
        self.failed_auth.fetch_add(1, Relaxed);
    }

    pub fn failed_decrypt(&self) {
        self.failed_decrypt.fetch_add(1, Relaxed);
    }

    pub fn rejected(&self) {
        self.rejected.fetch_add(1, Relaxed);
    }

    pub fn connected(&self, up: bool) {
        self.connected.store(up, Relaxed);
    }

    /// One end-to-end latency, recorded where the case's `latency` phase records it (so the
    /// live histogram's count is that phase's sample count).
    pub fn latency(&self, ns: u64) {
        let bucket = BUCKETS_NS.partition_point(|&bound| bound < ns);
        self.latency[bucket].fetch_add(1, Relaxed);
        self.latency_sum_ns.fetch_add(ns, Relaxed);
    }
}

/// The cells of one case: one per publisher, one per subscriber.
#[derive(Debug)]
pub struct LiveCase {
    publishers: Vec<LiveCell>,
    subscribers: Vec<LiveCell>,
}

/// A case's tallies summed over its clients at one moment.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LiveSnapshot {
    pub sent: u64,
    pub delivered: u64,
    pub duplicated: u64,
    pub failed_auth: u64,
    pub failed_decrypt: u64,
    pub rejected: u64,
    /// Clients connected now.
    pub connected: u64,
    /// The largest publisher lag behind schedule at its last message, in seconds.
    pub schedule_lag_s: f64,
    /// Per-bucket latency counts over [`LATENCY_BUCKETS_S`] plus one above the last bound.
    pub latency_buckets: Vec<u64>,
    pub latency_sum_s: f64,
}

impl LiveSnapshot {
    pub fn latency_count(&self) -> u64 {
        self.latency_buckets.iter().sum()
    }
}

impl LiveCase {
    pub fn new(publishers: u32, subscribers: u32) -> Self {
        let cells = |n: u32| (0..n).map(|_| LiveCell::default()).collect();
        Self {
            publishers: cells(publishers),
            subscribers: cells(subscribers),
        }
    }

    /// Publisher `i`'s cell; None past the case's publishers.
    pub fn publisher(&self, i: u32) -> Option<&LiveCell> {
        self.publishers.get(i as usize)
    }

    pub fn subscriber(&self, i: u32) -> Option<&LiveCell> {
        self.subscribers.get(i as usize)
    }

    /// Marks every subscriber connected (the case connected them all or failed).
    pub fn subscribers_connected(&self) {
        self.subscribers.iter().for_each(|c| c.connected(true));
    }

    pub fn publishers_connected(&self) {
        self.publishers.iter().for_each(|c| c.connected(true));
    }

    /// Marks every client down: the case ended and disconnected them.
    pub fn disconnect_all(&self) {
        for c in self.publishers.iter().chain(&self.subscribers) {
            c.connected(false);
        }
    }

    pub fn snapshot(&self) -> LiveSnapshot {
        let mut s = LiveSnapshot {
            latency_buckets: vec![0; BUCKETS_NS.len() + 1],
            ..LiveSnapshot::default()
        };
        let mut sum_ns = 0u64;
        let mut lag_ns = 0u64;
        for c in self.publishers.iter().chain(&self.subscribers) {
            s.sent += c.sent.load(Relaxed);
            s.delivered += c.delivered.load(Relaxed);
            s.duplicated += c.duplicated.load(Relaxed);
            s.failed_auth += c.failed_auth.load(Relaxed);
            s.failed_decrypt += c.failed_decrypt.load(Relaxed);
            s.rejected += c.rejected.load(Relaxed);
            s.connected += u64::from(c.connected.load(Relaxed));
            lag_ns = lag_ns.max(c.schedule_lag_ns.load(Relaxed));
            for (total, b) in s.latency_buckets.iter_mut().zip(&c.latency) {
                *total += b.load(Relaxed);
            }
            sum_ns = sum_ns.saturating_add(c.latency_sum_ns.load(Relaxed));
        }
        s.schedule_lag_s = lag_ns as f64 / 1e9;
        s.latency_sum_s = sum_ns as f64 / 1e9;
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_sum_and_latencies_fall_in_their_buckets() {
        let live = LiveCase::new(2, 1);
        let (p0, p1, s0) = (
            live.publisher(0).unwrap(),
            live.publisher(1).unwrap(),
            live.subscriber(0).unwrap(),
        );
        p0.sent(Some(1_000));
        p1.sent(Some(3_000_000));
        p1.sent(None);
        p0.connected(true);
        s0.connected(true);
        s0.delivered();
        s0.failed_auth();
        // On a bound (inclusive, as Prometheus' `le`), just above it, and beyond 30 s.
        s0.latency(10_000);
        s0.latency(10_001);
        s0.latency(40_000_000_000);
        assert!(live.publisher(2).is_none());
        let s = live.snapshot();
        assert_eq!((s.sent, s.delivered, s.failed_auth), (3, 1, 1));
        assert_eq!(s.connected, 2);
        assert_eq!(s.schedule_lag_s, 0.003);
        assert_eq!(s.latency_buckets.len(), LATENCY_BUCKETS_S.len() + 1);
        assert_eq!(
            (
                s.latency_buckets[0],
                s.latency_buckets[1],
                s.latency_buckets[20]
            ),
            (1, 1, 1)
        );
        assert_eq!(s.latency_count(), 3);
        assert!((s.latency_sum_s - 40.000_020_001).abs() < 1e-9);
        live.disconnect_all();
        assert_eq!(live.snapshot().connected, 0);
        assert_eq!(BUCKETS_NS[0], 10_000);
        assert_eq!(BUCKETS_NS[19], 30_000_000_000);
    }
}
