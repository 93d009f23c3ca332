//! A synchronized start (`--start-at`, `--start-in`): every shard sets up (pre-flight, results
//! folder, Security Center), then waits for one agreed instant before its first case, so the
//! shards' measured windows overlap and `merge` adds figures of one moment of the broker.

use std::time::{Duration, SystemTime};

use crate::results::RunTiming;
use crate::results::fleet::{seconds_between, timestamp};

/// The instant the case loop starts, and how late it may begin before that is a warning.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StartPlan {
    pub at: SystemTime,
    pub tolerance: Duration,
}

/// Waits until `plan.at` on the wall clock (the one instant the machines share, through NTP),
/// in slices of at most a second so a clock stepped meanwhile is followed rather than slept
/// past. Returns when the wait ended.
pub async fn wait(plan: &StartPlan) -> SystemTime {
    loop {
        let now = SystemTime::now();
        match plan.at.duration_since(now) {
            Ok(left) if !left.is_zero() => {
                tokio::time::sleep(left.min(Duration::from_secs(1))).await;
            }
            _ => return now,
        }
    }
}

/// The `timing` record of a run. `started` is when the case loop began (after the wait, with
/// a plan); `window` the first case's start and the last case's end, when any case ran.
pub fn record(
    plan: Option<&StartPlan>,
    started: SystemTime,
    window: Option<(SystemTime, SystemTime)>,
    who: &str,
) -> RunTiming {
    let late_s = plan.map(|p| seconds_between(p.at, started));
    RunTiming {
        planned_start: plan.map(|p| timestamp(p.at)),
        actual_start: plan.map(|_| timestamp(started)),
        late_s,
        tolerance_s: plan.map(|p| p.tolerance.as_secs_f64()),
        late_warning: plan.and_then(|p| late_warning(p, started, who)),
        first_case_start: window.map(|w| timestamp(w.0)),
        last_case_end: window.map(|w| timestamp(w.1)),
    }
}

/// Set when the case loop began more than the tolerance after the planned instant: set-up
/// took longer than the time left, or the machine woke the process late.
pub fn late_warning(plan: &StartPlan, started: SystemTime, who: &str) -> Option<String> {
    let late = started.duration_since(plan.at).ok()?;
    (late > plan.tolerance).then(|| {
        format!(
            "{who} started its first case {:.3} s after the planned start {} (tolerance {:.3} \
             s): its measured window overlaps the other shards' less than planned",
            late.as_secs_f64(),
            timestamp(plan.at),
            plan.tolerance.as_secs_f64()
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn waits_until_the_instant_and_records_how_late() {
        let plan = StartPlan {
            at: SystemTime::now() + Duration::from_millis(300),
            tolerance: Duration::from_secs(1),
        };
        let started = wait(&plan).await;
        // Never early; how late depends on the machine, so only the record is checked.
        assert!(started >= plan.at);
        let t = record(Some(&plan), started, None, "shard 1/2");
        assert!(t.late_s.is_some_and(|l| l >= 0.0));
        assert_eq!(t.planned_start, Some(timestamp(plan.at)));
        assert_eq!(t.late_warning.is_some(), t.late_s.is_some_and(|l| l > 1.0));
    }

    #[test]
    fn late_beyond_the_tolerance_is_a_warning_that_says_how_late() {
        let at = SystemTime::UNIX_EPOCH + Duration::from_secs(1_790_000_000);
        let plan = StartPlan {
            at,
            tolerance: Duration::from_secs(1),
        };
        assert_eq!(
            late_warning(&plan, at + Duration::from_millis(900), "x"),
            None
        );
        let w = late_warning(&plan, at + Duration::from_millis(2500), "shard 2/3").unwrap();
        assert!(
            w.starts_with("shard 2/3 started its first case 2.500 s after"),
            "{w}"
        );
        let t = record(
            Some(&plan),
            at + Duration::from_millis(2500),
            Some((at, at + Duration::from_secs(5))),
            "shard 2/3",
        );
        assert_eq!(t.late_s, Some(2.5));
        assert_eq!(t.late_warning, Some(w));
        let unplanned = record(None, at, Some((at, at)), "run");
        assert_eq!((unplanned.planned_start, unplanned.late_s), (None, None));
        assert!(unplanned.first_case_start.is_some());
    }
}
