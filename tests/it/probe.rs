//! Robustness probes against real brokers: the embedded rumqttd always, Mosquitto when it is
//! installed. Most of what a broker does with each malformed packet is the measurement, so
//! the common checks are what must hold for it to mean something (every probe got a verdict,
//! every bystander was watching, the well-formed control was accepted); on top, each broker
//! test asserts seed 004's finding as measured on that broker, with real libmosquitto
//! (mosquitto_sub) and paho-mqtt bystanders. They skip when absent, and fail instead under
//! MCB_REQUIRE_MOSQUITTO (CI installs both).

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use mqtt_cipher_bench::broker::embedded;
use mqtt_cipher_bench::probe::{
    self, Fate, Offender, ProbeOptions, ProbeReport, ProbeResult, Side, Target,
};

/// The two broker probes start three bystanders each (two of them child processes) per probe:
/// run side by side on a small machine, their set-up times stretch past the windows the
/// verdicts are read in. One at a time.
static SERIAL: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

fn opts() -> ProbeOptions {
    // Short windows: the machine is shared, and the verdicts need only a reaction, not a
    // benchmark of its speed. The recovery bound stays generous: libmosquitto waits a second
    // before it reconnects, and the wait ends as soon as every bystander is back.
    ProbeOptions {
        observe: Duration::from_millis(500),
        after: Duration::from_millis(300),
        recover: Duration::from_secs(5),
        ..Default::default()
    }
}

/// Whether bystander `name` ran; when it did not, skip (a note) or, under
/// MCB_REQUIRE_MOSQUITTO, fail.
fn ran(r: &ProbeReport, name: &str) -> bool {
    let b = r
        .bystanders
        .iter()
        .find(|b| b.name == name)
        .unwrap_or_else(|| panic!("bystander {name} listed"));
    if b.implementation.is_some() {
        return true;
    }
    let why = b.skipped.clone().unwrap_or_default();
    if std::env::var_os("MCB_REQUIRE_MOSQUITTO").is_some() {
        panic!("bystander {name} skipped ({why}) and MCB_REQUIRE_MOSQUITTO is set");
    }
    println!("note: bystander {name} skipped: {why}");
    false
}

fn probe<'a>(r: &'a ProbeReport, name: &str) -> &'a ProbeResult {
    r.probes
        .iter()
        .find(|p| p.name == name)
        .unwrap_or_else(|| panic!("probe {name}"))
}

fn fate<'a>(p: &'a ProbeResult, bystander: &str) -> &'a Fate {
    p.bystanders
        .iter()
        .find(|f| f.bystander == bystander)
        .unwrap_or_else(|| panic!("{}: no fate for {bystander}", p.name))
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
        for f in &got.bystanders {
            assert!(
                f.ready,
                "{}: bystander {} not subscribed and receiving before the probe: {f:?}",
                got.name, f.bystander
            );
        }
        assert_eq!(got.canary_error, None, "{}", got.name);
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
    for f in &control.bystanders {
        assert!(
            f.unharmed() && f.delivered_ms.is_some() && f.app_received,
            "a well-formed PUBLISH reaches every bystander and harms nobody: {f:?}"
        );
    }
    let mut table = Vec::new();
    probe::print_table(r, &mut table).expect("table");
    let table = String::from_utf8(table).expect("utf-8 table");
    for p in &r.probes {
        assert!(table.contains(&p.name), "table row for {}", p.name);
    }
    assert!(table.contains("Seed 004, measured"), "{table}");
    assert!(table.contains("packet type 0"), "{table}");
    let json = serde_json::to_string(r).expect("json");
    let back: ProbeReport = serde_json::from_str(&json).expect("json round trip");
    assert_eq!(&back, r);
    println!("{table}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn probes_the_embedded_broker() {
    let _one_at_a_time = SERIAL.lock().await;
    let b = embedded::shared().expect("embedded broker");
    let t = Target::resolve(&format!("mqtt://{}", b.addr), false)
        .await
        .expect("loopback target");
    let r = probe::run(&t, &opts()).await.expect("probe run");
    check_complete(&r);
    // rumqttd decodes topics as Rust strings: it refuses what from_utf8 refuses and forwards
    // U+0000 and U+FFFF, which MQTT 3.1.1 forbids (1.5.3-2) and libmosquitto refuses.
    for name in ["publish-topic-nul", "publish-topic-nonchar"] {
        let p = probe(&r, name);
        assert!(
            matches!(&p.offender, Offender::Accepted { answers } if answers.iter().any(|a| a.contains("PUBLISH routed"))),
            "{name}: rumqttd routes it: {:?}",
            p.offender
        );
        let own = fate(p, "rumqttc");
        assert!(
            own.delivered_ms.is_some() && own.app_received && own.unharmed(),
            "{name}: {own:?}"
        );
        if ran(&r, "libmosquitto") {
            let m = fate(p, "libmosquitto");
            assert!(
                m.delivered_ms.is_some(),
                "{name}: forwarded to libmosquitto: {m:?}"
            );
            assert!(!m.app_received, "{name}: libmosquitto refuses it: {m:?}");
            let d = m
                .disconnect
                .as_ref()
                .unwrap_or_else(|| panic!("{name}: knocked off: {m:?}"));
            assert_eq!(
                d.by,
                Side::Client,
                "{name}: libmosquitto closes itself: {m:?}"
            );
            assert!(d.after_delivery_ms.is_some(), "{name}: {m:?}");
            assert!(
                m.reconnected_ms.is_some() && m.canary_ms.is_some(),
                "{name}: libmosquitto comes back: {m:?}"
            );
            let row = r
                .finding
                .rows
                .iter()
                .find(|x| x.probe == name)
                .expect("finding row");
            assert!(
                row.knocked_off
                    .iter()
                    .any(|k| k.bystander == "libmosquitto" && k.by == "itself"),
                "{row:?}"
            );
        }
        if ran(&r, "paho") {
            // Python decodes NUL and U+FFFF: paho takes both.
            let f = fate(p, "paho");
            assert!(
                f.delivered_ms.is_some() && f.app_received && f.unharmed(),
                "{name}: paho: {f:?}"
            );
        }
    }
    // What rumqttd refuses as a topic it forwards to nobody.
    for name in [
        "publish-topic-overlong",
        "publish-topic-surrogate",
        "publish-topic-truncated",
    ] {
        let p = probe(&r, name);
        for f in &p.bystanders {
            assert!(f.delivered_ms.is_none() && f.unharmed(), "{name}: {f:?}");
        }
    }
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
    let _one_at_a_time = SERIAL.lock().await;
    let Some(m) = Mosquitto::start() else { return };
    let t = Target::resolve(&format!("mqtt://{}", m.addr), false)
        .await
        .expect("loopback target");
    let r = probe::run(&t, &opts()).await.expect("probe run");
    check_complete(&r);
    ran(&r, "libmosquitto");
    ran(&r, "paho");
    // Mosquitto checks every string as libmosquitto does: no ill-formed topic reaches a
    // subscriber, so the seed's discrepancy cannot be exploited through it.
    for p in r.probes.iter().filter(|p| !p.control) {
        for f in &p.bystanders {
            assert!(
                f.delivered_ms.is_none(),
                "{}: forwarded to {}: {f:?}",
                p.name,
                f.bystander
            );
            assert!(f.unharmed(), "{}: {} harmed: {f:?}", p.name, f.bystander);
        }
    }
    assert!(r.finding.rows.is_empty(), "{:?}", r.finding);
}

#[test]
fn probe_command_prints_the_table_and_json() {
    // Its own embedded broker (in the binary's process), not this process's shared one: the
    // probes it sends (a NUL topic, U+FFFF) are routed to every `#` subscriber of the broker
    // they go through, and knocked probes_the_embedded_broker's libmosquitto bystander off
    // in the middle of that test's control probe when both ran on one broker.
    let out = Command::new(env!("CARGO_BIN_EXE_mqtt-cipher-bench"))
        .args([
            "probe",
            "--broker",
            "embedded",
            "--observe",
            "300ms",
            "--bystanders",
            "rumqttc",
            "--json",
        ])
        .output()
        .expect("run binary");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let r: ProbeReport = serde_json::from_slice(&out.stdout).expect("json report");
    assert_eq!(r.probes.len(), probe::catalogue::probes("b", "i").len());
    assert!(r.probes.iter().all(|p| p.bystanders.len() == 1));
    assert!(
        r.bystanders
            .iter()
            .filter(|b| b.name != "rumqttc")
            .all(|b| b.skipped.as_deref() == Some("not selected (--bystanders)")),
        "{:?}",
        r.bystanders
    );
    let unknown = Command::new(env!("CARGO_BIN_EXE_mqtt-cipher-bench"))
        .args(["probe", "--broker", "embedded", "--bystanders", "hivemq"])
        .output()
        .expect("run binary");
    assert_eq!(unknown.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&unknown.stderr).contains("libmosquitto"),
        "names the known bystanders"
    );
    let bad = Command::new(env!("CARGO_BIN_EXE_mqtt-cipher-bench"))
        .args(["probe", "--broker", "ws://127.0.0.1:1/mqtt"])
        .output()
        .expect("run binary");
    assert_eq!(bad.status.code(), Some(2));
}
