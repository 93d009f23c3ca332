//! `speed`: the suites measured in-process, `openssl speed`-style.

use super::BadInput;
use crate::crypto::Suite;
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
    /// Also time every block-mode suite (DES, 3DES, Blowfish, AES in ECB/CBC/PCBC/CFB/OFB/CTR)
    /// as one long stream: one mode context, each call N more bytes, no IV, key schedule or
    /// padding per call, as `openssl speed -evp` measures; separate tables and JSON fields
    /// (`stream_encrypt`, `stream_decrypt`). Other suites: an error when named in --suites,
    /// left out otherwise. Sizes must be whole blocks (default 16,64,256,1024,8192,16384).
    #[arg(long)]
    stream: bool,
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
                s.parse::<Suite>()
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
        let (suites, sizes) = if self.stream {
            stream_suites_and_sizes(suites, self.sizes)?
        } else {
            (suites, self.sizes)
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
            stream: self.stream,
            ..Default::default()
        };
        if !sizes.is_empty() {
            opts.sizes = sizes;
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

/// `--stream`'s suites and sizes: the named suites when every one is a block mode (an error
/// naming those that are not), else every block-mode suite with a note on stderr; the sizes
/// given when each is a whole number of blocks of every suite, `openssl speed -evp`'s
/// (`crate::speed::STREAM_SIZES`) when none were given.
fn stream_suites_and_sizes(
    named: Vec<Suite>,
    sizes: Vec<usize>,
) -> Result<(Vec<Suite>, Vec<usize>), BadInput> {
    let suites = if named.is_empty() {
        let (block, other): (Vec<Suite>, Vec<Suite>) = Suite::all().partition(|s| s.streams());
        eprintln!(
            "speed --stream: the {} block-mode suites only; {} have no stream and are left out",
            block.len(),
            names(&other)
        );
        block
    } else {
        let other: Vec<Suite> = named.iter().copied().filter(|s| !s.streams()).collect();
        if !other.is_empty() {
            return Err(BadInput(format!(
                "--stream: {} {} (a stream is for DES, 3DES, Blowfish and AES in ECB, CBC, \
                 PCBC, CFB, OFB and CTR); leave {} out of --suites, or drop --stream",
                names(&other),
                if other.len() == 1 {
                    "is not a block mode"
                } else {
                    "are not block modes"
                },
                if other.len() == 1 { "it" } else { "them" },
            )));
        }
        named
    };
    if sizes.is_empty() {
        return Ok((suites, crate::speed::STREAM_SIZES.to_vec()));
    }
    for &size in &sizes {
        if let Some((s, block)) = suites
            .iter()
            .filter_map(|s| Some((s, s.block_len()?)))
            .find(|(_, block)| size % block != 0)
        {
            return Err(BadInput(format!(
                "--sizes: --stream takes whole blocks, and {size} is not a multiple of {s}'s \
                 {block}-byte block (e.g. 16,64,256,1024,8192,16384, openssl speed's sizes)"
            )));
        }
    }
    Ok((suites, sizes))
}

/// "aes-128-gcm, ecies-p256".
fn names(suites: &[Suite]) -> String {
    suites
        .iter()
        .map(|s| s.name())
        .collect::<Vec<_>>()
        .join(", ")
}
