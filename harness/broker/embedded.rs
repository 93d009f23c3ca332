//! The embedded rumqttd broker: started once per process on free 127.0.0.1 ports and left
//! running (rumqttd cannot be shut down in-process), so every run and test of the process
//! shares it.
//!
//! It has four MQTT 3.1.1 listeners over TCP: plain and TLS, each anonymous and with
//! authentication; the same four for MQTT 5 (rumqttd serves each version on its own port);
//! and two anonymous MQTT 3.1.1-over-WebSocket ones, ws and wss (rumqttd 0.20 has no v5 over
//! WebSocket).
//! The TLS ones use a private CA made at start (SANs localhost and 127.0.0.1, files in a
//! per-process temp folder); clients of `url = "embedded"` trust it automatically. The
//! authenticated ones accept exactly the username/password pairs registered with [`allow`]
//! (the first scenario resolved with a username registers its password), so a later wrong
//! password is refused as by a real broker, and one process can serve several users.

use std::collections::HashMap;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use rumqttd::{Broker, Config, ConnectionSettings, RouterConfig, ServerSettings, TlsConfig};

use super::certs;
use super::config::{MAX_SIZE, Protocol};

/// Largest PUBLISH payload the embedded broker accepts: room for the largest scenario size
/// plus the envelope.
pub const MAX_PAYLOAD: usize = MAX_SIZE + 64 * 1024;

#[derive(Debug, Clone)]
pub struct EmbeddedBroker {
    /// Plain, anonymous.
    pub addr: SocketAddr,
    /// TLS, anonymous.
    pub tls_addr: SocketAddr,
    /// Plain, username/password required.
    pub auth_addr: SocketAddr,
    /// TLS, username/password required.
    pub auth_tls_addr: SocketAddr,
    /// The same four for MQTT 5.
    pub v5_addr: SocketAddr,
    pub v5_tls_addr: SocketAddr,
    pub v5_auth_addr: SocketAddr,
    pub v5_auth_tls_addr: SocketAddr,
    /// MQTT over WebSocket, anonymous.
    pub ws_addr: SocketAddr,
    /// MQTT over WebSocket over TLS, anonymous.
    pub wss_addr: SocketAddr,
    /// PEM of the private CA that signed the TLS listeners' certificate.
    pub ca: PathBuf,
}

impl EmbeddedBroker {
    /// The plain and TLS listeners for `protocol`, with or without authentication.
    pub fn tcp_listeners(&self, protocol: Protocol, auth: bool) -> (SocketAddr, SocketAddr) {
        match (protocol, auth) {
            (Protocol::V4, false) => (self.addr, self.tls_addr),
            (Protocol::V4, true) => (self.auth_addr, self.auth_tls_addr),
            (Protocol::V5, false) => (self.v5_addr, self.v5_tls_addr),
            (Protocol::V5, true) => (self.v5_auth_addr, self.v5_auth_tls_addr),
        }
    }

    fn all(&self) -> [SocketAddr; 10] {
        [
            self.addr,
            self.tls_addr,
            self.auth_addr,
            self.auth_tls_addr,
            self.v5_addr,
            self.v5_tls_addr,
            self.v5_auth_addr,
            self.v5_auth_tls_addr,
            self.ws_addr,
            self.wss_addr,
        ]
    }
}

/// Username/password pairs the authenticated listeners accept.
static ALLOWED: Mutex<Vec<(String, String)>> = Mutex::new(Vec::new());

/// Lets `username`/`password` in on the authenticated listeners. The first password given
/// for a username is its password for the life of the process: a later scenario with the same
/// username and another password is refused, as a real broker would refuse it.
pub fn allow(username: &str, password: &str) {
    let mut a = ALLOWED.lock().unwrap_or_else(|p| p.into_inner());
    if !a.iter().any(|(u, _)| u == username) {
        a.push((username.to_owned(), password.to_owned()));
    }
}

/// Whether `username`/`password` were allowed. The password is compared in constant time
/// (`subtle`), so the time a refusal takes says nothing about how much of it was right; every
/// entry is checked, so neither does the time say which user exists.
fn allowed(username: &str, password: &str) -> bool {
    use subtle::ConstantTimeEq;
    let a = ALLOWED.lock().unwrap_or_else(|p| p.into_inner());
    let mut ok = subtle::Choice::from(0);
    for (u, p) in a.iter() {
        ok |= u.as_bytes().ct_eq(username.as_bytes()) & p.as_bytes().ct_eq(password.as_bytes());
    }
    bool::from(ok)
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

pub(crate) fn server(
    name: &str,
    listen: SocketAddr,
    tls: Option<TlsConfig>,
    auth: bool,
) -> ServerSettings {
    let mut connections = ConnectionSettings {
        connection_timeout_ms: 60_000,
        max_payload_size: MAX_PAYLOAD,
        max_inflight_count: 1000,
        auth: None,
        external_auth: None,
        dynamic_filters: true,
    };
    if auth {
        connections.set_auth_handler(|_client_id, user: String, pass: String| {
            std::future::ready(allowed(&user, &pass))
        });
    }
    ServerSettings {
        name: name.into(),
        listen,
        tls,
        next_connection_delay_ms: 0,
        connections,
    }
}

/// rumqttd's TLS settings for a server certificate and key.
pub(crate) fn tls_config(files: &certs::CertFiles) -> TlsConfig {
    TlsConfig::Rustls {
        // No CA: rumqttd only uses it to verify client certificates (a feature not built).
        capath: None,
        certpath: files.cert.display().to_string(),
        keypath: files.key.display().to_string(),
    }
}

/// rumqttd servers for one MQTT version: a plain listener and a TLS one, each when given,
/// named (and keyed) `<version>-plain[-auth]` and `<version>-tls[-auth]`.
pub(crate) fn version_servers(
    version: Protocol,
    plain: Option<SocketAddr>,
    tls: Option<(SocketAddr, TlsConfig)>,
    auth: bool,
) -> Vec<(String, ServerSettings)> {
    let suffix = if auth { "-auth" } else { "" };
    let named = |kind: &str| format!("{}-{kind}{suffix}", version.name());
    let mut out = Vec::new();
    if let Some(a) = plain {
        let name = named("plain");
        out.push((name.clone(), server(&name, a, None, auth)));
    }
    if let Some((a, t)) = tls {
        let name = named("tls");
        out.push((name.clone(), server(&name, a, Some(t), auth)));
    }
    out
}

fn config(b: &EmbeddedBroker, files: &certs::CertFiles) -> Config {
    let tls = || Some(tls_config(files));
    // Per version: plain and TLS, each anonymous and with authentication.
    let servers = |version| -> HashMap<String, ServerSettings> {
        [false, true]
            .into_iter()
            .flat_map(|auth| {
                let (plain, tls_addr) = b.tcp_listeners(version, auth);
                version_servers(
                    version,
                    Some(plain),
                    Some((tls_addr, tls_config(files))),
                    auth,
                )
            })
            .collect()
    };
    let mut cfg = config_with(servers(Protocol::V4));
    cfg.v5 = Some(servers(Protocol::V5));
    cfg.ws = Some(HashMap::from([
        ("1".to_owned(), server("ws", b.ws_addr, None, false)),
        ("2".to_owned(), server("wss", b.wss_addr, tls(), false)),
    ]));
    cfg
}

/// A rumqttd configuration with these MQTT 3.1.1 servers and limits sized for benchmarks.
pub(crate) fn config_with(servers: HashMap<String, ServerSettings>) -> Config {
    Config {
        id: 0,
        router: RouterConfig {
            max_connections: 20_000,
            max_outgoing_packet_count: 1000,
            // rumqttd keeps every message published on a filter in memory, in segments, until
            // the oldest segment is dropped, and counts a message as 4 B + topic + payload
            // only: each also costs a 232-B log entry, and its topic and payload stay slices of
            // the publisher connection's read buffer. So the real log is ~1.7x the bound at
            // 256 B (590 B per 352-B message, measured: examples/rss_probe.rs `flow`) and ~3x
            // at 16 B (computed: 232 + ~110 B per 112-B message).
            // 8 MiB x 8: scripts/soak.sh reached ~140 MiB at ~190 s (the log full: 185k
            // entries) and then moved between 141 and 165 MiB to 600 s with the log and glibc's
            // bytes in use constant (~150 MiB): once a segment has been dropped glibc's dynamic
            // mmap threshold rises, later segment vectors (up to 7.6 MB) come from its heap and
            // freed ones stay resident (6-28 MiB free per mallinfo2). A fixed threshold ends
            // that (MALLOC_MMAP_THRESHOLD_=524288: a 5-minute soak 82.6 -> 81.3 MiB middle to
            // end, against +13% without) but would mmap every message buffer of 512 KiB or more
            // too, inside the timed spans, so it is not set here (see scripts/soak.sh).
            // 4 MiB x 8 halves the log: 85 MiB at 150 s, 96 MiB at 298 s (a 5-minute soak);
            // 32 MiB of payload and topic bytes, 512 messages of 64 KiB (or 95k of 256 B) of
            // slack for a subscriber behind the router (Mosquitto's default queue is 1,000
            // messages per client); further behind, it skips ahead and the case counts the
            // messages lost.
            //
            // The bound is per filter. rumqttd 0.20.0 as published never drops a filter's log,
            // nor the filter, nor the clean-session client ids it has seen, so every case
            // (topics of its own, see run::case) would leave min(what it sent, the bound)
            // behind for the life of the process (18 KiB of VmRSS for a case of 12 messages of
            // 64 B). The build uses vendor/rumqttd, patched to drop a filter once no live
            // connection or saved session subscribes to it (vendor/README.md: 0.1 KiB per case).
            max_segment_size: 4 * 1024 * 1024,
            max_segment_count: 8,
            custom_segment: None,
            initialized_filters: None,
            shared_subscriptions_strategy: Default::default(),
        },
        v4: Some(servers),
        v5: None,
        ws: None,
        cluster: None,
        console: None,
        bridge: None,
        prometheus: None,
        metrics: None,
    }
}

/// Folder name prefix: `mcb-embedded-<pid>-<random>`. The random part (from `tempfile`) makes
/// the name unpredictable, so nobody can plant a folder or symlink there first; the pid lets a
/// later process remove the folder of one that died without its exit handler.
const DIR_PREFIX: &str = "mcb-embedded-";

/// Removes the certificate folders of embedded brokers whose process has ended (killed, so
/// its exit handler did not run).
fn sweep_stale(tmp: &std::path::Path) {
    let Ok(entries) = std::fs::read_dir(tmp) else {
        return;
    };
    for e in entries.flatten() {
        let name = e.file_name();
        let Some(pid) = name
            .to_str()
            .and_then(|n| n.strip_prefix(DIR_PREFIX))
            .and_then(|p| p.split('-').next())
            .and_then(|p| p.parse::<u32>().ok())
        else {
            continue;
        };
        let alive = std::path::Path::new("/proc").join(pid.to_string()).exists();
        // Only folders this user owns: another user's are theirs to clean up.
        let ours = e.metadata().is_ok_and(|m| owned_by_me(&m));
        if cfg!(target_os = "linux") && !alive && ours && pid != std::process::id() {
            let _ = std::fs::remove_dir_all(e.path());
        }
    }
}

#[cfg(unix)]
fn owned_by_me(m: &std::fs::Metadata) -> bool {
    use std::os::unix::fs::MetadataExt;
    // SAFETY: geteuid has no preconditions and cannot fail.
    m.uid() == unsafe { libc::geteuid() }
}

#[cfg(not(unix))]
fn owned_by_me(_m: &std::fs::Metadata) -> bool {
    true
}

/// The broker's folder, removed by [`remove_dir_at_exit`].
static DIR: OnceLock<std::path::PathBuf> = OnceLock::new();

/// Registered with atexit: rumqttd reads the key at every TLS accept, so the folder must live
/// as long as the process, and statics are never dropped.
extern "C" fn remove_dir_at_exit() {
    if let Some(d) = DIR.get() {
        let _ = std::fs::remove_dir_all(d);
    }
}

fn start() -> Result<EmbeddedBroker, EmbeddedError> {
    let tmp = std::env::temp_dir();
    sweep_stale(&tmp);
    // One private folder per process (0700, created exclusively): a second process must not
    // overwrite this one's key, and nobody else may read it.
    let prefix = format!("{DIR_PREFIX}{}-", std::process::id());
    let mut builder = tempfile::Builder::new();
    builder.prefix(&prefix);
    // tempfile uses the default mode (0755 under the usual umask) unless told.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(std::fs::Permissions::from_mode(0o700));
    }
    let dir = builder
        .tempdir_in(&tmp)
        .map_err(|e| EmbeddedError(format!("cannot create a folder in {}: {e}", tmp.display())))?
        .keep();
    if DIR.set(dir.clone()).is_ok() {
        // SAFETY: the handler only reads a static and removes files; it is registered once.
        unsafe {
            libc::atexit(remove_dir_at_exit);
        }
    }
    let files = certs::generate(&dir, &["localhost", "127.0.0.1"])
        .map_err(|e| EmbeddedError(e.to_string()))?;
    let broker = EmbeddedBroker {
        addr: free_port()?,
        tls_addr: free_port()?,
        auth_addr: free_port()?,
        auth_tls_addr: free_port()?,
        v5_addr: free_port()?,
        v5_tls_addr: free_port()?,
        v5_auth_addr: free_port()?,
        v5_auth_tls_addr: free_port()?,
        ws_addr: free_port()?,
        wss_addr: free_port()?,
        ca: files.ca.clone(),
    };
    let cfg = config(&broker, &files);
    std::thread::Builder::new()
        .name("rumqttd".into())
        .spawn(move || {
            let mut broker = Broker::new(cfg);
            if let Err(e) = broker.start() {
                eprintln!("embedded broker stopped: {e}");
            }
        })
        .map_err(|e| EmbeddedError(format!("cannot spawn its thread: {e}")))?;
    // Ready when every listener accepts a TCP connection.
    let deadline = Instant::now() + Duration::from_secs(10);
    for addr in broker.all() {
        loop {
            match TcpStream::connect_timeout(&addr, Duration::from_millis(200)) {
                Ok(_) => break,
                Err(e) if Instant::now() > deadline => {
                    return Err(EmbeddedError(format!(
                        "not listening on {addr} after 10 s: {e}"
                    )));
                }
                Err(_) => std::thread::sleep(Duration::from_millis(10)),
            }
        }
    }
    super::nagle::disable_on_ports(&broker.all().map(|a| a.port()));
    Ok(broker)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    #[test]
    fn folder_is_private_unpredictable_and_its_key_owner_only() {
        use std::os::unix::fs::PermissionsExt;
        let b = shared().unwrap();
        let dir = b.ca.parent().unwrap();
        let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(dir), 0o700, "{}", dir.display());
        assert_eq!(mode(&dir.join("server.key")), 0o600);
        let name = dir.file_name().unwrap().to_str().unwrap();
        let own = format!("{DIR_PREFIX}{}-", std::process::id());
        let random = name.strip_prefix(&own).unwrap_or_else(|| panic!("{name}"));
        assert!(random.len() >= 6, "{name}: no random part");
    }

    #[test]
    fn passwords_match_exactly() {
        allow("ct-user", "s3cret-pass");
        assert!(allowed("ct-user", "s3cret-pass"));
        for wrong in ["s3cret-pas", "s3cret-pass!", "S3cret-pass", ""] {
            assert!(!allowed("ct-user", wrong), "{wrong:?}");
        }
        assert!(!allowed("ct-use", "s3cret-pass"));
        assert!(!allowed("nobody", "s3cret-pass"));
    }
}
