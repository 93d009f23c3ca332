//! One HdrHistogram per phase, in nanoseconds.

use hdrhistogram::Histogram;

use super::{PercentilePoint, PhaseStats};

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
    /// Security Center: a client's key request answered over MQTT (sign, round trip, verify,
    /// unwrap).
    KeyRequestMiss,
    /// Security Center: a key request answered from the client's cache.
    KeyRequestHit,
    /// Security Center, its own time per request: authentication (parse, registry, freshness,
    /// signature, nonce).
    CenterAuthn,
    /// Security Center: authorization (ACL).
    CenterAuthz,
    /// Security Center: key generation or lookup and wrapping to the client.
    CenterKeygen,
    /// Security Center: the whole request, authn to signed answer.
    CenterService,
    /// The crypto phases again, on the thread's CPU clock (see `measure::clock`): what the
    /// algorithm cost the thread, without the time it was preempted.
    EncodeCpu,
    EncryptCpu,
    SignCpu,
    VerifyCpu,
    DecryptCpu,
    /// The envelope buffer and header, every suite (what `Encode` timed before s-mqtt).
    Envelope,
    /// s-mqtt's decoding (points to bytes, hash comparison).
    Decode,
    EnvelopeCpu,
    DecodeCpu,
    /// s-mqtt: a publisher's validation round trip before the measured phase.
    SmqttValidation,
}

impl Phase {
    pub const ALL: [Phase; 29] = [
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
        Phase::KeyRequestMiss,
        Phase::KeyRequestHit,
        Phase::CenterAuthn,
        Phase::CenterAuthz,
        Phase::CenterKeygen,
        Phase::CenterService,
        Phase::EncodeCpu,
        Phase::EncryptCpu,
        Phase::SignCpu,
        Phase::VerifyCpu,
        Phase::DecryptCpu,
        Phase::Envelope,
        Phase::Decode,
        Phase::EnvelopeCpu,
        Phase::DecodeCpu,
        Phase::SmqttValidation,
    ];

    pub fn from_name(name: &str) -> Option<Phase> {
        Phase::ALL.into_iter().find(|p| p.name() == name)
    }

    pub fn name(self) -> &'static str {
        use super::phase::*;
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
            Phase::KeyRequestMiss => KEY_REQUEST_MISS,
            Phase::KeyRequestHit => KEY_REQUEST_HIT,
            Phase::CenterAuthn => CENTER_AUTHN,
            Phase::CenterAuthz => CENTER_AUTHZ,
            Phase::CenterKeygen => CENTER_KEYGEN,
            Phase::CenterService => CENTER_SERVICE,
            Phase::EncodeCpu => ENCODE_CPU,
            Phase::EncryptCpu => ENCRYPT_CPU,
            Phase::SignCpu => SIGN_CPU,
            Phase::VerifyCpu => VERIFY_CPU,
            Phase::DecryptCpu => DECRYPT_CPU,
            Phase::Envelope => ENVELOPE,
            Phase::Decode => DECODE,
            Phase::EnvelopeCpu => ENVELOPE_CPU,
            Phase::DecodeCpu => DECODE_CPU,
            Phase::SmqttValidation => SMQTT_VALIDATION,
        }
    }
}

/// Highest value tracked: one hour. Anything slower is clamped (and would be a story of its own).
const MAX_NS: u64 = 3_600_000_000_000;

/// Samples kept raw before a phase switches to a histogram. A full-range 3-digit histogram is
/// ~270 KB; a thousand publishers with a dozen each would need gigabytes, while most of them
/// record only a few thousand samples per case.
const RAW_LIMIT: usize = 4096;

fn new_histogram() -> Histogram<u64> {
    Histogram::new_with_bounds(1, MAX_NS, 3)
        .unwrap_or_else(|e| unreachable!("constant histogram bounds are valid: {e}"))
}

/// One phase's recordings: nothing yet, a few raw samples, or a histogram.
#[derive(Clone, Default)]
enum Slot {
    #[default]
    Empty,
    Raw(Vec<u64>),
    Hist(Box<Histogram<u64>>),
}

impl Slot {
    fn record(&mut self, ns: u64) {
        match self {
            Slot::Empty => *self = Slot::Raw(vec![ns]),
            Slot::Raw(v) if v.len() < RAW_LIMIT => v.push(ns),
            Slot::Raw(_) => {
                self.as_hist_mut().saturating_record(ns);
            }
            Slot::Hist(h) => h.saturating_record(ns),
        }
    }

    /// Turns this slot into a histogram (in place) and returns it.
    fn as_hist_mut(&mut self) -> &mut Histogram<u64> {
        if !matches!(self, Slot::Hist(_)) {
            let mut h = new_histogram();
            if let Slot::Raw(v) = self {
                for &x in v.iter() {
                    h.saturating_record(x);
                }
            }
            *self = Slot::Hist(Box::new(h));
        }
        match self {
            Slot::Hist(h) => h,
            _ => unreachable!("just made a histogram"),
        }
    }

    fn merge(&mut self, other: &Slot) {
        match other {
            Slot::Empty => {}
            Slot::Raw(v) => v.iter().for_each(|&x| self.record(x)),
            // Same bounds on both sides, so adding cannot fail.
            Slot::Hist(h) => {
                let _ = self.as_hist_mut().add(h.as_ref());
            }
        }
    }

    fn histogram(&self) -> Histogram<u64> {
        match self {
            Slot::Hist(h) => h.as_ref().clone(),
            other => {
                let mut s = other.clone();
                s.as_hist_mut().clone()
            }
        }
    }

    fn is_empty(&self) -> bool {
        match self {
            Slot::Empty => true,
            Slot::Raw(v) => v.is_empty(),
            Slot::Hist(h) => h.is_empty(),
        }
    }
}

/// The recordings of every [`Phase`].
#[derive(Clone)]
pub struct Phases {
    slots: Vec<Slot>,
}

impl Default for Phases {
    fn default() -> Self {
        Self {
            slots: vec![Slot::Empty; Phase::ALL.len()],
        }
    }
}

impl Phases {
    #[inline]
    pub fn record(&mut self, phase: Phase, ns: u64) {
        // A zero reading (two clock reads in the same tick) still counts, as 1 ns.
        self.slots[phase as usize].record(ns.clamp(1, MAX_NS));
    }

    /// The phase as a histogram (empty when nothing was recorded).
    pub fn histogram(&self, phase: Phase) -> Histogram<u64> {
        self.slots[phase as usize].histogram()
    }

    pub fn is_empty(&self, phase: Phase) -> bool {
        self.slots[phase as usize].is_empty()
    }

    /// Adds a whole histogram (e.g. read back from histograms.hlog) to `phase`.
    pub fn add_histogram(&mut self, phase: Phase, h: &Histogram<u64>) {
        let _ = self.slots[phase as usize].as_hist_mut().add(h);
    }

    pub fn merge(&mut self, other: &Phases) {
        for (a, b) in self.slots.iter_mut().zip(&other.slots) {
            a.merge(b);
        }
    }

    /// Summaries of the phases that recorded anything.
    pub fn stats(&self) -> impl Iterator<Item = (Phase, PhaseStats)> + '_ {
        Phase::ALL
            .iter()
            .filter(|&&p| !self.is_empty(p))
            .map(|&p| (p, summarize(&self.histogram(p))))
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

    #[test]
    fn raw_and_histogram_slots_merge_to_the_same_summary() {
        // One side stays raw (few samples), the other overflows into a histogram.
        let mut small = Phases::default();
        let mut big = Phases::default();
        let mut all = Phases::default();
        for v in 0..100u64 {
            small.record(Phase::Latency, 1_000 + v);
            all.record(Phase::Latency, 1_000 + v);
        }
        for v in 0..(RAW_LIMIT as u64 * 3) {
            big.record(Phase::Latency, 5_000 + v);
            all.record(Phase::Latency, 5_000 + v);
        }
        let mut merged = Phases::default();
        merged.merge(&small);
        merged.merge(&big);
        let a = summarize(&merged.histogram(Phase::Latency));
        let b = summarize(&all.histogram(Phase::Latency));
        assert_eq!(a, b);
        assert_eq!(a.count, 100 + RAW_LIMIT as u64 * 3);
        assert!(merged.is_empty(Phase::Encode));
        assert_eq!(merged.stats().count(), 1);
    }
}
