//! The measured figures of one protection at one condition (message size, QoS, MQTT
//! version), over its repetitions: what the requirements are checked against and what the
//! ranking orders by.

use crate::report::data;
use crate::results::interval::{self, Interval};
use crate::results::{CaseResult, RunResults, phase};

/// A figure over the repetitions of a case: the median with its 95% interval when there
/// were at least two, else the one value (no interval is made up).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Figure {
    pub median: f64,
    /// `None` with one repetition.
    pub interval: Option<Interval>,
}

impl Figure {
    pub fn of(values: &[f64]) -> Option<Figure> {
        match values {
            [] => None,
            [one] => Some(Figure {
                median: *one,
                interval: None,
            }),
            _ => {
                let i = interval::median_interval(values)?;
                Some(Figure {
                    median: i.median,
                    interval: Some(i),
                })
            }
        }
    }

    /// (low, high): the interval, or the value itself without one.
    pub fn bounds(&self) -> (f64, f64) {
        self.interval
            .map_or((self.median, self.median), |i| (i.low, i.high))
    }

    /// Both have intervals and they overlap: nothing tells the two apart.
    pub fn ties(&self, other: &Figure) -> bool {
        match (self.interval, other.interval) {
            (Some(a), Some(b)) => a.low <= b.high && b.low <= a.high,
            _ => false,
        }
    }
}

/// What the run measured of one protection at one condition.
#[derive(Debug, Clone, Default)]
pub struct Measured {
    /// Repetitions (finished cases) behind the figures.
    pub repetitions: usize,
    /// Publisher send + publisher MQTT event loop + subscriber thread CPU per message, µs.
    pub cpu_us: Option<Figure>,
    /// Client → broker bytes per message sent, counted at the proxy's socket.
    pub wire_bytes: Option<Figure>,
    /// The MQTT PUBLISH packet, bytes (what `wire_bytes` falls back to without the proxy).
    pub packet_bytes: Option<usize>,
    /// The envelope's security overhead (IV, padding, tag, MAC, signature, ids), bytes.
    pub envelope_overhead: Option<usize>,
    /// End-to-end latency p99 (ns) of the repetitions with at least
    /// [`crate::report::table::P99_MIN_SAMPLES`] samples.
    pub latency_p99_ns: Option<Figure>,
    /// Fewest latency samples of a repetition (to say why p99 was not measured).
    pub latency_samples: Option<u64>,
    /// Repeated ciphertext blocks per sampled envelope, within one envelope and across
    /// envelopes of one publisher; `None` when nothing was sampled.
    pub repeats_per_msg: Option<(f64, f64)>,
}

impl Measured {
    /// Figures over `reps`, the repetitions of one case id.
    pub fn of(reps: &[&CaseResult]) -> Measured {
        let values = |f: &dyn Fn(&CaseResult) -> Option<f64>| -> Vec<f64> {
            reps.iter().filter_map(|c| f(c)).collect()
        };
        let cpu = values(&|c| c.cpu.threads.as_ref().and_then(|t| t.clients_us_per_msg()));
        let wire = values(&|c| c.wire.as_ref().and_then(|w| w.per_message_up));
        let p99_min = crate::report::table::P99_MIN_SAMPLES;
        let latency = values(&|c| {
            data::phase(c, phase::LATENCY)
                .filter(|p| p.count >= p99_min)
                .map(|p| p.p99 as f64)
        });
        let latency_samples = reps
            .iter()
            .map(|c| data::phase(c, phase::LATENCY).map_or(0, |p| p.count))
            .min();
        let built = reps.iter().find(|c| c.sizes.envelope > 0);
        let (mut envelopes, mut within, mut across) = (0u64, 0u64, 0u64);
        for b in reps.iter().filter_map(|c| c.block_repeats.as_ref()) {
            envelopes += b.envelopes;
            within += b.repeated;
            across += b.repeated_across;
        }
        Measured {
            repetitions: reps.len(),
            cpu_us: Figure::of(&cpu),
            wire_bytes: Figure::of(&wire),
            packet_bytes: built.map(|c| c.sizes.mqtt_packet),
            envelope_overhead: built.map(|c| c.sizes.security_overhead),
            latency_p99_ns: Figure::of(&latency),
            latency_samples,
            repeats_per_msg: (envelopes > 0).then(|| {
                (
                    within as f64 / envelopes as f64,
                    across as f64 / envelopes as f64,
                )
            }),
        }
    }

    /// Bytes per message on the wire: counted at the proxy, else the PUBLISH packet.
    pub fn bytes_on_wire(&self) -> Option<(f64, bool)> {
        match (&self.wire_bytes, self.packet_bytes) {
            (Some(f), _) => Some((f.median, true)),
            (None, Some(p)) => Some((p as f64, false)),
            _ => None,
        }
    }
}

/// The transport whose bytes a TLS transport adds to: tls over tcp, wss over ws.
pub fn plain_twin(transport: &str) -> Option<&'static str> {
    match transport {
        "tls" => Some("tcp"),
        "wss" => Some("ws"),
        _ => None,
    }
}

/// Finished cases of `results` grouped by id (each group the repetitions of one case).
pub fn groups(results: &RunResults) -> Vec<(&str, Vec<&CaseResult>)> {
    data::by_id(data::ok_cases(results))
}
