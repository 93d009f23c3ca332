//! The publishers' MQTT event loops: one OS thread per group of publishers (a thread per
//! publisher in `threads = "per-client"`), each running a single-threaded runtime that polls
//! every event loop of the group as its own task. The client's socket writes, TLS records and
//! acknowledgement matching are that thread's CPU time and nobody else's; the thread's CPU over
//! the measured window is read at the window's edges by the thread itself.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rumqttc::QoS;
use tokio::sync::watch;

use crate::measure::clock::now_ns;
use crate::measure::cpu::{PUBLISHER_IO_THREAD, WindowClock};
use crate::measure::histograms::{Phase, Phases};
use crate::measure::outage::ConnectionLog;

use super::super::errors::ErrorLog;
use super::super::mqtt::{Event, EventLoop, Rejection};
use super::super::plan::CasePlan;
use super::super::window::Window;
use super::AckKinds;

/// A publish handed to the client, waiting to be written (QoS 0) or acknowledged.
#[derive(Clone, Copy)]
pub(super) struct Pending {
    pub handed_ns: u64,
    pub measured: bool,
}

/// What the send side and the event loop of one publisher share.
#[derive(Default)]
pub(super) struct AckTracker {
    /// In the order the client will write them (its request channel is FIFO).
    pub queued: VecDeque<Pending>,
    /// Written, waiting for PUBACK / PUBCOMP, by packet id.
    pub awaiting: HashMap<u16, Pending>,
    pub phases: Phases,
    pub errors: ErrorLog,
    pub connection: ConnectionLog,
    /// Publishes a v5 broker acknowledged with a failure reason.
    pub rejected: u64,
    pub first_rejection: Option<Rejection>,
    pub acks: AckKinds,
    /// Set when the publisher must stop sending (read by the send loop before each message).
    pub halt: Option<String>,
}

impl AckTracker {
    pub fn outstanding(&self) -> usize {
        self.queued.len() + self.awaiting.len()
    }

    fn complete(&mut self, p: Pending, window: &Window) {
        if p.measured {
            self.phases
                .record(Phase::Publish, now_ns().saturating_sub(p.handed_ns));
        }
        window.release();
    }
}

pub(super) fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// One publisher's half that the event-loop thread owns.
pub(super) struct Loop {
    pub index: u32,
    pub eventloop: EventLoop,
    pub tracker: Arc<Mutex<AckTracker>>,
    pub window: Arc<Window>,
}

/// Starts the event-loop thread of group `group`: it runs until every loop has written its
/// DISCONNECT or `stop` is set, and returns the thread's CPU over the measured window. The
/// connections were opened on the main runtime, whose I/O driver keeps delivering their
/// readiness events.
pub(super) fn spawn(
    group: u32,
    plan: Arc<CasePlan>,
    loops: Vec<Loop>,
    stop: watch::Receiver<bool>,
) -> std::io::Result<std::thread::JoinHandle<Option<u64>>> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    std::thread::Builder::new()
        .name(format!("{PUBLISHER_IO_THREAD}{group}"))
        .spawn(move || {
            let mut clock = WindowClock::new(plan.warmup_end_ns, plan.end_ns);
            rt.block_on(async {
                let mut tasks = tokio::task::JoinSet::new();
                for l in loops {
                    tasks.spawn(drive(l, plan.clone(), stop.clone()));
                }
                // The group's tasks run on this thread only, so the edges read here hold
                // every one of them.
                loop {
                    let edge = clock.next_edge();
                    tokio::select! {
                        joined = tasks.join_next() => if joined.is_none() { break },
                        _ = sleep_until_edge(edge), if edge.is_some() => clock.tick(now_ns()),
                    }
                }
            });
            clock.finish()
        })
}

/// Polls one event loop until DISCONNECT is written or `stop` is set, matching writes and
/// acknowledgements to the pending queue.
async fn drive(l: Loop, plan: Arc<CasePlan>, mut stop: watch::Receiver<bool>) {
    let Loop {
        index,
        mut eventloop,
        tracker,
        window,
    } = l;
    let qos = plan.qos;
    let live = plan.live_publisher(index);
    loop {
        let ev = tokio::select! {
            biased;
            _ = stop.changed() => return,
            ev = eventloop.poll() => ev,
        };
        match ev {
            Ok(Event::Sent(pkid)) => {
                let mut t = lock(&tracker);
                if qos == QoS::AtMostOnce {
                    if let Some(p) = t.queued.pop_front() {
                        t.complete(p, &window);
                    }
                } else if !t.awaiting.contains_key(&pkid)
                    && let Some(p) = t.queued.pop_front()
                {
                    // A pkid already awaiting is a retransmission after a reconnect.
                    t.awaiting.insert(pkid, p);
                }
            }
            // A PUBACK ends the publish at QoS 2 too: the broker handled it at QoS 1 and
            // rumqttc has freed its slot, so it is acknowledged (not left unacked for the
            // drain to wait out), and `acks.puback` tells the case it was downgraded.
            Ok(Event::PubAck(pkid)) if qos != QoS::AtMostOnce => {
                let mut t = lock(&tracker);
                t.acks.puback += 1;
                if let Some(p) = t.awaiting.remove(&pkid) {
                    t.complete(p, &window);
                }
            }
            Ok(Event::PubRec(_)) => lock(&tracker).acks.pubrec += 1,
            Ok(Event::PubComp(pkid)) if qos == QoS::ExactlyOnce => {
                let mut t = lock(&tracker);
                t.acks.pubcomp += 1;
                if let Some(p) = t.awaiting.remove(&pkid) {
                    t.complete(p, &window);
                }
            }
            Ok(Event::Rejected {
                pkid,
                reason,
                leaks_slot,
            }) => {
                // MQTT 5: the broker took the packet and dropped the message. It frees a
                // window slot but counts as neither acknowledged nor delivered (the subscriber
                // reports it lost), and the reason goes into the case's errors.
                let mut t = lock(&tracker);
                if t.awaiting.remove(&pkid).is_some() {
                    t.rejected += 1;
                    if let Some(l) = live {
                        l.rejected();
                    }
                    window.release();
                }
                t.errors
                    .push(format!("broker rejected a publish: {reason}"));
                if leaks_slot && t.halt.is_none() {
                    t.halt = Some(format!(
                        "stopped sending after the broker refused a QoS 2 publish ({reason}): \
                         rumqttc 0.25's MQTT 5 client keeps an in-flight slot for each refused \
                         QoS 2 publish and would stall once they fill its window"
                    ));
                }
                t.first_rejection.get_or_insert(reason);
            }
            Ok(Event::ConnAck {
                session_present, ..
            }) => {
                lock(&tracker).connection.up(now_ns(), session_present);
                if let Some(l) = live {
                    l.connected(true);
                }
            }
            Ok(Event::Disconnected) => return,
            Ok(_) => {}
            Err(e) => {
                if *stop.borrow() {
                    return;
                }
                if let Some(l) = live {
                    l.connected(false);
                }
                {
                    let mut t = lock(&tracker);
                    t.connection.down(now_ns());
                    t.errors.push(format!(
                        "publisher connection error at {}: {e}",
                        humantime::format_rfc3339_millis(std::time::SystemTime::now())
                    ));
                }
                // rumqttc reconnects on the next poll; don't spin while the broker is away.
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
        }
    }
}

/// Sleeps (async) until `edge` on the shared clock.
pub(crate) async fn sleep_until_edge(edge: Option<u64>) {
    if let Some(ns) = edge {
        tokio::time::sleep_until(crate::measure::clock::instant_at(ns).into()).await;
    }
}
