//! Axis arithmetic the charts share: the "nines" percentile scale, padded ranges, and an axis
//! whose ticks sit exactly on given values (message sizes, bar groups).

use std::ops::Range;

use plotters::coord::ranged1d::{DefaultFormatting, KeyPointHint, Ranged};

/// Where percentile `p` (0..100) sits on the nines scale: 0 at 0 %, 1 at 90 %, 2 at 99 %, ...
/// This is log10(1 / (1 - p/100)), HdrHistogram's plot x axis, kept linear so ticks fall on
/// whole nines. `None` for 100 % (infinitely far right) and for nonsense input.
pub fn nines(p: f64) -> Option<f64> {
    if !(0.0..100.0).contains(&p) {
        return None;
    }
    Some(-(1.0 - p / 100.0).log10())
}

/// Tick label for a position on the nines scale: `0%`, `90%`, `99%`, `99.9%`, `99.99%`.
pub fn nines_label(x: f64) -> String {
    let p = 100.0 * (1.0 - 10f64.powf(-x));
    // Whole nines need x - 2 decimals (99.9 % has one); round the rest the same way.
    let decimals = (x.round() as i64 - 2).clamp(0, 6) as usize;
    format!("{p:.decimals$}%")
}

/// The decade range enclosing `[min, max]` for a log axis (min > 0); one decade at least, and
/// never ending right on a point (its marker would be cut in half by the frame).
pub fn log_range(min: f64, max: f64) -> (f64, f64) {
    let lo = 10f64.powf((min / 1.05).log10().floor());
    let mut hi = 10f64.powf((max * 1.05).log10().ceil());
    if hi <= lo {
        hi = lo * 10.0;
    }
    (lo, hi)
}

/// Powers of ten from `lo` to `hi` inclusive (both powers of ten, as [`log_range`] gives).
pub fn decades(lo: f64, hi: f64) -> Vec<f64> {
    let (a, b) = (lo.log10().round() as i32, hi.log10().round() as i32);
    (a..=b).map(|e| 10f64.powi(e)).collect()
}

/// Upper end of a linear axis from zero with room above the tallest point.
pub fn linear_top(max: f64) -> f64 {
    if max.is_finite() && max > 0.0 {
        max * 1.1
    } else {
        1.0
    }
}

/// Label of a tick: `1`, `10`, `0.1`, `2.5`, `2k`, without float noise or padded zeros.
pub fn log_tick(v: f64) -> String {
    if v >= 1e6 {
        format!("{}M", trim(v / 1e6))
    } else if v >= 1e3 {
        format!("{}k", trim(v / 1e3))
    } else {
        trim(v)
    }
}

fn trim(v: f64) -> String {
    let s = format!("{v:.3}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    s.to_string()
}

/// A continuous axis, linear or logarithmic, with ticks exactly at `keys`: sizes of 16, 256
/// and 1024 bytes get ticks 16, 256, 1024 rather than plotters' round 10, 100, 1000.
/// (plotters' own `with_key_points` cannot take a label formatter.)
#[derive(Debug, Clone)]
pub struct KeyedAxis {
    range: Range<f64>,
    log: bool,
    keys: Vec<f64>,
}

impl KeyedAxis {
    pub fn linear(range: Range<f64>, keys: Vec<f64>) -> Self {
        Self {
            range,
            log: false,
            keys,
        }
    }

    /// `range` must be positive.
    pub fn log(range: Range<f64>, keys: Vec<f64>) -> Self {
        Self {
            range,
            log: true,
            keys,
        }
    }

    fn position(&self, v: f64) -> f64 {
        let f = |x: f64| if self.log { x.ln() } else { x };
        (f(v) - f(self.range.start)) / (f(self.range.end) - f(self.range.start))
    }
}

impl Ranged for KeyedAxis {
    type FormatOption = DefaultFormatting;
    type ValueType = f64;

    fn map(&self, value: &f64, limit: (i32, i32)) -> i32 {
        let t = self.position(*value);
        if !t.is_finite() {
            return limit.0;
        }
        limit.0 + ((limit.1 - limit.0) as f64 * t).round() as i32
    }

    fn key_points<Hint: KeyPointHint>(&self, _hint: Hint) -> Vec<f64> {
        self.keys.clone()
    }

    fn range(&self) -> Range<f64> {
        self.range.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nines_scale_puts_whole_nines_on_integers() {
        assert_eq!(nines(0.0), Some(0.0));
        for (p, x) in [(90.0, 1.0), (99.0, 2.0), (99.9, 3.0), (99.99, 4.0)] {
            let got = nines(p).unwrap_or(f64::NAN);
            assert!((got - x).abs() < 1e-9, "{p}: {got}");
        }
        assert_eq!(nines(100.0), None);
        assert_eq!(nines(-1.0), None);
    }

    #[test]
    fn nines_labels() {
        let labels: Vec<_> = (0..5).map(|x| nines_label(x as f64)).collect();
        assert_eq!(labels, ["0%", "90%", "99%", "99.9%", "99.99%"]);
    }

    #[test]
    fn log_ranges_and_ticks() {
        assert_eq!(log_range(3.0, 450.0), (1.0, 1000.0));
        assert_eq!(log_range(10.0, 10.0), (1.0, 100.0));
        assert_eq!(log_range(0.5, 5.0), (0.1, 10.0));
        assert_eq!(decades(0.01, 10.0), [0.01, 0.1, 1.0, 10.0]);
        assert_eq!(log_tick(0.1), "0.1");
        assert_eq!(log_tick(2000.0), "2k");
        assert_eq!(log_tick(100.0), "100");
    }
}
