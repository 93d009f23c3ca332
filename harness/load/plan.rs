//! Everything the publishers and subscribers of one case share.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Deserializer, de};

use crate::crypto::keys::KeyRing;
use crate::crypto::protect::Protection;
use crate::measure::live::LiveCase;

use super::payload::PayloadSource;

pub struct CasePlan {
    pub protection: Protection,
    pub qos: rumqttc::QoS,
    pub size: usize,
    pub publishers: u32,
    /// Digits of publisher indices in topics (see [`publisher_topic`]).
    pub publisher_width: usize,
    pub subscribers: u32,
    pub rate: Rate,
    /// Unacknowledged publishes per client (and the closed-loop window).
    pub inflight: u16,
    /// Topics are `<prefix>/p<index>`; unique per run and case, so nothing stale arrives.
    pub topic_prefix: String,
    /// When publishing starts (UNIX ns on the shared clock).
    pub start_ns: u64,
    /// Messages scheduled before this are warm-up: sent and accounted, not measured.
    pub warmup_end_ns: u64,
    /// No message is scheduled at or after this.
    pub end_ns: u64,
    /// How long to wait for acks and deliveries after the last send.
    pub drain: Duration,
    pub payload: Arc<PayloadSource>,
    pub keys: Arc<KeyRing>,
    /// Largest MQTT packet a client of this case sends or receives.
    pub max_packet: usize,
    /// The case's live tallies, with `run --metrics` (see [`crate::measure::live`]).
    pub live: Option<Arc<LiveCase>>,
}

/// Digits of the largest index below `count` (at least one): the width indices in topics are
/// padded to.
pub fn index_width(count: usize) -> usize {
    count.saturating_sub(1).max(1).ilog10() as usize + 1
}

/// `<prefix>/p<publisher>`, the index zero-padded to `width` digits (the
/// [`index_width`] of the scenario's publishers, shards included), so every topic of a case
/// (and of a run, see `run::case`) has the same length: bytes per message must not differ
/// between publishers, cases or shards because one index has more digits.
pub fn publisher_topic(prefix: &str, publisher: u32, width: usize) -> String {
    format!("{prefix}/p{publisher:0width$}")
}

impl CasePlan {
    pub fn topic(&self, publisher: u32) -> String {
        publisher_topic(&self.topic_prefix, publisher, self.publisher_width)
    }

    /// The subscription filter covering every publisher of the case.
    pub fn filter(&self) -> String {
        format!("{}/+", self.topic_prefix)
    }

    /// Publisher `i`'s live cell, with `run --metrics`.
    pub fn live_publisher(&self, i: u32) -> Option<&crate::measure::live::LiveCell> {
        self.live.as_deref().and_then(|l| l.publisher(i))
    }

    pub fn live_subscriber(&self, i: u32) -> Option<&crate::measure::live::LiveCell> {
        self.live.as_deref().and_then(|l| l.subscriber(i))
    }

    pub fn measured(&self, scheduled_ns: u64) -> bool {
        scheduled_ns >= self.warmup_end_ns
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn topics_of_a_case_have_one_length() {
        assert_eq!(index_width(1), 1);
        assert_eq!(index_width(10), 1);
        assert_eq!(index_width(11), 2);
        assert_eq!(index_width(1000), 3);
        let lens: std::collections::BTreeSet<usize> = (0..120)
            .map(|i| publisher_topic("mcb/x/c07r1", i, index_width(120)).len())
            .collect();
        assert_eq!(lens.len(), 1);
        assert_eq!(publisher_topic("t", 7, index_width(120)), "t/p007");
        assert_eq!(publisher_topic("t", 1, index_width(2)), "t/p1");
    }
}

/// Messages per second per publisher, or `"max"` for closed loop.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Rate {
    PerSecond(f64),
    Max,
}

impl Default for Rate {
    fn default() -> Self {
        Rate::PerSecond(100.0)
    }
}

impl<'de> Deserialize<'de> for Rate {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl de::Visitor<'_> for V {
            type Value = Rate;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("messages per second per publisher (a number > 0) or \"max\"")
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Rate, E> {
                self.visit_f64(v as f64)
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Rate, E> {
                self.visit_f64(v as f64)
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Rate, E> {
                if v.is_finite() && v > 0.0 && v <= 1_000_000.0 {
                    Ok(Rate::PerSecond(v))
                } else {
                    Err(E::custom(format!(
                        "expected messages per second per publisher from >0 to 1000000, or \"max\"; got {v}"
                    )))
                }
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Rate, E> {
                if v.eq_ignore_ascii_case("max") {
                    Ok(Rate::Max)
                } else {
                    Err(E::custom(format!(
                        "expected a number of messages per second or \"max\", got \"{v}\""
                    )))
                }
            }
        }
        d.deserialize_any(V)
    }
}
