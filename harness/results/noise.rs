//! When a run's machine was too busy for its numbers to be trusted, in words: the report and
//! the terminal print these warnings from [`Noise`] alone.

use super::Noise;

/// Steal time above this share of the run: the hypervisor gave the CPU away often enough to
/// move latency tails and CPU-time figures.
pub const STEAL_LIMIT: f64 = 0.02;

/// Warnings about `noise` on a machine of `cores` logical cores; empty when quiet.
///
/// The load average counts the harness's own runnable threads too, so at the end of the run
/// it is compared with `cores` plus the harness's average CPU use over the run (its CPU
/// seconds per wall second); at the start, before any case, with `cores` alone.
pub fn warnings(noise: &Noise, cores: usize) -> Vec<String> {
    let cores_f = cores as f64;
    let mut out = Vec::new();
    if let Some(c) = &noise.cpu
        && c.steal > STEAL_LIMIT
    {
        out.push(format!(
            "CPU steal time was {:.1}% of the run (over {:.0}%): the hypervisor ran other guests \
             on this machine's CPUs, so times are inflated and noisier than on a dedicated one",
            c.steal * 100.0,
            STEAL_LIMIT * 100.0
        ));
    }
    if let Some(l) = &noise.load_start
        && l.one > cores_f
    {
        out.push(format!(
            "load average {:.2} (1 min) at the start exceeds the {cores} logical cores: other \
             work competed for the CPU",
            l.one
        ));
    }
    let own = match (noise.own_cpu_s, noise.interval_s) {
        (Some(s), w) if w > 0.0 => s / w,
        _ => 0.0,
    };
    if let Some(l) = &noise.load_end
        && l.one > cores_f + own
    {
        out.push(format!(
            "load average {:.2} (1 min) at the end exceeds the {cores} logical cores plus the \
             harness's own {own:.2} CPUs: other work competed for the CPU",
            l.one
        ));
    }
    out
}

/// One line: `load 0.52 → 1.80 (1 min), steal 0.1%, CPU user 61% system 20% idle 19%`.
pub fn describe(noise: &Noise) -> String {
    let mut parts = Vec::new();
    let one =
        |l: &Option<super::LoadAverage>| l.map_or("n/a".to_owned(), |l| format!("{:.2}", l.one));
    if noise.load_start.is_some() || noise.load_end.is_some() {
        parts.push(format!(
            "load average {} at start, {} at end (1 min)",
            one(&noise.load_start),
            one(&noise.load_end)
        ));
    }
    if let Some(c) = &noise.cpu {
        parts.push(format!(
            "all CPUs over the run: steal {:.1}%, user {:.0}%, system {:.0}%, idle {:.0}%, iowait {:.0}%",
            c.steal * 100.0,
            c.user * 100.0,
            c.system * 100.0,
            c.idle * 100.0,
            c.iowait * 100.0
        ));
    }
    if let Some(s) = noise.own_cpu_s
        && noise.interval_s > 0.0
    {
        parts.push(format!(
            "this process {:.2} CPUs on average over {:.0} s",
            s / noise.interval_s,
            noise.interval_s
        ));
    }
    parts.join("; ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::results::{CpuShares, LoadAverage};

    fn load(one: f64) -> Option<LoadAverage> {
        Some(LoadAverage {
            one,
            five: one,
            fifteen: one,
        })
    }

    #[test]
    fn quiet_machine_has_no_warnings() {
        let n = Noise {
            load_start: load(0.3),
            // 2 cores, the harness busy on 1.5 of them: 3.2 is not someone else's load.
            load_end: load(3.2),
            cpu: Some(CpuShares {
                steal: 0.01,
                ..Default::default()
            }),
            own_cpu_s: Some(15.0),
            interval_s: 10.0,
        };
        assert!(warnings(&n, 2).is_empty(), "{:?}", warnings(&n, 2));
        assert!(describe(&n).contains("steal 1.0%"), "{}", describe(&n));
    }

    #[test]
    fn steal_and_load_above_their_limits_warn() {
        let n = Noise {
            load_start: load(2.5),
            load_end: load(4.0),
            cpu: Some(CpuShares {
                steal: 0.05,
                ..Default::default()
            }),
            own_cpu_s: Some(10.0),
            interval_s: 10.0,
        };
        let w = warnings(&n, 2);
        assert_eq!(w.len(), 3, "{w:?}");
        assert!(w[0].contains("steal time was 5.0%"), "{w:?}");
        assert!(w[1].contains("2.50 (1 min) at the start"), "{w:?}");
        assert!(w[2].contains("plus the harness's own 1.00 CPUs"), "{w:?}");
    }
}
