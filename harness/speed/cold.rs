//! Cold-cache timing: each call timed alone, right after the core's private caches were
//! filled with other data, as a device's thread finds them when one message every few
//! milliseconds is all it encrypts.
//!
//! The hot figures (`sample::measure`) run an operation millions of times in a row, so its
//! key schedule, S-boxes and buffers never leave L1. A publisher sending 100 messages a second
//! sleeps between messages while the broker, the subscriber and the kernel use the core: each
//! encrypt then starts by fetching its tables from L3 or memory. For small messages that fetch
//! is most of the cost, and it ranks suites by their memory footprint (Blowfish's key-dependent
//! S-boxes and P-array, 4,168 B or 66 cache lines; DES's 512 B of S-boxes and 128 B of round
//! keys; AES-128's 176 B of round keys with AES-NI) rather than by their arithmetic. Measuring both
//! lets a reader see which effect an in-run figure shows.
//!
//! What is evicted: the data caches private to the core (L1d and L2), by writing one byte per
//! cache line of a buffer twice the size of L2 and reading it back. The code stays warm
//! (instruction cache, branch predictors, TLB entries for the code), so a cold figure here is a
//! lower bound on a truly cold call.

use std::time::Instant;

use crate::crypto::CryptoError;

use super::sample::{Budget, Rate};

/// Bytes between two writes of the eviction pass: one per cache line.
const LINE: usize = 64;
/// L2 size assumed where sysfs does not say (a common size for server cores).
const DEFAULT_L2: usize = 2 << 20;
/// Fewest and most single-call samples of one cold cell.
pub const MIN_SHOTS: u32 = 31;
pub const MAX_SHOTS: u32 = 2000;

/// The buffer whose pass evicts the private caches.
pub struct Evictor {
    buf: Vec<u8>,
    /// The pass's own time, ns (median of a few), to size the sample count.
    pass_ns: f64,
}

impl Evictor {
    /// A buffer twice the size of this core's L2 (from sysfs, or [`DEFAULT_L2`]).
    pub fn new() -> Self {
        let bytes = 2 * l2_bytes().unwrap_or(DEFAULT_L2);
        let mut e = Self {
            buf: vec![1u8; bytes],
            pass_ns: 0.0,
        };
        let mut t: Vec<f64> = (0..5)
            .map(|_| {
                let s = Instant::now();
                e.evict();
                s.elapsed().as_secs_f64() * 1e9
            })
            .collect();
        t.sort_by(f64::total_cmp);
        e.pass_ns = t[2];
        e
    }

    /// One eviction pass, ns.
    pub fn pass_ns(&self) -> f64 {
        self.pass_ns
    }

    /// Size of the eviction buffer, bytes.
    pub fn bytes(&self) -> usize {
        self.buf.len()
    }

    /// Writes every cache line of the buffer and reads it back, so the lines the measured
    /// operation used are gone from L1 and L2.
    #[inline(never)]
    pub fn evict(&mut self) {
        let mut sum = 0u8;
        for i in (0..self.buf.len()).step_by(LINE) {
            self.buf[i] = self.buf[i].wrapping_add(1);
        }
        for i in (0..self.buf.len()).step_by(LINE) {
            sum = sum.wrapping_add(self.buf[i]);
        }
        std::hint::black_box(sum);
    }
}

impl Default for Evictor {
    fn default() -> Self {
        Self::new()
    }
}

/// L2 size of CPU 0 from sysfs (`index2` is L2 on Linux's x86 and arm64 layouts; the level file
/// is checked so another layout is not misread).
fn l2_bytes() -> Option<usize> {
    for index in 0..8 {
        let dir = format!("/sys/devices/system/cpu/cpu0/cache/index{index}");
        let level = std::fs::read_to_string(format!("{dir}/level")).ok()?;
        if level.trim() != "2" {
            continue;
        }
        let size = std::fs::read_to_string(format!("{dir}/size")).ok()?;
        return parse_size(size.trim());
    }
    None
}

/// "2048K", "4M" or a plain byte count.
fn parse_size(s: &str) -> Option<usize> {
    let (digits, unit) = match s.char_indices().find(|(_, c)| !c.is_ascii_digit()) {
        Some((i, _)) => s.split_at(i),
        None => (s, ""),
    };
    let n: usize = digits.parse().ok()?;
    match unit {
        "" => Some(n),
        "K" => Some(n << 10),
        "M" => Some(n << 20),
        _ => None,
    }
}

/// Times `op` cold: evict, one call under the clock, repeated. The sample count fills
/// `budget.measure` (each sample costs an eviction pass), between [`MIN_SHOTS`] and
/// [`MAX_SHOTS`]; the median and its 95% interval are over single calls, so
/// `iters_per_sample` is 1. One warm call first keeps a lazy initialisation out of the figures.
pub fn measure_cold(
    budget: Budget,
    bytes_per_op: usize,
    evictor: &mut Evictor,
    mut op: impl FnMut() -> Result<(), CryptoError>,
) -> Result<Rate, CryptoError> {
    op()?;
    let shots = shots(budget.measure.as_secs_f64() * 1e9, evictor.pass_ns);
    let mut sample_ns = Vec::with_capacity(shots as usize);
    for _ in 0..shots {
        evictor.evict();
        let start = Instant::now();
        op()?;
        sample_ns.push(start.elapsed().as_secs_f64() * 1e9);
    }
    Ok(Rate::from_samples(sample_ns, 1, bytes_per_op))
}

/// An empty call timed cold: the clock's two reads after an eviction, the floor of every cold
/// figure.
pub fn baseline(budget: Budget, evictor: &mut Evictor) -> Rate {
    match measure_cold(budget, 0, evictor, || Ok(())) {
        Ok(r) => r,
        Err(_) => unreachable!("the empty call cannot fail"),
    }
}

/// Single-call samples that fit `budget_ns` at `pass_ns` per eviction.
fn shots(budget_ns: f64, pass_ns: f64) -> u32 {
    if pass_ns <= 0.0 {
        return MIN_SHOTS;
    }
    (budget_ns / pass_ns).clamp(f64::from(MIN_SHOTS), f64::from(MAX_SHOTS)) as u32
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn cache_sizes_parse_as_sysfs_writes_them() {
        assert_eq!(parse_size("2048K"), Some(2 << 20));
        assert_eq!(parse_size("4M"), Some(4 << 20));
        assert_eq!(parse_size("65536"), Some(65536));
        assert_eq!(parse_size("12X"), None);
        assert_eq!(parse_size(""), None);
    }

    #[test]
    fn the_sample_count_fills_the_budget_within_its_bounds() {
        assert_eq!(shots(60e6, 300e3), 200);
        assert_eq!(shots(1e6, 300e3), MIN_SHOTS);
        assert_eq!(shots(10e9, 1e3), MAX_SHOTS);
        assert_eq!(shots(1e6, 0.0), MIN_SHOTS);
    }

    /// A pointer chase over 1,024 cache lines (64 KiB, more than L1d), each load waiting for
    /// the one before, in an order the prefetcher cannot follow: cold, every step is a miss
    /// to L3 or memory, hot it is not. Compared within one process, with a factor far below
    /// what any cache hierarchy gives (a machine that is merely slow cannot fail it).
    #[test]
    fn an_evicted_table_walk_is_dearer_than_a_hot_one() {
        const LINES: usize = 1024;
        // Line i points to line (i + 617) mod 1024; 617 is prime to 1,024, so the chase visits
        // every line once, scattered.
        let mut table = vec![0usize; LINES * 8];
        for i in 0..LINES {
            table[i * 8] = ((i + 617) % LINES) * 8;
        }
        let walk = || {
            let mut at = 0;
            for _ in 0..LINES {
                at = table[at];
            }
            std::hint::black_box(at);
            Ok(())
        };
        let budget = Budget {
            warm_up: Duration::from_millis(5),
            measure: Duration::from_millis(40),
            samples: 10,
        };
        // Hot the same way, single calls, so that both medians shrug off a preemption (other
        // tests share the cores).
        let mut hot_ns: Vec<f64> = (0..201)
            .map(|_| {
                let t = Instant::now();
                walk().unwrap();
                t.elapsed().as_secs_f64() * 1e9
            })
            .collect();
        hot_ns.sort_by(f64::total_cmp);
        let hot = hot_ns[100];
        let mut ev = Evictor::new();
        assert!(ev.bytes() >= 2 * (256 << 10), "{}", ev.bytes());
        let cold = measure_cold(budget, 0, &mut ev, walk).unwrap();
        eprintln!("hot {hot:.0} ns, cold {:.0} ns", cold.median_ns);
        assert_eq!(cold.iters_per_sample, 1);
        assert!(cold.samples >= MIN_SHOTS);
        assert!(
            cold.median_ns > 1.5 * hot,
            "cold {} ns vs hot {hot} ns",
            cold.median_ns
        );
    }
}
