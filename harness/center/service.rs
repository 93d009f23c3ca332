//! The SC's MQTT side: one client that subscribes to `<prefix>/req/+`, hands each request to
//! the [`Authority`] on a worker task (so requests from many clients are served in parallel)
//! and publishes the answer on `<prefix>/resp/<client id>`, all at QoS 0.

use std::sync::Arc;
use std::time::Duration;

use rumqttc::QoS;
use tokio::task::JoinHandle;

use crate::broker::Endpoint;
use crate::load::client::{self, ClientSpec};
use crate::load::mqtt::{Client, Event};

use super::{Authority, CenterError};

/// Largest request or answer (a few hundred bytes in practice).
pub const MAX_PACKET: usize = 64 * 1024;

pub struct CenterService {
    client: Client,
    task: Option<JoinHandle<()>>,
}

impl CenterService {
    /// Connects as `client_id`, subscribes to the request topics and serves until
    /// [`stop`](Self::stop). Returns once the subscription is acknowledged.
    pub async fn start(
        endpoint: &Endpoint,
        authority: Arc<Authority>,
        prefix: &str,
        client_id: &str,
    ) -> Result<CenterService, CenterError> {
        let spec = ClientSpec {
            client_id,
            max_packet: MAX_PACKET,
            inflight: 100,
        };
        let mut conn = client::connect(endpoint, &spec)
            .await
            .map_err(|e| CenterError::Mqtt(e.to_string()))?;
        let filter = format!("{prefix}/req/+");
        crate::load::subscriber::subscribe(&mut conn, &filter, QoS::AtMostOnce, endpoint)
            .await
            .map_err(|e| CenterError::Mqtt(e.to_string()))?;
        let client = conn.client.clone();
        let mut eventloop = conn.eventloop;
        let req_prefix = format!("{prefix}/req/");
        let prefix = prefix.to_owned();
        let publisher = client.clone();
        let task = tokio::spawn(async move {
            loop {
                match eventloop.poll().await {
                    Ok(Event::Publish(p)) => {
                        let Some(who) = p
                            .topic
                            .strip_prefix(req_prefix.as_bytes())
                            .and_then(|w| std::str::from_utf8(w).ok())
                        else {
                            continue;
                        };
                        if !super::valid_client_id(who) {
                            continue;
                        }
                        let (who, authority, publisher) =
                            (who.to_owned(), authority.clone(), publisher.clone());
                        let topic = super::response_topic(&prefix, &who);
                        // CPU work off the polling task; try_publish never waits on the
                        // event loop this task polls.
                        tokio::spawn(async move {
                            if let Some(answer) = authority.handle(&who, &p.payload) {
                                let _ =
                                    publisher.try_publish(topic, QoS::AtMostOnce, answer.into());
                            }
                        });
                    }
                    Ok(Event::ConnAck { .. }) => {
                        // A reconnect with a clean session lost the subscription.
                        let _ = publisher.try_subscribe(&filter, QoS::AtMostOnce);
                    }
                    Ok(Event::Disconnected) => return,
                    Ok(_) => {}
                    Err(_) => tokio::time::sleep(Duration::from_millis(200)).await,
                }
            }
        });
        Ok(CenterService {
            client,
            task: Some(task),
        })
    }

    /// Disconnects and waits (briefly) for the loop to end.
    pub async fn stop(mut self) {
        stop_polling(&self.client, self.task.take(), Duration::from_secs(1)).await;
    }
}

/// Asks `client` to disconnect and gives the task polling its event loop `wait` to see the
/// DISCONNECT out before aborting it. Shared by the SC's service and its clients.
pub(super) async fn stop_polling(client: &Client, task: Option<JoinHandle<()>>, wait: Duration) {
    let _ = client.try_disconnect();
    if let Some(task) = task {
        let abort = task.abort_handle();
        if tokio::time::timeout(wait, task).await.is_err() {
            abort.abort();
        }
    }
}

impl Drop for CenterService {
    fn drop(&mut self) {
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}
