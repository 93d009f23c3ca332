//! One case: connect the clients, key them, run publishers and subscribers on one schedule,
//! and turn what they report into a [`CaseResult`].

use std::sync::Arc;
use std::time::Duration;

use rumqttc::QoS;
use tokio::sync::watch;
use tokio::task::JoinSet;

use super::connect::{connect_all, record_connect, with_sources};
use super::window::{ThreadCounts, sample_window, thread_cpu};
use crate::broker::Endpoint;
use crate::broker::link::Link;
use crate::crypto::envelope::HARNESS_BYTES;
use crate::crypto::keys::KeyRing;
use crate::crypto::protect::Protection;
use crate::load::payload::PayloadSource;
use crate::load::ramp::Ramp;
use crate::load::{CasePlan, publisher, subscriber, threads};
use crate::measure::clock::now_ns;
use crate::measure::cpu;
use crate::measure::histograms::Phases;
use crate::measure::live::LiveCase;
use crate::measure::outage;
use crate::results::{
    CaseParams, CaseResult, CaseStatus, Counts, CpuUsage, Sizes, Throughput, WireBytes,
};
use crate::scenario::schema::{Protocol, Rate, Session};
use crate::scenario::{Case, Scenario};

/// Time between the last client set-up and the first scheduled message.
const START_DELAY: Duration = Duration::from_millis(50);

/// A measured case plus its histograms (for histograms.hlog).
pub struct CaseOutcome {
    pub result: CaseResult,
    pub phases: Phases,
}

pub struct CaseContext<'a> {
    pub scenario: &'a Scenario,
    pub endpoint: &'a Endpoint,
    pub keys: Arc<KeyRing>,
    /// Unique per run: keeps topics and client ids of concurrent or earlier runs apart.
    pub run_tag: &'a str,
    /// The run's Security Center, when keys come from it.
    pub center: Option<&'a super::center::RunCenter>,
}

fn qos_of(q: u8) -> QoS {
    match q {
        0 => QoS::AtMostOnce,
        1 => QoS::AtLeastOnce,
        _ => QoS::ExactlyOnce,
    }
}

/// MQTT PUBLISH packet size: fixed header (1 + remaining-length bytes), topic, packet id, and
/// under MQTT 5 the properties' length (one byte: the harness sends no properties).
fn mqtt_packet_len(topic_len: usize, qos: u8, protocol: Protocol, payload: usize) -> usize {
    let properties = match protocol {
        Protocol::V4 => 0,
        Protocol::V5 => 1,
    };
    let remaining = 2 + topic_len + if qos > 0 { 2 } else { 0 } + properties + payload;
    let len_bytes = match remaining {
        0..=127 => 1,
        128..=16_383 => 2,
        16_384..=2_097_151 => 3,
        _ => 4,
    };
    1 + len_bytes + remaining
}

/// Topics of one repetition of a case: `mcb/<scenario>/<run tag>/c<index>r<repetition>`, both
/// numbers zero-padded so every case of the run has topics of one length: otherwise case 10
/// would send one byte more per message than case 9. (Client ids are not padded: they only
/// travel in CONNECT, counted as set-up.)
fn plan_prefix(scenario: &Scenario, run_tag: &str, case: &Case, repetition: u32) -> String {
    let cw = crate::load::plan::index_width(scenario.cases.len());
    let rw = crate::load::plan::index_width(scenario.load.repeat as usize + 1);
    format!(
        "mcb/{}/{run_tag}/c{:0cw$}r{repetition:0rw$}",
        scenario.name, case.index
    )
}

/// Bytes of the PUBLISH packets `case` sends (its `sizes.mqtt_packet`), known before it runs:
/// topics have one length for every case and repetition of a run.
pub fn publish_packet_len(scenario: &Scenario, run_tag: &str, case: &Case) -> usize {
    let prefix = plan_prefix(scenario, run_tag, case, 1);
    let protection = Protection {
        suite: case.suite,
        mac: case.mac,
        signature: case.signature,
        provider: case.provider,
    };
    mqtt_packet_len(
        crate::load::plan::publisher_topic(&prefix, 0, publisher_width(&scenario.load)).len(),
        case.qos,
        case.protocol,
        protection.envelope_len(case.size),
    )
}

fn publisher_width(load: &crate::scenario::Load) -> usize {
    crate::load::plan::index_width(load.all_publishers.max(load.publishers) as usize)
}

/// Measures `case` once; `repetition` (1-based) keeps each repetition's topics and client ids
/// apart. With `live` (`run --metrics`), the clients keep its tallies as they go.
pub async fn run(
    ctx: &CaseContext<'_>,
    case: &Case,
    repetition: u32,
    live: Option<Arc<LiveCase>>,
) -> CaseOutcome {
    let started_at = humantime::format_rfc3339_seconds(std::time::SystemTime::now()).to_string();
    let wall = std::time::Instant::now();
    let cpu_before = cpu::sample();
    let mut phases = Phases::default();
    let protection = Protection {
        provider: case.provider,
        ..Protection::new(case.suite, case.mac, case.signature)
    };
    let topic_prefix = plan_prefix(ctx.scenario, ctx.run_tag, case, repetition);
    let envelope = protection.envelope_len(case.size);
    let max_packet =
        mqtt_packet_len(topic_prefix.len() + 12, case.qos, case.protocol, envelope) + 1024;

    let mut result = CaseResult {
        id: case.id(),
        params: CaseParams {
            qos: case.qos,
            size: case.size,
            suite: case.suite.name().to_owned(),
            suite_id: case.suite.id(),
            mac: case.mac.name().to_owned(),
            signature: case.signature.name().to_owned(),
            transport: case.transport.name().to_owned(),
            protocol: case.protocol.name().to_owned(),
            session: case.session.name().to_owned(),
            provider: case.provider.map(|p| p.name().to_owned()),
            threads: case.threads.map(|t| t.to_string()),
            implementation: crate::speed::implementation::protection(
                &protection,
                &crate::measure::env::crate_versions(),
            ),
        },
        status: CaseStatus::Ok,
        error: None,
        started_at,
        wall_s: 0.0,
        measured_s: 0.0,
        // Stays 0 when the case fails before its publishers start.
        counts: Counts {
            scheduled: Some(0),
            ..Counts::default()
        },
        throughput: Throughput::default(),
        phases: Default::default(),
        sizes: Sizes {
            plaintext: case.size,
            envelope,
            harness: HARNESS_BYTES,
            security_overhead: envelope - case.size - HARNESS_BYTES,
            mqtt_packet: publish_packet_len(ctx.scenario, ctx.run_tag, case),
        },
        cpu: CpuUsage::default(),
        wire: None,
        errors: Vec::new(),
        saturation: None,
        repetition,
        outages: Vec::new(),
        block_repeats: None,
        center: None,
        receive_maximum: None,
        broker_qos: None,
        fault: None,
        session_resumes: None,
        connections: None,
    };

    let setup = Setup {
        topic_prefix: topic_prefix.clone(),
        max_packet,
        live,
    };
    let facts = match measure(ctx, case, protection, setup, &mut phases, &mut result).await {
        Ok(f) => Some(f),
        Err(e) => {
            result.status = CaseStatus::Failed;
            result.error = Some(e);
            None
        }
    };
    if let Some(f) = &facts {
        super::verdict::settle(&mut result, f, &ctx.scenario.name);
    }
    // A persistent session outlives its connection: end the case's sessions on the broker
    // (whether the case succeeded or not), so none of them keeps a subscription or queue.
    if case.session == Session::Persistent {
        let ids = super::sessions::client_ids(&topic_prefix, &ctx.scenario.load);
        super::sessions::end(ctx.endpoint, case, ids, max_packet, &mut result.errors).await;
    }

    let used = cpu::sample().since(&cpu_before);
    result.cpu = CpuUsage {
        user_s: used.user_s,
        system_s: used.system_s,
        per_message_us: (result.counts.delivered > 0)
            .then(|| (used.user_s + used.system_s) * 1e6 / result.counts.delivered as f64),
        max_rss_bytes: Some(used.max_rss_bytes).filter(|&b| b > 0),
        // `measure` filled in the per-thread figures.
        threads: result.cpu.threads.take(),
    };
    result.phases = phases
        .stats()
        .map(|(p, s)| (p.name().to_owned(), s))
        .collect();
    let stopped_unsent = facts.as_ref().map_or(0, |f| f.stopped_unsent);
    result.saturation = super::verdict::saturation(&result, stopped_unsent, ctx.scenario.load.rate);
    result.wall_s = wall.elapsed().as_secs_f64();
    CaseOutcome { result, phases }
}

/// What every client of one case is set up with.
struct Setup {
    topic_prefix: String,
    max_packet: usize,
    /// With `run --metrics`: the tallies the clients keep as they go.
    live: Option<Arc<LiveCase>>,
}

async fn measure(
    ctx: &CaseContext<'_>,
    case: &Case,
    protection: Protection,
    setup: Setup,
    phases: &mut Phases,
    result: &mut CaseResult,
) -> Result<super::verdict::Facts, String> {
    let Setup {
        topic_prefix,
        max_packet,
        live,
    } = setup;
    let load = &ctx.scenario.load;
    let qos = qos_of(case.qos);
    let inflight = load.inflight;
    // The transport and protocol axes pick the broker's listener for this case.
    let mut endpoint = ctx
        .endpoint
        .for_case(case.transport, case.protocol)
        .map_err(|e| e.to_string())?;
    // Every client of the case goes through one proxy, which counts the bytes (and emulates
    // the link); it stops when this function returns.
    endpoint.keep_alive = ctx.scenario.faults.keep_alive;
    let fault = ctx.scenario.faults.of(case);
    let mut link = if ctx.scenario.proxy {
        let upstream = (endpoint.host.clone(), endpoint.port);
        let spec = crate::broker::link::LinkSpec {
            keep_source: !load.source_addrs.is_empty(),
            ..ctx.scenario.link
        };
        let l = Link::start(upstream, spec, fault.cloned())
            .await
            .map_err(|e| format!("cannot start the link proxy: {e}"))?;
        endpoint.via = Some(l.addr);
        Some(l)
    } else {
        None
    };
    let endpoint = &endpoint;
    let topic =
        |i: u32| crate::load::plan::publisher_topic(&topic_prefix, i, publisher_width(load));
    let client_base = super::sessions::client_base(&topic_prefix);

    let ramp = Ramp {
        batch: load.connect_batch as usize,
        interval: load.connect_interval,
    };
    // Subscribers first, so nothing is published before someone listens.
    let (sub_ids, pub_ids) = super::sessions::client_ids(&topic_prefix, load);
    let (sub_ids, pub_ids) = with_sources(sub_ids, pub_ids, &load.source_addrs);
    let ramp_started = now_ns();
    let mut subs = connect_all(endpoint, sub_ids, max_packet, inflight, case.session, ramp).await?;
    let mut ramp_ns = now_ns() - ramp_started;
    live.iter().for_each(|l| l.subscribers_connected());
    let filter = format!("{topic_prefix}/+");
    let mut granted: Option<u8> = None;
    for s in &mut subs {
        record_connect(phases, s);
        let g = subscriber::subscribe(s, &filter, qos, endpoint)
            .await
            .map_err(|e| e.to_string())?;
        granted = match (granted, g) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
    }
    let ramp_started = now_ns();
    let mut pubs = connect_all(endpoint, pub_ids, max_packet, inflight, case.session, ramp).await?;
    ramp_ns += now_ns() - ramp_started;
    live.iter().for_each(|l| l.publishers_connected());
    for p in &pubs {
        record_connect(phases, p);
    }

    // With a Security Center, every client fetches its keys from it first (measured as
    // key_request_* and center_* phases), then the concurrency probe runs.
    let center_keys = match ctx.center {
        Some(center) => {
            let who = super::center::CaseClients {
                suite: case.suite,
                client_base: &client_base,
                publishers: load.publishers,
                subscribers: load.subscribers,
                topic: &topic,
                filter: &filter,
            };
            let mut k = center
                .key_case(endpoint, &who, &topic_prefix, phases)
                .await?;
            k.summary.concurrency = center
                .probe(endpoint, case.suite, &client_base, &topic_prefix)
                .await?;
            result.center = Some(k.summary.clone());
            Some(k)
        }
        None => None,
    };

    // Key everything before the clock starts: key setup is reported, never inside a message.
    let (protectors, openers) = super::keying::key_clients(
        &ctx.keys,
        protection,
        center_keys.as_ref(),
        &super::keying::Clients {
            publishers: load.publishers,
            subscribers: load.subscribers,
            topic: &topic,
        },
        phases,
    )?;

    // s-mqtt: the paper's validation exchange, publisher by publisher, before anything is
    // measured; a failed one disconnects its publisher and fails the case.
    if case.suite.encodes() {
        let who = super::smqtt::Who {
            keys: &ctx.keys,
            load,
            case,
            center: center_keys.as_ref(),
            topic: &topic,
            topic_prefix: &topic_prefix,
        };
        super::smqtt::validate(&who, &mut pubs, &mut subs, endpoint, phases).await?;
    }

    let start_ns = now_ns() + START_DELAY.as_nanos() as u64;
    let plan = Arc::new(CasePlan {
        protection,
        qos,
        size: case.size,
        publishers: load.publishers,
        publisher_width: publisher_width(load),
        subscribers: load.subscribers,
        rate: load.rate,
        inflight,
        topic_prefix: topic_prefix.clone(),
        start_ns,
        warmup_end_ns: start_ns + load.warmup.as_nanos() as u64,
        end_ns: start_ns + load.duration.as_nanos() as u64,
        drain: load.drain,
        payload: Arc::new(PayloadSource::new(
            load.payload,
            case.size,
            case.index as u64,
        )),
        keys: ctx.keys.clone(),
        max_packet,
        live,
    });

    // Faults strike over the scheduled span only: set-up and the drain run on a clean link.
    if let Some(l) = &mut link {
        let at = |ns| tokio::time::Instant::from_std(crate::measure::clock::instant_at(ns));
        l.arm(at(plan.start_ns), at(plan.end_ns));
    }
    let setup_bytes = link.as_ref().map(Link::bytes);
    let (sent_tx, sent_rx) = watch::channel(None);
    // Every thread's CPU at the two edges of the measured window, and a broker's on this host
    // (not the embedded one, whose threads are this process's): its process, looked up once
    // by the port it listens on.
    let broker = (!ctx.endpoint.embedded)
        .then(|| crate::measure::local_broker::find(&endpoint.host, endpoint.port))
        .flatten();
    let sampler = tokio::spawn(sample_window(plan.warmup_end_ns, plan.end_ns, broker));
    // Clients onto threads (the case's `threads` axis value, else `load.threads`): a group
    // per client, or a few groups of many.
    let total = load.publishers + load.subscribers;
    let model = case.threads.unwrap_or(load.threads);
    let sub_groups = threads::split(
        subs.into_iter().zip(openers).collect(),
        model.groups(load.subscribers, total),
    );
    let pub_groups = threads::split(
        pubs.into_iter().zip(protectors).collect(),
        model.groups(load.publishers, total),
    );
    let ramp_s = ramp_ns as f64 / 1e9;
    result.connections = Some(crate::results::Connections {
        clients: u64::from(total),
        ramp_s,
        connects_per_s: if ramp_s > 0.0 {
            f64::from(total) / ramp_s
        } else {
            0.0
        },
        publisher_groups: pub_groups.len() as u32,
        subscriber_groups: sub_groups.len() as u32,
    });
    let mut sub_threads = Vec::with_capacity(sub_groups.len());
    for (g, members) in (0u32..).zip(sub_groups) {
        let members = members
            .into_iter()
            .map(|(index, (conn, openers))| subscriber::Member {
                index,
                conn,
                openers,
            })
            .collect();
        let rx = subscriber::spawn_group(g, plan.clone(), members, sent_rx.clone())
            .map_err(|e| format!("cannot start subscriber thread {g}: {e}"))?;
        sub_threads.push(rx);
    }
    let mut pub_tasks = JoinSet::new();
    for (g, members) in (0u32..).zip(pub_groups) {
        let members = members
            .into_iter()
            .map(|(index, (conn, protector))| publisher::Member {
                index,
                conn,
                protector,
            })
            .collect();
        pub_tasks.spawn(publisher::run_group(plan.clone(), g, members));
    }

    let mut sent = vec![0u64; load.publishers as usize];
    let mut connections = Vec::with_capacity((load.publishers + load.subscribers) as usize);
    let counts = &mut result.counts;
    let mut rejection = None;
    let mut stopped = Vec::with_capacity(load.publishers as usize);
    let mut stopped_unsent = 0;
    let mut acks = publisher::AckKinds::default();
    let (mut send_cpu_ns, mut send_cpu_messages) = (0u64, 0u64);
    let mut io_cpu_ns: Option<u64> = None;
    while let Some(joined) = pub_tasks.join_next().await {
        let group = joined.map_err(|e| format!("publisher task failed: {e}"))?;
        for r in group {
            send_cpu_ns += r.send_cpu_ns;
            send_cpu_messages += r.send_cpu_messages;
            if let Some(ns) = r.io_cpu_ns {
                *io_cpu_ns.get_or_insert(0) += ns;
            }
            sent[r.index as usize] = r.sent;
            *counts += &r.counts();
            rejection = rejection.or(r.first_rejection);
            if let Some(m) = r.receive_max {
                result.receive_maximum = Some(result.receive_maximum.map_or(m, |x| x.min(m)));
            }
            if r.stopped.is_some() {
                stopped_unsent += r.unsent;
            }
            stopped.push(r.stopped);
            acks += &r.acks;
            phases.merge(&r.phases);
            connections.push(r.connection);
            result.errors.extend(
                r.errors
                    .into_iter()
                    .map(|e| format!("publisher {}: {e}", r.index)),
            );
        }
    }
    let _ = sent_tx.send(Some(sent.clone()));

    let mut delivered_measured = 0;
    let (mut window_delivered, mut window_check_cpu_ns) = (0u64, 0u64);
    let mut sub_cpu_ns: Option<u64> = None;
    for (g, rx) in sub_threads.into_iter().enumerate() {
        let group = rx
            .await
            .map_err(|_| format!("subscriber thread {g} panicked"))?;
        for r in group {
            window_delivered += r.window_delivered;
            window_check_cpu_ns += r.window_check_cpu_ns;
            if let Some(ns) = r.window_cpu_ns {
                *sub_cpu_ns.get_or_insert(0) += ns;
            }
            r.receipts.settle(&sent, counts);
            *counts += &r.counts;
            delivered_measured += r.delivered_measured;
            if r.block_repeats.envelopes > 0 {
                result
                    .block_repeats
                    .get_or_insert_with(|| {
                        crate::results::BlockRepeats::new(r.block_repeats.block_len)
                    })
                    .merge(&r.block_repeats);
            }
            phases.merge(&r.phases);
            connections.push(r.connection);
            result.errors.extend(
                r.errors
                    .into_iter()
                    .map(|e| format!("subscriber {}: {e}", r.index)),
            );
        }
    }

    result.outages = outage::merge(&connections, start_ns, now_ns());
    if case.session == Session::Persistent {
        result.session_resumes = Some(super::sessions::resumes(&connections));
    }
    if let (Some(spec), Some(log)) = (fault, link.as_ref().and_then(Link::fault_log)) {
        result.fault = Some(super::faults::outcome(
            spec,
            &log,
            &connections,
            &result.outages,
            start_ns,
        ));
    }
    // The sampler finished at end_ns, before the publishers did.
    if let Ok(Some(window)) = sampler.await {
        result.cpu.threads = Some(thread_cpu(
            &window,
            ThreadCounts {
                send_cpu_ns,
                send_cpu_messages,
                io_cpu_ns,
                sub_cpu_ns,
                window_delivered,
                window_check_cpu_ns,
                embedded: ctx.endpoint.embedded,
            },
        ));
    }

    if let (Some(l), Some(setup)) = (&link, setup_bytes) {
        let run = l.bytes().since(setup);
        result.wire = Some(WireBytes {
            client_to_broker_bytes: run.up,
            broker_to_client_bytes: run.down,
            per_message_up: (counts.sent > 0).then(|| run.up as f64 / counts.sent as f64),
            per_message_down: (counts.delivered > 0)
                .then(|| run.down as f64 / counts.delivered as f64),
            setup_client_to_broker_bytes: setup.up,
            setup_broker_to_client_bytes: setup.down,
        });
    }

    let measured_s = (load.duration - load.warmup).as_secs_f64();
    let sent_measured = counts.sent - counts.sent_warmup;
    result.measured_s = measured_s;
    result.throughput = Throughput {
        offered_msgs_per_s: match load.rate {
            Rate::PerSecond(r) => Some(r * f64::from(load.publishers)),
            Rate::Max => None,
        },
        sent_msgs_per_s: sent_measured as f64 / measured_s,
        delivered_msgs_per_s: delivered_measured as f64 / measured_s,
        delivered_bytes_per_s: (delivered_measured * case.size as u64) as f64 / measured_s,
    };
    if case.qos > 0 {
        result.broker_qos = Some(crate::results::BrokerQos {
            granted,
            puback: acks.puback,
            pubrec: acks.pubrec,
            pubcomp: acks.pubcomp,
        });
    }
    Ok(super::verdict::Facts {
        rejection,
        stopped,
        stopped_unsent,
    })
}
