//! The facts about this machine and build that every results.json carries.

use std::collections::BTreeMap;

use crate::results::{CpuShares, Environment, LoadAverage, Noise};

/// CPU features that change crypto speed by integer factors.
const CRYPTO_FLAGS: &[&str] = &[
    "aes",
    "pclmulqdq",
    "avx",
    "avx2",
    "avx512f",
    "vaes",
    "vpclmulqdq",
    "sha_ni",
    "bmi2",
    "adx",
    "sse4_1",
    "ssse3",
    "pmull",
    "sha1",
    "sha2",
    "sha3",
    "asimd",
    "neon",
];

pub fn capture() -> Environment {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    Environment {
        os: os_name(),
        kernel: read_trimmed("/proc/sys/kernel/osrelease"),
        arch: std::env::consts::ARCH.to_owned(),
        cpu_model: cpu_model(&cpuinfo),
        cpu_flags: cpu_flags(&cpuinfo),
        logical_cores: std::thread::available_parallelism().map_or(1, |n| n.get()),
        memory_bytes: mem_total(),
        governor: read_trimmed("/sys/devices/system/cpu/cpu0/cpufreq/scaling_governor"),
        rustc: env!("MCB_RUSTC_VERSION").to_owned(),
        profile: if cfg!(debug_assertions) {
            "debug"
        } else {
            "release"
        }
        .to_owned(),
        target: env!("MCB_TARGET").to_owned(),
        git_commit: Some(env!("MCB_GIT_COMMIT").to_owned()).filter(|s| !s.is_empty()),
        git_dirty: match env!("MCB_GIT_DIRTY") {
            "true" => Some(true),
            "false" => Some(false),
            _ => None,
        },
        crate_versions: crate_versions(),
    }
}

fn read_trimmed(path: &str) -> Option<String> {
    std::fs::read_to_string(path)
        .ok()
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
}

fn os_name() -> String {
    let pretty = std::fs::read_to_string("/etc/os-release")
        .ok()
        .and_then(|t| {
            t.lines()
                .find_map(|l| l.strip_prefix("PRETTY_NAME="))
                .map(|v| v.trim_matches('"').to_owned())
        });
    pretty.unwrap_or_else(|| std::env::consts::OS.to_owned())
}

fn cpu_model(cpuinfo: &str) -> Option<String> {
    // x86 says "model name"; many ARM kernels say "Model" (board) or only "CPU part".
    ["model name", "Model", "Hardware", "cpu model"]
        .iter()
        .find_map(|key| {
            cpuinfo.lines().find_map(|l| {
                let (k, v) = l.split_once(':')?;
                (k.trim() == *key).then(|| v.trim().to_owned())
            })
        })
        .filter(|s| !s.is_empty())
}

fn cpu_flags(cpuinfo: &str) -> Vec<String> {
    let line = cpuinfo.lines().find_map(|l| {
        let (k, v) = l.split_once(':')?;
        matches!(k.trim(), "flags" | "Features").then_some(v)
    });
    let have: Vec<&str> = line
        .map(|v| v.split_whitespace().collect())
        .unwrap_or_default();
    CRYPTO_FLAGS
        .iter()
        .filter(|f| have.contains(f))
        .map(|f| f.to_string())
        .collect()
}

fn mem_total() -> Option<u64> {
    let meminfo = std::fs::read_to_string("/proc/meminfo").ok()?;
    let kib: u64 = meminfo
        .lines()
        .find_map(|l| l.strip_prefix("MemTotal:"))?
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()?;
    Some(kib * 1024)
}

/// The versions of the measured crates in this build (from Cargo.lock at build time).
pub fn crate_versions() -> BTreeMap<String, String> {
    let mut m: BTreeMap<String, String> = env!("MCB_CRATE_VERSIONS")
        .split(',')
        .filter_map(|kv| kv.split_once('='))
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
    m.insert(
        "mqtt-cipher-bench".to_owned(),
        env!("CARGO_PKG_VERSION").to_owned(),
    );
    m
}

/// Cumulative CPU time of all logical cores from /proc/stat's first (`cpu`) line, in clock
/// ticks (USER_HZ). `guest` time is already inside `user`, so it is not read.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CpuTimes {
    pub user: u64,
    pub nice: u64,
    pub system: u64,
    pub idle: u64,
    pub iowait: u64,
    pub irq: u64,
    pub softirq: u64,
    pub steal: u64,
}

impl CpuTimes {
    fn total(&self) -> u64 {
        self.user
            + self.nice
            + self.system
            + self.idle
            + self.iowait
            + self.irq
            + self.softirq
            + self.steal
    }

    /// Shares of the time between `earlier` and `self`; `None` when no tick passed (or the
    /// counters went backwards, as after a CPU went offline).
    pub fn shares_since(&self, earlier: &CpuTimes) -> Option<CpuShares> {
        let d = |a: u64, b: u64| a.checked_sub(b);
        let total = d(self.total(), earlier.total()).filter(|&t| t > 0)? as f64;
        let f = |a: u64, b: u64| d(a, b).map(|x| x as f64 / total);
        Some(CpuShares {
            user: f(self.user + self.nice, earlier.user + earlier.nice)?,
            system: f(
                self.system + self.irq + self.softirq,
                earlier.system + earlier.irq + earlier.softirq,
            )?,
            idle: f(self.idle, earlier.idle)?,
            iowait: f(self.iowait, earlier.iowait)?,
            steal: f(self.steal, earlier.steal)?,
        })
    }
}

/// The aggregate `cpu` line of /proc/stat. Kernels before 2.6.11 have no steal column; those
/// fields read as 0.
pub fn parse_proc_stat(text: &str) -> Option<CpuTimes> {
    let line = text
        .lines()
        .find(|l| l.split_whitespace().next() == Some("cpu"))?;
    let v: Vec<u64> = line
        .split_whitespace()
        .skip(1)
        .map(|x| x.parse().ok())
        .collect::<Option<_>>()?;
    let at = |i: usize| v.get(i).copied().unwrap_or(0);
    (v.len() >= 4).then(|| CpuTimes {
        user: at(0),
        nice: at(1),
        system: at(2),
        idle: at(3),
        iowait: at(4),
        irq: at(5),
        softirq: at(6),
        steal: at(7),
    })
}

/// `0.52 0.58 0.59 1/467 12345` → the three averages.
pub fn parse_loadavg(text: &str) -> Option<LoadAverage> {
    let mut it = text.split_whitespace().map(|x| x.parse::<f64>().ok());
    Some(LoadAverage {
        one: it.next()??,
        five: it.next()??,
        fifteen: it.next()??,
    })
}

/// The noise sample taken when a run starts; [`NoiseProbe::finish`] turns it into the run's
/// [`Noise`]. Reading /proc costs microseconds, so it is taken outside any case.
pub struct NoiseProbe {
    at: std::time::Instant,
    load: Option<LoadAverage>,
    cpu: Option<CpuTimes>,
    own: crate::measure::cpu::CpuSample,
}

impl NoiseProbe {
    pub fn start() -> Self {
        Self {
            at: std::time::Instant::now(),
            load: load_average(),
            cpu: cpu_times(),
            own: crate::measure::cpu::sample(),
        }
    }

    pub fn finish(&self) -> Noise {
        let own = crate::measure::cpu::sample().since(&self.own);
        Noise {
            load_start: self.load,
            load_end: load_average(),
            cpu: self
                .cpu
                .zip(cpu_times())
                .and_then(|(a, b)| b.shares_since(&a)),
            own_cpu_s: cfg!(unix).then_some(own.user_s + own.system_s),
            interval_s: self.at.elapsed().as_secs_f64(),
        }
    }
}

fn load_average() -> Option<LoadAverage> {
    parse_loadavg(&std::fs::read_to_string("/proc/loadavg").ok()?)
}

fn cpu_times() -> Option<CpuTimes> {
    parse_proc_stat(&std::fs::read_to_string("/proc/stat").ok()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The head of a real /proc/stat from a 2-vCPU KVM guest.
    const STAT: &str = "cpu  298850 0 25690 15530 1391 0 232 2597 0 0
cpu0 149763 0 12019 8579 468 0 13 1297 0 0
cpu1 149086 0 13671 6951 922 0 219 1300 0 0
intr 1386526 36 9 0 0 0 0 0 0 0 0 0 0 156 0
ctxt 2741873
";

    #[test]
    fn reads_the_aggregate_cpu_line_of_proc_stat() {
        let t = parse_proc_stat(STAT).unwrap();
        assert_eq!(
            t,
            CpuTimes {
                user: 298850,
                nice: 0,
                system: 25690,
                idle: 15530,
                iowait: 1391,
                irq: 0,
                softirq: 232,
                steal: 2597,
            }
        );
        // An old kernel without steal, irq, softirq columns.
        let old = parse_proc_stat("cpu 10 0 5 85\n").unwrap();
        assert_eq!((old.idle, old.steal), (85, 0));
        assert_eq!(parse_proc_stat("cpu0 1 2 3 4\n"), None, "no aggregate line");
        assert_eq!(parse_proc_stat("cpu 1 x 3 4\n"), None);
    }

    #[test]
    fn shares_over_an_interval_add_up_and_show_steal() {
        let a = parse_proc_stat(STAT).unwrap();
        let b = CpuTimes {
            user: a.user + 50,
            nice: a.nice + 10,
            system: a.system + 20,
            idle: a.idle + 100,
            iowait: a.iowait,
            irq: a.irq,
            softirq: a.softirq + 5,
            steal: a.steal + 15,
        };
        let s = b.shares_since(&a).unwrap();
        assert!((s.user - 0.3).abs() < 1e-12, "{s:?}");
        assert!((s.system - 0.125).abs() < 1e-12, "{s:?}");
        assert!((s.idle - 0.5).abs() < 1e-12, "{s:?}");
        assert!((s.steal - 0.075).abs() < 1e-12, "{s:?}");
        assert!((s.user + s.system + s.idle + s.iowait + s.steal - 1.0).abs() < 1e-12);
        assert_eq!(a.shares_since(&a), None, "no tick passed");
        assert_eq!(a.shares_since(&b), None, "counters went backwards");
    }

    #[test]
    fn reads_loadavg() {
        let l = parse_loadavg("0.52 1.58 2.59 1/467 12345\n").unwrap();
        assert_eq!((l.one, l.five, l.fifteen), (0.52, 1.58, 2.59));
        assert_eq!(parse_loadavg("0.52"), None);
    }

    #[test]
    fn captures_build_and_machine_facts() {
        let e = capture();
        assert!(e.rustc.starts_with("rustc "), "{}", e.rustc);
        assert!(e.logical_cores >= 1);
        assert!(
            e.crate_versions.contains_key("rumqttc"),
            "{:?}",
            e.crate_versions
        );
        assert!(e.crate_versions.contains_key("aes-gcm"));
        if cfg!(target_os = "linux") {
            assert!(e.cpu_model.is_some());
            assert!(e.memory_bytes.is_some());
        }
    }
}
