//! A whole run: scenario → cases → (load + measure) → results.json after every case.
//!
//! Memory and I/O stay flat in the number of cases: each case's result and histograms are
//! written once, when it ends ([`results::stream`], [`hlog::append`]), and dropped; the final
//! results.json is written once, from the file, when the run ends.
//!
//! The report is rendered by the caller from what this returns (or from the folder later), so
//! a run never depends on the report code and an old run can always be re-rendered.

pub mod case;
pub mod center;
mod connect;
mod faults;
mod keying;
pub mod metrics;
pub mod order;
pub mod progress;
pub mod properties;
pub mod security;
mod sessions;
mod smqtt;
pub mod speed_ref;
pub mod start;
mod verdict;
mod window;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::SystemTime;

use crate::broker::{Endpoint, embedded, endpoint::EndpointError};
use crate::crypto::keys::KeyRing;
use crate::load::client::{self, ClientSpec};
use crate::measure::env;
use crate::results::hlog::{self, CaseHistograms};
use crate::results::stream::ResultsStream;
use crate::results::{
    self, BrokerInfo, CaseStatus, LoadInfo, RunResults, RunStatus, ScenarioInfo, ToolInfo, writer,
};
use crate::scenario::Scenario;
use crate::scenario::schema::Rate;

pub use order::OrderSpec;
pub use progress::Progress;

#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// Bad input: the scenario or flags ask for something impossible (exit 2).
    #[error("{0}")]
    Input(String),
    /// The broker could not be reached or refused us before any case ran (exit 1).
    #[error("{0}")]
    Broker(String),
    /// The results folder could not be created or written (exit 2: the user picks it).
    #[error("{0}")]
    Output(String),
}

impl RunError {
    pub fn is_input_error(&self) -> bool {
        matches!(self, RunError::Input(_) | RunError::Output(_))
    }
}

pub struct RunOptions {
    /// Results root; the run goes to `<root>/<scenario name>/<UTC timestamp>/`.
    pub out_root: PathBuf,
    pub progress: Progress,
    /// Recorded in results.json when the scenario was narrowed with [`crate::scenario::Shard::apply`].
    pub shard: Option<crate::scenario::Shard>,
    /// Shuffled (default, seed from the OS) or matrix order; see [`order`].
    pub order: OrderSpec,
    /// The `speed` reference the report ranks the run against.
    pub speed: speed_ref::SpeedSource,
    /// `--start-at`/`--start-in`: the case loop waits for this instant, after set-up.
    pub start: Option<start::StartPlan>,
    /// `--metrics`: the Prometheus exporter the run keeps up to date (already listening).
    pub metrics: Option<metrics::Exporter>,
}

/// A finished (or interrupted) run.
pub struct RunOutcome {
    pub dir: PathBuf,
    pub results: RunResults,
}

/// Creates `<root>/<name>/<UTC timestamp>[-<tag>][-k]/` (a shard's tag: `shard-2of3`).
pub fn create_run_dir(
    root: &Path,
    name: &str,
    at: SystemTime,
    tag: Option<&str>,
) -> Result<PathBuf, RunError> {
    crate::results::run_dir::create_tagged(root, name, at, tag)
        .map_err(|e| RunError::Output(e.to_string()))
}

fn now_rfc3339() -> String {
    humantime::format_rfc3339_seconds(SystemTime::now()).to_string()
}

/// What the pre-flight connection learnt about the broker.
struct Preflight {
    /// `$SYS/broker/version`, when published.
    version: Option<String>,
    /// MQTT 5: the Maximum Packet Size of its CONNACK, when it sent one.
    max_packet: Option<u32>,
}

/// Checks the broker answers CONNECT before spending time on cases.
async fn preflight(endpoint: &Endpoint, run_tag: &str) -> Result<Preflight, RunError> {
    let id = format!(
        "mcb-{run_tag}-preflight-{}-{}",
        endpoint.transport.name(),
        endpoint.protocol.name()
    );
    let spec = ClientSpec {
        client_id: &id,
        max_packet: 64 * 1024,
        inflight: 10,
        session: crate::broker::config::Session::Clean,
        source: None,
    };
    let mut c = client::connect(endpoint, &spec).await.map_err(|e| {
        if e.is_input_error() {
            RunError::Input(e.to_string())
        } else {
            RunError::Broker(e.to_string())
        }
    })?;
    let version = if endpoint.embedded {
        None
    } else {
        broker_version(&mut c).await
    };
    let _ = c.client.disconnect().await;
    let mut ev = c.eventloop;
    let _ = tokio::time::timeout(std::time::Duration::from_millis(300), ev.poll()).await;
    Ok(Preflight {
        version,
        max_packet: c.max_packet,
    })
}

/// Refuses the run when a case's PUBLISH packets are larger than the Maximum Packet Size the
/// broker's CONNACK announced on `endpoint`: the broker would drop them (MQTT 5 §3.1.2.24),
/// and only the broker knows its limit, so this is found at run time, not in validation.
fn check_max_packet(
    scenario: &Scenario,
    run_tag: &str,
    endpoint: &Endpoint,
    max_packet: u32,
) -> Result<(), RunError> {
    let too_big = scenario
        .cases
        .iter()
        .filter(|c| c.transport == endpoint.transport && c.protocol == endpoint.protocol)
        .map(|c| (c, case::publish_packet_len(scenario, run_tag, c)))
        .filter(|&(_, len)| len > max_packet as usize)
        .max_by_key(|&(_, len)| len);
    match too_big {
        Some((c, len)) => Err(RunError::Broker(format!(
            "the broker at {} accepts packets up to {max_packet} B (Maximum Packet Size in its \
             CONNACK), but case {} sends {len} B PUBLISH packets (matrix.size {} B of \
             plaintext for suite {}): lower matrix.size or raise the broker's limit \
             (Mosquitto: max_packet_size)",
            endpoint.display_url(),
            c.id(),
            c.size,
            c.suite
        ))),
        None => Ok(()),
    }
}

/// The broker's own version string from `$SYS/broker/version` (Mosquitto and others publish
/// it retained), so results name the broker that was measured. None when the broker does not
/// publish it or forbids reading it within half a second.
async fn broker_version(c: &mut client::Connected) -> Option<String> {
    use crate::load::mqtt::Event;
    use rumqttc::QoS;
    const TOPIC: &str = "$SYS/broker/version";
    c.client.try_subscribe(TOPIC, QoS::AtMostOnce).ok()?;
    let wait = async {
        loop {
            match c.eventloop.poll().await {
                Ok(Event::Publish(p)) if p.topic == TOPIC.as_bytes() => {
                    let v = String::from_utf8_lossy(&p.payload).trim().to_owned();
                    // A hostile or broken broker must not put a megabyte into results.json.
                    return (!v.is_empty()).then(|| v.chars().take(200).collect());
                }
                Ok(_) => {}
                Err(_) => return None,
            }
        }
    };
    tokio::time::timeout(std::time::Duration::from_millis(500), wait)
        .await
        .ok()
        .flatten()
}

/// Runs every case of `scenario`, writing results.json (and histograms.hlog) after each one.
/// Ctrl-C stops after writing what was measured; the outcome's status says so.
pub async fn run(scenario: &Scenario, opts: &RunOptions) -> Result<RunOutcome, RunError> {
    let endpoint = Endpoint::resolve(&scenario.broker).map_err(|e| match e {
        e @ EndpointError::Embedded(_) => RunError::Broker(e.to_string()),
        e => RunError::Input(e.to_string()),
    })?;
    let started = SystemTime::now();
    // Random, so runs started in the same second (tests, shards, two terminals) never share
    // client ids: a broker disconnects the older of two clients with one id.
    let mut tag = [0u8; 4];
    getrandom::fill(&mut tag).map_err(|e| RunError::Broker(format!("no OS randomness: {e}")))?;
    let run_tag: String = tag.iter().map(|b| format!("{b:02x}")).collect();
    // Every listener the cases use, so a TLS or password problem stops the run before any
    // case instead of failing each one.
    let mut listeners: Vec<_> = scenario
        .cases
        .iter()
        .map(|c| (c.transport, c.protocol))
        .collect();
    listeners.sort();
    listeners.dedup();
    let load = &scenario.load;
    let data_clients = u64::from(load.publishers) + u64::from(load.subscribers);
    // With a Security Center: its own connection, one per data client and the probe's.
    let center_clients = scenario.center.as_ref().map_or(0, |c| {
        1 + data_clients + u64::from(c.concurrency.iter().copied().max().unwrap_or(0))
    });
    crate::load::limits::ensure_descriptors(crate::load::limits::descriptors_needed(
        data_clients + center_clients,
        scenario.proxy,
        endpoint.embedded,
    ))
    .map_err(RunError::Input)?;
    let mut broker_version = None;
    for &(t, p) in &listeners {
        let e = endpoint
            .for_case(t, p)
            .map_err(|e| RunError::Input(e.to_string()))?;
        let pf = preflight(&e, &run_tag).await?;
        if let Some(max) = pf.max_packet {
            check_max_packet(scenario, &run_tag, &e, max)?;
        }
        broker_version = broker_version.or(pf.version);
    }
    // Every shard of one run must measure in the same order: without a seed they derive it
    // from what they share, the scenario text and its --set flags (not --broker or --shard,
    // which may differ between the machines).
    let shared: Vec<&str> = std::iter::once(scenario.text.as_str())
        .chain(
            scenario
                .overrides
                .iter()
                .filter(|o| o.starts_with("--set "))
                .map(String::as_str),
        )
        .collect();
    let seed = order::resolve_seed(opts.order, opts.shard.is_some(), &shared.join("\n"))
        .map_err(|e| RunError::Broker(format!("no OS randomness for the case order: {e}")))?;
    let environment = env::capture();
    // A speed file is checked before anything is created: a wrong one costs nothing.
    let speed_reference = match &opts.speed {
        speed_ref::SpeedSource::File(path) => {
            let r = speed_ref::read(path, &environment).map_err(RunError::Input)?;
            if let Some(w) = &r.warning {
                opts.progress.warn(w);
            }
            Some(r)
        }
        speed_ref::SpeedSource::Auto | speed_ref::SpeedSource::Off => None,
    };
    let tag = opts.shard.map(|s| s.folder_suffix());
    let dir = create_run_dir(&opts.out_root, &scenario.name, started, tag.as_deref())?;
    let noise = env::NoiseProbe::start();

    let mut results = RunResults {
        schema_version: results::SCHEMA_VERSION,
        tool: ToolInfo {
            name: env!("CARGO_PKG_NAME").to_owned(),
            version: env!("CARGO_PKG_VERSION").to_owned(),
        },
        // Shared files: the key seed's fingerprint, never the seed; the hash is of what is
        // recorded, so `merge` can check it from the file.
        scenario: {
            let mut info = results::secrets::redact(&ScenarioInfo {
                name: scenario.name.clone(),
                description: scenario.description.clone(),
                path: scenario.path.display().to_string(),
                text: scenario.text.clone(),
                overrides: scenario.overrides.clone(),
                key_seed_sha256: Some(results::secrets::fingerprint(&scenario.keys.0)),
                text_sha256: None,
            });
            info.text_sha256 = Some(results::fleet::scenario_hash(&info));
            info
        },
        started_at: now_rfc3339(),
        finished_at: None,
        status: RunStatus::Running,
        environment,
        broker: BrokerInfo {
            url: if endpoint.embedded {
                format!("embedded ({})", endpoint.display_url())
            } else {
                endpoint.display_url()
            },
            name: if endpoint.embedded {
                "rumqttd (embedded)".to_owned()
            } else {
                // "mosquitto version 2.0.18" → "mosquitto".
                broker_version
                    .as_deref()
                    .and_then(|v| v.split_whitespace().next())
                    .unwrap_or("external")
                    .to_owned()
            },
            version: if endpoint.embedded {
                embedded::version()
            } else {
                broker_version
            },
            protocol: {
                let mut p: Vec<_> = listeners.iter().map(|l| l.1).collect();
                p.sort();
                p.dedup();
                p.iter().map(|p| p.name()).collect::<Vec<_>>().join(", ")
            },
            link: scenario.proxy.then_some(results::LinkInfo {
                rtt_s: scenario.link.rtt.as_secs_f64(),
                jitter_s: scenario.link.jitter.as_secs_f64(),
                bandwidth_bps: scenario.link.bandwidth_bps,
            }),
        },
        load: LoadInfo {
            publishers: load.publishers,
            subscribers: load.subscribers,
            rate_per_publisher: match load.rate {
                Rate::PerSecond(r) => Some(r),
                Rate::Max => None,
            },
            duration_s: load.duration.as_secs_f64(),
            warmup_s: load.warmup.as_secs_f64(),
            payload: load.payload.name().to_owned(),
            repeat: load.repeat,
        },
        cases: Vec::with_capacity(scenario.cases.len()),
        repetitions: Vec::new(),
        shard: opts.shard.map(|s| results::ShardInfo {
            index: s.index,
            count: s.count,
            publishers: load.publishers,
            subscribers: load.subscribers,
        }),
        merged_from: Vec::new(),
        security: None,
        order: Some(results::RunOrder {
            kind: opts.order.kind,
            seed: seed.map(|s| s.0),
            seed_source: seed.map(|s| s.1),
            rand_version: order::RAND_VERSION.to_owned(),
            sequence: Vec::new(),
        }),
        noise: None,
        // Measured here, on the thread that starts the run: every phase pays these floors.
        clock: Some(clock_info(crate::measure::clock::measure_cost(
            CLOCK_SAMPLES,
        ))),
        speed_reference,
        requirements: Some(scenario.requirements.clone()),
        protections: properties::of_cases(&scenario.cases),
        suites: properties::suites_of_cases(&scenario.cases),
        timing: None,
        merge: None,
        references: scenario.references.clone(),
    };
    let save = |r: &RunResults| writer::write(&dir, r).map_err(|e| RunError::Output(e.to_string()));
    let out = |e: writer::WriteError| RunError::Output(e.to_string());
    let mut stream = ResultsStream::create(&dir, &results).map_err(out)?;
    if let Err(e) = hlog::begin(&dir, started) {
        opts.progress
            .warn(&format!("cannot write {}: {e}", hlog::HLOG_FILE));
    }

    let keys = Arc::new(KeyRing::from_seed(&scenario.keys.0));
    // The Security Center runs next to the broker: it connects directly (not through the
    // link proxy), on the first transport the cases use.
    let center = match &scenario.center {
        Some(settings) => {
            let (transport, protocol) = scenario.cases.first().map_or(
                (crate::scenario::schema::Transport::Tcp, endpoint.protocol),
                |c| (c.transport, c.protocol),
            );
            let e = endpoint
                .for_case(transport, protocol)
                .map_err(|e| RunError::Input(e.to_string()))?;
            Some(center::RunCenter::start(settings, &e, &run_tag).await?)
        }
        None => None,
    };
    let ctx = case::CaseContext {
        scenario,
        endpoint: &endpoint,
        keys,
        run_tag: &run_tag,
        center: center.as_ref(),
    };
    let total = scenario.cases.len() * load.repeat as usize;
    let mut interrupted = false;
    opts.progress.start(total, load.duration);
    if let Some(m) = &opts.metrics {
        m.run_started(&scenario.name, total);
    }
    opts.progress.info(&match seed {
        Some((s, source)) => format!(
            "order: shuffled, seed {s} ({}; --order-seed {s} replays it)",
            match source {
                results::SeedSource::Flag => "from --order-seed",
                results::SeedSource::Os => "random",
                results::SeedSource::Scenario =>
                    "derived from the scenario text, the same on every shard",
            }
        ),
        None => "order: matrix (the scenario's order, round by round)".to_owned(),
    });
    // Repetitions interleave: all cases once, then all again (each round in a fresh random
    // order unless `--order matrix`), so slow drift (thermal, a neighbour's load) spreads
    // over every case instead of biasing the last ones.
    let schedule = order::schedule(scenario.cases.len(), load.repeat, seed.map(|s| s.0));
    // What ran, in order: where each streamed case belongs in matrix order, and the sequence.
    let mut ran: Vec<order::Step> = Vec::with_capacity(schedule.len());
    let mut sequence: Vec<results::OrderStep> = Vec::with_capacity(schedule.len());
    // One listener for the whole run, polled once now so the handler is installed before the
    // first case: a Ctrl-C that lands between cases (while results are being written) is kept
    // for the next select instead of being lost.
    let ctrl_c = tokio::signal::ctrl_c();
    tokio::pin!(ctrl_c);
    tokio::select! {
        biased;
        _ = &mut ctrl_c => interrupted = true,
        _ = std::future::ready(()) => {}
    }
    // Set-up is done: wait for the instant the shards agreed on (Ctrl-C still stops).
    let who = opts.shard.map_or("the run".to_owned(), |s| {
        format!("shard {}/{}", s.index, s.count)
    });
    if let Some(plan) = opts.start.as_ref().filter(|_| !interrupted) {
        opts.progress.info(&format!(
            "{who}: set up; waiting until {} to start the first case",
            results::fleet::timestamp(plan.at)
        ));
        tokio::select! {
            _ = start::wait(plan) => {}
            _ = &mut ctrl_c => interrupted = true,
        }
    }
    let loop_start = SystemTime::now();
    if let Some(w) = opts
        .start
        .as_ref()
        .and_then(|p| start::late_warning(p, loop_start, &who))
    {
        opts.progress.warn(&w);
    }
    let mut window: Option<(SystemTime, SystemTime)> = None;
    for (step, &slot) in schedule.iter().enumerate() {
        if interrupted {
            break;
        }
        let (rep, c) = (slot.repetition, &scenario.cases[slot.case]);
        let label = if load.repeat > 1 {
            format!("{} (repetition {rep}/{})", c.id(), load.repeat)
        } else {
            c.id()
        };
        opts.progress.case_started(step, total, &label);
        let case_start = SystemTime::now();
        let live = opts.metrics.as_ref().map(|m| {
            let live = Arc::new(crate::measure::live::LiveCase::new(
                load.publishers,
                load.subscribers,
            ));
            m.case_started(c, rep, live.clone());
            live
        });
        let outcome = tokio::select! {
            o = case::run(&ctx, c, rep, live) => o,
            _ = &mut ctrl_c => {
                interrupted = true;
                break;
            }
        };
        opts.progress.case_finished(step, total, &outcome.result);
        let case_end = SystemTime::now();
        window = Some((window.map_or(case_start, |w| w.0), case_end));
        if let Some(m) = &opts.metrics {
            m.case_finished(&outcome.result);
        }
        let hist = CaseHistograms {
            case_id: outcome.result.id.clone(),
            repetition: rep,
            start: case_start,
            duration: case_start.elapsed().unwrap_or_default(),
            phases: outcome.phases,
        };
        sequence.push(results::OrderStep {
            case: outcome.result.id.clone(),
            repetition: rep,
        });
        ran.push(slot);
        results.noise = Some(noise.finish());
        stream.append(&outcome.result, &results).map_err(out)?;
        if let Err(e) = hlog::append(&dir, started, &hist) {
            opts.progress
                .warn(&format!("cannot write {}: {e}", hlog::HLOG_FILE));
        }
    }
    // Back from the file, into matrix order, with what is computed over all of them.
    let mut placed: Vec<_> = ran.into_iter().zip(stream.cases().map_err(out)?).collect();
    placed.sort_by_key(|(slot, _)| *slot);
    results.cases = placed.into_iter().map(|(_, c)| c).collect();
    results.repetitions = results::repetitions::summarize(&results.cases);
    if let Some(o) = results.order.as_mut() {
        o.sequence = sequence;
    }
    results.timing = Some(start::record(opts.start.as_ref(), loop_start, window, &who));
    opts.progress.finish();
    let keys = ctx.keys.clone();
    if let Some(c) = center {
        c.stop().await;
    }

    // The tamper matrix of each protection (bounded: about 2 s each), after the cases so it
    // never competes with them for the CPU.
    if !interrupted && !results.cases.is_empty() {
        let s = scenario.clone();
        let measured = tokio::task::spawn_blocking(move || security::measure(&s, &keys)).await;
        match measured {
            Ok(Ok(section)) => results.security = Some(section),
            Ok(Err(e)) => opts
                .progress
                .warn(&format!("tamper matrix not measured: {e}")),
            Err(e) => opts
                .progress
                .warn(&format!("tamper matrix not measured: {e}")),
        }
    }

    // Noise was last sampled after the last case, before the tamper matrix.
    if let Some(n) = &results.noise {
        for w in results::noise::warnings(n, results.environment.logical_cores) {
            opts.progress.warn(&w);
        }
    }
    // The speed reference, last: nothing else runs, so it measures the suites alone.
    if !interrupted && !results.cases.is_empty() && opts.speed == speed_ref::SpeedSource::Auto {
        let s = scenario.clone();
        match tokio::task::spawn_blocking(move || speed_ref::measure(&s)).await {
            Ok(r) => results.speed_reference = Some(r),
            Err(e) => opts
                .progress
                .warn(&format!("speed reference not measured: {e}")),
        }
    }

    results.finished_at = Some(now_rfc3339());
    results.status = if interrupted {
        RunStatus::Interrupted
    } else if !results.cases.is_empty()
        && results.cases.iter().all(|c| c.status == CaseStatus::Failed)
    {
        RunStatus::Failed
    } else {
        RunStatus::Complete
    };
    save(&results)?;
    Ok(RunOutcome { dir, results })
}

/// Back-to-back pairs per clock when measuring their cost: ~10 ms with the CPU clock's
/// system call, enough for a steady median.
const CLOCK_SAMPLES: u32 = 10_001;

fn clock_info(c: crate::measure::clock::ClockCost) -> results::ClockInfo {
    results::ClockInfo {
        wall_read_ns: c.wall_read_ns,
        cpu_read_ns: c.cpu_read_ns,
        cpu_resolution_ns: c.cpu_resolution_ns,
        samples: c.samples,
    }
}
