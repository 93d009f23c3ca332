//! TLS for clients: the rustls configuration built from the scenario's `[broker]` table (CA,
//! client certificate), the handshake timed on its own, and rustls errors turned into
//! sentences that name the cause.
//!
//! The configuration is built here rather than with rumqttc's `Transport::tls(ca, …)` for two
//! reasons: errors can name the file they came from, and the server name checked against the
//! certificate is the broker's real host even when the client dials the in-process link
//! proxy on 127.0.0.1 (rumqttc passes the address it dials as the server name).

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use rustls::{
    CertificateError, ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme,
};

use crate::broker::Endpoint;

/// Why a TLS client configuration could not be built (bad input: exit 2).
#[derive(Debug, Clone, thiserror::Error)]
pub enum TlsSetupError {
    #[error("broker.{field}: cannot read {path}: {cause}")]
    Read {
        field: &'static str,
        path: PathBuf,
        cause: String,
    },
    #[error("broker.{field}: {path} holds no PEM {what}")]
    Empty {
        field: &'static str,
        path: PathBuf,
        what: &'static str,
    },
    #[error("broker.client_cert and broker.client_key go together (mutual TLS needs both)")]
    HalfClientAuth,
    #[error("broker.client_key: {0}")]
    ClientKey(String),
    #[error("TLS set-up: {0}")]
    Other(String),
}

/// The rustls provider: aws-lc-rs, the one rumqttc's rustls is built with.
fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::aws_lc_rs::default_provider())
}

fn read_pem_certs(
    field: &'static str,
    path: &Path,
) -> Result<Vec<CertificateDer<'static>>, TlsSetupError> {
    let bytes = std::fs::read(path).map_err(|e| TlsSetupError::Read {
        field,
        path: path.to_owned(),
        cause: e.to_string(),
    })?;
    let certs = CertificateDer::pem_slice_iter(&bytes)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| TlsSetupError::Read {
            field,
            path: path.to_owned(),
            cause: format!("not PEM: {e}"),
        })?;
    if certs.is_empty() {
        return Err(TlsSetupError::Empty {
            field,
            path: path.to_owned(),
            what: "certificate",
        });
    }
    Ok(certs)
}

/// The trust anchors: the scenario's CA file, else the OS trust store.
fn roots(ca: Option<&Path>) -> Result<RootCertStore, TlsSetupError> {
    let mut store = RootCertStore::empty();
    match ca {
        Some(path) => {
            for c in read_pem_certs("ca", path)? {
                store.add(c).map_err(|e| TlsSetupError::Read {
                    field: "ca",
                    path: path.to_owned(),
                    cause: format!("not a usable CA certificate: {e}"),
                })?;
            }
        }
        None => {
            let found = rustls_native_certs::load_native_certs();
            store.add_parsable_certificates(found.certs);
            if store.is_empty() {
                return Err(TlsSetupError::Other(
                    "no broker.ca given and the OS trust store is empty; set broker.ca to the PEM of the CA that signed the broker's certificate".into(),
                ));
            }
        }
    }
    Ok(store)
}

/// Checks the certificate against the broker's real host name, whatever address was dialled.
#[derive(Debug)]
struct FixedNameVerifier {
    inner: Arc<WebPkiServerVerifier>,
    name: ServerName<'static>,
}

impl ServerCertVerifier for FixedNameVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        _dialled: &ServerName<'_>,
        ocsp: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        self.inner
            .verify_server_cert(end_entity, intermediates, &self.name, ocsp, now)
    }
    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls12_signature(message, cert, dss)
    }
    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls13_signature(message, cert, dss)
    }
    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.inner.supported_verify_schemes()
    }
}

/// A client configuration for `endpoint` (which names the host the certificate must match).
pub fn client_config(endpoint: &Endpoint) -> Result<Arc<ClientConfig>, TlsSetupError> {
    let provider = provider();
    let roots = Arc::new(roots(endpoint.ca.as_deref())?);
    let inner = WebPkiServerVerifier::builder_with_provider(roots, provider.clone())
        .build()
        .map_err(|e| TlsSetupError::Other(e.to_string()))?;
    let name = ServerName::try_from(endpoint.tls_name.clone()).map_err(|_| {
        TlsSetupError::Other(format!(
            "\"{}\" is neither a DNS name nor an IP address",
            endpoint.tls_name
        ))
    })?;
    let builder = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| TlsSetupError::Other(e.to_string()))?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(FixedNameVerifier { inner, name }));
    let config = match (&endpoint.client_cert, &endpoint.client_key) {
        (None, None) => builder.with_no_client_auth(),
        (Some(cert), Some(key)) => {
            let chain = read_pem_certs("client_cert", cert)?;
            let bytes = std::fs::read(key).map_err(|e| TlsSetupError::Read {
                field: "client_key",
                path: key.clone(),
                cause: e.to_string(),
            })?;
            // Never echo the key's bytes: only say which file and what kind of problem.
            let key_der =
                PrivateKeyDer::from_pem_slice(&bytes).map_err(|_| TlsSetupError::Empty {
                    field: "client_key",
                    path: key.clone(),
                    what: "private key (PKCS#8, PKCS#1 or SEC1)",
                })?;
            builder
                .with_client_auth_cert(chain, key_der)
                .map_err(|e| TlsSetupError::ClientKey(format!("does not fit client_cert: {e}")))?
        }
        _ => return Err(TlsSetupError::HalfClientAuth),
    };
    Ok(Arc::new(config))
}

/// A rustls failure in words a user can act on.
pub struct Cause<'a> {
    pub error: &'a rustls::Error,
    pub host: &'a str,
    pub ca: Option<&'a Path>,
}

impl fmt::Display for Cause<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use rustls::Error as E;
        let ca = match self.ca {
            Some(p) => format!("broker.ca = {}", p.display()),
            None => "broker.ca not set, OS trust store used".into(),
        };
        match self.error {
            E::InvalidCertificate(c) => match c {
                CertificateError::UnknownIssuer => {
                    write!(f, "certificate signed by unknown authority ({ca})")
                }
                CertificateError::NotValidForName
                | CertificateError::NotValidForNameContext { .. } => write!(
                    f,
                    "certificate is not valid for host \"{}\" (its names do not include it; connect by a name in the certificate's SANs)",
                    self.host
                ),
                CertificateError::Expired | CertificateError::ExpiredContext { .. } => {
                    write!(f, "certificate has expired ({c:?})")
                }
                CertificateError::NotValidYet | CertificateError::NotValidYetContext { .. } => {
                    write!(f, "certificate is not valid yet (check the clock) ({c:?})")
                }
                CertificateError::Revoked => write!(f, "certificate has been revoked"),
                // webpki finds the issuer by name: a CA of the same name but another key
                // (a regenerated private CA) ends here rather than at UnknownIssuer.
                CertificateError::BadSignature => write!(
                    f,
                    "certificate signed by unknown authority ({ca}; it holds a CA of the same name but with another key)"
                ),
                other => write!(f, "invalid certificate: {other:?}"),
            },
            E::AlertReceived(a) => write!(
                f,
                "the broker aborted the handshake with alert {a:?} (a client certificate it wants? broker.client_cert / client_key)"
            ),
            E::InvalidMessage(m) => write!(
                f,
                "the server did not answer in TLS ({m:?}); is this port a plain MQTT listener?"
            ),
            E::NoCertificatesPresented => write!(f, "the broker presented no certificate"),
            other => write!(f, "{other}"),
        }
    }
}

/// The rustls error inside an I/O error from tokio-rustls, if there is one.
pub fn rustls_error(e: &std::io::Error) -> Option<&rustls::Error> {
    e.get_ref()
        .and_then(|inner| inner.downcast_ref::<rustls::Error>())
}
