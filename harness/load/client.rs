//! MQTT client set-up: options every client of the harness needs (Nagle off, packet limits
//! raised), connecting with a measured connect time, and errors that say what to fix.

use std::time::Duration;

use rumqttc::{
    AsyncClient, ConnectReturnCode, ConnectionError, Event, EventLoop, Incoming, MqttOptions,
    NetworkOptions,
};

use crate::broker::Endpoint;
use crate::measure::clock::now_ns;
use crate::scenario::schema::{Protocol, Transport};

/// Requests a client can queue before `publish` waits: deep enough that an open-loop
/// publisher never blocks on the channel while the event loop writes.
const REQUEST_CAPACITY: usize = 10_000;
/// How long a connection attempt may take before it is reported as failed.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

#[derive(Debug, Clone, thiserror::Error)]
pub enum ClientError {
    #[error("broker refused: bad username or password ({url})")]
    BadCredentials { url: String },
    #[error("broker refused: not authorized ({url})")]
    NotAuthorized { url: String },
    #[error("broker refused the connection: {code} ({url})")]
    Refused { url: String, code: String },
    #[error("cannot reach broker at {url}: {cause}")]
    Unreachable { url: String, cause: String },
    #[error("broker at {url} did not answer CONNECT within {secs} s")]
    Timeout { url: String, secs: u64 },
    #[error("{0}")]
    Unsupported(String),
}

/// What a client is for: sets the buffers it needs.
#[derive(Debug, Clone, Copy)]
pub struct ClientSpec<'a> {
    pub client_id: &'a str,
    /// Largest PUBLISH packet this client sends or receives.
    pub max_packet: usize,
    /// Unacknowledged QoS 1/2 publishes allowed in flight.
    pub inflight: u16,
}

/// Builds the options of one client (no I/O).
pub fn options(endpoint: &Endpoint, spec: &ClientSpec) -> Result<MqttOptions, ClientError> {
    if endpoint.protocol != Protocol::V4 {
        return Err(ClientError::Unsupported(
            "protocol = \"v5\" is not supported by this build's client yet; use \"v4\" (MQTT 3.1.1)".into(),
        ));
    }
    if endpoint.transport != Transport::Tcp {
        return Err(ClientError::Unsupported(format!(
            "transport {} is not supported by this build yet; use tcp (mqtt://)",
            endpoint.transport.name()
        )));
    }
    let mut o = MqttOptions::new(spec.client_id, endpoint.host.clone(), endpoint.port);
    o.set_keep_alive(Duration::from_secs(30));
    o.set_clean_session(true);
    // rumqttc's default limit is 10 KiB; sizes go to 16 MiB.
    o.set_max_packet_size(spec.max_packet, spec.max_packet);
    o.set_inflight(spec.inflight.max(1));
    o.set_request_channel_capacity(REQUEST_CAPACITY);
    if let Some(c) = &endpoint.credentials {
        o.set_credentials(c.username.clone(), c.password.clone());
    }
    Ok(o)
}

/// A connected client and how long CONNECT → CONNACK took.
pub struct Connected {
    pub client: AsyncClient,
    pub eventloop: EventLoop,
    pub connect_ns: u64,
}

/// Connects and waits for CONNACK. Does not retry: a wrong password must not become a
/// retry storm against the user's broker.
pub async fn connect(endpoint: &Endpoint, spec: &ClientSpec<'_>) -> Result<Connected, ClientError> {
    let opts = options(endpoint, spec)?;
    let (client, mut eventloop) = AsyncClient::new(opts, REQUEST_CAPACITY);
    let mut net = NetworkOptions::new();
    // Without this every small publish waits for Nagle: ~40 ms round trips.
    net.set_tcp_nodelay(true);
    net.set_connection_timeout(CONNECT_TIMEOUT.as_secs());
    eventloop.set_network_options(net);
    let url = endpoint.display_url();
    let start = now_ns();
    let first =
        tokio::time::timeout(CONNECT_TIMEOUT + Duration::from_secs(1), eventloop.poll()).await;
    match first {
        Err(_) => Err(ClientError::Timeout {
            url,
            secs: CONNECT_TIMEOUT.as_secs(),
        }),
        Ok(Ok(Event::Incoming(Incoming::ConnAck(_)))) => Ok(Connected {
            client,
            eventloop,
            connect_ns: now_ns().saturating_sub(start),
        }),
        Ok(Ok(other)) => Err(ClientError::Refused {
            url,
            code: format!("unexpected first packet {other:?}"),
        }),
        Ok(Err(e)) => Err(classify(e, url)),
    }
}

/// Turns a connection error into one that names the cause.
pub fn classify(e: ConnectionError, url: String) -> ClientError {
    match e {
        ConnectionError::ConnectionRefused(ConnectReturnCode::BadUserNamePassword) => {
            ClientError::BadCredentials { url }
        }
        ConnectionError::ConnectionRefused(ConnectReturnCode::NotAuthorized) => {
            ClientError::NotAuthorized { url }
        }
        ConnectionError::ConnectionRefused(code) => ClientError::Refused {
            url,
            code: format!("{code:?}"),
        },
        ConnectionError::Io(io) => ClientError::Unreachable {
            url,
            cause: io.to_string(),
        },
        ConnectionError::NetworkTimeout => ClientError::Timeout {
            url,
            secs: CONNECT_TIMEOUT.as_secs(),
        },
        other => ClientError::Unreachable {
            url,
            cause: other.to_string(),
        },
    }
}
