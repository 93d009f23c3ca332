//! MQTT client set-up: options every client of the harness needs (Nagle off, packet limits
//! raised), connecting with a measured connect time, and errors that say what to fix.
//!
//! For TLS clients the handshake is also timed on its own: just before the MQTT connection,
//! a separate TCP connection is opened (timed: `tcp_connect`), the TLS handshake run on it
//! with the same configuration (timed: `tls_handshake`, ClientHello to Finished) and closed.
//! rumqttc does TCP, TLS and CONNECT in one call and exposes no hook between them, so this
//! probe is the one way to report the handshake apart from MQTT; the `connect` phase still
//! covers the real connection from TCP SYN to CONNACK.

use std::sync::Arc;
use std::time::Duration;

use crate::broker::Endpoint;
use crate::broker::config::{Protocol, Session, Transport};
use crate::measure::clock::now_ns;

use super::mqtt::{self, Client, ConnectionError, Event, EventLoop, Refusal};
use super::tls;

/// Requests a client can queue before `publish` waits: deep enough that an open-loop
/// publisher never blocks on the channel while the event loop writes.
const REQUEST_CAPACITY: usize = 10_000;
/// How long a connection attempt may take before it is reported as failed.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

#[derive(Debug, Clone, thiserror::Error)]
pub enum ClientError {
    #[error("broker refused: bad username or password ({url}){detail}")]
    BadCredentials { url: String, detail: &'static str },
    #[error("broker refused: not authorized ({url}){hint}")]
    NotAuthorized { url: String, hint: &'static str },
    #[error("broker refused the connection: {code} ({url})")]
    Refused { url: String, code: String },
    /// MQTT 5 says why (e.g. `SUBACK NotAuthorized`, `QuotaExceeded`); 3.1.1 only that it did.
    #[error(
        "broker refused the subscription to {filter}: {reason} (its ACL may not let this user read it) ({url})"
    )]
    SubscribeRefused {
        url: String,
        filter: String,
        reason: String,
    },
    #[error("cannot reach broker at {url}: {cause}")]
    Unreachable { url: String, cause: String },
    #[error("broker at {url} did not answer CONNECT within {secs} s")]
    Timeout { url: String, secs: u64 },
    #[error("TLS error: {cause} ({url})")]
    Tls { url: String, cause: String },
    /// The scenario's TLS files are unusable (bad input).
    #[error("{0}")]
    TlsSetup(#[from] tls::TlsSetupError),
    #[error("{0}")]
    Unsupported(String),
}

impl ClientError {
    /// Bad input (exit 2) rather than a broker or network failure (exit 1).
    pub fn is_input_error(&self) -> bool {
        matches!(self, Self::Unsupported(_) | Self::TlsSetup(_))
    }
}

/// What a client is for: sets the buffers it needs.
#[derive(Debug, Clone, Copy)]
pub struct ClientSpec<'a> {
    pub client_id: &'a str,
    /// Largest PUBLISH packet this client sends or receives.
    pub max_packet: usize,
    /// Unacknowledged QoS 1/2 publishes allowed in flight.
    pub inflight: u16,
    pub session: Session,
    /// Local address to connect from (`load.source_addrs`), or the kernel's choice.
    pub source: Option<std::net::IpAddr>,
}

/// The settings of one client (no I/O), for the endpoint's protocol.
pub fn settings(
    endpoint: &Endpoint,
    spec: &ClientSpec,
    tls: Option<Arc<rustls::ClientConfig>>,
) -> Result<mqtt::Settings, ClientError> {
    let (host, port) = endpoint.dial();
    // rumqttc takes a WebSocket broker as a whole URL and dials the host:port inside it.
    let ws_url = |scheme: &str| {
        format!(
            "{scheme}://{}:{port}{}",
            crate::broker::endpoint::url_host(&host),
            endpoint.path
        )
    };
    let (address, transport) = match (endpoint.transport, tls) {
        (Transport::Tcp, _) => (host.clone(), rumqttc::Transport::Tcp),
        (Transport::Ws, _) => (ws_url("ws"), rumqttc::Transport::Ws),
        (Transport::Tls, Some(config)) => (
            host.clone(),
            rumqttc::Transport::tls_with_config(rumqttc::TlsConfiguration::Rustls(config)),
        ),
        (Transport::Wss, Some(config)) => (
            ws_url("wss"),
            rumqttc::Transport::wss_with_config(rumqttc::TlsConfiguration::Rustls(config)),
        ),
        (Transport::Tls | Transport::Wss, None) => {
            return Err(ClientError::Unsupported(
                "internal: a TLS endpoint needs a TLS configuration".into(),
            ));
        }
    };
    Ok(mqtt::Settings {
        client_id: spec.client_id.to_owned(),
        address,
        port,
        transport,
        keep_alive: endpoint.keep_alive.unwrap_or(Duration::from_secs(30)),
        // rumqttc's default limit is 10 KiB; sizes go to 16 MiB.
        max_packet: spec.max_packet,
        inflight: spec.inflight,
        request_capacity: REQUEST_CAPACITY,
        connect_timeout: CONNECT_TIMEOUT,
        credentials: endpoint
            .credentials
            .as_ref()
            .map(|c| (c.username.clone(), c.password.clone())),
        session: spec.session,
        source: spec.source,
    })
}

/// A connected client and how long its connection took.
pub struct Connected {
    pub client: Client,
    pub eventloop: EventLoop,
    /// TCP connect (+ TLS handshake) + CONNECT → CONNACK.
    pub connect_ns: u64,
    /// TLS clients only: the probe's TCP connect and TLS handshake (see the module docs).
    pub tls_probe: Option<TlsTiming>,
    /// MQTT 5: the Receive Maximum the broker granted (publishes unacknowledged at once).
    pub receive_max: Option<u16>,
    /// MQTT 5: the largest packet the broker accepts, when its CONNACK says.
    pub max_packet: Option<u32>,
}

#[derive(Debug, Clone, Copy)]
pub struct TlsTiming {
    pub tcp_connect_ns: u64,
    pub handshake_ns: u64,
}

/// Opens a TCP connection to the endpoint and runs the TLS handshake on it, timing each;
/// then closes it (close_notify). Errors name the cause as [`connect`]'s do.
pub async fn tls_probe(
    endpoint: &Endpoint,
    config: Arc<rustls::ClientConfig>,
) -> Result<TlsTiming, ClientError> {
    use tokio::io::AsyncWriteExt;
    let url = endpoint.display_url();
    let (host, port) = endpoint.dial();
    let addr = format!("{host}:{port}");
    let t0 = now_ns();
    let tcp = tokio::time::timeout(CONNECT_TIMEOUT, tokio::net::TcpStream::connect(&addr))
        .await
        .map_err(|_| ClientError::Timeout {
            url: url.clone(),
            secs: CONNECT_TIMEOUT.as_secs(),
        })?
        .map_err(|e| ClientError::Unreachable {
            url: url.clone(),
            cause: e.to_string(),
        })?;
    // Same socket options as the MQTT connection, so the handshake flights are not delayed.
    let _ = tcp.set_nodelay(true);
    let t1 = now_ns();
    // The name is checked by the verifier against the real host; this one only goes into SNI.
    let sni = rustls::pki_types::ServerName::try_from(endpoint.tls_name.clone()).map_err(|_| {
        ClientError::Tls {
            url: url.clone(),
            cause: format!("\"{}\" is not a valid server name", endpoint.tls_name),
        }
    })?;
    let connector = tokio_rustls::TlsConnector::from(config);
    let mut stream = tokio::time::timeout(CONNECT_TIMEOUT, connector.connect(sni, tcp))
        .await
        .map_err(|_| ClientError::Timeout {
            url: url.clone(),
            secs: CONNECT_TIMEOUT.as_secs(),
        })?
        .map_err(|e| io_error(e, endpoint, url.clone()))?;
    let t2 = now_ns();
    let _ = stream.shutdown().await;
    Ok(TlsTiming {
        tcp_connect_ns: t1.saturating_sub(t0),
        handshake_ns: t2.saturating_sub(t1),
    })
}

/// Connects and waits for CONNACK. Does not retry: a wrong password must not become a
/// retry storm against the user's broker.
pub async fn connect(endpoint: &Endpoint, spec: &ClientSpec<'_>) -> Result<Connected, ClientError> {
    let tls_config = match endpoint.transport {
        Transport::Tls | Transport::Wss => Some(tls::client_config(endpoint)?),
        Transport::Tcp | Transport::Ws => None,
    };
    let tls_probe = match &tls_config {
        Some(c) => Some(tls_probe(endpoint, c.clone()).await?),
        None => None,
    };
    connect_with(endpoint, spec, tls_config, tls_probe).await
}

async fn connect_with(
    endpoint: &Endpoint,
    spec: &ClientSpec<'_>,
    tls_config: Option<Arc<rustls::ClientConfig>>,
    tls_probe: Option<TlsTiming>,
) -> Result<Connected, ClientError> {
    let settings = settings(endpoint, spec, tls_config)?;
    let (client, mut eventloop) = mqtt::new(endpoint.protocol, settings);
    let url = endpoint.display_url();
    let start = now_ns();
    let first =
        tokio::time::timeout(CONNECT_TIMEOUT + Duration::from_secs(1), eventloop.poll()).await;
    match first {
        Err(_) => Err(ClientError::Timeout {
            url,
            secs: CONNECT_TIMEOUT.as_secs(),
        }),
        Ok(Ok(Event::ConnAck {
            receive_max,
            max_packet,
            ..
        })) => Ok(Connected {
            client,
            eventloop,
            connect_ns: now_ns().saturating_sub(start),
            tls_probe,
            receive_max,
            max_packet,
        }),
        Ok(Ok(other)) => Err(ClientError::Refused {
            url,
            code: format!("unexpected first packet {other:?}"),
        }),
        Ok(Err(e)) if endpoint.embedded && endpoint.credentials.is_some() && closed(&e) => {
            // rumqttd answers bad credentials by closing the connection instead of sending
            // CONNACK 4; for our own broker the cause is known.
            Err(ClientError::BadCredentials {
                url,
                detail: " (rumqttd closed the connection)",
            })
        }
        Ok(Err(e)) if endpoint.protocol == Protocol::V5 && closed(&e) => {
            // A 3.1.1-only broker (rumqttd's v4 listeners among them) drops an MQTT 5 CONNECT
            // without a CONNACK; rumqttd also answers a wrong password that way.
            let also = if endpoint.credentials.is_some() {
                ", or it refused the username and password (rumqttd closes the connection instead of answering)"
            } else {
                ""
            };
            Err(ClientError::Refused {
                url,
                code: format!(
                    "closed the connection after an MQTT 5 CONNECT, without CONNACK: it may not speak MQTT 5 (try protocol = \"v4\"){also}"
                ),
            })
        }
        Ok(Err(e)) => Err(classify(e, endpoint, url)),
    }
}

/// The peer closed the connection (rather than refusing or timing out).
fn closed(e: &ConnectionError) -> bool {
    use std::io::ErrorKind as K;
    let io = match e {
        ConnectionError::Io(io) | ConnectionError::Tls(rumqttc::TlsError::Io(io)) => io,
        ConnectionError::Aborted => return true,
        _ => return false,
    };
    matches!(
        io.kind(),
        K::ConnectionAborted | K::ConnectionReset | K::UnexpectedEof
    )
}

/// An I/O error of a TLS connection: a rustls failure in words, else the OS error.
fn io_error(e: std::io::Error, endpoint: &Endpoint, url: String) -> ClientError {
    match tls::rustls_error(&e) {
        Some(r) => ClientError::Tls {
            url,
            cause: tls::Cause {
                error: r,
                host: &endpoint.tls_name,
                ca: endpoint.ca.as_deref(),
            }
            .to_string(),
        },
        None if endpoint.transport == Transport::Tls
            && e.kind() == std::io::ErrorKind::UnexpectedEof =>
        {
            ClientError::Tls {
                url,
                cause: "the broker closed the connection during the handshake (is this port a TLS listener? does it require a client certificate?)".into(),
            }
        }
        None => ClientError::Unreachable {
            url,
            cause: e.to_string(),
        },
    }
}

/// Turns a connection error into one that names the cause.
pub fn classify(e: ConnectionError, endpoint: &Endpoint, url: String) -> ClientError {
    match e {
        ConnectionError::Refused {
            reason: Refusal::BadCredentials,
            ..
        } => ClientError::BadCredentials { url, detail: "" },
        // MQTT 3.1.1 brokers (Mosquitto among them) answer a wrong password with code 5.
        ConnectionError::Refused {
            reason: Refusal::NotAuthorized,
            ..
        } if endpoint.credentials.is_some() => ClientError::BadCredentials {
            url,
            detail: " (CONNACK: not authorized)",
        },
        ConnectionError::Refused {
            reason: Refusal::NotAuthorized,
            ..
        } => ClientError::NotAuthorized {
            url,
            hint: "; it may need broker.username and broker.password_env",
        },
        ConnectionError::Refused { text, .. } => ClientError::Refused { url, code: text },
        ConnectionError::Io(io) => io_error(io, endpoint, url),
        ConnectionError::Tls(rumqttc::TlsError::Io(io)) => io_error(io, endpoint, url),
        ConnectionError::Tls(rumqttc::TlsError::TLS(r)) => ClientError::Tls {
            url,
            cause: tls::Cause {
                error: &r,
                host: &endpoint.tls_name,
                ca: endpoint.ca.as_deref(),
            }
            .to_string(),
        },
        ConnectionError::Tls(other) => ClientError::Tls {
            url,
            cause: other.to_string(),
        },
        ConnectionError::Timeout => ClientError::Timeout {
            url,
            secs: CONNECT_TIMEOUT.as_secs(),
        },
        other => ClientError::Unreachable {
            url,
            cause: other.to_string(),
        },
    }
}
