//! Everything the publishers and subscribers of one case share.

use std::sync::Arc;
use std::time::Duration;

use crate::crypto::keys::KeyRing;
use crate::crypto::protect::Protection;
use crate::scenario::schema::Rate;

use super::payload::PayloadSource;

pub struct CasePlan {
    pub protection: Protection,
    pub qos: rumqttc::QoS,
    pub size: usize,
    pub publishers: u32,
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
}

impl CasePlan {
    pub fn topic(&self, publisher: u32) -> String {
        format!("{}/p{publisher}", self.topic_prefix)
    }

    /// The subscription filter covering every publisher of the case.
    pub fn filter(&self) -> String {
        format!("{}/+", self.topic_prefix)
    }

    pub fn measured(&self, scheduled_ns: u64) -> bool {
        scheduled_ns >= self.warmup_end_ns
    }
}
