//! Replay detection: a copy of a (publisher, seq) pair the subscriber already opened is either
//! a QoS-level duplicate (MQTT may deliver a QoS 1 message twice) or a replay (someone
//! re-published a captured message).
//!
//! The rule (a copy is only classified once it has opened, so it is a real envelope):
//! - QoS 0 promises at most once: every copy is a replay.
//! - QoS 1 and 2: a copy carrying the MQTT DUP flag, or arriving within [`QOS_WINDOW`] of the
//!   first copy, is a QoS duplicate; any other copy is a replay.
//!
//! Limits: a replay inside the window is counted as a QoS duplicate, and a broker that
//! redelivers later than the window without DUP (after a long outage, for example) is counted
//! as a replay. The envelope's seq is authenticated only with an AEAD, MAC or signature:
//! without one, an attacker can change it and the copy looks new.

use std::collections::{HashSet, VecDeque};
use std::time::Duration;

/// How long after the first copy a second one still counts as a QoS duplicate.
pub const QOS_WINDOW: Duration = Duration::from_secs(2);

/// What a copy of an already-opened pair is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CopyKind {
    QosDuplicate,
    Replay,
}

/// Classifies a copy: `dup` is the PUBLISH's DUP flag, `within_window` whether the first copy
/// arrived less than [`QOS_WINDOW`] ago.
pub fn classify(qos: u8, dup: bool, within_window: bool) -> CopyKind {
    if qos == 0 || !(dup || within_window) {
        CopyKind::Replay
    } else {
        CopyKind::QosDuplicate
    }
}

/// First arrivals of the last [`QOS_WINDOW`]: memory bounded by the rate times the window.
#[derive(Debug, Default)]
pub struct RecentFirsts {
    window_ns: u64,
    queue: VecDeque<(u64, u32, u64)>,
    set: HashSet<(u32, u64)>,
}

impl RecentFirsts {
    pub fn new(window: Duration) -> Self {
        Self {
            window_ns: window.as_nanos() as u64,
            ..Default::default()
        }
    }

    fn evict(&mut self, now_ns: u64) {
        while let Some(&(t, p, s)) = self.queue.front() {
            if now_ns.saturating_sub(t) < self.window_ns {
                break;
            }
            self.queue.pop_front();
            self.set.remove(&(p, s));
        }
    }

    /// Records the first copy of (publisher, seq) at `now_ns`.
    pub fn first(&mut self, now_ns: u64, publisher: u32, seq: u64) {
        self.evict(now_ns);
        if self.set.insert((publisher, seq)) {
            self.queue.push_back((now_ns, publisher, seq));
        }
    }

    /// True when the first copy of (publisher, seq) arrived less than the window ago.
    pub fn within(&mut self, now_ns: u64, publisher: u32, seq: u64) -> bool {
        self.evict(now_ns);
        self.set.contains(&(publisher, seq))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn qos0_copies_are_replays_qos1_needs_dup_or_window() {
        assert_eq!(classify(0, false, true), CopyKind::Replay);
        assert_eq!(classify(0, true, true), CopyKind::Replay);
        assert_eq!(classify(1, false, true), CopyKind::QosDuplicate);
        assert_eq!(classify(1, true, false), CopyKind::QosDuplicate);
        assert_eq!(classify(1, false, false), CopyKind::Replay);
        assert_eq!(classify(2, false, false), CopyKind::Replay);
    }

    #[test]
    fn window_forgets_old_first_arrivals() {
        let mut r = RecentFirsts::new(Duration::from_secs(2));
        r.first(1_000_000_000, 0, 7);
        assert!(r.within(2_500_000_000, 0, 7));
        assert!(!r.within(2_500_000_000, 1, 7));
        assert!(!r.within(3_000_000_001, 0, 7));
        assert!(r.queue.is_empty() && r.set.is_empty());
    }
}
