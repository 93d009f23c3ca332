//! `run --metrics ADDR`: the run's live figures in the Prometheus text exposition format
//! (version 0.0.4) at `http://ADDR/metrics`, for Prometheus and Grafana to watch a long run.
//!
//! Per case (labels: `case`, `repetition`, `suite`, `qos`, `size`, `transport`, `protocol`) the
//! counters of results.json's `counts` under the same names, the clients connected, the
//! publishers' lag behind schedule and the end-to-end latency as a histogram; per run, cases
//! planned and done. While a case runs its series are its clients' live tallies
//! ([`crate::measure::live`]), refreshed every [`REFRESH`]; when it ends they are replaced by
//! the figures results.json records for it, so the last value of every counter is the
//! results.json count. `lost` is known only then (a message is lost when the drain is over),
//! and stays 0 while the case runs.
//!
//! Scrapers never touch the run: each refresh encodes the text once into an immutable page,
//! and the HTTP side ([`http`]) only clones that page; a scraper that is slow, never reads or
//! goes away mid-response holds nothing the run needs, and its connection is closed after a
//! bounded time.

mod http;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use bytes::Bytes;
use prometheus_client::collector::Collector;
use prometheus_client::encoding::{DescriptorEncoder, NoLabelSet};
use prometheus_client::metrics::MetricType;
use prometheus_client::registry::Registry;

use crate::measure::live::{LATENCY_BUCKETS_S, LiveCase, LiveSnapshot};
use crate::results::{CaseResult, Counts};
use crate::scenario::Case;

/// How often the live tallies of the running case are re-read and the page re-encoded.
pub const REFRESH: Duration = Duration::from_millis(500);

/// A metric the exporter emits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MetricDef {
    /// As registered; the text format adds `_total` to counters and `_bucket`, `_sum` and
    /// `_count` to histograms (see [`MetricDef::samples`]).
    pub name: &'static str,
    pub kind: MetricType,
    pub help: &'static str,
}

impl MetricDef {
    /// The names its samples carry in the exposition, the names queries use.
    pub fn samples(&self) -> Vec<String> {
        match self.kind {
            MetricType::Counter => vec![format!("{}_total", self.name)],
            MetricType::Histogram => ["_bucket", "_sum", "_count"]
                .iter()
                .map(|s| format!("{}{s}", self.name))
                .collect(),
            _ => vec![self.name.to_owned()],
        }
    }
}

/// The case counters, named after results.json's `counts` fields: (metric, how the final
/// figure is read from the case's counts, how the live one is read from its clients).
type CounterDef = (MetricDef, fn(&Counts) -> u64, fn(&LiveSnapshot) -> u64);

const fn counter(name: &'static str, help: &'static str) -> MetricDef {
    MetricDef {
        name,
        kind: MetricType::Counter,
        help,
    }
}

const fn gauge(name: &'static str, help: &'static str) -> MetricDef {
    MetricDef {
        name,
        kind: MetricType::Gauge,
        help,
    }
}

const COUNTERS: [CounterDef; 7] = [
    (
        counter(
            "mcb_case_sent",
            "Messages the publishers handed to their MQTT client (results.json counts.sent).",
        ),
        |c| c.sent,
        |l| l.sent,
    ),
    (
        counter(
            "mcb_case_delivered",
            "Distinct messages each subscriber received and opened, summed (counts.delivered).",
        ),
        |c| c.delivered,
        |l| l.delivered,
    ),
    (
        counter(
            "mcb_case_lost",
            "Deliveries due that never came (counts.lost); known when the case ends, 0 before.",
        ),
        |c| c.lost,
        |_| 0,
    ),
    (
        counter(
            "mcb_case_duplicated",
            "QoS-level copies of a message already received (counts.duplicated).",
        ),
        |c| c.duplicated,
        |l| l.duplicated,
    ),
    (
        counter(
            "mcb_case_failed_auth",
            "Messages whose tag, MAC or signature did not verify (counts.failed_auth).",
        ),
        |c| c.failed_auth,
        |l| l.failed_auth,
    ),
    (
        counter(
            "mcb_case_failed_decrypt",
            "Messages that failed to decrypt without an authentication failure (counts.failed_decrypt).",
        ),
        |c| c.failed_decrypt,
        |l| l.failed_decrypt,
    ),
    (
        counter(
            "mcb_case_rejected",
            "Publishes an MQTT 5 broker acknowledged with a failure reason (counts.rejected).",
        ),
        |c| c.rejected,
        |l| l.rejected,
    ),
];

const CONNECTED: MetricDef = gauge(
    "mcb_case_connected_clients",
    "Publishers and subscribers of the case connected to the broker now.",
);
const SCHEDULE_LAG: MetricDef = gauge(
    "mcb_case_schedule_lag_seconds",
    "How late the most lagging publisher started its last message after its scheduled time (open loop).",
);
const RUNNING: MetricDef = gauge(
    "mcb_case_running",
    "1 for the case running now, 0 for the others.",
);
const LATENCY: MetricDef = MetricDef {
    name: "mcb_case_latency_seconds",
    kind: MetricType::Histogram,
    help: "End-to-end latency from each message's scheduled send time to its opening by a subscriber, measured window (results.json phases.latency).",
};
const PLANNED: MetricDef = gauge(
    "mcb_run_cases_planned",
    "Cases the run will measure (repetitions included).",
);
const DONE: MetricDef = gauge("mcb_run_cases_done", "Cases measured so far.");
const INFO: MetricDef = MetricDef {
    name: "mcb_run",
    kind: MetricType::Info,
    help: "The run: its scenario and the tool's version.",
};

/// Every metric the exporter emits, in the order of the exposition.
pub fn metrics() -> Vec<MetricDef> {
    let mut v: Vec<MetricDef> = COUNTERS.iter().map(|c| c.0).collect();
    v.extend([CONNECTED, SCHEDULE_LAG, RUNNING, LATENCY, PLANNED, DONE]);
    v
}

/// Every sample name of the exposition (what a dashboard's queries may use).
pub fn sample_names() -> Vec<String> {
    let mut v: Vec<String> = metrics().iter().flat_map(MetricDef::samples).collect();
    v.push(format!("{}_info", INFO.name));
    v
}

/// One case's labels.
#[derive(Debug, Clone, PartialEq, Eq, Hash, prometheus_client::encoding::EncodeLabelSet)]
struct CaseLabels {
    case: String,
    repetition: u32,
    suite: String,
    qos: u8,
    size: usize,
    transport: String,
    protocol: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, prometheus_client::encoding::EncodeLabelSet)]
struct RunLabels {
    scenario: String,
    version: String,
}

/// One case's series.
#[derive(Debug)]
struct Series {
    labels: CaseLabels,
    counters: [u64; COUNTERS.len()],
    live: LiveSnapshot,
    running: bool,
}

#[derive(Debug, Default)]
struct State {
    run: Option<RunLabels>,
    planned: u64,
    done: u64,
    cases: Vec<Series>,
    /// The case running now: its index in `cases` and its clients' tallies.
    current: Option<(usize, Arc<LiveCase>)>,
}

impl State {
    /// Re-reads the running case's tallies.
    fn update(&mut self) {
        if let Some((i, live)) = &self.current
            && let Some(s) = self.cases.get_mut(*i)
        {
            s.live = live.snapshot();
            for (slot, (_, _, read)) in s.counters.iter_mut().zip(&COUNTERS) {
                *slot = read(&s.live);
            }
        }
    }
}

/// How a gauge's value is read from a case's series.
type GaugeOf = fn(&Series) -> f64;

/// Renders the state, read at encoding time (see [`Shared::refresh`]).
#[derive(Debug)]
struct View(Arc<Mutex<State>>);

impl Collector for View {
    fn encode(&self, mut enc: DescriptorEncoder) -> Result<(), std::fmt::Error> {
        let st = lock(&self.0);
        for (i, (def, _, _)) in COUNTERS.iter().enumerate() {
            let mut m = enc.encode_descriptor(def.name, def.help, None, def.kind)?;
            for s in &st.cases {
                m.encode_family(&s.labels)?
                    .encode_counter::<NoLabelSet, _, u64>(&s.counters[i], None)?;
            }
        }
        let gauges: [(MetricDef, GaugeOf); 3] = [
            (CONNECTED, |s| s.live.connected as f64),
            (SCHEDULE_LAG, |s| s.live.schedule_lag_s),
            (RUNNING, |s| f64::from(u8::from(s.running))),
        ];
        for (def, value) in gauges {
            let mut m = enc.encode_descriptor(def.name, def.help, None, def.kind)?;
            for s in &st.cases {
                m.encode_family(&s.labels)?.encode_gauge(&value(s))?;
            }
        }
        {
            let mut m = enc.encode_descriptor(LATENCY.name, LATENCY.help, None, LATENCY.kind)?;
            for s in &st.cases {
                // Per-bucket counts of the bounded buckets; the encoder makes them cumulative
                // and adds `+Inf` from the total.
                let buckets: Vec<(f64, u64)> = LATENCY_BUCKETS_S
                    .iter()
                    .copied()
                    .zip(s.live.latency_buckets.iter().copied())
                    .collect();
                m.encode_family(&s.labels)?.encode_histogram::<NoLabelSet>(
                    s.live.latency_sum_s,
                    s.live.latency_count(),
                    &buckets,
                    None,
                )?;
            }
        }
        for (def, v) in [(PLANNED, st.planned), (DONE, st.done)] {
            enc.encode_descriptor(def.name, def.help, None, def.kind)?
                .encode_gauge(&v)?;
        }
        if let Some(run) = &st.run {
            enc.encode_descriptor(INFO.name, INFO.help, None, INFO.kind)?
                .encode_info(run)?;
        }
        Ok(())
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// What the run, the refresher and the HTTP side share.
struct Shared {
    state: Arc<Mutex<State>>,
    registry: Registry,
    /// The last encoded exposition: what every scrape gets, cloned (a reference count).
    page: Mutex<Bytes>,
}

impl Shared {
    /// Re-reads the running case and re-encodes the page. The state is locked only while it
    /// is read; the page only to swap it.
    fn refresh(&self) {
        lock(&self.state).update();
        let mut text = String::new();
        if prometheus_client::encoding::prometheus_text::encode(&mut text, &self.registry).is_ok() {
            *lock(&self.page) = Bytes::from(text);
        }
    }

    fn page(&self) -> Bytes {
        lock(&self.page).clone()
    }
}

#[derive(Debug, thiserror::Error)]
#[error("--metrics {addr}: cannot listen there: {source}")]
pub struct BindError {
    pub addr: SocketAddr,
    #[source]
    pub source: std::io::Error,
}

/// The exporter of one run: listening from [`Exporter::start`] until dropped.
pub struct Exporter {
    shared: Arc<Shared>,
    addr: SocketAddr,
    tasks: Vec<tokio::task::AbortHandle>,
}

impl Exporter {
    /// Listens on `addr` and serves `/metrics` from now on (inside a tokio runtime). Called
    /// before the run starts, so a port in use fails the command before any case.
    pub async fn start(addr: SocketAddr) -> Result<Exporter, BindError> {
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .map_err(|source| BindError { addr, source })?;
        let bound = listener
            .local_addr()
            .map_err(|source| BindError { addr, source })?;
        let state = Arc::new(Mutex::new(State::default()));
        let mut registry = Registry::default();
        registry.register_collector(Box::new(View(state.clone())));
        let shared = Arc::new(Shared {
            state,
            registry,
            page: Mutex::new(Bytes::new()),
        });
        shared.refresh();
        let server = tokio::spawn(http::serve(listener, shared.clone()));
        let refresher = tokio::spawn({
            let shared = shared.clone();
            async move {
                let mut tick = tokio::time::interval(REFRESH);
                tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
                loop {
                    tick.tick().await;
                    shared.refresh();
                }
            }
        });
        Ok(Exporter {
            shared,
            addr: bound,
            tasks: vec![server.abort_handle(), refresher.abort_handle()],
        })
    }

    /// Where it listens (the port the OS chose for `:0`).
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// The run begins: `planned` cases (repetitions included) of `scenario`.
    pub fn run_started(&self, scenario: &str, planned: usize) {
        {
            let mut st = lock(&self.shared.state);
            st.run = Some(RunLabels {
                scenario: scenario.to_owned(),
                version: env!("CARGO_PKG_VERSION").to_owned(),
            });
            st.planned = planned as u64;
        }
        self.shared.refresh();
    }

    /// `case` (repetition `repetition`) starts: its series appear, and the returned tallies
    /// are what its clients keep.
    pub fn case_started(&self, case: &Case, repetition: u32, live: Arc<LiveCase>) {
        {
            let mut st = lock(&self.shared.state);
            for s in &mut st.cases {
                s.running = false;
            }
            st.cases.push(Series {
                labels: CaseLabels {
                    case: case.id(),
                    repetition,
                    suite: case.suite.name().to_owned(),
                    qos: case.qos,
                    size: case.size,
                    transport: case.transport.name().to_owned(),
                    protocol: case.protocol.name().to_owned(),
                },
                counters: [0; COUNTERS.len()],
                live: live.snapshot(),
                running: true,
            });
            st.current = Some((st.cases.len() - 1, live));
        }
        self.shared.refresh();
    }

    /// The running case ended with `result`: its counters become results.json's counts.
    pub fn case_finished(&self, result: &CaseResult) {
        {
            let mut st = lock(&self.shared.state);
            st.update();
            if let Some((i, live)) = st.current.take() {
                live.disconnect_all();
                if let Some(s) = st.cases.get_mut(i) {
                    s.live.connected = 0;
                    s.running = false;
                    for (slot, (_, fin, _)) in s.counters.iter_mut().zip(&COUNTERS) {
                        *slot = fin(&result.counts);
                    }
                }
            }
            st.done += 1;
        }
        self.shared.refresh();
    }
}

impl Drop for Exporter {
    fn drop(&mut self) {
        for t in &self.tasks {
            t.abort();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The names [`sample_names`] lists are exactly those the encoder writes, so a dashboard
    /// checked against the list is checked against the exposition.
    #[test]
    fn the_list_of_names_is_what_is_encoded() {
        let state = Arc::new(Mutex::new(State::default()));
        let mut registry = Registry::default();
        registry.register_collector(Box::new(View(state.clone())));
        let s = crate::scenario::parse(
            std::path::Path::new("t.toml"),
            "name = \"t\"\n[matrix]\nsuite = [\"aes-128-gcm\"]\n",
            &[],
            None,
        )
        .expect("scenario");
        {
            let mut st = lock(&state);
            st.run = Some(RunLabels {
                scenario: "t".into(),
                version: "0".into(),
            });
            let live = Arc::new(LiveCase::new(1, 1));
            if let Some(c) = live.subscriber(0) {
                c.latency(20_000);
            }
            st.cases.push(Series {
                labels: CaseLabels {
                    case: s.cases[0].id(),
                    repetition: 1,
                    suite: "aes-128-gcm".into(),
                    qos: 1,
                    size: 64,
                    transport: "tcp".into(),
                    protocol: "v4".into(),
                },
                counters: [0; COUNTERS.len()],
                live: live.snapshot(),
                running: true,
            });
        }
        let mut text = String::new();
        prometheus_client::encoding::prometheus_text::encode(&mut text, &registry).unwrap();
        let mut written: Vec<&str> = text
            .lines()
            .filter(|l| !l.starts_with('#'))
            .filter_map(|l| l.split(['{', ' ']).next())
            .collect();
        written.dedup();
        let mut listed = sample_names();
        listed.sort();
        written.sort();
        written.dedup();
        assert_eq!(written, listed, "{text}");
        // The first bound, 10 µs, as Go formats it (what Prometheus itself writes).
        assert!(text.contains("le=\"1e-05\""), "{text}");
    }
}
