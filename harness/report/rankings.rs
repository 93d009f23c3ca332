//! "Rankings agree": the order of suites by in-run crypto cost beside their order by `speed`
//! on the same machine, per message size, and Kendall's tau between the two.
//!
//! The in-run figure of a suite at a size is the median, over its cases at that size (QoS,
//! transport, MQTT version, repetitions), of the case's CPU-clock median of the phase (see
//! [`data::inrun_crypto`]). Cases with a MAC are left out: their encrypt phase includes the tag,
//! which `speed`'s suite rows do not. Signatures have phases of their own and do not matter.
//!
//! Tau is computed over the *decisive* pairs only: suites whose `speed` medians differ by more
//! than [`DECISIVE`] (20%). Pairs closer than that are within what two good measurements of one
//! machine may disagree on, and counting them would reward or punish coin flips.
//! tau = (concordant − discordant) / (concordant + discordant); a pair whose in-run figures are
//! equal counts as neither (reported as a tie).
//!
//! Where the reference has cold figures (`speed --cold`: each call alone after the core's
//! private caches were evicted), the in-run order is set beside both: a publisher sending a
//! message every few milliseconds finds its tables evicted, so for small messages the in-run
//! order follows the cold one (memory footprint) and for large ones the hot one (arithmetic).
//! Which of the two an in-run order agrees with says what the in-run figure measures.

use std::collections::BTreeMap;

use super::data;
use super::table::{Row, Table};
use crate::results::{RunResults, SpeedReference};

/// Pairs whose `speed` figures differ by more than this ratio count for tau.
pub const DECISIVE: f64 = 1.20;

/// Which of the reference's figures an in-run order is set beside.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Warmth {
    /// Calls in a tight loop (caches warm): `speed`'s main figures.
    Hot,
    /// One call after the private caches were evicted (`speed --cold`).
    Cold,
}

impl Warmth {
    pub fn name(self) -> &'static str {
        match self {
            Warmth::Hot => "hot",
            Warmth::Cold => "cold",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Direction {
    Encrypt,
    Decrypt,
}

impl Direction {
    pub fn name(self) -> &'static str {
        match self {
            Direction::Encrypt => "encrypt",
            Direction::Decrypt => "decrypt",
        }
    }
}

/// One suite's two figures at one size.
#[derive(Debug, Clone, PartialEq)]
pub struct Ranked {
    pub suite: String,
    pub inrun_ns: f64,
    pub speed_ns: f64,
}

/// The agreement of the two orders at one size and direction.
#[derive(Debug, Clone, PartialEq)]
pub struct Agreement {
    pub size: usize,
    pub direction: Direction,
    pub warmth: Warmth,
    /// Suites with both figures, cheapest in-run first.
    pub suites: Vec<Ranked>,
    pub concordant: u32,
    pub discordant: u32,
    /// Decisive pairs whose in-run figures are equal.
    pub ties: u32,
}

impl Agreement {
    /// Kendall's tau over the decisive pairs; None when there are none.
    pub fn tau(&self) -> Option<f64> {
        tau(self.concordant, self.discordant)
    }
}

fn tau(c: u32, d: u32) -> Option<f64> {
    let n = c + d;
    (n > 0).then(|| (f64::from(c) - f64::from(d)) / f64::from(n))
}

/// Counts concordant and discordant pairs among the decisive ones.
fn count_pairs(suites: &[Ranked]) -> (u32, u32, u32) {
    let (mut c, mut d, mut t) = (0, 0, 0);
    for (i, a) in suites.iter().enumerate() {
        for b in &suites[i + 1..] {
            let (lo, hi) = if a.speed_ns <= b.speed_ns {
                (a, b)
            } else {
                (b, a)
            };
            if lo.speed_ns <= 0.0 || hi.speed_ns / lo.speed_ns <= DECISIVE {
                continue;
            }
            if lo.inrun_ns < hi.inrun_ns {
                c += 1;
            } else if lo.inrun_ns > hi.inrun_ns {
                d += 1;
            } else {
                t += 1;
            }
        }
    }
    (c, d, t)
}

/// Per size, direction and warmth (hot; cold where measured), the two orders and their
/// agreement (empty without a speed reference or without in-run crypto figures).
pub fn agreements(results: &RunResults) -> Vec<Agreement> {
    let Some(reference) = &results.speed_reference else {
        return Vec::new();
    };
    // (size, direction, suite, provider run on, provider axis) -> the in-run medians of its
    // cases. With a provider axis each provider of a suite is its own entry, ranked against
    // `speed` on that provider.
    type Key = (usize, Direction, String, Option<String>, bool);
    let mut inrun: BTreeMap<Key, Vec<f64>> = BTreeMap::new();
    for case in data::ok_cases(results) {
        if case.params.mac != "none" {
            continue;
        }
        let Some(f) = data::inrun_crypto(case) else {
            continue;
        };
        let p = &case.params;
        let ran_on = p
            .implementation
            .as_ref()
            .map(|i| i.suite_provider.clone())
            .or_else(|| p.provider.clone());
        for (dir, v, n) in [
            (Direction::Encrypt, f.encrypt_cpu_p50_ns, f.encrypt_n),
            (Direction::Decrypt, f.decrypt_cpu_p50_ns, f.decrypt_n),
        ] {
            if n > 0 {
                inrun
                    .entry((
                        p.size,
                        dir,
                        p.suite.clone(),
                        ran_on.clone(),
                        p.provider.is_some(),
                    ))
                    .or_default()
                    .push(v);
            }
        }
    }
    let mut by_cell: BTreeMap<(usize, Direction, Warmth), Vec<Ranked>> = BTreeMap::new();
    for ((size, dir, suite, ran_on, axis), values) in inrun {
        let Some(cell) = reference.cell(&suite, ran_on.as_deref(), axis, size) else {
            continue;
        };
        // The name the two orders show: the suite, and its provider where the run varied it.
        let suite = match (&ran_on, axis) {
            (Some(p), true) => format!("{suite}/{p}"),
            _ => suite,
        };
        let Some(inrun_ns) = data::median(values) else {
            continue;
        };
        let (hot, cold) = match dir {
            Direction::Encrypt => (&cell.encrypt, &cell.encrypt_cold),
            Direction::Decrypt => (&cell.decrypt, &cell.decrypt_cold),
        };
        for (warmth, figure) in [(Warmth::Hot, Some(hot)), (Warmth::Cold, cold.as_ref())] {
            if let Some(f) = figure {
                by_cell
                    .entry((size, dir, warmth))
                    .or_default()
                    .push(Ranked {
                        suite: suite.clone(),
                        inrun_ns,
                        speed_ns: f.median_ns,
                    });
            }
        }
    }
    by_cell
        .into_iter()
        .filter(|(_, s)| s.len() >= 2)
        .map(|((size, direction, warmth), mut suites)| {
            suites.sort_by(|a, b| a.inrun_ns.total_cmp(&b.inrun_ns));
            let (concordant, discordant, ties) = count_pairs(&suites);
            Agreement {
                size,
                direction,
                warmth,
                suites,
                concordant,
                discordant,
                ties,
            }
        })
        .collect()
}

/// Tau over every size's decisive pairs of one direction and warmth.
pub fn pooled(
    agreements: &[Agreement],
    direction: Direction,
    warmth: Warmth,
) -> Option<(f64, u32)> {
    let (c, d) = agreements
        .iter()
        .filter(|a| a.direction == direction && a.warmth == warmth)
        .fold((0, 0), |(c, d), a| (c + a.concordant, d + a.discordant));
    tau(c, d).map(|t| (t, c + d))
}

fn order(suites: &[Ranked], key: impl Fn(&Ranked) -> f64) -> String {
    let mut v: Vec<&Ranked> = suites.iter().collect();
    v.sort_by(|a, b| key(a).total_cmp(&key(b)));
    v.iter()
        .map(|r| format!("{} {}", r.suite, data::fmt_duration(key(r))))
        .collect::<Vec<_>>()
        .join(" < ")
}

fn fmt_tau(a: &Agreement) -> String {
    match a.tau() {
        Some(t) => format!("{t:.2}"),
        None => "n/a".into(),
    }
}

/// One row per size and direction: both orders, cheapest first, and tau.
pub fn table(results: &RunResults) -> Option<Table> {
    let agreements = agreements(results);
    if agreements.is_empty() {
        return None;
    }
    let rows = agreements
        .iter()
        .map(|a| Row {
            cells: vec![
                a.size.to_string(),
                a.direction.name().to_owned(),
                a.warmth.name().to_owned(),
                order(&a.suites, |r| r.inrun_ns),
                order(&a.suites, |r| r.speed_ns),
                fmt_tau(a),
                format!("{} / {} / {}", a.concordant, a.discordant, a.ties),
            ],
            lossy: false,
        })
        .collect();
    Some(Table {
        headers: vec![
            "size (B)",
            "phase",
            "speed",
            "in-run order (CPU-clock median)",
            "speed order (median)",
            "Kendall tau",
            "agree / disagree / tie",
        ],
        numeric: vec![true, false, false, false, false, true, true],
        rows,
    })
}

/// The legend printed above the table.
pub fn legend(reference: &SpeedReference) -> String {
    let mut s = format!(
        "In-run order: suites by the median, over their cases, of each case's CPU-clock median \
         (cases with a MAC left out). Speed order: `speed` on {} ({}; {} samples per cell, \
         {:.0} ms each cell). Kendall tau counts only the pairs whose speed figures differ by \
         more than {:.0}%: 1 means the run ranks every such pair as `speed` does, 0 no better \
         than chance.",
        reference.cpu_model.as_deref().unwrap_or("an unknown CPU"),
        reference.source,
        reference.samples,
        reference.time_per_cell_ms,
        (DECISIVE - 1.0) * 100.0
    );
    if let Some(bytes) = reference.cold_evict_bytes {
        s.push_str(&format!(
            " Speed \"cold\": each call timed alone after {} KiB were written and read back \
             (the core's L1d and L2 evicted), as a publisher that sleeps between messages finds \
             its tables; \"hot\": calls in a tight loop.",
            bytes >> 10
        ));
    }
    if let Some(w) = &reference.warning {
        s.push(' ');
        s.push_str(w);
    }
    s
}

/// Terminal lines: tau per size and pooled, per direction.
pub fn summary_lines(results: &RunResults) -> Vec<String> {
    let agreements = agreements(results);
    let mut out = Vec::new();
    for warmth in [Warmth::Hot, Warmth::Cold] {
        for dir in [Direction::Encrypt, Direction::Decrypt] {
            let per_size: Vec<String> = agreements
                .iter()
                .filter(|a| a.direction == dir && a.warmth == warmth)
                .map(|a| format!("{} B {}", a.size, fmt_tau(a)))
                .collect();
            if let Some((t, pairs)) = pooled(&agreements, dir, warmth) {
                out.push(format!(
                    "rank agreement with speed ({}, {}): Kendall tau {t:.2} over {pairs} pairs \
                     differing > {:.0}% in speed (per size: {})",
                    dir.name(),
                    warmth.name(),
                    (DECISIVE - 1.0) * 100.0,
                    per_size.join(", ")
                ));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(suite: &str, inrun: f64, speed: f64) -> Ranked {
        Ranked {
            suite: suite.into(),
            inrun_ns: inrun,
            speed_ns: speed,
        }
    }

    #[test]
    fn pairs_closer_than_twenty_percent_do_not_count() {
        // a and b are within 20% in speed: their in-run order is not judged.
        let s = [
            r("a", 200.0, 100.0),
            r("b", 100.0, 110.0),
            r("c", 300.0, 400.0),
        ];
        assert_eq!(count_pairs(&s), (2, 0, 0));
        // c is ranked cheapest in-run although speed says it is the dearest: two discordant.
        let s = [
            r("a", 200.0, 100.0),
            r("b", 210.0, 110.0),
            r("c", 50.0, 400.0),
        ];
        assert_eq!(count_pairs(&s), (0, 2, 0));
        assert_eq!(tau(0, 2), Some(-1.0));
        assert_eq!(tau(3, 1), Some(0.5));
        assert_eq!(tau(0, 0), None);
        // Equal in-run figures on a decisive pair: a tie, in neither count.
        let s = [r("a", 100.0, 100.0), r("b", 100.0, 200.0)];
        assert_eq!(count_pairs(&s), (0, 0, 1));
    }
}
