//! Process CPU time and peak memory (getrusage), sampled around each case.

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
