//! `--shard i/n`: one process's slice of a scenario's clients, for a run spread over machines
//! (`merge` adds the slices back up).

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

impl Shard {
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
}
