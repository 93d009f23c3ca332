//! One timeline for every task of the process: a monotonic clock anchored once to the wall
//! clock, so envelope timestamps written by a publisher can be subtracted from a subscriber's
//! reading without the wall clock's jumps.

use std::sync::OnceLock;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

struct Anchor {
    instant: Instant,
    unix_ns: u64,
}

static ANCHOR: OnceLock<Anchor> = OnceLock::new();

fn anchor() -> &'static Anchor {
    ANCHOR.get_or_init(|| Anchor {
        instant: Instant::now(),
        unix_ns: SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as u64),
    })
}

/// Nanoseconds since the UNIX epoch, monotonic within this process.
#[inline]
pub fn now_ns() -> u64 {
    let a = anchor();
    a.unix_ns + a.instant.elapsed().as_nanos() as u64
}

/// The [`Instant`] at which [`now_ns`] reads `ns` (for sleeping until a scheduled time).
pub fn instant_at(ns: u64) -> Instant {
    let a = anchor();
    match ns.checked_sub(a.unix_ns) {
        Some(d) => a.instant + std::time::Duration::from_nanos(d),
        None => a.instant,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn monotonic_and_round_trips_through_instant() {
        let a = now_ns();
        let b = now_ns();
        assert!(b >= a);
        let i = instant_at(b);
        let back = anchor().unix_ns + (i - anchor().instant).as_nanos() as u64;
        assert_eq!(back, b);
    }
}
