//! In which order a run measures its cases and repetitions.
//!
//! Shuffled (the default) is a randomized complete block design, as criterion and hyperfine
//! users would expect: each repetition round is a fresh random permutation of all cases, so
//! the rounds stay interleaved (every case once before any case a second time) and no factor
//! of the matrix (all MQTT 3.1.1 cases before all MQTT 5 ones, small sizes before large)
//! lines up with time, where thermal drift or a neighbour's load would bias it. `matrix`
//! keeps the scenario's order (round by round), for debugging.
//!
//! The permutation comes from `rand`'s `StdRng::seed_from_u64(seed)` and `SliceRandom::shuffle`,
//! one generator for the whole run: the same seed gives the same sequence with the same
//! `rand` version (results.json records both). A new `rand` release may change `StdRng` or
//! the shuffle, and so the sequence of a seed.

use rand::SeedableRng;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use sha2::{Digest, Sha256};

use crate::results::{OrderKind, SeedSource};

/// The `rand` version this binary shuffles with (from Cargo.lock, by build.rs).
pub const RAND_VERSION: &str = env!("MCB_RAND_VERSION");

/// How the CLI (or a test) asks for the order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OrderSpec {
    pub kind: OrderKind,
    /// `--order-seed`; `None`: from the OS, or from the scenario text when sharded.
    pub seed: Option<u64>,
}

impl Default for OrderSpec {
    fn default() -> Self {
        Self {
            kind: OrderKind::Shuffled,
            seed: None,
        }
    }
}

/// One step of the schedule: which repetition (1-based) of which case (index into the
/// scenario's cases).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Step {
    pub repetition: u32,
    pub case: usize,
}

/// The seed a shuffled run uses and where it came from. `None` for matrix order.
/// `shard_text` is what every shard of one run shares (the scenario text and its `--set`
/// flags): when the run is sharded and no seed is given, the seed is derived from it, so all
/// shards measure their cases in the same order.
pub fn resolve_seed(
    spec: OrderSpec,
    sharded: bool,
    shard_text: &str,
) -> Result<Option<(u64, SeedSource)>, getrandom::Error> {
    if spec.kind == OrderKind::Matrix {
        return Ok(None);
    }
    if let Some(s) = spec.seed {
        return Ok(Some((s, SeedSource::Flag)));
    }
    if sharded {
        return Ok(Some((seed_from_text(shard_text), SeedSource::Scenario)));
    }
    let mut b = [0u8; 8];
    getrandom::fill(&mut b)?;
    Ok(Some((u64::from_le_bytes(b), SeedSource::Os)))
}

/// The first 8 bytes of SHA-256 of `text`, big-endian: stable across Rust and crate versions,
/// unlike std's hasher.
pub fn seed_from_text(text: &str) -> u64 {
    let d = Sha256::digest(text.as_bytes());
    let mut b = [0u8; 8];
    b.copy_from_slice(&d[..8]);
    u64::from_be_bytes(b)
}

/// Every (repetition, case) once: round 1 first, then round 2, …; within a round the scenario's
/// order (`seed` None) or a fresh permutation from the run's one generator.
pub fn schedule(cases: usize, repeat: u32, seed: Option<u64>) -> Vec<Step> {
    let mut rng = seed.map(StdRng::seed_from_u64);
    let mut out = Vec::with_capacity(cases * repeat as usize);
    for repetition in 1..=repeat {
        let mut round: Vec<usize> = (0..cases).collect();
        if let Some(rng) = rng.as_mut() {
            round.shuffle(rng);
        }
        out.extend(round.into_iter().map(|case| Step { repetition, case }));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matrix_order_is_round_by_round_in_scenario_order() {
        let s = schedule(3, 2, None);
        let pairs: Vec<(u32, usize)> = s.iter().map(|s| (s.repetition, s.case)).collect();
        assert_eq!(pairs, [(1, 0), (1, 1), (1, 2), (2, 0), (2, 1), (2, 2)]);
    }

    #[test]
    fn shuffled_rounds_are_permutations_and_replay_from_the_seed() {
        let a = schedule(20, 3, Some(42));
        assert_eq!(a, schedule(20, 3, Some(42)), "same seed, same order");
        assert_ne!(a, schedule(20, 3, Some(43)), "another seed, another order");
        for (r, round) in a.chunks(20).enumerate() {
            assert!(round.iter().all(|s| s.repetition == r as u32 + 1));
            let mut idx: Vec<usize> = round.iter().map(|s| s.case).collect();
            idx.sort();
            assert_eq!(
                idx,
                (0..20).collect::<Vec<_>>(),
                "round {r} runs every case once"
            );
        }
        // Rounds get fresh permutations, not one permutation repeated (for 20 cases the chance
        // that two of them coincide is 1/20!).
        assert_ne!(a[..20].iter().map(|s| s.case).collect::<Vec<_>>(), {
            a[20..40].iter().map(|s| s.case).collect::<Vec<_>>()
        });
        assert_ne!(
            a[..20].iter().map(|s| s.case).collect::<Vec<_>>(),
            (0..20).collect::<Vec<_>>()
        );
    }

    #[test]
    fn seeds_resolve_from_flag_scenario_or_os() {
        let flag = OrderSpec {
            kind: OrderKind::Shuffled,
            seed: Some(7),
        };
        assert_eq!(
            resolve_seed(flag, true, "x").unwrap(),
            Some((7, SeedSource::Flag))
        );
        let auto = OrderSpec::default();
        let (s1, src) = resolve_seed(auto, true, "name = \"a\"").unwrap().unwrap();
        assert_eq!(src, SeedSource::Scenario);
        assert_eq!(
            s1,
            seed_from_text("name = \"a\""),
            "every shard derives the same"
        );
        assert_ne!(s1, seed_from_text("name = \"b\""));
        assert_eq!(
            resolve_seed(auto, false, "").unwrap().unwrap().1,
            SeedSource::Os
        );
        let matrix = OrderSpec {
            kind: OrderKind::Matrix,
            seed: Some(7),
        };
        assert_eq!(resolve_seed(matrix, false, "").unwrap(), None);
    }
}
