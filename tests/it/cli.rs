//! The binary's contract: exit codes and messages a user can act on.

use crate::common;
use std::process::Command;

fn run_bin(args: &[&str]) -> (i32, String) {
    let out = Command::new(common::bin())
        .args(args)
        .output()
        .expect("binary runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn bad_scenario_exits_2_with_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.toml");
    std::fs::write(
        &path,
        "name = \"bad\"\n[matrix]\nsuite = [\"aes-128-cbx\"]\n",
    )
    .unwrap();
    let (code, err) = run_bin(&[
        "run",
        path.to_str().unwrap(),
        "--out",
        dir.path().to_str().unwrap(),
    ]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("bad.toml:3:9: matrix.suite: unknown suite \"aes-128-cbx\""),
        "{err}"
    );
    assert!(err.contains("did you mean \"aes-128-cbc\""), "{err}");

    std::fs::write(&path, "name = \"bad\"\n[load]\nrate = 10\nwarmup = 5\n").unwrap();
    let (code, err) = run_bin(&["run", path.to_str().unwrap()]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("bad.toml:4:10: load.warmup:"), "{err}");

    let (code, err) = run_bin(&["run", "/nonexistent/scenario.toml"]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("/nonexistent/scenario.toml: cannot read scenario"),
        "{err}"
    );

    std::fs::write(&path, "name = \"bad\"\n").unwrap();
    let (code, err) = run_bin(&["run", path.to_str().unwrap(), "--set", "load.rate=fast"]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("--set load.rate=fast: load.rate: expected a number"),
        "{err}"
    );
}

#[test]
fn unreachable_broker_exits_1_naming_url_and_cause() {
    // A port that was free a moment ago: nothing listens there.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let dir = tempfile::tempdir().unwrap();
    let url = format!("mqtt://127.0.0.1:{port}");
    let (code, err) = run_bin(&[
        "run",
        "scenarios/quick.toml",
        "--broker",
        &url,
        "--out",
        dir.path().to_str().unwrap(),
    ]);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains(&format!("cannot reach broker at {url}")),
        "{err}"
    );
    assert!(err.to_lowercase().contains("refused"), "{err}");
    // Nothing half-made is left behind when the run never started.
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
}

#[cfg(unix)]
#[test]
fn ctrl_c_keeps_what_was_measured() {
    use std::time::{Duration, Instant};
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("long.toml");
    std::fs::write(
        &path,
        "name = \"long\"\n[load]\nrate = 50\nduration = \"700ms\"\nwarmup = \"100ms\"\n[matrix]\nsize = [16, 32, 64, 128, 256, 512, 1024, 2048]\n",
    )
    .unwrap();
    let out = dir.path().join("out");
    let child = Command::new(common::bin())
        .args([
            "run",
            path.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            "-q",
        ])
        .stderr(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // Wait until at least one case is on disk, then interrupt.
    let deadline = Instant::now() + Duration::from_secs(60);
    let results = loop {
        let found = std::fs::read_dir(out.join("long"))
            .ok()
            .and_then(|mut d| d.next())
            .and_then(|e| e.ok())
            .map(|e| e.path().join("results.json"))
            .filter(|p| {
                std::fs::read_to_string(p)
                    .ok()
                    .and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok())
                    .is_some_and(|v| v["cases"].as_array().is_some_and(|c| !c.is_empty()))
            });
        if let Some(p) = found {
            break p;
        }
        assert!(Instant::now() < deadline, "no case finished in time");
        std::thread::sleep(Duration::from_millis(50));
    };
    // SAFETY: sending SIGINT to our own child process.
    unsafe { libc::kill(child.id() as i32, libc::SIGINT) };
    let output = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{err}");
    assert!(err.contains("interrupted"), "{err}");
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&results).unwrap()).unwrap();
    assert_eq!(v["status"], "interrupted");
    let n = v["cases"].as_array().unwrap().len();
    assert!((1..8).contains(&n), "{n} cases");
    assert!(
        results.with_file_name("report.html").exists(),
        "report rendered from the partial run"
    );
}
