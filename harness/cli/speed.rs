//! `speed`: the suites measured in-process, `openssl speed`-style.

use super::BadInput;
use crate::crypto::signature::SigAlg;

/// An `openssl speed`-style table of every suite, in-process, no broker.
#[derive(Debug, clap::Args)]
pub struct SpeedArgs {
    /// Suites to measure, comma-separated (default: all).
    #[arg(long, value_delimiter = ',')]
    suites: Vec<String>,
    /// Plaintext sizes in bytes, comma-separated (default: 2,16,20,50,64,100,200,256,1024,8192,16384).
    #[arg(long, value_delimiter = ',')]
    sizes: Vec<usize>,
    /// Measuring time per cell (suite x size x direction), split over the samples, e.g.
    /// 300ms or 1s; a warm-up of max(time/10, 20ms) comes first.
    #[arg(long, default_value = "300ms", value_parser = humantime::parse_duration)]
    time: std::time::Duration,
    /// Timed samples per cell (at least 5): each cell reports their median and 95% interval.
    #[arg(long, default_value_t = 10)]
    samples: u32,
    /// Also time every suite cold: each call alone, after the core's L1d and L2 were
    /// evicted, as a device sending a message every few milliseconds meets them.
    #[arg(long)]
    cold: bool,
    /// Print JSON instead of the table (fields: results/README.md, "speed --json").
    #[arg(long)]
    json: bool,
    /// Provider to measure on: rustcrypto, ring, aws-lc, or all (a row per provider of each
    /// suite and signature). Default: each suite's and signature's default provider.
    #[arg(long)]
    provider: Option<String>,
    /// Associated data per sealed message, bytes (default 48, a topic and envelope header;
    /// `openssl speed -aead` uses 13).
    #[arg(long, default_value_t = crate::speed::AAD_LEN)]
    aad_len: usize,
    /// Signature algorithms to time, comma-separated (default: all; `none`: no signatures).
    #[arg(long, value_delimiter = ',')]
    signatures: Vec<String>,
    /// Do not time P-256 ECDH.
    #[arg(long)]
    no_ecdh: bool,
}

impl SpeedArgs {
    pub fn execute(self) -> anyhow::Result<()> {
        use std::io::IsTerminal;
        let samples = self.samples;
        if samples < crate::speed::MIN_SAMPLES {
            return Err(BadInput(format!(
                "--samples: expected at least {} (fewer cannot give an interval), got {samples}",
                crate::speed::MIN_SAMPLES
            ))
            .into());
        }
        if self.time.is_zero() {
            return Err(
                BadInput("--time: expected a positive duration, e.g. 300ms, got 0".into()).into(),
            );
        }
        let suites = self
            .suites
            .iter()
            .map(|s| {
                s.parse::<crate::crypto::Suite>()
                    .map_err(|e| BadInput(format!("--suites: {e}")))
            })
            .collect::<Result<Vec<_>, _>>()?;
        if let Some(bad) = self
            .sizes
            .iter()
            .find(|&&n| n == 0 || n > crate::scenario::schema::MAX_SIZE)
        {
            return Err(BadInput(format!(
                "--sizes: expected 1 to {} bytes, got {bad}",
                crate::scenario::schema::MAX_SIZE
            ))
            .into());
        }
        if self.aad_len > 65_535 {
            return Err(BadInput(format!(
                "--aad-len: expected 0 to 65535 bytes (an MQTT topic is at most 65535), got {}",
                self.aad_len
            ))
            .into());
        }
        let providers = match self.provider.as_deref() {
            None => crate::speed::Providers::Default,
            Some(p) if p.eq_ignore_ascii_case("all") => crate::speed::Providers::All,
            Some(p) => {
                let p = p
                    .parse::<crate::crypto::Provider>()
                    .map_err(|e| BadInput(format!("--provider: {e}, or all")))?;
                // A suite named on the command line that the provider lacks is an error, not a
                // silently missing row.
                if let Some(e) = suites.iter().find_map(|&s| s.provider(Some(p)).err()) {
                    return Err(BadInput(format!("--provider: {e}")).into());
                }
                crate::speed::Providers::Only(p)
            }
        };
        let signatures = self
            .signatures
            .iter()
            .map(|name| {
                SigAlg::ALL
                    .into_iter()
                    .find(|a| a.name().eq_ignore_ascii_case(name))
                    .ok_or_else(|| {
                        let all: Vec<&str> = SigAlg::ALL.iter().map(|a| a.name()).collect();
                        BadInput(format!(
                            "--signatures: unknown signature \"{name}\" (expected one of {})",
                            all.join(", ")
                        ))
                    })
            })
            .collect::<Result<Vec<_>, _>>()?;
        let mut opts = crate::speed::SpeedOptions {
            suites,
            providers,
            aad_len: self.aad_len,
            ecdh: !self.no_ecdh,
            min_time: self.time,
            samples,
            progress: std::io::stderr().is_terminal(),
            cold: self.cold,
            ..Default::default()
        };
        if !self.sizes.is_empty() {
            opts.sizes = self.sizes;
        }
        if !signatures.is_empty() {
            // `none` among them measures nothing for it (run() skips it): `--signatures none`
            // times no signature at all.
            opts.signatures = signatures;
        }
        let report = crate::speed::run(&opts);
        let mut out = std::io::stdout().lock();
        if self.json {
            serde_json::to_writer_pretty(&mut out, &report)?;
            use std::io::Write;
            writeln!(out)?;
        } else {
            crate::speed::print_table(&report, &mut out)?;
        }
        Ok(())
    }
}
