//! Helpers shared by the integration tests (included with `mod common;`).
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use mqtt_cipher_bench::run::{self, Progress, RunOptions, RunOutcome};
use mqtt_cipher_bench::scenario::{self, Scenario};

/// Parses scenario text as if read from `name`.
pub fn scenario(name: &str, text: &str) -> Scenario {
    scenario::parse(Path::new(name), text, &[], None)
        .unwrap_or_else(|e| panic!("test scenario invalid: {e}"))
}

/// Runs `s` into a fresh temporary results root; returns the outcome and the root (kept
/// alive by the TempDir).
pub async fn run_in_temp(s: &Scenario) -> (RunOutcome, tempfile::TempDir) {
    let root = tempfile::tempdir().expect("temp dir");
    let opts = RunOptions {
        out_root: root.path().to_path_buf(),
        progress: Progress::Quiet,
        shard: None,
        order: Default::default(),
        speed: mqtt_cipher_bench::run::speed_ref::SpeedSource::Off,
        start: None,
        metrics: None,
    };
    let outcome = run::run(s, &opts)
        .await
        .unwrap_or_else(|e| panic!("run failed: {e}"));
    (outcome, root)
}

/// Runs `s` into a temporary results root and returns the error it must end with.
pub async fn run_error(s: &Scenario) -> run::RunError {
    let root = tempfile::tempdir().expect("temp dir");
    let opts = RunOptions {
        out_root: root.path().to_path_buf(),
        progress: Progress::Quiet,
        shard: None,
        order: Default::default(),
        speed: mqtt_cipher_bench::run::speed_ref::SpeedSource::Off,
        start: None,
        metrics: None,
    };
    match run::run(s, &opts).await {
        Ok(_) => panic!("run of {} succeeded but must fail", s.name),
        Err(e) => e,
    }
}

/// Checks a run with cases over `tcp`, `ws` and `wss`: everything delivered, the WebSocket
/// framing visible on the wire (each client-to-broker frame carries at least a 2-byte header
/// and a 4-byte mask, RFC 6455 §5.2; wss adds TLS records on top), and `tls_clients` TLS
/// handshakes timed for wss only.
pub fn assert_websocket_cases(r: &mqtt_cipher_bench::results::RunResults, tls_clients: u64) {
    use mqtt_cipher_bench::results::CaseStatus;
    let by = |t: &str| {
        r.cases
            .iter()
            .find(|c| c.params.transport == t)
            .unwrap_or_else(|| panic!("no {t} case"))
    };
    for c in &r.cases {
        assert_eq!(c.status, CaseStatus::Ok, "{}: {:?}", c.id, c.error);
        assert!(c.counts.delivered > 0, "{}", c.id);
        assert_eq!(c.counts.delivered, c.counts.expected, "{}", c.id);
        assert_eq!((c.counts.lost, c.counts.failed_auth), (0, 0), "{}", c.id);
    }
    let up = |t: &str| {
        by(t)
            .wire
            .as_ref()
            .expect("wire bytes")
            .per_message_up
            .expect("sent")
    };
    assert!(
        up("ws") >= up("tcp") + 6.0,
        "ws {} vs tcp {}",
        up("ws"),
        up("tcp")
    );
    assert!(up("wss") > up("ws"), "wss {} vs ws {}", up("wss"), up("ws"));
    assert_eq!(by("wss").phases["tls_handshake"].count, tls_clients);
    assert!(!by("ws").phases.contains_key("tls_handshake"));
}

pub fn bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_mqtt-cipher-bench"))
}

/// Runs the binary with `args`: (exit code, stdout, stderr). Fails the test if it panicked.
pub fn run_bin(args: &[&str]) -> (i32, String, String) {
    let out = std::process::Command::new(bin())
        .args(args)
        .output()
        .expect("binary runs");
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(!err.contains("panicked"), "the binary panicked: {err}");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        err,
    )
}
pub mod mosquitto;
pub mod rabbitmq;
