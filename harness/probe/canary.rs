//! The canary: a well-behaved publisher (rumqttc, straight to the broker) that publishes a
//! valid QoS 0 message on the run's canary topic every few milliseconds. A bystander that
//! receives one after the probe is still receiving; one that does not was knocked off.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rumqttc::{AsyncClient, MqttOptions, QoS};
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
        let poll = tokio::spawn(async move {
            loop {
                if let Err(e) = eventloop.poll().await {
                    e2.lock()
                        .unwrap_or_else(|p| p.into_inner())
                        .get_or_insert(format!("canary publisher: {e}"));
                    return;
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

    /// The publisher's first connection error, if it had one.
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
