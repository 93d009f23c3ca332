//! The SC's MQTT side: one client that subscribes to `<prefix>/req/+`, hands each request to
//! the [`Authority`] on a worker task (so requests from many clients are served in parallel)
//! and publishes the answer on `<prefix>/resp/<client id>`, all at QoS 0.
//!
//! Before a request costs anything, the polling task applies the [`Limits`] in this order:
//! size (drop above [`MAX_REQUEST`]), the client's token bucket, then a ticket for one of
//! `concurrency + queue` places (none free: busy). A ticketed request waits for one of
//! `concurrency` slots to run. Drops are counted ([`CenterService::dropped`]); memory stays
//! bounded by the queue, whatever arrives.

use std::sync::Arc;
use std::time::{Duration, Instant};

use rumqttc::QoS;
use tokio::sync::Semaphore;
use tokio::task::JoinHandle;

use crate::broker::Endpoint;
use crate::load::client::{self, ClientSpec};
use crate::load::mqtt::{Client, Event};

use super::limits::{DropCounters, DropReason, Dropped, Limits, RateLimiter};
use super::protocol::MAX_REQUEST;
use super::{Authority, CenterError};

/// Largest MQTT packet the SC's connection takes (requests are at most [`MAX_REQUEST`]; a
/// larger packet is a protocol error to rumqttc, which drops the connection and reconnects).
pub const MAX_PACKET: usize = 64 * 1024;

pub struct CenterService {
    client: Client,
    task: Option<JoinHandle<()>>,
    dropped: Arc<DropCounters>,
}

/// What the polling task needs to admit a request.
struct Gate {
    limiter: Option<RateLimiter>,
    /// `concurrency + queue` tickets: a request without one is dropped as busy.
    tickets: Arc<Semaphore>,
    /// `concurrency` slots: a ticketed request waits for one.
    slots: Arc<Semaphore>,
    dropped: Arc<DropCounters>,
}

impl Gate {
    fn new(limits: Limits) -> Gate {
        Gate {
            limiter: limits.rate.map(|r| RateLimiter::new(r, Instant::now())),
            tickets: Arc::new(Semaphore::new(
                limits
                    .concurrency
                    .saturating_add(limits.queue)
                    .min(Semaphore::MAX_PERMITS),
            )),
            slots: Arc::new(Semaphore::new(
                limits.concurrency.clamp(1, Semaphore::MAX_PERMITS),
            )),
            dropped: Arc::default(),
        }
    }

    /// A ticket for a request of `len` bytes from `who`, or `None` (dropped and counted).
    fn admit(
        &mut self,
        authority: &Authority,
        who: &str,
        len: usize,
    ) -> Option<tokio::sync::OwnedSemaphorePermit> {
        let why = if len > MAX_REQUEST {
            DropReason::Oversize
        } else if let Some(l) = self.limiter.as_mut()
            && !l.allow(who, authority.knows(who), Instant::now())
        {
            DropReason::RateLimited
        } else {
            match self.tickets.clone().try_acquire_owned() {
                Ok(t) => return Some(t),
                Err(_) => DropReason::Busy,
            }
        };
        self.dropped.count(why);
        None
    }
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
            session: crate::broker::config::Session::Clean,
            source: None,
        };
        let mut conn = client::connect(endpoint, &spec)
            .await
            .map_err(|e| CenterError::Mqtt(e.to_string()))?;
        let filter = format!("{prefix}/req/+");
        crate::load::subscriber::subscribe(&mut conn, &filter, QoS::AtMostOnce, endpoint)
            .await
            .map_err(|e| CenterError::Mqtt(e.to_string()))?;
        let client = conn.client.clone();
        let mut gate = Gate::new(authority.config().limits);
        let dropped = gate.dropped.clone();
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
                        let Some(ticket) = gate.admit(&authority, who, p.payload.len()) else {
                            continue;
                        };
                        let (who, authority, publisher) =
                            (who.to_owned(), authority.clone(), publisher.clone());
                        let topic = super::response_topic(&prefix, &who);
                        let slots = gate.slots.clone();
                        // CPU work off the polling task; try_publish never waits on the
                        // event loop this task polls.
                        tokio::spawn(async move {
                            let _ticket = ticket;
                            let Ok(_slot) = slots.acquire().await else {
                                return;
                            };
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
            dropped,
        })
    }

    /// Requests dropped so far before reaching the pipeline (too large, over the client's
    /// rate, or no room), since the service started.
    pub fn dropped(&self) -> Dropped {
        self.dropped.snapshot()
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
