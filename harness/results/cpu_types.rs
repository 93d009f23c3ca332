//! The CPU figures of results.json that come from the threads themselves and the clocks'
//! own cost (kept apart from `types.rs` so that file stays readable).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// CPU of the threads that did the work, over the measured window only (warm-up end to the
/// last scheduled send: no connect, no warm-up, no drain). results/README.md spells out what
/// each figure spans.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ThreadCpu {
    /// Length of the window the group figures cover, s (between the two thread samples).
    pub window_s: f64,
    /// Publisher send threads, thread CPU clock: from the start of a message's envelope to its
    /// hand-off to the MQTT client (encode, encrypt, sign, queueing), mean over measured
    /// messages, µs. Payload generation and pacing sleeps excluded.
    pub publisher_us_per_msg: Option<f64>,
    /// Messages behind `publisher_us_per_msg` (measured sends).
    pub publisher_messages: u64,
    /// The publishers' MQTT client event-loop threads (PUBLISH writes, TLS records, acks) over
    /// the window / `publisher_messages`, µs.
    pub publisher_io_us_per_msg: Option<f64>,
    /// Subscriber threads (MQTT client reads, TLS records, envelope parse, verify, decrypt,
    /// accounting) over the window, less the harness's plaintext check, / `subscriber_messages`,
    /// µs.
    pub subscriber_us_per_msg: Option<f64>,
    /// First copies that arrived inside the window (all subscribers).
    pub subscriber_messages: u64,
    /// The broker's CPU over the window / `subscriber_messages`, µs: the embedded broker's
    /// threads, or every thread of a broker process on this host (a loopback broker address
    /// whose listening socket this user can see in /proc; its CPU counts whoever else it
    /// served). Absent for a broker elsewhere (or when no broker thread was seen).
    pub broker_us_per_msg: Option<f64>,
    /// The process on this host whose threads `broker_us_per_msg` counts, as the kernel names
    /// it (e.g. `mosquitto`); absent for the embedded broker and a broker elsewhere. A port
    /// forwarder (docker-proxy, ssh, …) listening for a broker is never counted as one.
    pub broker_process: Option<String>,
    /// Every thread of the process over the window, grouped by what it does (publisher,
    /// publisher-io, subscriber, broker, runtime, other).
    pub groups: Vec<ThreadGroupCpu>,
}

impl ThreadCpu {
    /// What the clients cost per message end to end: publisher send and event-loop threads
    /// plus the subscriber, µs; absent unless all three were measured.
    pub fn clients_us_per_msg(&self) -> Option<f64> {
        Some(
            self.publisher_us_per_msg?
                + self.publisher_io_us_per_msg?
                + self.subscriber_us_per_msg?,
        )
    }
}

/// One group of threads' CPU over the measured window.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ThreadGroupCpu {
    pub group: String,
    /// Threads of the group alive at the end of the window.
    pub threads: u32,
    /// user + system, s.
    pub cpu_s: f64,
}

/// The phase clocks' own cost, measured at the start of a run: medians of back-to-back reads.
/// Every wall-clock crypto phase includes about half a `wall_read_ns`; every CPU-clock phase
/// (`*_cpu`) one `cpu_read_ns` and two `wall_read_ns` (results/README.md).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ClockInfo {
    /// Median of back-to-back wall (monotonic) clock read differences, ns.
    pub wall_read_ns: u64,
    /// Median of back-to-back thread CPU clock (CLOCK_THREAD_CPUTIME_ID) read differences,
    /// ns.
    pub cpu_read_ns: u64,
    /// clock_getres of the thread CPU clock, ns.
    pub cpu_resolution_ns: u64,
    /// Back-to-back pairs behind each median.
    pub samples: u32,
}
