//! One HdrHistogram per phase, in nanoseconds.

use hdrhistogram::Histogram;

use crate::results::{PercentilePoint, PhaseStats};

/// The phases the harness times, in pipeline order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    Encode,
    Encrypt,
    Sign,
    Publish,
    Verify,
    Decrypt,
    Latency,
    LatencyUncorrected,
    KeySetup,
    Connect,
    /// How late a publisher started a message after its scheduled time; a long tail means
    /// the harness, not the broker, was the bottleneck.
    ScheduleLag,
    /// TLS clients: TCP connect of the handshake probe (see `load::client`).
    TcpConnect,
    /// TLS clients: the TLS handshake alone, ClientHello to Finished.
    TlsHandshake,
}

impl Phase {
    pub const ALL: [Phase; 13] = [
        Phase::Encode,
        Phase::Encrypt,
        Phase::Sign,
        Phase::Publish,
        Phase::Verify,
        Phase::Decrypt,
        Phase::Latency,
        Phase::LatencyUncorrected,
        Phase::KeySetup,
        Phase::Connect,
        Phase::ScheduleLag,
        Phase::TcpConnect,
        Phase::TlsHandshake,
    ];

    pub fn name(self) -> &'static str {
        use crate::results::phase::*;
        match self {
            Phase::Encode => ENCODE,
            Phase::Encrypt => ENCRYPT,
            Phase::Sign => SIGN,
            Phase::Publish => PUBLISH,
            Phase::Verify => VERIFY,
            Phase::Decrypt => DECRYPT,
            Phase::Latency => LATENCY,
            Phase::LatencyUncorrected => LATENCY_UNCORRECTED,
            Phase::KeySetup => KEY_SETUP,
            Phase::Connect => CONNECT,
            Phase::ScheduleLag => SCHEDULE_LAG,
            Phase::TcpConnect => TCP_CONNECT,
            Phase::TlsHandshake => TLS_HANDSHAKE,
        }
    }
}

/// Highest value tracked: one hour. Anything slower is clamped (and would be a story of its own).
const MAX_NS: u64 = 3_600_000_000_000;

fn new_histogram() -> Histogram<u64> {
    Histogram::new_with_bounds(1, MAX_NS, 3)
        .unwrap_or_else(|e| unreachable!("constant histogram bounds are valid: {e}"))
}

/// A histogram per [`Phase`].
#[derive(Clone)]
pub struct Phases {
    hists: Vec<Histogram<u64>>,
}

impl Default for Phases {
    fn default() -> Self {
        Self {
            hists: Phase::ALL.iter().map(|_| new_histogram()).collect(),
        }
    }
}

impl Phases {
    #[inline]
    pub fn record(&mut self, phase: Phase, ns: u64) {
        // A zero reading (two clock reads in the same tick) still counts, as 1 ns.
        self.hists[phase as usize].saturating_record(ns.max(1));
    }

    pub fn get(&self, phase: Phase) -> &Histogram<u64> {
        &self.hists[phase as usize]
    }

    pub fn merge(&mut self, other: &Phases) {
        for (a, b) in self.hists.iter_mut().zip(&other.hists) {
            // Same bounds on both sides, so adding cannot fail.
            let _ = a.add(b);
        }
    }

    /// Summaries of the phases that recorded anything.
    pub fn stats(&self) -> impl Iterator<Item = (Phase, PhaseStats)> + '_ {
        Phase::ALL
            .iter()
            .map(|&p| (p, self.get(p)))
            .filter(|(_, h)| !h.is_empty())
            .map(|(p, h)| (p, summarize(h)))
    }
}

/// Count, moments, fixed percentiles and the percentile curve of `h`.
pub fn summarize(h: &Histogram<u64>) -> PhaseStats {
    let mut percentiles: Vec<PercentilePoint> = h
        .iter_quantiles(2)
        .map(|v| PercentilePoint {
            percentile: v.quantile_iterated_to() * 100.0,
            value: v.value_iterated_to(),
        })
        .collect();
    percentiles.dedup_by(|a, b| a.percentile == b.percentile);
    PhaseStats {
        count: h.len(),
        min: h.min(),
        max: h.max(),
        mean: h.mean(),
        stdev: h.stdev(),
        p50: h.value_at_quantile(0.50),
        p90: h.value_at_quantile(0.90),
        p99: h.value_at_quantile(0.99),
        p999: h.value_at_quantile(0.999),
        percentiles,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summarizes_recorded_values() {
        let mut p = Phases::default();
        for v in 1..=1000u64 {
            p.record(Phase::Encrypt, v * 1000);
        }
        let stats: Vec<_> = p.stats().collect();
        assert_eq!(stats.len(), 1);
        let (phase, s) = &stats[0];
        assert_eq!(*phase, Phase::Encrypt);
        assert_eq!(s.count, 1000);
        assert!(
            (s.p50 as f64 - 500_000.0).abs() / 500_000.0 < 0.01,
            "{}",
            s.p50
        );
        assert!(
            (s.p99 as f64 - 990_000.0).abs() / 990_000.0 < 0.01,
            "{}",
            s.p99
        );
        assert!(s.percentiles.len() > 5);
        assert!(s.percentiles.windows(2).all(|w| w[0].value <= w[1].value));
        assert_eq!(s.percentiles.last().map(|x| x.percentile), Some(100.0));
    }
}
