//! Failure states that tell the truth, against the embedded broker (and Mosquitto where the
//! broker's own limit matters): a case that sends nothing fails with the first error, every
//! scheduled message is sent or unsent, per-suite size limits are refused before any case,
//! and the key seed never reaches results.json or the reports.

use crate::common;
use std::path::Path;

use crate::common::run_bin;
use mqtt_cipher_bench::results::{CaseStatus, reader, secrets};

/// The example: aes-128-ccm (13-byte nonce) cannot seal more than 65,535 B. Forced
/// past validation (as a results.json of an older build shows it), the first encrypt fails:
/// the case must be `failed` with that error, its whole schedule `unsent`, not `ok` with 0/0.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ccm_case_over_its_limit_sends_nothing_and_fails_with_the_encrypt_error() {
    let mut s = common::scenario(
        "ccm.toml",
        "name = \"ccm\"\n[load]\npublishers = 2\nsubscribers = 1\nrate = 50\n\
         duration = \"600ms\"\nwarmup = \"100ms\"\ndrain = \"500ms\"\n\
         [matrix]\nqos = [1]\nsize = [65535]\nsuite = [\"aes-128-ccm\"]\n",
    );
    // One case at the limit, one made past it.
    assert_eq!(s.cases.len(), 1);
    let mut over = s.cases[0];
    over.index = 1;
    over.size = 65_536;
    s.cases.push(over);
    let (outcome, root) = common::run_in_temp(&s).await;
    let r = &outcome.results;

    let at_limit = &r.cases[0];
    assert_eq!(at_limit.params.size, 65_535);
    assert_eq!(at_limit.status, CaseStatus::Ok, "{:?}", at_limit.error);
    assert!(at_limit.counts.delivered > 0);

    let c = &r.cases[1];
    let n = &c.counts;
    assert_eq!(c.params.size, 65_536);
    assert_eq!(c.status, CaseStatus::Failed, "{c:?}");
    assert_eq!(n.sent, 0, "{n:?}");
    assert!(n.unsent > 0, "{n:?}");
    assert_eq!(n.scheduled, Some(n.unsent), "{n:?}");
    let e = c.error.as_deref().unwrap();
    assert!(
        e.starts_with(&format!(
            "no message was sent ({} scheduled, all unsent)",
            n.unsent
        )) && e.contains("encrypt failed at seq 0"),
        "{e}"
    );
    // Stopped publishers are not "harness saturated".
    assert_eq!(c.saturation, None);
    // The written file passes the reader's accounting check.
    let back = reader::read(&outcome.dir).unwrap();
    assert_eq!(back.cases[1].counts, *n);
    drop(root);
}

/// `scheduled = sent + unsent` is checked for every case when results.json is written and
/// read: a file where a message went missing is refused with the case named.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn results_json_whose_messages_do_not_add_up_is_refused() {
    let s = common::scenario(
        "sum.toml",
        "name = \"sum\"\n[load]\npublishers = 2\nsubscribers = 1\nrate = 100\n\
         duration = \"500ms\"\nwarmup = \"100ms\"\n[matrix]\nqos = [0, 1]\nsize = [16]\n",
    );
    let (outcome, _root) = common::run_in_temp(&s).await;
    for c in &outcome.results.cases {
        let n = &c.counts;
        assert_eq!(n.scheduled, Some(n.sent + n.unsent), "{}: {n:?}", c.id);
        assert_eq!(
            n.scheduled,
            Some(2 * 50),
            "{}: two publishers at 100/s for 0.5 s",
            c.id
        );
    }
    let path = outcome.dir.join("results.json");
    let mut v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let sent = v["cases"][1]["counts"]["sent"].as_u64().unwrap();
    v["cases"][1]["counts"]["sent"] = (sent - 1).into();
    std::fs::write(&path, serde_json::to_vec(&v).unwrap()).unwrap();
    let e = reader::read(&outcome.dir).unwrap_err().to_string();
    let id = outcome.results.cases[1].id.clone();
    assert!(
        e.contains("accounting does not add up") && e.contains(&id) && e.contains("unsent"),
        "{e}"
    );
    // And the writer will not produce such a file.
    let mut bad = outcome.results.clone();
    bad.cases[0].counts.unsent += 1;
    let e = mqtt_cipher_bench::results::writer::write(&outcome.dir, &bad)
        .unwrap_err()
        .to_string();
    assert!(e.contains("does not add up"), "{e}");
}

fn write_scenario(dir: &Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path.to_str().unwrap().to_owned()
}

#[test]
fn sizes_over_a_suites_limit_are_refused_at_validation_naming_suite_and_limit() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let path = write_scenario(
        dir.path(),
        "ccm.toml",
        "name = \"ccm\"\n[matrix]\nsuite = [\"aes-128-gcm\", \"aes-128-ccm\"]\nsize = [64, \"64KiB\"]\n",
    );
    let (code, _, err) = run_bin(&["run", &path, "--out", out.to_str().unwrap(), "-q"]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains(
            "ccm.toml:4:13: matrix.size: 65536 B is over aes-128-ccm's limit of 65535 B per \
             message (CCM with a 13-byte nonce has a 2-byte length field)"
        ),
        "{err}"
    );
    assert!(!out.exists(), "nothing is created for bad input");

    // The same through --set names the flag.
    let path = write_scenario(
        dir.path(),
        "ccm2.toml",
        "name = \"ccm2\"\n[matrix]\nsuite = [\"aes-128-ccm\"]\n",
    );
    let (code, _, err) = run_bin(&[
        "run",
        &path,
        "--set",
        "matrix.size=[100000]",
        "--out",
        out.to_str().unwrap(),
        "-q",
    ]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("--set matrix.size=[100000]: matrix.size: 100000 B is over aes-128-ccm's limit of 65535 B"),
        "{err}"
    );
}

/// MQTT 5: a broker that announces a Maximum Packet Size in CONNACK (Mosquitto's
/// max_packet_size) gets no case whose packets exceed it: the run stops before any case,
/// exit 1, naming the limit and the case.
#[test]
fn v5_cases_above_the_brokers_announced_packet_limit_stop_the_run() {
    let Some(m) = common::mosquitto::Mosquitto::start_with("max_packet_size 2048") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let path = write_scenario(
        dir.path(),
        "max.toml",
        &format!(
            "name = \"max\"\n{}protocol = \"v5\"\n[load]\nrate = 20\nduration = \"500ms\"\n\
             warmup = \"100ms\"\n[matrix]\nqos = [1]\nsize = [64, 4096]\nsuite = [\"aes-128-gcm\"]\n",
            m.broker_toml()
        ),
    );
    let (code, _, err) = run_bin(&["run", &path, "--out", out.to_str().unwrap(), "-q"]);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("accepts packets up to 2048 B (Maximum Packet Size in its CONNACK)")
            && err.contains("case aes-128-gcm/q1/4096B/tcp/v5 sends")
            && err.contains("lower matrix.size"),
        "{err}"
    );
}

/// A seed set in the scenario, or with --set, appears in no file of the run and not on the
/// terminal; results.json and report.html carry its fingerprint.
#[test]
fn key_seed_is_fingerprinted_never_written() {
    const SEED: &str = "hunter2-very-secret-seed";
    const FLAG_SEED: &str = "flag-secret-seed-42";
    let dir = tempfile::tempdir().unwrap();
    for (name, flags, used) in [
        ("seedfile", vec![], SEED),
        (
            "seedflag",
            vec!["--set", "keys.seed=flag-secret-seed-42"],
            FLAG_SEED,
        ),
    ] {
        let path = write_scenario(
            dir.path(),
            &format!("{name}.toml"),
            &format!(
                "name = \"{name}\"\n[load]\nrate = 50\nduration = \"400ms\"\nwarmup = \"100ms\"\n\
                 [matrix]\nsize = [16]\nsuite = [\"aes-128-gcm\"]\n[keys]\nseed = \"{SEED}\"\n"
            ),
        );
        let out = dir.path().join(format!("out-{name}"));
        let mut args = vec![
            "run",
            path.as_str(),
            "--out",
            out.to_str().unwrap(),
            "--speed",
            "none",
        ];
        args.extend(flags.iter().copied());
        let (code, stdout, stderr) = run_bin(&args);
        assert_eq!(code, 0, "{stderr}");
        for secret in [SEED, FLAG_SEED] {
            assert!(
                !stdout.contains(secret) && !stderr.contains(secret),
                "{name}: terminal"
            );
        }
        let mut files = 0;
        for entry in walk(&out) {
            let bytes = std::fs::read(&entry).unwrap();
            let text = String::from_utf8_lossy(&bytes);
            for secret in [SEED, FLAG_SEED] {
                assert!(
                    !text.contains(secret),
                    "{name}: {} holds the seed",
                    entry.display()
                );
            }
            files += 1;
        }
        assert!(files >= 4, "{name}: results.json, reports, hlog written");
        let run_dir = std::fs::read_dir(out.join(name))
            .unwrap()
            .next()
            .unwrap()
            .unwrap()
            .path();
        let r = reader::read(&run_dir).unwrap();
        let fp = secrets::fingerprint(used.as_bytes());
        assert_eq!(
            r.scenario.key_seed_sha256.as_deref(),
            Some(fp.as_str()),
            "{name}"
        );
        assert!(
            r.scenario.text.contains("seed = \"<redacted>\""),
            "{}",
            r.scenario.text
        );
        let html = std::fs::read_to_string(run_dir.join("report.html")).unwrap();
        assert!(html.contains(&fp), "{name}: fingerprint in report.html");
    }
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}
