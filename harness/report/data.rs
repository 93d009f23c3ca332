//! Views of a run that several renderers share: which cases carry data, how a case is named,
//! which parameters vary, and how numbers are written.
//!
//! Everything here tolerates a partial or older `results.json`: a missing phase is `None`,
//! never a panic, and no function makes up a value that was not measured.

use std::collections::BTreeSet;

use crate::results::{
    CaseParams, CaseResult, CaseStatus, OrderKind, PhaseStats, RunResults, SeedSource,
};

/// Cases that finished and so carry numbers.
pub fn ok_cases(results: &RunResults) -> impl Iterator<Item = &CaseResult> {
    results.cases.iter().filter(|c| c.status == CaseStatus::Ok)
}

/// A phase's statistics when it was measured at least once.
pub fn phase<'a>(case: &'a CaseResult, name: &str) -> Option<&'a PhaseStats> {
    case.phases.get(name).filter(|p| p.count > 0)
}

/// Which of the parameters that name a series take more than one value in this run, so labels
/// mention only what tells series apart.
#[derive(Debug, Clone, Copy, Default)]
pub struct Varying {
    pub mac: bool,
    pub signature: bool,
    pub transport: bool,
    pub protocol: bool,
}

impl Varying {
    pub fn of(results: &RunResults) -> Self {
        let distinct = |f: fn(&CaseParams) -> &str| {
            results
                .cases
                .iter()
                .map(|c| f(&c.params))
                .collect::<BTreeSet<_>>()
                .len()
                > 1
        };
        Self {
            mac: distinct(|p| &p.mac),
            signature: distinct(|p| &p.signature),
            transport: distinct(|p| &p.transport),
            protocol: distinct(|p| &p.protocol),
        }
    }

    /// The series name of a case without QoS and size: `aes-128-cbc · hmac-sha256 · v5 · tls`
    /// (the transport always last: the TLS-vs-payload chart reads it from there).
    pub fn label(&self, p: &CaseParams) -> String {
        // With a provider axis one suite runs on several providers: each is its own series.
        let mut parts = vec![suite_label(p)];
        if self.mac && p.mac != "none" {
            parts.push(p.mac.clone());
        }
        if self.signature && p.signature != "none" {
            parts.push(p.signature.clone());
        }
        if self.protocol {
            parts.push(p.protocol.clone());
        }
        if self.transport {
            parts.push(p.transport.clone());
        }
        parts.join(" · ")
    }
}

/// The suite as tables and charts name it: the suite, and the provider when the case names one
/// (a provider axis puts several rows and series of one suite side by side).
pub fn suite_label(p: &CaseParams) -> String {
    match &p.provider {
        Some(provider) => format!("{} ({provider})", p.suite),
        None => p.suite.clone(),
    }
}

/// What identifies a series across QoS levels and sizes: suite, MAC, signature, transport,
/// protocol and the provider axis value (empty without one).
pub type SeriesKey = (String, String, String, String, String, String);

pub fn series_key(p: &CaseParams) -> SeriesKey {
    (
        p.suite.clone(),
        p.mac.clone(),
        p.signature.clone(),
        p.transport.clone(),
        p.protocol.clone(),
        p.provider.clone().unwrap_or_default(),
    )
}

/// Distinct series in order of first appearance (the scenario's matrix order).
pub fn series_keys<'a>(cases: impl Iterator<Item = &'a CaseResult>) -> Vec<SeriesKey> {
    let mut keys = Vec::new();
    for c in cases {
        let k = series_key(&c.params);
        if !keys.contains(&k) {
            keys.push(k);
        }
    }
    keys
}

/// Distinct plaintext sizes, ascending.
/// The run's message sizes as x ticks.
pub fn size_ticks(results: &RunResults) -> Vec<f64> {
    sizes(ok_cases(results))
        .into_iter()
        .map(|s| s as f64)
        .collect()
}

pub fn sizes<'a>(cases: impl Iterator<Item = &'a CaseResult>) -> Vec<usize> {
    cases
        .map(|c| c.params.size)
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect()
}

/// Distinct QoS levels, ascending.
pub fn qos_levels<'a>(cases: impl Iterator<Item = &'a CaseResult>) -> Vec<u8> {
    cases
        .map(|c| c.params.qos)
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect()
}

/// Of several cases measuring the same thing (e.g. one suite at one size under different QoS),
/// the one with the most samples of `phase_name`: its estimate is the most precise. Crypto
/// phases do not depend on QoS, so charts of them show this one instead of averaging.
pub fn representative<'a>(
    cases: impl Iterator<Item = &'a CaseResult>,
    phase_name: &str,
) -> Option<&'a CaseResult> {
    cases
        .filter_map(|c| phase(c, phase_name).map(|p| (p.count, c)))
        .max_by_key(|(count, _)| *count)
        .map(|(_, c)| c)
}

/// The cases grouped by id (the repetitions of each case), ids in order of first appearance.
pub fn by_id<'a>(
    cases: impl Iterator<Item = &'a CaseResult>,
) -> Vec<(&'a str, Vec<&'a CaseResult>)> {
    let mut out: Vec<(&str, Vec<&CaseResult>)> = Vec::new();
    for c in cases {
        match out.iter_mut().find(|(id, _)| *id == c.id) {
            Some((_, v)) => v.push(c),
            None => out.push((&c.id, vec![c])),
        }
    }
    out
}

/// The median of `value` over `cases` (the repetitions of one case, or several cases that
/// measure the same thing); None when none has it.
pub fn median_of(cases: &[&CaseResult], value: impl Fn(&CaseResult) -> Option<f64>) -> Option<f64> {
    median_mid(cases.iter().filter_map(|c| value(c)).collect())
}

/// The sample median (mean of the two middle values for an even count); None for none.
pub fn median_mid(mut v: Vec<f64>) -> Option<f64> {
    if v.is_empty() {
        return None;
    }
    v.sort_by(f64::total_cmp);
    let n = v.len();
    Some(if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    })
}

/// In which order the cases ran, for the report: `shuffled (seed 42, random; ...)`.
pub fn order_text(r: &RunResults) -> String {
    let Some(o) = &r.order else {
        return "matrix order (not recorded: a run made before shuffled orders)".into();
    };
    let rounds = if r.load.repeat > 1 {
        format!(", {} rounds of every case", r.load.repeat)
    } else {
        String::new()
    };
    match (o.kind, o.seed) {
        (OrderKind::Shuffled, Some(seed)) => {
            let source = match o.seed_source {
                Some(SeedSource::Flag) => "given with --order-seed",
                Some(SeedSource::Os) => "random",
                Some(SeedSource::Scenario) => {
                    "derived from the scenario text, the same on every shard"
                }
                None => "source not recorded",
            };
            format!(
                "shuffled{rounds}, each round a fresh permutation; seed {seed} ({source}); \
                 `run --order-seed {seed}` replays it with rand {}",
                o.rand_version
            )
        }
        (OrderKind::Shuffled, None) => format!("shuffled{rounds} (seed not recorded)"),
        (OrderKind::Matrix, _) => {
            format!("matrix{rounds} (the scenario's order, --order matrix)")
        }
    }
}

/// Loss that DESIGN.md says must be shown in red: QoS >= 1 promises delivery.
pub fn is_lossy(case: &CaseResult) -> bool {
    case.params.qos >= 1 && case.counts.lost > 0
}

/// `x` with three significant digits, no exponent for the ranges a report meets.
/// The middle value (upper median for an even count); None for none.
pub fn median(mut v: Vec<f64>) -> Option<f64> {
    if v.is_empty() {
        return None;
    }
    v.sort_by(f64::total_cmp);
    Some(v[v.len() / 2])
}

/// Suites of the cases that used the Security Center, in order of first appearance.
pub fn center_suites(results: &RunResults) -> Vec<String> {
    let mut suites: Vec<String> = Vec::new();
    for c in ok_cases(results).filter(|c| c.center.is_some()) {
        if !suites.contains(&c.params.suite) {
            suites.push(c.params.suite.clone());
        }
    }
    suites
}

pub fn sig3(x: f64) -> String {
    if !x.is_finite() {
        return "n/a".into();
    }
    let a = x.abs();
    if a >= 100.0 || a == 0.0 {
        format!("{x:.0}")
    } else if a >= 10.0 {
        format!("{x:.1}")
    } else if a >= 1.0 {
        format!("{x:.2}")
    } else if a >= 0.01 {
        format!("{x:.3}")
    } else {
        format!("{x:.2e}")
    }
}

pub fn ns_to_us(ns: f64) -> f64 {
    ns / 1e3
}

pub fn ns_to_ms(ns: f64) -> f64 {
    ns / 1e6
}

/// A duration in nanoseconds in the unit that reads best (ns, µs, ms or s).
pub fn fmt_duration(ns: f64) -> String {
    if !ns.is_finite() {
        "n/a".into()
    } else if ns < 1e3 {
        format!("{} ns", sig3(ns))
    } else if ns < 1e6 {
        format!("{} µs", sig3(ns / 1e3))
    } else if ns < 1e9 {
        format!("{} ms", sig3(ns / 1e6))
    } else {
        format!("{} s", sig3(ns / 1e9))
    }
}

/// A rate with a k/M suffix: `12.3k`.
pub fn fmt_rate(x: f64) -> String {
    if !x.is_finite() {
        "n/a".into()
    } else if x >= 1e6 {
        format!("{}M", sig3(x / 1e6))
    } else if x >= 1e3 {
        format!("{}k", sig3(x / 1e3))
    } else {
        sig3(x)
    }
}

/// Bytes with a binary unit: `64 B`, `1 KiB`, `1.5 MiB`.
pub fn fmt_bytes(n: usize) -> String {
    const KI: usize = 1024;
    if n >= KI * KI && n % (KI * KI) == 0 {
        format!("{} MiB", n / (KI * KI))
    } else if n >= KI * KI {
        format!("{} MiB", sig3(n as f64 / (KI * KI) as f64))
    } else if n >= KI && n % KI == 0 {
        format!("{} KiB", n / KI)
    } else if n >= KI {
        format!("{} KiB", sig3(n as f64 / KI as f64))
    } else {
        format!("{n} B")
    }
}

/// The line at the bottom of every chart: what machine, when, with what build.
pub fn caption(results: &RunResults) -> String {
    let env = &results.environment;
    let cpu = env.cpu_model.as_deref().unwrap_or("unknown CPU");
    let debug = if env.profile == "release" {
        ""
    } else {
        " · DEBUG BUILD"
    };
    format!(
        "{cpu}, {} logical cores, {} {} · run started {} · {} {}{debug}",
        env.logical_cores,
        env.os,
        env.arch,
        results.started_at,
        results.tool.name,
        results.tool.version,
    )
}

/// The environment as (label, text) rows, most important first; shared by the Markdown and
/// HTML so both say the same. Absent facts are left out of the text, not shown as blanks.
pub fn environment_rows(r: &RunResults) -> Vec<(&'static str, String)> {
    let env = &r.environment;
    let words = |parts: &[Option<&str>]| {
        parts
            .iter()
            .flatten()
            .filter(|s| !s.is_empty())
            .copied()
            .collect::<Vec<_>>()
            .join(" ")
    };
    let cpu = env.cpu_model.as_deref().unwrap_or("unknown CPU");
    let commit = env.git_commit.as_deref().map(|c| match env.git_dirty {
        Some(true) => format!("{c} (dirty)"),
        _ => c.to_string(),
    });
    let mut rows = vec![
        (
            "machine",
            format!("{cpu}, {} logical cores", env.logical_cores),
        ),
        (
            "os",
            format!(
                "{} ({})",
                words(&[Some(&env.os), env.kernel.as_deref()]),
                env.arch
            ),
        ),
        ("cpu flags", env.cpu_flags.join(" ")),
        (
            "build",
            format!("{} {} ({})", env.rustc, env.profile, env.target),
        ),
        (
            "broker",
            format!(
                "{} at {} ({})",
                words(&[Some(&r.broker.name), r.broker.version.as_deref()]),
                r.broker.url,
                r.broker.protocol
            ),
        ),
        ("load", load(r)),
        ("order", order_text(r)),
        ("started", r.started_at.clone()),
        (
            "finished",
            r.finished_at
                .clone()
                .unwrap_or_else(|| "not finished".into()),
        ),
        ("status", format!("{:?}", r.status).to_lowercase()),
        ("tool", format!("{} {}", r.tool.name, r.tool.version)),
        ("commit", commit.unwrap_or_else(|| "n/a".into())),
    ];
    if let Some(n) = &r.noise {
        rows.insert(
            rows.len() - 2,
            ("noise", crate::results::noise::describe(n)),
        );
    }
    rows
}

/// The load shape in one line.
pub fn load(r: &RunResults) -> String {
    let l = &r.load;
    let rate = l
        .rate_per_publisher
        .map_or_else(|| "max (closed loop)".into(), |x| format!("{x} msg/s each"));
    format!(
        "{} publisher(s) at {rate}, {} subscriber(s), {} s measured after {} s warm-up, {} payload",
        l.publishers, l.subscribers, l.duration_s, l.warmup_s, l.payload
    )
}

/// The in-run crypto cost of one case on the thread CPU clock: the medians a reader ranks
/// suites by, and how many messages each comes from.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct InRunCrypto {
    pub encrypt_cpu_p50_ns: f64,
    pub decrypt_cpu_p50_ns: f64,
    pub encrypt_n: u64,
    pub decrypt_n: u64,
}

/// `case`'s CPU-clock encrypt and decrypt medians (phases `encrypt_cpu`, `decrypt_cpu`), or
/// `None` when either was not recorded (a failed case, or a run from before the CPU clock).
/// Each CPU-clock figure includes the clock's own read cost (`RunResults::clock`).
pub fn inrun_crypto(case: &CaseResult) -> Option<InRunCrypto> {
    let enc = phase(case, crate::results::phase::ENCRYPT_CPU)?;
    let dec = phase(case, crate::results::phase::DECRYPT_CPU)?;
    Some(InRunCrypto {
        encrypt_cpu_p50_ns: enc.p50 as f64,
        decrypt_cpu_p50_ns: dec.p50 as f64,
        encrypt_n: enc.count,
        decrypt_n: dec.count,
    })
}

/// The CPU-clock twin of a wall-clock crypto phase when every finished case of the run has
/// it, else the wall-clock phase itself (older runs), with the clock's name for labels.
pub fn crypto_clock(results: &RunResults, wall: &'static str) -> (&'static str, &'static str) {
    use crate::results::phase as p;
    let cpu = match wall {
        p::ENCODE => p::ENCODE_CPU,
        p::ENCRYPT => p::ENCRYPT_CPU,
        p::SIGN => p::SIGN_CPU,
        p::VERIFY => p::VERIFY_CPU,
        p::DECRYPT => p::DECRYPT_CPU,
        p::ENVELOPE => p::ENVELOPE_CPU,
        p::DECODE => p::DECODE_CPU,
        _ => return (wall, "wall clock"),
    };
    let mut cases = ok_cases(results)
        .filter(|c| phase(c, wall).is_some())
        .peekable();
    let all = cases.peek().is_some() && cases.all(|c| phase(c, cpu).is_some());
    if all {
        (cpu, "thread CPU clock")
    } else {
        (wall, "wall clock")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_pick_a_readable_unit() {
        assert_eq!(fmt_duration(850.0), "850 ns");
        assert_eq!(fmt_duration(1_234.0), "1.23 µs");
        assert_eq!(fmt_duration(12_345_678.0), "12.3 ms");
        assert_eq!(fmt_duration(2.5e9), "2.50 s");
        assert_eq!(fmt_duration(f64::NAN), "n/a");
    }

    #[test]
    fn bytes_and_rates() {
        assert_eq!(fmt_bytes(64), "64 B");
        assert_eq!(fmt_bytes(1024), "1 KiB");
        assert_eq!(fmt_bytes(1536), "1.50 KiB");
        assert_eq!(fmt_rate(12_345.0), "12.3k");
        assert_eq!(fmt_rate(950.0), "950");
    }
}
