//! One timeline for every task of the process: a monotonic clock anchored once to the wall
//! clock, so envelope timestamps written by a publisher can be subtracted from a subscriber's
//! reading without the wall clock's jumps. Beside it, the calling thread's CPU clock, which
//! stops while the thread is preempted or asleep: a crypto phase timed on both shows how much
//! of its wall time was the machine rather than the algorithm.

use std::sync::OnceLock;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

struct Anchor {
    instant: Instant,
    unix_ns: u64,
}

static ANCHOR: OnceLock<Anchor> = OnceLock::new();

fn anchor() -> &'static Anchor {
    ANCHOR.get_or_init(|| Anchor {
        instant: Instant::now(),
        unix_ns: SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as u64),
    })
}

/// Nanoseconds since the UNIX epoch, monotonic within this process.
#[inline]
pub fn now_ns() -> u64 {
    let a = anchor();
    a.unix_ns + a.instant.elapsed().as_nanos() as u64
}

/// The [`Instant`] at which [`now_ns`] reads `ns` (for sleeping until a scheduled time).
pub fn instant_at(ns: u64) -> Instant {
    let a = anchor();
    match ns.checked_sub(a.unix_ns) {
        Some(d) => a.instant + std::time::Duration::from_nanos(d),
        None => a.instant,
    }
}

/// CPU time consumed by the calling OS thread, in ns (CLOCK_THREAD_CPUTIME_ID). Valid only
/// between two reads on the same thread with no `.await` between them: a tokio task may resume
/// on another worker. On Linux this is a system call (not vDSO), so it costs far more than
/// [`now_ns`]; [`ClockCost`] measures by how much.
#[cfg(unix)]
#[inline]
pub fn thread_cpu_ns() -> u64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime only writes the timespec we hand it.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    if rc != 0 {
        return 0;
    }
    ts.tv_sec as u64 * 1_000_000_000 + ts.tv_nsec as u64
}

#[cfg(not(unix))]
pub fn thread_cpu_ns() -> u64 {
    0
}

/// Resolution the kernel claims for the thread CPU clock (clock_getres), in ns.
#[cfg(unix)]
pub fn thread_cpu_resolution_ns() -> u64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_getres only writes the timespec we hand it.
    let rc = unsafe { libc::clock_getres(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    if rc != 0 {
        return 0;
    }
    ts.tv_sec as u64 * 1_000_000_000 + ts.tv_nsec as u64
}

#[cfg(not(unix))]
pub fn thread_cpu_resolution_ns() -> u64 {
    0
}

/// The wall clock's ([`Instant`]) tick, ns: the smallest step between two successive reads
/// that differ. A VM's clock may step in 10 ns or more, so a figure from one timed call (speed's
/// cold cells) is a whole number of ticks, and an interval within one tick prints as ±0.0%.
pub fn wall_tick_ns() -> f64 {
    let mut tick = f64::INFINITY;
    let mut last = Instant::now();
    for _ in 0..20_000 {
        let now = Instant::now();
        let d = now.duration_since(last).as_secs_f64() * 1e9;
        if d > 0.0 && d < tick {
            tick = d;
        }
        last = now;
    }
    if tick.is_finite() { tick } else { 0.0 }
}

/// What reading each clock costs on this machine: the floor under every phase timed with it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClockCost {
    /// Median of back-to-back [`now_ns`] differences.
    pub wall_read_ns: u64,
    /// Median of back-to-back [`thread_cpu_ns`] differences (the CPU clock's own cost, as the
    /// CPU clock sees it).
    pub cpu_read_ns: u64,
    pub cpu_resolution_ns: u64,
    /// Back-to-back pairs behind each median.
    pub samples: u32,
}

/// Reads each clock `samples` times back to back and takes the median difference; the median,
/// not the minimum, because every phase pays the typical cost, not the luckiest.
pub fn measure_cost(samples: u32) -> ClockCost {
    let samples = samples.max(1);
    let median_gap = |read: &dyn Fn() -> u64| {
        let mut gaps: Vec<u64> = (0..samples)
            .map(|_| {
                let a = read();
                let b = read();
                b.saturating_sub(a)
            })
            .collect();
        gaps.sort_unstable();
        gaps[gaps.len() / 2]
    };
    // One untimed pass each so the first samples don't pay for page faults or the anchor.
    let _ = (now_ns(), thread_cpu_ns());
    ClockCost {
        wall_read_ns: median_gap(&now_ns),
        cpu_read_ns: median_gap(&thread_cpu_ns),
        cpu_resolution_ns: thread_cpu_resolution_ns(),
        samples,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn monotonic_and_round_trips_through_instant() {
        let a = now_ns();
        let b = now_ns();
        assert!(b >= a);
        let i = instant_at(b);
        let back = anchor().unix_ns + (i - anchor().instant).as_nanos() as u64;
        assert_eq!(back, b);
    }

    #[cfg(unix)]
    #[test]
    fn thread_cpu_clock_advances_with_work_and_not_with_sleep() {
        let a = thread_cpu_ns();
        // Busy work the optimizer cannot drop.
        let mut x = 0u64;
        for i in 0..2_000_000u64 {
            x = std::hint::black_box(x.wrapping_mul(6364136223846793005).wrapping_add(i));
        }
        let b = thread_cpu_ns();
        assert!(
            b > a,
            "CPU clock did not move over busy work ({a} -> {b}, {x})"
        );
        let w = now_ns();
        std::thread::sleep(std::time::Duration::from_millis(30));
        let slept_wall = now_ns() - w;
        let slept_cpu = thread_cpu_ns() - b;
        assert!(slept_wall >= 30_000_000);
        // Sleeping costs the thread a few system calls, not 30 ms.
        assert!(
            slept_cpu < slept_wall / 4,
            "CPU clock ran while asleep: {slept_cpu} ns of {slept_wall} ns"
        );
    }

    #[cfg(unix)]
    #[test]
    fn thread_cpu_clock_is_per_thread() {
        // Another thread's busy loop must not show on this thread's clock.
        let before = thread_cpu_ns();
        let other = std::thread::spawn(|| {
            let t = thread_cpu_ns();
            let mut x = 1u64;
            while thread_cpu_ns() - t < 50_000_000 {
                x = std::hint::black_box(x.rotate_left(7) ^ 0x9e37);
            }
            x
        });
        let _ = other.join();
        let mine = thread_cpu_ns() - before;
        assert!(
            mine < 25_000_000,
            "saw {mine} ns of the other thread's 50 ms"
        );
    }

    #[test]
    fn the_wall_clock_tick_is_positive_and_below_a_microsecond() {
        let tick = wall_tick_ns();
        assert!(tick > 0.0 && tick < 1_000.0, "{tick}");
    }

    #[test]
    fn clock_cost_is_measured_and_plausible() {
        let c = measure_cost(1001);
        assert_eq!(c.samples, 1001);
        // A read costs something below a millisecond on any machine this runs on; the CPU
        // clock is a syscall on Linux, the wall clock is not.
        assert!(c.wall_read_ns < 1_000_000, "{c:?}");
        if cfg!(unix) {
            assert!(c.cpu_read_ns < 1_000_000, "{c:?}");
            assert!(c.cpu_resolution_ns >= 1, "{c:?}");
        }
    }
}
