//! The link: an in-process TCP proxy between every client of a case and the broker.
//!
//! It counts the bytes that cross it in each direction at the socket, so what TLS adds
//! (records, handshakes) shows next to the MQTT and envelope bytes, and it can emulate a slow
//! link: each direction is delayed by rtt/2 ± jitter and throttled to the bandwidth, like a
//! LoRa/NB-IoT-class uplink. Bytes are forwarded as they arrive; delay and bandwidth are
//! applied per chunk read, in order (a chunk never overtakes the one before it).

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::tcp::{ReadHalf, WriteHalf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio::time::Instant;

use super::faults::{ConnFaults, Direction, FaultLog, FaultSpec, Injector, PumpFaults};

/// What the link emulates; all zero = a plain counting proxy.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct LinkSpec {
    pub rtt: Duration,
    pub jitter: Duration,
    /// Bits per second each way; None = unthrottled.
    pub bandwidth_bps: Option<u64>,
    /// Connect upstream from the address each client connected from (`load.source_addrs`),
    /// so the broker sees the clients' own source addresses through the proxy.
    pub keep_source: bool,
}

impl LinkSpec {
    pub fn is_emulated(&self) -> bool {
        !self.rtt.is_zero() || !self.jitter.is_zero() || self.bandwidth_bps.is_some()
    }
}

/// Bytes that crossed the link so far, and accept errors survived.
#[derive(Debug, Default)]
struct Counters {
    up: AtomicU64,
    down: AtomicU64,
    accept_errors: AtomicU64,
}

/// A running proxy; stops (and drops every connection through it) when dropped.
pub struct Link {
    pub addr: SocketAddr,
    counters: Arc<Counters>,
    accept: JoinHandle<()>,
    faults: Option<Arc<Injector>>,
    schedule: Option<JoinHandle<()>>,
}

/// Client → broker and broker → client byte counts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WireBytes {
    pub up: u64,
    pub down: u64,
}

impl WireBytes {
    pub fn since(self, earlier: WireBytes) -> WireBytes {
        WireBytes {
            up: self.up.saturating_sub(earlier.up),
            down: self.down.saturating_sub(earlier.down),
        }
    }
}

/// Back-off after a failed accept, doubling up to [`ACCEPT_BACKOFF_MAX`]: an accept error
/// such as EMFILE (out of file descriptors) repeats at once, and retrying in a loop would
/// spin a core the clients and the broker need, while the condition clears only when some
/// connection closes.
const ACCEPT_BACKOFF_MIN: Duration = Duration::from_millis(5);
const ACCEPT_BACKOFF_MAX: Duration = Duration::from_millis(500);

impl Link {
    /// Listens on a free 127.0.0.1 port and forwards every connection to `upstream`,
    /// injecting `fault` once [`Link::arm`] starts its schedule.
    pub async fn start(
        upstream: (String, u16),
        spec: LinkSpec,
        fault: Option<FaultSpec>,
    ) -> std::io::Result<Link> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let counters = Arc::new(Counters::default());
        let faults = fault.map(Injector::new);
        let (c, inj) = (counters.clone(), faults.clone());
        let accept = tokio::spawn(async move {
            // Connection tasks live in this set so dropping the link aborts them all.
            let mut conns = tokio::task::JoinSet::new();
            let mut backoff = ACCEPT_BACKOFF_MIN;
            loop {
                let (client, peer) = match listener.accept().await {
                    Ok(accepted) => {
                        backoff = ACCEPT_BACKOFF_MIN;
                        accepted
                    }
                    Err(_) => {
                        c.accept_errors.fetch_add(1, Ordering::Relaxed);
                        while conns.try_join_next().is_some() {}
                        tokio::time::sleep(backoff).await;
                        backoff = (backoff * 2).min(ACCEPT_BACKOFF_MAX);
                        continue;
                    }
                };
                let (upstream, c) = (upstream.clone(), c.clone());
                let faults = inj.as_ref().map(|i| i.connection());
                conns.spawn(async move {
                    // A failed upstream connect closes the client's socket: it sees the same
                    // "connection closed" it would see from an unreachable broker.
                    let source = spec.keep_source.then_some(peer.ip());
                    let Ok(broker) = connect_from(&upstream, source).await else {
                        return;
                    };
                    forward(client, broker, spec, c, faults).await;
                });
                // Reap finished connections so the set does not grow over a long case.
                while conns.try_join_next().is_some() {}
            }
        });
        Ok(Link {
            addr,
            counters,
            accept,
            faults,
            schedule: None,
        })
    }

    /// Starts the fault schedule over `[start, end)` (no-op without a scheduled fault).
    pub fn arm(&mut self, start: Instant, end: Instant) {
        if let Some(inj) = &self.faults {
            self.schedule = inj.arm(start, end);
        }
    }

    /// What the fault injector did so far.
    pub fn fault_log(&self) -> Option<FaultLog> {
        self.faults.as_ref().map(|f| f.log())
    }

    pub fn bytes(&self) -> WireBytes {
        WireBytes {
            up: self.counters.up.load(Ordering::Relaxed),
            down: self.counters.down.load(Ordering::Relaxed),
        }
    }

    /// Accepts that failed (each followed by a back-off).
    pub fn accept_errors(&self) -> u64 {
        self.counters.accept_errors.load(Ordering::Relaxed)
    }
}

impl Drop for Link {
    fn drop(&mut self) {
        self.accept.abort();
        if let Some(s) = &self.schedule {
            s.abort();
        }
    }
}

/// A connection to `upstream`, bound to `source` (port 0) when given: to the first address of
/// the upstream name in the source's family.
async fn connect_from(
    upstream: &(String, u16),
    source: Option<std::net::IpAddr>,
) -> std::io::Result<TcpStream> {
    let Some(ip) = source else {
        return TcpStream::connect((upstream.0.as_str(), upstream.1)).await;
    };
    let addr = tokio::net::lookup_host((upstream.0.as_str(), upstream.1))
        .await?
        .find(|a| a.is_ipv4() == ip.is_ipv4())
        .ok_or_else(|| {
            std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                format!("no address of {} in the family of {ip}", upstream.0),
            )
        })?;
    let socket = if ip.is_ipv4() {
        tokio::net::TcpSocket::new_v4()?
    } else {
        tokio::net::TcpSocket::new_v6()?
    };
    bind_source(&socket, ip)?;
    socket.connect(addr).await
}

/// Binds `socket` to the source address `ip` and leaves the port to connect(), which picks it
/// for the whole 4-tuple (IP_BIND_ADDRESS_NO_PORT on Linux; the vendored rumqttc does the
/// same for the load's clients): a port chosen at bind() must be unused by every socket on
/// the address, whatever its peer, so an address runs out of ports sooner and each bind
/// searches the whole range.
fn bind_source(socket: &tokio::net::TcpSocket, ip: std::net::IpAddr) -> std::io::Result<()> {
    #[cfg(target_os = "linux")]
    {
        use std::os::fd::AsRawFd;
        let one: libc::c_int = 1;
        // SAFETY: setsockopt reads one c_int from a live local for the socket's fd. Best
        // effort: a kernel without the option allocates at bind(), as without it.
        let _ = unsafe {
            libc::setsockopt(
                socket.as_raw_fd(),
                libc::IPPROTO_IP,
                libc::IP_BIND_ADDRESS_NO_PORT,
                (&one as *const libc::c_int).cast(),
                std::mem::size_of::<libc::c_int>() as libc::socklen_t,
            )
        };
    }
    socket.bind(std::net::SocketAddr::new(ip, 0))
}

/// Both directions of one connection until either side closes, or a reset fault ends it with
/// an RST each way.
async fn forward(
    mut client: TcpStream,
    mut broker: TcpStream,
    spec: LinkSpec,
    c: Arc<Counters>,
    faults: Option<ConnFaults>,
) {
    let _ = client.set_nodelay(true);
    let _ = broker.set_nodelay(true);
    let (mut faults, up_f, down_f) = match faults {
        Some(f) => {
            let (u, d) = (f.pump(Direction::Up), f.pump(Direction::Down));
            (Some(f), Some(u), Some(d))
        }
        None => (None, None, None),
    };
    let reset = {
        let (cr, cw) = client.split();
        let (br, bw) = broker.split();
        let pumps = async {
            tokio::join!(
                pump(cr, bw, spec, &c, true, up_f),
                pump(br, cw, spec, &c, false, down_f)
            )
        };
        let reset = async {
            match faults.as_mut() {
                Some(f) => f.reset().await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            _ = pumps => false,
            () = reset => true,
        }
    };
    if reset {
        // SO_LINGER 0: closing sends RST instead of FIN, as a reset link does.
        let _ = client.set_zero_linger();
        let _ = broker.set_zero_linger();
    }
}

/// One direction: read, count, (fault, delay and throttle), write; EOF or an error closes the
/// writing half so the other side sees the close.
async fn pump(
    mut from: ReadHalf<'_>,
    mut to: WriteHalf<'_>,
    spec: LinkSpec,
    counters: &Counters,
    up: bool,
    mut faults: Option<PumpFaults>,
) {
    let count = |n: usize| {
        let c = if up { &counters.up } else { &counters.down };
        c.fetch_add(n as u64, Ordering::Relaxed);
    };
    let mut buf = vec![0u8; 64 * 1024];
    if !spec.is_emulated() {
        loop {
            match from.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    count(n);
                    if let Some(f) = &mut faults
                        && !f.pass(&mut buf[..n]).await
                    {
                        continue;
                    }
                    if to.write_all(&buf[..n]).await.is_err() {
                        break;
                    }
                }
            }
        }
        let _ = to.shutdown().await;
        return;
    }
    // Emulated: the reader stamps each chunk with when it may leave the far end; the writer
    // sleeps until then. Reading never waits for the delay, as on a real link where bytes in
    // flight do not stop the sender (bandwidth does, through `free_at`).
    let (tx, mut rx) = mpsc::unbounded_channel::<(Instant, Vec<u8>)>();
    let writer = async move {
        while let Some((at, chunk)) = rx.recv().await {
            tokio::time::sleep_until(at).await;
            if to.write_all(&chunk).await.is_err() {
                return;
            }
        }
        let _ = to.shutdown().await;
    };
    let one_way = spec.rtt / 2;
    let reader = async move {
        let mut free_at = Instant::now();
        let mut last = Instant::now();
        loop {
            match from.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    count(n);
                    if let Some(f) = &mut faults
                        && !f.pass(&mut buf[..n]).await
                    {
                        continue;
                    }
                    let now = Instant::now();
                    // Serialization: the link carries bandwidth bits per second, one chunk
                    // after the other.
                    let ser = spec.bandwidth_bps.map_or(Duration::ZERO, |bps| {
                        Duration::from_nanos(
                            (n as u64 * 8).saturating_mul(1_000_000_000) / bps.max(1),
                        )
                    });
                    free_at = free_at.max(now) + ser;
                    let at = (free_at + delay(one_way, spec.jitter)).max(last);
                    last = at;
                    if tx.send((at, buf[..n].to_vec())).is_err() {
                        break;
                    }
                    // Throttle the reader too, so a fast sender is pushed back like on a real
                    // link instead of queueing unbounded data here.
                    if free_at > now + Duration::from_millis(50) {
                        tokio::time::sleep_until(free_at - Duration::from_millis(50)).await;
                    }
                }
            }
        }
        drop(tx);
    };
    tokio::join!(reader, writer);
}

/// One-way delay: `base` ± uniform jitter `j`, never below zero.
fn delay(base: Duration, j: Duration) -> Duration {
    if j.is_zero() {
        return base;
    }
    let span = j.as_nanos() as u64 * 2 + 1;
    let mut b = [0u8; 8];
    // No randomness available is no reason to fail a run: fall back to no jitter.
    if getrandom::fill(&mut b).is_err() {
        return base;
    }
    let r = u64::from_le_bytes(b) % span;
    (base + Duration::from_nanos(r)).saturating_sub(j)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The port is left to connect(): after bind() the socket has the address and no port
    /// yet, and the connection still leaves from that address.
    #[cfg(target_os = "linux")]
    #[tokio::test]
    async fn a_source_address_binds_the_address_and_leaves_the_port_to_connect() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let source: std::net::IpAddr = "127.0.0.2".parse().unwrap();
        let socket = tokio::net::TcpSocket::new_v4().unwrap();
        bind_source(&socket, source).unwrap();
        let bound = socket.local_addr().unwrap();
        assert_eq!(
            (bound.ip(), bound.port()),
            (source, 0),
            "bound before connect"
        );
        let stream = socket
            .connect(listener.local_addr().unwrap())
            .await
            .unwrap();
        let (_, peer) = listener.accept().await.unwrap();
        assert_eq!(peer.ip(), source);
        assert_ne!(peer.port(), 0);
        assert_eq!(stream.local_addr().unwrap(), peer);
    }
}
