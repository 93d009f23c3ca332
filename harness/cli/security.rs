//! `probe` and `tamper`: what a broker and the suites do with ill-formed or damaged input.

use super::{BadInput, runtime};

/// Robustness probes: malformed MQTT packets from a sacrificial client, with bystander
/// subscribers of several client libraries watching (loopback, or the broker named here).
#[derive(Debug, clap::Args)]
pub struct ProbeArgs {
    /// The broker: mqtt://host:port, host:port, or `embedded`.
    #[arg(long)]
    broker: String,
    /// How long to wait for the broker's reaction to each probe, e.g. 2s.
    #[arg(long, default_value = "2s", value_parser = humantime::parse_duration)]
    observe: std::time::Duration,
    /// Print JSON instead of the table.
    #[arg(long)]
    json: bool,
    /// Bystander implementations, comma-separated (rumqttc, libmosquitto, paho; default:
    /// every one installed here).
    #[arg(long, value_delimiter = ',')]
    bystanders: Vec<String>,
    /// At most this long after each probe for a knocked-off bystander to come back, e.g. 3s.
    #[arg(long, default_value = "3s", value_parser = humantime::parse_duration)]
    recover: std::time::Duration,
}

impl ProbeArgs {
    pub fn execute(self) -> anyhow::Result<()> {
        use crate::probe;
        let to_anyhow = |e: probe::ProbeError| {
            if e.is_input_error() {
                anyhow::Error::new(BadInput(e.to_string()))
            } else {
                anyhow::Error::new(e)
            }
        };
        let opts = probe::ProbeOptions {
            observe: self.observe,
            recover: self.recover,
            bystanders: self.bystanders,
            ..Default::default()
        };
        let broker = self.broker;
        let report = runtime()?.block_on(async {
            // The URL came from the command line: explicit, so a remote broker is allowed.
            let target = probe::Target::resolve(&broker, true).await?;
            probe::run(&target, &opts).await
        });
        let report = report.map_err(to_anyhow)?;
        let mut out = std::io::stdout().lock();
        if self.json {
            serde_json::to_writer_pretty(&mut out, &report)?;
            use std::io::Write;
            writeln!(out)?;
        } else {
            probe::print_table(&report, &mut out)?;
        }
        Ok(())
    }
}

/// The tamper matrix: real envelopes of each protection, damaged (bit flips, truncation,
/// extension, header fields, header and topic swaps) and opened; prints what was rejected
/// and which forgeries got through.
#[derive(Debug, clap::Args)]
pub struct TamperArgs {
    /// Suites, comma-separated (default: every suite of the catalogue that combines with
    /// --mac and --signature; s-mqtt takes neither).
    #[arg(long, value_delimiter = ',')]
    suite: Vec<String>,
    /// Trials per tamper kind and protection.
    #[arg(long, default_value_t = 1000)]
    trials: u64,
    /// Seed of the tamper choices (same seed, same trials).
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// MAC added to every suite: none or hmac-sha256.
    #[arg(long, default_value = "none")]
    mac: String,
    /// Signature added to every suite: none, ecdsa-p256, ed25519, rsa-2048-pss, rsa-3072-pss.
    #[arg(long, default_value = "none")]
    signature: String,
    /// Plaintext bytes per envelope.
    #[arg(long, default_value_t = 64)]
    size: usize,
    /// Provider to run the protections on: rustcrypto, ring, aws-lc, or all (a row per
    /// provider of each suite, and of the signature). Default: each part on its default
    /// provider. A named suite the provider lacks is an error; unnamed ones are left out.
    #[arg(long)]
    provider: Option<String>,
    /// Print JSON instead of the table.
    #[arg(long)]
    json: bool,
}

impl TamperArgs {
    pub fn execute(self) -> anyhow::Result<()> {
        use super::tamper::{CommandError, Flags, tamper};
        tamper(&Flags {
            suites: &self.suite,
            trials: self.trials,
            seed: self.seed,
            mac: &self.mac,
            signature: &self.signature,
            size: self.size,
            provider: self.provider.as_deref(),
            json: self.json,
        })
        .map_err(|e| match e {
            CommandError::Input(m) => anyhow::Error::new(BadInput(m)),
            e => anyhow::Error::new(e),
        })
    }
}
