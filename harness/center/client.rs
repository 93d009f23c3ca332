//! The requesting side: a client with its identity asks the SC for topic keys over MQTT,
//! verifies the signed answers, unwraps the keys and caches them until their TTL.
//!
//! Each client has its own MQTT connection for the SC (requests on `<prefix>/req/<id>`,
//! answers on `<prefix>/resp/<id>`, QoS 0); a task polls it and routes each answer to the
//! waiting request by the request id in its body.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use bytes::Bytes;
use rumqttc::QoS;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::broker::Endpoint;
use crate::crypto::Suite;
use crate::crypto::keys::TopicKeys;
use crate::load::client::{self, ClientSpec};
use crate::load::mqtt::{Client, Event};
use crate::measure::clock::now_ns;

use super::authority::signed_request;
use super::protocol::{Outcome, Response, ServerTiming};
use super::registry::ClientIdentity;
use super::{Access, CenterError, unix_ms, wrap};

#[derive(Debug, Clone)]
pub struct ClientOptions {
    pub prefix: String,
    /// How long to wait for an answer (requests and answers are QoS 0: a loss is a timeout).
    pub timeout: Duration,
    /// Cache keys at most this long, even if the SC allows longer.
    pub max_cache: Option<Duration>,
}

impl Default for ClientOptions {
    fn default() -> Self {
        Self {
            prefix: super::DEFAULT_PREFIX.into(),
            timeout: Duration::from_secs(5),
            max_cache: None,
        }
    }
}

/// A key the SC issued, unwrapped. The material is wiped when the last reference drops.
pub struct IssuedKey {
    pub topic: String,
    pub access: Access,
    pub suite: Suite,
    pub key_id: u16,
    key: Vec<u8>,
    /// Cached until then.
    pub expires: Instant,
    /// How long an older key id of the topic still decrypts once this one replaced it.
    pub grace: Duration,
}

impl IssuedKey {
    /// The key in the form the suites take.
    pub fn topic_keys(&self) -> TopicKeys {
        TopicKeys::new(Some(self.key.clone()), None)
    }

    pub fn key_len(&self) -> usize {
        self.key.len()
    }
}

impl std::fmt::Debug for IssuedKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "IssuedKey({} {} {} id {}, <key redacted>)",
            self.topic,
            self.access.verb(),
            self.suite,
            self.key_id
        )
    }
}

impl Drop for IssuedKey {
    fn drop(&mut self) {
        self.key.fill(0);
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    Cache,
    Network,
}

/// A key and how it was obtained.
#[derive(Debug, Clone)]
pub struct Fetched {
    pub key: Arc<IssuedKey>,
    pub source: Source,
    /// Time the caller waited: for the network, signing + round trip + verify + unwrap.
    pub elapsed_ns: u64,
    /// The SC's own times (network answers only).
    pub server: Option<ServerTiming>,
}

type Pending = Arc<Mutex<HashMap<u64, oneshot::Sender<Bytes>>>>;
type CacheKey = (String, Access, u16);

pub struct CenterClient {
    identity: ClientIdentity,
    /// The key-agreement key's public point (SEC1 uncompressed), kept for unwrapping.
    kex_public: Vec<u8>,
    center_key: ed25519_dalek::VerifyingKey,
    client: Client,
    req_topic: String,
    pending: Pending,
    next_id: AtomicU64,
    cache: Mutex<HashMap<CacheKey, Arc<IssuedKey>>>,
    sent: AtomicU64,
    opts: ClientOptions,
    task: Option<JoinHandle<()>>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl CenterClient {
    /// Connects to the broker as `<identity id>-sc` and subscribes to the answer topic.
    pub async fn connect(
        endpoint: &Endpoint,
        identity: ClientIdentity,
        center_key: ed25519_dalek::VerifyingKey,
        opts: ClientOptions,
    ) -> Result<CenterClient, CenterError> {
        let mqtt_id = format!("{}-sc", identity.id);
        let spec = ClientSpec {
            client_id: &mqtt_id,
            max_packet: super::service::MAX_PACKET,
            inflight: 10,
            session: crate::broker::config::Session::Clean,
            source: None,
        };
        let mut conn = client::connect(endpoint, &spec)
            .await
            .map_err(|e| CenterError::Mqtt(e.to_string()))?;
        let resp_topic = super::response_topic(&opts.prefix, &identity.id);
        crate::load::subscriber::subscribe(&mut conn, &resp_topic, QoS::AtMostOnce, endpoint)
            .await
            .map_err(|e| CenterError::Mqtt(e.to_string()))?;
        let pending: Pending = Arc::default();
        let client = conn.client.clone();
        let mut eventloop = conn.eventloop;
        let task = {
            let (pending, client) = (pending.clone(), client.clone());
            tokio::spawn(async move {
                loop {
                    match eventloop.poll().await {
                        Ok(Event::Publish(p)) if p.topic == resp_topic.as_bytes() => {
                            let waiting = Response::peek_request_id(&p.payload)
                                .and_then(|id| lock(&pending).remove(&id));
                            if let Some(tx) = waiting {
                                let _ = tx.send(p.payload);
                            }
                        }
                        Ok(Event::ConnAck { .. }) => {
                            let _ = client.try_subscribe(&resp_topic, QoS::AtMostOnce);
                        }
                        Ok(Event::Disconnected) => return,
                        Ok(_) => {}
                        Err(_) => tokio::time::sleep(Duration::from_millis(200)).await,
                    }
                }
            })
        };
        let mut first = [0u8; 8];
        getrandom::fill(&mut first)
            .map_err(|e| CenterError::Key(format!("no OS randomness: {e}")))?;
        use p256::elliptic_curve::sec1::ToSec1Point;
        Ok(CenterClient {
            req_topic: super::request_topic(&opts.prefix, &identity.id),
            kex_public: identity
                .kex
                .public_key()
                .to_sec1_point(false)
                .as_bytes()
                .to_vec(),
            identity,
            center_key,
            client,
            pending,
            // Random start: answers to an earlier connection's requests never match.
            next_id: AtomicU64::new(u64::from_be_bytes(first) >> 1),
            cache: Mutex::default(),
            sent: AtomicU64::new(0),
            opts,
            task: Some(task),
        })
    }

    pub fn id(&self) -> &str {
        &self.identity.id
    }

    /// Requests sent over the network so far.
    pub fn requests_sent(&self) -> u64 {
        self.sent.load(Ordering::Relaxed)
    }

    /// The topic's current key: from the cache while fresh, else from the SC.
    pub async fn key(&self, topic: &str, access: Access) -> Result<Fetched, CenterError> {
        self.fetch(topic, access, 0).await
    }

    /// Key `key_id` of the topic (a subscriber that met the id in an envelope).
    pub async fn key_by_id(
        &self,
        topic: &str,
        access: Access,
        key_id: u16,
    ) -> Result<Fetched, CenterError> {
        self.fetch(topic, access, key_id).await
    }

    /// Drops the cached keys of `topic` (the next request goes to the SC).
    pub fn invalidate(&self, topic: &str) {
        lock(&self.cache).retain(|k, _| k.0 != topic);
    }

    async fn fetch(
        &self,
        topic: &str,
        access: Access,
        key_id: u16,
    ) -> Result<Fetched, CenterError> {
        let t0 = now_ns();
        let ck = (topic.to_owned(), access, key_id);
        let cached = {
            let mut c = lock(&self.cache);
            match c.get(&ck) {
                Some(k) if k.expires > Instant::now() => Some(k.clone()),
                Some(_) => {
                    c.remove(&ck);
                    None
                }
                None => None,
            }
        };
        if let Some(key) = cached {
            return Ok(Fetched {
                key,
                source: Source::Cache,
                elapsed_ns: now_ns().saturating_sub(t0).max(1),
                server: None,
            });
        }
        let request_id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let bytes = signed_request(&self.identity, request_id, access, topic, key_id, unix_ms())?;
        let response = self.send_raw(request_id, bytes).await?;
        let grant = match response.outcome {
            Outcome::Granted(g) => g,
            Outcome::Denied { code, reason } => return Err(CenterError::Denied { code, reason }),
        };
        if grant.topic != topic || grant.access != access || (key_id != 0 && grant.key_id != key_id)
        {
            return Err(CenterError::Mismatch(format!(
                "asked for {topic} ({}, key id {key_id}), got {} ({}, key id {})",
                access.verb(),
                grant.topic,
                grant.access.verb(),
                grant.key_id
            )));
        }
        let suite = Suite::from_id(grant.suite_id).ok_or_else(|| {
            CenterError::Mismatch(format!("unknown suite id {:#04x}", grant.suite_id))
        })?;
        let binding = wrap::Binding {
            client_id: &self.identity.id,
            topic,
            key_id: grant.key_id,
            suite_id: grant.suite_id,
        };
        let key = wrap::unwrap_with_public(
            &self.identity.kex,
            &self.kex_public,
            &grant.wrapped,
            &binding,
        )?;
        if key.len() != suite.spec().key_len {
            return Err(CenterError::Mismatch(format!(
                "a {}-byte key for {suite}, which takes {}",
                key.len(),
                suite.spec().key_len
            )));
        }
        let mut ttl = Duration::from_millis(u64::from(grant.ttl_ms));
        if let Some(max) = self.opts.max_cache {
            ttl = ttl.min(max);
        }
        let issued = Arc::new(IssuedKey {
            topic: topic.to_owned(),
            access,
            suite,
            key_id: grant.key_id,
            key,
            expires: Instant::now() + ttl,
            grace: Duration::from_millis(u64::from(grant.grace_ms)),
        });
        {
            let mut c = lock(&self.cache);
            c.insert((topic.to_owned(), access, grant.key_id), issued.clone());
            if key_id == 0 {
                c.insert(ck, issued.clone());
            }
        }
        Ok(Fetched {
            key: issued,
            source: Source::Network,
            elapsed_ns: now_ns().saturating_sub(t0).max(1),
            server: Some(response.timing),
        })
    }

    /// Sends prepared request bytes and waits for the answer to `request_id`, checking the
    /// SC's signature and that the answer is for this client and request. Public for tests
    /// and tools that craft requests (replays, stale timestamps).
    pub async fn send_raw(&self, request_id: u64, bytes: Vec<u8>) -> Result<Response, CenterError> {
        let (tx, rx) = oneshot::channel();
        lock(&self.pending).insert(request_id, tx);
        self.sent.fetch_add(1, Ordering::Relaxed);
        if let Err(e) = self
            .client
            .publish(self.req_topic.clone(), QoS::AtMostOnce, Bytes::from(bytes))
            .await
        {
            lock(&self.pending).remove(&request_id);
            return Err(CenterError::Mqtt(format!("cannot send the request: {e}")));
        }
        let answer = match tokio::time::timeout(self.opts.timeout, rx).await {
            Ok(Ok(a)) => a,
            _ => {
                lock(&self.pending).remove(&request_id);
                return Err(CenterError::Timeout(self.opts.timeout));
            }
        };
        let parsed = Response::parse(&answer)?;
        let sig = ed25519_dalek::Signature::from_slice(&parsed.signature)
            .map_err(|_| CenterError::BadCenterSignature)?;
        self.center_key
            .verify_strict(&parsed.signed, &sig)
            .map_err(|_| CenterError::BadCenterSignature)?;
        let r = parsed.response;
        if r.request_id != request_id || r.client_id != self.identity.id {
            return Err(CenterError::Mismatch(format!(
                "answer for request {} of {}, expected request {request_id} of {}",
                r.request_id, r.client_id, self.identity.id
            )));
        }
        Ok(r)
    }

    /// A fresh request id for [`send_raw`](Self::send_raw).
    pub fn next_request_id(&self) -> u64 {
        self.next_id.fetch_add(1, Ordering::Relaxed)
    }

    pub fn identity(&self) -> &ClientIdentity {
        &self.identity
    }

    /// Disconnects from the broker.
    pub async fn close(mut self) {
        let task = self.task.take();
        super::service::stop_polling(&self.client, task, Duration::from_millis(500)).await;
    }
}

impl Drop for CenterClient {
    fn drop(&mut self) {
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}
