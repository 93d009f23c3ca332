//! What the SC lets one client, and everyone together, ask of it: a token bucket per
//! registered client (unregistered ids share one, so inventing ids buys nothing), a bound on
//! requests being served at once plus a bounded queue behind it, and the largest request the
//! decoder reads ([`super::protocol::MAX_REQUEST`]). Whatever exceeds a limit is dropped
//! unanswered and counted: answering would cost a signature per request, the very work a
//! flood is trying to cause, and an unsigned "busy" would let anyone silence a client.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// The SC's limits (`[limits]` of center.toml).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Limits {
    /// Requests the SC works on at once (each is CPU work: a signature check, an ECDH, a
    /// signature); more than the cores gains nothing.
    pub concurrency: usize,
    /// Requests that may wait for one of those slots; beyond that they are dropped as busy.
    pub queue: usize,
    /// Per client; `None` for a run's own center, whose clients are the harness's.
    pub rate: Option<RateLimit>,
}

/// A token bucket: `burst` requests at once, refilled at `per_second`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RateLimit {
    pub per_second: f64,
    pub burst: u32,
}

impl Default for Limits {
    /// The standalone center's: room for a fleet booting at once (a few keys per device within
    /// the burst), and a client looping on requests held to 20 a second.
    fn default() -> Self {
        Self {
            concurrency: 8,
            queue: 1024,
            rate: Some(RateLimit {
                per_second: 20.0,
                burst: 40,
            }),
        }
    }
}

impl Limits {
    /// A run's in-process center: it serves only the run's generated clients, which may ask
    /// for hundreds of keys at once (a subscriber asks one per publisher topic), so no rate
    /// limit and a long queue; concurrency still bounded, as it is by the cores anyway.
    pub fn for_run() -> Self {
        Self {
            concurrency: 64,
            queue: 1 << 16,
            rate: None,
        }
    }

    /// `Err((field, what would work))` for a limit that would refuse everything.
    pub fn validate(&self) -> Result<(), (&'static str, String)> {
        if self.concurrency == 0 {
            return Err((
                "limits.concurrency",
                "expected at least 1 request served at a time (e.g. 8, about the cores)".into(),
            ));
        }
        if let Some(r) = self.rate {
            if !(r.per_second.is_finite() && r.per_second > 0.0) {
                return Err((
                    "limits.rate",
                    format!(
                        "expected requests per second per client > 0 (e.g. 20; a high value such as 10000 all but lifts the limit), got {}",
                        r.per_second
                    ),
                ));
            }
            if r.burst == 0 {
                return Err((
                    "limits.burst",
                    "expected at least 1 request a client may send at once (e.g. 40, a few keys per topic it uses)".into(),
                ));
            }
        }
        Ok(())
    }
}

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    at: Instant,
}

impl Bucket {
    fn full(burst: u32, now: Instant) -> Self {
        Self {
            tokens: f64::from(burst),
            at: now,
        }
    }

    fn refill(&mut self, limit: RateLimit, now: Instant) {
        let dt = now.saturating_duration_since(self.at).as_secs_f64();
        self.tokens = (self.tokens + dt * limit.per_second).min(f64::from(limit.burst));
        self.at = now;
    }

    fn take(&mut self, limit: RateLimit, now: Instant) -> bool {
        self.refill(limit, now);
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

/// Per-client token buckets. Only registered clients get their own (the map is bounded by the
/// registry); every other id draws from one shared bucket.
pub struct RateLimiter {
    limit: RateLimit,
    clients: HashMap<String, Bucket>,
    strangers: Bucket,
    calls: u64,
}

impl RateLimiter {
    pub fn new(limit: RateLimit, now: Instant) -> Self {
        Self {
            limit,
            clients: HashMap::new(),
            strangers: Bucket::full(limit.burst, now),
            calls: 0,
        }
    }

    /// True if `client` may send one more request now (and the token is spent).
    pub fn allow(&mut self, client: &str, registered: bool, now: Instant) -> bool {
        self.calls += 1;
        if self.calls % 4096 == 0 {
            self.forget_idle(now);
        }
        if !registered {
            return self.strangers.take(self.limit, now);
        }
        let (limit, burst) = (self.limit, self.limit.burst);
        match self.clients.get_mut(client) {
            Some(b) => b.take(limit, now),
            None => {
                let mut b = Bucket::full(burst, now);
                let ok = b.take(limit, now);
                self.clients.insert(client.to_owned(), b);
                ok
            }
        }
    }

    /// Drops buckets that have refilled: a full bucket and no bucket mean the same, so the map
    /// holds only clients that asked recently (and unregistered clients leave it).
    fn forget_idle(&mut self, now: Instant) {
        let full = Duration::try_from_secs_f64(f64::from(self.limit.burst) / self.limit.per_second)
            .unwrap_or(Duration::MAX);
        self.clients
            .retain(|_, b| now.saturating_duration_since(b.at) < full);
    }

    pub fn tracked(&self) -> usize {
        self.clients.len()
    }
}

/// Requests dropped before the pipeline, by why (the answered ones are in
/// [`super::authority::CenterStats`]).
#[derive(Debug, Default)]
pub struct DropCounters {
    oversize: AtomicU64,
    rate_limited: AtomicU64,
    busy: AtomicU64,
}

/// A snapshot of [`DropCounters`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Dropped {
    /// Larger than [`super::protocol::MAX_REQUEST`].
    pub oversize: u64,
    /// The client's (or the unregistered ids') bucket was empty.
    pub rate_limited: u64,
    /// Every slot busy and the queue full.
    pub busy: u64,
}

impl Dropped {
    pub fn total(&self) -> u64 {
        self.oversize + self.rate_limited + self.busy
    }
}

#[derive(Debug, Clone, Copy)]
pub enum DropReason {
    Oversize,
    RateLimited,
    Busy,
}

impl DropCounters {
    pub fn count(&self, why: DropReason) {
        let c = match why {
            DropReason::Oversize => &self.oversize,
            DropReason::RateLimited => &self.rate_limited,
            DropReason::Busy => &self.busy,
        };
        c.fetch_add(1, Ordering::Relaxed);
    }

    pub fn snapshot(&self) -> Dropped {
        Dropped {
            oversize: self.oversize.load(Ordering::Relaxed),
            rate_limited: self.rate_limited.load(Ordering::Relaxed),
            busy: self.busy.load(Ordering::Relaxed),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIMIT: RateLimit = RateLimit {
        per_second: 10.0,
        burst: 3,
    };

    #[test]
    fn a_bucket_allows_its_burst_then_refills_at_its_rate() {
        let t0 = Instant::now();
        let mut r = RateLimiter::new(LIMIT, t0);
        let allowed = (0..10).filter(|_| r.allow("a", true, t0)).count();
        assert_eq!(allowed, 3, "the burst");
        // Another client has its own bucket.
        assert!(r.allow("b", true, t0));
        // 10/s: one token per 100 ms, never more than the burst.
        assert!(!r.allow("a", true, t0 + Duration::from_millis(50)));
        assert!(r.allow("a", true, t0 + Duration::from_millis(160)));
        assert!(!r.allow("a", true, t0 + Duration::from_millis(170)));
        let later = t0 + Duration::from_secs(60);
        assert_eq!((0..10).filter(|_| r.allow("a", true, later)).count(), 3);
    }

    #[test]
    fn unregistered_ids_share_one_bucket_and_idle_clients_are_forgotten() {
        let t0 = Instant::now();
        let mut r = RateLimiter::new(LIMIT, t0);
        let allowed = (0..100)
            .filter(|i| r.allow(&format!("made-up-{i}"), false, t0))
            .count();
        assert_eq!(allowed, 3, "inventing ids buys no more than one burst");
        assert_eq!(r.tracked(), 0, "strangers take no room");
        assert!(
            r.allow("known", true, t0),
            "registered clients are unaffected"
        );
        assert_eq!(r.tracked(), 1);
        // Long enough later, every bucket is full again and the map forgets them.
        let later = t0 + Duration::from_secs(10);
        for _ in 0..4096 {
            r.allow("x", false, later);
        }
        assert_eq!(r.tracked(), 0);
    }

    #[test]
    fn zero_limits_are_refused_with_the_field_and_a_working_value() {
        assert!(Limits::default().validate().is_ok());
        assert!(Limits::for_run().validate().is_ok());
        let rate = |per_second, burst| Limits {
            rate: Some(RateLimit { per_second, burst }),
            ..Limits::default()
        };
        let (field, why) = rate(0.0, 5).validate().unwrap_err();
        assert_eq!(field, "limits.rate");
        assert!(why.contains("> 0 (e.g. 20"), "{why}");
        assert_eq!(rate(f64::NAN, 5).validate().unwrap_err().0, "limits.rate");
        let (field, why) = rate(5.0, 0).validate().unwrap_err();
        assert_eq!(field, "limits.burst");
        assert!(why.contains("at least 1"), "{why}");
        let none = Limits {
            concurrency: 0,
            ..Limits::default()
        };
        assert_eq!(none.validate().unwrap_err().0, "limits.concurrency");
    }
}
