//! One publisher: a thread that builds and sends messages on schedule (so a slow cipher delays
//! its own device, as on real hardware, and the tokio timer's 1 ms granularity never shapes
//! the schedule), and a second thread running the MQTT client's event loop, which writes the
//! packets (and TLS records) and matches acknowledgements to sends. Each has its own OS thread
//! so its CPU time can be read apart (see `measure::cpu`): the send thread's per message, the
//! event loop's over the measured window.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use rumqttc::QoS;
use tokio::sync::{oneshot, watch};

use crate::crypto::envelope::Fields;
use crate::crypto::protect::Protector;
use crate::crypto::signature::SigAlg;
use crate::measure::clock::{now_ns, thread_cpu_ns};
use crate::measure::cpu::{PUBLISHER_IO_THREAD, PUBLISHER_THREAD, WindowClock};
use crate::measure::histograms::{Phase, Phases};
use crate::measure::live::LiveCell;
use crate::measure::outage::ConnectionLog;
use crate::results::Counts;

use super::client::Connected;
use super::errors::ErrorLog;
use super::mqtt::{Client, Event, EventLoop, Rejection};
use super::pacer::Pacer;
use super::plan::{CasePlan, Rate};
use super::window::Window;

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

/// A publish handed to the client, waiting to be written (QoS 0) or acknowledged.
#[derive(Clone, Copy)]
struct Pending {
    handed_ns: u64,
    measured: bool,
}

#[derive(Default)]
struct AckTracker {
    /// In the order the client will write them (its request channel is FIFO).
    queued: VecDeque<Pending>,
    /// Written, waiting for PUBACK / PUBCOMP, by packet id.
    awaiting: HashMap<u16, Pending>,
    phases: Phases,
    errors: ErrorLog,
    connection: ConnectionLog,
    /// Publishes a v5 broker acknowledged with a failure reason.
    rejected: u64,
    first_rejection: Option<Rejection>,
    acks: AckKinds,
    /// Set when the publisher must stop sending (read by the send loop before each message).
    halt: Option<String>,
}

impl AckTracker {
    fn outstanding(&self) -> usize {
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

/// Runs publisher `index` of `plan`: sends until `plan.end_ns`, then waits up to `plan.drain`
/// for outstanding acknowledgements, then disconnects.
pub async fn run(
    plan: Arc<CasePlan>,
    index: u32,
    conn: Connected,
    protector: Protector,
) -> PublisherReport {
    let Connected {
        client,
        eventloop,
        receive_max,
        ..
    } = conn;
    let tracker = Arc::new(Mutex::new(AckTracker::default()));
    // An MQTT 5 broker's Receive Maximum caps the client's in-flight window; the closed loop
    // must not count more messages in flight than the client may really send.
    let inflight = plan.inflight.min(receive_max.unwrap_or(u16::MAX)).max(1);
    let window = Arc::new(Window::new(inflight as usize));
    let (stop_tx, stop_rx) = watch::channel(false);
    let driver = match spawn_driver(
        index,
        WindowClock::new(plan.warmup_end_ns, plan.end_ns),
        eventloop,
        plan.clone(),
        tracker.clone(),
        window.clone(),
        stop_rx,
    ) {
        Ok(d) => d,
        Err(e) => {
            let mut r = PublisherReport::stopped(format!(
                "cannot start the publisher's event-loop thread: {e}"
            ));
            r.index = index;
            r.scheduled = scheduled(&plan, index).unwrap_or(0);
            r.unsent = r.scheduled;
            return r;
        }
    };

    let (done_tx, done_rx) = oneshot::channel();
    let handle = tokio::runtime::Handle::current();
    let thread = {
        let (plan, client, tracker, window) = (
            plan.clone(),
            client.clone(),
            tracker.clone(),
            window.clone(),
        );
        std::thread::Builder::new()
            .name(format!("{PUBLISHER_THREAD}{index}"))
            .spawn(move || {
                let report =
                    send_loop(&plan, index, protector, &client, &tracker, &window, &handle);
                let _ = done_tx.send(report);
            })
    };
    let mut report = match thread {
        Ok(_) => done_rx
            .await
            .unwrap_or_else(|_| PublisherReport::stopped("publisher thread panicked".into())),
        Err(e) => PublisherReport::stopped(format!("cannot start publisher thread: {e}")),
    };
    report.index = index;
    // Whatever stopped the send loop, the messages it never got to are accounted for.
    report.scheduled = scheduled(&plan, index).unwrap_or(report.sent);
    report.unsent = report.scheduled.saturating_sub(report.sent);

    // Drain: let the event loop collect the last acknowledgements.
    let deadline = tokio::time::Instant::now() + plan.drain;
    while lock(&tracker).outstanding() > 0 && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    // try_: with a stalled broker the request queue may be full, and waiting for room would
    // hang the case; the driver is stopped below either way.
    let _ = client.try_disconnect();
    let _ = tokio::time::timeout(Duration::from_secs(1), async {
        // The driver ends when it has written DISCONNECT.
        while !driver.is_finished() {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    })
    .await;
    let _ = stop_tx.send(true);
    // The driver returns as soon as it sees the stop; wait without blocking a worker.
    while !driver.is_finished() {
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    report.io_cpu_ns = driver.join().ok().flatten();

    let mut t = lock(&tracker);
    report.unacked = if plan.qos == QoS::AtMostOnce {
        0
    } else {
        t.outstanding() as u64
    };
    report.rejected = t.rejected;
    report.first_rejection = t.first_rejection.take();
    report.acks = t.acks;
    report.receive_max = receive_max;
    report.phases.merge(&t.phases);
    let log = std::mem::take(&mut t.errors);
    report.errors.extend(log.into_vec());
    report.connection = std::mem::take(&mut t.connection);
    report
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

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// Runs [`drive`] on a thread of its own with a single-threaded runtime, so the client's
/// socket writes and TLS records are this thread's CPU time and nobody else's. The connection
/// was opened on the main runtime, whose I/O driver keeps delivering its readiness events.
fn spawn_driver(
    index: u32,
    mut clock: WindowClock,
    eventloop: EventLoop,
    plan: Arc<CasePlan>,
    tracker: Arc<Mutex<AckTracker>>,
    window: Arc<Window>,
    stop: watch::Receiver<bool>,
) -> std::io::Result<std::thread::JoinHandle<Option<u64>>> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    std::thread::Builder::new()
        .name(format!("{PUBLISHER_IO_THREAD}{index}"))
        .spawn(move || {
            let live = plan.live_publisher(index);
            rt.block_on(drive(
                eventloop, plan.qos, live, tracker, window, stop, &mut clock,
            ));
            clock.finish()
        })
}

/// Polls the event loop until DISCONNECT is written or `stop` is set, matching writes and
/// acknowledgements to the pending queue.
async fn drive(
    mut eventloop: EventLoop,
    qos: QoS,
    live: Option<&LiveCell>,
    tracker: Arc<Mutex<AckTracker>>,
    window: Arc<Window>,
    mut stop: watch::Receiver<bool>,
    clock: &mut WindowClock,
) {
    loop {
        let edge = clock.next_edge();
        let ev = tokio::select! {
            biased;
            _ = stop.changed() => return,
            // Wakes at the measured window's edges to read this thread's CPU clock.
            _ = sleep_until_edge(edge), if edge.is_some() => {
                clock.tick(now_ns());
                continue;
            }
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

/// Sleeps until `due` on the shared clock. No spinning: on a small machine a spinning
/// publisher steals the core the broker needs, which costs more latency than the ~30 µs
/// of wake-up delay it saves (that delay is recorded as schedule lag either way).
fn sleep_until_ns(due: u64) {
    let now = now_ns();
    if due > now {
        std::thread::sleep(std::time::Duration::from_nanos(due - now));
    }
}

/// Asks Linux for 1 ns timer slack on this thread (the default 50 µs delays every wake-up).
fn tighten_timer_slack() {
    #[cfg(target_os = "linux")]
    // SAFETY: PR_SET_TIMERSLACK takes a plain integer and affects only the calling thread.
    unsafe {
        libc::prctl(libc::PR_SET_TIMERSLACK, 1 as libc::c_ulong, 0, 0, 0);
    }
}

fn send_loop(
    plan: &CasePlan,
    index: u32,
    mut protector: Protector,
    client: &Client,
    tracker: &Mutex<AckTracker>,
    window: &Window,
    rt: &tokio::runtime::Handle,
) -> PublisherReport {
    let mut report = PublisherReport::default();
    let pacer = match plan.rate {
        Rate::PerSecond(r) => Some(Pacer::new(plan.start_ns, r, index, plan.publishers)),
        Rate::Max => None,
    };
    let topic = plan.topic(index);
    let signed = plan.protection.signature != SigAlg::None;
    // Only s-mqtt has an encode step (bytes onto curve points); other suites read no clock
    // for it and record no `encode`.
    let encodes = plan.protection.suite.encodes();
    let mut plaintext = Vec::with_capacity(plan.size);
    // The plaintext of each message is generated before its clocks start (for seq 0 here, for
    // the next one right after each hand-off): it stands for data a device already has, and
    // generating it (e.g. sensor-json's float formatting) is the harness's cost, not encode's.
    plan.payload.fill(index, 0, &mut plaintext);
    tighten_timer_slack();
    sleep_until_ns(plan.start_ns);
    for seq in 0u64.. {
        let scheduled = match pacer {
            Some(p) => {
                let due = p.due(seq);
                // A publisher that fell behind stops with the case rather than running on: the
                // messages it never got to are reported as unsent (saturation), not hidden.
                // (`run` counts them from the schedule.)
                if due >= plan.end_ns || now_ns() >= plan.end_ns {
                    break;
                }
                sleep_until_ns(due);
                due
            }
            None => {
                // Closed loop: the next message goes when a window slot frees up.
                let mut got = false;
                while !got && now_ns() < plan.end_ns {
                    got = window.acquire(Duration::from_millis(50));
                }
                if !got {
                    break;
                }
                now_ns()
            }
        };
        // Clock reads alternate so that every wall span holds only its step (and half a
        // wall-clock read), while the CPU clock, a system call ~30x dearer, is read once per
        // boundary: each CPU span holds its step, two wall reads and the CPU clock's own cost
        // (`clock.cpu_read_ns` in results.json).
        let c0 = thread_cpu_ns();
        let w0 = now_ns();
        // Closed loop has no schedule: the message is due when it starts.
        let start = if pacer.is_some() { w0 } else { scheduled };
        let measured = plan.measured(scheduled);
        let fields = Fields {
            publisher: index,
            seq,
            scheduled_ns: scheduled,
            start_ns: start,
            ..Fields::default()
        };
        let mut buf = protector.begin(fields, plaintext.len());
        let w1 = now_ns();
        let c1 = thread_cpu_ns();
        let w1b = now_ns();
        // s-mqtt only: encode between envelope and encrypt, its clocks read the same way.
        let mut encode = None;
        let (w1b, c1b) = if encodes {
            if let Err(e) = protector.encode(&plaintext) {
                report.stop(format!("encode failed at seq {seq}: {e}"));
                break;
            }
            let we = now_ns();
            let ce = thread_cpu_ns();
            let web = now_ns();
            encode = Some((we - w1b, ce - c1));
            (web, ce)
        } else {
            (w1b, c1)
        };
        if let Err(e) = protector.encrypt(&mut buf, &plaintext) {
            report.stop(format!("encrypt failed at seq {seq}: {e}"));
            break;
        }
        let w2 = now_ns();
        let c2 = thread_cpu_ns();
        let w2b = now_ns();
        if let Err(e) = protector.sign(&mut buf) {
            report.stop(format!("sign failed at seq {seq}: {e}"));
            break;
        }
        let t3 = now_ns();
        let c3 = thread_cpu_ns();
        if measured {
            if pacer.is_some() {
                report
                    .phases
                    .record(Phase::ScheduleLag, start.saturating_sub(scheduled));
            }
            report.phases.record(Phase::Envelope, w1 - w0);
            report.phases.record(Phase::EnvelopeCpu, c1 - c0);
            if let Some((wall, cpu)) = encode {
                report.phases.record(Phase::Encode, wall);
                report.phases.record(Phase::EncodeCpu, cpu);
            }
            report.phases.record(Phase::Encrypt, w2 - w1b);
            report.phases.record(Phase::EncryptCpu, c2 - c1b);
            if signed {
                report.phases.record(Phase::Sign, t3 - w2b);
                report.phases.record(Phase::SignCpu, c3 - c2);
            }
        }

        {
            let mut t = lock(tracker);
            if let Some(why) = t.halt.take() {
                report.stop(why);
                break;
            }
            t.queued.push_back(Pending {
                // Read afresh: `publish` must not include the CPU-clock read above.
                handed_ns: now_ns(),
                measured,
            });
        }
        // publish only waits when the client's request queue is full (the broker or the
        // network is behind); that wait shows up as schedule lag, as it should. It never
        // waits past the end of the drain: a client whose in-flight window never frees (a
        // broker that acknowledges nothing) must fail the case, not hang it.
        let deadline = Duration::from_nanos(plan.end_ns.saturating_sub(now_ns())) + plan.drain;
        // The timer is made inside block_on: it needs the runtime's context.
        let queued = rt.block_on(async {
            tokio::time::timeout(
                deadline,
                client.publish(topic.clone(), plan.qos, Bytes::from(buf)),
            )
            .await
        });
        let failed = match queued {
            Ok(Ok(())) => None,
            Ok(Err(e)) => Some(format!(
                "client stopped accepting publishes at seq {seq}: {e}"
            )),
            Err(_) => Some(format!(
                "client took no publish for {:.1} s at seq {seq}: its in-flight window stayed \
                 full (the broker acknowledged nothing)",
                deadline.as_secs_f64()
            )),
        };
        if let Some(e) = failed {
            lock(tracker).queued.pop_back();
            report.stop(e);
            break;
        }
        report.sent += 1;
        if let Some(l) = plan.live_publisher(index) {
            l.sent(pacer.is_some().then(|| start.saturating_sub(scheduled)));
        }
        if measured {
            report.send_cpu_ns += thread_cpu_ns().saturating_sub(c0);
            report.send_cpu_messages += 1;
        } else {
            report.sent_warmup += 1;
        }
        plan.payload.fill(index, seq + 1, &mut plaintext);
    }
    report
}
