//! One cell's measurement, the way criterion takes one: warm up, calibrate an iteration count
//! from the warm-up, then time `samples` batches of that many calls, and summarize the
//! per-batch means by their median and a distribution-free 95% interval.
//!
//! Only the calls are inside the clock: the caller prepares inputs and output buffers before
//! handing the operation over, and the loop around the calls is a counter and a branch.

use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use crate::crypto::CryptoError;
use crate::results::repetitions::estimate;

/// A cell whose 95% interval is wider than this fraction of its median is marked `wide`.
pub const WIDE: f64 = 0.10;

/// How long to warm up and how long to measure one cell.
#[derive(Debug, Clone, Copy)]
pub struct Budget {
    pub warm_up: Duration,
    /// Time the samples together should take (each about `measure / samples`).
    pub measure: Duration,
    pub samples: u32,
}

impl Budget {
    /// The default warm-up for a measuring time: a tenth of it, at least 20 ms (enough for the
    /// CPU to leave a low-power state and for caches and branch predictors to fill).
    pub fn default_warm_up(measure: Duration) -> Duration {
        (measure / 10).max(Duration::from_millis(20))
    }

    /// The same budget scaled by `f` (warm-up and measuring time; the sample count stays).
    pub fn scaled(self, f: u32) -> Self {
        Self {
            warm_up: self.warm_up / f,
            measure: self.measure / f,
            samples: self.samples,
        }
    }
}

/// The time per operation of one cell.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Rate {
    /// Median over the samples of each sample's mean time per operation, ns.
    pub median_ns: f64,
    /// Lower end of the distribution-free interval around the median, ns.
    pub low_ns: f64,
    /// Upper end of that interval, ns.
    pub high_ns: f64,
    /// Coverage of [low_ns, high_ns] (at least 0.95 from 8 samples on; 5-7 samples give the
    /// full range with its lower coverage).
    pub confidence: f64,
    /// Number of timed samples.
    pub samples: u32,
    /// Operations per sample, calibrated from the warm-up.
    pub iters_per_sample: u64,
    /// The interval is wider than 10% of the median: the machine was too noisy for this cell.
    pub wide: bool,
    /// Operations per second at the median.
    pub ops_per_s: f64,
    /// 1000s of bytes per second at the median (openssl speed's unit); 0 when an operation
    /// has no byte size (signatures, key setup).
    pub kbytes_per_s: f64,
    /// Each sample's mean ns per operation, in the order they were taken.
    #[serde(default)]
    pub sample_ns: Vec<f64>,
}

impl Rate {
    /// Summarizes per-sample means (ns per operation) of operations on `bytes_per_op` bytes.
    pub fn from_samples(sample_ns: Vec<f64>, iters_per_sample: u64, bytes_per_op: usize) -> Self {
        let e = estimate(sample_ns.clone());
        let ops_per_s = if e.median > 0.0 { 1e9 / e.median } else { 0.0 };
        Self {
            median_ns: e.median,
            low_ns: e.low,
            high_ns: e.high,
            confidence: e.confidence,
            samples: sample_ns.len() as u32,
            iters_per_sample,
            wide: e.median > 0.0 && (e.high - e.low) > WIDE * e.median,
            ops_per_s,
            kbytes_per_s: ops_per_s * bytes_per_op as f64 / 1000.0,
            sample_ns,
        }
    }

    /// The interval's larger distance from the median, as a fraction of the median.
    pub fn half_width(&self) -> f64 {
        if self.median_ns > 0.0 {
            (self.high_ns - self.median_ns).max(self.median_ns - self.low_ns) / self.median_ns
        } else {
            0.0
        }
    }
}

/// Measures `op` under `budget`: warm-up, calibration, `budget.samples` timed batches.
/// `bytes_per_op` only feeds the kB/s figure. The first error of `op` ends the cell.
pub fn measure(
    budget: Budget,
    bytes_per_op: usize,
    mut op: impl FnMut() -> Result<(), CryptoError>,
) -> Result<Rate, CryptoError> {
    let per_op = warm_up(budget.warm_up, &mut op)?;
    let samples = budget.samples.max(1);
    let target = budget.measure.as_secs_f64() / f64::from(samples);
    let iters = iterations(target, per_op);
    let mut sample_ns = Vec::with_capacity(samples as usize);
    for _ in 0..samples {
        let start = Instant::now();
        for _ in 0..iters {
            op()?;
        }
        let elapsed = start.elapsed();
        sample_ns.push(elapsed.as_secs_f64() * 1e9 / iters as f64);
    }
    Ok(Rate::from_samples(sample_ns, iters, bytes_per_op))
}

/// Runs `op` in doubling batches until `time` has passed (at least one call); returns the
/// seconds per call of the batches after the first, which pays the cold start.
fn warm_up(
    time: Duration,
    op: &mut impl FnMut() -> Result<(), CryptoError>,
) -> Result<f64, CryptoError> {
    let start = Instant::now();
    op()?;
    let first = start.elapsed();
    let (mut calls, mut batch) = (0u64, 1u64);
    let steady = Instant::now();
    while start.elapsed() < time {
        for _ in 0..batch {
            op()?;
        }
        calls += batch;
        batch = batch.saturating_mul(2).min(1 << 24);
    }
    Ok(if calls == 0 {
        first.as_secs_f64()
    } else {
        steady.elapsed().as_secs_f64() / calls as f64
    })
}

/// Calls per sample so that a sample takes about `target` seconds at `per_op` seconds a call.
fn iterations(target: f64, per_op: f64) -> u64 {
    if per_op <= 0.0 {
        return 1 << 20;
    }
    (target / per_op).round().clamp(1.0, (1u64 << 32) as f64) as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn calibration_aims_at_the_sample_time() {
        assert_eq!(iterations(0.03, 1e-7), 300_000);
        assert_eq!(iterations(0.03, 0.5), 1);
        assert_eq!(iterations(0.03, 0.0), 1 << 20);
    }

    #[test]
    fn a_spin_of_known_length_is_measured_as_such() {
        // An operation that waits 50 µs of wall time: every sample mean must be at least that,
        // and the calibrated batch must fill roughly its share of the budget.
        let budget = Budget {
            warm_up: Duration::from_millis(5),
            measure: Duration::from_millis(50),
            samples: 10,
        };
        let rate = measure(budget, 1000, || {
            let t = Instant::now();
            while t.elapsed() < Duration::from_micros(50) {
                std::hint::spin_loop();
            }
            Ok(())
        })
        .unwrap();
        assert_eq!(rate.samples, 10);
        assert_eq!(rate.sample_ns.len(), 10);
        assert!(rate.sample_ns.iter().all(|&s| s >= 50_000.0), "{rate:?}");
        assert!(rate.low_ns <= rate.median_ns && rate.median_ns <= rate.high_ns);
        assert!(rate.confidence >= 0.95);
        // 5 ms per sample at ≥ 50 µs per call: at most 100 calls, and far more than one.
        assert!((10..=100).contains(&rate.iters_per_sample), "{rate:?}");
        let expect_kbs = 1e9 / rate.median_ns * 1000.0 / 1000.0;
        assert!((rate.kbytes_per_s - expect_kbs).abs() < 1e-6);
    }

    #[test]
    fn wide_marks_noisy_cells_only() {
        let steady = Rate::from_samples(vec![100.0, 101.0, 99.0, 100.5, 100.2], 10, 16);
        assert!(!steady.wide, "{steady:?}");
        assert!(steady.half_width() < 0.02);
        let noisy = Rate::from_samples(vec![100.0, 150.0, 90.0, 130.0, 100.0], 10, 16);
        assert!(noisy.wide, "{noisy:?}");
        // Five samples cannot reach 95%: the full range, with its honest coverage.
        assert_eq!((noisy.low_ns, noisy.high_ns), (90.0, 150.0));
        assert!(noisy.confidence < 0.95);
    }

    #[test]
    fn an_error_ends_the_cell() {
        let budget = Budget {
            warm_up: Duration::from_millis(1),
            measure: Duration::from_millis(1),
            samples: 5,
        };
        let mut calls = 0;
        let r = measure(budget, 0, || {
            calls += 1;
            if calls > 3 {
                Err(CryptoError::Authentication)
            } else {
                Ok(())
            }
        });
        assert_eq!(r, Err(CryptoError::Authentication));
    }
}
