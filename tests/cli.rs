//! The binary's contract: exit codes and messages a user can act on.

mod common;

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
