//! A case's measured window on every thread's CPU clock: sampled at both edges, divided by
//! what the publishers and subscribers counted into per-message CPU per thread group.

use crate::measure::clock::now_ns;
use crate::measure::cpu;
use crate::measure::local_broker::LocalBroker;
use crate::results::{ThreadCpu, ThreadGroupCpu};

/// Every thread's CPU at the start and at the end of the measured window.
pub(super) struct WindowSample {
    before: Vec<cpu::ThreadSample>,
    after: Vec<cpu::ThreadSample>,
    window_ns: u64,
    /// A broker process on this host (see `measure::local_broker`): its name and its CPU
    /// over the window.
    local_broker: Option<(String, u64)>,
}

/// Sleeps to `start_ns`, samples every thread (and `broker`'s, a broker process on this host,
/// when given), sleeps to `end_ns`, samples again; `None` when the threads cannot be read
/// (not Linux).
pub(super) async fn sample_window(
    start_ns: u64,
    end_ns: u64,
    broker: Option<LocalBroker>,
) -> Option<WindowSample> {
    let until = |ns| tokio::time::sleep_until(crate::measure::clock::instant_at(ns).into());
    let pid = broker.as_ref().map(|b| b.pid);
    let broker_cpu = || pid.and_then(cpu::process_cpu_ns);
    until(start_ns).await;
    let (t0, before, b0) = (now_ns(), cpu::threads(), broker_cpu());
    until(end_ns).await;
    let (t1, after, b1) = (now_ns(), cpu::threads(), broker_cpu());
    (!after.is_empty()).then(|| WindowSample {
        before,
        after,
        window_ns: t1.saturating_sub(t0),
        local_broker: broker
            .zip(b0.zip(b1))
            .map(|(b, (c0, c1))| (b.name, c1.saturating_sub(c0))),
    })
}

/// What the clients counted, to divide the window's CPU by.
pub(super) struct ThreadCounts {
    pub(super) send_cpu_ns: u64,
    pub(super) send_cpu_messages: u64,
    /// This case's publisher event-loop and subscriber threads over the window, each read by
    /// the thread itself (they may end before the window's last sample).
    pub(super) io_cpu_ns: Option<u64>,
    pub(super) sub_cpu_ns: Option<u64>,
    /// The broker runs in this process.
    pub(super) embedded: bool,
    pub(super) window_delivered: u64,
    pub(super) window_check_cpu_ns: u64,
}

/// Per-message CPU of the publisher, subscriber and broker threads over the window.
pub(super) fn thread_cpu(w: &WindowSample, n: ThreadCounts) -> ThreadCpu {
    let groups = cpu::by_group(&w.before, &w.after);
    let per = |ns: u64, msgs: u64| (msgs > 0).then(|| ns as f64 / 1e3 / msgs as f64);
    ThreadCpu {
        window_s: w.window_ns as f64 / 1e9,
        publisher_us_per_msg: per(n.send_cpu_ns, n.send_cpu_messages),
        publisher_messages: n.send_cpu_messages,
        publisher_io_us_per_msg: n.io_cpu_ns.and_then(|ns| per(ns, n.send_cpu_messages)),
        subscriber_us_per_msg: n
            .sub_cpu_ns
            .and_then(|ns| per(ns.saturating_sub(n.window_check_cpu_ns), n.window_delivered)),
        subscriber_messages: n.window_delivered,
        // The embedded broker serves the whole process: one run at a time outside tests. A
        // broker on this host serves whoever else connects to it too: the figure assumes it
        // serves this run alone, as a benchmark's broker should.
        broker_us_per_msg: if n.embedded {
            groups
                .get(cpu::group::BROKER)
                .filter(|u| u.threads > 0)
                .and_then(|u| per(u.cpu_ns, n.window_delivered))
        } else {
            w.local_broker
                .as_ref()
                .and_then(|(_, ns)| per(*ns, n.window_delivered))
        },
        broker_process: (!n.embedded)
            .then(|| w.local_broker.as_ref().map(|(name, _)| name.clone()))
            .flatten(),
        groups: groups
            .iter()
            .map(|(g, u)| ThreadGroupCpu {
                group: (*g).to_owned(),
                threads: u.threads,
                cpu_s: u.cpu_ns as f64 / 1e9,
            })
            .collect(),
    }
}
