//! `compare` on whole runs: pairing, verdicts from repetitions, refusals and the documents.

use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};

use super::super::{fixture, html, markdown};
use super::*;
use crate::results::{CaseResult, CaseStatus, PhaseStats, phase};

fn normal(rng: &mut StdRng) -> f64 {
    let u: f64 = 1.0 - rng.random::<f64>();
    let v: f64 = rng.random::<f64>();
    (-2.0 * u.ln()).sqrt() * (2.0 * std::f64::consts::PI * v).cos()
}

fn scale_phase(p: &mut PhaseStats, f: f64) {
    for v in [
        &mut p.min,
        &mut p.max,
        &mut p.p50,
        &mut p.p90,
        &mut p.p99,
        &mut p.p999,
    ] {
        *v = (*v as f64 * f).round() as u64;
    }
    p.mean *= f;
}

/// `base`'s cases, each finished one measured `reps` times: every phase and the delivery rate
/// of each repetition moved by its own log-normal factor (CV `cv`).
fn repeated(base: &RunResults, reps: u32, cv: f64, seed: u64) -> RunResults {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut r = base.clone();
    r.load.repeat = reps;
    r.cases = base
        .cases
        .iter()
        .flat_map(|c| {
            let n = if c.status == CaseStatus::Ok { reps } else { 1 };
            (1..=n).map(move |rep| (c, rep))
        })
        .map(|(c, rep)| {
            let mut c = c.clone();
            c.repetition = rep;
            if c.status == CaseStatus::Ok {
                for p in c.phases.values_mut() {
                    scale_phase(p, (cv * normal(&mut rng)).exp());
                }
                c.throughput.delivered_msgs_per_s *= (cv * normal(&mut rng)).exp();
            }
            c
        })
        .collect();
    r
}

fn scale_encrypt(r: &mut RunResults, id: &str, f: f64) {
    for c in r.cases.iter_mut().filter(|c| c.id == id) {
        scale_phase(c.phases.get_mut(phase::ENCRYPT).expect("encrypt"), f);
    }
}

fn metric<'a>(c: &'a Comparison, label: &str, name: &str) -> &'a MetricDelta {
    c.cases
        .iter()
        .find(|k| k.label == label)
        .and_then(|k| k.metrics.iter().find(|m| m.metric == name))
        .unwrap_or_else(|| panic!("{label} {name}"))
}

const SLOW: &str = "aes-128-gcm/q0/256B/tcp";

/// A and B: 5 repetitions of the fixture with 3% noise; B encrypts one case 50% slower.
fn pair(reps: u32) -> (RunResults, RunResults) {
    let base = fixture::run();
    let a = repeated(&base, reps, 0.03, 1);
    let mut b = repeated(&base, reps, 0.03, 2);
    b.started_at = "2026-11-23T08:00:00Z".into();
    scale_encrypt(&mut b, SLOW, 1.5);
    (a, b)
}

#[test]
fn flags_the_real_change_and_nothing_else() {
    let (a, mut b) = pair(5);
    b.cases.retain(|c| c.id != "des-ecb/q0/16B/tcp");
    let c = compare(&a, &b, &Settings::default()).expect("compare");
    let slow = metric(&c, SLOW, "enc p50");
    assert_eq!(slow.verdict, Verdict::Worse, "{slow:?}");
    assert!((slow.ratio.expect("ratio") - 1.5).abs() < 0.05, "{slow:?}");
    assert!(slow.p_adjusted.expect("p") < 0.05);
    assert!(
        matches!(slow.interval, Some(Interval::Ratio { low, high }) if low > 1.3 && high < 1.7)
    );
    assert_eq!((slow.n_a, slow.n_b), (5, 5));
    // Everything else moved by noise only: n.s. (enc p99 of that case moved too).
    assert_eq!((c.tally.worse, c.tally.better), (2, 0), "{:?}", c.tally);
    assert_eq!(metric(&c, SLOW, "lat p50").verdict, Verdict::NotSignificant);
    assert!(c.no_verdicts.is_none());
    assert_eq!(c.family_size, c.tally.worse + c.tally.not_significant);
    assert_eq!(
        (c.repetitions_a, c.repetitions_b),
        (
            Repetitions { min: 5, max: 5 },
            Repetitions { min: 5, max: 5 }
        )
    );
    assert_eq!(c.only_a, vec!["des-ecb/q0/16B/tcp".to_string()]);
    assert_eq!(c.failed, vec![fixture::FAILED_ID.to_string()]);
    // The baseline at q0/16B has no decrypt in the fixture: n/a, never a made-up ratio.
    let missing = metric(&c, "none/q0/16B/tcp", "dec p50");
    assert_eq!(missing.verdict, Verdict::NotComparable);
    assert!(missing.ratio.is_none() && missing.p.is_none());
    // No CPU-clock phases in the fixture: those optional metrics are left out entirely.
    assert!(c.cases[0].metrics.iter().all(|m| !m.metric.contains("cpu")));
}

#[test]
fn one_repetition_gives_figures_but_no_verdict_and_says_how_to_get_one() {
    let (a, b) = pair(1);
    let c = compare(&a, &b, &Settings::default()).expect("compare");
    assert_eq!(c.family_size, 0);
    assert_eq!((c.tally.worse, c.tally.better), (0, 0));
    let slow = metric(&c, SLOW, "enc p50");
    assert_eq!(slow.verdict, Verdict::TooFewRepetitions);
    assert!((slow.ratio.expect("ratio") - 1.5).abs() < 0.1);
    let why = c.no_verdicts.as_deref().expect("reason");
    assert!(
        why.contains("at least 3") && why.contains("--set load.repeat=5"),
        "{why}"
    );
    assert!(terminal(&c).contains(why));
}

#[test]
fn a_repetition_that_failed_leaves_fewer_values_not_a_wrong_one() {
    let (a, mut b) = pair(3);
    let first = b.cases.iter_mut().find(|c| c.id == SLOW).expect("case");
    first.status = CaseStatus::Failed;
    let c = compare(&a, &b, &Settings::default()).expect("compare");
    let slow = metric(&c, SLOW, "enc p50");
    assert_eq!((slow.n_a, slow.n_b), (3, 2));
    assert_eq!(slow.verdict, Verdict::TooFewRepetitions);
    assert_eq!(c.repetitions_b, Repetitions { min: 2, max: 3 });
    assert!(c.family_size > 0 && c.no_verdicts.is_none());
}

#[test]
fn loss_that_appears_in_every_repetition_is_flagged() {
    let (a, mut b) = pair(5);
    for (i, c) in b
        .cases
        .iter_mut()
        .filter(|c| c.id == "aes-128-gcm/q1/16B/tcp")
        .enumerate()
    {
        c.counts.lost = 400 + 7 * i as u64;
    }
    let c = compare(&a, &b, &Settings::default()).expect("compare");
    let lost = metric(&c, "aes-128-gcm/q1/16B/tcp", "lost");
    assert_eq!(lost.verdict, Verdict::Worse, "{lost:?}");
    assert!(matches!(lost.interval, Some(Interval::Difference { low, .. }) if low > 0.0));
    assert_eq!(
        metric(&c, fixture::LOSSY_ID, "lost").verdict,
        Verdict::NotSignificant
    );
}

fn only_suite(r: &RunResults, suite: &str) -> RunResults {
    let mut r = r.clone();
    r.cases.retain(|c| c.params.suite == suite);
    r
}

#[test]
fn match_pairs_cases_of_different_suites() {
    let base = repeated(&fixture::run(), 3, 0.02, 3);
    let (a, b) = (
        only_suite(&base, "des-cbc"),
        only_suite(&base, "aes-128-cbc"),
    );
    let settings = Settings {
        match_fields: vec![
            "qos".into(),
            "size".into(),
            "transport".into(),
            "mac".into(),
        ],
        ..Settings::default()
    };
    let c = compare(&a, &b, &settings).expect("compare");
    assert_eq!(c.pairing, "--match qos,size,transport,mac");
    // Two QoS levels × three sizes without a MAC.
    assert_eq!(
        c.cases.len(),
        6,
        "{:?}",
        c.cases.iter().map(|k| &k.label).collect::<Vec<_>>()
    );
    let label = "des-cbc/q0/1024B/tcp vs aes-128-cbc/q0/1024B/tcp";
    // The fixture's DES costs 40 ns per byte, AES-CBC 2: B is much faster.
    let enc = metric(&c, label, "enc p50");
    assert_eq!(enc.verdict, Verdict::Better, "{enc:?}");
    assert!(enc.ratio.expect("ratio") < 0.2);
    assert!(
        c.only_b.iter().all(|id| id.ends_with("/hmac")),
        "{:?}",
        c.only_b
    );
}

#[test]
fn match_refuses_two_cases_of_one_run_under_one_key() {
    let base = fixture::run();
    let (a, b) = (
        only_suite(&base, "des-cbc"),
        only_suite(&base, "aes-128-cbc"),
    );
    let settings = Settings {
        match_fields: vec!["qos".into(), "size".into()],
        ..Settings::default()
    };
    let e = compare(&a, &b, &settings).expect_err("collision");
    let msg = e.to_string();
    assert!(
        matches!(e, CompareError::Collision { side: "B", .. }),
        "{msg}"
    );
    for want in [
        "aes-128-cbc/q0/16B/tcp/hmac",
        "aes-128-cbc/q0/16B/tcp",
        "qos=0 size=16",
        "--match qos,size",
        "signature",
    ] {
        assert!(msg.contains(want), "{want}: {msg}");
    }
    let e = compare(
        &a,
        &b,
        &Settings {
            match_fields: vec!["qos".into(), "cipher".into()],
            ..Settings::default()
        },
    )
    .expect_err("unknown");
    assert!(e.to_string().contains("unknown field \"cipher\""), "{e}");
}

#[test]
fn runs_of_different_scenarios_need_match() {
    let (a, mut b) = pair(5);
    b.scenario.name = "other".into();
    let e = compare(&a, &b, &Settings::default()).expect_err("different scenarios");
    let msg = e.to_string();
    assert!(
        msg.contains("\"fixture\"") && msg.contains("\"other\"") && msg.contains("--match"),
        "{msg}"
    );
    let settings = Settings {
        match_fields: pairing::FIELDS.iter().map(|f| f.to_string()).collect(),
        ..Settings::default()
    };
    let c = compare(&a, &b, &settings).expect("explicit pairing");
    assert!(
        c.warnings.iter().any(|w| w.contains("scenario differs")),
        "{:?}",
        c.warnings
    );
    assert_eq!(metric(&c, SLOW, "enc p50").verdict, Verdict::Worse);
}

#[test]
fn every_output_prints_the_rule_word_for_word() {
    let (a, b) = pair(3);
    let c = compare(&a, &b, &Settings::default()).expect("compare");
    let dir = tempfile::tempdir().expect("temp dir");
    let out = render(dir.path(), &c, &a, &b).expect("render");
    let rule_line = format!("Rule: {}", c.rule);
    let family = format!(
        "Family: {} tests, Benjamini–Hochberg correction",
        c.family_size
    );
    assert!(
        c.rule
            .contains(&format!("family of {} rows", c.family_size))
    );
    let text = terminal(&c);
    assert!(
        text.contains(&rule_line) && text.contains(&family),
        "{text}"
    );
    assert!(text.contains("(3 repetition(s) per case)"));
    let md = std::fs::read_to_string(&out.markdown).expect("md");
    assert!(md.contains(&markdown::inline(&rule_line)) && md.contains(&family));
    assert!(md.contains("![Run B relative to run A (B/A)](charts/compare_ratio.svg)"));
    let page = std::fs::read_to_string(&out.html).expect("html");
    assert!(page.contains(&html::esc(&rule_line)) && page.contains(&family));
    assert!(!page.contains("<script"));
    for doc in [&text, &md, &page] {
        assert!(doc.contains("p (adj.)") && doc.contains("WORSE"));
    }
    // The chart is well-formed XML with its title and axes.
    let svg = std::fs::read_to_string(out.chart.expect("chart")).expect("svg");
    let xml = roxmltree::Document::parse(&svg).expect("XML");
    let texts: Vec<String> = xml
        .descendants()
        .filter(|n| n.has_tag_name("text"))
        .map(|n| n.text().unwrap_or("").trim().to_string())
        .collect();
    for want in [
        compare_ratio_title(),
        "B/A ratio (1 = no change; times: above 1 is slower)",
    ] {
        assert!(texts.iter().any(|t| t == want), "{want} missing");
    }
}

fn compare_ratio_title() -> &'static str {
    super::ratio::TITLE
}

#[test]
fn json_carries_the_verdicts_and_the_rule() {
    let (a, b) = pair(5);
    let c = compare(&a, &b, &Settings::default()).expect("compare");
    let v: serde_json::Value = serde_json::from_str(&json(&c).expect("json")).expect("parse");
    assert_eq!(v["test"], verdict::TEST);
    assert_eq!(v["correction"], "benjamini_hochberg");
    assert_eq!(v["family_size"], c.family_size);
    assert_eq!(v["tally"]["worse"], c.tally.worse);
    assert_eq!(v["rule"], c.rule.as_str());
    let slow = v["cases"]
        .as_array()
        .expect("cases")
        .iter()
        .find(|k| k["label"] == SLOW)
        .expect("slow case");
    let enc = &slow["metrics"][0];
    assert_eq!(enc["metric"], "enc p50");
    assert_eq!(enc["verdict"], "worse");
    assert_eq!(enc["interval"]["of"], "ratio");
    assert!(enc["p_adjusted"].as_f64().expect("p") < 0.05);
    assert!(v["no_verdicts"].is_null());
}

#[test]
fn min_effect_and_correction_flags_parse() {
    assert_eq!(parse_min_effect("0.05").expect("fraction"), 0.05);
    assert!((parse_min_effect("10%").expect("percent") - 0.10).abs() < 1e-12);
    assert_eq!(parse_min_effect("0").expect("zero"), 0.0);
    for bad in ["", "-0.1", "1", "150%", "five"] {
        let e = parse_min_effect(bad).expect_err(bad);
        assert!(e.to_string().starts_with("--min-effect"), "{e}");
    }
    assert_eq!(parse_correction("BH"), Ok(Correction::BenjaminiHochberg));
    assert_eq!(parse_correction("holm"), Ok(Correction::Holm));
    assert!(parse_correction("bonferroni").is_err());
}

/// A case whose every repetition is a copy has zero variance: a verdict then rests on the
/// minimum effect alone, and within it nothing is flagged.
#[test]
fn identical_repetitions_within_the_minimum_effect_are_not_flagged() {
    let base = fixture::run();
    let copy = |b: &RunResults| {
        let mut r = b.clone();
        r.cases = b
            .cases
            .iter()
            .flat_map(|c| {
                (1..=3).map(move |rep| CaseResult {
                    repetition: rep,
                    ..c.clone()
                })
            })
            .collect();
        r
    };
    let a = copy(&base);
    let mut b = copy(&base);
    scale_encrypt(&mut b, SLOW, 1.03);
    let c = compare(&a, &b, &Settings::default()).expect("compare");
    assert_eq!((c.tally.worse, c.tally.better), (0, 0), "{:?}", c.tally);
    scale_encrypt(&mut b, SLOW, 1.05);
    let c = compare(&a, &b, &Settings::default()).expect("compare");
    assert_eq!(metric(&c, SLOW, "enc p50").verdict, Verdict::Worse);
}
