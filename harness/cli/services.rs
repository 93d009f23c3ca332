//! The long-running services and their keys: `broker`, `keygen` and `center`.

use std::path::PathBuf;

use anyhow::Context;

use super::{BadInput, runtime};

/// Run the embedded broker (rumqttd) standalone, e.g. on a second machine, until Ctrl-C.
#[derive(Debug, clap::Args)]
pub struct BrokerArgs {
    /// Address to listen on (0.0.0.0: every interface).
    #[arg(long, default_value = "0.0.0.0")]
    bind: std::net::IpAddr,
    /// Plain MQTT port.
    #[arg(long, default_value_t = 1883)]
    port: u16,
    /// Also listen for MQTT over TLS on this port (certificate from a private CA).
    #[arg(long, value_name = "PORT")]
    tls_port: Option<u16>,
    /// Also serve MQTT 5 on this port (rumqttd serves each version on its own port).
    #[arg(long, value_name = "PORT")]
    v5_port: Option<u16>,
    /// Also serve MQTT 5 over TLS on this port.
    #[arg(long, value_name = "PORT")]
    v5_tls_port: Option<u16>,
    /// Where the CA and server certificate live (made on first start, reused after).
    #[arg(long, default_value = "broker-certs")]
    cert_dir: PathBuf,
    /// Names the TLS certificate is valid for (repeatable; default: localhost, 127.0.0.1
    /// and this machine's hostname).
    #[arg(long = "name", value_name = "HOST")]
    names: Vec<String>,
    /// Require a username and password: a file of `username:password` lines.
    #[arg(long, value_name = "FILE")]
    auth: Option<PathBuf>,
}

impl BrokerArgs {
    pub fn execute(self) -> anyhow::Result<()> {
        use crate::broker::standalone::{self, StandaloneError, StandaloneOptions};
        let mut opts = StandaloneOptions {
            bind: self.bind,
            port: self.port,
            tls_port: self.tls_port,
            v5_port: self.v5_port,
            v5_tls_port: self.v5_tls_port,
            cert_dir: self.cert_dir,
            names: self.names,
            auth: self.auth,
        };
        if opts.names.is_empty() {
            opts.names = vec!["localhost".into(), "127.0.0.1".into()];
            if let Some(h) = hostname() {
                opts.names.push(h);
            }
        }
        if let Some(a) = &opts.auth
            && standalone::readable_by_others(a)
        {
            eprintln!(
                "warning: {} holds passwords and is readable by other users (chmod 600 it)",
                a.display()
            );
        }
        let listening = standalone::start(&opts).map_err(|e| match e {
            StandaloneError::Input(m) => anyhow::Error::new(BadInput(m)),
            e => anyhow::Error::new(e),
        })?;
        println!(
            "rumqttd {} (MQTT 3.1.1) listening on mqtt://{}",
            crate::broker::embedded::version().unwrap_or_default(),
            listening.plain
        );
        if let (Some(tls), Some(ca)) = (listening.tls, &listening.ca) {
            println!(
                "TLS on mqtts://{tls}, certificate for {}; clients trust {}",
                opts.names.join(", "),
                ca.display()
            );
        }
        if let Some(v5) = listening.v5 {
            println!("MQTT 5 on mqtt://{v5} (scenario: protocol = \"v5\")");
        }
        if let (Some(v5_tls), Some(ca)) = (listening.v5_tls, &listening.ca) {
            println!(
                "MQTT 5 over TLS on mqtts://{v5_tls}; clients trust {}",
                ca.display()
            );
        }
        if listening.users > 0 {
            println!(
                "{} user(s) from the auth file; anonymous clients are refused",
                listening.users
            );
        }
        println!("Ctrl-C stops it.");
        runtime()?.block_on(async {
            tokio::signal::ctrl_c()
                .await
                .context("cannot listen for Ctrl-C")
        })
    }
}

/// This machine's hostname, for the TLS certificate's names.
fn hostname() -> Option<String> {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .map(|h| h.trim().to_owned())
        .filter(|h| !h.is_empty())
}

/// Write Security Center identities: the center's key, each client's signing and
/// key-agreement keys (PKCS#8 PEM, 0600), registry.txt, and center.toml/acl.txt templates.
#[derive(Debug, clap::Args)]
pub struct KeygenArgs {
    /// Folder to write to (created if needed; an existing center key is kept).
    dir: PathBuf,
    /// A client to make keys for, ID or ID:CLASS (repeatable).
    #[arg(long = "client", value_name = "ID[:CLASS]", required = true)]
    clients: Vec<String>,
    /// Device class of clients given without one.
    #[arg(long, default_value = "light")]
    class: String,
    /// The clients' signing algorithm: ed25519 or ecdsa-p256.
    #[arg(long, default_value = "ed25519")]
    signature: String,
}

fn center_error(e: crate::center::CenterError) -> anyhow::Error {
    match e {
        crate::center::CenterError::Input(m) => anyhow::Error::new(BadInput(m)),
        e => anyhow::Error::new(e),
    }
}

impl KeygenArgs {
    pub fn execute(self) -> anyhow::Result<()> {
        let signature = &self.signature;
        let kind = crate::center::protocol::SigKind::from_name(signature).ok_or_else(|| {
            BadInput(format!(
                "--signature: expected ed25519 or ecdsa-p256, got \"{signature}\""
            ))
        })?;
        let r = crate::center::command::keygen(&self.dir, &self.clients, &self.class, kind)
            .map_err(center_error)?;
        println!(
            "center key: {} ({}); public: {}",
            r.center_key.display(),
            if r.center_key_created { "new" } else { "kept" },
            r.center_public
        );
        for (id, class, path) in &r.clients {
            println!(
                "client {id} ({class}): {} and .kex.pem (0600)",
                path.display()
            );
        }
        println!("registry: {}", r.registry.display());
        for p in &r.created {
            println!("template: {}", p.display());
        }
        Ok(())
    }
}

/// Run the Security Center standalone next to a broker until Ctrl-C.
#[derive(Debug, clap::Args)]
pub struct CenterArgs {
    /// center.toml (written by keygen): registry, ACL, key, classes, window, TTL, grace.
    #[arg(long)]
    config: PathBuf,
    /// The broker: mqtt://host:port, mqtts://host:port, or `embedded`.
    #[arg(long)]
    broker: String,
    /// Broker username.
    #[arg(long)]
    username: Option<String>,
    /// Environment variable holding the broker password.
    #[arg(long)]
    password_env: Option<String>,
}

impl CenterArgs {
    pub fn execute(self) -> anyhow::Result<()> {
        let broker = self.broker;
        runtime()?.block_on(async {
            let sc =
                crate::center::command::start(&self.config, &broker, self.username, self.password_env)
                    .await
                    .map_err(center_error)?;
            println!(
                "Security Center on {broker}: requests on {p}/req/<client id>, answers on {p}/resp/<client id> (QoS 0); {} client(s) registered; center key {}",
                sc.clients,
                sc.public,
                p = sc.prefix
            );
            let l = sc.authority.config().limits;
            if let Some(r) = l.rate {
                println!(
                    "limits: {} request(s) at once, {} queued, {} per second per client (burst {}); requests over {} B dropped",
                    l.concurrency,
                    l.queue,
                    r.per_second,
                    r.burst,
                    crate::center::protocol::MAX_REQUEST
                );
            }
            println!("Ctrl-C stops it.");
            tokio::signal::ctrl_c()
                .await
                .context("cannot listen for Ctrl-C")?;
            let s = sc.authority.take_stats();
            println!(
                "answered {} request(s): {} granted, {} denied {:?}",
                s.requests,
                s.granted,
                s.denied_total(),
                s.denied
            );
            let d = sc.service.dropped();
            println!(
                "dropped {} request(s) unanswered: {} over {} B, {} over their client's rate, {} busy (every slot and the queue full)",
                d.total(),
                d.oversize,
                crate::center::protocol::MAX_REQUEST,
                d.rate_limited,
                d.busy
            );
            sc.service.stop().await;
            Ok(())
        })
    }
}
