//! The MQTT protocol seam: one client, event loop, event and error type for MQTT 3.1.1 (v4)
//! and MQTT 5 (v5).
//!
//! rumqttc implements the two versions as separate clients with their own types for options,
//! packets and errors. Everything above this module (publishers, subscribers, the Security
//! Center, pre-flight) speaks only these types, so a case runs the same code on either
//! version and differences in the results come from the protocol, not from the harness.
//! [`v4`] and [`v5`] translate; nothing else here knows which one is underneath.

use std::time::Duration;

use bytes::Bytes;
use rumqttc::QoS;

use crate::broker::config::{Protocol, Session};

pub mod v4;
pub mod v5;

/// What a client needs to connect, under either protocol.
pub struct Settings {
    pub client_id: String,
    /// Host for TCP and TLS; the whole `ws://…` URL for WebSocket (rumqttc dials the host
    /// and port inside it).
    pub address: String,
    pub port: u16,
    pub transport: rumqttc::Transport,
    pub keep_alive: Duration,
    /// Largest packet sent or received.
    pub max_packet: usize,
    /// Unacknowledged QoS 1/2 publishes allowed in flight.
    pub inflight: u16,
    /// Requests that can be queued before `publish` waits.
    pub request_capacity: usize,
    pub connect_timeout: Duration,
    pub credentials: Option<(String, String)>,
    /// Clean or persistent (see [`Session`]).
    pub session: Session,
    /// Local address to connect from (`load.source_addrs`); the kernel picks the port.
    pub source: Option<std::net::IpAddr>,
}

/// MQTT 5 Session Expiry Interval of a persistent session: how long the broker keeps it after
/// the connection closes. It counts from the disconnect, so it bounds the outage a session
/// survives; an hour outlasts any restart a case measures, and a session the harness could
/// not end itself (a crash) is gone an hour later.
pub const PERSISTENT_SESSION_EXPIRY_S: u32 = 3600;

/// A client and its (not yet connected) event loop for `protocol`.
pub fn new(protocol: Protocol, settings: Settings) -> (Client, EventLoop) {
    match protocol {
        Protocol::V4 => v4::new(settings),
        Protocol::V5 => v5::new(settings),
    }
}

/// A handle to queue requests for the event loop (cheap to clone).
#[derive(Clone)]
pub enum Client {
    V4(rumqttc::AsyncClient),
    V5(rumqttc::v5::AsyncClient),
}

/// The connection: must be polled for anything to be sent or received.
// One per client, made once and polled in place: the size difference costs nothing.
#[allow(clippy::large_enum_variant)]
pub enum EventLoop {
    V4(rumqttc::EventLoop),
    V5(rumqttc::v5::EventLoop),
}

/// What polling the event loop yielded, reduced to what the harness acts on.
#[derive(Debug)]
pub enum Event {
    /// CONNACK accepted (first connect or reconnect). MQTT 5 brokers may grant a Receive
    /// Maximum: the publishes they take unacknowledged at once, which caps the client's
    /// in-flight window below what the scenario asked for.
    /// `max_packet` is the Maximum Packet Size it accepts, when it says (MQTT 5 only).
    ConnAck {
        receive_max: Option<u16>,
        max_packet: Option<u32>,
        /// The broker resumed a session it kept for this client id (only ever true for a
        /// persistent session): its subscriptions and queued messages are still there.
        session_present: bool,
    },
    /// An application message arrived.
    Publish(Message),
    /// PUBACK: a publish acknowledged at QoS 1 (for a QoS 2 publish, the broker handled it
    /// at QoS 1; rumqttc frees its slot either way).
    PubAck(u16),
    /// PUBREC: the first half of a QoS 2 acknowledgement (PUBREL, PUBCOMP follow).
    PubRec(u16),
    /// QoS 2 publish completed.
    PubComp(u16),
    /// A v5 broker acknowledged a publish with a failure reason (PUBACK or PUBREC >= 0x80,
    /// or a PUBCOMP that is not success): it took the packet and dropped the message. v4 has
    /// no way to say this.
    Rejected {
        pkid: u16,
        reason: Rejection,
        /// rumqttc 0.25's v5 client keeps an in-flight slot for a refused PUBREC or PUBCOMP
        /// (it frees QoS 2 slots only on a successful PUBCOMP): enough of these and it stops
        /// sending.
        leaks_slot: bool,
    },
    /// SUBACK for the first filter: granted (with the QoS the broker granted, which may be
    /// lower than asked), or refused with the broker's reason.
    SubAck {
        refused: Option<String>,
        granted: Option<u8>,
    },
    /// A PUBLISH was written to the socket (its packet id; 0 at QoS 0).
    Sent(u16),
    /// DISCONNECT was written: the session is over.
    Disconnected,
    /// Anything else (pings, acks we send, …).
    Other,
}

/// A publish refused by an MQTT 5 broker: the packet and its reason code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejection {
    /// `PUBACK`, `PUBREC` or `PUBCOMP`.
    pub packet: &'static str,
    /// The reason code's name, e.g. `NotAuthorized`, `QuotaExceeded`.
    pub code: String,
}

impl std::fmt::Display for Rejection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.packet, self.code)
    }
}

/// An application message as received.
#[derive(Debug, Clone)]
pub struct Message {
    pub topic: Bytes,
    pub payload: Bytes,
    /// The DUP flag: the sender says this may be a retransmission.
    pub dup: bool,
}

/// Why the event loop failed. Keeps the kinds the harness turns into user-facing causes;
/// everything else is carried as rumqttc's own text.
#[derive(Debug, thiserror::Error)]
pub enum ConnectionError {
    /// The broker answered CONNECT with a refusal.
    #[error("connection refused: {text}")]
    Refused { reason: Refusal, text: String },
    #[error("I/O: {0}")]
    Io(std::io::Error),
    #[error("TLS: {0}")]
    Tls(rumqttc::TlsError),
    /// The peer closed the connection.
    #[error("connection closed by the broker")]
    Aborted,
    #[error("network timeout")]
    Timeout,
    #[error("{0}")]
    Other(String),
}

/// The refusals the harness explains; the rest keep the broker's code in the text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    BadCredentials,
    NotAuthorized,
    Other,
}

/// A request the client could not queue (the event loop has ended).
#[derive(Debug, Clone, thiserror::Error)]
#[error("{0}")]
pub struct RequestError(String);

impl RequestError {
    fn from(e: impl std::fmt::Display) -> Self {
        Self(e.to_string())
    }
}

impl Client {
    /// Queues a publish; waits only while the request channel is full.
    pub async fn publish(
        &self,
        topic: String,
        qos: QoS,
        payload: Bytes,
    ) -> Result<(), RequestError> {
        match self {
            Self::V4(c) => c
                .publish_bytes(topic, qos, false, payload)
                .await
                .map_err(RequestError::from),
            Self::V5(c) => c
                .publish_bytes(topic, v5::qos(qos), false, payload)
                .await
                .map_err(RequestError::from),
        }
    }

    /// Queues a publish without waiting: for tasks that poll an event loop themselves.
    pub fn try_publish(&self, topic: String, qos: QoS, payload: Bytes) -> Result<(), RequestError> {
        match self {
            Self::V4(c) => c
                .try_publish(topic, qos, false, payload)
                .map_err(RequestError::from),
            Self::V5(c) => c
                .try_publish(topic, v5::qos(qos), false, payload)
                .map_err(RequestError::from),
        }
    }

    pub async fn subscribe(&self, filter: &str, qos: QoS) -> Result<(), RequestError> {
        match self {
            Self::V4(c) => c.subscribe(filter, qos).await.map_err(RequestError::from),
            Self::V5(c) => c
                .subscribe(filter, v5::qos(qos))
                .await
                .map_err(RequestError::from),
        }
    }

    /// Queues a subscribe without waiting (never await in the task that polls the loop).
    pub fn try_subscribe(&self, filter: &str, qos: QoS) -> Result<(), RequestError> {
        match self {
            Self::V4(c) => c.try_subscribe(filter, qos).map_err(RequestError::from),
            Self::V5(c) => c
                .try_subscribe(filter, v5::qos(qos))
                .map_err(RequestError::from),
        }
    }

    pub async fn disconnect(&self) -> Result<(), RequestError> {
        match self {
            Self::V4(c) => c.disconnect().await.map_err(RequestError::from),
            Self::V5(c) => c.disconnect().await.map_err(RequestError::from),
        }
    }

    pub fn try_disconnect(&self) -> Result<(), RequestError> {
        match self {
            Self::V4(c) => c.try_disconnect().map_err(RequestError::from),
            Self::V5(c) => c.try_disconnect().map_err(RequestError::from),
        }
    }
}

impl EventLoop {
    /// Polls the connection once: connects (or reconnects) when needed, writes a queued
    /// request or reads a packet. Cancel-safe as rumqttc's own `poll` is.
    pub async fn poll(&mut self) -> Result<Event, ConnectionError> {
        match self {
            Self::V4(e) => e.poll().await.map(v4::event).map_err(v4::error),
            Self::V5(e) => e.poll().await.map(v5::event).map_err(v5::error),
        }
    }
}
