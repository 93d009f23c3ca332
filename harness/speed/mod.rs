//! `speed`: an `openssl speed`-style measurement of every suite, in-process, no broker, with
//! criterion's statistics per cell.
//!
//! ```no_run
//! use mqtt_cipher_bench::speed::{SpeedOptions, run, print_table};
//! let report = run(&SpeedOptions::default()); // every suite, default sizes, 300 ms per cell
//! print_table(&report, &mut std::io::stdout()).unwrap();
//! println!("{}", serde_json::to_string_pretty(&report).unwrap()); // what `speed --json` prints
//! ```
//!
//! What is measured, per suite and plaintext size:
//! - **encrypt**: `Sealer::seal` of a fixed plaintext with a fixed IV and a 48-byte AAD into a
//!   reused buffer (IV generation and envelope framing are not included, as in `openssl speed`);
//! - **decrypt**: `Opener::open` of that body (tag check included for AEADs and hybrids);
//! - **key setup**: constructing the sealer (and, separately, the opener) from a topic's keys:
//!   the per-topic key schedule, e.g. Blowfish's 29 µs. Hybrid key pairs are generated before
//!   timing (a run does that in setup), so their setup is the public/private key copy only.
//!
//! - **stream encrypt / decrypt** (`--stream`, block modes only): one long message through one
//!   mode context, each call `size` more bytes of it, with no IV, key schedule or padding per
//!   call: what `openssl speed -evp` times (one EVP context, `EVP_EncryptUpdate` over a buffer
//!   again and again). Separate figures (`stream_encrypt`, `stream_decrypt`), never mixed
//!   with the per-message ones; before its clock each stream is checked to produce the
//!   per-message seal's bytes for the same key and IV.
//!
//! Besides the suites: hmac-sha256 tag and verify per size (add it to a non-AEAD suite's
//! encrypt for encrypt-then-MAC), sign and verify of every signature algorithm over a 64-byte
//! message (one key pair per algorithm, generated before timing), and P-256 ECDH.
//!
//! Every cell (see [`sample`]): a warm-up of `max(time/10, 20 ms)`, an iteration count
//! calibrated from it so that one sample takes `time / samples`, then `samples` timed batches.
//! A cell reports the median of the batch means and a distribution-free 95% interval
//! (order statistics of the binomial, `results::repetitions::estimate`); an interval wider
//! than 10% of its median marks the cell `wide`. A failing cell (which would be a bug) ends its
//! suite's row with the error, never hidden.

mod cells;
pub mod cold;
pub mod implementation;
pub mod sample;
mod table;

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::crypto::Suite;
use crate::crypto::keys::KeyRing;
use crate::crypto::mac::MacAlg;
use crate::crypto::provider::{self, Provider};
use crate::crypto::signature::SigAlg;
use crate::results::Environment;

pub use cells::{AAD_LEN, SIGNED_LEN};
pub use sample::{Budget, Rate, WIDE};
pub use table::print_table;

/// The sizes `openssl speed` uses plus the seeds' message sizes (2–200 bytes).
pub const DEFAULT_SIZES: [usize; 11] = [2, 16, 20, 50, 64, 100, 200, 256, 1024, 8192, 16384];
/// The sizes of `speed --stream` by default: `openssl speed -evp`'s, whole blocks of every
/// cipher (a stream takes whole blocks).
pub const STREAM_SIZES: [usize; 6] = [16, 64, 256, 1024, 8192, 16384];
/// `kind` of every speed report; [`read_json`] refuses anything else.
pub const KIND: &str = "mqtt-cipher-bench speed";
/// Version of the JSON layout: 2 added the statistics (1 was one mean per cell, with no `kind`),
/// 3 the cold-cache figures (`cold`, `encrypt_cold`, `decrypt_cold`; absent in 2, which is
/// still read), 4 the streaming figures (`stream`, `stream_encrypt`, `stream_decrypt`; absent
/// before).
pub const FORMAT_VERSION: u32 = 4;
/// The oldest layout [`read_json`] reads.
pub const OLDEST_FORMAT_VERSION: u32 = 2;
/// Fewest samples per cell that still give a meaningful interval (5 samples: full range,
/// 93.75% coverage).
pub const MIN_SAMPLES: u32 = 5;

#[derive(Debug, Clone)]
pub struct SpeedOptions {
    /// Suites to measure; empty means every suite of the catalogue.
    pub suites: Vec<Suite>,
    /// Plaintext sizes in bytes.
    pub sizes: Vec<usize>,
    /// Measuring time of each cell (suite x size x direction, MAC x size x direction,
    /// signature x operation); key setup gets a quarter of it. Warm-up comes on top.
    pub min_time: Duration,
    /// Timed samples per cell (at least [`MIN_SAMPLES`]).
    pub samples: u32,
    /// Warm-up per cell; None: `max(min_time / 10, 20 ms)`.
    pub warm_up: Option<Duration>,
    /// MACs to time per size (default hmac-sha256).
    pub macs: Vec<MacAlg>,
    /// Signature algorithms to time (default all but none).
    pub signatures: Vec<SigAlg>,
    /// Time P-256 ECDH.
    pub ecdh: bool,
    /// Time each suite's key setup.
    pub key_setup: bool,
    /// A line on stderr per suite measured (a full run takes minutes).
    pub progress: bool,
    /// Also time every suite cell cold (see [`cold`]): each call alone, after the core's
    /// private caches were evicted.
    pub cold: bool,
    /// Which providers to measure each suite, signature and ECDH on.
    pub providers: Providers,
    /// Associated data per message, bytes (default [`AAD_LEN`]; `openssl speed -aead` uses 13).
    pub aad_len: usize,
    /// Also time every block-mode suite as one long stream (see the module doc); the suites
    /// that are not block modes get no stream figures (the CLI refuses them, or leaves them
    /// out when no suite was named). Every size must then be a whole number of blocks.
    pub stream: bool,
}

/// The providers a speed run measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Providers {
    /// Each suite and signature on its default provider (what a case without a provider axis
    /// runs).
    #[default]
    Default,
    /// One provider, for what it has (suites it lacks are left out).
    Only(Provider),
    /// Every provider of each suite and signature: a row each.
    All,
}

impl Providers {
    /// The providers to measure `suite` on, in [`Provider::ALL`] order.
    pub fn for_suite(self, suite: Suite) -> Vec<Provider> {
        match self {
            Self::Default => vec![suite.default_provider()],
            Self::Only(p) => [p].into_iter().filter(|&p| suite.has_provider(p)).collect(),
            Self::All => suite.providers(),
        }
    }

    /// The providers to measure `alg` on.
    pub fn for_signature(self, alg: SigAlg) -> Vec<Provider> {
        match self {
            Self::Default => vec![provider::default_for_signature(alg)],
            Self::Only(p) => [p].into_iter().filter(|p| p.has_signature(alg)).collect(),
            Self::All => provider::providers_of_signature(alg),
        }
    }

    /// The providers to measure P-256 ECDH on (those of ecies-p256, whose step it is).
    pub fn for_ecdh(self) -> Vec<Provider> {
        Suite::from_name("ecies-p256").map_or_else(Vec::new, |s| self.for_suite(s))
    }
}

impl Default for SpeedOptions {
    fn default() -> Self {
        Self {
            suites: Vec::new(),
            sizes: DEFAULT_SIZES.to_vec(),
            min_time: Duration::from_millis(300),
            samples: 10,
            warm_up: None,
            macs: vec![MacAlg::HmacSha256],
            signatures: SigAlg::ALL
                .into_iter()
                .filter(|a| *a != SigAlg::None)
                .collect(),
            ecdh: true,
            key_setup: true,
            progress: false,
            cold: false,
            providers: Providers::Default,
            aad_len: AAD_LEN,
            stream: false,
        }
    }
}

impl SpeedOptions {
    fn budget(&self) -> Budget {
        Budget {
            warm_up: self
                .warm_up
                .unwrap_or_else(|| Budget::default_warm_up(self.min_time)),
            measure: self.min_time,
            samples: self.samples.max(MIN_SAMPLES),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SizeSpeed {
    pub size: usize,
    /// Body bytes the suite produces for this size (padding, tag, wrapped key included).
    pub body_len: usize,
    pub encrypt: Rate,
    pub decrypt: Rate,
    /// The same calls timed cold, one per sample (`speed --cold`); None when not measured.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub encrypt_cold: Option<Rate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decrypt_cold: Option<Rate>,
    /// Suites with an encode and a decode step (s-mqtt): the bytes onto curve points, and the
    /// points back to bytes with the hash comparison. Their `encrypt` and `decrypt` are then
    /// the encryption of points encoded beforehand and the decryption alone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub encode: Option<Rate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decode: Option<Rate>,
    /// Block modes under `--stream`: `size` more bytes of one long message through one mode
    /// context per call (no IV, key schedule or padding per call; `openssl speed -evp`'s
    /// figure), not a message. None when not measured.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stream_encrypt: Option<Rate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stream_decrypt: Option<Rate>,
}

/// How the cold figures were taken.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ColdSetup {
    /// Bytes written and read back before each timed call (twice the L2 size).
    pub evict_bytes: usize,
    /// One eviction pass, ns (median of five).
    pub pass_ns: f64,
    /// An empty call timed the same way (evict, read the clock twice), ns: the floor under
    /// every cold figure, which includes it.
    pub baseline: Rate,
    /// The clock's smallest step, ns: every cold figure is a whole number of these (0 in
    /// reports written before it was recorded).
    #[serde(default)]
    pub tick_ns: f64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SuiteSpeed {
    pub suite: Suite,
    pub id: u8,
    /// The provider measured (absent in reports written before the provider axis: the
    /// implementation says which code ran).
    #[serde(default)]
    pub provider: Option<Provider>,
    /// The code that ran, e.g. "RustCrypto cbc 0.2.1 over aes 0.9.2 (AES-NI)".
    pub implementation: String,
    /// Constructing the sealer from the topic's keys (the key schedule); None when not timed.
    #[serde(default)]
    pub key_setup: Option<Rate>,
    /// Constructing the opener.
    #[serde(default)]
    pub opener_setup: Option<Rate>,
    pub sizes: Vec<SizeSpeed>,
    /// Why a cell could not be measured (the sizes after it are missing); None when all ran.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct MacSizeSpeed {
    /// Bytes MACed.
    pub size: usize,
    pub tag: Rate,
    pub verify: Rate,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct MacSpeed {
    pub mac: MacAlg,
    pub implementation: String,
    pub sizes: Vec<MacSizeSpeed>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SignatureSpeed {
    pub alg: SigAlg,
    #[serde(default)]
    pub provider: Option<Provider>,
    pub implementation: String,
    /// None when the cell failed (see `error`).
    pub sign: Option<Rate>,
    pub verify: Option<Rate>,
    /// One key pair generation, ms, timed once (RSA key generation varies a lot between runs).
    pub keygen_ms: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SpeedReport {
    /// Always [`KIND`].
    pub kind: String,
    /// [`FORMAT_VERSION`] of the writer.
    pub format_version: u32,
    /// The mqtt-cipher-bench version that measured.
    pub tool_version: String,
    /// The machine and build (the same record as results.json's `environment`).
    pub environment: Environment,
    /// Measuring time per cell, ms.
    pub min_time_ms: f64,
    /// Warm-up per cell, ms.
    pub warm_up_ms: f64,
    /// Timed samples per cell.
    pub samples: u32,
    /// The `wide` threshold: interval width over median.
    pub wide_limit: f64,
    /// Associated data per sealed message, bytes (reports before it was an option used 48).
    #[serde(default = "default_aad_len")]
    pub aad_len: usize,
    pub sizes: Vec<usize>,
    pub suites: Vec<SuiteSpeed>,
    #[serde(default)]
    pub macs: Vec<MacSpeed>,
    #[serde(default)]
    pub signatures: Vec<SignatureSpeed>,
    /// P-256 ECDH shared-secret derivation on the default provider; None when not timed or
    /// failed.
    #[serde(default)]
    pub ecdh_p256: Option<Rate>,
    /// Set when the suite cells were also timed cold (`--cold`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cold: Option<ColdSetup>,
    /// True when the block-mode suites were also timed as streams (`--stream`: their cells'
    /// `stream_encrypt` and `stream_decrypt`).
    #[serde(default)]
    pub stream: bool,
    /// P-256 ECDH on each provider measured.
    #[serde(default)]
    pub ecdh: Vec<EcdhSpeed>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct EcdhSpeed {
    pub provider: Provider,
    pub implementation: String,
    pub rate: Option<Rate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

fn default_aad_len() -> usize {
    AAD_LEN
}

impl SuiteSpeed {
    /// Whether this row ran on the suite's default provider (rows of older reports, which
    /// name none, count as default: they were the only row).
    pub fn on_default_provider(&self) -> bool {
        self.provider
            .is_none_or(|p| p == self.suite.default_provider())
    }
}

impl SpeedReport {
    /// The row of `suite` on its default provider, else its first row, if measured.
    pub fn suite(&self, suite: Suite) -> Option<&SuiteSpeed> {
        let mut rows = self.suites.iter().filter(|s| s.suite == suite);
        let first = rows.clone().next();
        rows.find(|s| s.on_default_provider()).or(first)
    }

    /// Encrypt and decrypt of `suite` at `size`, if measured.
    pub fn cell(&self, suite: Suite, size: usize) -> Option<&SizeSpeed> {
        self.suite(suite)?.sizes.iter().find(|c| c.size == size)
    }

    /// Why figures from this report should not be set beside measurements on `here`: the
    /// CPU models differ (both named), or a debug build measured. None when comparable.
    pub fn machine_mismatch(&self, here: &Environment) -> Option<String> {
        let name = |e: &Environment| {
            e.cpu_model
                .clone()
                .unwrap_or_else(|| format!("unknown {} CPU", e.arch))
        };
        if self.environment.cpu_model != here.cpu_model || self.environment.arch != here.arch {
            return Some(format!(
                "the speed figures were measured on \"{}\", this machine is \"{}\"",
                name(&self.environment),
                name(here)
            ));
        }
        (self.environment.profile != "release").then(|| {
            format!(
                "the speed figures come from a {} build; only release builds are comparable",
                self.environment.profile
            )
        })
    }
}

/// Measures what `opts` asks for. Silent unless `opts.progress`.
pub fn run(opts: &SpeedOptions) -> SpeedReport {
    let ring = &KeyRing::from_seed(b"mqtt-cipher-bench/speed");
    let environment = crate::measure::env::capture();
    let versions = &environment.crate_versions;
    let budget = opts.budget();
    let suites: Vec<Suite> = if opts.suites.is_empty() {
        Suite::all().collect()
    } else {
        opts.suites.clone()
    };
    let total = suites.len();
    let mut evictor = opts.cold.then(cold::Evictor::new);
    let cold_setup = evictor.as_mut().map(|e| ColdSetup {
        evict_bytes: e.bytes(),
        pass_ns: e.pass_ns(),
        baseline: cold::baseline(budget, e),
        tick_ns: crate::measure::clock::wall_tick_ns(),
    });
    let cell = cells::SuiteCell {
        sizes: &opts.sizes,
        aad_len: opts.aad_len,
        budget,
        key_setup: opts.key_setup,
        stream: opts.stream,
    };
    let mut suite_rows = Vec::new();
    for (i, s) in suites.into_iter().enumerate() {
        if opts.progress {
            eprintln!("speed: {s} ({}/{total})", i + 1);
        }
        for p in opts.providers.for_suite(s) {
            suite_rows.push(cells::suite(ring, s, p, &cell, evictor.as_mut(), versions));
        }
    }
    let macs = opts
        .macs
        .iter()
        .filter(|m| **m != MacAlg::None)
        .map(|&m| cells::mac(ring, m, &opts.sizes, budget, versions))
        .collect();
    if opts.progress && !opts.signatures.is_empty() {
        eprintln!("speed: signatures (key pairs first)");
    }
    let signatures = opts
        .signatures
        .iter()
        .filter(|a| **a != SigAlg::None)
        .flat_map(|&a| {
            opts.providers
                .for_signature(a)
                .into_iter()
                .map(move |p| cells::signature(ring, a, p, budget, versions))
        })
        .collect();
    let ecdh: Vec<EcdhSpeed> = if opts.ecdh {
        opts.providers
            .for_ecdh()
            .into_iter()
            .map(|p| cells::ecdh(p, budget, versions))
            .collect()
    } else {
        Vec::new()
    };
    let default_ecdh = Suite::from_name("ecies-p256").map(Suite::default_provider);
    let ecdh_p256 = ecdh
        .iter()
        .find(|e| Some(e.provider) == default_ecdh)
        .and_then(|e| e.rate.clone());
    SpeedReport {
        kind: KIND.to_owned(),
        format_version: FORMAT_VERSION,
        tool_version: env!("CARGO_PKG_VERSION").to_owned(),
        min_time_ms: budget.measure.as_secs_f64() * 1e3,
        warm_up_ms: budget.warm_up.as_secs_f64() * 1e3,
        samples: budget.samples,
        wide_limit: WIDE,
        aad_len: opts.aad_len,
        sizes: opts.sizes.clone(),
        suites: suite_rows,
        macs,
        signatures,
        ecdh_p256,
        cold: cold_setup,
        stream: opts.stream,
        ecdh,
        environment,
    }
}

/// Why a file is not a speed report this tool can use.
#[derive(Debug, thiserror::Error)]
pub enum SpeedFileError {
    #[error("cannot read speed file {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("speed file {path} is not JSON: {source}")]
    NotJson {
        path: PathBuf,
        source: serde_json::Error,
    },
    #[error(
        "{path} is not the output of `mqtt-cipher-bench speed --json` (its \"kind\" is {found}, expected \"{KIND}\")"
    )]
    NotSpeed { path: PathBuf, found: String },
    #[error(
        "speed file {path} has format_version {found}; this build reads {OLDEST_FORMAT_VERSION} to {FORMAT_VERSION} (re-run `speed --json` with this build)"
    )]
    Version { path: PathBuf, found: String },
    #[error("speed file {path} is malformed: {source}")]
    Malformed {
        path: PathBuf,
        source: serde_json::Error,
    },
}

/// Reads a `speed --json` file, refusing anything else (another tool's JSON, another format
/// version) with an error naming the file and the field.
pub fn read_json(path: &Path) -> Result<SpeedReport, SpeedFileError> {
    let p = || path.to_path_buf();
    let text = std::fs::read_to_string(path)
        .map_err(|source| SpeedFileError::Read { path: p(), source })?;
    let value: serde_json::Value = serde_json::from_str(&text)
        .map_err(|source| SpeedFileError::NotJson { path: p(), source })?;
    let kind = value.get("kind");
    if kind.and_then(|k| k.as_str()) != Some(KIND) {
        return Err(SpeedFileError::NotSpeed {
            path: p(),
            found: kind.map_or("missing".to_owned(), |k| k.to_string()),
        });
    }
    let version = value.get("format_version");
    let readable = u64::from(OLDEST_FORMAT_VERSION)..=u64::from(FORMAT_VERSION);
    if !version
        .and_then(|v| v.as_u64())
        .is_some_and(|v| readable.contains(&v))
    {
        return Err(SpeedFileError::Version {
            path: p(),
            found: version.map_or("missing".to_owned(), |v| v.to_string()),
        });
    }
    // Parse the text again (not the Value) so that errors carry a line and column.
    serde_json::from_str(&text).map_err(|source| SpeedFileError::Malformed { path: p(), source })
}

#[cfg(test)]
mod tests;
