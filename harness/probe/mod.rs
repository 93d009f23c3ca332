//! Broker robustness probes: a sacrificial raw-TCP client sends malformed MQTT 3.1.1 packets
//! (seed 004's ill-formed UTF-8 and the other Malformed Packet rules) while a canary publisher
//! keeps publishing and bystander subscribers of several client implementations (the
//! harness's rumqttc, libmosquitto, paho-mqtt: see [`bystander`]) listen on `#`, each through
//! its own [`tap`]. For each probe the result says what the broker did to the offender,
//! whether it still answers a fresh connection, and per bystander whether the broker forwarded
//! the probe to it, whether that knocked it off (and who closed), whether it came back and
//! kept receiving: seed 004's "discrepancy between validating and non-validating nodes".
//!
//! Targets are one broker the user named: loopback always, anything else only when the URL
//! was given explicitly. Nothing here scans or tries more than the one address.

pub mod bystander;
mod canary;
pub mod catalogue;
mod finding;
mod raw;
mod table;
pub mod tap;
pub mod wire;

use std::net::SocketAddr;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;
use tokio::time::Instant;

pub use bystander::{BystanderInfo, Disconnect, Fate};
pub use catalogue::{Field, Probe, Setup};
pub use finding::{Finding, Forwarded};
pub use table::print_table;
pub use tap::Side;

use bystander::{Implementation, Session, Start, Topics, Window};
use canary::Canary;
use raw::{connect_raw, mqtt_alive};
use tap::Tap;
use wire::{Incoming, ReadEnd};

#[derive(Debug, thiserror::Error)]
pub enum ProbeError {
    #[error("--broker {url:?}: {why}")]
    BadTarget { url: String, why: String },
    #[error("broker {addr} is not answering MQTT before any probe: {why}")]
    Unreachable { addr: SocketAddr, why: String },
    #[error("cannot start the embedded broker: {0}")]
    Embedded(String),
    #[error("--bystanders: unknown bystander {name:?} (expected one of: {known})")]
    UnknownBystander { name: String, known: String },
}

impl ProbeError {
    /// Whether the user fixes this in their flags (exit code 2).
    pub fn is_input_error(&self) -> bool {
        matches!(
            self,
            ProbeError::BadTarget { .. } | ProbeError::UnknownBystander { .. }
        )
    }
}

/// The one broker to probe.
#[derive(Debug, Clone)]
pub struct Target {
    pub url: String,
    pub addr: SocketAddr,
}

impl Target {
    /// Resolves `url` (`mqtt://host:port`, `tcp://host:port`, `host:port` or `embedded`).
    /// A non-loopback address is refused unless `explicit` (the user typed the URL): the
    /// probes disturb a broker, so they never go anywhere by default or by discovery.
    pub async fn resolve(url: &str, explicit: bool) -> Result<Target, ProbeError> {
        let bad = |why: String| ProbeError::BadTarget {
            url: url.to_owned(),
            why,
        };
        if url == "embedded" {
            let b = crate::broker::embedded::shared()
                .map_err(|e| ProbeError::Embedded(e.to_string()))?;
            return Ok(Target {
                url: url.to_owned(),
                addr: b.addr,
            });
        }
        let rest = match url.split_once("://") {
            Some(("mqtt" | "tcp", rest)) => rest,
            Some((scheme, _)) => {
                return Err(bad(format!(
                    "scheme {scheme}:// is not supported by the probes (plain TCP only: mqtt://host:port)"
                )));
            }
            None => url,
        };
        let rest = rest.trim_end_matches('/');
        if rest.contains('/') {
            return Err(bad("expected mqtt://host:port, without a path".into()));
        }
        // A port is present after the last ':' (outside brackets for IPv6 literals).
        let has_port = match rest.strip_prefix('[') {
            Some(v6) => v6.contains("]:"),
            None => rest.contains(':'),
        };
        let hostport = if has_port {
            rest.to_owned()
        } else {
            format!("{rest}:1883")
        };
        // Only the first address: one broker, never a sweep over a name's addresses.
        let addr = tokio::net::lookup_host(&hostport)
            .await
            .map_err(|e| bad(format!("cannot resolve: {e}")))?
            .next()
            .ok_or_else(|| bad("resolves to no address".into()))?;
        if !addr.ip().is_loopback() && !explicit {
            return Err(bad(format!(
                "{addr} is not loopback; probes go to other hosts only when the URL is given explicitly"
            )));
        }
        Ok(Target {
            url: url.to_owned(),
            addr,
        })
    }
}

/// How long to watch each phase, and who watches.
#[derive(Debug, Clone)]
pub struct ProbeOptions {
    /// Waiting for the broker's reaction to the probe packet.
    pub observe: Duration,
    /// After the observation, for the bystanders to show they still receive.
    pub after: Duration,
    /// At most this long after the observation, for a knocked-off bystander to reconnect
    /// and receive the canary again (the wait ends as soon as every bystander has).
    pub recover: Duration,
    /// For the bystanders to be subscribed and receiving before the probe.
    pub ready: Duration,
    /// Interval of the canary publisher.
    pub publish_every: Duration,
    /// Bystander implementations by name (empty: every one present here).
    pub bystanders: Vec<String>,
}

impl Default for ProbeOptions {
    fn default() -> Self {
        Self {
            observe: Duration::from_secs(2),
            after: Duration::from_secs(1),
            recover: Duration::from_secs(3),
            ready: Duration::from_secs(10),
            publish_every: Duration::from_millis(20),
            bystanders: Vec::new(),
        }
    }
}

/// What the broker did with the offending connection.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Offender {
    /// The broker closed (or reset) the connection; `answers` are packets it sent first.
    Disconnected {
        after_ms: f64,
        reset: bool,
        answers: Vec<String>,
    },
    /// The broker refused (CONNACK code ≠ 0, SUBACK 0x80) and kept the connection.
    Rejected { answers: Vec<String> },
    /// The broker acted on it or kept serving the connection (CONNACK 0, SUBACK granted,
    /// message routed, PINGRESP).
    Accepted { answers: Vec<String> },
    /// Neither an answer nor a close within the observation window.
    NoAnswer,
    /// The sacrificial client could not get as far as sending the probe.
    SetupFailed { why: String },
}

impl Offender {
    pub fn label(&self) -> String {
        match self {
            Offender::Disconnected {
                after_ms,
                reset,
                answers,
            } => {
                let how = if *reset { "reset" } else { "closed" };
                let pre = if answers.is_empty() {
                    String::new()
                } else {
                    format!("{} then ", answers.join(", "))
                };
                format!("{pre}{how} in {after_ms:.1} ms")
            }
            Offender::Rejected { answers } => format!("rejected: {}", answers.join(", ")),
            Offender::Accepted { answers } => format!("accepted: {}", answers.join(", ")),
            Offender::NoAnswer => "no answer, connection open".into(),
            Offender::SetupFailed { why } => format!("setup failed: {why}"),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProbeResult {
    pub name: String,
    pub field: Field,
    pub description: String,
    /// The probe packet as sent, hex.
    pub packet_hex: String,
    pub control: bool,
    pub offender: Offender,
    /// A fresh connection got CONNACK 0 after the probe (false: crashed or hung).
    pub broker_alive: bool,
    /// Each bystander's fate, in the order of [`ProbeReport::bystanders`] that ran.
    pub bystanders: Vec<Fate>,
    /// The canary publisher's connection error, if it had one (then no bystander can show
    /// it kept receiving).
    pub canary_error: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProbeReport {
    pub broker: String,
    pub addr: String,
    pub observe_ms: u64,
    pub after_ms: u64,
    /// Every bystander implementation, run or skipped (with why).
    pub bystanders: Vec<BystanderInfo>,
    pub probes: Vec<ProbeResult>,
    /// Seed 004's finding as measured here.
    pub finding: Finding,
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// The bystanders that run, and every one's line for the report.
type Selected = (Vec<Box<dyn Implementation>>, Vec<BystanderInfo>);

/// Which bystanders run: those selected (all known when `names` is empty) and present here.
/// An unknown name is the user's error.
fn bystanders(names: &[String]) -> Result<Selected, ProbeError> {
    let all = bystander::all();
    if let Some(bad) = names
        .iter()
        .find(|n| all.iter().all(|i| i.name() != n.as_str()))
    {
        return Err(ProbeError::UnknownBystander {
            name: bad.clone(),
            known: all.iter().map(|i| i.name()).collect::<Vec<_>>().join(", "),
        });
    }
    let mut run = Vec::new();
    let mut info = Vec::new();
    for i in all {
        let name = i.name().to_owned();
        if !names.is_empty() && !names.contains(&name) {
            info.push(BystanderInfo {
                name,
                implementation: None,
                skipped: Some("not selected (--bystanders)".into()),
            });
            continue;
        }
        match i.detect() {
            Ok(v) => {
                info.push(BystanderInfo {
                    name,
                    implementation: Some(v),
                    skipped: None,
                });
                run.push(i);
            }
            Err(why) => info.push(BystanderInfo {
                name,
                implementation: None,
                skipped: Some(why),
            }),
        }
    }
    Ok((run, info))
}

/// Runs every probe against `target`, one after another (a probe that kills the broker
/// must not be blamed on the next).
pub async fn run(target: &Target, opts: &ProbeOptions) -> Result<ProbeReport, ProbeError> {
    let (implementations, info) = bystanders(&opts.bystanders)?;
    let nonce = {
        let mut b = [0u8; 4];
        // Falls back to the clock: uniqueness across runs matters, secrecy does not.
        if getrandom::fill(&mut b).is_err() {
            b = (std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.subsec_nanos())
                .unwrap_or(0))
            .to_be_bytes();
        }
        hex(&b)
    };
    let wait = Duration::from_secs(5);
    mqtt_alive(target.addr, &format!("mcb-probe-{nonce}-pre"), wait)
        .await
        .map_err(|why| ProbeError::Unreachable {
            addr: target.addr,
            why,
        })?;
    let base = format!("mcb-probe/{nonce}");
    let topics = Topics {
        canary: format!("{base}/ok"),
        base: base.clone(),
    };
    let id = format!("mcb-probe-{nonce}");
    let mut probes = Vec::new();
    for (i, p) in catalogue::probes(&base, &id).into_iter().enumerate() {
        let pid = format!("{id}-{i}");
        probes.push(run_one(target.addr, &p, &topics, &pid, &implementations, opts).await);
    }
    let finding = finding::of(&probes);
    Ok(ProbeReport {
        broker: target.url.clone(),
        addr: target.addr.to_string(),
        observe_ms: opts.observe.as_millis() as u64,
        after_ms: opts.after.as_millis() as u64,
        bystanders: info,
        probes,
        finding,
    })
}

/// A bystander started for one probe: its tap and its session (or why it did not start).
struct Standing {
    name: &'static str,
    tap: Option<Tap>,
    session: Result<Session, String>,
}

async fn run_one(
    addr: SocketAddr,
    p: &Probe,
    topics: &Topics,
    id: &str,
    implementations: &[Box<dyn Implementation>],
    opts: &ProbeOptions,
) -> ProbeResult {
    // Before the probe is sent nothing is being measured yet: when the broker drops the
    // canary or a bystander during set-up (rumqttd now and then resets a fresh connection), the
    // set-up starts again, up to SETUP_ATTEMPTS times, rather than reporting a probe whose
    // bystanders were never listening.
    let mut attempt = 0;
    let (canary, standing) = loop {
        attempt += 1;
        let (canary, standing) = set_up(addr, topics, id, attempt, implementations, opts).await;
        let all_ready = standing
            .iter()
            .all(|st| ready_of(st, topics) || st.session.is_err());
        if all_ready || attempt == SETUP_ATTEMPTS {
            break (canary, standing);
        }
        for st in standing {
            if let Ok(s) = st.session {
                s.stop();
            }
        }
        canary.stop().await;
    };
    let ready: Vec<bool> = standing.iter().map(|st| ready_of(st, topics)).collect();
    let t0 = Instant::now();
    let offender = offend(addr, p, &topics.base, id, opts).await;
    let t1 = Instant::now();
    // The after-window, and longer while a bystander has neither received the canary again
    // nor gone: libmosquitto and paho come back a second after a lost connection.
    let settle_by = t1 + opts.recover.max(opts.after);
    loop {
        let now = Instant::now();
        let all_settled = standing.iter().all(|st| {
            st.session.as_ref().map_or(true, |s| {
                bystander::settled(&s.events(), topics, t1.into_std())
            })
        });
        if now >= settle_by || (now >= t1 + opts.after && all_settled) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let window = Window {
        t0: t0.into_std(),
        t1: t1.into_std(),
        t2: std::time::Instant::now(),
    };
    let mut fates = Vec::new();
    for (st, ready) in standing.into_iter().zip(ready) {
        let fate = match &st.session {
            Ok(s) => bystander::fate(
                st.name,
                ready,
                &st.tap.as_ref().map(Tap::events).unwrap_or_default(),
                &s.events(),
                topics,
                window,
            ),
            Err(why) => Fate::failed(st.name, why.clone()),
        };
        fates.push(fate);
        if let Ok(s) = st.session {
            s.stop();
        }
    }
    let canary_error = canary.error();
    canary.stop().await;
    let broker_alive = mqtt_alive(addr, &format!("{id}-alive"), Duration::from_secs(3))
        .await
        .is_ok();
    ProbeResult {
        name: p.name.to_owned(),
        field: p.field,
        description: p.description.to_owned(),
        packet_hex: hex(&p.packet),
        control: p.control,
        offender,
        broker_alive,
        bystanders: fates,
        canary_error,
    }
}

/// Times the set-up before a probe (canary and bystanders ready) is tried.
const SETUP_ATTEMPTS: u32 = 3;

/// Subscribed, the canary seen by the bystander's application since, and still connected.
fn ready_of(st: &Standing, topics: &Topics) -> bool {
    st.session.as_ref().is_ok_and(|s| {
        let tap = st.tap.as_ref().map(Tap::events).unwrap_or_default();
        bystander::is_ready(&s.events(), &tap, topics)
    })
}

/// Starts the canary and every bystander for one probe and waits (up to `opts.ready`) until
/// each is ready or failed to start.
async fn set_up(
    addr: SocketAddr,
    topics: &Topics,
    id: &str,
    attempt: u32,
    implementations: &[Box<dyn Implementation>],
    opts: &ProbeOptions,
) -> (Canary, Vec<Standing>) {
    // A fresh client id per attempt: the broker may still hold the last attempt's.
    let id = if attempt == 1 {
        id.to_owned()
    } else {
        format!("{id}-r{attempt}")
    };
    let id = id.as_str();
    let canary = Canary::start(
        addr,
        &topics.canary,
        &format!("{id}-canary"),
        opts.publish_every,
    );
    let mut standing = Vec::new();
    for imp in implementations {
        let name = imp.name();
        let client_id = format!("{id}-{name}");
        let (tap, session) = match Tap::start(addr).await {
            Ok(tap) => {
                let s = imp.start(&Start {
                    addr: tap.addr,
                    client_id: &client_id,
                    filter: "#",
                });
                (Some(tap), s)
            }
            Err(e) => (None, Err(format!("cannot start its tap: {e}"))),
        };
        standing.push(Standing { name, tap, session });
    }
    // Readiness: subscribed and the canary seen by each application (a Python interpreter
    // takes a while to start on a busy machine, hence the generous bound).
    let ready_by = Instant::now() + opts.ready;
    while Instant::now() < ready_by
        && !standing
            .iter()
            .all(|st| ready_of(st, topics) || st.session.is_err())
    {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    (canary, standing)
}

/// The sacrificial client: setup, the probe packet, a PINGREQ, then watch.
async fn offend(
    addr: SocketAddr,
    p: &Probe,
    base: &str,
    id: &str,
    opts: &ProbeOptions,
) -> Offender {
    let setup_wait = Duration::from_secs(3);
    let mut s = match tokio::time::timeout(setup_wait, TcpStream::connect(addr)).await {
        Ok(Ok(s)) => s,
        Ok(Err(e)) => {
            return Offender::SetupFailed {
                why: format!("TCP connect: {e}"),
            };
        }
        Err(_) => {
            return Offender::SetupFailed {
                why: "TCP connect timed out".into(),
            };
        }
    };
    let _ = s.set_nodelay(true);
    if p.setup != Setup::Nothing {
        if let Err(why) = connect_raw(&mut s, &format!("{id}-offender"), setup_wait).await {
            return Offender::SetupFailed { why };
        }
    }
    if p.setup == Setup::Subscribed {
        let sub = wire::subscribe(0x82, format!("{base}/#").as_bytes());
        if let Err(e) = s.write_all(&sub).await {
            return Offender::SetupFailed {
                why: format!("send SUBSCRIBE: {e}"),
            };
        }
        let t = Instant::now();
        let mut seen = Vec::new();
        wire::read_until(&mut s, t, t + setup_wait, &mut seen, |s| {
            s.iter().any(|p| matches!(p, Incoming::SubAck { .. }))
        })
        .await;
        if !seen.iter().any(|p| matches!(p, Incoming::SubAck { .. })) {
            return Offender::SetupFailed {
                why: "no SUBACK for the offender's own subscription".into(),
            };
        }
    }
    let t0 = Instant::now();
    // Probe and PINGREQ in one write: a broker that silently drops the probe still answers
    // the ping, which tells "ignored" apart from "stuck".
    let mut bytes = p.packet.clone();
    bytes.extend_from_slice(&wire::PINGREQ);
    if let Err(e) = s.write_all(&bytes).await {
        return Offender::Disconnected {
            after_ms: ms(t0.elapsed()),
            reset: true,
            answers: vec![format!("write failed: {e}")],
        };
    }
    let ok_topic = format!("{base}/ok");
    let probe_publishes = matches!(p.setup, Setup::Subscribed);
    let mut seen = Vec::new();
    let mut pong_at: Option<Instant> = None;
    let end = wire::read_until(&mut s, t0, t0 + opts.observe, &mut seen, |seen| {
        // After the PINGRESP, a short grace for a routed PUBLISH (routing may lag the
        // ping); CONNECT probes stop at CONNACK + PINGRESP.
        if seen.contains(&Incoming::PingResp) {
            let at = *pong_at.get_or_insert_with(Instant::now);
            return !probe_publishes || at.elapsed() > Duration::from_millis(100);
        }
        false
    })
    .await;
    if p.drop_after_connack {
        // Abrupt close, no DISCONNECT: the broker must publish the will now.
        drop(s);
    }
    let answers: Vec<String> = seen
        .iter()
        .filter(|x| !matches!(x, Incoming::Publish { topic } if topic == ok_topic.as_bytes()))
        .map(Incoming::describe)
        .collect();
    let refused = seen.iter().any(|x| match x {
        Incoming::ConnAck { code } => *code != 0,
        Incoming::SubAck { codes } => codes.iter().any(|c| *c >= 0x80),
        _ => false,
    });
    match end {
        ReadEnd::Closed { after, reset } => Offender::Disconnected {
            after_ms: ms(after),
            reset,
            answers,
        },
        _ if refused => Offender::Rejected { answers },
        _ if !answers.is_empty() => Offender::Accepted { answers },
        _ => Offender::NoAnswer,
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}
