//! `--shard i/n`: one process's slice of a scenario's clients, for a run spread over machines
//! (`merge` adds the slices back up). `--shard auto/n` takes `i` from Kubernetes' Indexed Job
//! variable `JOB_COMPLETION_INDEX` (see [`ShardSpec`]).

use super::{Scenario, ScenarioError};

/// `--shard i/n`: this process runs slice `i` (1-based) of `n` of the clients.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    pub index: u32,
    pub count: u32,
}

impl std::str::FromStr for Shard {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || format!("expected i/n with 1 <= i <= n, e.g. 1/2, got \"{s}\"");
        let (i, n) = s.split_once('/').ok_or_else(bad)?;
        let (index, count): (u32, u32) = (
            i.trim().parse().map_err(|_| bad())?,
            n.trim().parse().map_err(|_| bad())?,
        );
        if index == 0 || count == 0 || index > count {
            return Err(bad());
        }
        Ok(Shard { index, count })
    }
}

/// Kubernetes' Indexed Job variable: each pod's completion index, 0-based.
pub const INDEX_VAR: &str = "JOB_COMPLETION_INDEX";
/// The shard count when `--shard` is not given (Kubernetes has no variable for it).
pub const COUNT_VAR: &str = "MCB_SHARD_COUNT";

/// What `--shard` (or the environment) asks for: a fixed slice, or `auto/n`, whose index comes
/// from [`INDEX_VAR`] when the run starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ShardSpec {
    Fixed(Shard),
    Auto { count: u32 },
}

impl std::str::FromStr for ShardSpec {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.split_once('/') {
            Some((i, n)) if i.trim() == "auto" => match n.trim().parse::<u32>() {
                Ok(count) if count > 0 => Ok(ShardSpec::Auto { count }),
                _ => Err(format!(
                    "expected auto/n with n >= 1 (the Indexed Job's completions), got \"{s}\""
                )),
            },
            _ => s.parse().map(ShardSpec::Fixed),
        }
    }
}

impl ShardSpec {
    /// The slice this process runs. `flag` is `--shard` or the environment variable the spec
    /// came from, for the error; `index` is the value of [`INDEX_VAR`], if set. Kubernetes'
    /// index is 0-based and `--shard`'s 1-based: index k runs slice k + 1.
    pub fn resolve(self, flag: &str, index: Option<&str>) -> Result<Shard, ScenarioError> {
        let count = match self {
            ShardSpec::Fixed(s) => return Ok(s),
            ShardSpec::Auto { count } => count,
        };
        let err = |m: String| ScenarioError::flag(flag, INDEX_VAR, m);
        let raw = index.ok_or_else(|| {
            err(format!(
                "not set: auto/{count} takes the shard from Kubernetes' Indexed Job variable \
                 (0-based; shard = {INDEX_VAR} + 1); set it, or give --shard i/{count}"
            ))
        })?;
        let k: u32 = raw.trim().parse().map_err(|_| {
            err(format!(
                "\"{raw}\" is not an index: expected a whole number from 0 to {}",
                count - 1
            ))
        })?;
        if k >= count {
            return Err(err(format!(
                "{k} is out of range for {count} shards: expected 0 to {} (0-based; shard = \
                 {INDEX_VAR} + 1)",
                count - 1
            )));
        }
        Ok(Shard {
            index: k + 1,
            count,
        })
    }

    /// The spec the environment gives when `--shard` is not: [`COUNT_VAR`] set makes it
    /// `auto/<count>`. `None` when it is unset (the run is not sharded).
    pub fn from_count_var(count: Option<&str>) -> Result<Option<ShardSpec>, ScenarioError> {
        let Some(raw) = count else {
            return Ok(None);
        };
        match raw.trim().parse::<u32>() {
            Ok(count) if count > 0 => Ok(Some(ShardSpec::Auto { count })),
            _ => Err(ScenarioError::flag(
                COUNT_VAR,
                "",
                format!("\"{raw}\" is not a shard count: expected a whole number >= 1"),
            )),
        }
    }
}

impl Shard {
    /// The results folder's suffix, e.g. `shard-2of3`: shards written to one volume (or
    /// copied together for `merge`) keep apart, and their names say which is which.
    pub fn folder_suffix(self) -> String {
        format!("shard-{}of{}", self.index, self.count)
    }

    /// How many of `total` clients fall in this slice (contiguous, as even as possible).
    pub fn slice(self, total: u32) -> u32 {
        let (i, n, t) = (
            u64::from(self.index),
            u64::from(self.count),
            u64::from(total),
        );
        ((i * t / n) - ((i - 1) * t / n)) as u32
    }

    /// Narrows `s` to this slice: its share of the publishers, and of the subscribers (at
    /// least one, since every slice's messages need a receiver). Each shard publishes on its
    /// own topics, so shards on different machines never see each other's messages and
    /// `merge` can add them up.
    pub fn apply(self, s: &mut Scenario) -> Result<(), ScenarioError> {
        let flag = format!("--shard {}/{}", self.index, self.count);
        let publishers = self.slice(s.load.publishers);
        if publishers == 0 {
            return Err(ScenarioError::flag(
                &flag,
                "load.publishers",
                format!(
                    "{} publishers cannot be split into {} shards",
                    s.load.publishers, self.count
                ),
            ));
        }
        s.load.publishers = publishers;
        s.load.subscribers = self.slice(s.load.subscribers).max(1);
        s.overrides.push(flag);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slices_cover_every_client_once() {
        for total in [1u32, 2, 7, 1000] {
            for n in 1..=4u32 {
                let sum: u32 = (1..=n)
                    .map(|i| Shard { index: i, count: n }.slice(total))
                    .sum();
                assert_eq!(sum, total);
            }
        }
        assert!("0/2".parse::<Shard>().is_err());
        assert!("3/2".parse::<Shard>().is_err());
        assert_eq!("2/3".parse::<Shard>(), Ok(Shard { index: 2, count: 3 }));
    }

    #[test]
    fn auto_takes_the_zero_based_index_plus_one() {
        let auto: ShardSpec = "auto/3".parse().unwrap();
        assert_eq!(auto, ShardSpec::Auto { count: 3 });
        assert_eq!(
            auto.resolve("--shard", Some("0")),
            Ok(Shard { index: 1, count: 3 })
        );
        assert_eq!(
            auto.resolve("--shard", Some("2")),
            Ok(Shard { index: 3, count: 3 })
        );
        for (index, says) in [
            (None, "not set"),
            (Some("3"), "out of range"),
            (Some("x"), "not an index"),
        ] {
            let e = auto.resolve("--shard", index).unwrap_err();
            assert_eq!(e.field, INDEX_VAR);
            assert!(e.to_string().starts_with("--shard: "), "{e}");
            assert!(e.message.contains(says), "{e}");
        }
        assert!("auto/0".parse::<ShardSpec>().is_err());
        assert_eq!(
            "2/3".parse::<ShardSpec>(),
            Ok(ShardSpec::Fixed(Shard { index: 2, count: 3 }))
        );
        assert_eq!(
            ShardSpec::from_count_var(Some("4")),
            Ok(Some(ShardSpec::Auto { count: 4 }))
        );
        assert_eq!(ShardSpec::from_count_var(None), Ok(None));
        assert!(ShardSpec::from_count_var(Some("0")).is_err());
    }
}
