//! The records of a case that add up: message counts, throughput and the broker's
//! acknowledgements. A case sums them over its publishers and subscribers, `merge` over its
//! shards, both through the `+=` (and `Sum`) defined here, so a field added to a record is
//! summed everywhere or nowhere.

use std::iter::Sum;
use std::ops::AddAssign;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Message accounting. Over the whole case, warm-up included: a message lost during warm-up is
/// still lost. `expected = sent x subscribers`, and `expected = delivered + lost` always.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Counts {
    /// Messages the publishers were due to send: the open-loop schedule's messages before the
    /// end of the case, or in closed loop the messages sent. `scheduled = sent + unsent`
    /// always (checked when results.json is written and read; absent in older runs).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scheduled: Option<u64>,
    /// Messages the publishers handed to their MQTT client.
    pub sent: u64,
    /// Of `sent`, those scheduled inside the warm-up.
    pub sent_warmup: u64,
    /// Scheduled (open loop) but never sent: the publisher fell so far behind that the case
    /// ended first (the harness, not the broker, was the bottleneck: see `saturation`), or it
    /// stopped early on an error (in `errors`), its remaining schedule counted here.
    /// `sent + unsent = scheduled`.
    pub unsent: u64,
    /// Deliveries due: `sent` times the number of subscribers.
    pub expected: u64,
    /// Distinct (publisher, seq) pairs each subscriber received and opened, summed.
    pub delivered: u64,
    pub lost: u64,
    /// QoS-level copies of a (publisher, seq) already received: at QoS 1/2, with the DUP
    /// flag or within 2 s of the first copy (see `security::replay`).
    pub duplicated: u64,
    /// Other copies of a (publisher, seq) already received: every copy at QoS 0, and at
    /// QoS 1/2 copies without DUP more than 2 s after the first. A re-published message.
    #[serde(default)]
    pub replayed: u64,
    /// Received after a higher seq of the same publisher.
    pub out_of_order: u64,
    /// Tag, MAC or signature did not verify.
    pub failed_auth: u64,
    /// Decryption failed (bad padding, wrong length) without an authentication failure.
    pub failed_decrypt: u64,
    /// Not an envelope v1, or of another run.
    pub malformed: u64,
    /// Opened without error but the plaintext differs from what was sent (only possible
    /// with unauthenticated suites).
    pub corrupted: u64,
    /// Publishes the broker never acknowledged (QoS >= 1).
    pub unacked: u64,
    /// MQTT 5 only: publishes the broker acknowledged with a failure reason code (PUBACK or
    /// PUBREC >= 0x80: not authorized, quota exceeded, …). The broker dropped them, so they
    /// are also counted lost; v3.1.1 has no way to report this.
    #[serde(default)]
    pub rejected: u64,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Throughput {
    /// Scheduled messages per second, all publishers (null for closed loop).
    pub offered_msgs_per_s: Option<f64>,
    /// Messages sent per second in the measured window, all publishers.
    pub sent_msgs_per_s: f64,
    /// Deliveries per second in the measured window, all subscribers.
    pub delivered_msgs_per_s: f64,
    /// Plaintext bytes delivered per second in the measured window.
    pub delivered_bytes_per_s: f64,
}

/// The QoS a broker really gave a case: a broker that supports only QoS 0 and 1 (RabbitMQ's
/// MQTT plugin) grants QoS 1 to a QoS 2 SUBSCRIBE and answers QoS 2 publishes with PUBACK.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BrokerQos {
    /// Lowest QoS the broker granted in SUBACK over the case's subscribers (the QoS of the
    /// messages it sends them); null when no subscriber got a SUBACK.
    pub granted: Option<u8>,
    /// Acknowledgements received by the publishers, by packet: PUBACK ends a QoS 1 publish,
    /// PUBREC and PUBCOMP the two halves of a QoS 2 one. A PUBACK for a QoS 2 publish means
    /// the broker handled it at QoS 1.
    pub puback: u64,
    pub pubrec: u64,
    pub pubcomp: u64,
}

/// Known only when both sides know it.
fn both<T: std::ops::Add<Output = T>>(a: Option<T>, b: Option<T>) -> Option<T> {
    a.zip(b).map(|(a, b)| a + b)
}

/// What either side knows.
fn either(a: Option<f64>, b: Option<f64>) -> Option<f64> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a + b),
        (a, b) => a.or(b),
    }
}

impl Counts {
    /// The sum of no counts: nothing scheduled (known), nothing sent.
    pub fn zero() -> Self {
        Self {
            scheduled: Some(0),
            ..Self::default()
        }
    }
}

impl AddAssign<&Counts> for Counts {
    fn add_assign(&mut self, n: &Counts) {
        // Destructured, so a new field cannot be left out of the sum.
        let Counts {
            scheduled,
            sent,
            sent_warmup,
            unsent,
            expected,
            delivered,
            lost,
            duplicated,
            replayed,
            out_of_order,
            failed_auth,
            failed_decrypt,
            malformed,
            corrupted,
            unacked,
            rejected,
        } = n;
        self.scheduled = both(self.scheduled, *scheduled);
        self.sent += sent;
        self.sent_warmup += sent_warmup;
        self.unsent += unsent;
        self.expected += expected;
        self.delivered += delivered;
        self.lost += lost;
        self.duplicated += duplicated;
        self.replayed += replayed;
        self.out_of_order += out_of_order;
        self.failed_auth += failed_auth;
        self.failed_decrypt += failed_decrypt;
        self.malformed += malformed;
        self.corrupted += corrupted;
        self.unacked += unacked;
        self.rejected += rejected;
    }
}

impl<'a> Sum<&'a Counts> for Counts {
    fn sum<I: Iterator<Item = &'a Counts>>(iter: I) -> Self {
        iter.fold(Counts::zero(), |mut acc, c| {
            acc += c;
            acc
        })
    }
}

impl AddAssign<&Throughput> for Throughput {
    fn add_assign(&mut self, t: &Throughput) {
        let Throughput {
            offered_msgs_per_s,
            sent_msgs_per_s,
            delivered_msgs_per_s,
            delivered_bytes_per_s,
        } = t;
        self.offered_msgs_per_s = either(self.offered_msgs_per_s, *offered_msgs_per_s);
        self.sent_msgs_per_s += sent_msgs_per_s;
        self.delivered_msgs_per_s += delivered_msgs_per_s;
        self.delivered_bytes_per_s += delivered_bytes_per_s;
    }
}

impl AddAssign<&BrokerQos> for BrokerQos {
    /// Acknowledgements add up; the granted QoS is the lowest either side saw.
    fn add_assign(&mut self, q: &BrokerQos) {
        let BrokerQos {
            granted,
            puback,
            pubrec,
            pubcomp,
        } = q;
        self.granted = match (self.granted, *granted) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        self.puback += puback;
        self.pubrec += pubrec;
        self.pubcomp += pubcomp;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_add_field_by_field_and_scheduled_only_when_known() {
        let a = Counts {
            scheduled: Some(3),
            sent: 3,
            delivered: 2,
            lost: 1,
            expected: 3,
            ..Counts::default()
        };
        let total: Counts = [&a, &a].into_iter().sum();
        assert_eq!(
            (total.scheduled, total.sent, total.delivered, total.lost),
            (Some(6), 6, 4, 2)
        );
        let mut unknown = total.clone();
        unknown += &Counts::default();
        assert_eq!(unknown.scheduled, None, "one side did not record it");
        assert_eq!(unknown.sent, 6);
    }

    #[test]
    fn throughput_and_acks_add_up() {
        let mut t = Throughput {
            offered_msgs_per_s: None,
            sent_msgs_per_s: 1.0,
            ..Throughput::default()
        };
        t += &Throughput {
            offered_msgs_per_s: Some(5.0),
            sent_msgs_per_s: 2.0,
            ..Throughput::default()
        };
        assert_eq!((t.offered_msgs_per_s, t.sent_msgs_per_s), (Some(5.0), 3.0));
        let mut q = BrokerQos {
            granted: Some(2),
            puback: 1,
            ..BrokerQos::default()
        };
        q += &BrokerQos {
            granted: Some(1),
            puback: 2,
            pubrec: 1,
            pubcomp: 1,
        };
        assert_eq!(
            q,
            BrokerQos {
                granted: Some(1),
                puback: 3,
                pubrec: 1,
                pubcomp: 1
            }
        );
    }
}
