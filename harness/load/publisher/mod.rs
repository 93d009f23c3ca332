//! Publishers, in groups that share two OS threads: a send thread that builds and sends every
//! message of the group on schedule ([`sender`]), and an event-loop thread that writes the
//! packets (and TLS records) and matches acknowledgements to sends ([`driver`]). Each has its
//! own OS thread so its CPU time can be read apart (see `measure::cpu`): the send thread's per
//! message, the event loop's over the measured window. With `load.threads = "per-client"` a
//! group is one publisher; with a number of workers, publisher i goes to group i mod workers
//! (see [`super::threads`]), so thousands of clients need a few threads, not thousands.

mod driver;
mod sender;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use rumqttc::QoS;
use tokio::sync::{oneshot, watch};

use crate::crypto::protect::Protector;
use crate::measure::cpu::PUBLISHER_THREAD;
use crate::measure::histograms::Phases;
use crate::measure::outage::ConnectionLog;
use crate::results::Counts;

use super::client::Connected;
use super::mqtt::Rejection;
use super::pacer::Pacer;
use super::plan::{CasePlan, Rate};
use super::window::Window;

pub(crate) use driver::sleep_until_edge;
use driver::{AckTracker, lock};

/// What one publisher did.
#[derive(Default)]
pub struct PublisherReport {
    pub index: u32,
    /// Messages handed to the MQTT client.
    pub sent: u64,
    pub sent_warmup: u64,
    /// QoS >= 1 publishes never acknowledged.
    pub unacked: u64,
    /// QoS >= 1 publishes a v5 broker acknowledged with a failure reason, and the first reason.
    pub rejected: u64,
    pub first_rejection: Option<Rejection>,
    /// MQTT 5: the Receive Maximum the broker granted this publisher, when it sent one.
    pub receive_max: Option<u16>,
    /// Messages due before the end: the open-loop schedule's, or in closed loop those sent.
    pub scheduled: u64,
    /// Scheduled but not sent: the publisher was too far behind, or stopped early
    /// (`stopped`). `sent + unsent = scheduled`.
    pub unsent: u64,
    /// Why the publisher stopped before the end of its schedule, when it did.
    pub stopped: Option<String>,
    /// Acknowledgements received, by packet (see [`AckKinds`]).
    pub acks: AckKinds,
    pub phases: Phases,
    pub errors: Vec<String>,
    /// When the client lost and regained the broker.
    pub connection: ConnectionLog,
    /// Send-thread CPU (thread clock) summed over measured messages, each from the start of
    /// its envelope to its hand-off to the MQTT client: payload generation and pacing excluded.
    pub send_cpu_ns: u64,
    /// Messages behind `send_cpu_ns`.
    pub send_cpu_messages: u64,
    /// The event-loop thread's CPU over the measured window (see [`WindowClock`]).
    pub io_cpu_ns: Option<u64>,
}

impl PublisherReport {
    /// This publisher's part of its case's message counts.
    pub fn counts(&self) -> Counts {
        Counts {
            scheduled: Some(self.scheduled),
            sent: self.sent,
            sent_warmup: self.sent_warmup,
            unsent: self.unsent,
            unacked: self.unacked,
            rejected: self.rejected,
            ..Counts::default()
        }
    }
}

/// Acknowledgements a publisher received, by packet: what tells a QoS 2 exchange
/// (PUBREC, PUBCOMP) from a broker that handled the publish at QoS 1 (PUBACK).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AckKinds {
    pub puback: u64,
    pub pubrec: u64,
    pub pubcomp: u64,
}

impl std::ops::AddAssign<&AckKinds> for AckKinds {
    fn add_assign(&mut self, a: &AckKinds) {
        let AckKinds {
            puback,
            pubrec,
            pubcomp,
        } = a;
        self.puback += puback;
        self.pubrec += pubrec;
        self.pubcomp += pubcomp;
    }
}

impl PublisherReport {
    /// A publisher that could not run at all.
    fn stopped(why: String) -> Self {
        let mut r = Self::default();
        r.stop(why);
        r
    }

    /// The publisher stops before its schedule ends: `why` is kept as the reason (and in
    /// the errors).
    fn stop(&mut self, why: String) {
        self.errors.push(why.clone());
        self.stopped.get_or_insert(why);
    }
}

/// One publisher of a group: its connection and its sealing keys.
pub struct Member {
    pub index: u32,
    pub conn: Connected,
    pub protector: Protector,
}

/// Runs the publishers of one group: each sends until `plan.end_ns`, then waits up to
/// `plan.drain` for its outstanding acknowledgements, then disconnects. One report per member,
/// in the order given; the group's event-loop CPU goes to the first (the case sums them).
pub async fn run_group(
    plan: Arc<CasePlan>,
    group: u32,
    members: Vec<Member>,
) -> Vec<PublisherReport> {
    let mut loops = Vec::with_capacity(members.len());
    let mut senders = Vec::with_capacity(members.len());
    let mut receive_maxes = Vec::with_capacity(members.len());
    for m in members {
        let Connected {
            client,
            eventloop,
            receive_max,
            ..
        } = m.conn;
        let tracker = Arc::new(Mutex::new(AckTracker::default()));
        // An MQTT 5 broker's Receive Maximum caps the client's in-flight window; the closed
        // loop must not count more messages in flight than the client may really send.
        let inflight = plan.inflight.min(receive_max.unwrap_or(u16::MAX)).max(1);
        let window = Arc::new(Window::new(inflight as usize));
        loops.push(driver::Loop {
            index: m.index,
            eventloop,
            tracker: tracker.clone(),
            window: window.clone(),
        });
        senders.push(sender::Sender {
            index: m.index,
            protector: m.protector,
            client,
            tracker,
            window,
        });
        receive_maxes.push(receive_max);
    }
    let indices: Vec<u32> = senders.iter().map(|s| s.index).collect();
    let clients: Vec<_> = senders.iter().map(|s| s.client.clone()).collect();
    let trackers: Vec<_> = senders.iter().map(|s| s.tracker.clone()).collect();
    let failed = |why: String| -> Vec<PublisherReport> {
        indices
            .iter()
            .map(|&i| {
                let mut r = PublisherReport::stopped(why.clone());
                r.index = i;
                r.scheduled = scheduled(&plan, i).unwrap_or(0);
                r.unsent = r.scheduled;
                r
            })
            .collect()
    };

    let (stop_tx, stop_rx) = watch::channel(false);
    let io = match driver::spawn(group, plan.clone(), loops, stop_rx) {
        Ok(d) => d,
        Err(e) => {
            return failed(format!(
                "cannot start the publishers' event-loop thread: {e}"
            ));
        }
    };
    let (done_tx, done_rx) = oneshot::channel();
    let handle = tokio::runtime::Handle::current();
    let thread = {
        let plan = plan.clone();
        std::thread::Builder::new()
            .name(format!("{PUBLISHER_THREAD}{group}"))
            .spawn(move || {
                let _ = done_tx.send(sender::run(&plan, senders, &handle));
            })
    };
    let mut reports = match thread {
        Ok(_) => done_rx
            .await
            .unwrap_or_else(|_| failed("publisher thread panicked".into())),
        Err(e) => failed(format!("cannot start publisher thread: {e}")),
    };
    for (r, &i) in reports.iter_mut().zip(&indices) {
        r.index = i;
        // Whatever stopped the send loop, the messages it never got to are accounted for.
        r.scheduled = scheduled(&plan, i).unwrap_or(r.sent);
        r.unsent = r.scheduled.saturating_sub(r.sent);
    }

    // Drain: let the event loops collect the last acknowledgements.
    let deadline = tokio::time::Instant::now() + plan.drain;
    while trackers.iter().any(|t| lock(t).outstanding() > 0)
        && tokio::time::Instant::now() < deadline
    {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    // try_: with a stalled broker the request queue may be full, and waiting for room would
    // hang the case; the event loops are stopped below either way.
    for c in &clients {
        let _ = c.try_disconnect();
    }
    let _ = tokio::time::timeout(Duration::from_secs(1), async {
        // The thread ends when every loop has written its DISCONNECT.
        while !io.is_finished() {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    })
    .await;
    let _ = stop_tx.send(true);
    // The loops return as soon as they see the stop; wait without blocking a worker.
    while !io.is_finished() {
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    let io_cpu_ns = io.join().ok().flatten();

    for (k, (r, tracker)) in reports.iter_mut().zip(&trackers).enumerate() {
        let mut t = lock(tracker);
        r.unacked = if plan.qos == QoS::AtMostOnce {
            0
        } else {
            t.outstanding() as u64
        };
        r.rejected = t.rejected;
        r.first_rejection = t.first_rejection.take();
        r.acks = t.acks;
        r.receive_max = receive_maxes[k];
        r.phases.merge(&t.phases);
        let log = std::mem::take(&mut t.errors);
        r.errors.extend(log.into_vec());
        r.connection = std::mem::take(&mut t.connection);
        if k == 0 {
            r.io_cpu_ns = io_cpu_ns;
        }
    }
    reports
}

/// Messages publisher `index` was due to send before the end of the case: None in closed
/// loop, which has no schedule (a message is due when a window slot frees).
fn scheduled(plan: &CasePlan, index: u32) -> Option<u64> {
    match plan.rate {
        Rate::PerSecond(r) => {
            Some(Pacer::new(plan.start_ns, r, index, plan.publishers).count_before(plan.end_ns))
        }
        Rate::Max => None,
    }
}
