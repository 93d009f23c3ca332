//! A run with known figures: six protections at 64 B, three repetitions each, a tamper
//! matrix and block repeats; the order, the ties, the rejections with their reasons and the
//! Pareto front are known in advance.

use super::checks::Check;
use super::*;
use crate::report::fixture;
use crate::results::*;

/// (suite, mac, CPU µs per message of the three repetitions, wire bytes, overhead bytes,
/// forgeries of 7,000 tamper trials, repeated blocks per message across messages).
type Spec = (&'static str, &'static str, [f64; 3], f64, usize, u64, f64);

const SPECS: [Spec; 6] = [
    ("aes-128-gcm", "none", [20.0, 21.0, 22.0], 150.0, 29, 0, 0.0),
    (
        "chacha20-poly1305",
        "none",
        [21.0, 22.0, 23.0],
        148.0,
        29,
        0,
        0.0,
    ),
    (
        "aes-128-cbc",
        "none",
        [15.0, 15.5, 16.0],
        160.0,
        29,
        1689,
        0.0,
    ),
    (
        "aes-128-ecb",
        "none",
        [14.0, 14.5, 15.0],
        160.0,
        13,
        2100,
        11.3,
    ),
    (
        "aes-128-cbc",
        "hmac-sha256",
        [30.0, 31.0, 32.0],
        192.0,
        66,
        0,
        0.0,
    ),
    (
        "ecies-p256",
        "none",
        [200.0, 205.0, 210.0],
        215.0,
        110,
        0,
        0.0,
    ),
];

fn props(suite: &str, mac: &str) -> ProtectionProperties {
    let aead = suite.ends_with("gcm") || suite.starts_with("chacha");
    let hybrid = suite.starts_with("ecies");
    ProtectionProperties {
        suite: suite.into(),
        mac: mac.into(),
        signature: "none".into(),
        confidentiality: true,
        integrity: aead || hybrid || mac != "none",
        writer: if aead || mac != "none" {
            Writer::KeyHolder
        } else if hybrid {
            Writer::PublicKeyHolder
        } else {
            Writer::Anyone
        },
        deterministic: suite.ends_with("ecb"),
        source: PropertiesSource::Run,
    }
}

pub fn known_run() -> RunResults {
    let mut r = fixture::run();
    let template = r.cases[0].clone();
    r.cases.clear();
    let mut security = Vec::new();
    for (suite, mac, cpu, wire, overhead, forged, repeats) in SPECS {
        for (k, us) in cpu.iter().enumerate() {
            let mut c = template.clone();
            c.params.suite = suite.into();
            c.params.mac = mac.into();
            c.params.qos = 1;
            c.params.size = 64;
            c.id = format!(
                "{suite}{}/q1/64B/tcp",
                if mac == "none" {
                    String::new()
                } else {
                    format!("+{mac}")
                }
            );
            c.repetition = k as u32 + 1;
            c.cpu.threads = Some(ThreadCpu {
                publisher_us_per_msg: Some(us / 2.0),
                publisher_io_us_per_msg: Some(0.0),
                subscriber_us_per_msg: Some(us / 2.0),
                ..Default::default()
            });
            c.wire = Some(WireBytes {
                per_message_up: Some(wire),
                ..Default::default()
            });
            c.sizes.security_overhead = overhead;
            c.sizes.envelope = 64 + 28 + overhead;
            c.block_repeats = Some(BlockRepeats {
                block_len: 16,
                envelopes: 10,
                blocks: 50,
                repeated: 0,
                envelopes_with_repeats: 0,
                repeated_across: (repeats * 10.0) as u64,
            });
            r.cases.push(c);
        }
        r.protections.push(props(suite, mac));
        security.push(ProtectionSecurity {
            suite: suite.into(),
            mac: mac.into(),
            signature: "none".into(),
            authenticated: props(suite, mac).integrity,
            size: 64,
            kinds: vec![TamperCounts {
                kind: "bit-flip".into(),
                trials: 7000,
                rejected: 7000 - forged,
                forged,
                ..Default::default()
            }],
            unauthenticated_fields: if props(suite, mac).integrity {
                vec![]
            } else {
                vec!["seq".into()]
            },
            truncated_by_budget: false,
            provider: None,
            implementation: None,
        });
    }
    r.security = Some(SecurityResults {
        seed: 1,
        trials_per_kind: 7000,
        budget_s: 2.0,
        protections: security,
    });
    r.load.payload = "sensor-json".into();
    r
}

fn requirements(edit: impl FnOnce(&mut Requirements)) -> Requirements {
    let mut r = Requirements::default();
    edit(&mut r);
    r
}

fn failed<'a>(s: &'a Section, label: &str) -> Vec<(&'static str, &'a str)> {
    let e = s
        .rejected
        .iter()
        .find(|e| e.protection.label() == label)
        .unwrap_or_else(|| panic!("{label} not rejected"));
    e.failed().map(|(f, c)| (*f, c.text())).collect()
}

#[test]
fn qualified_in_cost_order_with_ties_and_measured_rejections() {
    let r = known_run();
    let req = requirements(|r| {
        r.authenticity = Some(Writer::KeyHolder);
        r.max_overhead_bytes = Some(64);
    });
    let rec = of_runs(&[&r], req, Vec::new());
    assert_eq!(rec.sections.len(), 1);
    let s = &rec.sections[0];
    let order: Vec<(usize, bool, String)> = s
        .qualified
        .iter()
        .map(|q| (q.rank, q.tie, q.entry.protection.label()))
        .collect();
    assert_eq!(
        order,
        [
            (1, true, "aes-128-gcm".to_owned()),
            (1, true, "chacha20-poly1305".to_owned()),
        ],
        "[20, 22] and [21, 23] overlap: a tie"
    );
    assert_eq!(
        failed(s, "aes-128-cbc"),
        [
            (
                "integrity",
                "forgeries accepted: 1,689 of 7,000 (tamper matrix)"
            ),
            (
                "authenticity",
                "forgeries accepted: 1,689 of 7,000 (tamper matrix)"
            ),
        ]
    );
    let ecb = failed(s, "aes-128-ecb");
    assert_eq!(ecb[0].0, "confidentiality");
    assert_eq!(
        ecb[0].1,
        "ECB: 11.3 repeated blocks per message with sensor-json (repeat an earlier message's)"
    );
    assert_eq!(
        failed(s, "aes-128-cbc + hmac-sha256"),
        [("max_overhead_bytes", "overhead 66 B > 64 B")]
    );
    let ecies = failed(s, "ecies-p256");
    assert_eq!(ecies.len(), 2, "{ecies:?}");
    assert_eq!(ecies[0].0, "authenticity");
    assert!(ecies[0].1.contains("public key"), "{ecies:?}");
    assert_eq!(ecies[1], ("max_overhead_bytes", "overhead 110 B > 64 B"));
    assert!(s.none.is_none());
}

#[test]
fn the_front_is_what_nothing_beats_on_both_axes() {
    let rec = of_run(&known_run());
    let mut front: Vec<String> = rec.sections[0]
        .entries()
        .filter(|e| e.on_front)
        .map(|e| e.protection.label())
        .collect();
    front.sort();
    // ecb is cheapest on CPU, chacha smallest on the wire, gcm between both; cbc has ecb's
    // bytes at more CPU, hmac and ecies lose to gcm on both.
    assert_eq!(front, ["aes-128-ecb", "aes-128-gcm", "chacha20-poly1305"]);
}

#[test]
fn without_intervals_there_are_no_ties() {
    let mut r = known_run();
    r.cases.retain(|c| c.repetition == 1);
    let rec = of_run(&r);
    let q = &rec.sections[0].qualified;
    let got: Vec<(usize, bool)> = q.iter().map(|q| (q.rank, q.tie)).collect();
    // gcm 20, chacha 21, cbc+hmac 30, ecies 200: a bare order of point estimates.
    assert_eq!(got, [(1, false), (2, false), (3, false), (4, false)]);
    assert!(
        q[0].entry
            .measured
            .cpu_us
            .is_some_and(|f| f.interval.is_none())
    );
}

#[test]
fn none_qualifies_names_the_requirement_that_cuts_them_all() {
    let r = known_run();
    let rec = of_runs(
        &[&r],
        requirements(|r| r.max_cpu_us = Some(5.0)),
        Vec::new(),
    );
    let s = &rec.sections[0];
    assert!(s.qualified.is_empty());
    let none = s.none.as_ref().expect("none qualifies");
    assert_eq!(none.cuts_all, ["max_cpu_us"]);
    let without: Vec<&String> = none
        .without
        .iter()
        .find(|(f, _)| *f == "max_cpu_us")
        .map(|(_, v)| v.iter().collect())
        .unwrap_or_default();
    assert_eq!(
        without,
        [
            "aes-128-gcm",
            "chacha20-poly1305",
            "aes-128-cbc + hmac-sha256",
            "ecies-p256"
        ]
    );
    let lines = text::none_lines(s);
    assert!(
        lines[0].starts_with("None qualifies: max_cpu_us rejects every one"),
        "{lines:?}"
    );
    let md = text::markdown(&rec);
    assert!(md.contains("0 of 6 qualify"), "{md}");
}

#[test]
fn unmeasured_requirements_say_so_instead_of_guessing() {
    let mut r = known_run();
    // 300 latency samples per case: too few for a p99.
    for c in &mut r.cases {
        if let Some(l) = c.phases.get_mut(phase::LATENCY) {
            l.count = 300;
        }
    }
    let req = requirements(|r| r.max_latency_p99_ns = Some(20_000_000));
    r.security = None;
    let rec = of_runs(&[&r], req, Vec::new());
    let s = &rec.sections[0];
    assert!(s.qualified.is_empty());
    let gcm = s
        .unmeasured
        .iter()
        .find(|e| e.protection.suite == "aes-128-gcm")
        .expect("gcm cannot be checked");
    let why: Vec<&str> = gcm.unmeasured().map(|(f, _)| *f).collect();
    assert_eq!(why, ["integrity", "max_latency_p99"]);
    assert!(
        matches!(&gcm.checks[1].1, Check::NotMeasured(t) if t == "tamper matrix not run"),
        "{:?}",
        gcm.checks
    );
    // An unauthenticated suite fails integrity by design even without the tamper matrix.
    let cbc = failed(s, "aes-128-cbc");
    assert!(cbc[0].1.contains("by design"), "{cbc:?}");
    assert!(
        s.none.is_none(),
        "some could not be checked: not a 'none qualifies'"
    );
}

#[test]
fn capacity_and_bytes_per_day_at_the_scenario_rate() {
    let rec = of_run(&known_run());
    let gcm = &rec.sections[0].qualified[0].entry;
    assert_eq!(gcm.protection.suite, "aes-128-gcm");
    // 1e6 / 21 µs = 47.6k messages per second per core.
    assert!(
        text::capacity(gcm).starts_with("47.6k ["),
        "{}",
        text::capacity(gcm)
    );
    // 29 B x 200 msg/s x 86,400 s = 501 MB.
    assert_eq!(text::per_day(&rec, gcm), "501 MB");
}

#[test]
fn terminal_text_fits_100_columns() {
    for r in [known_run(), fixture::run(), fixture::many_suites()] {
        let rec = of_run(&r);
        for text in [text::terminal(&rec), crate::report::narrow::terminal(&r)] {
            for line in text.lines() {
                assert!(
                    line.chars().count() <= 100,
                    "{} chars: {line}",
                    line.chars().count()
                );
            }
        }
    }
}

#[test]
fn the_report_opens_with_the_recommendation_and_draws_the_tradeoff() {
    let r = known_run();
    let charts = crate::report::tests::check_charts(&r, &[crate::report::tradeoff::NAME]);
    let tradeoff = charts
        .iter()
        .find(|c| c.name == crate::report::tradeoff::NAME)
        .expect("tradeoff chart");
    assert!(
        tradeoff.svg.contains("chacha20-poly1305"),
        "front points are labelled"
    );
    let html = crate::report::html::render(&r, &charts);
    let at = |s: &str| html.find(s).unwrap_or_else(|| panic!("{s} missing"));
    assert!(at("id=\"recommendation\"") < at("id=\"environment\""));
    assert!(at("id=\"recommendation\"") < at("id=\"summary\""));
    assert_eq!(
        html.matches("id=\"tradeoff\"").count(),
        1,
        "drawn once, at the top"
    );
    let md = crate::report::markdown::render(&r, &charts);
    assert!(md.find("## Recommendation").unwrap() < md.find("## Environment").unwrap());
    assert!(md.contains("![Trade-off"));
}
