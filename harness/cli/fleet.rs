//! `run`'s multi-machine flags, resolved before anything is connected: which shard this
//! process is (`--shard`, or Kubernetes' `JOB_COMPLETION_INDEX` with a count) and when the
//! shards start together (`--start-at`, `--start-in`, `--start-tolerance`).

use std::time::SystemTime;

use super::BadInput;
use crate::run::start::StartPlan;
use crate::scenario::shard::{COUNT_VAR, INDEX_VAR};
use crate::scenario::{Shard, ShardSpec};

/// The shard this process runs. `flag` is `--shard` (given, or from `MCB_SHARD`); without it,
/// `MCB_SHARD_COUNT=N` means `auto/N`. `env` reads an environment variable (a parameter so
/// tests need not change the process's environment). Also returns a warning when
/// `JOB_COMPLETION_INDEX` is set but nothing says to shard: every pod would run the whole
/// scenario, multiplying the load.
pub fn resolve_shard(
    flag: Option<ShardSpec>,
    env: impl Fn(&str) -> Option<String>,
) -> anyhow::Result<(Option<Shard>, Option<String>)> {
    let index = env(INDEX_VAR);
    let spec = match flag {
        Some(s) => Some((s, "--shard")),
        None => ShardSpec::from_count_var(env(COUNT_VAR).as_deref())?.map(|s| (s, COUNT_VAR)),
    };
    let Some((spec, from)) = spec else {
        let warning = index.map(|k| {
            format!(
                "{INDEX_VAR}={k} is set but neither --shard nor {COUNT_VAR} is: this process \
                 runs the whole scenario (give --shard auto/N or {COUNT_VAR}=N to run shard {k} + 1 of N)"
            )
        });
        return Ok((None, warning));
    };
    Ok((Some(spec.resolve(from, index.as_deref())?), None))
}

/// `--start-at TIME` (RFC 3339, `Z` or an offset) or `--start-in DURATION` (from `now`), with
/// `--start-tolerance`. A time already past by more than the tolerance is refused: the shards
/// would not start together.
pub fn start_plan(
    start_at: Option<&str>,
    start_in: Option<&str>,
    tolerance: &str,
    now: SystemTime,
) -> Result<Option<StartPlan>, BadInput> {
    let tolerance = humantime::parse_duration(tolerance).map_err(|e| {
        BadInput(format!(
            "--start-tolerance: \"{tolerance}\" is not a duration ({e}): expected e.g. 1s or 500ms"
        ))
    })?;
    let at = match (start_at, start_in) {
        (Some(_), Some(_)) => {
            return Err(BadInput(
                "--start-at and --start-in: both given; give one (an instant, or a delay from now)"
                    .into(),
            ));
        }
        (None, None) => return Ok(None),
        (None, Some(d)) => {
            let d = humantime::parse_duration(d).map_err(|e| {
                BadInput(format!(
                    "--start-in: \"{d}\" is not a duration ({e}): expected e.g. 30s or 2m"
                ))
            })?;
            now + d
        }
        (Some(t), None) => {
            let at = parse_instant(t)?;
            if let Ok(past) = now.duration_since(at)
                && past > tolerance
            {
                return Err(BadInput(format!(
                    "--start-at: {t} is {:.1} s in the past (tolerance {}): give a time \
                     ahead, e.g. `date -u -d '+30 seconds' +%Y-%m-%dT%H:%M:%SZ`, or --start-in 30s",
                    past.as_secs_f64(),
                    humantime::format_duration(tolerance)
                )));
            }
            at
        }
    };
    Ok(Some(StartPlan { at, tolerance }))
}

fn parse_instant(t: &str) -> Result<SystemTime, BadInput> {
    use time::format_description::well_known::Rfc3339;
    let dt = time::OffsetDateTime::parse(t.trim(), &Rfc3339).map_err(|e| {
        BadInput(format!(
            "--start-at: \"{t}\" is not an RFC 3339 time ({e}): expected e.g. \
             2026-12-02T12:00:00Z or 2026-12-02T13:00:00+01:00"
        ))
    })?;
    Ok(SystemTime::from(dt))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn env<'a>(vars: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |k| {
            vars.iter()
                .find(|(n, _)| *n == k)
                .map(|(_, v)| (*v).to_owned())
        }
    }

    #[test]
    fn the_shard_comes_from_the_flag_or_the_job_index_and_count() {
        let auto = Some(ShardSpec::Auto { count: 3 });
        let (s, w) = resolve_shard(auto, env(&[(INDEX_VAR, "1")])).unwrap();
        assert_eq!((s, w), (Some(Shard { index: 2, count: 3 }), None));
        let (s, _) = resolve_shard(None, env(&[(INDEX_VAR, "0"), (COUNT_VAR, "2")])).unwrap();
        assert_eq!(s, Some(Shard { index: 1, count: 2 }));
        // A fixed --shard wins over the environment.
        let fixed = Some(ShardSpec::Fixed(Shard { index: 2, count: 2 }));
        let (s, _) = resolve_shard(fixed, env(&[(INDEX_VAR, "0"), (COUNT_VAR, "5")])).unwrap();
        assert_eq!(s, Some(Shard { index: 2, count: 2 }));
        let (s, w) = resolve_shard(None, env(&[(INDEX_VAR, "4")])).unwrap();
        assert_eq!(s, None);
        assert!(w.unwrap().contains("whole scenario"));
        let e = resolve_shard(auto, env(&[])).unwrap_err();
        assert_eq!(super::super::exit_code(&e), 2);
        assert!(
            e.to_string().starts_with("--shard: JOB_COMPLETION_INDEX"),
            "{e}"
        );
        let e = resolve_shard(None, env(&[(COUNT_VAR, "2"), (INDEX_VAR, "2")])).unwrap_err();
        assert!(
            e.to_string()
                .starts_with("MCB_SHARD_COUNT: JOB_COMPLETION_INDEX"),
            "{e}"
        );
        assert!(e.to_string().contains("out of range"), "{e}");
    }

    #[test]
    fn start_flags_are_checked_and_name_the_flag() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_790_000_000);
        assert_eq!(start_plan(None, None, "1s", now).unwrap(), None);
        let p = start_plan(None, Some("30s"), "1s", now).unwrap().unwrap();
        assert_eq!(p.at, now + Duration::from_secs(30));
        assert_eq!(p.tolerance, Duration::from_secs(1));
        let at = crate::results::fleet::timestamp(now + Duration::from_secs(10));
        let p = start_plan(Some(&at), None, "250ms", now).unwrap().unwrap();
        assert_eq!(p.at, now + Duration::from_secs(10));
        // An offset is the same instant as its UTC form.
        let plus_one = "2026-09-21T15:33:20+01:00";
        let utc = "2026-09-21T14:33:20Z";
        let far = SystemTime::UNIX_EPOCH;
        assert_eq!(
            start_plan(Some(plus_one), None, "1s", far).unwrap(),
            start_plan(Some(utc), None, "1s", far).unwrap()
        );
        // Just past, within the tolerance: accepted (the shard starts at once).
        let just = crate::results::fleet::timestamp(now - Duration::from_millis(500));
        assert!(start_plan(Some(&just), None, "1s", now).is_ok());
        for (at, within, tol, flag) in [
            (Some(just.as_str()), None, "100ms", "--start-at: "),
            (Some("tomorrow"), None, "1s", "--start-at: "),
            (Some(utc), Some("30s"), "1s", "--start-at and --start-in"),
            (None, Some("soon"), "1s", "--start-in: "),
            (None, Some("30s"), "a bit", "--start-tolerance: "),
        ] {
            let e = start_plan(at, within, tol, now).unwrap_err();
            assert!(e.0.starts_with(flag), "{e}");
        }
    }
}
