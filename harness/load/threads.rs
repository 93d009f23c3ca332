//! How a case's clients map onto OS threads (`load.threads`). Each publisher group has a send
//! thread and an event-loop thread, each subscriber group one thread; a thread's CPU clock is
//! read per message (send side) or over the measured window (the rest), so the CPU figures
//! hold whatever the grouping.
//!
//! - `"per-client"`: a group per client, each client's threads its own (the CPU of one
//!   client's event loop or subscriber reads apart from every other's).
//! - a number N: N publisher groups and N subscriber groups (capped at the client counts);
//!   publisher i goes to group i mod N. A few threads carry thousands of connections: one OS
//!   thread per client costs ~80 KB of RSS and a scheduler entry each, and caps a run far below
//!   what the machine's sockets allow.
//! - `"auto"` (the default): per-client up to [`AUTO_PER_CLIENT`] clients, beyond that one
//!   group per core.

use std::fmt;

use serde::Deserialize;
use serde::de::{self, Deserializer};

/// Clients (publishers + subscribers) up to which `"auto"` gives each its own threads: the
/// reference results and the A/A validation were measured that way, and a few dozen threads
/// cost nothing worth saving.
pub const AUTO_PER_CLIENT: u32 = 64;

/// `load.threads`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Threads {
    #[default]
    Auto,
    PerClient,
    Workers(u32),
}

impl Threads {
    /// Groups for `clients` clients of one kind, in a case of `total` clients.
    pub fn groups(self, clients: u32, total: u32) -> u32 {
        let n = match self {
            Threads::PerClient => clients,
            Threads::Workers(n) => n,
            Threads::Auto if total <= AUTO_PER_CLIENT => clients,
            Threads::Auto => std::thread::available_parallelism().map_or(1, |n| n.get() as u32),
        };
        n.clamp(1, clients.max(1))
    }
}

/// Deals `items` (client i is `items[i]`) into `groups` groups, client i into group
/// i mod `groups`, each with its index.
pub fn split<T>(items: Vec<T>, groups: u32) -> Vec<Vec<(u32, T)>> {
    let groups = groups.clamp(1, (items.len() as u32).max(1));
    let mut out: Vec<Vec<(u32, T)>> = (0..groups).map(|_| Vec::new()).collect();
    for (i, item) in (0u32..).zip(items) {
        out[(i % groups) as usize].push((i, item));
    }
    out
}

impl fmt::Display for Threads {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        match self {
            Threads::Auto => f.write_str("auto"),
            Threads::PerClient => f.write_str("per-client"),
            Threads::Workers(n) => write!(f, "{n}"),
        }
    }
}

impl<'de> Deserialize<'de> for Threads {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        const EXPECTED: &str =
            "\"auto\", \"per-client\" or a number of worker threads from 1 to 1024";
        impl de::Visitor<'_> for V {
            type Value = Threads;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str(EXPECTED)
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Threads, E> {
                u32::try_from(v)
                    .ok()
                    .filter(|n| (1..=1024).contains(n))
                    .map(Threads::Workers)
                    .ok_or_else(|| E::custom(format!("expected {EXPECTED}, got {v}")))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Threads, E> {
                self.visit_i64(i64::try_from(v).unwrap_or(i64::MAX))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Threads, E> {
                match v {
                    "auto" => Ok(Threads::Auto),
                    "per-client" => Ok(Threads::PerClient),
                    _ => Err(E::custom(format!("expected {EXPECTED}, got \"{v}\""))),
                }
            }
        }
        d.deserialize_any(V)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_follow_the_setting_and_never_exceed_the_clients() {
        assert_eq!(Threads::PerClient.groups(5, 6), 5);
        assert_eq!(Threads::Workers(2).groups(5, 6), 2);
        assert_eq!(Threads::Workers(8).groups(3, 4), 3);
        assert_eq!(Threads::Workers(8).groups(0, 1), 1);
        assert_eq!(Threads::Auto.groups(10, 11), 10);
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get() as u32);
        assert_eq!(Threads::Auto.groups(1000, 1001), cores.min(1000));
    }

    #[test]
    fn every_client_is_in_exactly_one_group() {
        let indices = |g: Vec<Vec<(u32, char)>>| -> Vec<Vec<u32>> {
            g.into_iter()
                .map(|v| v.into_iter().map(|(i, _)| i).collect())
                .collect()
        };
        let g = split("abcdefg".chars().collect(), 3);
        assert_eq!(g[0], vec![(0, 'a'), (3, 'd'), (6, 'g')]);
        assert_eq!(indices(g), vec![vec![0, 3, 6], vec![1, 4], vec![2, 5]]);
        assert_eq!(indices(split(vec!['x', 'y'], 5)), vec![vec![0], vec![1]]);
    }

    #[test]
    fn parses_the_three_forms_and_names_what_would_work() {
        #[derive(Deserialize)]
        struct T {
            threads: Threads,
        }
        let p = |s: &str| toml::from_str::<T>(s).map(|t| t.threads);
        assert_eq!(p("threads = \"auto\"").ok(), Some(Threads::Auto));
        assert_eq!(p("threads = \"per-client\"").ok(), Some(Threads::PerClient));
        assert_eq!(p("threads = 4").ok(), Some(Threads::Workers(4)));
        for bad in ["threads = 0", "threads = \"many\"", "threads = 5000"] {
            let e = p(bad).err().map(|e| e.to_string()).unwrap_or_default();
            assert!(e.contains("per-client"), "{bad}: {e}");
        }
    }
}
