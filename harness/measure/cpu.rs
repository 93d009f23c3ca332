//! Process CPU time and peak memory (getrusage), sampled around each case; and the CPU time of
//! each thread of the process (/proc/self/task), grouped by what the thread does, sampled at
//! the edges of the measured window so a figure can be pinned on the publisher, the
//! subscriber or the embedded broker instead of on the whole process.

use std::collections::BTreeMap;

/// CPU seconds used by the whole process so far, and its peak resident set.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct CpuSample {
    pub user_s: f64,
    pub system_s: f64,
    pub max_rss_bytes: u64,
}

#[cfg(unix)]
pub fn sample() -> CpuSample {
    // SAFETY: getrusage only writes the struct we hand it.
    let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
    let rc = unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut ru) };
    if rc != 0 {
        return CpuSample::default();
    }
    let secs = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    // Linux reports ru_maxrss in KiB, macOS in bytes.
    let rss_unit = if cfg!(target_os = "macos") { 1 } else { 1024 };
    CpuSample {
        user_s: secs(ru.ru_utime),
        system_s: secs(ru.ru_stime),
        max_rss_bytes: (ru.ru_maxrss as u64).saturating_mul(rss_unit),
    }
}

#[cfg(not(unix))]
pub fn sample() -> CpuSample {
    CpuSample::default()
}

impl CpuSample {
    /// CPU used between `earlier` and `self`.
    pub fn since(&self, earlier: &CpuSample) -> CpuSample {
        CpuSample {
            user_s: (self.user_s - earlier.user_s).max(0.0),
            system_s: (self.system_s - earlier.system_s).max(0.0),
            max_rss_bytes: self.max_rss_bytes,
        }
    }
}

/// One thread's CPU time so far.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ThreadSample {
    pub tid: u32,
    /// The kernel's copy of the thread name (at most 15 bytes).
    pub name: String,
    pub cpu_ns: u64,
}

/// Every thread of this process and the CPU it has used: `schedstat`'s run time (ns) where the
/// kernel has it, else `stat`'s utime + stime (clock ticks, usually 10 ms). Empty off Linux.
pub fn threads() -> Vec<ThreadSample> {
    threads_in("/proc/self/task")
}

/// CPU used so far by every thread of process `pid` (a broker on this host), ns, as
/// [`threads`] reads it; `None` when the process cannot be read (gone, or another user's).
pub fn process_cpu_ns(pid: u32) -> Option<u64> {
    let t = threads_in(&format!("/proc/{pid}/task"));
    (!t.is_empty()).then(|| t.iter().map(|t| t.cpu_ns).sum())
}

fn threads_in(task_dir: &str) -> Vec<ThreadSample> {
    let Ok(dir) = std::fs::read_dir(task_dir) else {
        return Vec::new();
    };
    dir.filter_map(|e| {
        let e = e.ok()?;
        let tid: u32 = e.file_name().to_str()?.parse().ok()?;
        let path = e.path();
        let name = std::fs::read_to_string(path.join("comm")).ok()?;
        let cpu_ns = std::fs::read_to_string(path.join("schedstat"))
            .ok()
            .and_then(|t| parse_schedstat(&t))
            .or_else(|| {
                let stat = std::fs::read_to_string(path.join("stat")).ok()?;
                parse_stat_ticks(&stat).map(|ticks| ticks.saturating_mul(ns_per_tick()))
            })?;
        Some(ThreadSample {
            tid,
            name: name.trim_end().to_owned(),
            cpu_ns,
        })
    })
    .collect()
}

/// First field of /proc/…/schedstat: time spent on the CPU, ns.
fn parse_schedstat(text: &str) -> Option<u64> {
    text.split_whitespace().next()?.parse().ok()
}

/// utime + stime (fields 14 and 15) of /proc/…/stat, in clock ticks. The name (field 2) is in
/// parentheses and may hold spaces, so fields are counted after its closing parenthesis.
fn parse_stat_ticks(text: &str) -> Option<u64> {
    let rest = &text[text.rfind(')')? + 1..];
    let mut f = rest.split_whitespace().skip(11);
    let utime: u64 = f.next()?.parse().ok()?;
    let stime: u64 = f.next()?.parse().ok()?;
    Some(utime + stime)
}

fn ns_per_tick() -> u64 {
    #[cfg(unix)]
    {
        // SAFETY: sysconf has no preconditions.
        let hz = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
        if hz > 0 {
            return 1_000_000_000 / hz as u64;
        }
    }
    10_000_000
}

/// Thread names the harness gives its own threads, and those rumqttd gives its.
pub mod group {
    /// A publisher's send thread: builds, protects and hands each message to its client.
    pub const PUBLISHER: &str = "publisher";
    /// A publisher's MQTT client event loop (socket writes, TLS records, acknowledgements).
    pub const PUBLISHER_IO: &str = "publisher-io";
    /// A subscriber: its MQTT client event loop and the opening of every message.
    pub const SUBSCRIBER: &str = "subscriber";
    /// The embedded rumqttd: its router, timer and one thread per listener.
    pub const BROKER: &str = "broker";
    /// The async runtime's workers: connection set-up, the link proxy, the case's control.
    pub const RUNTIME: &str = "runtime";
    pub const OTHER: &str = "other";
}

/// Thread name prefixes of the harness's own threads (kept short: Linux keeps 15 bytes).
pub const PUBLISHER_THREAD: &str = "pub-";
pub const PUBLISHER_IO_THREAD: &str = "pubio-";
pub const SUBSCRIBER_THREAD: &str = "sub-";

/// What a thread of this name does.
pub fn group_of(name: &str) -> &'static str {
    // rumqttd 0.20 names its threads "router-<id>", "timer", and each listener after its
    // config name, which `broker::embedded` sets to "<version>-plain|tls[-auth]", "ws", "wss";
    // "rumqttd" is the thread that starts them.
    let broker = name == "rumqttd"
        || name == "timer"
        || name == "ws"
        || name == "wss"
        || name.starts_with("router-")
        || name.starts_with("v4-")
        || name.starts_with("v5-");
    if name.starts_with(PUBLISHER_IO_THREAD) {
        group::PUBLISHER_IO
    } else if name.starts_with(PUBLISHER_THREAD) {
        group::PUBLISHER
    } else if name.starts_with(SUBSCRIBER_THREAD) {
        group::SUBSCRIBER
    } else if broker {
        group::BROKER
    } else if name.starts_with("mcb-worker") || name.starts_with("tokio-") {
        group::RUNTIME
    } else {
        group::OTHER
    }
}

/// A thread's own CPU clock read at the two edges of the measured window, from inside the
/// thread (an event loop calls [`WindowClock::tick`] when it wakes for [`next_edge`]). A thread
/// that ends before the window does (a publisher whose last message went out early) counts up
/// to its [`finish`].
///
/// [`next_edge`]: WindowClock::next_edge
/// [`finish`]: WindowClock::finish
#[derive(Debug, Clone)]
pub struct WindowClock {
    start_ns: u64,
    end_ns: u64,
    at_start: Option<u64>,
    at_end: Option<u64>,
}

impl WindowClock {
    /// Edges on the shared clock (`measure::clock::now_ns`).
    pub fn new(start_ns: u64, end_ns: u64) -> Self {
        Self {
            start_ns,
            end_ns,
            at_start: None,
            at_end: None,
        }
    }

    /// The next edge not yet read, to sleep until.
    pub fn next_edge(&self) -> Option<u64> {
        match (self.at_start, self.at_end) {
            (None, _) => Some(self.start_ns),
            (Some(_), None) => Some(self.end_ns),
            _ => None,
        }
    }

    /// Reads this thread's CPU clock for every edge that `now_ns` has passed.
    pub fn tick(&mut self, now_ns: u64) {
        if self.at_start.is_none() && now_ns >= self.start_ns {
            self.at_start = Some(crate::measure::clock::thread_cpu_ns());
        }
        if self.at_start.is_some() && self.at_end.is_none() && now_ns >= self.end_ns {
            self.at_end = Some(crate::measure::clock::thread_cpu_ns());
        }
    }

    /// CPU between the edges, ns; ends the window now if its end has not come (call from the
    /// same thread). `None` if the window never started.
    pub fn finish(&mut self) -> Option<u64> {
        let start = self.at_start?;
        let end = *self
            .at_end
            .get_or_insert_with(crate::measure::clock::thread_cpu_ns);
        Some(end.saturating_sub(start))
    }
}

/// CPU one group of threads used between two samples.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct GroupUse {
    pub threads: u32,
    pub cpu_ns: u64,
}

/// CPU per thread group between `before` and `after`. A thread born in between counts from
/// zero; one that ended in between is not seen (its time is lost, not guessed).
pub fn by_group(
    before: &[ThreadSample],
    after: &[ThreadSample],
) -> BTreeMap<&'static str, GroupUse> {
    let start: BTreeMap<u32, u64> = before.iter().map(|t| (t.tid, t.cpu_ns)).collect();
    let mut out: BTreeMap<&'static str, GroupUse> = BTreeMap::new();
    for t in after {
        let used = t
            .cpu_ns
            .saturating_sub(start.get(&t.tid).copied().unwrap_or(0));
        let g = out.entry(group_of(&t.name)).or_default();
        g.threads += 1;
        g.cpu_ns += used;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_proc_fields() {
        assert_eq!(parse_schedstat("174698 3231434 2\n"), Some(174_698));
        let stat = "4242 (sub-0 (x) y) S 1 2 3 4 5 6 7 8 9 10 250 31 0 0 20 0 1";
        assert_eq!(parse_stat_ticks(stat), Some(281));
        assert_eq!(parse_stat_ticks("garbage"), None);
    }

    #[test]
    fn groups_threads_by_name() {
        assert_eq!(group_of("pub-3"), group::PUBLISHER);
        assert_eq!(group_of("pubio-3"), group::PUBLISHER_IO);
        assert_eq!(group_of("sub-0"), group::SUBSCRIBER);
        assert_eq!(group_of("router-0"), group::BROKER);
        assert_eq!(group_of("v5-tls-auth"), group::BROKER);
        assert_eq!(group_of("mcb-worker"), group::RUNTIME);
        assert_eq!(group_of("cargo"), group::OTHER);
        let t = |tid, name: &str, cpu_ns| ThreadSample {
            tid,
            name: name.into(),
            cpu_ns,
        };
        let before = [t(1, "pub-0", 100), t(2, "router-0", 50)];
        let after = [t(1, "pub-0", 400), t(2, "router-0", 70), t(3, "pub-1", 30)];
        let g = by_group(&before, &after);
        assert_eq!(
            g[group::PUBLISHER],
            GroupUse {
                threads: 2,
                cpu_ns: 330
            }
        );
        assert_eq!(g[group::BROKER].cpu_ns, 20);
    }

    #[test]
    fn window_clock_counts_only_between_its_edges() {
        use crate::measure::clock::{now_ns, thread_cpu_ns};
        let busy = |ns: u64| {
            let t = thread_cpu_ns();
            let mut x = 1u64;
            while thread_cpu_ns() - t < ns {
                x = std::hint::black_box(x.rotate_left(3) ^ 0x55);
            }
        };
        let now = now_ns();
        let mut w = WindowClock::new(now + 1_000_000_000, now + 2_000_000_000);
        assert_eq!(w.next_edge(), Some(now + 1_000_000_000));
        w.tick(now);
        busy(20_000_000); // before the window: not counted
        w.tick(now + 1_000_000_000);
        assert_eq!(w.next_edge(), Some(now + 2_000_000_000));
        busy(10_000_000);
        w.tick(now + 2_000_000_000);
        assert_eq!(w.next_edge(), None);
        busy(20_000_000); // after the window: not counted
        let used = w.finish().expect("window ran");
        assert!((10_000_000..19_000_000).contains(&used), "{used}");
        // A window that never started has nothing to say.
        assert_eq!(WindowClock::new(u64::MAX, u64::MAX).finish(), None);
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn sees_a_busy_named_thread() {
        let h = std::thread::Builder::new()
            .name("sub-test".into())
            .spawn(|| {
                let before = threads();
                let t = crate::measure::clock::thread_cpu_ns();
                let mut x = 1u64;
                while crate::measure::clock::thread_cpu_ns() - t < 30_000_000 {
                    x = std::hint::black_box(x.rotate_left(5) ^ 0x1234);
                }
                (before, threads(), x)
            })
            .unwrap();
        let (before, after, _) = h.join().unwrap();
        let g = by_group(&before, &after);
        let sub = g[group::SUBSCRIBER];
        assert!(sub.threads >= 1, "{sub:?}");
        // schedstat is ns-exact; the tick fallback may round down by one tick.
        assert!(sub.cpu_ns >= 15_000_000, "{sub:?}");
    }
}
