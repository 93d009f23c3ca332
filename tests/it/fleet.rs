//! Several machines: the shards of one run started as separate processes (the real binary)
//! against one broker with one `--start-at`, then `merge`; and what `merge` refuses. The
//! broker is the project's `broker` command, a process of its own: the embedded broker lives
//! inside a run's process and cannot be shared between shards.

use crate::common;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, SystemTime};

use crate::common::mosquitto::free_port;
use mqtt_cipher_bench::results::fleet::{parse_timestamp, timestamp};
use mqtt_cipher_bench::results::{RunResults, merge_check, reader};

struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// `broker --bind 127.0.0.1 --port P`, once it says it listens.
fn start_broker(certs: &Path) -> (Killed, u16) {
    let port = free_port();
    let mut child = Command::new(common::bin())
        .args(["broker", "--bind", "127.0.0.1", "--port", &port.to_string()])
        .arg("--cert-dir")
        .arg(certs)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start the broker command");
    let stdout = child.stdout.take().expect("stdout");
    let running = Killed(child);
    for line in BufReader::new(stdout).lines() {
        if line.expect("broker output").starts_with("Ctrl-C") {
            break;
        }
    }
    (running, port)
}

/// One case of 2 s: with every shard starting within the 1 s tolerance, the windows overlap.
fn write_scenario(dir: &Path, port: u16) -> PathBuf {
    let path = dir.join("fleet.toml");
    let text = format!(
        r#"name = "fleet"
[broker]
url = "mqtt://127.0.0.1:{port}"
[load]
publishers = 3
subscribers = 3
rate = 20
duration = "2s"
warmup = "300ms"
[matrix]
qos = [1]
size = [64]
suite = ["aes-128-gcm"]
"#
    );
    std::fs::write(&path, text).unwrap();
    path
}

/// `run SCENARIO --out OUT --speed none -q ARGS` with `env` set and the shard variables of
/// the test's own environment removed.
fn shard(scenario: &Path, out: &Path, args: &[&str], env: &[(&str, &str)]) -> Command {
    let mut c = Command::new(common::bin());
    c.arg("run")
        .arg(scenario)
        .arg("--out")
        .arg(out)
        .args(["--speed", "none", "-q"])
        .args(args)
        .env_remove("JOB_COMPLETION_INDEX")
        .env_remove("MCB_SHARD_COUNT")
        .env_remove("MCB_SHARD")
        .envs(env.iter().copied())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    c
}

fn finish(child: Child) -> Output {
    let out = child.wait_with_output().expect("shard process");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!err.contains("panicked"), "a shard panicked: {err}");
    out
}

/// The one folder under `root/<scenario>/` whose name ends with `suffix`.
fn folder(root: &Path, scenario: &str, suffix: &str) -> PathBuf {
    let found: Vec<PathBuf> = std::fs::read_dir(root.join(scenario))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_string_lossy().ends_with(suffix))
        .collect();
    assert_eq!(
        found.len(),
        1,
        "{suffix} under {}: {found:?}",
        root.display()
    );
    found[0].clone()
}

fn merge(dirs: &[&Path], out: &Path, extra: &[&str]) -> (i32, String) {
    let o = Command::new(common::bin())
        .arg("merge")
        .args(dirs)
        .arg("--out")
        .arg(out)
        .args(extra)
        .output()
        .expect("merge runs");
    let err = String::from_utf8_lossy(&o.stderr).into_owned();
    assert!(!err.contains("panicked"), "merge panicked: {err}");
    (o.status.code().unwrap_or(-1), err)
}

fn merged_result(out: &Path) -> RunResults {
    let parent = out.join("fleet-merged");
    let dirs: Vec<PathBuf> = std::fs::read_dir(&parent)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(dirs.len(), 1, "{dirs:?}");
    reader::read(&dirs[0]).unwrap()
}

#[test]
fn shards_as_processes_start_together_merge_and_bad_merges_are_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let (_broker, port) = start_broker(&tmp.path().join("certs"));
    let scenario = write_scenario(tmp.path(), port);
    let (runs, other_runs) = (tmp.path().join("runs"), tmp.path().join("other"));
    // Far enough ahead for four processes to start and pre-flight on a busy machine; a shard
    // set up later than that still runs, late, and says so (checked below).
    let start_at = timestamp(SystemTime::now() + Duration::from_secs(6));
    let at = ["--start-at", start_at.as_str()];
    // The three ways to name a shard: the flag, auto with Kubernetes' index, the index and
    // a count from the environment.
    let children = [
        shard(
            &scenario,
            &runs,
            &[&at[..], &["--shard", "1/3"][..]].concat(),
            &[],
        ),
        shard(
            &scenario,
            &runs,
            &[&at[..], &["--shard", "auto/3"][..]].concat(),
            &[("JOB_COMPLETION_INDEX", "1")],
        ),
        shard(
            &scenario,
            &runs,
            &at,
            &[("JOB_COMPLETION_INDEX", "2"), ("MCB_SHARD_COUNT", "3")],
        ),
        // Shard 3 of another scenario text (a --set flag differs), measured alongside.
        shard(
            &scenario,
            &other_runs,
            &[&at[..], &["--shard", "3/3", "--set", "load.rate=25"][..]].concat(),
            &[],
        ),
    ]
    .map(|mut c| c.spawn().expect("start a shard"));
    for (i, out) in children.into_iter().map(finish).enumerate() {
        assert!(
            out.status.success(),
            "shard process {i}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    let dirs: Vec<PathBuf> = (1..=3)
        .map(|i| folder(&runs, "fleet", &format!("-shard-{i}of3")))
        .collect();
    let other = folder(&other_runs, "fleet", "-shard-3of3");
    let shards: Vec<RunResults> = dirs.iter().map(|d| reader::read(d).unwrap()).collect();
    let planned = parse_timestamp(&start_at).unwrap();
    let mut any_late = false;
    for (i, r) in shards.iter().enumerate() {
        let s = r.shard.as_ref().unwrap();
        assert_eq!((s.index, s.count, s.publishers), (i as u32 + 1, 3, 1));
        let t = r.timing.as_ref().expect("timing recorded");
        assert_eq!(t.planned_start.as_deref(), Some(start_at.as_str()));
        let actual = parse_timestamp(t.actual_start.as_deref().unwrap()).unwrap();
        let first = parse_timestamp(t.first_case_start.as_deref().unwrap()).unwrap();
        let last = parse_timestamp(t.last_case_end.as_deref().unwrap()).unwrap();
        assert!(
            planned <= actual && actual <= first && first < last,
            "{t:?}"
        );
        assert!(last.duration_since(first).unwrap() >= Duration::from_secs(2));
        let late = t.late_s.unwrap();
        assert!(late >= 0.0);
        assert_eq!(t.late_warning.is_some(), late > 1.0, "{t:?}");
        any_late |= t.late_warning.is_some();
        assert_eq!(r.scenario.text_sha256, shards[0].scenario.text_sha256);
    }
    assert_ne!(
        reader::read(&other).unwrap().scenario.text_sha256,
        shards[0].scenario.text_sha256
    );

    // All three: the counts are the sums, the percentiles of the union.
    let merged_out = tmp.path().join("merged");
    let all: Vec<&Path> = dirs.iter().map(PathBuf::as_path).collect();
    let (code, err) = merge(&all, &merged_out, &[]);
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("merged shards [1, 2, 3] of 3; start skew"),
        "{err}"
    );
    let m = merged_result(&merged_out);
    let info = m.merge.as_ref().expect("merge recorded");
    assert_eq!(
        (
            &info.shards_present[..],
            &info.shards_missing[..],
            info.partial
        ),
        (&[1, 2, 3][..], &[][..], false)
    );
    assert!(info.start_skew_s.is_some_and(|s| s >= 0.0));
    // Each shard ran its case for 2 s from within 1 s of one instant: unless one was late,
    // the windows overlap.
    assert!(info.window_gap_s.is_none() || any_late, "{info:?}");
    let c = &m.cases[0];
    let sum = |f: fn(&RunResults) -> u64| shards.iter().map(f).sum::<u64>();
    assert_eq!(c.counts.sent, sum(|r| r.cases[0].counts.sent));
    assert_eq!(c.counts.delivered, sum(|r| r.cases[0].counts.delivered));
    assert_eq!(c.counts.delivered, c.counts.expected, "{:?}", c.counts);
    assert_eq!(
        c.phases["latency"].count,
        sum(|r| r.cases[0].phases["latency"].count)
    );
    assert_eq!(m.load.publishers, 3);

    // The same shard twice: its folder given twice, or copied from a second machine.
    let copy = tmp.path().join("copy-of-shard-1");
    copy_dir(&dirs[0], &copy);
    for twice in [
        vec![all[0], all[1], all[2], all[0]],
        vec![all[0], all[1], all[2], copy.as_path()],
    ] {
        let (code, err) = merge(&twice, &tmp.path().join("refused"), &[]);
        assert_eq!(code, 2, "{err}");
        let named = twice[3].display().to_string();
        assert!(
            err.contains(&format!("{named}: shard.index: shard 1/3 again")),
            "{err}"
        );
    }
    // A shard of another scenario text.
    let (code, err) = merge(&[all[0], all[1], &other], &tmp.path().join("refused"), &[]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains(&format!("{}: scenario.text_sha256", other.display())),
        "{err}"
    );
    // A missing shard: refused, then merged with --partial and recorded.
    let (code, err) = merge(&all[..2], &tmp.path().join("refused"), &[]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("shard.index: shard 3/3 is missing"), "{err}");
    assert!(!tmp.path().join("refused").join("fleet-merged").exists());
    let partial_out = tmp.path().join("partial");
    let (code, err) = merge(&all[..2], &partial_out, &["--partial"]);
    assert_eq!(code, 0, "{err}");
    let p = merged_result(&partial_out);
    let info = p.merge.as_ref().unwrap();
    assert_eq!(
        (
            &info.shards_present[..],
            &info.shards_missing[..],
            info.partial
        ),
        (&[1, 2][..], &[3][..], true)
    );
    assert!(info.warnings.iter().any(|w| w.contains("partial merge")));
    assert_eq!(
        p.cases[0].counts.sent,
        shards[0].cases[0].counts.sent + shards[1].cases[0].counts.sent
    );

    // Another build (a field no second build can be made for here): refused by name.
    let mut newer = shards[1].clone();
    newer.tool.version = "9.9.9".into();
    let e = merge_check::check(
        &[
            (&dirs[0], &shards[0]),
            (&dirs[1], &newer),
            (&dirs[2], &shards[2]),
        ],
        false,
    )
    .unwrap_err();
    assert_eq!(
        (e.dir.as_path(), e.field),
        (dirs[1].as_path(), "tool.version")
    );
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        if e.file_type().unwrap().is_file() {
            std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
        }
    }
}

/// Flags, environment, what the error must say.
type BadInput<'a> = (&'a [&'a str], &'a [(&'a str, &'a str)], &'a str);

/// Bad start and shard input stops `run` before it connects: exit 2, the flag or variable
/// named.
#[test]
fn bad_start_and_shard_input_is_refused_naming_the_flag() {
    let tmp = tempfile::tempdir().unwrap();
    let scenario = write_scenario(tmp.path(), free_port());
    let soon = timestamp(SystemTime::now() + Duration::from_secs(60));
    let cases: [BadInput; 7] = [
        (
            &["--start-at", "2020-01-01T00:00:00Z"],
            &[],
            "--start-at: 2020-01-01T00:00:00Z is",
        ),
        (
            &["--start-at", "at noon"],
            &[],
            "--start-at: \"at noon\" is not an RFC 3339 time",
        ),
        (
            &["--start-at", soon.as_str(), "--start-in", "30s"],
            &[],
            "--start-at and --start-in: both given",
        ),
        (
            &["--start-in", "soon"],
            &[],
            "--start-in: \"soon\" is not a duration",
        ),
        (
            &["--shard", "auto/2"],
            &[],
            "--shard: JOB_COMPLETION_INDEX: not set",
        ),
        (
            &["--shard", "auto/2"],
            &[("JOB_COMPLETION_INDEX", "2")],
            "--shard: JOB_COMPLETION_INDEX: 2 is out of range for 2 shards",
        ),
        (
            &[],
            &[("JOB_COMPLETION_INDEX", "0"), ("MCB_SHARD_COUNT", "none")],
            "MCB_SHARD_COUNT: \"none\" is not a shard count",
        ),
    ];
    for (args, env, says) in cases {
        let out = shard(&scenario, &tmp.path().join("runs"), args, env)
            .output()
            .expect("run");
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?} {env:?}: {err}");
        assert!(err.contains(says), "{args:?} {env:?}: {err}");
        assert!(err.contains("past") || !says.contains("2020"), "{err}");
    }
    assert!(!tmp.path().join("runs").exists(), "nothing was run");
}
