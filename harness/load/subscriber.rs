//! One subscriber: receives every publisher's topic of the case, opens each message, checks
//! it against what was sent, and records latency from the scheduled send time.
//!
//! Subscribers run in groups (see [`crate::load::threads`]), each group on an OS thread of its
//! own with a single-threaded runtime (see [`spawn_group`]), so their MQTT clients' reads (TLS
//! records included) and the opening of every message are that thread's CPU time alone; a
//! task on the shared runtime would mix its time with every other task's. Crypto phases read
//! the thread's CPU clock around synchronous code only, so sharing the thread adds nothing to
//! them.

use std::sync::Arc;
use std::time::Duration;

use rumqttc::QoS;
use tokio::sync::watch;

use crate::crypto::CryptoError;
use crate::crypto::protect::{OpenError, Unprotector};
use crate::crypto::signature::SigAlg;
use crate::measure::accounting::{Arrival, Receipts};
use crate::measure::clock::{now_ns, thread_cpu_ns};
use crate::measure::cpu::{SUBSCRIBER_THREAD, WindowClock};
use crate::measure::histograms::{Phase, Phases};
use crate::measure::live::{LiveCase, LiveCell};
use crate::measure::outage::ConnectionLog;
use crate::results::{BlockRepeats, Counts};
use crate::security::blocks::{self, BlockSampler};
use crate::security::replay::{self, CopyKind, RecentFirsts};

use super::client::{self, ClientError, Connected};
use super::errors::ErrorLog;
use super::mqtt::{Event, Message};
use super::plan::CasePlan;

/// What one subscriber saw.
pub struct SubscriberReport {
    pub index: u32,
    pub receipts: Receipts,
    /// Everything but delivered/expected/lost, which need the publishers' totals.
    pub counts: Counts,
    /// First copies of messages scheduled in the measured window.
    pub delivered_measured: u64,
    pub phases: Phases,
    pub errors: Vec<String>,
    /// When the client lost and regained the broker.
    pub connection: ConnectionLog,
    /// Repeated ciphertext blocks in the first [`BLOCK_SAMPLE`] envelopes opened.
    pub block_repeats: BlockRepeats,
    /// First copies that arrived inside the measured window (`plan.warmup_end_ns` to
    /// `plan.end_ns`, by arrival time): the divisor of the subscriber's CPU per message.
    pub window_delivered: u64,
    /// Thread CPU the harness's own plaintext check took over those arrivals, to be taken off
    /// the thread's CPU over the window (no device regenerates what it was sent).
    pub window_check_cpu_ns: u64,
    /// The group thread's CPU over the measured window (see [`WindowClock`]), in the group's
    /// first report only.
    pub window_cpu_ns: Option<u64>,
}

/// One subscriber of a group: its connection and one opener per publisher.
pub struct Member {
    pub index: u32,
    pub conn: Connected,
    pub openers: Vec<Unprotector>,
}

/// Runs the subscribers of group `group` as tasks of one thread (`sub-<group>`, with a
/// single-threaded runtime) and hands back their reports in the order given. The thread reads
/// its own CPU clock at the measured window's edges; that figure goes to the first report (the
/// case sums them).
pub fn spawn_group(
    group: u32,
    plan: Arc<CasePlan>,
    members: Vec<Member>,
    sent: watch::Receiver<Option<Vec<u64>>>,
) -> std::io::Result<tokio::sync::oneshot::Receiver<Vec<SubscriberReport>>> {
    // Built here so a failure is an error of the case rather than a panic on the thread.
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let (tx, rx) = tokio::sync::oneshot::channel();
    std::thread::Builder::new()
        .name(format!("{SUBSCRIBER_THREAD}{group}"))
        .spawn(move || {
            let mut clock = WindowClock::new(plan.warmup_end_ns, plan.end_ns);
            let mut reports = rt.block_on(async {
                let mut tasks = tokio::task::JoinSet::new();
                let n = members.len();
                for (k, m) in members.into_iter().enumerate() {
                    let run = run(m.index, plan.clone(), m.conn, m.openers, sent.clone());
                    tasks.spawn(async move { (k, run.await) });
                }
                let mut out: Vec<Option<SubscriberReport>> = (0..n).map(|_| None).collect();
                loop {
                    let edge = clock.next_edge();
                    tokio::select! {
                        joined = tasks.join_next() => match joined {
                            Some(Ok((k, r))) => out[k] = Some(r),
                            // A panicked subscriber leaves its slot empty: the case says so.
                            Some(Err(_)) => {}
                            None => break,
                        },
                        // Wakes at the measured window's edges to read this thread's CPU clock.
                        _ = super::publisher::sleep_until_edge(edge), if edge.is_some() => clock.tick(now_ns()),
                    }
                }
                out
            });
            let cpu = clock.finish();
            if let Some(Some(first)) = reports.first_mut() {
                first.window_cpu_ns = cpu;
            }
            // Only complete groups are handed back: a missing report would undercount.
            if let Some(all) = reports.into_iter().collect::<Option<Vec<_>>>() {
                let _ = tx.send(all);
            }
        })?;
    Ok(rx)
}

/// Envelopes per subscriber whose bodies are checked for repeated blocks (ECB leakage).
pub const BLOCK_SAMPLE: u64 = 64;

/// Subscribes `conn` to the case's filter and waits for the SUBACK; returns the QoS the broker
/// granted (which may be lower than `qos`: the broker then sends the messages at that QoS).
pub async fn subscribe(
    conn: &mut Connected,
    filter: &str,
    qos: QoS,
    endpoint: &crate::broker::Endpoint,
) -> Result<Option<u8>, ClientError> {
    let url = &endpoint.display_url();
    conn.client
        .subscribe(filter, qos)
        .await
        .map_err(|e| ClientError::Unsupported(format!("cannot queue SUBSCRIBE: {e}")))?;
    let wait = async {
        loop {
            match conn.eventloop.poll().await {
                Ok(Event::SubAck {
                    refused: None,
                    granted,
                }) => return Ok(granted),
                Ok(Event::SubAck {
                    refused: Some(reason),
                    ..
                }) => {
                    return Err(ClientError::SubscribeRefused {
                        url: url.to_owned(),
                        filter: filter.to_owned(),
                        reason,
                    });
                }
                Ok(_) => {}
                Err(e) => return Err(client::classify(e, endpoint, url.to_owned())),
            }
        }
    };
    tokio::time::timeout(client::CONNECT_TIMEOUT, wait)
        .await
        .map_err(|_| ClientError::Timeout {
            url: url.to_owned(),
            secs: client::CONNECT_TIMEOUT.as_secs(),
        })?
}

/// Runs until every message the publishers report sent has arrived, or `plan.drain` after
/// they report; `sent` carries those totals (one per publisher) once known.
pub async fn run(
    index: u32,
    plan: Arc<CasePlan>,
    conn: Connected,
    mut openers: Vec<Unprotector>,
    mut sent: watch::Receiver<Option<Vec<u64>>>,
) -> SubscriberReport {
    let Connected {
        client,
        mut eventloop,
        ..
    } = conn;
    let mut s = State {
        receipts: Receipts::new(plan.publishers as usize),
        // A subscriber schedules and sends nothing: a known zero, so its counts add into
        // the case's without making `scheduled` unknown.
        counts: Counts::zero(),
        delivered_measured: 0,
        phases: Phases::default(),
        errors: ErrorLog::default(),
        plaintext: Vec::with_capacity(plan.size),
        expected: Vec::with_capacity(plan.size),
        signed: plan.protection.signature != SigAlg::None,
        qos: plan.qos as u8,
        recent: RecentFirsts::new(replay::QOS_WINDOW),
        blocks: BlockSampler::new(blocks::block_len(plan.protection.suite), BLOCK_SAMPLE),
        window_delivered: 0,
        window_check_cpu_ns: 0,
        live: plan.live.clone(),
        index,
    };
    let mut totals: Option<Vec<u64>> = None;
    let mut connection = ConnectionLog::default();
    let mut deadline = tokio::time::Instant::now() + Duration::from_secs(24 * 3600);
    loop {
        if let Some(t) = &totals
            && s.receipts.complete(t)
        {
            break;
        }
        tokio::select! {
            ev = eventloop.poll() => match ev {
                Ok(Event::Publish(p)) => s.on_publish(&plan, &mut openers, &p),
                Ok(Event::ConnAck { session_present, .. }) => {
                    connection.up(now_ns(), session_present);
                    if let Some(l) = s.live_cell() {
                        l.connected(true);
                    }
                    // A reconnect without the session (a clean one, or a persistent one the
                    // broker lost) has lost the subscription: renew it (try_: never await a
                    // request in the task that polls the event loop). A resumed session
                    // still has it, and the broker is already sending what it queued.
                    if !session_present
                        && let Err(e) = client.try_subscribe(&plan.filter(), plan.qos)
                    {
                        s.errors.push(format!("cannot resubscribe after reconnect: {e}"));
                    }
                }
                Ok(_) => {}
                Err(e) => {
                    connection.down(now_ns());
                    if let Some(l) = s.live_cell() {
                        l.connected(false);
                    }
                    s.errors.push(format!("subscriber connection error at {}: {e}", humantime::format_rfc3339_millis(std::time::SystemTime::now())));
                    tokio::time::sleep(Duration::from_millis(200)).await;
                }
            },
            changed = sent.changed(), if totals.is_none() => {
                if changed.is_err() {
                    break;
                }
                totals = sent.borrow().clone();
                deadline = tokio::time::Instant::now() + plan.drain;
            }
            _ = tokio::time::sleep_until(deadline) => break,
        }
    }
    let _ = client.try_disconnect();
    let _ = tokio::time::timeout(Duration::from_millis(500), async {
        while let Ok(ev) = eventloop.poll().await {
            if matches!(ev, Event::Disconnected) {
                break;
            }
        }
    })
    .await;
    SubscriberReport {
        index: s.index,
        receipts: s.receipts,
        counts: s.counts,
        delivered_measured: s.delivered_measured,
        phases: s.phases,
        errors: s.errors.into_vec(),
        connection,
        block_repeats: s.blocks.repeats,
        window_delivered: s.window_delivered,
        window_check_cpu_ns: s.window_check_cpu_ns,
        // Read by the group's thread, which runs every subscriber of the group.
        window_cpu_ns: None,
    }
}

struct State {
    receipts: Receipts,
    counts: Counts,
    delivered_measured: u64,
    phases: Phases,
    errors: ErrorLog,
    plaintext: Vec<u8>,
    expected: Vec<u8>,
    signed: bool,
    qos: u8,
    /// First arrivals of the last 2 s (QoS >= 1), to tell QoS duplicates from replays.
    recent: RecentFirsts,
    blocks: BlockSampler,
    window_delivered: u64,
    window_check_cpu_ns: u64,
    /// With `run --metrics`: the case's live tallies, this subscriber's cell at `index`.
    live: Option<Arc<LiveCase>>,
    index: u32,
}

impl State {
    fn live_cell(&self) -> Option<&LiveCell> {
        self.live.as_deref().and_then(|l| l.subscriber(self.index))
    }

    fn on_publish(&mut self, plan: &CasePlan, openers: &mut [Unprotector], p: &Message) {
        let topic: &[u8] = &p.topic;
        let Some(opener) = publisher_of(plan, topic).and_then(|i| openers.get_mut(i as usize))
        else {
            self.counts.malformed += 1;
            return;
        };
        // Parsing the envelope is timed by no phase (it is in the thread's CPU per message).
        let env = match opener.decode(&p.payload) {
            Ok(env) => env,
            Err(_) => {
                self.counts.malformed += 1;
                return;
            }
        };
        let f = env.fields;
        if opener.topic() != topic || publisher_of(plan, topic) != Some(f.publisher) {
            self.counts.malformed += 1;
            return;
        }
        // Reads alternate as in the publisher: wall spans hold only their step, CPU spans
        // their step, two wall reads and one CPU-clock read.
        let c0 = thread_cpu_ns();
        let t0 = now_ns();
        if let Err(e) = opener.verify(topic, &env) {
            self.count_failure(e);
            return;
        }
        // Without a signature verify is a no-op and no verify phase is recorded: its clocks
        // are not read (a CPU-clock read is a system call, ~0.4 µs here), and decrypt's spans
        // start where verify's would have, holding the same reads as they do after one.
        let (t1, c1, t1b) = if self.signed {
            let t1 = now_ns();
            let c1 = thread_cpu_ns();
            (t1, c1, now_ns())
        } else {
            (t0, c0, t0)
        };
        // s-mqtt decrypts, then decodes (points to bytes, Hash(M') against Hash(M)), each
        // timed; every other suite's decrypt is the whole open.
        let staged = match opener.decrypt_encoded(topic, &env) {
            Ok(staged) => staged,
            Err(e) => {
                self.count_failure(e);
                return;
            }
        };
        if !staged && let Err(e) = opener.decrypt(topic, &env, &mut self.plaintext) {
            self.count_failure(e);
            return;
        }
        let t2 = now_ns();
        let c2 = thread_cpu_ns();
        let decrypted = (t2 - t1b, c2 - c1);
        let mut decode = None;
        let (t2, c2) = if staged {
            let t2b = now_ns();
            if let Err(e) = opener.decode_plaintext(f.key_id, &mut self.plaintext) {
                self.count_failure(e);
                return;
            }
            let t3 = now_ns();
            let c3 = thread_cpu_ns();
            decode = Some((t3 - t2b, c3 - c2));
            (t3, c3)
        } else {
            (t2, c2)
        };
        // The harness's check that the plaintext is what was sent, timed so that it can be
        // taken off the thread's CPU; its verdict is counted below, for first copies only.
        let intact = plan
            .payload
            .matches(f.publisher, f.seq, &self.plaintext, &mut self.expected);
        let check_cpu = thread_cpu_ns().saturating_sub(c2);
        let arrival = match self.receipts.arrive(f.publisher, f.seq) {
            Some(a) => a,
            None => {
                self.counts.malformed += 1;
                return;
            }
        };
        match arrival {
            Arrival::Duplicate => {
                let within = self.qos > 0 && self.recent.within(t2, f.publisher, f.seq);
                match replay::classify(self.qos, p.dup, within) {
                    CopyKind::QosDuplicate => {
                        self.counts.duplicated += 1;
                        if let Some(l) = self.live_cell() {
                            l.duplicated();
                        }
                    }
                    CopyKind::Replay => self.counts.replayed += 1,
                }
                return;
            }
            Arrival::OutOfOrder => self.counts.out_of_order += 1,
            Arrival::New => {}
        }
        // Bookkeeping after the clocks stopped: what the wire showed, and when the first copy
        // came.
        if self.qos > 0 {
            self.recent.first(t2, f.publisher, f.seq);
        }
        if self.blocks.wants() {
            self.blocks.add(f.publisher, env.body);
        }
        if (plan.warmup_end_ns..plan.end_ns).contains(&t2) {
            self.window_delivered += 1;
            self.window_check_cpu_ns += check_cpu;
        }
        if plan.measured(f.scheduled_ns) {
            self.delivered_measured += 1;
            if self.signed {
                self.phases.record(Phase::Verify, t1 - t0);
                self.phases.record(Phase::VerifyCpu, c1 - c0);
            }
            self.phases.record(Phase::Decrypt, decrypted.0);
            self.phases.record(Phase::DecryptCpu, decrypted.1);
            if let Some((wall, cpu)) = decode {
                self.phases.record(Phase::Decode, wall);
                self.phases.record(Phase::DecodeCpu, cpu);
            }
            self.phases
                .record(Phase::Latency, t2.saturating_sub(f.scheduled_ns));
            if let Some(l) = self.live_cell() {
                // As the phase records it: a zero reading counts as 1 ns.
                l.latency(t2.saturating_sub(f.scheduled_ns).max(1));
            }
            self.phases
                .record(Phase::LatencyUncorrected, t2.saturating_sub(f.start_ns));
        }
        if !intact {
            self.counts.corrupted += 1;
        }
        if let Some(l) = self.live_cell() {
            l.delivered();
        }
    }

    fn count_failure(&mut self, e: OpenError) {
        let live = self.live.as_deref().and_then(|l| l.subscriber(self.index));
        match e {
            OpenError::Malformed(_) => self.counts.malformed += 1,
            OpenError::Crypto(CryptoError::Authentication) => {
                self.counts.failed_auth += 1;
                if let Some(l) = live {
                    l.failed_auth();
                }
            }
            OpenError::Crypto(_) => {
                self.counts.failed_decrypt += 1;
                if let Some(l) = live {
                    l.failed_decrypt();
                }
            }
        }
    }
}

/// `<prefix>/p<index>` → index.
fn publisher_of(plan: &CasePlan, topic: &[u8]) -> Option<u32> {
    let rest = topic
        .strip_prefix(plan.topic_prefix.as_bytes())?
        .strip_prefix(b"/p")?;
    let n: u32 = std::str::from_utf8(rest).ok()?.parse().ok()?;
    (n < plan.publishers).then_some(n)
}
