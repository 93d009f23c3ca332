//! `broker`: the standalone rumqttd a second machine runs. Started here as a real process on
//! loopback ports, with TLS and an auth file, and measured against like any external broker.

use crate::common;
use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::process::{Child, Command, Stdio};

use crate::common::mosquitto::{free_port, toml_path};
use mqtt_cipher_bench::results::CaseStatus;

struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts `broker --bind 127.0.0.1 ARGS` and returns it (killed on drop) with its banner,
/// once it says it is listening.
fn start(args: &[&std::ffi::OsStr]) -> (Running, String) {
    let mut child = Command::new(common::bin())
        .args(["broker", "--bind", "127.0.0.1"])
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start the broker command");
    let stdout = child.stdout.take().expect("stdout");
    let running = Running(child);
    let mut banner = String::new();
    for line in BufReader::new(stdout).lines() {
        let line = line.expect("broker output");
        banner.push_str(&line);
        banner.push('\n');
        if line.starts_with("Ctrl-C") {
            break;
        }
    }
    (running, banner)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn standalone_broker_with_tls_and_auth_serves_a_run() {
    let dir = tempfile::tempdir().unwrap();
    let auth = dir.path().join("users");
    std::fs::write(&auth, "bench:correct-horse\n").unwrap();
    let password = dir.path().join("password");
    std::fs::write(&password, "correct-horse\n").unwrap();
    let certs = dir.path().join("certs");
    let (port, tls_port) = (free_port(), free_port());
    let (_running, banner) = start(&[
        "--port".as_ref(),
        port.to_string().as_ref(),
        "--tls-port".as_ref(),
        tls_port.to_string().as_ref(),
        "--cert-dir".as_ref(),
        certs.as_os_str(),
        "--auth".as_ref(),
        auth.as_os_str(),
    ]);
    assert!(
        banner.contains(&format!("mqtt://127.0.0.1:{port}")),
        "{banner}"
    );
    assert!(banner.contains("1 user(s)"), "{banner}");
    assert!(
        !banner.contains("correct-horse"),
        "the password is never printed"
    );
    let ca = certs.join("ca.pem");
    assert!(ca.exists());

    let broker = |pw: &std::path::Path| {
        format!(
            "[broker]\nurl = \"mqtt://127.0.0.1:{port}\"\ntls_url = \"mqtts://localhost:{tls_port}\"\n\
             ca = {}\nusername = \"bench\"\npassword_file = {}\n",
            toml_path(&ca),
            toml_path(pw)
        )
    };
    let s = common::scenario(
        "standalone.toml",
        &format!(
            "name = \"standalone\"\n{}[load]\npublishers = 2\nsubscribers = 1\nrate = 50\n\
             duration = \"1s\"\nwarmup = \"200ms\"\n[matrix]\nqos = [1]\nsize = [64]\n\
             suite = [\"aes-128-gcm\"]\ntransport = [\"tcp\", \"tls\"]\n",
            broker(&password)
        ),
    );
    let (outcome, _root) = common::run_in_temp(&s).await;
    assert_eq!(outcome.results.cases.len(), 2);
    for c in &outcome.results.cases {
        let n = &c.counts;
        assert_eq!(c.status, CaseStatus::Ok, "{}: {:?}", c.id, c.error);
        assert!(n.sent > 0);
        assert_eq!((n.delivered, n.lost), (n.expected, 0), "{}: {n:?}", c.id);
    }

    // A wrong password is refused before any case runs.
    let wrong = dir.path().join("wrong");
    std::fs::write(&wrong, "battery-staple\n").unwrap();
    let s = common::scenario(
        "standalone-wrong.toml",
        &format!(
            "name = \"standalone-wrong\"\n{}[matrix]\nqos = [0]\nsize = [16]\nsuite = [\"none\"]\n",
            broker(&wrong)
        ),
    );
    let e = common::run_error(&s).await;
    assert!(
        !e.is_input_error(),
        "a refusal is a broker error (exit 1): {e}"
    );
}

/// A certificate for another name than the one dialled: the run fails before any case with a
/// TLS error that names the host and says what to do (a broker error, exit 1).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostname_mismatch_is_a_tls_error_naming_the_host() {
    let dir = tempfile::tempdir().unwrap();
    let certs = dir.path().join("certs");
    let (port, tls_port) = (free_port(), free_port());
    let (_running, _banner) = start(&[
        "--port".as_ref(),
        port.to_string().as_ref(),
        "--tls-port".as_ref(),
        tls_port.to_string().as_ref(),
        "--cert-dir".as_ref(),
        certs.as_os_str(),
        "--name".as_ref(),
        "broker.example".as_ref(),
    ]);
    let s = common::scenario(
        "mismatch.toml",
        &format!(
            "name = \"mismatch\"\n[broker]\nurl = \"mqtts://127.0.0.1:{tls_port}\"\nca = {}\n\
             [matrix]\nqos = [0]\nsize = [16]\nsuite = [\"none\"]\n",
            toml_path(&certs.join("ca.pem"))
        ),
    );
    let e = common::run_error(&s).await;
    assert!(!e.is_input_error(), "{e}");
    let msg = e.to_string();
    assert!(
        msg.contains("TLS error: certificate is not valid for host \"127.0.0.1\""),
        "{msg}"
    );
}

/// rumqttd serves each MQTT version on its own port. A v5 run against the 3.1.1 port is told
/// that the broker may not speak MQTT 5 (rather than "cannot reach"); against `--v5-port` and
/// `--v5-tls-port` (with the auth file) it runs.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn v5_needs_the_v5_ports_and_says_so_on_the_others() {
    let dir = tempfile::tempdir().unwrap();
    let auth = dir.path().join("users");
    std::fs::write(&auth, "bench:five\n").unwrap();
    let password = dir.path().join("password");
    std::fs::write(&password, "five\n").unwrap();
    let certs = dir.path().join("certs");
    let (port, v5_port, v5_tls_port) = (free_port(), free_port(), free_port());
    let (_running, banner) = start(&[
        "--port".as_ref(),
        port.to_string().as_ref(),
        "--v5-port".as_ref(),
        v5_port.to_string().as_ref(),
        "--v5-tls-port".as_ref(),
        v5_tls_port.to_string().as_ref(),
        "--cert-dir".as_ref(),
        certs.as_os_str(),
        "--auth".as_ref(),
        auth.as_os_str(),
    ]);
    assert!(
        banner.contains(&format!("MQTT 5 on mqtt://127.0.0.1:{v5_port}")),
        "{banner}"
    );
    let scenario = |url: String, tls_url: String| {
        common::scenario(
            "v5-standalone.toml",
            &format!(
                "name = \"v5-standalone\"\n[broker]\nurl = \"{url}\"\ntls_url = \"{tls_url}\"\n\
                 ca = {}\nusername = \"bench\"\npassword_file = {}\nprotocol = \"v5\"\n\
                 [load]\npublishers = 1\nrate = 50\nduration = \"800ms\"\nwarmup = \"200ms\"\n\
                 [matrix]\nqos = [1]\nsize = [64]\nsuite = [\"aes-128-gcm\"]\ntransport = [\"tcp\", \"tls\"]\n",
                toml_path(&certs.join("ca.pem")),
                toml_path(&password)
            ),
        )
    };
    let e = common::run_error(&scenario(
        format!("mqtt://127.0.0.1:{port}"),
        format!("mqtts://localhost:{v5_tls_port}"),
    ))
    .await;
    assert!(!e.is_input_error(), "{e}");
    let msg = e.to_string();
    assert!(
        msg.contains("it may not speak MQTT 5")
            && msg.contains(&format!("mqtt://127.0.0.1:{port}")),
        "{msg}"
    );

    let (outcome, _root) = common::run_in_temp(&scenario(
        format!("mqtt://127.0.0.1:{v5_port}"),
        format!("mqtts://localhost:{v5_tls_port}"),
    ))
    .await;
    assert_eq!(outcome.results.cases.len(), 2);
    for c in &outcome.results.cases {
        let n = &c.counts;
        assert_eq!(c.status, CaseStatus::Ok, "{}: {:?}", c.id, c.error);
        assert!(c.id.ends_with("/v5"), "{}", c.id);
        assert_eq!((n.delivered, n.lost), (n.expected, 0), "{}: {n:?}", c.id);
    }

    // Both versions in one run: `v5_url` names the MQTT 5 port, `url` serves 3.1.1.
    let both = common::scenario(
        "both-standalone.toml",
        &format!(
            "name = \"both-standalone\"\n[broker]\nurl = \"mqtt://127.0.0.1:{port}\"\n\
             v5_url = \"mqtt://127.0.0.1:{v5_port}\"\nusername = \"bench\"\npassword_file = {}\n\
             [load]\npublishers = 1\nrate = 50\nduration = \"800ms\"\nwarmup = \"200ms\"\n\
             [matrix]\nqos = [1]\nsize = [64]\nsuite = [\"aes-128-gcm\"]\nprotocol = [\"v4\", \"v5\"]\n",
            toml_path(&password)
        ),
    );
    let (outcome, _root) = common::run_in_temp(&both).await;
    let ids: Vec<&str> = outcome
        .results
        .cases
        .iter()
        .map(|c| c.id.as_str())
        .collect();
    assert_eq!(ids, ["aes-128-gcm/q1/64B/tcp", "aes-128-gcm/q1/64B/tcp/v5"]);
    for c in &outcome.results.cases {
        let n = &c.counts;
        assert_eq!(c.status, CaseStatus::Ok, "{}: {:?}", c.id, c.error);
        assert_eq!((n.delivered, n.lost), (n.expected, 0), "{}: {n:?}", c.id);
    }
}

#[test]
fn a_port_in_use_is_bad_input_naming_the_port() {
    let held = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = held.local_addr().unwrap().port();
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(common::bin())
        .args(["broker", "--bind", "127.0.0.1", "--port", &port.to_string()])
        .arg("--cert-dir")
        .arg(dir.path())
        .output()
        .expect("run the broker command");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(&format!("cannot listen on 127.0.0.1:{port}")),
        "{err}"
    );
}
