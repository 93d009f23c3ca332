//! The scenario file as written (serde types). Every table rejects unknown keys; every value
//! type checks itself while deserializing, so toml can point at the offending span.

use std::fmt;
use std::time::Duration;

use serde::{Deserialize, Deserializer, de};
use toml::Spanned;

pub use crate::broker::config::{BrokerSection, MAX_SIZE, Protocol, Session, Transport};
use crate::crypto::mac::MacAlg;
use crate::crypto::signature::SigAlg;
use crate::crypto::{Provider, Suite};
pub use crate::load::payload::Payload;
pub use crate::load::plan::Rate;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScenarioFile {
    pub name: Spanned<String>,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub broker: BrokerSection,
    #[serde(default)]
    pub load: LoadSection,
    #[serde(default)]
    pub matrix: MatrixSection,
    #[serde(default)]
    pub keys: KeysSection,
    #[serde(default)]
    pub link: LinkSection,
    #[serde(default)]
    pub requirements: RequirementsSection,
    /// `[[reference]]`: figures a paper reported (scenario/references.rs).
    #[serde(default)]
    pub reference: Vec<super::references::ReferenceEntry>,
}

/// The in-process proxy every client goes through (bytes on the wire are counted there) and
/// the slow link it can emulate.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LinkSection {
    /// Route clients through the proxy (default true). Off: direct connections, no `wire`
    /// byte counts, and no emulation.
    #[serde(default = "yes")]
    pub proxy: Spanned<bool>,
    /// Round-trip time added: each direction is delayed by rtt/2.
    pub rtt: Option<Spanned<DurationValue>>,
    /// Each direction's delay varies uniformly by ± this.
    pub jitter: Option<Spanned<DurationValue>>,
    /// Each direction is throttled to this, e.g. "250kbit", "1Mbit", "50kB" (bytes/s).
    pub bandwidth: Option<Spanned<Bandwidth>>,
    /// Faults the proxy injects, one case per fault (see `scenario/faults.rs`).
    pub faults: Option<Spanned<Vec<Spanned<FaultEntry>>>>,
    /// MQTT keep-alive of every client: how soon a dead link is noticed (default 30s).
    pub keep_alive: Option<Spanned<DurationValue>>,
}

impl Default for LinkSection {
    fn default() -> Self {
        Self {
            proxy: Spanned::new(0..0, true),
            rtt: None,
            jitter: None,
            bandwidth: None,
            faults: None,
            keep_alive: None,
        }
    }
}

fn yes() -> Spanned<bool> {
    Spanned::new(0..0, true)
}

/// Bits per second.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bandwidth(pub u64);

impl Bandwidth {
    pub fn parse(s: &str) -> Result<Bandwidth, String> {
        let t = s.trim();
        let split = t
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(t.len());
        let (num, unit) = t.split_at(split);
        let bad = || {
            format!(
                "expected a bandwidth such as \"250kbit\", \"1Mbit\" or \"50kB\" (bytes/s), got \"{s}\""
            )
        };
        let n: f64 = num.parse().map_err(|_| bad())?;
        let mult = match unit.trim() {
            "bit" | "bps" => 1.0,
            "kbit" | "kbps" => 1e3,
            "Mbit" | "mbit" | "Mbps" => 1e6,
            "Gbit" | "gbit" | "Gbps" => 1e9,
            "B" => 8.0,
            "kB" | "KB" => 8e3,
            "MB" => 8e6,
            _ => return Err(bad()),
        };
        let bps = n * mult;
        if !(bps.is_finite() && bps >= 100.0) {
            return Err(format!("expected at least 100 bit/s, got \"{s}\""));
        }
        Ok(Bandwidth(bps as u64))
    }
}

impl<'de> Deserialize<'de> for Bandwidth {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Bandwidth::parse(&s).map_err(de::Error::custom)
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LoadSection {
    #[serde(default = "one")]
    pub publishers: Count,
    #[serde(default = "one")]
    pub subscribers: Count,
    #[serde(default)]
    pub rate: Rate,
    #[serde(default = "default_duration")]
    pub duration: Spanned<DurationValue>,
    #[serde(default = "default_warmup")]
    pub warmup: Spanned<DurationValue>,
    /// How long to wait for stragglers after the last send before counting them lost.
    #[serde(default = "default_drain")]
    pub drain: DurationValue,
    #[serde(default)]
    pub payload: Payload,
    /// Unacknowledged QoS 1/2 publishes per client; with `rate = "max"`, the closed-loop
    /// window of messages in flight per publisher.
    #[serde(default = "default_inflight")]
    pub inflight: Inflight,
    /// Runs of every case, in rounds (every case once, then again; each round shuffled
    /// unless `run --order matrix`), so drift in the machine or broker spreads over all cases
    /// instead of biasing some; the report gives medians with 95% intervals across them.
    #[serde(default = "one_repeat")]
    pub repeat: Repeat,
    /// Connection ramp: clients that connect at once (a thousand simultaneous CONNECTs would
    /// measure the broker's accept queue, not the case) ...
    #[serde(default = "default_connect_batch")]
    pub connect_batch: Count,
    /// ... and the pause between two batches (emqtt-bench's `-i`), for brokers that throttle
    /// connection rates.
    #[serde(default = "zero_duration")]
    pub connect_interval: DurationValue,
    /// `clean` or `persistent` (see [`Session`]); `matrix.session` varies it per case.
    #[serde(default = "default_session")]
    pub session: Spanned<Session>,
    /// s-mqtt's validation round trip: the largest difference between the publisher's
    /// timestamp 1 and its subscriber's timestamp 2 the publisher accepts (seed 004's rule).
    #[serde(default = "default_smqtt_time_bound")]
    pub smqtt_time_bound: DurationValue,
    /// How clients map onto OS threads (see [`crate::load::threads`]).
    #[serde(default)]
    pub threads: crate::load::threads::Threads,
    /// Local IP addresses to connect from, in turn (see `scenario::source_addrs`).
    #[serde(default)]
    pub source_addrs: Option<Spanned<Vec<Spanned<String>>>>,
}

/// In-flight window: 1 to 65535 (MQTT packet ids are 16-bit).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Inflight(pub u16);

impl<'de> Deserialize<'de> for Inflight {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let n = i64::deserialize(d)?;
        u16::try_from(n)
            .ok()
            .filter(|&n| n > 0)
            .map(Inflight)
            .ok_or_else(|| {
                de::Error::custom(format!("expected 1 to 65535 messages in flight, got {n}"))
            })
    }
}

fn default_inflight() -> Inflight {
    Inflight(100)
}

impl Default for LoadSection {
    fn default() -> Self {
        Self {
            publishers: one(),
            subscribers: one(),
            rate: Rate::default(),
            duration: default_duration(),
            warmup: default_warmup(),
            drain: default_drain(),
            payload: Payload::default(),
            inflight: default_inflight(),
            repeat: one_repeat(),
            connect_batch: default_connect_batch(),
            connect_interval: zero_duration(),
            session: default_session(),
            smqtt_time_bound: default_smqtt_time_bound(),
            threads: Default::default(),
            source_addrs: None,
        }
    }
}

fn default_session() -> Spanned<Session> {
    Spanned::new(0..0, Session::Clean)
}
fn one() -> Count {
    Count(1)
}
fn default_duration() -> Spanned<DurationValue> {
    Spanned::new(0..0, DurationValue(Duration::from_secs(5)))
}
fn default_warmup() -> Spanned<DurationValue> {
    Spanned::new(0..0, DurationValue(Duration::from_secs(1)))
}
fn default_connect_batch() -> Count {
    Count(50)
}
fn zero_duration() -> DurationValue {
    DurationValue(Duration::ZERO)
}
fn default_smqtt_time_bound() -> DurationValue {
    DurationValue(Duration::from_secs(5))
}
fn default_drain() -> DurationValue {
    DurationValue(Duration::from_secs(5))
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MatrixSection {
    #[serde(default = "default_qos")]
    pub qos: Vec<Qos>,
    /// Each with its place in the file, for errors about one size (a suite's limit).
    #[serde(default = "default_size")]
    pub size: Vec<Spanned<Size>>,
    pub suite: Option<Spanned<Vec<Suite>>>,
    /// Shorthand: `ciphers x modes` expand into block suites.
    pub ciphers: Option<Spanned<Vec<String>>>,
    pub modes: Option<Spanned<Vec<String>>>,
    #[serde(default = "default_mac")]
    pub mac: Vec<MacAlg>,
    #[serde(default = "default_sig")]
    pub signature: Vec<SigAlg>,
    /// Default: the transport of `broker.url`.
    pub transport: Option<Spanned<Vec<Transport>>>,
    /// MQTT version per case. Default: `broker.protocol`.
    pub protocol: Option<Spanned<Vec<Protocol>>>,
    /// Session kind per case (`clean`, `persistent`). Default: `load.session`.
    pub session: Option<Spanned<Vec<Session>>>,
    /// Which library runs the suites and signatures (`rustcrypto`, `ring`, `aws-lc`).
    /// Default: no axis, each part on its default provider (crypto/provider.rs).
    pub provider: Option<Spanned<Vec<Spanned<Provider>>>>,
    /// Clients per OS thread per case (`"per-client"`, `"auto"`, a number of worker
    /// threads). Default: `load.threads`. An axis so that two thread models run in one
    /// shuffled order and compare without the drift between two runs.
    pub threads: Option<Spanned<Vec<crate::load::threads::Threads>>>,
    /// Apply non-`none` MACs only to suites without authentication of their own (not to
    /// AEADs, hybrids or `none`): avoids redundant cases when crossing suites with `mac`.
    #[serde(default)]
    pub mac_only_where_needed: bool,
}

impl Default for MatrixSection {
    fn default() -> Self {
        Self {
            qos: default_qos(),
            size: default_size(),
            suite: None,
            ciphers: None,
            modes: None,
            mac: default_mac(),
            signature: default_sig(),
            transport: None,
            protocol: None,
            session: None,
            provider: None,
            threads: None,
            mac_only_where_needed: false,
        }
    }
}

fn default_qos() -> Vec<Qos> {
    vec![Qos(1)]
}
fn default_size() -> Vec<Spanned<Size>> {
    vec![Spanned::new(0..0, Size(64))]
}
fn default_mac() -> Vec<MacAlg> {
    vec![MacAlg::None]
}
fn default_sig() -> Vec<SigAlg> {
    vec![SigAlg::None]
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeysSection {
    /// Key seed shared by every machine of a run. Prefer `seed_env` outside the lab.
    pub seed: Option<String>,
    /// Name of an environment variable holding the seed.
    pub seed_env: Option<String>,
    /// Where topic keys come from: `seed` (derived, default) or `center` (every client asks
    /// the run's Security Center before the measured phase).
    pub source: Option<Spanned<KeySource>>,
    /// Settings of the run's Security Center (`source = "center"`).
    pub center: Option<Spanned<CenterSection>>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum KeySource {
    #[default]
    Seed,
    Center,
}

/// `[keys.center]`: the Security Center a run starts next to the broker.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CenterSection {
    /// Device class → suite (default: light = "blowfish-cbc", moderate = "aes-128-cbc").
    /// Each case's clients get the class whose suite is the case's suite.
    pub classes: Option<Spanned<std::collections::BTreeMap<String, Suite>>>,
    /// Requests further than this from the center's clock are stale (default 30s).
    pub window: Option<DurationValue>,
    /// How long clients may cache a key (default 10m).
    pub key_ttl: Option<DurationValue>,
    /// How long a replaced key still decrypts (default 30s).
    pub grace: Option<DurationValue>,
    /// How long a client waits for an answer (default 5s).
    pub timeout: Option<DurationValue>,
    /// The clients' identity keys: "ed25519" (default) or "ecdsa-p256".
    pub identity: Option<Spanned<String>>,
    /// Numbers of clients asking at once in the concurrency probe after each case's key
    /// set-up, e.g. [1, 4, 16, 64]; empty (default): no probe.
    #[serde(default)]
    pub concurrency: Vec<Count>,
    /// Bursts per concurrency level (default 5).
    pub rounds: Option<Count>,
}

/// Repetitions of every case: 1 (measured once) to 1000.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Repeat(pub u32);

pub const MAX_REPEAT: i64 = 1000;

impl<'de> Deserialize<'de> for Repeat {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let n = i64::deserialize(d)?;
        if !(1..=MAX_REPEAT).contains(&n) {
            return Err(de::Error::custom(format!(
                "expected how many times to measure every case, 1 (once) to {MAX_REPEAT}, got {n}; \
                 3 or more give 95% intervals across repetitions"
            )));
        }
        Ok(Repeat(n as u32))
    }
}

fn one_repeat() -> Repeat {
    Repeat(1)
}

/// A positive count of clients.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Count(pub u32);

impl<'de> Deserialize<'de> for Count {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let n = i64::deserialize(d)?;
        if !(1..=100_000).contains(&n) {
            return Err(de::Error::custom(format!(
                "expected a count from 1 to 100000, got {n}"
            )));
        }
        Ok(Count(n as u32))
    }
}

/// MQTT QoS 0, 1 or 2.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Qos(pub u8);

impl<'de> Deserialize<'de> for Qos {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let n = i64::deserialize(d)?;
        if !(0..=2).contains(&n) {
            return Err(de::Error::custom(format!(
                "expected QoS 0, 1 or 2, got {n}"
            )));
        }
        Ok(Qos(n as u8))
    }
}

/// Plaintext bytes per message: an integer or a string such as `"16KiB"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Size(pub usize);

impl Size {
    pub fn parse(s: &str) -> Result<Size, String> {
        let t = s.trim();
        let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
        let (num, unit) = t.split_at(split);
        let n: usize = num.parse().map_err(|_| {
            format!("expected a size such as 64, \"1KiB\" or \"16KiB\", got \"{s}\"")
        })?;
        let mult = match unit.trim().to_ascii_lowercase().as_str() {
            "" | "b" => 1,
            "kib" | "k" => 1024,
            "mib" | "m" => 1024 * 1024,
            "kb" => 1000,
            "mb" => 1_000_000,
            other => {
                return Err(format!(
                    "unknown size unit \"{other}\" (expected B, KiB, MiB, kB or MB)"
                ));
            }
        };
        Self::checked(n.saturating_mul(mult))
    }

    fn checked(n: usize) -> Result<Size, String> {
        if n == 0 || n > MAX_SIZE {
            return Err(format!(
                "expected a message size from 1 byte to {MAX_SIZE} bytes (16 MiB), got {n}"
            ));
        }
        Ok(Size(n))
    }
}

impl<'de> Deserialize<'de> for Size {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl de::Visitor<'_> for V {
            type Value = Size;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a size in bytes, e.g. 64 or \"16KiB\"")
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Size, E> {
                Size::checked(usize::try_from(v).unwrap_or(0)).map_err(E::custom)
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Size, E> {
                Size::checked(usize::try_from(v).unwrap_or(usize::MAX)).map_err(E::custom)
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Size, E> {
                Size::parse(v).map_err(E::custom)
            }
        }
        d.deserialize_any(V)
    }
}

/// A duration written as `"10s"`, `"500ms"`, `"2m"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct DurationValue(pub Duration);

impl<'de> Deserialize<'de> for DurationValue {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        humantime::parse_duration(&s)
            .map(DurationValue)
            .map_err(|e| {
                de::Error::custom(format!(
                    "expected a duration such as \"10s\" or \"500ms\", got \"{s}\" ({e})"
                ))
            })
    }
}

/// `[requirements]` as written (checked and defaulted by `scenario::requirements`).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RequirementsSection {
    pub confidentiality: Option<bool>,
    pub integrity: Option<bool>,
    pub authenticity: Option<Authenticity>,
    pub replay: Option<bool>,
    pub max_overhead_bytes: Option<Spanned<i64>>,
    pub max_cpu_us: Option<Spanned<f64>>,
    pub max_latency_p99: Option<Spanned<DurationValue>>,
}

/// `authenticity = "..."` as written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Authenticity {
    None,
    KeyHolder,
    Publisher,
}

/// One entry of `faults`, as written.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FaultEntry {
    pub kind: Spanned<KindName>,
    pub name: Option<Spanned<String>>,
    pub every: Option<Spanned<DurationValue>>,
    pub mean: Option<Spanned<DurationValue>>,
    #[serde(rename = "for")]
    pub length: Option<Spanned<DurationValue>>,
    pub direction: Option<Spanned<DirectionName>>,
    pub rate: Option<Spanned<f64>>,
    pub seed: Option<Spanned<u64>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum KindName {
    None,
    Reset,
    Stall,
    HalfOpen,
    Corrupt,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DirectionName {
    Up,
    Down,
}
