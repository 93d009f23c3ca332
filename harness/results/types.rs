//! Versioned serde types of `results.json`.
//!
//! Every struct rejects unknown fields, so a reader never silently drops data it does not
//! understand; bump [`SCHEMA_VERSION`] on any incompatible change and regenerate
//! `harness/results/results.schema.json` (the test `results_schema_is_current` says how).

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::conditions::{Noise, RunOrder};
use super::counts::{BrokerQos, Counts, Throughput};
use super::cpu_types::{ClockInfo, ThreadCpu};

/// 2: `suites` (what the report needs about each suite) recorded by the run. Version 1 files
/// are still read: [`suites::upgrade_v1`](super::suites::upgrade_v1) fills `suites` in.
pub const SCHEMA_VERSION: u32 = 2;
/// The oldest version [`reader`](super::reader) reads (and upgrades).
pub const OLDEST_READABLE_VERSION: u32 = 1;

/// A whole run: one scenario, every case measured so far.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RunResults {
    pub schema_version: u32,
    pub tool: ToolInfo,
    pub scenario: ScenarioInfo,
    /// RFC 3339 UTC.
    pub started_at: String,
    /// Set when the run ended (normally or not); absent while cases are still running.
    pub finished_at: Option<String>,
    /// `complete`, `running`, `interrupted` or `failed`.
    pub status: RunStatus,
    pub environment: Environment,
    pub broker: BrokerInfo,
    pub load: LoadInfo,
    /// One entry per case and repetition, in matrix order: round by round (every case of the
    /// scenario once, then again), within a round the scenario's order. The order they ran
    /// in is `order.sequence` (runs without `order` ran in this order).
    pub cases: Vec<CaseResult>,
    /// With `repeat` > 1: per case id, medians across repetitions with confidence intervals.
    pub repetitions: Vec<RepeatedCase>,
    /// Set when this run was one slice of the clients (`run --shard i/n`).
    pub shard: Option<ShardInfo>,
    /// For a `merge` result: the run folders it combines (each a shard or a separate run).
    pub merged_from: Vec<String>,
    /// The tamper matrix of each protection of the run (absent in older runs).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub security: Option<super::SecurityResults>,
    /// The order the cases and repetitions ran in (absent in runs made before it was
    /// recorded: those ran in matrix order).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order: Option<RunOrder>,
    /// What else the machine was doing during the run: load average, steal time, CPU shares
    /// (absent in older runs, and where /proc is not readable).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub noise: Option<Noise>,
    /// What reading the phase clocks costs on this machine, measured at the start of the run
    /// (absent in older runs).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub clock: Option<ClockInfo>,
    /// `speed` figures of the run's suites and sizes, the report's ranking reference
    /// (`run --speed`; absent in older runs and with `--speed none`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub speed_reference: Option<super::SpeedReference>,
    /// The scenario's `[requirements]` with defaults filled in (absent in older runs: the
    /// report then uses the defaults and says so).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requirements: Option<super::Requirements>,
    /// What each protection of the run offers by design, one entry per distinct (suite, mac,
    /// signature) (empty in older runs).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub protections: Vec<super::ProtectionProperties>,
    /// What the report needs about each distinct suite of the cases (family, cipher and mode,
    /// authentication, confidentiality), from the catalogue of the build that ran them
    /// (version 1 files: filled in when read, see `results::suites`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub suites: Vec<super::SuiteInfo>,
    /// When the cases ran (the measured window) and, with a synchronized start, when they
    /// were meant to (absent in older runs).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timing: Option<super::RunTiming>,
    /// For a `merge` result: the shards merged, missing, and what the checks found.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub merge: Option<super::MergeInfo>,
    /// Figures a paper reported, from the scenario's `[[reference]]` (see
    /// `results::reference`); empty when it has none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub references: Vec<super::ReferenceValue>,
}

/// Which slice of the scenario's clients a sharded run ran.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ShardInfo {
    /// 1-based.
    pub index: u32,
    pub count: u32,
    pub publishers: u32,
    pub subscribers: u32,
}

/// A case measured several times: how much its figures moved between repetitions.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RepeatedCase {
    pub id: String,
    pub repetitions: u32,
    /// Keyed by metric: `latency_p50_ns`, `latency_p99_ns`, `encrypt_p50_ns`,
    /// `decrypt_p50_ns`, `delivered_msgs_per_s`.
    pub metrics: BTreeMap<String, Estimate>,
    /// True when some metric's interval is wider than 20% of its median: differences smaller
    /// than that between cases are not evidence.
    pub too_wide: bool,
}

/// A median and a confidence interval for it. Across repetitions: the 95% interval of
/// `results::interval` (Student t on the logarithms below 6 repetitions, order statistics of
/// the binomial from 6); in `speed` cells: order statistics.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Estimate {
    pub median: f64,
    pub low: f64,
    pub high: f64,
    /// Coverage of [low, high], e.g. 0.95; below 0.95 when there are too few repetitions
    /// for a 95% interval (then it is the full range).
    pub confidence: f64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum RunStatus {
    Running,
    Complete,
    Interrupted,
    Failed,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ToolInfo {
    pub name: String,
    pub version: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ScenarioInfo {
    pub name: String,
    pub description: String,
    /// Path the scenario was read from, as given.
    pub path: String,
    /// The scenario file's full text, so the run can be repeated from results.json alone.
    pub text: String,
    /// `--set key=value` overrides and `--broker`, in the order given.
    pub overrides: Vec<String>,
    /// First 8 bytes of SHA-256 of the key seed the run used, in hex: tells two runs with the
    /// same keys apart from two with different ones without giving the seed away. `text` and
    /// `overrides` have the seed's value replaced by `<redacted>` (absent in older runs).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_seed_sha256: Option<String>,
    /// SHA-256 (hex) of `text` and the `--set` flags of `overrides` (see
    /// `results::fleet::scenario_hash`): `merge` refuses shards whose hashes differ (absent in
    /// older runs: `merge` computes it from the fields).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text_sha256: Option<String>,
}

/// Where and on what the numbers were measured.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Environment {
    pub os: String,
    pub kernel: Option<String>,
    pub arch: String,
    pub cpu_model: Option<String>,
    /// Crypto-relevant CPU features seen (aes, pclmulqdq, avx2, sha_ni, …).
    pub cpu_flags: Vec<String>,
    pub logical_cores: usize,
    pub memory_bytes: Option<u64>,
    /// cpufreq scaling governor of cpu0, when readable.
    pub governor: Option<String>,
    pub rustc: String,
    /// `release` or `debug`: a debug build's numbers are not worth comparing.
    pub profile: String,
    pub target: String,
    pub git_commit: Option<String>,
    pub git_dirty: Option<bool>,
    /// Versions of the crates that do the measured work.
    pub crate_versions: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BrokerInfo {
    /// URL with any password removed.
    pub url: String,
    /// e.g. "rumqttd (embedded)" or "external".
    pub name: String,
    pub version: Option<String>,
    /// MQTT versions the cases spoke: "v4" (3.1.1), "v5", or "v4, v5" with the protocol axis.
    pub protocol: String,
    /// The in-process proxy between the clients and the broker, when used (`[link]`).
    #[serde(default)]
    pub link: Option<LinkInfo>,
}

/// The proxy's emulated link (all zero/null: a plain counting proxy on loopback).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LinkInfo {
    pub rtt_s: f64,
    pub jitter_s: f64,
    /// Each direction, bits per second; null = unthrottled.
    pub bandwidth_bps: Option<u64>,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LoadInfo {
    pub publishers: u32,
    pub subscribers: u32,
    /// Messages per second per publisher (open loop), or null for closed loop ("max").
    pub rate_per_publisher: Option<f64>,
    pub duration_s: f64,
    pub warmup_s: f64,
    pub payload: String,
    pub repeat: u32,
}

/// One point of the matrix, measured.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CaseResult {
    /// Stable, human-readable id, e.g. `aes-128-gcm/q1/64B/tcp`.
    pub id: String,
    pub params: CaseParams,
    /// `ok`; `degraded` (the broker did not deliver the QoS asked for: see `broker_qos`) or
    /// `failed`, with `error` saying why.
    pub status: CaseStatus,
    pub error: Option<String>,
    pub started_at: String,
    /// Wall time of the whole case, set-up and drain included.
    pub wall_s: f64,
    /// Length of the measured window (after warm-up).
    pub measured_s: f64,
    pub counts: Counts,
    pub throughput: Throughput,
    /// Per-phase distributions in nanoseconds: encode, encrypt, sign, publish, verify,
    /// decrypt, latency, latency_uncorrected, key_setup, connect (TCP [+ TLS] + CONNECT →
    /// CONNACK per client), schedule_lag, and for TLS cases tcp_connect and tls_handshake
    /// (per client, timed on a separate probe connection just before the MQTT one).
    pub phases: BTreeMap<String, PhaseStats>,
    pub sizes: Sizes,
    pub cpu: CpuUsage,
    /// Bytes counted at the proxy's sockets (null when the run did not use the proxy).
    #[serde(default)]
    pub wire: Option<WireBytes>,
    /// Everything that went wrong but did not stop the case (connection errors, …).
    pub errors: Vec<String>,
    /// Why the harness itself could not keep to the schedule (publishers behind, messages
    /// unsent), when it could not. Such a case measures the harness's limit, not the broker's.
    pub saturation: Option<String>,
    /// 1-based; cases with the same id and different repetitions are the same point measured
    /// again.
    pub repetition: u32,
    /// Times the clients lost the broker during the case (a restart, a network cut), merged
    /// over clients. Messages sent meanwhile are still accounted for in `counts`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub outages: Vec<Outage>,
    /// With `[keys] source = "center"`: what the Security Center did for this case. Its
    /// timings are phases: key_request_miss / key_request_hit (client side, per key) and
    /// center_authn, center_authz, center_keygen, center_service (the center's own, per
    /// request).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub center: Option<CenterCase>,
    /// Repeated ciphertext blocks in a sample of the envelopes the subscribers received (ECB
    /// leakage; see `security::blocks`). Absent in runs made before it was measured.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub block_repeats: Option<BlockRepeats>,
    /// MQTT 5 only: the smallest Receive Maximum the broker granted the case's publishers.
    /// Their in-flight window was capped to it (below `load.inflight` when smaller), so
    /// publish time at QoS >= 1 includes waiting for the broker's flow control.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub receive_maximum: Option<u16>,
    /// What the broker answered at QoS >= 1: the QoS it granted in SUBACK and the
    /// acknowledgements the publishers received (absent at QoS 0 and in older runs).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub broker_qos: Option<BrokerQos>,
    /// The `[link] faults` fault this case ran under (absent: a clean link).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fault: Option<super::FaultOutcome>,
    /// Persistent-session cases only: what the clients' reconnects found on the broker.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session_resumes: Option<SessionResumes>,
    /// How the case's clients were brought up and carried (absent in older runs).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connections: Option<Connections>,
}

/// The connection ramp of a case and the threads its clients ran on.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Connections {
    /// Clients connected: publishers + subscribers.
    pub clients: u64,
    /// Wall time of the two ramps (subscribers', then publishers'), first CONNECT to last
    /// CONNACK of each, summed, in seconds; `load.connect_batch` and `connect_interval` shape it.
    pub ramp_s: f64,
    /// `clients / ramp_s`.
    pub connects_per_s: f64,
    /// OS thread groups the publishers and the subscribers ran in (`load.threads`): a
    /// publisher group is a send thread and an event-loop thread, a subscriber group a thread.
    pub publisher_groups: u32,
    pub subscriber_groups: u32,
}

/// Reconnects of a persistent-session case, summed over its clients.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SessionResumes {
    /// Connections regained after a loss (a broker restart, a reset link).
    pub reconnects: u64,
    /// Of those, the ones whose CONNACK had session present: the broker still had the
    /// client's subscription and queued messages. The rest started empty (the broker lost the
    /// session, e.g. killed before it saved it) and subscribers subscribed again.
    pub resumed: u64,
}

/// Repeated ciphertext blocks inside envelope bodies, over a sample of received envelopes,
/// summed over subscribers.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BlockRepeats {
    /// Bytes per block counted: the cipher's block (8 or 16), 16 for suites without one.
    pub block_len: usize,
    /// Envelopes sampled (the first ones each subscriber opened).
    pub envelopes: u64,
    /// Whole blocks in their bodies.
    pub blocks: u64,
    /// Blocks equal to an earlier block of the same body.
    pub repeated: u64,
    /// Envelopes with at least one repeated block.
    pub envelopes_with_repeats: u64,
    /// Blocks equal to a block of an earlier sampled envelope of the same publisher (same
    /// key): what an eavesdropper sees repeat from message to message.
    #[serde(default)]
    pub repeated_across: u64,
}

/// The Security Center's part of a case.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CenterCase {
    /// Device class the case's clients were registered with, and the suite the center
    /// assigned to it.
    pub class: String,
    pub suite: String,
    /// Requests of the case's clients the center answered, granted and denied (by reason).
    pub requests: u64,
    pub granted: u64,
    pub denied: u64,
    #[serde(default)]
    pub denials: BTreeMap<String, u64>,
    /// Key requests answered from the clients' caches / sent to the center.
    pub cache_hits: u64,
    pub cache_misses: u64,
    /// Key requests that got no answer within the client's timeout.
    pub timeouts: u64,
    /// The concurrency probe: N fresh clients asking at once, per level.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub concurrency: Vec<CenterConcurrency>,
}

/// One level of the concurrency probe.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CenterConcurrency {
    /// Clients asking at once.
    pub clients: u32,
    /// Bursts; each client asks for a new topic's key in each (a center-side key generation).
    pub rounds: u32,
    /// Answers received (clients x rounds when none failed).
    pub answered: u64,
    /// Requests without a usable answer (timeout, denial, bad signature).
    pub failed: u64,
    /// Response time seen by the clients (sign, round trip, verify, unwrap), ns.
    pub response: Option<PhaseStats>,
    /// The center's own time per request at this level, ns.
    pub service: Option<PhaseStats>,
}

/// One interval in which at least one client of a case had no connection to the broker.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Outage {
    /// Seconds after the case's first scheduled message (negative: during set-up).
    pub start_s: f64,
    /// From the first client's connection error to the last affected client's CONNACK.
    pub duration_s: f64,
    /// Clients that lost the connection.
    pub clients: u32,
    /// False when some client was still without a connection when the case ended.
    pub recovered: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum CaseStatus {
    Ok,
    /// Measured, but not at the QoS the case names: its numbers are kept out of the tables
    /// and charts, and `error` says what the broker did instead.
    Degraded,
    Failed,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CaseParams {
    pub qos: u8,
    /// Plaintext bytes per message.
    pub size: usize,
    pub suite: String,
    /// The envelope's suite byte.
    pub suite_id: u8,
    pub mac: String,
    pub signature: String,
    pub transport: String,
    /// MQTT version the clients spoke: `v4` (3.1.1) or `v5`.
    #[serde(default = "default_protocol")]
    pub protocol: String,
    /// `clean` or `persistent` (results written before sessions could be chosen: `clean`).
    #[serde(default = "default_session")]
    pub session: String,
    /// The case's `provider` axis value (`rustcrypto`, `ring`, `aws-lc`); absent when the
    /// scenario has no provider axis and every part ran on its default provider.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider: Option<String>,
    /// The case's `threads` axis value (`per-client`, `auto`, a number of worker threads);
    /// absent without the axis (the case ran on `load.threads`, see `connections`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub threads: Option<String>,
    /// The code that ran each part. Written for every case; absent only in results written
    /// before the provider axis.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub implementation: Option<Implementation>,
}

/// Provider, crate and version of each part of a case's protection, e.g. suite
/// "aws-lc-rs 1.19.0 over aws-lc-sys 0.47.0 (AWS-LC assembly, picked at run time)".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Implementation {
    /// Provider of the suite (for a hybrid: its public-key step and its AES-128-GCM).
    pub suite_provider: String,
    pub suite: String,
    /// The MAC's implementation (always RustCrypto; `none` without one).
    pub mac: String,
    /// Provider of the signature (`rustcrypto` for `none`).
    pub signature_provider: String,
    pub signature: String,
}

/// Results written before the session kind could be chosen all used clean sessions.
fn default_session() -> String {
    "clean".into()
}

/// Results written before the protocol axis existed were all MQTT 3.1.1.
fn default_protocol() -> String {
    "v4".into()
}

/// Summary of one HdrHistogram, in nanoseconds.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PhaseStats {
    pub count: u64,
    pub min: u64,
    pub max: u64,
    pub mean: f64,
    pub stdev: f64,
    pub p50: u64,
    pub p90: u64,
    pub p99: u64,
    pub p999: u64,
    /// The percentile curve (HdrHistogram "percentile distribution"), for plotting.
    pub percentiles: Vec<PercentilePoint>,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PercentilePoint {
    /// 0..=100.
    pub percentile: f64,
    pub value: u64,
}

/// Bytes of one message, from plaintext to envelope.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Sizes {
    pub plaintext: usize,
    /// The PUBLISH payload.
    pub envelope: usize,
    /// Bytes only the harness needs (publisher, seq, timestamps).
    pub harness: usize,
    /// Envelope − plaintext − harness: IV, padding, tag, MAC, signature, version/ids/lengths.
    pub security_overhead: usize,
    /// The whole MQTT PUBLISH packet (fixed header, topic, packet id, payload).
    pub mqtt_packet: usize,
}

/// Bytes on the wire, counted at the proxy's sockets: TCP payload bytes, so TLS records,
/// MQTT headers, acks and pings are all in; TCP/IP headers are not.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct WireBytes {
    /// Client → broker, from the first scheduled message to the end of the drain.
    pub client_to_broker_bytes: u64,
    /// Broker → client, same window.
    pub broker_to_client_bytes: u64,
    /// client_to_broker_bytes / messages sent (null when none were sent).
    pub per_message_up: Option<f64>,
    /// broker_to_client_bytes / messages delivered (null when none were delivered).
    pub per_message_down: Option<f64>,
    /// Connection set-up before the first message, both directions summed over all
    /// clients: TCP payload of TLS handshakes (probe included), CONNECT/CONNACK, SUBSCRIBE.
    pub setup_client_to_broker_bytes: u64,
    pub setup_broker_to_client_bytes: u64,
}

/// Process-wide CPU time spent during the case (user + system, all threads: broker, link
/// proxy, connection set-up, warm-up and drain included), and, in `threads`, the CPU of the
/// threads that did the work over the measured window only.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CpuUsage {
    pub user_s: f64,
    pub system_s: f64,
    /// Process-wide: (user + system) over the whole case / delivered messages, in
    /// microseconds. An upper bound, not the cost of a message: see `threads`.
    pub per_message_us: Option<f64>,
    /// Peak resident memory of the process at the end of the case.
    pub max_rss_bytes: Option<u64>,
    /// Per-thread CPU over the measured window (absent in older runs).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub threads: Option<ThreadCpu>,
}
