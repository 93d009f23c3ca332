//! The summary tables as plain cells, and their terminal rendering. Markdown and HTML render
//! the same [`Table`] in their own modules, so the three never disagree on a number.
//!
//! - [`summary`]: one row per finished case: parameters, encrypt and decrypt p50 on the
//!   thread's CPU clock and on the wall clock, p99 (only from 1000 samples up), each with its
//!   sample count, latency, delivered msgs/s, overhead, loss, "x fastest" (CPU-clock medians,
//!   "tie" where the repetitions' intervals overlap), integrity and authenticity.
//! - [`security`]: one row per suite: what it protects on its own.
//!
//! Failed cases have no numbers and are listed apart (see [`failed`]). The terminal's
//! rendering of the summary is report/terminal.rs.

use std::collections::BTreeMap;

use super::data::{self, sig3};
use crate::results::repetitions::{self, CRYPTO_CPU};
use crate::results::{CaseResult, Estimate, RunResults, phase};

/// Rows of text cells under a header; `numeric[i]` says column `i` is right-aligned.
#[derive(Debug, Clone)]
pub struct Table {
    pub headers: Vec<&'static str>,
    pub numeric: Vec<bool>,
    pub rows: Vec<Row>,
}

/// Columns that name the case's security set-up; often one value for the whole run.
const FOLDABLE: [&str; 4] = ["mac", "sig", "transport", "MQTT"];

/// Header of the loss cell, which renderers decorate on lossy rows.
pub const LOSS_HEADER: &str = "lost/expected";

impl Table {
    /// Removes the mac, sig, transport and MQTT-version columns that hold one value in every row and returns
    /// them as `"mac none"` notes, so a run that varies only suites gets a narrower table.
    pub fn fold_constant(&mut self) -> Vec<String> {
        let mut notes = Vec::new();
        for name in FOLDABLE {
            let Some(col) = self.headers.iter().position(|h| *h == name) else {
                continue;
            };
            let Some(first) = self.rows.first().map(|r| r.cells[col].clone()) else {
                continue;
            };
            if self.rows.iter().all(|r| r.cells[col] == first) {
                notes.push(format!("{name} {first}"));
                self.headers.remove(col);
                self.numeric.remove(col);
                for r in &mut self.rows {
                    r.cells.remove(col);
                }
            }
        }
        notes
    }
}

#[derive(Debug, Clone)]
pub struct Row {
    pub cells: Vec<String>,
    /// Loss at QoS >= 1: renderers call it out (LOSS, red).
    pub lossy: bool,
}

const SUMMARY_HEADERS: [(&str, bool); 24] = [
    ("suite", false),
    ("mac", false),
    ("sig", false),
    ("transport", false),
    ("MQTT", false),
    ("QoS", true),
    ("size (B)", true),
    ("enc cpu p50 (µs)", true),
    ("enc p50 (µs)", true),
    ("enc p99 (µs)", true),
    ("enc n", true),
    ("dec cpu p50 (µs)", true),
    ("dec p50 (µs)", true),
    ("dec p99 (µs)", true),
    ("dec n", true),
    ("lat p50 (ms)", true),
    ("lat p99 (ms)", true),
    ("delivered/s", true),
    ("overhead (B)", true),
    (LOSS_HEADER, true),
    ("auth/dec fail", true),
    ("x fastest", true),
    ("integrity", false),
    ("authenticity", false),
];

/// p99 is the 10th-largest of 1000 samples; from fewer it is little more than the maximum.
pub const P99_MIN_SAMPLES: u64 = 1000;

/// Which clock "x fastest" compares: the thread CPU clock, unless a case of the run lacks it
/// (a run from before the CPU clock was recorded: then the wall clock for every row).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RelativeBasis {
    Cpu,
    Wall,
}

/// The clock the whole run's "x fastest" column compares.
pub fn relative_basis(results: &RunResults) -> RelativeBasis {
    let all_cpu = data::ok_cases(results)
        .filter(|c| c.params.suite != "none")
        .all(|c| repetitions::crypto_cpu_p50(c).is_some());
    if all_cpu {
        RelativeBasis::Cpu
    } else {
        RelativeBasis::Wall
    }
}

/// What "x fastest" compares: p50 encrypt + p50 decrypt on `basis`'s clock, in ns.
fn crypto_cost(case: &CaseResult, basis: RelativeBasis) -> Option<f64> {
    match basis {
        RelativeBasis::Cpu => repetitions::crypto_cpu_p50(case),
        RelativeBasis::Wall => {
            let enc = data::phase(case, phase::ENCRYPT)?.p50 as f64;
            let dec = data::phase(case, phase::DECRYPT)?.p50 as f64;
            Some(enc + dec)
        }
    }
}

/// A case's cost for "x fastest": with repetitions, the median across them (every row of the
/// case then shows the same cell); otherwise its own figure.
fn ranked_cost(results: &RunResults, case: &CaseResult, basis: RelativeBasis) -> Option<f64> {
    match (basis, crypto_interval(results, &case.id)) {
        (RelativeBasis::Cpu, Some(e)) => Some(e.median),
        _ => crypto_cost(case, basis),
    }
}

/// Fastest crypto cost per size, and the case id that has it, among suites that encrypt:
/// relative to `none` (a copy) every real cipher would look many times "slower" and the
/// column would say nothing.
fn fastest_by_size(results: &RunResults, basis: RelativeBasis) -> BTreeMap<usize, (f64, &str)> {
    let mut fastest: BTreeMap<usize, (f64, &str)> = BTreeMap::new();
    for c in data::ok_cases(results).filter(|c| c.params.suite != "none") {
        if let Some(cost) = ranked_cost(results, c, basis).filter(|&x| x > 0.0) {
            let e = fastest.entry(c.params.size).or_insert((cost, &c.id));
            if cost < e.0 {
                *e = (cost, &c.id);
            }
        }
    }
    fastest
}

/// The repetitions' interval of a case's CPU-clock encrypt + decrypt median.
fn crypto_interval<'a>(results: &'a RunResults, id: &str) -> Option<&'a Estimate> {
    results
        .repetitions
        .iter()
        .find(|r| r.id == id)
        .and_then(|r| r.metrics.get(CRYPTO_CPU))
}

/// The "x fastest" cell: "tie" when this case's and the fastest case's intervals across
/// repetitions overlap (nothing tells them apart), else the ratio of the two costs. Without
/// repetitions a bare ratio: no interval is invented (the legend says so).
fn relative_cell(
    results: &RunResults,
    c: &CaseResult,
    basis: RelativeBasis,
    fastest: Option<&(f64, &str)>,
) -> String {
    let (Some(cost), Some(&(f, fastest_id))) = (ranked_cost(results, c, basis), fastest) else {
        return "n/a".into();
    };
    if basis == RelativeBasis::Cpu
        && fastest_id != c.id
        && let (Some(a), Some(b)) = (
            crypto_interval(results, &c.id),
            crypto_interval(results, fastest_id),
        )
        && a.low <= b.high
        && b.low <= a.high
    {
        return "tie".into();
    }
    format!("{:.1}", cost / f)
}

/// A line saying what "x fastest" compared in this run, for the terminal and the reports.
pub fn relative_note(results: &RunResults) -> String {
    let clock = match relative_basis(results) {
        RelativeBasis::Cpu => "thread CPU-clock",
        RelativeBasis::Wall => "wall-clock (this run has no CPU-clock phases)",
    };
    let reps = if results.repetitions.is_empty() {
        "one repetition per case: ratios without interval, ties not tested"
    } else {
        "\"tie\" where the repetitions' intervals overlap the fastest's"
    };
    format!(
        "x fastest: {clock} p50 encrypt + decrypt over the fastest suite other than none at the same size; {reps}"
    )
}

fn yes_no(b: bool) -> String {
    if b { "yes" } else { "no" }.into()
}

/// The suite protects integrity (as `results` recorded it), or a MAC or signature does.
pub fn has_integrity(results: &RunResults, case: &CaseResult) -> bool {
    let by_suite = results
        .suite(&case.params.suite)
        .is_some_and(|s| s.authenticated);
    by_suite || case.params.mac != "none" || case.params.signature != "none"
}

/// Only a signature proves who sent a message: symmetric keys are shared per topic, and the
/// hybrid suites encrypt to a public key anyone holds.
pub fn has_authenticity(case: &CaseResult) -> bool {
    case.params.signature != "none"
}

fn stat(
    case: &CaseResult,
    name: &str,
    pick: fn(&crate::results::PhaseStats) -> u64,
    unit: f64,
) -> String {
    data::phase(case, name).map_or_else(|| "n/a".into(), |p| sig3(pick(p) as f64 / unit))
}

/// p99, or "n/a" below [`P99_MIN_SAMPLES`].
fn p99(case: &CaseResult, name: &str, unit: f64) -> String {
    match data::phase(case, name) {
        Some(p) if p.count >= P99_MIN_SAMPLES => sig3(p.p99 as f64 / unit),
        _ => "n/a".into(),
    }
}

fn count(case: &CaseResult, name: &str) -> String {
    data::phase(case, name).map_or_else(|| "0".into(), |p| p.count.to_string())
}

/// Rows by QoS, then size, then matrix order, so the suites a reader compares sit together.
pub fn summary(results: &RunResults) -> Table {
    let basis = relative_basis(results);
    let fastest = fastest_by_size(results, basis);
    let mut cases: Vec<&CaseResult> = data::ok_cases(results).collect();
    cases.sort_by_key(|c| (c.params.qos, c.params.size));
    let rows = cases
        .into_iter()
        .map(|c| {
            let p = &c.params;
            let n = &c.counts;
            let relative = if p.suite == "none" {
                "baseline".into()
            } else {
                relative_cell(results, c, basis, fastest.get(&p.size))
            };
            let cells = vec![
                data::suite_label(p),
                p.mac.clone(),
                p.signature.clone(),
                p.transport.clone(),
                p.protocol.clone(),
                p.qos.to_string(),
                p.size.to_string(),
                stat(c, phase::ENCRYPT_CPU, |s| s.p50, 1e3),
                stat(c, phase::ENCRYPT, |s| s.p50, 1e3),
                p99(c, phase::ENCRYPT, 1e3),
                count(c, phase::ENCRYPT),
                stat(c, phase::DECRYPT_CPU, |s| s.p50, 1e3),
                stat(c, phase::DECRYPT, |s| s.p50, 1e3),
                p99(c, phase::DECRYPT, 1e3),
                count(c, phase::DECRYPT),
                stat(c, phase::LATENCY, |s| s.p50, 1e6),
                p99(c, phase::LATENCY, 1e6),
                data::fmt_rate(c.throughput.delivered_msgs_per_s),
                c.sizes.security_overhead.to_string(),
                format!("{}/{}", n.lost, n.expected),
                format!("{}/{}", n.failed_auth, n.failed_decrypt),
                relative,
                yes_no(has_integrity(results, c)),
                yes_no(has_authenticity(c)),
            ];
            Row {
                cells,
                lossy: data::is_lossy(c),
            }
        })
        .collect();
    Table {
        headers: SUMMARY_HEADERS.iter().map(|h| h.0).collect(),
        numeric: SUMMARY_HEADERS.iter().map(|h| h.1).collect(),
        rows,
    }
}

/// Which code ran each part of the run's cases: one row per distinct (part, name, provider),
/// in order of first appearance. Cases from before the provider axis record none.
pub fn implementations(results: &RunResults) -> Table {
    let mut rows: Vec<Row> = Vec::new();
    let mut seen: Vec<[String; 3]> = Vec::new();
    for c in &results.cases {
        let Some(i) = &c.params.implementation else {
            continue;
        };
        for (part, name, provider, code) in [
            (
                "suite",
                &c.params.suite,
                i.suite_provider.as_str(),
                &i.suite,
            ),
            ("mac", &c.params.mac, "rustcrypto", &i.mac),
            (
                "signature",
                &c.params.signature,
                i.signature_provider.as_str(),
                &i.signature,
            ),
        ] {
            if name == "none" && part != "suite" {
                continue;
            }
            let key = [part.to_owned(), name.clone(), provider.to_owned()];
            if !seen.contains(&key) {
                seen.push(key);
                rows.push(Row {
                    cells: vec![part.into(), name.clone(), provider.into(), code.clone()],
                    lossy: false,
                });
            }
        }
    }
    Table {
        headers: vec!["part", "name", "provider", "implementation"],
        numeric: vec![false; 4],
        rows,
    }
}

/// One row per suite of the run: confidentiality note and whether the suite alone protects
/// integrity. Suites this build does not know (an older or newer run) say so.
pub fn security(results: &RunResults) -> Table {
    let mut rows: Vec<Row> = Vec::new();
    let mut seen = Vec::new();
    for c in &results.cases {
        let name = &c.params.suite;
        if seen.contains(name) {
            continue;
        }
        seen.push(name.clone());
        let (note, integrity) = match results.suite(name) {
            Some(s) if s.authenticated => (s.confidentiality.as_str(), "yes (authenticated)"),
            Some(s) => (
                s.confidentiality.as_str(),
                "only with hmac-sha256 or a signature",
            ),
            None => ("unknown suite (not recorded by the run)", "n/a"),
        };
        rows.push(Row {
            cells: vec![
                name.clone(),
                note.into(),
                integrity.into(),
                "only with a signature".into(),
            ],
            lossy: false,
        });
    }
    Table {
        headers: vec!["suite", "confidentiality", "integrity", "authenticity"],
        numeric: vec![false; 4],
        rows,
    }
}

/// Payload generators whose messages repeat 8- or 16-byte blocks (all zeros; JSON with the
/// same keys every time), so ECB's equal-blocks-equal-ciphertext shows on the wire.
const PATTERNED_PAYLOADS: [&str; 2] = ["zeros", "sensor-json"];

/// A warning when the run sent patterned payloads through an ECB suite: the ciphertext of
/// those rows repeats wherever the plaintext does, which an eavesdropper can see.
pub fn ecb_warning(results: &RunResults) -> Option<String> {
    let payload = results.load.payload.as_str();
    if !PATTERNED_PAYLOADS.contains(&payload) {
        return None;
    }
    let mut ecb: Vec<&str> = Vec::new();
    for c in &results.cases {
        let n = c.params.suite.as_str();
        let is_ecb = results.suite(n).is_some_and(|s| s.is_ecb());
        if is_ecb && !ecb.contains(&n) {
            ecb.push(n);
        }
    }
    if ecb.is_empty() {
        return None;
    }
    Some(format!(
        "ECB leaks patterns: this run sent \"{payload}\" payloads, whose repeated plaintext \
         blocks give repeated ciphertext blocks in the {} rows; ECB hides the bytes but not \
         their structure.",
        ecb.join(", ")
    ))
}

/// Failed cases with their error, in run order.
pub fn failed(results: &RunResults) -> Vec<(&str, &str)> {
    with_status(results, crate::results::CaseStatus::Failed)
}

/// Degraded cases (the broker gave a lower QoS than the case names) with the reason, in run
/// order. Their numbers are not in the summary: they would be read as the named QoS's.
pub fn degraded(results: &RunResults) -> Vec<(&str, &str)> {
    with_status(results, crate::results::CaseStatus::Degraded)
}

fn with_status(results: &RunResults, status: crate::results::CaseStatus) -> Vec<(&str, &str)> {
    results
        .cases
        .iter()
        .filter(|c| c.status == status)
        .map(|c| {
            (
                c.id.as_str(),
                c.error.as_deref().unwrap_or("no reason recorded"),
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn case(suite: &str, mac: &str, signature: &str) -> CaseResult {
        let mut c = super::super::fixture::run().cases.remove(0);
        c.params.suite = suite.into();
        c.params.mac = mac.into();
        c.params.signature = signature.into();
        c
    }

    #[test]
    fn integrity_comes_from_aead_mac_or_signature() {
        let r = super::super::fixture::run();
        assert!(has_integrity(&r, &case("aes-128-gcm", "none", "none")));
        assert!(!has_integrity(&r, &case("aes-128-cbc", "none", "none")));
        assert!(has_integrity(
            &r,
            &case("aes-128-cbc", "hmac-sha256", "none")
        ));
        assert!(has_integrity(&r, &case("none", "none", "ed25519")));
        assert!(!has_integrity(&r, &case("no-such-suite", "none", "none")));
    }

    fn with_cpu(mut c: CaseResult, enc_ns: u64, dec_ns: u64, n: u64) -> CaseResult {
        for (name, v) in [(phase::ENCRYPT_CPU, enc_ns), (phase::DECRYPT_CPU, dec_ns)] {
            let mut s = c.phases[phase::ENCRYPT].clone();
            s.p50 = v;
            s.count = n;
            c.phases.insert(name.into(), s);
        }
        for name in [phase::ENCRYPT, phase::DECRYPT] {
            if let Some(s) = c.phases.get_mut(name) {
                s.count = n;
            }
        }
        c
    }

    /// Two suites at one size, each run `reps` times with CPU-clock costs from `costs`.
    fn two_suites(costs: [&[u64]; 2], n: u64) -> RunResults {
        let mut r = super::super::fixture::run();
        let template = r.cases[0].clone();
        r.cases.clear();
        for (suite, costs) in ["aes-128-gcm", "aes-128-cbc"].into_iter().zip(costs) {
            for (i, &cost) in costs.iter().enumerate() {
                let mut c = template.clone();
                c.params.suite = suite.into();
                c.params.size = 64;
                c.id = format!("{suite}/q0/64B/tcp");
                c.repetition = i as u32 + 1;
                r.cases.push(with_cpu(c, cost, cost, n));
            }
        }
        r.repetitions = crate::results::repetitions::summarize(&r.cases);
        r
    }

    fn column<'a>(t: &'a Table, name: &str) -> Vec<&'a str> {
        let i = t.headers.iter().position(|h| *h == name).expect(name);
        t.rows.iter().map(|r| r.cells[i].as_str()).collect()
    }

    #[test]
    fn x_fastest_ranks_by_cpu_clock_and_ties_overlapping_intervals() {
        // Intervals [100, 110] and [104, 120]: they overlap, so the slower is a tie.
        let r = two_suites([&[100, 105, 110], &[104, 112, 120]], 500);
        assert_eq!(relative_basis(&r), RelativeBasis::Cpu);
        let t = summary(&r);
        let rel = column(&t, "x fastest");
        assert_eq!(rel, ["1.0", "1.0", "1.0", "tie", "tie", "tie"]);
        // Disjoint intervals: a real ratio, from CPU-clock medians (200 / 100 = 2.0).
        let r = two_suites([&[100, 101, 102], &[200, 202, 204]], 500);
        let t = summary(&r);
        let rel = column(&t, "x fastest");
        assert_eq!(rel[3..], ["2.0", "2.0", "2.0"]);
        assert!(relative_note(&r).contains("tie"));
    }

    #[test]
    fn one_repetition_gives_a_bare_ratio_and_says_so() {
        let r = two_suites([&[100], &[150]], 500);
        assert!(r.repetitions.is_empty());
        let t = summary(&r);
        assert_eq!(column(&t, "x fastest"), ["1.0", "1.5"]);
        assert!(relative_note(&r).contains("without interval"));
    }

    #[test]
    fn p99_needs_a_thousand_samples_and_counts_are_shown() {
        let few = two_suites([&[100], &[150]], 999);
        let t = summary(&few);
        assert!(column(&t, "enc p99 (µs)").iter().all(|c| *c == "n/a"));
        assert_eq!(column(&t, "enc n"), ["999", "999"]);
        let many = summary(&two_suites([&[100], &[150]], 1000));
        assert!(column(&many, "enc p99 (µs)").iter().all(|c| *c != "n/a"));
        assert_eq!(column(&many, "enc cpu p50 (µs)"), ["0.100", "0.150"]);
    }

    #[test]
    fn runs_without_cpu_phases_fall_back_to_the_wall_clock() {
        let r = super::super::fixture::run();
        assert_eq!(relative_basis(&r), RelativeBasis::Wall);
        assert!(relative_note(&r).contains("wall-clock"));
    }

    #[test]
    fn authenticity_only_from_a_signature() {
        assert!(!has_authenticity(&case(
            "aes-128-gcm",
            "hmac-sha256",
            "none"
        )));
        assert!(!has_authenticity(&case("ecies-p256", "none", "none")));
        assert!(has_authenticity(&case("aes-128-gcm", "none", "ecdsa-p256")));
    }
}
