//! The canary: a well-behaved publisher (rumqttc, straight to the broker) that publishes a
//! valid QoS 0 message on the run's canary topic every few milliseconds. A bystander that
//! receives one after the probe is still receiving; one that does not was knocked off.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rumqttc::{AsyncClient, Event, Incoming, MqttOptions, QoS};
use tokio::task::JoinHandle;

pub struct Canary {
    client: AsyncClient,
    tasks: Vec<JoinHandle<()>>,
    error: Arc<Mutex<Option<String>>>,
}

impl Canary {
    pub fn start(addr: SocketAddr, topic: &str, client_id: &str, every: Duration) -> Canary {
        let mut o = MqttOptions::new(client_id, addr.ip().to_string(), addr.port());
        o.set_keep_alive(Duration::from_secs(30));
        let (client, mut eventloop) = AsyncClient::new(o, 64);
        let error = Arc::new(Mutex::new(None));
        let e2 = error.clone();
        // The canary is not what is probed: when the broker drops it (rumqttd now and then
        // resets a fresh connection), it reconnects like any well-behaved client, and only an
        // error it has not recovered from is reported.
        let poll = tokio::spawn(async move {
            loop {
                match eventloop.poll().await {
                    Ok(Event::Incoming(Incoming::ConnAck(_))) => {
                        *e2.lock().unwrap_or_else(|p| p.into_inner()) = None;
                    }
                    Ok(_) => {}
                    Err(e) => {
                        *e2.lock().unwrap_or_else(|p| p.into_inner()) =
                            Some(format!("canary publisher: {e}"));
                        tokio::time::sleep(Duration::from_millis(50)).await;
                    }
                }
            }
        });
        let c2 = client.clone();
        let topic = topic.to_owned();
        let ticker = tokio::spawn(async move {
            let mut t = tokio::time::interval(every);
            loop {
                t.tick().await;
                if c2
                    .publish(topic.clone(), QoS::AtMostOnce, false, b"canary".to_vec())
                    .await
                    .is_err()
                {
                    return;
                }
            }
        });
        Canary {
            client,
            tasks: vec![poll, ticker],
            error,
        }
    }

    /// The publisher's connection error, if it has not reconnected since.
    pub fn error(&self) -> Option<String> {
        self.error.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    pub async fn stop(self) {
        let _ = self.client.try_disconnect();
        tokio::time::sleep(Duration::from_millis(10)).await;
        for t in self.tasks {
            t.abort();
        }
    }
}
