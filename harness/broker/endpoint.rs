//! A broker endpoint resolved from the scenario's `[broker]` table: address, transport and
//! credentials. Passwords come from an environment variable or a file, never the scenario.

use std::fmt;
use std::path::PathBuf;

use crate::scenario::schema::{BrokerSection, Protocol, Transport};

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
    pub host: String,
    pub port: u16,
    pub transport: Transport,
    pub protocol: Protocol,
    pub credentials: Option<Credentials>,
    pub ca: Option<PathBuf>,
    /// True for the in-process rumqttd.
    pub embedded: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum EndpointError {
    #[error("broker.url: expected \"embedded\" or mqtt://host:port, got \"{0}\"")]
    BadUrl(String),
    #[error("broker.url: {0}")]
    Unsupported(String),
    #[error("broker.password_env: environment variable {0} is not set")]
    MissingEnv(String),
    #[error("broker.password_file: cannot read {path}: {source}")]
    PasswordFile {
        path: PathBuf,
        source: std::io::Error,
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

impl Endpoint {
    /// Resolves the `[broker]` table, starting the embedded broker if it names it.
    pub fn resolve(b: &BrokerSection) -> Result<Endpoint, EndpointError> {
        let url = b.url.get_ref().trim();
        let credentials = credentials(b)?;
        if url.eq_ignore_ascii_case("embedded") {
            if b.protocol == Protocol::V5 {
                return Err(EndpointError::Unsupported(
                    "the embedded broker is started with an MQTT 3.1.1 (v4) listener; use protocol = \"v4\" or an external broker URL".into(),
                ));
            }
            let broker = embedded::shared()?;
            return Ok(Endpoint {
                host: broker.addr.ip().to_string(),
                port: broker.addr.port(),
                transport: Transport::Tcp,
                protocol: b.protocol,
                credentials,
                ca: b.ca.clone(),
                embedded: true,
            });
        }
        let (scheme, rest) = url
            .split_once("://")
            .ok_or_else(|| EndpointError::BadUrl(url.into()))?;
        let (transport, default_port) = match scheme.to_ascii_lowercase().as_str() {
            "mqtt" | "tcp" => (Transport::Tcp, 1883),
            "mqtts" | "ssl" => (Transport::Tls, 8883),
            "ws" => (Transport::Ws, 8080),
            "wss" => (Transport::Wss, 8081),
            _ => return Err(EndpointError::BadUrl(url.into())),
        };
        let authority = rest.split('/').next().unwrap_or_default();
        if authority.contains('@') {
            return Err(EndpointError::Unsupported(
                "credentials in the URL are not accepted (they would be recorded); use broker.username and broker.password_env".into(),
            ));
        }
        let (host, port) = match authority.rsplit_once(':') {
            Some((h, p)) if !h.ends_with(']') || h.starts_with('[') => (
                h.trim_matches(|c| c == '[' || c == ']').to_owned(),
                p.parse().map_err(|_| EndpointError::BadUrl(url.into()))?,
            ),
            _ => (authority.to_owned(), default_port),
        };
        if host.is_empty() {
            return Err(EndpointError::BadUrl(url.into()));
        }
        Ok(Endpoint {
            host,
            port,
            transport,
            protocol: b.protocol,
            credentials,
            ca: b.ca.clone(),
            embedded: false,
        })
    }

    /// The URL as recorded in results (never with a password).
    pub fn display_url(&self) -> String {
        let scheme = match self.transport {
            Transport::Tcp => "mqtt",
            Transport::Tls => "mqtts",
            Transport::Ws => "ws",
            Transport::Wss => "wss",
        };
        let host = if self.host.contains(':') {
            format!("[{}]", self.host)
        } else {
            self.host.clone()
        };
        format!("{scheme}://{host}:{}", self.port)
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
}
