//! TLS versus payload encryption, the "four corners": no security (suite `none` over plain
//! TCP), payload only (a suite over TCP), TLS only (`none` over TLS) and both. Two charts, one
//! per measure, each with one group per suite x transport and one bar per QoS x size:
//! - end-to-end latency p50 (ms), what a device's reader waits;
//! - CPU time per message (µs) of the clients' own threads over the measured window: the
//!   publisher's send and MQTT event-loop threads plus the subscriber's thread, where the
//!   payload cipher and the TLS records both run (`ThreadCpu::clients_us_per_msg`). The
//!   broker's share is in results.json apart (`cpu.threads.broker_us_per_msg`); runs from
//!   before per-thread CPU fall back to the process-wide figure, and the axis says so.
//!
//! Only rendered when the run measured more than one transport: with one, the corners are
//! the throughput and latency charts already shown.

use std::collections::BTreeSet;

use super::bars::{self, BarChart, Group};
use super::{Chart, ReportError, data};
use crate::results::{CaseResult, RunResults, phase};

pub const LATENCY_NAME: &str = "tls_vs_payload_latency";
pub const LATENCY_TITLE: &str = "TLS vs payload encryption: latency p50";
pub const LATENCY_X: &str = "end-to-end latency p50 (ms)";
pub const CPU_NAME: &str = "tls_vs_payload_cpu";
pub const CPU_TITLE: &str = "TLS vs payload encryption: CPU per message";
pub const CPU_X: &str =
    "client CPU per message: publisher send + event-loop threads + subscriber thread (µs)";
/// Axis of the fallback for runs without per-thread CPU.
pub const CPU_X_PROCESS: &str =
    "CPU time per delivered message, process-wide incl. broker, set-up and drain (µs)";
pub const Y_LABEL: &str = "suite · transport (corner), bars by QoS and size";

/// What one chart shows of a case, when it was measured.
type Measure = fn(&CaseResult) -> Option<f64>;

/// Transports that encrypt the connection.
fn is_tls(transport: &str) -> bool {
    matches!(transport, "tls" | "wss")
}

/// Which corner a suite x transport is in.
fn corner(suite: &str, transport: &str) -> &'static str {
    match (suite == "none", is_tls(transport)) {
        (true, false) => "no security",
        (false, false) => "payload only",
        (true, true) => "TLS only",
        (false, true) => "both",
    }
}

/// Both charts, or none when the run has a single transport.
pub fn render(results: &RunResults) -> Result<Vec<Chart>, ReportError> {
    let transports: BTreeSet<&str> = data::ok_cases(results)
        .map(|c| c.params.transport.as_str())
        .collect();
    if transports.len() < 2 {
        return Ok(Vec::new());
    }
    let mut out = Vec::new();
    let latency =
        |c: &CaseResult| data::phase(c, phase::LATENCY).map(|p| data::ns_to_ms(p.p50 as f64));
    let threads = |c: &CaseResult| {
        c.cpu
            .threads
            .as_ref()
            .and_then(|t| t.clients_us_per_msg())
            .filter(|v| v.is_finite() && *v > 0.0)
    };
    let process = |c: &CaseResult| c.cpu.per_message_us.filter(|v| v.is_finite() && *v > 0.0);
    // One measure for the whole chart: thread CPU when every finished case has it.
    let per_thread = data::ok_cases(results).all(|c| threads(c).is_some());
    let (cpu, cpu_x): (Measure, &str) = if per_thread {
        (threads, CPU_X)
    } else {
        (process, CPU_X_PROCESS)
    };
    let charts: [(&str, &str, &str, Measure); 2] = [
        (LATENCY_NAME, LATENCY_TITLE, LATENCY_X, latency),
        (CPU_NAME, CPU_TITLE, cpu_x, cpu),
    ];
    for (name, title, x_desc, value) in charts {
        if let Some(svg) = render_one(results, title, x_desc, value)? {
            out.push(Chart::new(name, title, svg));
        }
    }
    Ok(out)
}

fn render_one(
    results: &RunResults,
    title: &str,
    x_desc: &str,
    value: fn(&CaseResult) -> Option<f64>,
) -> Result<Option<String>, ReportError> {
    let kinds = bars::qos_size_kinds(results);
    let mut groups: Vec<Group> = bars::groups_by_qos_size(results, &kinds, value);
    // A suite's transports next to each other, so its corners read side by side; the
    // baseline first, as the reference every other group is read against.
    let suites: Vec<String> = data::series_keys(data::ok_cases(results))
        .into_iter()
        .map(|k| k.0)
        .fold(Vec::new(), |mut v, s| {
            if !v.contains(&s) {
                v.push(s);
            }
            v
        });
    let rank = |suite: &str| {
        (
            suite != "none",
            suites.iter().position(|s| s == suite).unwrap_or(usize::MAX),
        )
    };
    groups.sort_by_key(|g| rank(&g.suite));
    let transport_of = |label: &str| label.rsplit(" · ").next().unwrap_or_default().to_string();
    for g in &mut groups {
        let t = transport_of(&g.label);
        g.label = format!("{} ({})", g.label, corner(&g.suite, &t));
    }
    let chart = BarChart {
        title: title.into(),
        x_desc: x_desc.into(),
        y_desc: Y_LABEL.into(),
        kinds: bars::qos_size_labels(&kinds),
        groups,
        value_label: data::sig3,
        caption: data::caption(results),
        reference: None,
    };
    chart.render()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpu_chart_uses_thread_cpu_when_every_case_has_it() {
        let mut r = super::super::fixture::with_tls();
        let old = render(&r).expect("charts");
        let cpu_svg = |charts: &[Chart]| {
            charts
                .iter()
                .find(|c| c.name == CPU_NAME)
                .map(|c| c.svg.clone())
                .expect("cpu chart")
        };
        assert!(cpu_svg(&old).contains("process-wide"));
        for c in &mut r.cases {
            c.cpu.threads = Some(crate::results::ThreadCpu {
                publisher_us_per_msg: Some(2.0),
                publisher_io_us_per_msg: Some(3.0),
                subscriber_us_per_msg: Some(5.0),
                ..Default::default()
            });
        }
        let new = cpu_svg(&render(&r).expect("charts"));
        assert!(
            new.contains("publisher send"),
            "axis names the thread figure"
        );
        assert!(!new.contains("process-wide"));
    }

    #[test]
    fn corners() {
        assert_eq!(corner("none", "tcp"), "no security");
        assert_eq!(corner("aes-128-gcm", "ws"), "payload only");
        assert_eq!(corner("none", "tls"), "TLS only");
        assert_eq!(corner("aes-128-gcm", "wss"), "both");
    }
}
