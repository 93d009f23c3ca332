//! Plaintexts: deterministic from (publisher, seq), so the subscriber can check that what it
//! decrypted is what was sent (corruption accounting) without it travelling twice.

use rand::{RngExt, SeedableRng};
use serde::Deserialize;

/// What the plaintext looks like (patterned data shows ECB leakage).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Payload {
    #[default]
    Random,
    Zeros,
    SensorJson,
}

impl Payload {
    pub fn name(self) -> &'static str {
        match self {
            Self::Random => "random",
            Self::Zeros => "zeros",
            Self::SensorJson => "sensor-json",
        }
    }
}

/// Source of plaintexts for one case.
pub struct PayloadSource {
    kind: Payload,
    size: usize,
    /// Random bytes, longer than `size`, from which each message takes a window.
    pool: Vec<u8>,
}

const POOL_EXTRA: usize = 4096;

impl PayloadSource {
    /// `seed` makes the pool reproducible; publishers and subscribers of a case share it.
    pub fn new(kind: Payload, size: usize, seed: u64) -> Self {
        let pool = match kind {
            Payload::Random => {
                let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
                let mut v = vec![0u8; size + POOL_EXTRA];
                rng.fill(&mut v[..]);
                v
            }
            Payload::Zeros | Payload::SensorJson => Vec::new(),
        };
        Self { kind, size, pool }
    }

    pub fn size(&self) -> usize {
        self.size
    }

    /// Writes the plaintext of (publisher, seq) into `out` (cleared first).
    pub fn fill(&self, publisher: u32, seq: u64, out: &mut Vec<u8>) {
        out.clear();
        match self.kind {
            Payload::Random => {
                let off = ((seq.wrapping_mul(7919) ^ u64::from(publisher).wrapping_mul(104_729))
                    % POOL_EXTRA as u64) as usize;
                out.extend_from_slice(&self.pool[off..off + self.size]);
            }
            Payload::Zeros => out.resize(self.size, 0),
            Payload::SensorJson => sensor_json(publisher, seq, self.size, out),
        }
    }

    /// True when `plaintext` is what (publisher, seq) sent; `scratch` avoids an allocation.
    pub fn matches(
        &self,
        publisher: u32,
        seq: u64,
        plaintext: &[u8],
        scratch: &mut Vec<u8>,
    ) -> bool {
        self.fill(publisher, seq, scratch);
        scratch.as_slice() == plaintext
    }
}

/// A sensor reading as a device would send it, repeated in a JSON array to fill `size`
/// bytes: realistic text with the repetition that makes ECB's leak visible.
fn sensor_json(publisher: u32, seq: u64, size: usize, out: &mut Vec<u8>) {
    use std::io::Write;
    let temp = 18.0 + (seq % 100) as f64 / 10.0;
    let hum = 40.0 + (publisher % 20) as f64;
    let _ = write!(
        out,
        "{{\"device\":\"sensor-{publisher:04}\",\"seq\":{seq},\"readings\":["
    );
    let reading = format!("{{\"temp_c\":{temp:.1},\"humidity\":{hum:.1},\"status\":\"ok\"}}");
    let mut first = true;
    while out.len() + reading.len() + 3 <= size {
        if !first {
            out.push(b',');
        }
        out.extend_from_slice(reading.as_bytes());
        first = false;
    }
    out.extend_from_slice(b"]}");
    // Exact size: pad with spaces (valid JSON whitespace) or cut (tiny sizes cannot hold JSON).
    out.resize(size, b' ');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deterministic_exact_size_and_distinct() {
        for kind in [Payload::Random, Payload::Zeros, Payload::SensorJson] {
            for size in [1, 2, 16, 200, 1024, 65536] {
                let src = PayloadSource::new(kind, size, 42);
                let mut a = Vec::new();
                let mut b = Vec::new();
                src.fill(3, 17, &mut a);
                assert_eq!(a.len(), size);
                assert!(src.matches(3, 17, &a, &mut b));
                if kind == Payload::Random && size >= 16 {
                    src.fill(3, 18, &mut b);
                    assert_ne!(a, b, "consecutive messages differ");
                }
            }
        }
        let src = PayloadSource::new(Payload::SensorJson, 256, 0);
        let mut v = Vec::new();
        src.fill(1, 2, &mut v);
        let text = String::from_utf8(v).unwrap();
        assert!(
            text.starts_with("{\"device\":\"sensor-0001\",\"seq\":2,"),
            "{text}"
        );
        assert!(text.trim_end().ends_with("]}"), "{text}");
    }
}
