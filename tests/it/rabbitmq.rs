//! Against a broker that really downgrades QoS: RabbitMQ's MQTT plugin (3.x supports QoS 0
//! and 1 only; see tests/it/common/rabbitmq.rs). Its QoS 2 case must come out `degraded`, with
//! the reason, in results.json, the terminal summary, report.md and report.html, and its QoS
//! 1 case `ok`. One broker start (~10 s) for the whole file: one test.

use crate::common;
use crate::common::rabbitmq::RabbitMq;
use mqtt_cipher_bench::results::{CaseStatus, reader};

#[test]
fn qos2_case_answered_with_puback_is_degraded_everywhere_it_is_shown() {
    let Some(rmq) = RabbitMq::start() else { return };
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("rabbit.toml");
    std::fs::write(
        &path,
        format!(
            "name = \"rabbit\"\n{}[load]\npublishers = 1\nsubscribers = 1\nrate = 100\n\
             duration = \"1500ms\"\nwarmup = \"300ms\"\ndrain = \"3s\"\n\
             [matrix]\nqos = [1, 2]\nsize = [64]\nsuite = [\"aes-128-gcm\"]\n",
            rmq.broker_toml()
        ),
    )
    .unwrap();
    let out = dir.path().join("out");
    let (code, stdout, stderr) = common::run_bin(&[
        "run",
        path.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--speed",
        "none",
        "--quiet",
    ]);
    assert_eq!(code, 0, "{stdout}\n{stderr}");

    let run_dir = std::fs::read_dir(out.join("rabbit"))
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    // The reader checks scheduled = sent + unsent for every case.
    let r = reader::read(&run_dir).unwrap();
    let case = |q: u8| r.cases.iter().find(|c| c.params.qos == q).unwrap();

    let q1 = case(1);
    assert_eq!(q1.status, CaseStatus::Ok, "{}: {:?}", q1.id, q1.error);
    let b1 = q1
        .broker_qos
        .as_ref()
        .expect("QoS 1 records the broker's QoS");
    assert_eq!(b1.granted, Some(1));
    assert_eq!((b1.puback, b1.pubrec, b1.pubcomp), (q1.counts.sent, 0, 0));

    let q2 = case(2);
    let n = &q2.counts;
    assert!(n.sent > 0, "{n:?}");
    assert_eq!(q2.status, CaseStatus::Degraded, "{}: {:?}", q2.id, q2.error);
    let b2 = q2
        .broker_qos
        .as_ref()
        .expect("QoS 2 records the broker's QoS");
    assert_eq!(b2.granted, Some(1), "RabbitMQ grants QoS 1 for QoS 2");
    assert_eq!((b2.puback, b2.pubrec, b2.pubcomp), (n.sent, 0, 0), "{b2:?}");
    // A PUBACK ends the publish: nothing left for the drain to wait out.
    assert_eq!(n.unacked, 0, "{n:?}");
    assert_eq!(n.delivered, n.expected, "{n:?}");
    let why = q2.error.as_deref().unwrap();
    assert!(
        why.contains("granted QoS 1 on SUBSCRIBE for QoS 2"),
        "{why}"
    );
    assert!(
        why.contains(&format!(
            "answered {} of {} QoS 2 publishes with PUBACK",
            n.sent, n.sent
        )),
        "{why}"
    );

    // Shown wherever the case is: the terminal, report.md and report.html (in red).
    let line = format!("DEGRADED {}: QoS downgraded by the broker", q2.id);
    assert!(stdout.contains(&line), "{stdout}");
    let md = std::fs::read_to_string(run_dir.join("report.md")).unwrap();
    assert!(
        md.contains(&format!("- **DEGRADED** `{}`: QoS downgraded", q2.id)),
        "{md}"
    );
    let html = std::fs::read_to_string(run_dir.join("report.html")).unwrap();
    assert!(
        html.contains(&format!(
            "<li class=\"alert\">DEGRADED <code>{}</code>: QoS downgraded",
            q2.id
        )),
        "{html}"
    );
    // Its numbers are not in the summary as QoS 2's: the one summary row is QoS 1's.
    let summary = mqtt_cipher_bench::report::table::summary(&r);
    assert_eq!(summary.rows.len(), 1);
    drop(rmq);
}
