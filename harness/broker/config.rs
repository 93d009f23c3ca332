//! The broker's side of a scenario: the `[broker]` section (where it is, how to reach it), the
//! MQTT versions and transports, and the largest message, as serde types. They live here,
//! below `scenario`, because the broker, client and Security Center code is configured by them;
//! `scenario::schema` re-exports them as part of the file's schema.

use std::path::PathBuf;

use serde::Deserialize;
use toml::Spanned;

/// The largest plaintext the harness sends (the envelope adds up to ~0.5 KiB; the client's
/// and the embedded broker's packet limits are raised to fit).
pub const MAX_SIZE: usize = 16 * 1024 * 1024;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BrokerSection {
    /// `embedded`, or `mqtt://host:port` / `mqtts://host:port` / `ws://host:port/path` /
    /// `wss://host:port/path`.
    #[serde(default = "default_url")]
    pub url: Spanned<String>,
    /// The broker's TLS listener (`mqtts://host:8883`) when `url` is its plain one: the
    /// `transport` axis uses `url` for tcp and this for tls.
    pub tls_url: Option<Spanned<String>>,
    /// The broker's MQTT-over-WebSocket listeners (`ws://host:8080/mqtt`,
    /// `wss://host:8081/mqtt`), for the `ws` and `wss` values of the `transport` axis.
    pub ws_url: Option<Spanned<String>>,
    pub wss_url: Option<Spanned<String>>,
    /// MQTT 5 listeners of a broker that serves each version on its own port (rumqttd, and
    /// this tool's `broker --v5-port`): MQTT 5 cases over tcp (tls) dial these, and `url`
    /// (`tls_url`) then serves the 3.1.1 cases only.
    pub v5_url: Option<Spanned<String>>,
    pub v5_tls_url: Option<Spanned<String>>,
    /// PEM file of the CA that signed the broker's certificate.
    pub ca: Option<PathBuf>,
    pub client_cert: Option<PathBuf>,
    pub client_key: Option<PathBuf>,
    pub username: Option<String>,
    /// Name of the environment variable holding the password (never the password itself).
    pub password_env: Option<String>,
    /// File whose first line is the password.
    pub password_file: Option<PathBuf>,
    /// The MQTT version of every case unless `matrix.protocol` varies it.
    #[serde(default = "default_protocol")]
    pub protocol: Spanned<Protocol>,
}

impl Default for BrokerSection {
    fn default() -> Self {
        Self {
            url: default_url(),
            tls_url: None,
            ws_url: None,
            wss_url: None,
            v5_url: None,
            v5_tls_url: None,
            ca: None,
            client_cert: None,
            client_key: None,
            username: None,
            password_env: None,
            password_file: None,
            protocol: default_protocol(),
        }
    }
}

fn default_url() -> Spanned<String> {
    Spanned::new(0..0, "embedded".to_owned())
}

fn default_protocol() -> Spanned<Protocol> {
    Spanned::new(0..0, Protocol::V4)
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Protocol {
    /// MQTT 3.1.1.
    #[default]
    V4,
    V5,
}

impl Protocol {
    pub fn name(self) -> &'static str {
        match self {
            Self::V4 => "v4",
            Self::V5 => "v5",
        }
    }
}

/// What the broker keeps of a client between its connections (`load.session`,
/// `matrix.session`).
///
/// `clean` is a fresh session at every connect (3.1.1 clean session, MQTT 5 clean start with
/// no expiry): what a subscriber misses while away is gone. `persistent` keeps the session
/// (3.1.1 clean session false; MQTT 5 clean start false with a Session Expiry Interval):
/// the broker queues QoS 1/2 messages for an absent subscriber and keeps its subscription,
/// and a publisher resends what was not acknowledged. Client ids are stable for the whole
/// case (one per client, case and repetition), which a persistent session needs.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Session {
    #[default]
    Clean,
    Persistent,
}

impl Session {
    pub fn name(self) -> &'static str {
        match self {
            Self::Clean => "clean",
            Self::Persistent => "persistent",
        }
    }
}

/// How clients reach the broker.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Transport {
    Tcp,
    Tls,
    Ws,
    Wss,
}

impl Transport {
    pub fn name(self) -> &'static str {
        match self {
            Self::Tcp => "tcp",
            Self::Tls => "tls",
            Self::Ws => "ws",
            Self::Wss => "wss",
        }
    }
}
