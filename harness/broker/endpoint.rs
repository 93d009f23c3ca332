//! A broker endpoint resolved from the scenario's `[broker]` table: address, transport and
//! credentials. Passwords come from an environment variable or a file, never the scenario.

use std::fmt;
use std::path::PathBuf;

use super::config::{BrokerSection, Protocol, Transport};

use super::embedded;

#[derive(Clone)]
pub struct Credentials {
    pub username: String,
    pub password: String,
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Credentials({}, <password redacted>)", self.username)
    }
}

/// Where and how clients connect.
#[derive(Debug, Clone)]
pub struct Endpoint {
    /// The address dialled (the link proxy's when one sits in between).
    pub host: String,
    pub port: u16,
    pub transport: Transport,
    pub protocol: Protocol,
    pub credentials: Option<Credentials>,
    /// Trust anchor for TLS (the embedded broker's private CA when `url = "embedded"`).
    pub ca: Option<PathBuf>,
    pub client_cert: Option<PathBuf>,
    pub client_key: Option<PathBuf>,
    /// The name the broker's certificate must carry: the host of the URL, kept when a proxy
    /// changes `host`.
    pub tls_name: String,
    /// HTTP path of a WebSocket listener.
    pub path: String,
    /// True for the in-process rumqttd.
    pub embedded: bool,
    /// When set, clients dial this (the link proxy) instead of host:port; errors and results
    /// still name host:port.
    pub via: Option<std::net::SocketAddr>,
    /// MQTT keep-alive of clients dialling this endpoint (`[link] keep_alive`); None: 30 s.
    pub keep_alive: Option<std::time::Duration>,
    /// Every listener known, by transport; the `transport` axis picks one per case.
    pub listeners: Vec<Listener>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listener {
    pub transport: Transport,
    pub host: String,
    pub port: u16,
    /// HTTP path of a WebSocket listener (`/mqtt` when the URL gives none); unused otherwise.
    pub path: String,
    /// The one MQTT version this listener speaks; None: it negotiates (Mosquitto and most
    /// brokers serve 3.1.1 and 5 on one port).
    pub protocol: Option<Protocol>,
}

#[derive(Debug, thiserror::Error)]
pub enum EndpointError {
    #[error(
        "{field}: expected \"embedded\" or mqtt://host:port (mqtts://, ws://, wss://), got \"{url}\""
    )]
    BadUrl { field: &'static str, url: String },
    #[error("{0}")]
    Unsupported(String),
    #[error("broker.password_env: environment variable {0} is not set")]
    MissingEnv(String),
    #[error("broker.password_file: cannot read {path}: {source}")]
    PasswordFile {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("matrix.transport: no {transport} listener known for this broker; {hint}")]
    NoListener {
        transport: &'static str,
        hint: &'static str,
    },
    #[error(transparent)]
    Embedded(#[from] embedded::EmbeddedError),
}

impl EndpointError {
    /// Bad input (exit 2) as opposed to a failure of the environment (exit 1).
    pub fn is_input_error(&self) -> bool {
        !matches!(self, Self::Embedded(_))
    }
}

/// Splits `scheme://host[:port][/path]` (no credentials allowed in it).
pub fn parse_url(field: &'static str, url: &str) -> Result<Listener, EndpointError> {
    let bad = || EndpointError::BadUrl {
        field,
        url: url.into(),
    };
    let (scheme, rest) = url.split_once("://").ok_or_else(bad)?;
    let (transport, default_port) = match scheme.to_ascii_lowercase().as_str() {
        "mqtt" | "tcp" => (Transport::Tcp, 1883),
        "mqtts" | "ssl" => (Transport::Tls, 8883),
        "ws" => (Transport::Ws, 8080),
        "wss" => (Transport::Wss, 8081),
        _ => return Err(bad()),
    };
    let (authority, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, ""),
    };
    let path = if path.is_empty() { "/mqtt" } else { path }.to_owned();
    if authority.contains('@') {
        return Err(EndpointError::Unsupported(format!(
            "{field}: credentials in the URL are not accepted (they would be recorded); use broker.username and broker.password_env"
        )));
    }
    let (host, port) = match authority.rsplit_once(':') {
        Some((h, p)) if !h.ends_with(']') || h.starts_with('[') => (
            h.trim_matches(|c| c == '[' || c == ']').to_owned(),
            p.parse().map_err(|_| bad())?,
        ),
        _ => (authority.to_owned(), default_port),
    };
    if host.is_empty() {
        return Err(bad());
    }
    Ok(Listener {
        transport,
        host,
        port,
        path,
        protocol: None,
    })
}

/// The transport a `[broker] url` speaks (the default of the `transport` axis).
pub fn url_transport(url: &str) -> Option<Transport> {
    let url = url.trim();
    if url.eq_ignore_ascii_case("embedded") {
        return Some(Transport::Tcp);
    }
    parse_url("broker.url", url).ok().map(|l| l.transport)
}

/// Why `transport` cannot be used with this `[broker]` table, if it cannot (no I/O: checked
/// while validating the scenario so the error can point at the file).
pub fn transport_unavailable(b: &BrokerSection, transport: Transport) -> Option<EndpointError> {
    let url = b.url.get_ref().trim();
    let embedded = url.eq_ignore_ascii_case("embedded");
    let missing = |t: Transport, extra: &Option<toml::Spanned<String>>, hint| {
        (url_transport(url) != Some(t) && extra.is_none()).then_some(EndpointError::NoListener {
            transport: t.name(),
            hint,
        })
    };
    match transport {
        Transport::Ws | Transport::Wss if embedded && b.username.is_some() => {
            Some(EndpointError::Unsupported(
                "matrix.transport: the embedded broker's ws and wss listeners are anonymous; drop broker.username or use tcp/tls".into(),
            ))
        }
        _ if embedded => None,
        Transport::Tcp => (url_transport(url) != Some(Transport::Tcp)).then_some(
            EndpointError::NoListener {
                transport: "tcp",
                hint: "broker.url is not an mqtt:// URL; give the plain listener as url and the TLS one as broker.tls_url",
            },
        ),
        Transport::Tls => missing(
            Transport::Tls,
            &b.tls_url,
            "set broker.tls_url = \"mqtts://host:8883\" (or make broker.url mqtts://)",
        ),
        Transport::Ws => missing(
            Transport::Ws,
            &b.ws_url,
            "set broker.ws_url = \"ws://host:8080/mqtt\" (or make broker.url ws://)",
        ),
        Transport::Wss => missing(
            Transport::Wss,
            &b.wss_url,
            "set broker.wss_url = \"wss://host:8081/mqtt\" (or make broker.url wss://)",
        ),
    }
}

/// Why `protocol` cannot be spoken over `transport` on this broker, if it cannot. Only the
/// embedded rumqttd has a limit: it serves MQTT 5 over TCP and TLS, not over WebSocket.
pub fn protocol_unavailable(
    b: &BrokerSection,
    transport: Transport,
    protocol: Protocol,
) -> Option<EndpointError> {
    let embedded = b.url.get_ref().trim().eq_ignore_ascii_case("embedded");
    (embedded && protocol == Protocol::V5 && matches!(transport, Transport::Ws | Transport::Wss))
        .then(|| {
            EndpointError::Unsupported(format!(
                "the embedded broker (rumqttd) serves MQTT 5 over tcp and tls only, not {}; use an external broker (scripts/mosquitto.sh) for v5 over WebSocket",
                transport.name()
            ))
        })
}

/// A host as it goes into a URL: IPv6 addresses in brackets.
pub fn url_host(host: &str) -> String {
    if host.contains(':') {
        format!("[{host}]")
    } else {
        host.to_owned()
    }
}

/// The URL scheme of a transport.
pub fn scheme(t: Transport) -> &'static str {
    match t {
        Transport::Tcp => "mqtt",
        Transport::Tls => "mqtts",
        Transport::Ws => "ws",
        Transport::Wss => "wss",
    }
}

/// The `[broker]` fields that name a listener besides `url`, and the transport each must speak.
pub fn other_listeners(
    b: &BrokerSection,
) -> [(&'static str, &Option<toml::Spanned<String>>, Transport); 3] {
    [
        ("broker.tls_url", &b.tls_url, Transport::Tls),
        ("broker.ws_url", &b.ws_url, Transport::Ws),
        ("broker.wss_url", &b.wss_url, Transport::Wss),
    ]
}

/// The `[broker]` fields that name an MQTT 5-only listener, and the transport each must speak.
pub fn v5_listeners(
    b: &BrokerSection,
) -> [(&'static str, &Option<toml::Spanned<String>>, Transport); 2] {
    [
        ("broker.v5_url", &b.v5_url, Transport::Tcp),
        ("broker.v5_tls_url", &b.v5_tls_url, Transport::Tls),
    ]
}

impl Endpoint {
    /// Resolves the `[broker]` table, starting the embedded broker if it names it.
    pub fn resolve(b: &BrokerSection) -> Result<Endpoint, EndpointError> {
        let url = b.url.get_ref().trim();
        let credentials = credentials(b)?;
        if url.eq_ignore_ascii_case("embedded") {
            let broker = embedded::shared()?;
            // With credentials, the listeners that check them; without, the anonymous ones.
            let authenticated = credentials.is_some();
            if let Some(c) = &credentials {
                embedded::allow(&c.username, &c.password);
            }
            let listener = |transport, protocol, a: std::net::SocketAddr| Listener {
                transport,
                host: a.ip().to_string(),
                port: a.port(),
                path: "/mqtt".into(),
                protocol: Some(protocol),
            };
            let mut listeners = Vec::new();
            for protocol in [Protocol::V4, Protocol::V5] {
                let (plain, tls) = broker.tcp_listeners(protocol, authenticated);
                listeners.push(listener(Transport::Tcp, protocol, plain));
                listeners.push(listener(Transport::Tls, protocol, tls));
            }
            // The WebSocket listeners are anonymous and 3.1.1 only (transport_unavailable and
            // protocol_unavailable say so).
            if !authenticated {
                listeners.push(listener(Transport::Ws, Protocol::V4, broker.ws_addr));
                listeners.push(listener(Transport::Wss, Protocol::V4, broker.wss_addr));
            }
            let protocol = *b.protocol.get_ref();
            let (plain, _) = broker.tcp_listeners(protocol, authenticated);
            return Ok(Endpoint {
                host: plain.ip().to_string(),
                port: plain.port(),
                transport: Transport::Tcp,
                protocol,
                credentials,
                ca: Some(b.ca.clone().unwrap_or(broker.ca)),
                client_cert: b.client_cert.clone(),
                client_key: b.client_key.clone(),
                tls_name: plain.ip().to_string(),
                path: String::new(),
                embedded: true,
                via: None,
                keep_alive: None,
                listeners,
            });
        }
        let main = parse_url("broker.url", url)?;
        let mut listeners = vec![main.clone()];
        // A listener field: its URL, which must speak the field's transport.
        let extra = |field, t: &toml::Spanned<String>, transport| {
            let l = parse_url(field, t.get_ref().trim())?;
            if l.transport != transport {
                return Err(EndpointError::BadUrl {
                    field,
                    url: t.get_ref().clone(),
                });
            }
            Ok(l)
        };
        for (field, t, transport) in other_listeners(b) {
            let Some(t) = t else { continue };
            let l = extra(field, t, transport)?;
            listeners.retain(|x| x.transport != transport);
            listeners.push(l);
        }
        // A version-specific listener makes the general one of its transport 3.1.1 only.
        for (field, t, transport) in v5_listeners(b) {
            let Some(t) = t else { continue };
            let mut l = extra(field, t, transport)?;
            for x in listeners.iter_mut().filter(|x| x.transport == transport) {
                x.protocol = Some(Protocol::V4);
            }
            l.protocol = Some(Protocol::V5);
            listeners.push(l);
        }
        Ok(Endpoint {
            host: main.host.clone(),
            port: main.port,
            transport: main.transport,
            protocol: *b.protocol.get_ref(),
            credentials,
            ca: b.ca.clone(),
            client_cert: b.client_cert.clone(),
            client_key: b.client_key.clone(),
            tls_name: main.host,
            path: main.path,
            embedded: false,
            via: None,
            keep_alive: None,
            listeners,
        })
    }

    /// The same broker through its `transport` listener, in this endpoint's protocol.
    pub fn for_transport(&self, transport: Transport) -> Result<Endpoint, EndpointError> {
        self.for_case(transport, self.protocol)
    }

    /// The same broker through the listener that speaks `protocol` over `transport`.
    pub fn for_case(
        &self,
        transport: Transport,
        protocol: Protocol,
    ) -> Result<Endpoint, EndpointError> {
        let speaks =
            |l: &&Listener, p: Option<Protocol>| l.transport == transport && l.protocol == p;
        let l = self
            .listeners
            .iter()
            .find(|l| speaks(l, Some(protocol)))
            .or_else(|| self.listeners.iter().find(|l| speaks(l, None)))
            .ok_or(EndpointError::NoListener {
                transport: transport.name(),
                hint: "set broker.tls_url (or broker.url) to a listener of that transport",
            })?;
        Ok(Endpoint {
            host: l.host.clone(),
            port: l.port,
            transport,
            protocol,
            tls_name: l.host.clone(),
            path: l.path.clone(),
            ..self.clone()
        })
    }

    /// The address clients connect to: the proxy's when one is in between.
    pub fn dial(&self) -> (String, u16) {
        match self.via {
            Some(a) => (a.ip().to_string(), a.port()),
            None => (self.host.clone(), self.port),
        }
    }

    /// The URL as recorded in results (never with a password).
    pub fn display_url(&self) -> String {
        format!(
            "{}://{}:{}",
            scheme(self.transport),
            url_host(&self.host),
            self.port
        )
    }
}

fn credentials(b: &BrokerSection) -> Result<Option<Credentials>, EndpointError> {
    let Some(username) = b.username.clone() else {
        return Ok(None);
    };
    let password = match (&b.password_env, &b.password_file) {
        (Some(var), _) => std::env::var(var).map_err(|_| EndpointError::MissingEnv(var.clone()))?,
        (None, Some(path)) => std::fs::read_to_string(path)
            .map_err(|source| EndpointError::PasswordFile {
                path: path.clone(),
                source,
            })?
            .lines()
            .next()
            .unwrap_or_default()
            .to_owned(),
        (None, None) => String::new(),
    };
    Ok(Some(Credentials { username, password }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn section(url: &str) -> BrokerSection {
        BrokerSection {
            url: toml::Spanned::new(0..0, url.to_owned()),
            ..Default::default()
        }
    }

    #[test]
    fn parses_urls() {
        let e = Endpoint::resolve(&section("mqtt://10.0.0.5:1884")).unwrap();
        assert_eq!(
            (e.host.as_str(), e.port, e.transport),
            ("10.0.0.5", 1884, Transport::Tcp)
        );
        let e = Endpoint::resolve(&section("mqtts://pi.local")).unwrap();
        assert_eq!((e.port, e.transport), (8883, Transport::Tls));
        let e = Endpoint::resolve(&section("mqtt://[::1]:1883")).unwrap();
        assert_eq!(e.host, "::1");
        assert_eq!(e.display_url(), "mqtt://[::1]:1883");
        assert!(Endpoint::resolve(&section("http://x")).is_err());
        assert!(Endpoint::resolve(&section("mqtt://u:p@host")).is_err());
    }

    #[test]
    fn transport_picks_the_listener() {
        let mut b = section("mqtt://pi.local");
        assert!(transport_unavailable(&b, Transport::Tls).is_some());
        b.tls_url = Some(toml::Spanned::new(0..0, "mqtts://pi.local:8884".into()));
        assert!(transport_unavailable(&b, Transport::Tls).is_none());
        let e = Endpoint::resolve(&b).unwrap();
        let t = e.for_transport(Transport::Tls).unwrap();
        assert_eq!((t.port, t.transport), (8884, Transport::Tls));
        assert_eq!(t.display_url(), "mqtts://pi.local:8884");
        assert_eq!(e.for_transport(Transport::Tcp).unwrap().port, 1883);
        assert!(transport_unavailable(&b, Transport::Ws).is_some());
        b.ws_url = Some(toml::Spanned::new(0..0, "ws://pi.local:9001".into()));
        assert!(transport_unavailable(&b, Transport::Ws).is_none());
        let w = Endpoint::resolve(&b)
            .unwrap()
            .for_transport(Transport::Ws)
            .unwrap();
        assert_eq!((w.port, w.path.as_str()), (9001, "/mqtt"), "default path");
        let e = Endpoint::resolve(&section("wss://pi.local/ws")).unwrap();
        assert_eq!(
            (e.port, e.transport, e.path.as_str()),
            (8081, Transport::Wss, "/ws")
        );
    }
}
