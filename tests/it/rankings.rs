//! `run --speed`: the speed reference a run is ranked against, measured after the cases or read
//! from a `speed --json` file, and refused (exit 2) when the file is not one.

use std::path::Path;

use crate::common::run_bin;

const SCENARIO: &str = r#"
name = "rank"
[load]
publishers = 1
subscribers = 1
rate = 200
duration = "1s"
warmup = "200ms"
drain = "1s"
[matrix]
qos = [0]
size = [64, 1024]
suite = ["none", "aes-128-gcm", "des-cbc"]
"#;

fn results_of(out: &Path) -> serde_json::Value {
    let path = walk(out).expect("a results.json under the output folder");
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn walk(dir: &Path) -> Option<std::path::PathBuf> {
    for e in std::fs::read_dir(dir).ok()? {
        let p = e.ok()?.path();
        if p.is_dir() {
            if let Some(f) = walk(&p) {
                return Some(f);
            }
        } else if p.file_name().is_some_and(|n| n == "results.json") {
            return Some(p);
        }
    }
    None
}

/// Runs SCENARIO from `dir` into `dir/out` with `--speed speed`.
fn run_with_speed(dir: &Path, speed: &str) -> (i32, String, String) {
    run_text_with_speed(dir, SCENARIO, speed)
}

/// Runs the scenario `text` from `dir` into `dir/out` with `--speed speed`.
fn run_text_with_speed(dir: &Path, text: &str, speed: &str) -> (i32, String, String) {
    let scenario = dir.join("rank.toml");
    std::fs::write(&scenario, text).unwrap();
    let out = dir.join("out");
    run_bin(&[
        "run",
        scenario.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "-q",
        "--speed",
        speed,
    ])
}

#[test]
fn auto_measures_the_runs_suites_and_sizes_and_the_report_ranks_them() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let (code, stdout, err) = run_with_speed(dir.path(), "auto");
    assert_eq!(code, 0, "{err}");
    let r = results_of(&out);
    let cells = r["speed_reference"]["cells"].as_array().expect("cells");
    // Every suite x size of the run, nothing else.
    assert_eq!(cells.len(), 6, "{cells:?}");
    for c in cells {
        let e = &c["encrypt"];
        let (lo, med, hi) = (
            e["low_ns"].as_f64().unwrap(),
            e["median_ns"].as_f64().unwrap(),
            e["high_ns"].as_f64().unwrap(),
        );
        assert!(lo > 0.0 && lo <= med && med <= hi, "{c}");
        // `auto` also times every cell cold, one call per sample after an eviction.
        let cold = c["encrypt_cold"]["median_ns"]
            .as_f64()
            .expect("a cold figure");
        assert!(cold > 0.0, "{c}");
    }
    assert!(r["speed_reference"]["cold_evict_bytes"].as_u64().unwrap() > 0);
    // DES is far dearer than a copy at 1 KiB in both measurements: the pair is decisive and
    // the run must rank it as speed does.
    assert!(
        stdout.contains("rank agreement with speed (encrypt, hot)"),
        "{stdout}"
    );
    assert!(
        stdout.contains("rank agreement with speed (encrypt, cold)"),
        "{stdout}"
    );
    let md_path = walk(&out).unwrap().with_file_name("report.md");
    let md = std::fs::read_to_string(md_path).unwrap();
    assert!(md.contains("## Rankings: in-run vs speed"), "{md}");
    assert!(md.contains("des-cbc"), "{md}");
}

#[test]
fn a_file_that_is_not_a_speed_json_exits_2_and_another_machine_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let bogus = dir.path().join("bogus.json");
    std::fs::write(&bogus, r#"{"schema_version": 1, "cases": []}"#).unwrap();
    let (code, _, err) = run_with_speed(dir.path(), bogus.to_str().unwrap());
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("bogus.json"), "{err}");
    assert!(
        !out.exists(),
        "nothing may be created for a bad --speed file"
    );

    // A real speed --json, its machine renamed: the run goes on and says so.
    let (code, json, err) = run_bin(&[
        "speed",
        "--suites",
        "none,aes-128-gcm,des-cbc",
        "--sizes",
        "64,1024",
        "--time",
        "20ms",
        "--samples",
        "5",
        "--json",
    ]);
    assert_eq!(code, 0, "{err}");
    let mut v: serde_json::Value = serde_json::from_str(&json).unwrap();
    v["environment"]["cpu_model"] = "Imaginary CPU 9000".into();
    let other = dir.path().join("other.json");
    std::fs::write(&other, serde_json::to_string(&v).unwrap()).unwrap();
    let (code, _, err) = run_with_speed(dir.path(), other.to_str().unwrap());
    assert_eq!(code, 0, "{err}");
    let r = results_of(&out);
    let warning = r["speed_reference"]["warning"].as_str().expect("a warning");
    assert!(warning.contains("Imaginary CPU 9000"), "{warning}");
    assert!(err.contains("Imaginary CPU 9000"), "{err}");
}

/// With a provider axis each provider of a suite is ranked against `speed` on that provider:
/// the reference has a cell per provider, and the rankings name suite and provider.
#[test]
fn a_provider_axis_is_ranked_provider_by_provider() {
    let dir = tempfile::tempdir().unwrap();
    let text = SCENARIO
        .replace("name = \"rank\"", "name = \"rank-providers\"")
        .replace("size = [64, 1024]", "size = [1024]")
        .replace(
            "suite = [\"none\", \"aes-128-gcm\", \"des-cbc\"]",
            "suite = [\"aes-128-gcm\", \"aes-128-cbc\"]\nprovider = [\"rustcrypto\", \"aws-lc\"]",
        );
    let out = dir.path().join("out");
    let (code, _stdout, err) = run_text_with_speed(dir.path(), &text, "auto");
    assert_eq!(code, 0, "{err}");
    let r = results_of(&out);
    let cells = r["speed_reference"]["cells"].as_array().expect("cells");
    for (suite, provider) in [
        ("aes-128-gcm", "rustcrypto"),
        ("aes-128-gcm", "aws-lc"),
        ("aes-128-cbc", "rustcrypto"),
        ("aes-128-cbc", "aws-lc"),
    ] {
        assert!(
            cells
                .iter()
                .any(|c| c["suite"] == suite && c["provider"] == provider),
            "no {suite} on {provider}: {cells:?}"
        );
    }
    let md_path = walk(&out).unwrap().with_file_name("report.md");
    let md = std::fs::read_to_string(md_path).unwrap();
    let rankings = md
        .split("## Rankings: in-run vs speed")
        .nth(1)
        .expect("a rankings section");
    assert!(rankings.contains("aes-128-gcm/rustcrypto"), "{rankings}");
    assert!(rankings.contains("aes-128-gcm/aws-lc"), "{rankings}");
}
