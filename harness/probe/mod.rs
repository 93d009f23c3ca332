//! Broker robustness probes: a sacrificial raw-TCP client sends malformed MQTT 3.1.1 packets
//! (seed 004's ill-formed UTF-8 and the other Malformed Packet rules) while a bystander
//! subscriber and a well-behaved publisher (both rumqttc) keep talking. For each probe the
//! result says what the broker did to the offender, whether it still answers a fresh
//! connection, and whether the bystander stayed connected and kept receiving.
//!
//! Targets are one broker the user named: loopback always, anything else only when the URL
//! was given explicitly. Nothing here scans or tries more than the one address.

pub mod catalogue;
mod table;
pub mod wire;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rumqttc::{AsyncClient, Event, Incoming as RIncoming, MqttOptions, QoS};
use serde::{Deserialize, Serialize};
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;
use tokio::time::Instant;

pub use catalogue::{Field, Probe, Setup};
pub use table::print_table;
use wire::{Incoming, ReadEnd};

#[derive(Debug, thiserror::Error)]
pub enum ProbeError {
    #[error("--broker {url:?}: {why}")]
    BadTarget { url: String, why: String },
    #[error("broker {addr} is not answering MQTT before any probe: {why}")]
    Unreachable { addr: SocketAddr, why: String },
    #[error("cannot start the embedded broker: {0}")]
    Embedded(String),
}

impl ProbeError {
    /// Whether the user fixes this in their flags (exit code 2).
    pub fn is_input_error(&self) -> bool {
        matches!(self, ProbeError::BadTarget { .. })
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

/// How long to watch each phase.
#[derive(Debug, Clone, Copy)]
pub struct ProbeOptions {
    /// Waiting for the broker's reaction to the probe packet.
    pub observe: Duration,
    /// After the observation, for the bystander to show it still receives.
    pub after: Duration,
    /// Interval of the well-behaved publisher.
    pub publish_every: Duration,
}

impl Default for ProbeOptions {
    fn default() -> Self {
        Self {
            observe: Duration::from_secs(2),
            after: Duration::from_secs(1),
            publish_every: Duration::from_millis(20),
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

/// The bystander subscriber's fate during and after one probe.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Bystander {
    /// The bystander was subscribed and receiving before the probe was sent.
    pub ready: bool,
    /// No connection error from the probe until the end of the after-window.
    pub stayed_connected: bool,
    /// Messages from the well-behaved publisher received while the broker reacted.
    pub received_during: u64,
    /// ... and in the after-window.
    pub received_after: u64,
    /// Messages the bystander received on the probe's malformed topics (forwarded as-is).
    pub forwarded_to_bystander: u64,
    /// The bystander's or the well-behaved publisher's first connection error, if any.
    pub error: Option<String>,
}

impl Bystander {
    /// Connected and receiving after the probe: the DoS of seed 004 did not happen.
    pub fn unharmed(&self) -> bool {
        self.ready && self.stayed_connected && self.received_after > 0
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
    pub bystander: Bystander,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProbeReport {
    pub broker: String,
    pub addr: String,
    pub observe_ms: u64,
    pub after_ms: u64,
    pub probes: Vec<ProbeResult>,
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// A fresh, valid MQTT connection; Ok when the broker answers CONNACK 0 within `wait`.
async fn mqtt_alive(addr: SocketAddr, id: &str, wait: Duration) -> Result<(), String> {
    let mut s = tokio::time::timeout(wait, TcpStream::connect(addr))
        .await
        .map_err(|_| "TCP connect timed out".to_string())?
        .map_err(|e| format!("TCP connect: {e}"))?;
    connect_raw(&mut s, id, wait).await?;
    let _ = s.write_all(&[0xE0, 0x00]).await; // DISCONNECT, politely
    Ok(())
}

async fn connect_raw(s: &mut TcpStream, id: &str, wait: Duration) -> Result<(), String> {
    let p = wire::connect(&wire::Connect {
        client_id: id.as_bytes(),
        ..Default::default()
    });
    s.write_all(&p)
        .await
        .map_err(|e| format!("send CONNECT: {e}"))?;
    let t = Instant::now();
    let mut seen = Vec::new();
    let end = wire::read_until(s, t, t + wait, &mut seen, |s| {
        s.iter().any(|p| matches!(p, Incoming::ConnAck { .. }))
    })
    .await;
    match seen.first() {
        Some(Incoming::ConnAck { code: 0 }) => Ok(()),
        Some(p) => Err(format!("answered {}", p.describe())),
        None => Err(format!("no CONNACK ({end:?})")),
    }
}

/// Shared record of what the bystander and the publisher saw.
#[derive(Default)]
struct Seen {
    ok_arrivals: Vec<Instant>,
    forwarded: u64,
    error: Option<(Instant, String)>,
    subscribed: bool,
}

struct Witnesses {
    seen: Arc<Mutex<Seen>>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
    clients: Vec<AsyncClient>,
}

impl Witnesses {
    async fn start(addr: SocketAddr, base: &str, id: &str, every: Duration) -> Witnesses {
        let seen = Arc::new(Mutex::new(Seen::default()));
        let ok_topic = format!("{base}/ok");
        let opts = |who: &str| {
            let mut o = MqttOptions::new(format!("{id}-{who}"), addr.ip().to_string(), addr.port());
            o.set_keep_alive(Duration::from_secs(30));
            o
        };
        let (sub, mut sub_loop) = AsyncClient::new(opts("bystander"), 64);
        let (publ, mut pub_loop) = AsyncClient::new(opts("publisher"), 64);
        let filter = format!("{base}/#");
        let s1 = seen.clone();
        let sub2 = sub.clone();
        let ok1 = ok_topic.clone();
        let bystander = tokio::spawn(async move {
            loop {
                match sub_loop.poll().await {
                    Ok(Event::Incoming(RIncoming::ConnAck(_))) => {
                        // Subscribing after CONNACK: the client id is fresh per probe, so no
                        // earlier session holds the subscription.
                        let _ = sub2.try_subscribe(filter.clone(), QoS::AtMostOnce);
                    }
                    Ok(Event::Incoming(RIncoming::SubAck(_))) => {
                        lock(&s1).subscribed = true;
                    }
                    Ok(Event::Incoming(RIncoming::Publish(p))) => {
                        let mut g = lock(&s1);
                        if p.topic == ok1 {
                            g.ok_arrivals.push(Instant::now());
                        } else {
                            g.forwarded += 1;
                        }
                    }
                    Ok(_) => {}
                    Err(e) => {
                        let mut g = lock(&s1);
                        g.error
                            .get_or_insert((Instant::now(), format!("bystander: {e}")));
                        // No reconnect: a dropped bystander is the finding, and a
                        // reconnected one would hide it.
                        return;
                    }
                }
            }
        });
        let s2 = seen.clone();
        let publisher_loop = tokio::spawn(async move {
            loop {
                if let Err(e) = pub_loop.poll().await {
                    lock(&s2)
                        .error
                        .get_or_insert((Instant::now(), format!("publisher: {e}")));
                    return;
                }
            }
        });
        let publ2 = publ.clone();
        let ticker = tokio::spawn(async move {
            let mut t = tokio::time::interval(every);
            loop {
                t.tick().await;
                if publ2
                    .publish(ok_topic.clone(), QoS::AtMostOnce, false, b"ok".to_vec())
                    .await
                    .is_err()
                {
                    return;
                }
            }
        });
        Witnesses {
            seen,
            tasks: vec![bystander, publisher_loop, ticker],
            clients: vec![sub, publ],
        }
    }

    /// Waits until the bystander is subscribed and has received a message.
    async fn ready(&self, wait: Duration) -> bool {
        let end = Instant::now() + wait;
        while Instant::now() < end {
            {
                let g = lock(&self.seen);
                if g.subscribed && !g.ok_arrivals.is_empty() {
                    return true;
                }
                if g.error.is_some() {
                    return false;
                }
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        false
    }

    async fn stop(self) {
        for c in &self.clients {
            let _ = c.try_disconnect();
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
        for t in self.tasks {
            t.abort();
        }
    }
}

fn lock(m: &Mutex<Seen>) -> std::sync::MutexGuard<'_, Seen> {
    // A panicking witness task leaves plain counters behind: still worth reading.
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// Runs every probe against `target`, one after another (a probe that kills the broker
/// must not be blamed on the next).
pub async fn run(target: &Target, opts: &ProbeOptions) -> Result<ProbeReport, ProbeError> {
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
    let id = format!("mcb-probe-{nonce}");
    let mut probes = Vec::new();
    for (i, p) in catalogue::probes(&base, &id).into_iter().enumerate() {
        let pid = format!("{id}-{i}");
        // Probes carry the run's base; the witnesses listen under the same base so the
        // malformed topics land in the bystander's subscription.
        probes.push(run_one(target.addr, &p, &base, &pid, opts).await);
    }
    Ok(ProbeReport {
        broker: target.url.clone(),
        addr: target.addr.to_string(),
        observe_ms: opts.observe.as_millis() as u64,
        after_ms: opts.after.as_millis() as u64,
        probes,
    })
}

async fn run_one(
    addr: SocketAddr,
    p: &Probe,
    base: &str,
    id: &str,
    opts: &ProbeOptions,
) -> ProbeResult {
    let w = Witnesses::start(addr, base, id, opts.publish_every).await;
    let ready = w.ready(Duration::from_secs(3)).await;
    let t0 = Instant::now();
    let offender = offend(addr, p, base, id, opts).await;
    let t1 = Instant::now();
    tokio::time::sleep(opts.after).await;
    let t2 = Instant::now();
    let bystander = {
        let g = lock(&w.seen);
        let in_range = |a: Instant, b: Instant| {
            g.ok_arrivals.iter().filter(|&&x| x >= a && x < b).count() as u64
        };
        Bystander {
            ready,
            stayed_connected: g.error.as_ref().is_none_or(|(t, _)| *t >= t2),
            received_during: in_range(t0, t1),
            received_after: in_range(t1, t2),
            forwarded_to_bystander: g.forwarded,
            error: g.error.as_ref().map(|(_, e)| e.clone()),
        }
    };
    w.stop().await;
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
        bystander,
    }
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
