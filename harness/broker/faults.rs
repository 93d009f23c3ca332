//! Faults the link proxy injects into the connections through it: resets, stalls, half-open
//! connections and byte corruption, on a schedule that is fixed by the scenario (every N s) or
//! drawn from a seed (exponential gaps of a given mean), so a run can be repeated exactly.
//!
//! The schedule runs only over the case's measured span ([`Injector::arm`]): connecting and
//! keying the clients happen on a clean link, so a fault never fails a case at set-up, and the
//! drain after the last message runs clean too, so what could be recovered is.

use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use tokio::sync::watch;
use tokio::time::Instant;

/// One fault of the `[link] faults` axis, validated.
#[derive(Debug, Clone, PartialEq)]
pub struct FaultSpec {
    /// Unique in the scenario; goes into the case id (`/fault-<name>`).
    pub name: String,
    pub kind: FaultKind,
    /// Seeds the random schedule and the corrupted positions (not key material).
    pub seed: u64,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum FaultKind {
    /// A baseline row: the proxy forwards untouched.
    None,
    /// Every connection open at the event is closed with a TCP RST both ways.
    Reset { at: Schedule },
    /// No byte crosses the link either way for `length` (connections stay open).
    Stall { at: Schedule, length: Duration },
    /// Every connection open at the event stops forwarding `direction` for good; the other
    /// direction and both sockets stay open, as when a path dies without a FIN or RST.
    HalfOpen { at: Schedule, direction: Direction },
    /// Each byte forwarded is flipped with probability `rate` (`None`: both directions).
    Corrupt {
        rate: f64,
        direction: Option<Direction>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Schedule {
    Every(Duration),
    /// Exponential gaps of this mean, drawn from the fault's seed.
    Random {
        mean: Duration,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// Client → broker.
    Up,
    /// Broker → client.
    Down,
}

impl Direction {
    pub fn name(self) -> &'static str {
        match self {
            Direction::Up => "up",
            Direction::Down => "down",
        }
    }
}

impl FaultKind {
    pub fn name(&self) -> &'static str {
        match self {
            FaultKind::None => "none",
            FaultKind::Reset { .. } => "reset",
            FaultKind::Stall { .. } => "stall",
            FaultKind::HalfOpen { .. } => "half-open",
            FaultKind::Corrupt { .. } => "corrupt",
        }
    }

    fn schedule(&self) -> Option<Schedule> {
        match *self {
            FaultKind::Reset { at }
            | FaultKind::Stall { at, .. }
            | FaultKind::HalfOpen { at, .. } => Some(at),
            FaultKind::None | FaultKind::Corrupt { .. } => None,
        }
    }
}

impl FaultSpec {
    /// One line for tables: what the fault does and how often.
    pub fn describe(&self) -> String {
        let when = |s: Schedule| match s {
            Schedule::Every(d) => format!("every {}", humantime::format_duration(d)),
            Schedule::Random { mean } => format!(
                "at random, mean gap {} (seed {})",
                humantime::format_duration(mean),
                self.seed
            ),
        };
        match self.kind {
            FaultKind::None => "no fault".into(),
            FaultKind::Reset { at } => format!("TCP reset of every connection {}", when(at)),
            FaultKind::Stall { at, length } => format!(
                "no bytes either way for {} {}",
                humantime::format_duration(length),
                when(at)
            ),
            FaultKind::HalfOpen { at, direction } => format!(
                "{} direction of every connection stops {} (sockets stay open)",
                direction.name(),
                when(at)
            ),
            FaultKind::Corrupt { rate, direction } => format!(
                "each byte {} flipped with probability {rate:e} (seed {})",
                direction.map_or("either way".to_owned(), |d| format!("{} only", d.name())),
                self.seed
            ),
        }
    }
}

/// SplitMix64: small, seedable, and the same on every platform; fault positions need
/// reproducibility, not unpredictability.
#[derive(Debug, Clone)]
pub struct SplitMix(u64);

impl SplitMix {
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in (0, 1].
    fn unit(&mut self) -> f64 {
        ((self.next_u64() >> 11) + 1) as f64 / (1u64 << 53) as f64
    }
}

/// Flips bytes of one direction of one connection at a per-byte rate: the gaps between
/// corrupted bytes are geometric, so the cost is per corrupted byte, not per byte.
#[derive(Debug, Clone)]
pub struct Corrupter {
    rng: SplitMix,
    rate: f64,
    /// Bytes to pass before the next corrupted one.
    gap: u64,
}

impl Corrupter {
    pub fn new(rate: f64, seed: u64) -> Self {
        let mut c = Self {
            rng: SplitMix::new(seed),
            rate,
            gap: 0,
        };
        c.gap = c.draw();
        c
    }

    fn draw(&mut self) -> u64 {
        if self.rate >= 1.0 {
            return 0;
        }
        // P(gap = k) = (1 - rate)^k · rate.
        let k = self.rng.unit().ln() / (1.0 - self.rate).ln();
        if k.is_finite() { k as u64 } else { u64::MAX }
    }

    /// Corrupts `chunk` in place; returns how many bytes it changed.
    pub fn apply(&mut self, chunk: &mut [u8]) -> u64 {
        let mut pos = 0u64;
        let mut n = 0;
        let len = chunk.len() as u64;
        while let Some(at) = pos.checked_add(self.gap).filter(|&a| a < len) {
            // XOR with a non-zero byte: the byte always changes.
            let flip = (self.rng.next_u64() % 255 + 1) as u8;
            chunk[at as usize] ^= flip;
            n += 1;
            pos = at + 1;
            self.gap = self.draw();
        }
        self.gap -= len - pos;
        n
    }
}

/// What the injector did over a case.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FaultLog {
    /// Clock ns ([`crate::measure::clock::now_ns`]) of each scheduled event.
    pub events_ns: Vec<u64>,
    /// Bytes corrupted (corruption faults).
    pub corrupted_bytes: u64,
    /// Connections reset (reset faults).
    pub resets: u64,
}

/// The shared state between the schedule and the connections of one link.
pub struct Injector {
    pub spec: FaultSpec,
    /// Bumped at each reset / half-open event; a connection reacts to bumps after it opened.
    epoch: watch::Sender<u64>,
    /// While set and in the future, no connection forwards a byte.
    stall_until: watch::Sender<Option<Instant>>,
    log: Mutex<FaultLog>,
    corrupted: AtomicU64,
    resets: AtomicU64,
    connections: AtomicU64,
}

impl Injector {
    pub fn new(spec: FaultSpec) -> Arc<Self> {
        Arc::new(Self {
            spec,
            epoch: watch::channel(0).0,
            stall_until: watch::channel(None).0,
            log: Mutex::new(FaultLog::default()),
            corrupted: AtomicU64::new(0),
            resets: AtomicU64::new(0),
            connections: AtomicU64::new(0),
        })
    }

    /// Runs the schedule from `start` to `end` (a task of the link; aborted with it).
    pub fn arm(
        self: &Arc<Self>,
        start: Instant,
        end: Instant,
    ) -> Option<tokio::task::JoinHandle<()>> {
        let at = self.spec.kind.schedule()?;
        let me = self.clone();
        Some(tokio::spawn(async move {
            let mut rng = SplitMix::new(me.spec.seed);
            let mut t = start;
            loop {
                let gap = match at {
                    Schedule::Every(d) => d,
                    Schedule::Random { mean } => {
                        Duration::from_secs_f64(-mean.as_secs_f64() * rng.unit().ln())
                            .max(Duration::from_millis(1))
                    }
                };
                t += gap;
                if t >= end {
                    return;
                }
                tokio::time::sleep_until(t).await;
                me.fire();
            }
        }))
    }

    fn fire(&self) {
        let now = crate::measure::clock::now_ns();
        match self.spec.kind {
            FaultKind::Reset { .. } | FaultKind::HalfOpen { .. } => {
                self.epoch.send_modify(|e| *e += 1);
            }
            FaultKind::Stall { length, .. } => {
                let until = Instant::now() + length;
                self.stall_until.send_replace(Some(until));
            }
            FaultKind::None | FaultKind::Corrupt { .. } => {}
        }
        if let Ok(mut log) = self.log.lock() {
            log.events_ns.push(now);
        }
    }

    /// Events so far (copied), bytes corrupted and connections reset.
    pub fn log(&self) -> FaultLog {
        let mut log = self.log.lock().map(|l| l.clone()).unwrap_or_default();
        log.corrupted_bytes = self.corrupted.load(Ordering::Relaxed);
        log.resets = self.resets.load(Ordering::Relaxed);
        log
    }

    /// The fault's view for one new connection.
    pub fn connection(self: &Arc<Self>) -> ConnFaults {
        let n = self.connections.fetch_add(1, Ordering::Relaxed);
        ConnFaults {
            inj: self.clone(),
            epoch: self.epoch.subscribe(),
            index: n,
        }
    }
}

/// One connection's handle on the injector.
pub struct ConnFaults {
    inj: Arc<Injector>,
    /// Marked seen at connect: only events after it touch this connection.
    epoch: watch::Receiver<u64>,
    index: u64,
}

impl ConnFaults {
    /// Resolves at the first reset event after the connection opened (never for other
    /// faults).
    pub async fn reset(&mut self) {
        if !matches!(self.inj.spec.kind, FaultKind::Reset { .. }) {
            return std::future::pending().await;
        }
        if self.epoch.changed().await.is_err() {
            std::future::pending::<()>().await;
        }
        self.inj.resets.fetch_add(1, Ordering::Relaxed);
    }

    /// The per-direction part, for one pump.
    pub fn pump(&self, direction: Direction) -> PumpFaults {
        let kind = self.inj.spec.kind;
        let corrupter = match kind {
            FaultKind::Corrupt { rate, direction: d } if d.is_none_or(|d| d == direction) => {
                let lane = (self.index << 1) | u64::from(direction == Direction::Down);
                Some(Corrupter::new(
                    rate,
                    self.inj.spec.seed ^ lane.wrapping_mul(0xD6E8_FEB8_6659_FD93),
                ))
            }
            _ => None,
        };
        let half_open = matches!(kind, FaultKind::HalfOpen { direction: d, .. } if d == direction);
        // A clone has seen what the original has: events since the connection opened count.
        let epoch = self.epoch.clone();
        PumpFaults {
            inj: self.inj.clone(),
            corrupter,
            half_open: half_open.then_some(epoch),
            dead: false,
            stall: self.inj.stall_until.subscribe(),
        }
    }
}

/// What one direction of one connection does to its bytes.
pub struct PumpFaults {
    inj: Arc<Injector>,
    corrupter: Option<Corrupter>,
    /// Watches for the half-open event, when this direction is the one that dies.
    half_open: Option<watch::Receiver<u64>>,
    dead: bool,
    stall: watch::Receiver<Option<Instant>>,
}

impl PumpFaults {
    /// Called before forwarding `chunk`: waits out a stall, corrupts, and returns false when
    /// the chunk must be dropped (this direction is half-open).
    pub async fn pass(&mut self, chunk: &mut [u8]) -> bool {
        loop {
            let until = *self.stall.borrow_and_update();
            match until {
                Some(t) if t > Instant::now() => tokio::time::sleep_until(t).await,
                _ => break,
            }
        }
        if let Some(rx) = &self.half_open
            && rx.has_changed().unwrap_or(false)
        {
            self.dead = true;
        }
        if self.dead {
            return false;
        }
        if let Some(c) = &mut self.corrupter {
            let n = c.apply(chunk);
            if n > 0 {
                self.inj.corrupted.fetch_add(n, Ordering::Relaxed);
            }
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn corruption_rate_is_what_was_asked_and_seeded() {
        let mut a = Corrupter::new(1e-3, 7);
        let mut b = Corrupter::new(1e-3, 7);
        let (mut x, mut y) = (vec![0u8; 1 << 20], vec![0u8; 1 << 20]);
        // In uneven chunks: the gap carries across chunk boundaries.
        let mut n = 0;
        for c in x.chunks_mut(1000) {
            n += a.apply(c);
        }
        for c in y.chunks_mut(4096) {
            b.apply(c);
        }
        assert_eq!(x, y, "same seed, same positions whatever the chunking");
        let changed = x.iter().filter(|&&v| v != 0).count() as u64;
        assert_eq!(changed, n);
        // 1,048,576 bytes at 1e-3: 1,049 expected, sd ~32.
        assert!((900..1200).contains(&n), "{n}");
        let mut every = Corrupter::new(1.0, 1);
        let mut z = [0u8; 16];
        assert_eq!(every.apply(&mut z), 16);
        assert!(z.iter().all(|&v| v != 0));
    }
}
