//! The publishers' send side: one OS thread per group of publishers builds and sends every
//! message of the group on schedule (so a slow cipher delays its own device, as on real
//! hardware, and the tokio timer's 1 ms granularity never shapes the schedule). With several
//! publishers on one thread, the earliest due message goes next (a heap of due times, each
//! publisher's from its own pacer); a thread that falls behind shows as schedule lag of the
//! messages it delayed, as a lone publisher's does. Every crypto step is synchronous code on
//! this thread between two clock reads, so sharing the thread adds nothing to its timers.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;

use crate::crypto::envelope::Fields;
use crate::crypto::protect::Protector;
use crate::crypto::signature::SigAlg;
use crate::measure::clock::{now_ns, thread_cpu_ns};
use crate::measure::histograms::Phase;

use super::super::mqtt::Client;
use super::super::pacer::Pacer;
use super::super::plan::{CasePlan, Rate};
use super::super::window::Window;
use super::PublisherReport;
use super::driver::{AckTracker, Pending, lock};

/// One publisher as its send thread sees it.
pub(super) struct Sender {
    pub index: u32,
    pub protector: Protector,
    pub client: Client,
    pub tracker: Arc<Mutex<AckTracker>>,
    pub window: Arc<Window>,
}

/// A sender with its place in the schedule.
struct Slot {
    s: Sender,
    pacer: Option<Pacer>,
    topic: String,
    plaintext: Vec<u8>,
    seq: u64,
    report: PublisherReport,
}

/// Sleeps until `due` on the shared clock. No spinning: on a small machine a spinning
/// publisher steals the core the broker needs, which costs more latency than the ~30 µs
/// of wake-up delay it saves (that delay is recorded as schedule lag either way).
fn sleep_until_ns(due: u64) {
    let now = now_ns();
    if due > now {
        std::thread::sleep(Duration::from_nanos(due - now));
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

/// Sends every message of the group's publishers until `plan.end_ns`; one report each, in
/// the order given.
pub(super) fn run(
    plan: &CasePlan,
    senders: Vec<Sender>,
    rt: &tokio::runtime::Handle,
) -> Vec<PublisherReport> {
    let mut slots: Vec<Slot> = senders
        .into_iter()
        .map(|s| {
            let pacer = match plan.rate {
                Rate::PerSecond(r) => Some(Pacer::new(plan.start_ns, r, s.index, plan.publishers)),
                Rate::Max => None,
            };
            let mut plaintext = Vec::with_capacity(plan.size);
            // The plaintext of each message is generated before its clocks start (for seq 0
            // here, for the next one right after each hand-off): it stands for data a device
            // already has, and generating it (e.g. sensor-json's float formatting) is the
            // harness's cost, not encode's.
            plan.payload.fill(s.index, 0, &mut plaintext);
            Slot {
                topic: plan.topic(s.index),
                pacer,
                plaintext,
                seq: 0,
                report: PublisherReport::default(),
                s,
            }
        })
        .collect();
    tighten_timer_slack();
    sleep_until_ns(plan.start_ns);
    match plan.rate {
        Rate::PerSecond(_) => paced(plan, &mut slots, rt),
        Rate::Max => closed(plan, &mut slots, rt),
    }
    slots.into_iter().map(|s| s.report).collect()
}

/// Open loop: the earliest due message of the group next.
fn paced(plan: &CasePlan, slots: &mut [Slot], rt: &tokio::runtime::Handle) {
    let mut heap: BinaryHeap<Reverse<(u64, usize)>> = slots
        .iter()
        .enumerate()
        .filter_map(|(i, s)| s.pacer.map(|p| Reverse((p.due(0), i))))
        .collect();
    while let Some(Reverse((due, i))) = heap.pop() {
        // A publisher that fell behind stops with the case rather than running on: the
        // messages it never got to are reported as unsent (saturation), not hidden (the
        // group's `run` counts them from the schedule).
        if due >= plan.end_ns || now_ns() >= plan.end_ns {
            continue;
        }
        sleep_until_ns(due);
        let slot = &mut slots[i];
        if send_one(plan, slot, due, true, rt) {
            if let Some(p) = slot.pacer {
                heap.push(Reverse((p.due(slot.seq), i)));
            }
        }
    }
}

/// Closed loop: a publisher's next message goes when a slot of its window frees up. Alone on
/// its thread (the default for `rate = "max"`) it waits on its window; sharing one, the
/// thread takes whichever publisher has a free slot, in turn.
fn closed(plan: &CasePlan, slots: &mut [Slot], rt: &tokio::runtime::Handle) {
    let wait = if slots.len() == 1 {
        Duration::from_millis(50)
    } else {
        Duration::ZERO
    };
    let mut live: Vec<usize> = (0..slots.len()).collect();
    while !live.is_empty() && now_ns() < plan.end_ns {
        let mut sent_any = false;
        live.retain(|&i| {
            let slot = &mut slots[i];
            if !slot.s.window.acquire(wait) {
                return true;
            }
            sent_any = true;
            send_one(plan, slot, now_ns(), false, rt)
        });
        if !sent_any && wait.is_zero() {
            // Every window is full: give the event loops the core they need to free one.
            std::thread::sleep(Duration::from_micros(50));
        }
    }
}

/// Builds, seals and hands one message of `slot` to its client. False when the publisher
/// stopped (the reason is in its report).
fn send_one(
    plan: &CasePlan,
    slot: &mut Slot,
    scheduled: u64,
    paced: bool,
    rt: &tokio::runtime::Handle,
) -> bool {
    let Slot {
        s,
        topic,
        plaintext,
        seq,
        report,
        ..
    } = slot;
    let seq_now = *seq;
    let index = s.index;
    let signed = plan.protection.signature != SigAlg::None;
    // Clock reads alternate so that every wall span holds only its step (and half a
    // wall-clock read), while the CPU clock, a system call ~30x dearer, is read once per
    // boundary: each CPU span holds its step, two wall reads and the CPU clock's own cost
    // (`clock.cpu_read_ns` in results.json).
    let c0 = thread_cpu_ns();
    let w0 = now_ns();
    // Closed loop has no schedule: the message is due when it starts.
    let start = if paced { w0 } else { scheduled };
    let measured = plan.measured(scheduled);
    let fields = Fields {
        publisher: index,
        seq: seq_now,
        scheduled_ns: scheduled,
        start_ns: start,
        ..Fields::default()
    };
    let mut buf = s.protector.begin(fields, plaintext.len());
    let w1 = now_ns();
    let c1 = thread_cpu_ns();
    let w1b = now_ns();
    // Only s-mqtt has an encode step (bytes onto curve points), its clocks read the same way;
    // other suites read no clock for it and record no `encode`.
    let mut encode = None;
    let (w1b, c1b) = if plan.protection.suite.encodes() {
        if let Err(e) = s.protector.encode(plaintext) {
            report.stop(format!("encode failed at seq {seq_now}: {e}"));
            return false;
        }
        let we = now_ns();
        let ce = thread_cpu_ns();
        let web = now_ns();
        encode = Some((we - w1b, ce - c1));
        (web, ce)
    } else {
        (w1b, c1)
    };
    if let Err(e) = s.protector.encrypt(&mut buf, plaintext) {
        report.stop(format!("encrypt failed at seq {seq_now}: {e}"));
        return false;
    }
    let w2 = now_ns();
    let c2 = thread_cpu_ns();
    // Without a signature nothing is signed and no sign phase recorded: no clocks read for it
    // (a CPU-clock read is a system call, ~0.4 µs here: the harness's own cost per message).
    let sign = if signed {
        let w2b = now_ns();
        if let Err(e) = s.protector.sign(&mut buf) {
            report.stop(format!("sign failed at seq {seq_now}: {e}"));
            return false;
        }
        let t3 = now_ns();
        let c3 = thread_cpu_ns();
        Some((t3 - w2b, c3 - c2))
    } else {
        // A no-op for an unsigned suite; called so the two paths cannot drift apart.
        if let Err(e) = s.protector.sign(&mut buf) {
            report.stop(format!("sign failed at seq {seq_now}: {e}"));
            return false;
        }
        None
    };
    if measured {
        let phases = &mut report.phases;
        if paced {
            phases.record(Phase::ScheduleLag, start.saturating_sub(scheduled));
        }
        phases.record(Phase::Envelope, w1 - w0);
        phases.record(Phase::EnvelopeCpu, c1 - c0);
        if let Some((wall, cpu)) = encode {
            phases.record(Phase::Encode, wall);
            phases.record(Phase::EncodeCpu, cpu);
        }
        phases.record(Phase::Encrypt, w2 - w1b);
        phases.record(Phase::EncryptCpu, c2 - c1b);
        if let Some((wall, cpu)) = sign {
            phases.record(Phase::Sign, wall);
            phases.record(Phase::SignCpu, cpu);
        }
    }

    {
        let mut t = lock(&s.tracker);
        if let Some(why) = t.halt.take() {
            report.stop(why);
            return false;
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
    let mut publish = std::pin::pin!(s.client.publish(topic.clone(), plan.qos, Bytes::from(buf)));
    // Almost always the request queue has room and the first poll queues the publish: no
    // timer, no runtime context. Registering and cancelling a timer per message cost the send
    // thread ~0.5 µs of its ~4.5 µs per message in closed loop (64 B, QoS 0, Mosquitto;
    // 3 interleaved pairs of runs). Only a full queue pays for the timed wait, which goes on
    // polling the same future, so a publish is queued at most once.
    let queued = match publish
        .as_mut()
        .poll(&mut std::task::Context::from_waker(std::task::Waker::noop()))
    {
        std::task::Poll::Ready(r) => Ok(r),
        // The timer is made inside block_on: it needs the runtime's context.
        std::task::Poll::Pending => {
            rt.block_on(async { tokio::time::timeout(deadline, publish).await })
        }
    };
    let failed = match queued {
        Ok(Ok(())) => None,
        Ok(Err(e)) => Some(format!(
            "client stopped accepting publishes at seq {seq_now}: {e}"
        )),
        Err(_) => Some(format!(
            "client took no publish for {:.1} s at seq {seq_now}: its in-flight window stayed \
             full (the broker acknowledged nothing)",
            deadline.as_secs_f64()
        )),
    };
    if let Some(e) = failed {
        lock(&s.tracker).queued.pop_back();
        report.stop(e);
        return false;
    }
    report.sent += 1;
    if let Some(l) = plan.live_publisher(index) {
        l.sent(paced.then(|| start.saturating_sub(scheduled)));
    }
    if measured {
        report.send_cpu_ns += thread_cpu_ns().saturating_sub(c0);
        report.send_cpu_messages += 1;
    } else {
        report.sent_warmup += 1;
    }
    *seq += 1;
    plan.payload.fill(index, *seq, plaintext);
    true
}
