//! Bystanders: subscribers of different client implementations, each subscribed to `#` behind
//! its own [`Tap`], watching while a probe runs. Seed 004's denial of service is a discrepancy
//! between validating and non-validating nodes, so one bystander cannot show it: a broker that
//! forwards an ill-formed string harms only the clients that check it.
//!
//! Adding an implementation is one file: a type implementing [`Implementation`] (usually a
//! child process whose output lines [`spawn_child`] turns into [`AppEvent`]s), listed in
//! [`all`]. Whatever the implementation prints, the tap supplies the wire facts (what reached
//! its socket, who closed, when it came back).

mod child;
mod mosquitto_sub;
mod paho;
mod rumqttc;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use serde::{Deserialize, Serialize};

pub use child::spawn_child;

use super::tap::{Side, TapEvent, TapKind};

/// What a bystander application reported about itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AppEvent {
    Connected,
    Subscribed,
    /// A message reached the application (topic bytes as it printed them).
    Message {
        topic: Vec<u8>,
    },
    /// An error or disconnect line, kept for the table's note.
    Said(String),
    /// The application ended (crashed, or gave up); `why` as it or its exit status says.
    Exited {
        why: String,
    },
}

pub type AppLog = Arc<Mutex<Vec<(Instant, AppEvent)>>>;

pub fn push(log: &AppLog, e: AppEvent) {
    lock(log).push((Instant::now(), e));
}

fn lock(log: &AppLog) -> std::sync::MutexGuard<'_, Vec<(Instant, AppEvent)>> {
    // A panicked reader leaves complete events behind: still worth reading.
    log.lock().unwrap_or_else(|e| e.into_inner())
}

/// A running bystander; [`Session::stop`] ends it (kills the child, aborts the task).
pub struct Session {
    pub log: AppLog,
    stop: Box<dyn FnOnce() + Send>,
}

impl Session {
    pub fn new(log: AppLog, stop: impl FnOnce() + Send + 'static) -> Session {
        Session {
            log,
            stop: Box::new(stop),
        }
    }

    pub fn events(&self) -> Vec<(Instant, AppEvent)> {
        lock(&self.log).clone()
    }

    pub fn stop(self) {
        (self.stop)()
    }
}

/// Where and as whom a bystander connects.
pub struct Start<'a> {
    /// Its tap (which relays to the broker).
    pub addr: SocketAddr,
    pub client_id: &'a str,
    /// `#`: the seed's victim is any client that subscribes widely.
    pub filter: &'a str,
}

/// One client implementation that can stand by.
pub trait Implementation: Send + Sync {
    /// Short name, for the table, the JSON and `--bystanders`.
    fn name(&self) -> &'static str;
    /// The implementation and version when it can run here, or why not (the skip note).
    fn detect(&self) -> Result<String, String>;
    fn start(&self, s: &Start) -> Result<Session, String>;
}

/// Every implementation the probe knows, the harness's own first.
pub fn all() -> Vec<Box<dyn Implementation>> {
    vec![
        Box::new(rumqttc::Rumqttc),
        Box::new(mosquitto_sub::MosquittoSub),
        Box::new(paho::Paho),
    ]
}

/// A bystander of the run, and whether it ran.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BystanderInfo {
    pub name: String,
    /// Implementation and version, when present.
    pub implementation: Option<String>,
    /// Why it did not run (not installed, not selected), when it did not.
    pub skipped: Option<String>,
}

/// How a bystander's connection ended after the probe.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Disconnect {
    pub by: Side,
    pub reset: bool,
    /// After the probe packet was sent.
    pub after_ms: f64,
    /// After the probe's PUBLISH reached this bystander's socket, when it did.
    pub after_delivery_ms: Option<f64>,
}

/// One bystander's fate during one probe.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Fate {
    pub bystander: String,
    /// Subscribed, and the canary reached the application, before the probe was sent.
    pub ready: bool,
    /// When the broker handed the probe's PUBLISH (a topic under the run's base other than the
    /// canary's) to this bystander's socket, after the probe was sent; None: never.
    pub delivered_ms: Option<f64>,
    /// The application itself reported that message (it passed the client's checks).
    pub app_received: bool,
    pub disconnect: Option<Disconnect>,
    /// A new connection from the bystander after the disconnect, after the probe was sent.
    pub reconnected_ms: Option<f64>,
    /// The first canary reaching the application after the probe's reaction window, after the
    /// probe was sent; None: it stopped receiving.
    pub canary_ms: Option<f64>,
    /// The application ended (crash, or a client that does not reconnect gave up).
    pub exited: Option<String>,
    /// Its last error or disconnect line, if any.
    pub said: Option<String>,
}

impl Fate {
    /// Never disconnected, and still receiving: the DoS of seed 004 did not happen to it.
    pub fn unharmed(&self) -> bool {
        self.ready && self.disconnect.is_none() && self.exited.is_none() && self.canary_ms.is_some()
    }

    /// Its connection ended because of the probe (by itself or by the broker).
    pub fn knocked_off(&self) -> bool {
        self.ready && (self.disconnect.is_some() || self.exited.is_some())
    }

    /// A fate for a bystander that could not start this time.
    pub fn failed(name: &str, why: String) -> Fate {
        Fate {
            bystander: name.to_owned(),
            ready: false,
            delivered_ms: None,
            app_received: false,
            disconnect: None,
            reconnected_ms: None,
            canary_ms: None,
            exited: None,
            said: Some(why),
        }
    }
}

/// The run's topics: the canary's, and the base every probe topic lives under.
#[derive(Debug, Clone)]
pub struct Topics {
    pub base: String,
    pub canary: String,
}

impl Topics {
    pub fn is_canary(&self, t: &[u8]) -> bool {
        t == self.canary.as_bytes()
    }

    /// A topic of this run's probes (what the offender published or left as a will).
    pub fn is_probe(&self, t: &[u8]) -> bool {
        !self.is_canary(t) && t.starts_with(format!("{}/", self.base).as_bytes())
    }
}

/// Subscribed and a canary seen at the application since its latest subscription, and the
/// connection the tap relays still open. The latest, not the first: a connection the broker
/// reset during set-up comes back a second later (libmosquitto, paho), and a probe sent in
/// that second would find the bystander away and count it as not delivered.
pub fn is_ready(app: &[(Instant, AppEvent)], tap: &[TapEvent], topics: &Topics) -> bool {
    let Some(sub) = app
        .iter()
        .rposition(|(_, e)| matches!(e, AppEvent::Subscribed))
    else {
        return false;
    };
    let canary_since = app[sub..]
        .iter()
        .any(|(_, e)| matches!(e, AppEvent::Message { topic } if topics.is_canary(topic)));
    canary_since && connection_open(tap)
}

/// The tap's latest connection was opened and has not closed (true for no tap events at all
/// would be wrong: a bystander that never connected is not listening).
fn connection_open(tap: &[TapEvent]) -> bool {
    let Some(last) = tap.iter().map(|e| e.conn).max() else {
        return false;
    };
    !tap.iter()
        .any(|e| e.conn == last && matches!(e.kind, TapKind::Closed { .. }))
}

/// Done watching: the canary came back after `t1`, or the application is gone.
pub fn settled(app: &[(Instant, AppEvent)], topics: &Topics, t1: Instant) -> bool {
    app.iter().any(|(at, e)| {
        *at >= t1
            && match e {
                AppEvent::Message { topic } => topics.is_canary(topic),
                AppEvent::Exited { .. } => true,
                _ => false,
            }
    })
}

/// The probe's times: sent (`t0`), reaction window over (`t1`), watching over (`t2`).
#[derive(Debug, Clone, Copy)]
pub struct Window {
    pub t0: Instant,
    pub t1: Instant,
    pub t2: Instant,
}

/// Puts the tap's and the application's records of one probe together.
pub fn fate(
    name: &str,
    ready: bool,
    tap: &[TapEvent],
    app: &[(Instant, AppEvent)],
    topics: &Topics,
    w: Window,
) -> Fate {
    let ms = |at: Instant| at.saturating_duration_since(w.t0).as_secs_f64() * 1e3;
    let inside = |at: Instant| at >= w.t0 && at < w.t2;
    let delivered = tap.iter().find(|e| {
        inside(e.at) && matches!(&e.kind, TapKind::Delivered { topic } if topics.is_probe(topic))
    });
    let close = tap.iter().find_map(|e| match e.kind {
        TapKind::Closed { by, reset } if inside(e.at) => Some((e.at, by, reset)),
        _ => None,
    });
    let disconnect = close.map(|(at, by, reset)| Disconnect {
        by,
        reset,
        after_ms: ms(at),
        after_delivery_ms: delivered
            .filter(|d| d.at <= at)
            .map(|d| at.saturating_duration_since(d.at).as_secs_f64() * 1e3),
    });
    let reconnected_ms = close.and_then(|(at, _, _)| {
        tap.iter()
            .find(|e| e.at >= at && e.at < w.t2 && e.kind == TapKind::Opened)
            .map(|e| ms(e.at))
    });
    let app_in = || app.iter().filter(|(at, _)| inside(*at));
    let app_received =
        app_in().any(|(_, e)| matches!(e, AppEvent::Message { topic } if topics.is_probe(topic)));
    let canary_ms = app
        .iter()
        .find(|(at, e)| {
            *at >= w.t1
                && *at < w.t2
                && matches!(e, AppEvent::Message { topic } if topics.is_canary(topic))
        })
        .map(|(at, _)| ms(*at));
    let exited = app_in().find_map(|(_, e)| match e {
        AppEvent::Exited { why } => Some(why.clone()),
        _ => None,
    });
    let said = app_in()
        .filter_map(|(_, e)| match e {
            AppEvent::Said(s) => Some(s.clone()),
            _ => None,
        })
        .next_back();
    Fate {
        bystander: name.to_owned(),
        ready,
        delivered_ms: delivered.map(|d| ms(d.at)),
        app_received,
        disconnect,
        reconnected_ms,
        canary_ms,
        exited,
        said,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn topics() -> Topics {
        Topics {
            base: "b".into(),
            canary: "b/canary".into(),
        }
    }

    fn tap(events: &[(u32, TapKind)]) -> Vec<TapEvent> {
        let at = Instant::now();
        events
            .iter()
            .map(|(conn, kind)| TapEvent {
                at,
                conn: *conn,
                kind: kind.clone(),
            })
            .collect()
    }

    fn app(events: &[AppEvent]) -> Vec<(Instant, AppEvent)> {
        let at = Instant::now();
        events.iter().map(|e| (at, e.clone())).collect()
    }

    fn canary() -> AppEvent {
        AppEvent::Message {
            topic: b"b/canary".to_vec(),
        }
    }

    const CLOSED: TapKind = TapKind::Closed {
        by: Side::Broker,
        reset: true,
    };

    #[test]
    fn ready_means_listening_now_not_once() {
        let t = topics();
        let open = tap(&[(0, TapKind::Opened)]);
        let subscribed = app(&[AppEvent::Connected, AppEvent::Subscribed, canary()]);
        assert!(is_ready(&subscribed, &open, &t));
        // No canary since subscribing, or never subscribed.
        assert!(!is_ready(
            &app(&[AppEvent::Subscribed, AppEvent::Connected]),
            &open,
            &t
        ));
        assert!(!is_ready(&app(&[canary()]), &open, &t));
        // The broker reset the connection during set-up: not ready until the bystander is
        // back, subscribed again and has seen a canary on the new connection.
        let reset = tap(&[(0, TapKind::Opened), (0, CLOSED)]);
        assert!(!is_ready(&subscribed, &reset, &t));
        let back = tap(&[(0, TapKind::Opened), (0, CLOSED), (1, TapKind::Opened)]);
        let resubscribed = app(&[
            AppEvent::Subscribed,
            canary(),
            AppEvent::Connected,
            AppEvent::Subscribed,
        ]);
        assert!(!is_ready(&resubscribed, &back, &t));
        let mut again = resubscribed.clone();
        again.extend(app(&[canary()]));
        assert!(is_ready(&again, &back, &t));
        // A bystander whose tap saw no connection is not listening.
        assert!(!is_ready(&subscribed, &[], &t));
    }
}
