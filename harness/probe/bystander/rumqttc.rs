//! The harness's own client (rumqttc), in process. rumqttc decodes topics as Rust strings, so
//! it refuses what `String::from_utf8` refuses (overlong, surrogates, truncations) and takes
//! NUL and non-characters. It does not reconnect here: it stops at its first error.

use std::time::Duration;

use rumqttc::{AsyncClient, Event, Incoming, MqttOptions, QoS};

use super::{AppEvent, AppLog, Implementation, Session, Start, push};

pub struct Rumqttc;

impl Implementation for Rumqttc {
    fn name(&self) -> &'static str {
        "rumqttc"
    }

    fn detect(&self) -> Result<String, String> {
        let v = crate::measure::env::crate_versions()
            .get("rumqttc")
            .cloned()
            .unwrap_or_else(|| "?".into());
        Ok(format!("rumqttc {v} (the harness's own client)"))
    }

    fn start(&self, s: &Start) -> Result<Session, String> {
        let mut o = MqttOptions::new(s.client_id, s.addr.ip().to_string(), s.addr.port());
        o.set_keep_alive(Duration::from_secs(30));
        let (client, mut eventloop) = AsyncClient::new(o, 64);
        let log = AppLog::default();
        let log2 = log.clone();
        let client2 = client.clone();
        let filter = s.filter.to_owned();
        let task = tokio::spawn(async move {
            loop {
                match eventloop.poll().await {
                    Ok(Event::Incoming(Incoming::ConnAck(_))) => {
                        push(&log2, AppEvent::Connected);
                        // After CONNACK: the client id is fresh per probe, so no earlier
                        // session holds the subscription.
                        let _ = client2.try_subscribe(filter.clone(), QoS::AtMostOnce);
                    }
                    Ok(Event::Incoming(Incoming::SubAck(_))) => push(&log2, AppEvent::Subscribed),
                    Ok(Event::Incoming(Incoming::Publish(p))) => push(
                        &log2,
                        AppEvent::Message {
                            topic: p.topic.into_bytes(),
                        },
                    ),
                    Ok(_) => {}
                    Err(e) => {
                        push(&log2, AppEvent::Said(e.to_string()));
                        // No reconnect: a dropped bystander is the finding, and a reconnected
                        // one would hide it behind rumqttc's silent retry.
                        push(
                            &log2,
                            AppEvent::Exited {
                                why: "stopped at its first error (no reconnect)".into(),
                            },
                        );
                        return;
                    }
                }
            }
        });
        Ok(Session::new(log, move || {
            let _ = client.try_disconnect();
            task.abort();
        }))
    }
}
