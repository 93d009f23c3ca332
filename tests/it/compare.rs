//! `compare` through the binary, on the checked-in quick reference run: what it refuses (exit
//! 2, naming the flag or field) and its JSON when a run has one repetition per case.

use crate::common;
use std::path::{Path, PathBuf};

const REFERENCE: &str = "results/reference/quick/results.json";

/// A run folder holding the reference results.json, its scenario renamed when asked.
fn run_dir(root: &Path, name: &str, scenario: Option<&str>) -> PathBuf {
    let text = std::fs::read_to_string(REFERENCE).expect("reference results.json");
    let mut v: serde_json::Value = serde_json::from_str(&text).expect("JSON");
    if let Some(s) = scenario {
        v["scenario"]["name"] = s.into();
    }
    let dir = root.join(name);
    std::fs::create_dir_all(&dir).expect("mkdir");
    std::fs::write(dir.join("results.json"), v.to_string()).expect("write");
    dir
}

/// Keeps only the first repetition of every case (the reference run has three).
fn first_repetition_only(dir: &Path) {
    let path = dir.join("results.json");
    let mut v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).expect("read")).expect("JSON");
    if let Some(cases) = v["cases"].as_array_mut() {
        cases.retain(|c| c["repetition"].as_u64().unwrap_or(1) == 1);
    }
    v["repetitions"] = serde_json::json!([]);
    v["load"]["repeat"] = 1.into();
    std::fs::write(&path, v.to_string()).expect("write");
}

fn compare(args: &[&str]) -> (i32, String, String) {
    common::run_bin(&[&["compare"], args].concat())
}

fn s(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}

#[test]
fn bad_input_exits_2_with_a_pointed_message() {
    let tmp = tempfile::tempdir().expect("tmp");
    let a = run_dir(tmp.path(), "a", None);
    let b = run_dir(tmp.path(), "b", None);
    let other = run_dir(tmp.path(), "other", Some("not-quick"));
    let out = tmp.path().join("out");

    let (code, _, err) = compare(&[s(&a), s(&other), "--out", s(&out)]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("\"quick\"") && err.contains("\"not-quick\"") && err.contains("--match"),
        "{err}"
    );

    let (code, _, err) = compare(&[s(&a), s(&b), "--match", "qos,cipher", "--out", s(&out)]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("unknown field \"cipher\"") && err.contains("transport, protocol"),
        "{err}"
    );

    // quick.toml has three suites and two sizes per QoS: qos alone cannot tell them apart.
    let (code, _, err) = compare(&[s(&a), s(&b), "--match", "qos", "--out", s(&out)]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("run A has 6 different cases with qos=0"),
        "{err}"
    );
    assert!(err.contains("aes-128-cbc/q0/64B/tcp"), "{err}");

    for bad in ["2", "-5%", "x"] {
        let flag = format!("--min-effect={bad}");
        let (code, _, err) = compare(&[s(&a), s(&b), &flag]);
        assert_eq!(code, 2, "{bad}: {err}");
        assert!(err.contains("--min-effect"), "{err}");
    }
    let (code, _, err) = compare(&[s(&a), s(&b), "--correction", "bonferroni"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("holm or bh"), "{err}");
}

#[test]
fn one_repetition_per_case_gives_figures_and_says_why_there_is_no_verdict() {
    let tmp = tempfile::tempdir().expect("tmp");
    let a = run_dir(tmp.path(), "a", None);
    let other = run_dir(tmp.path(), "other", Some("not-quick"));
    first_repetition_only(&a);
    first_repetition_only(&other);
    let out = tmp.path().join("out");
    // Different scenarios are fine once --match says what must agree.
    let (code, stdout, err) = compare(&[
        s(&a),
        s(&other),
        "--match",
        "qos,size,suite,transport",
        "--json",
        "--out",
        s(&out),
    ]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&stdout).expect("JSON on stdout");
    assert_eq!(v["family_size"], 0);
    assert_eq!(v["cases"].as_array().map(Vec::len), Some(12));
    let why = v["no_verdicts"].as_str().expect("reason");
    assert!(why.contains("--set load.repeat=5"), "{why}");
    assert!(
        v["warnings"]
            .as_array()
            .expect("warnings")
            .iter()
            .any(|w| w.as_str().is_some_and(|w| w.contains("scenario differs")))
    );
    let md = std::fs::read_to_string(out.join("compare.md")).expect("compare.md");
    assert!(
        md.contains("--set load.repeat=5") && md.contains("Rule: "),
        "{md}"
    );
    assert!(out.join("compare.html").exists());
}
