//! The tap: a loopback relay between one bystander and the broker that records, with times,
//! what crossed it: each connection the bystander opened, each PUBLISH the broker delivered to
//! it (topic bytes), and which side closed first. That is the wire truth behind "received the
//! forwarded packet", "disconnected by whom" and "reconnected", the same for every client
//! implementation, whatever its own output says (libmosquitto drops a malformed topic without
//! a word, for one).

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use serde::{Deserialize, Serialize};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

use super::wire::{self, Incoming};

/// Which end of a bystander's connection closed it first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Side {
    /// The bystander (client library or application) closed or reset its socket.
    Client,
    /// The broker closed or reset the connection.
    Broker,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TapKind {
    /// The bystander opened connection number `conn` (0 first, then reconnections).
    Opened,
    /// The broker delivered a PUBLISH on this topic to the bystander's socket.
    Delivered {
        topic: Vec<u8>,
    },
    Closed {
        by: Side,
        reset: bool,
    },
}

#[derive(Debug, Clone)]
pub struct TapEvent {
    pub at: Instant,
    pub conn: u32,
    pub kind: TapKind,
}

pub type TapLog = Arc<Mutex<Vec<TapEvent>>>;

/// A running tap; stops (dropping the relayed connections) when dropped.
pub struct Tap {
    pub addr: SocketAddr,
    pub log: TapLog,
    accept: JoinHandle<()>,
}

impl Tap {
    pub async fn start(broker: SocketAddr) -> std::io::Result<Tap> {
        let listener = TcpListener::bind(("127.0.0.1", 0)).await?;
        let addr = listener.local_addr()?;
        let log: TapLog = Arc::default();
        let log2 = log.clone();
        let accept = tokio::spawn(async move {
            let mut conn = 0u32;
            // A JoinSet aborts its relays when this task is aborted (the tap dropped).
            let mut relays = tokio::task::JoinSet::new();
            while let Ok((client, _)) = listener.accept().await {
                push(&log2, conn, TapKind::Opened);
                relays.spawn(relay(client, broker, conn, log2.clone()));
                conn += 1;
            }
        });
        Ok(Tap { addr, log, accept })
    }

    pub fn events(&self) -> Vec<TapEvent> {
        lock(&self.log).clone()
    }
}

impl Drop for Tap {
    fn drop(&mut self) {
        self.accept.abort();
    }
}

fn lock(l: &TapLog) -> std::sync::MutexGuard<'_, Vec<TapEvent>> {
    // A panicked pump leaves complete events behind: still worth reading.
    l.lock().unwrap_or_else(|e| e.into_inner())
}

fn push(l: &TapLog, conn: u32, kind: TapKind) {
    lock(l).push(TapEvent {
        at: Instant::now(),
        conn,
        kind,
    });
}

async fn relay(client: TcpStream, broker: SocketAddr, conn: u32, log: TapLog) {
    let _ = client.set_nodelay(true);
    let upstream = match TcpStream::connect(broker).await {
        Ok(s) => s,
        Err(_) => {
            // The broker refused the relayed connection: to the bystander, the broker closed it.
            push(
                &log,
                conn,
                TapKind::Closed {
                    by: Side::Broker,
                    reset: true,
                },
            );
            return;
        }
    };
    let _ = upstream.set_nodelay(true);
    let (cr, cw) = client.into_split();
    let (br, bw) = upstream.into_split();
    let closed = Arc::new(Mutex::new(false));
    let up = pump(cr, bw, conn, Side::Client, log.clone(), closed.clone());
    let down = pump(br, cw, conn, Side::Broker, log, closed);
    tokio::join!(up, down);
}

/// Copies `from` to `to`; the first side to end records the close. Broker-to-client bytes are
/// parsed so each delivered PUBLISH is logged when it is handed to the bystander's socket.
async fn pump(
    mut from: OwnedReadHalf,
    mut to: OwnedWriteHalf,
    conn: u32,
    reader: Side,
    log: TapLog,
    closed: Arc<Mutex<bool>>,
) {
    let mut chunk = [0u8; 8192];
    let mut pending: Vec<u8> = Vec::new();
    let reset = loop {
        let n = match from.read(&mut chunk).await {
            Ok(0) => break false,
            Ok(n) => n,
            Err(_) => break true,
        };
        if to.write_all(&chunk[..n]).await.is_err() {
            // The other side is gone; its own pump records how.
            return;
        }
        // Delivery time = when the bytes were handed to the bystander's socket, not when
        // parsing them here finished.
        let written = Instant::now();
        if reader == Side::Broker {
            pending.extend_from_slice(&chunk[..n]);
            while let Some((p, used)) = wire::parse(&pending) {
                pending.drain(..used);
                if let Incoming::Publish { topic } = p {
                    lock(&log).push(TapEvent {
                        at: written,
                        conn,
                        kind: TapKind::Delivered { topic },
                    });
                }
            }
        }
    };
    {
        let mut c = closed.lock().unwrap_or_else(|e| e.into_inner());
        if !*c {
            *c = true;
            push(&log, conn, TapKind::Closed { by: reader, reset });
        }
    }
    // Pass the close on, so the other end sees what the bystander (or broker) did.
    let _ = to.shutdown().await;
}
