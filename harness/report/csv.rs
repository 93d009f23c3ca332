//! `cases.csv`: one row per case (failed ones included), for spreadsheets and scripts.
//!
//! RFC 4180 (comma-separated, fields with commas, quotes or line breaks quoted), `\n` line
//! ends, one header line. An empty field means "not measured". The columns are stable: new
//! ones are only ever appended.
//!
//! | column | meaning |
//! |---|---|
//! | `id` | case id, e.g. `aes-128-gcm/q1/64B/tcp` |
//! | `status` | `ok` or `failed` |
//! | `suite`, `suite_id`, `mac`, `signature`, `transport`, `qos` | case parameters (`suite_id` is the envelope byte, decimal) |
//! | `size_bytes` | plaintext bytes per message |
//! | `sent`, `expected`, `delivered`, `lost`, `duplicated`, `out_of_order`, `failed_auth`, `failed_decrypt`, `malformed`, `unacked` | message counts over the whole case |
//! | `measured_s` | length of the measured window |
//! | `offered_msgs_per_s`, `sent_msgs_per_s`, `delivered_msgs_per_s`, `delivered_bytes_per_s` | throughput in the measured window |
//! | `envelope_bytes`, `security_overhead_bytes`, `harness_bytes`, `mqtt_packet_bytes` | bytes of one message |
//! | `cpu_user_s`, `cpu_system_s`, `cpu_per_message_us` | process-wide CPU time (whole case, every thread) |
//! | `<phase>_count`, (mean to 0.1 ns) `<phase>_p50_ns`, `<phase>_p90_ns`, `<phase>_p99_ns`, `<phase>_p999_ns`, `<phase>_mean_ns`, `<phase>_max_ns` | for each phase of `results::phase::ALL` but the CPU-clock ones, in that order |
//! | `error` | why a failed case failed |
//! | `replayed` | copies beyond QoS duplicates (see `security::replay`) |
//! | `block_len`, `block_envelopes`, `block_repeated`, `block_repeated_across` | repeated ciphertext blocks in the sampled envelopes (empty: not measured) |
//! | `protocol` | MQTT version: `v4` (3.1.1) or `v5` |
//! | `rejected` | MQTT 5 publishes the broker acknowledged with a failure reason |
//! | `wire_up_bytes_per_msg`, `wire_down_bytes_per_msg` | bytes at the socket per message sent / delivered (empty: proxy off) |
//! | `<phase>_count` … `<phase>_max_ns` for `encode_cpu`, `encrypt_cpu`, `sign_cpu`, `verify_cpu`, `decrypt_cpu` | the crypto phases on the thread CPU clock |
//! | `thread_publisher_us_per_msg`, `thread_publisher_io_us_per_msg`, `thread_subscriber_us_per_msg`, `thread_broker_us_per_msg` | per-thread CPU per message over the measured window (`cpu.threads` in results.json; empty: not measured) |
//! | `<phase>_count` … `<phase>_max_ns` for `envelope`, `decode`, `envelope_cpu`, `decode_cpu`, `smqtt_validation` | the envelope header (every suite; runs before these columns have it in `encode`), s-mqtt's decoding and its validation round trip |

use std::sync::LazyLock;

use crate::results::{CaseResult, CaseStatus, RunResults, phase};

const FIXED: [&str; 31] = [
    "id",
    "status",
    "suite",
    "suite_id",
    "mac",
    "signature",
    "transport",
    "qos",
    "size_bytes",
    "sent",
    "expected",
    "delivered",
    "lost",
    "duplicated",
    "out_of_order",
    "failed_auth",
    "failed_decrypt",
    "malformed",
    "unacked",
    "measured_s",
    "offered_msgs_per_s",
    "sent_msgs_per_s",
    "delivered_msgs_per_s",
    "delivered_bytes_per_s",
    "envelope_bytes",
    "security_overhead_bytes",
    "harness_bytes",
    "mqtt_packet_bytes",
    "cpu_user_s",
    "cpu_system_s",
    "cpu_per_message_us",
];

const PHASE_STATS: [&str; 7] = [
    "count", "p50_ns", "p90_ns", "p99_ns", "p999_ns", "mean_ns", "max_ns",
];

/// Every column name, in order.
pub static COLUMNS: LazyLock<Vec<String>> = LazyLock::new(|| {
    let mut cols: Vec<String> = FIXED.iter().map(|s| s.to_string()).collect();
    for p in first_phases() {
        cols.extend(PHASE_STATS.iter().map(|s| format!("{p}_{s}")));
    }
    cols.push("error".into());
    cols.extend(APPENDED.iter().map(|s| s.to_string()));
    for p in CPU_PHASES {
        cols.extend(PHASE_STATS.iter().map(|s| format!("{p}_{s}")));
    }
    cols.extend(THREAD_CPU.iter().map(|s| s.to_string()));
    for p in LATER_PHASES {
        cols.extend(PHASE_STATS.iter().map(|s| format!("{p}_{s}")));
    }
    cols
});

/// The CPU-clock phases, appended after [`APPENDED`] rather than in `phase::ALL`'s order.
const CPU_PHASES: [&str; 5] = [
    phase::ENCODE_CPU,
    phase::ENCRYPT_CPU,
    phase::SIGN_CPU,
    phase::VERIFY_CPU,
    phase::DECRYPT_CPU,
];

/// The phases added with s-mqtt (the envelope header, which `encode` was before, and
/// s-mqtt's decoding), both clocks, last.
const LATER_PHASES: [&str; 5] = [
    phase::ENVELOPE,
    phase::DECODE,
    phase::ENVELOPE_CPU,
    phase::DECODE_CPU,
    phase::SMQTT_VALIDATION,
];

/// Per-thread CPU per message, last.
const THREAD_CPU: [&str; 4] = [
    "thread_publisher_us_per_msg",
    "thread_publisher_io_us_per_msg",
    "thread_subscriber_us_per_msg",
    "thread_broker_us_per_msg",
];

/// The phases of the first releases, in their column order.
fn first_phases() -> impl Iterator<Item = &'static str> {
    phase::ALL
        .into_iter()
        .filter(|p| !CPU_PHASES.contains(p) && !LATER_PHASES.contains(p))
}

fn phase_fields(c: &CaseResult, name: &str, f: &mut Vec<String>) {
    match c.phases.get(name) {
        Some(ph) => f.extend([
            ph.count.to_string(),
            ph.p50.to_string(),
            ph.p90.to_string(),
            ph.p99.to_string(),
            ph.p999.to_string(),
            format!("{:.1}", ph.mean),
            ph.max.to_string(),
        ]),
        None => f.extend(PHASE_STATS.iter().map(|_| String::new())),
    }
}

/// Columns added after the first release, after `error` (columns are only ever appended).
const APPENDED: [&str; 9] = [
    "replayed",
    "block_len",
    "block_envelopes",
    "block_repeated",
    "block_repeated_across",
    "protocol",
    "rejected",
    "wire_up_bytes_per_msg",
    "wire_down_bytes_per_msg",
];

pub fn render(results: &RunResults) -> String {
    let mut out = COLUMNS.join(",");
    out.push('\n');
    for case in &results.cases {
        let fields: Vec<String> = row(case).iter().map(|f| quote(f)).collect();
        out.push_str(&fields.join(","));
        out.push('\n');
    }
    out
}

fn row(c: &CaseResult) -> Vec<String> {
    let p = &c.params;
    let n = &c.counts;
    let t = &c.throughput;
    let s = &c.sizes;
    let opt = |x: Option<f64>| x.map_or_else(String::new, |x| x.to_string());
    let status = match c.status {
        CaseStatus::Ok => "ok",
        CaseStatus::Degraded => "degraded",
        CaseStatus::Failed => "failed",
    };
    let mut f = vec![
        c.id.clone(),
        status.into(),
        p.suite.clone(),
        p.suite_id.to_string(),
        p.mac.clone(),
        p.signature.clone(),
        p.transport.clone(),
        p.qos.to_string(),
        p.size.to_string(),
    ];
    f.extend(
        [
            n.sent,
            n.expected,
            n.delivered,
            n.lost,
            n.duplicated,
            n.out_of_order,
            n.failed_auth,
            n.failed_decrypt,
            n.malformed,
            n.unacked,
        ]
        .map(|x| x.to_string()),
    );
    f.extend([
        c.measured_s.to_string(),
        opt(t.offered_msgs_per_s),
        t.sent_msgs_per_s.to_string(),
        t.delivered_msgs_per_s.to_string(),
        t.delivered_bytes_per_s.to_string(),
    ]);
    f.extend([s.envelope, s.security_overhead, s.harness, s.mqtt_packet].map(|x| x.to_string()));
    f.extend([
        c.cpu.user_s.to_string(),
        c.cpu.system_s.to_string(),
        opt(c.cpu.per_message_us),
    ]);
    for name in first_phases() {
        phase_fields(c, name, &mut f);
    }
    f.push(c.error.clone().unwrap_or_default());
    f.push(n.replayed.to_string());
    match &c.block_repeats {
        Some(b) => f.extend(
            [
                b.block_len as u64,
                b.envelopes,
                b.repeated,
                b.repeated_across,
            ]
            .map(|x| x.to_string()),
        ),
        None => f.extend((0..4).map(|_| String::new())),
    }
    f.push(p.protocol.clone());
    f.push(n.rejected.to_string());
    let wire = c.wire.as_ref();
    f.push(opt(wire.and_then(|w| w.per_message_up)));
    f.push(opt(wire.and_then(|w| w.per_message_down)));
    for name in CPU_PHASES {
        phase_fields(c, name, &mut f);
    }
    let th = c.cpu.threads.as_ref();
    f.push(opt(th.and_then(|t| t.publisher_us_per_msg)));
    f.push(opt(th.and_then(|t| t.publisher_io_us_per_msg)));
    f.push(opt(th.and_then(|t| t.subscriber_us_per_msg)));
    f.push(opt(th.and_then(|t| t.broker_us_per_msg)));
    for name in LATER_PHASES {
        phase_fields(c, name, &mut f);
    }
    f
}

fn quote(field: &str) -> String {
    if field.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", field.replace('"', "\"\""))
    } else {
        field.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_only_when_needed() {
        assert_eq!(quote("plain"), "plain");
        assert_eq!(quote("a,b"), "\"a,b\"");
        assert_eq!(quote("say \"hi\""), "\"say \"\"hi\"\"\"");
    }

    #[test]
    fn new_columns_come_after_the_old_ones() {
        let error = COLUMNS
            .iter()
            .position(|c| c == "error")
            .expect("error column");
        let cpu = COLUMNS
            .iter()
            .position(|c| c == "encrypt_cpu_p50_ns")
            .expect("cpu column");
        assert!(cpu > error);
        let thread = COLUMNS
            .iter()
            .position(|c| c == "thread_broker_us_per_msg")
            .expect("thread column");
        let envelope = COLUMNS
            .iter()
            .position(|c| c == "envelope_count")
            .expect("envelope column");
        assert_eq!(envelope, thread + 1);
        assert_eq!(
            COLUMNS.last().map(String::as_str),
            Some("smqtt_validation_max_ns")
        );
    }

    #[test]
    fn rows_are_as_wide_as_the_header() {
        let results = super::super::fixture::run();
        for c in &results.cases {
            assert_eq!(row(c).len(), COLUMNS.len(), "{}", c.id);
        }
    }
}
