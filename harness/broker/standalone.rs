//! `broker`: the embedded rumqttd as a standalone broker, so a second machine (a Raspberry Pi,
//! a laptop on the device network) can serve runs started elsewhere with `--broker URL`.
//!
//! Listeners: plain MQTT 3.1.1 on `bind:port`, and with `--tls-port` a TLS listener whose
//! certificate comes from a private CA kept in `--cert-dir` (created on first start and reused
//! afterwards, so clients keep trusting the same `ca.pem`). rumqttd serves MQTT 5 on ports of
//! its own: `--v5-port` and `--v5-tls-port`. With `--auth FILE` every listener requires a
//! username and password from the file.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use super::config::Protocol;
use super::{certs, embedded};

#[derive(Debug, Clone)]
pub struct StandaloneOptions {
    pub bind: IpAddr,
    pub port: u16,
    pub tls_port: Option<u16>,
    /// MQTT 5 listeners (rumqttd serves each version on its own port).
    pub v5_port: Option<u16>,
    pub v5_tls_port: Option<u16>,
    pub cert_dir: PathBuf,
    /// Names the TLS certificate is valid for (DNS names or IP addresses).
    pub names: Vec<String>,
    pub auth: Option<PathBuf>,
}

#[derive(Debug, thiserror::Error)]
pub enum StandaloneError {
    /// Bad input: a port in use, an unreadable or malformed auth file.
    #[error("{0}")]
    Input(String),
    #[error("{0}")]
    Start(String),
}

/// What is listening, for the banner.
#[derive(Debug, Clone)]
pub struct Listening {
    pub plain: SocketAddr,
    pub tls: Option<SocketAddr>,
    pub v5: Option<SocketAddr>,
    pub v5_tls: Option<SocketAddr>,
    pub ca: Option<PathBuf>,
    pub users: usize,
}

/// Reads `username:password` lines (`#` comments and blank lines skipped), as rumqttd's own
/// static auth takes them. The file holds plaintext passwords, so it should be private.
pub fn read_auth_file(path: &Path) -> Result<Vec<(String, String)>, StandaloneError> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        StandaloneError::Input(format!("cannot read auth file {}: {e}", path.display()))
    })?;
    let mut users = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        match line.split_once(':') {
            Some((u, p)) if !u.is_empty() && !p.is_empty() => {
                users.push((u.to_owned(), p.to_owned()))
            }
            // The line may hold a password: name the line, never echo it.
            _ => {
                return Err(StandaloneError::Input(format!(
                    "{}:{}: expected `username:password`",
                    path.display(),
                    n + 1
                )));
            }
        }
    }
    if users.is_empty() {
        return Err(StandaloneError::Input(format!(
            "auth file {} has no `username:password` line",
            path.display()
        )));
    }
    Ok(users)
}

/// True when group or others may read the file (worth a warning: it holds passwords).
#[cfg(unix)]
pub fn readable_by_others(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).is_ok_and(|m| m.permissions().mode() & 0o044 != 0)
}

#[cfg(not(unix))]
pub fn readable_by_others(_path: &Path) -> bool {
    false
}

fn check_free(addr: SocketAddr) -> Result<(), StandaloneError> {
    TcpListener::bind(addr).map(drop).map_err(|e| {
        StandaloneError::Input(format!(
            "cannot listen on {addr}: {e} (another broker on that port? pick one with --port, --tls-port, --v5-port or --v5-tls-port)"
        ))
    })
}

/// The CA and server certificate in `dir`: reused when all three files exist, else made.
fn certificates(dir: &Path, names: &[String]) -> Result<certs::CertFiles, StandaloneError> {
    let files = certs::CertFiles {
        ca: dir.join("ca.pem"),
        cert: dir.join("server.pem"),
        key: dir.join("server.key"),
    };
    if files.ca.exists() && files.cert.exists() && files.key.exists() {
        return Ok(files);
    }
    std::fs::create_dir_all(dir)
        .map_err(|e| StandaloneError::Input(format!("cannot create {}: {e}", dir.display())))?;
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    certs::generate(dir, &names).map_err(|e| StandaloneError::Start(e.to_string()))
}

/// Starts the broker on its own thread and returns once every listener accepts connections.
/// The broker runs until the process exits.
pub fn start(opts: &StandaloneOptions) -> Result<Listening, StandaloneError> {
    let users = match &opts.auth {
        Some(path) => read_auth_file(path)?,
        None => Vec::new(),
    };
    let at = |port: Option<u16>| port.map(|p| SocketAddr::new(opts.bind, p));
    let plain = SocketAddr::new(opts.bind, opts.port);
    let (tls_addr, v5_addr, v5_tls_addr) =
        (at(opts.tls_port), at(opts.v5_port), at(opts.v5_tls_port));
    let all: Vec<SocketAddr> = [Some(plain), tls_addr, v5_addr, v5_tls_addr]
        .into_iter()
        .flatten()
        .collect();
    for &a in &all {
        check_free(a)?;
    }
    let files = match tls_addr.or(v5_tls_addr) {
        Some(_) => Some(certificates(&opts.cert_dir, &opts.names)?),
        None => None,
    };
    for (u, p) in &users {
        embedded::allow(u, p);
    }
    let auth = !users.is_empty();
    let tls = |addr: Option<SocketAddr>| addr.zip(files.as_ref().map(embedded::tls_config));
    let mut cfg = embedded::config_with(
        embedded::version_servers(Protocol::V4, Some(plain), tls(tls_addr), auth)
            .into_iter()
            .collect(),
    );
    let v5: HashMap<_, _> =
        embedded::version_servers(Protocol::V5, v5_addr, tls(v5_tls_addr), auth)
            .into_iter()
            .collect();
    cfg.v5 = (!v5.is_empty()).then_some(v5);
    std::thread::Builder::new()
        .name("rumqttd".into())
        .spawn(move || {
            let mut broker = rumqttd::Broker::new(cfg);
            if let Err(e) = broker.start() {
                eprintln!("broker stopped: {e}");
            }
        })
        .map_err(|e| StandaloneError::Start(format!("cannot spawn the broker thread: {e}")))?;
    let deadline = Instant::now() + Duration::from_secs(10);
    for &addr in &all {
        // A wildcard bind is reached through loopback.
        let probe = if addr.ip().is_unspecified() {
            SocketAddr::new(IpAddr::from([127, 0, 0, 1]), addr.port())
        } else {
            addr
        };
        while TcpStream::connect_timeout(&probe, Duration::from_millis(200)).is_err() {
            if Instant::now() > deadline {
                return Err(StandaloneError::Start(format!(
                    "the broker is not listening on {addr} after 10 s"
                )));
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }
    // As for the embedded broker: without this, QoS 0 subscribers wait on delayed ACKs.
    let ports: Vec<u16> = all.iter().map(|a| a.port()).collect();
    crate::broker::nagle::disable_on_ports(&ports);
    Ok(Listening {
        plain,
        tls: tls_addr,
        v5: v5_addr,
        v5_tls: v5_tls_addr,
        ca: files.map(|f| f.ca),
        users: users.len(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auth_file_lines_and_errors_that_never_echo_a_password() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("users");
        std::fs::write(
            &p,
            "# bench users\n\nbench:s3cret:with:colons\npi:raspberry\n",
        )
        .unwrap();
        let users = read_auth_file(&p).unwrap();
        assert_eq!(
            users,
            vec![
                ("bench".into(), "s3cret:with:colons".into()),
                ("pi".into(), "raspberry".into())
            ]
        );
        std::fs::write(&p, "bench:ok\nhunter2\n").unwrap();
        let e = read_auth_file(&p).unwrap_err().to_string();
        assert!(e.ends_with(":2: expected `username:password`"), "{e}");
        assert!(!e.contains("hunter2"));
        std::fs::write(&p, "# nothing\n").unwrap();
        assert!(read_auth_file(&p).is_err());
        assert!(read_auth_file(&dir.path().join("missing")).is_err());
    }
}
