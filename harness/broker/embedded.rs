//! The embedded rumqttd broker: started once per process on a free 127.0.0.1 port and left
//! running (rumqttd cannot be shut down in-process), so every run and test of the process
//! shares it.

use std::collections::HashMap;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use rumqttd::{Broker, Config, ConnectionSettings, RouterConfig, ServerSettings};

/// Largest PUBLISH payload the embedded broker accepts: room for the largest scenario size
/// plus the envelope.
pub const MAX_PAYLOAD: usize = crate::scenario::schema::MAX_SIZE + 64 * 1024;

#[derive(Debug, Clone)]
pub struct EmbeddedBroker {
    pub addr: SocketAddr,
}

#[derive(Debug, Clone, thiserror::Error)]
#[error("cannot start the embedded broker: {0}")]
pub struct EmbeddedError(String);

static SHARED: OnceLock<Result<EmbeddedBroker, EmbeddedError>> = OnceLock::new();

/// The process's embedded broker, started on first use.
pub fn shared() -> Result<EmbeddedBroker, EmbeddedError> {
    SHARED.get_or_init(start).clone()
}

/// The rumqttd version linked in (from Cargo.lock, via build.rs).
pub fn version() -> Option<String> {
    env!("MCB_CRATE_VERSIONS")
        .split(',')
        .find_map(|kv| kv.strip_prefix("rumqttd="))
        .map(str::to_owned)
}

fn free_port() -> Result<SocketAddr, EmbeddedError> {
    // rumqttd binds its own listener and cannot report an ephemeral port, so reserve one,
    // release it, and hand its number over (the window for a clash is microseconds).
    let l = TcpListener::bind("127.0.0.1:0")
        .map_err(|e| EmbeddedError(format!("no free loopback port: {e}")))?;
    l.local_addr().map_err(|e| EmbeddedError(e.to_string()))
}

fn config(addr: SocketAddr) -> Config {
    let connections = ConnectionSettings {
        connection_timeout_ms: 60_000,
        max_payload_size: MAX_PAYLOAD,
        max_inflight_count: 1000,
        auth: None,
        external_auth: None,
        dynamic_filters: true,
    };
    let server = ServerSettings {
        name: "v4-bench".into(),
        listen: addr,
        tls: None,
        next_connection_delay_ms: 0,
        connections,
    };
    Config {
        id: 0,
        router: RouterConfig {
            max_connections: 20_000,
            max_outgoing_packet_count: 1000,
            max_segment_size: 256 * 1024 * 1024,
            max_segment_count: 10,
            custom_segment: None,
            initialized_filters: None,
            shared_subscriptions_strategy: Default::default(),
        },
        v4: Some(HashMap::from([("1".to_owned(), server)])),
        v5: None,
        ws: None,
        cluster: None,
        console: None,
        bridge: None,
        prometheus: None,
        metrics: None,
    }
}

fn start() -> Result<EmbeddedBroker, EmbeddedError> {
    let addr = free_port()?;
    let cfg = config(addr);
    std::thread::Builder::new()
        .name("rumqttd".into())
        .spawn(move || {
            let mut broker = Broker::new(cfg);
            if let Err(e) = broker.start() {
                eprintln!("embedded broker stopped: {e}");
            }
        })
        .map_err(|e| EmbeddedError(format!("cannot spawn its thread: {e}")))?;
    // Ready when it accepts a TCP connection.
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        match TcpStream::connect_timeout(&addr, Duration::from_millis(200)) {
            Ok(_) => return Ok(EmbeddedBroker { addr }),
            Err(e) if Instant::now() > deadline => {
                return Err(EmbeddedError(format!(
                    "not listening on {addr} after 10 s: {e}"
                )));
            }
            Err(_) => std::thread::sleep(Duration::from_millis(10)),
        }
    }
}
