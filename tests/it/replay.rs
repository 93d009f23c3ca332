//! Replays: a raw MQTT client (rumqttc) listens on the embedded broker during a real case,
//! captures real envelopes, and re-publishes them later on the same topics. The subscriber
//! counts them as `replayed`, apart from QoS duplicates, at QoS 0 and QoS 1.

use crate::common;
use std::time::Duration;

use mqtt_cipher_bench::broker::embedded;
use mqtt_cipher_bench::results::CaseStatus;
use rumqttc::{AsyncClient, Event, Incoming, MqttOptions, QoS};

/// Messages re-published per case.
const REPLAYS: usize = 10;

async fn attacker(port: u16, qos: QoS) -> usize {
    let mut o = MqttOptions::new(format!("mcb-replayer-{}", qos as u8), "127.0.0.1", port);
    o.set_max_packet_size(1 << 20, 1 << 20);
    let (client, mut ev) = AsyncClient::new(o, 100);
    client
        .subscribe("mcb/replay/#", QoS::AtMostOnce)
        .await
        .unwrap();
    // Capture the first REPLAYS envelopes of the case.
    let mut captured = Vec::new();
    let capture = async {
        while captured.len() < REPLAYS {
            match ev.poll().await {
                Ok(Event::Incoming(Incoming::Publish(p))) => captured.push(p),
                Ok(_) => {}
                Err(e) => panic!("attacker connection: {e}"),
            }
        }
    };
    tokio::time::timeout(Duration::from_secs(30), capture)
        .await
        .expect("the case published nothing");
    // Wait beyond the 2 s QoS-duplicate window, then re-publish each one unchanged.
    let wait = async {
        loop {
            if let Err(e) = ev.poll().await {
                panic!("attacker connection: {e}");
            }
        }
    };
    let _ = tokio::time::timeout(Duration::from_millis(2600), wait).await;
    for p in &captured {
        client
            .publish(p.topic.clone(), qos, false, p.payload.clone())
            .await
            .unwrap();
    }
    let flush = async {
        loop {
            if ev.poll().await.is_err() {
                break;
            }
        }
    };
    let _ = tokio::time::timeout(Duration::from_millis(1000), flush).await;
    let _ = client.disconnect().await;
    captured.len()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replayed_envelopes_are_counted_as_replays_at_qos_0_and_1() {
    let broker = embedded::shared().expect("embedded broker");
    for (qos, mqtt_qos) in [(0u8, QoS::AtMostOnce), (1, QoS::AtLeastOnce)] {
        let s = common::scenario(
            "replay.toml",
            &format!(
                "name = \"replay\"\n[load]\npublishers = 2\nrate = 20\nduration = \"5s\"\n\
                 warmup = \"500ms\"\ndrain = \"2s\"\n[matrix]\nqos = [{qos}]\nsize = [64]\n\
                 suite = [\"aes-128-gcm\"]\n"
            ),
        );
        let attack = tokio::spawn(attacker(broker.addr.port(), mqtt_qos));
        let (outcome, _root) = common::run_in_temp(&s).await;
        let replayed = attack.await.expect("attacker task");
        assert_eq!(replayed, REPLAYS);
        let c = &outcome.results.cases[0];
        assert_eq!(c.status, CaseStatus::Ok, "{:?}", c.error);
        let n = &c.counts;
        assert_eq!(
            n.replayed, REPLAYS as u64,
            "QoS {qos}: every re-published envelope is a replay: {n:?}"
        );
        // Replays are not new deliveries and not QoS duplicates.
        assert_eq!(n.duplicated, 0, "QoS {qos}: {n:?}");
        assert_eq!((n.delivered, n.lost), (n.expected, 0), "QoS {qos}: {n:?}");
        assert_eq!(
            n.failed_auth + n.malformed + n.corrupted,
            0,
            "QoS {qos}: {n:?}"
        );
    }
}
