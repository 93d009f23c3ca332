//! Robustness probes against real brokers: the embedded rumqttd always, Mosquitto when it is
//! installed. What a broker does with each malformed packet is the measurement, so these
//! tests assert only what must hold for the measurement to mean something: every probe got
//! a verdict, the bystander was watching, and the well-formed control was accepted.

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use mqtt_cipher_bench::broker::embedded;
use mqtt_cipher_bench::probe::{self, Offender, ProbeOptions, ProbeReport, Target};

fn opts() -> ProbeOptions {
    // Short windows: the machine is shared, and the verdicts need only a reaction, not a
    // benchmark of its speed.
    ProbeOptions {
        observe: Duration::from_millis(500),
        after: Duration::from_millis(300),
        publish_every: Duration::from_millis(20),
    }
}

fn check_complete(r: &ProbeReport) {
    let expected = probe::catalogue::probes("b", "i");
    assert_eq!(r.probes.len(), expected.len(), "one result per probe");
    for (got, want) in r.probes.iter().zip(&expected) {
        assert_eq!(got.name, want.name);
        assert!(!got.packet_hex.is_empty(), "{}", got.name);
        assert!(
            !matches!(got.offender, Offender::SetupFailed { .. }),
            "{}: the probe never reached the broker: {:?}",
            got.name,
            got.offender
        );
        assert!(
            got.bystander.ready,
            "{}: bystander not subscribed and receiving before the probe: {:?}",
            got.name, got.bystander
        );
    }
    let control = r.probes.iter().find(|p| p.control).expect("control probe");
    match &control.offender {
        Offender::Accepted { answers } => assert!(
            answers.iter().any(|a| a.contains("PUBLISH routed")),
            "control message routed back: {answers:?}"
        ),
        other => panic!("the well-formed control must be accepted, got {other:?}"),
    }
    assert!(control.broker_alive);
    assert!(
        control.bystander.unharmed(),
        "a well-formed PUBLISH harms nobody: {:?}",
        control.bystander
    );
    let mut table = Vec::new();
    probe::print_table(r, &mut table).expect("table");
    let table = String::from_utf8(table).expect("utf-8 table");
    for p in &r.probes {
        assert!(table.contains(&p.name), "table row for {}", p.name);
    }
    let json = serde_json::to_string(r).expect("json");
    let back: ProbeReport = serde_json::from_str(&json).expect("json round trip");
    assert_eq!(&back, r);
    println!("{table}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn probes_the_embedded_broker() {
    let b = embedded::shared().expect("embedded broker");
    let t = Target::resolve(&format!("mqtt://{}", b.addr), false)
        .await
        .expect("loopback target");
    let r = probe::run(&t, &opts()).await.expect("probe run");
    check_complete(&r);
}

#[tokio::test]
async fn refuses_remote_targets_that_were_not_given_explicitly() {
    // 192.0.2.1 is TEST-NET-1: never routed, and never contacted by resolve().
    let e = Target::resolve("mqtt://192.0.2.1:1883", false)
        .await
        .expect_err("non-loopback, not explicit");
    assert!(e.is_input_error(), "{e}");
    assert!(Target::resolve("mqtt://192.0.2.1:1883", true).await.is_ok());
    let e = Target::resolve("mqtts://127.0.0.1:8883", true)
        .await
        .expect_err("TLS is not probed");
    assert!(e.to_string().contains("mqtts"), "{e}");
    let t = Target::resolve("127.0.0.1", false)
        .await
        .expect("default port");
    assert_eq!(t.addr.port(), 1883);
}

/// A Mosquitto on a free loopback port, killed on drop.
struct Mosquitto {
    child: Child,
    addr: SocketAddr,
    _dir: tempfile::TempDir,
}

impl Mosquitto {
    fn start() -> Option<Mosquitto> {
        let found = Command::new("sh")
            .args(["-c", "command -v mosquitto"])
            .output()
            .map(|o| o.status.success())
            .unwrap_or(false);
        if !found {
            if std::env::var_os("MCB_REQUIRE_MOSQUITTO").is_some() {
                panic!("MCB_REQUIRE_MOSQUITTO is set but mosquitto is not installed");
            }
            println!("note: mosquitto not installed, skipping the Mosquitto probe test");
            return None;
        }
        let dir = tempfile::tempdir().expect("temp dir");
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("free port")
            .port();
        let conf = dir.path().join("mosquitto.conf");
        std::fs::write(
            &conf,
            format!("listener {port} 127.0.0.1\nallow_anonymous true\n"),
        )
        .expect("write config");
        let child = spawn(&conf);
        let addr = SocketAddr::from(([127, 0, 0, 1], port));
        let m = Mosquitto {
            child,
            addr,
            _dir: dir,
        };
        let deadline = Instant::now() + Duration::from_secs(10);
        while TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_err() {
            assert!(
                Instant::now() < deadline,
                "mosquitto not listening on {addr}"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        Some(m)
    }
}

fn spawn(conf: &Path) -> Child {
    Command::new("mosquitto")
        .arg("-c")
        .arg(conf)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start mosquitto")
}

impl Drop for Mosquitto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn probes_mosquitto() {
    let Some(m) = Mosquitto::start() else { return };
    let t = Target::resolve(&format!("mqtt://{}", m.addr), false)
        .await
        .expect("loopback target");
    let r = probe::run(&t, &opts()).await.expect("probe run");
    check_complete(&r);
}

#[test]
fn probe_command_prints_the_table_and_json() {
    let b = embedded::shared().expect("embedded broker");
    // The CLI binary has its own process, so it probes this test process's broker.
    let out = Command::new(env!("CARGO_BIN_EXE_mqtt-cipher-bench"))
        .args([
            "probe",
            "--broker",
            &format!("mqtt://{}", b.addr),
            "--observe",
            "300ms",
            "--json",
        ])
        .output()
        .expect("run binary");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let r: ProbeReport = serde_json::from_slice(&out.stdout).expect("json report");
    assert_eq!(r.probes.len(), probe::catalogue::probes("b", "i").len());
    let bad = Command::new(env!("CARGO_BIN_EXE_mqtt-cipher-bench"))
        .args(["probe", "--broker", "ws://127.0.0.1:1/mqtt"])
        .output()
        .expect("run binary");
    assert_eq!(bad.status.code(), Some(2));
}
