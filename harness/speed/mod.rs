//! `speed`: an `openssl speed`-style measurement of every suite, in-process, no broker.
//!
//! ```no_run
//! use mqtt_cipher_bench::speed::{SpeedOptions, run, print_table};
//! let report = run(&SpeedOptions::default()); // every suite, default sizes, 100 ms per cell
//! print_table(&report, &mut std::io::stdout()).unwrap();
//! println!("{}", serde_json::to_string_pretty(&report).unwrap()); // what `speed --json` prints
//! ```
//!
//! What is measured, per suite and plaintext size:
//! - **encrypt**: `Sealer::seal` of a fixed plaintext with a fixed IV and a 48-byte AAD into a
//!   reused buffer (IV generation and envelope framing are not included, as in `openssl speed`);
//! - **decrypt**: `Opener::open` of that body (tag check included for AEADs and hybrids);
//! - each as operations per second and **1000s of plaintext bytes per second** (openssl's unit);
//! - **key setup**: constructing the sealer (and, separately, the opener) from a topic's keys:
//!   the per-topic key schedule, e.g. Blowfish's 29 µs. Hybrid key pairs are generated before
//!   timing (a run does that in setup), so their setup is the public/private key copy only.
//!
//! Besides the suites: sign/s and verify/s of every signature algorithm over a 64-byte message
//! (one key pair per algorithm, generated before timing), and P-256 ECDH derivations/s (the
//! per-message public-key cost of `ecies-p256` beyond its ephemeral key generation).
//!
//! Every cell runs for at least `min_time` after one warm-up call; batches double until a batch
//! is a sixteenth of `min_time`, so the clock is read rarely even for 2-byte messages.
//! A failing cell (which would be a bug) is reported with zero rates and its error, never hidden.

use std::io::{self, Write};
use std::time::{Duration, Instant};

use serde::Serialize;

use crate::crypto::keys::KeyRing;
use crate::crypto::signature::SigAlg;
use crate::crypto::{CryptoError, Suite};

/// The sizes `openssl speed` uses plus the seeds' message sizes (2–200 bytes).
pub const DEFAULT_SIZES: [usize; 11] = [2, 16, 20, 50, 64, 100, 200, 256, 1024, 8192, 16384];

/// AAD of the measurements: a realistic topic ‖ envelope header length.
const AAD_LEN: usize = 48;
/// Message signed in the signature measurements.
const SIGNED_LEN: usize = 64;

#[derive(Debug, Clone)]
pub struct SpeedOptions {
    /// Suites to measure; empty means every suite of the catalogue.
    pub suites: Vec<Suite>,
    /// Plaintext sizes in bytes.
    pub sizes: Vec<usize>,
    /// Minimum measuring time of each cell (suite x size x direction, signature x operation).
    pub min_time: Duration,
}

impl Default for SpeedOptions {
    fn default() -> Self {
        Self {
            suites: Vec::new(),
            sizes: DEFAULT_SIZES.to_vec(),
            min_time: Duration::from_millis(100),
        }
    }
}

/// Throughput of one cell.
#[derive(Debug, Clone, Serialize)]
pub struct Rate {
    pub ops: u64,
    pub seconds: f64,
    pub ops_per_s: f64,
    pub ns_per_op: f64,
    /// 1000s of plaintext bytes per second (openssl speed's unit); 0 for size 0.
    pub kbytes_per_s: f64,
}

impl Rate {
    fn new(ops: u64, elapsed: Duration, bytes_per_op: usize) -> Self {
        let seconds = elapsed.as_secs_f64();
        let ops_per_s = if seconds > 0.0 {
            ops as f64 / seconds
        } else {
            0.0
        };
        Self {
            ops,
            seconds,
            ops_per_s,
            ns_per_op: if ops > 0 {
                seconds * 1e9 / ops as f64
            } else {
                0.0
            },
            kbytes_per_s: ops_per_s * bytes_per_op as f64 / 1000.0,
        }
    }

    fn zero() -> Self {
        Self::new(0, Duration::ZERO, 0)
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct SizeSpeed {
    pub size: usize,
    /// Body bytes the suite produces for this size (padding, tag, wrapped key included).
    pub body_len: usize,
    pub encrypt: Rate,
    pub decrypt: Rate,
}

#[derive(Debug, Clone, Serialize)]
pub struct SuiteSpeed {
    pub suite: Suite,
    pub id: u8,
    /// Constructing the sealer from the topic's keys (the key schedule), ns.
    pub key_setup_ns: f64,
    /// Constructing the opener, ns.
    pub opener_setup_ns: f64,
    pub sizes: Vec<SizeSpeed>,
    /// Why a cell could not be measured (None when everything ran).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct SignatureSpeed {
    pub alg: SigAlg,
    pub sign: Rate,
    pub verify: Rate,
    /// One key pair generation, ms (RSA key generation time varies a lot between runs).
    pub keygen_ms: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct SpeedReport {
    pub min_time_ms: f64,
    pub sizes: Vec<usize>,
    pub suites: Vec<SuiteSpeed>,
    pub signatures: Vec<SignatureSpeed>,
    /// P-256 ECDH shared-secret derivations per second.
    pub ecdh_p256: Rate,
}

/// Runs `op` for at least `min_time` after one warm-up call.
fn measure(
    min_time: Duration,
    bytes_per_op: usize,
    mut op: impl FnMut() -> Result<(), CryptoError>,
) -> Result<Rate, CryptoError> {
    op()?;
    let mut ops = 0u64;
    let mut batch = 1u64;
    let start = Instant::now();
    loop {
        for _ in 0..batch {
            op()?;
        }
        ops += batch;
        let elapsed = start.elapsed();
        if elapsed >= min_time {
            return Ok(Rate::new(ops, elapsed, bytes_per_op));
        }
        if elapsed < min_time / 16 && batch < 1 << 24 {
            batch *= 2;
        }
    }
}

fn measure_suite(ring: &KeyRing, suite: Suite, opts: &SpeedOptions) -> SuiteSpeed {
    let mut report = SuiteSpeed {
        suite,
        id: suite.id(),
        key_setup_ns: 0.0,
        opener_setup_ns: 0.0,
        sizes: Vec::new(),
        error: None,
    };
    if let Err(e) = fill_suite(ring, suite, opts, &mut report) {
        report.error = Some(e.to_string());
    }
    report
}

fn fill_suite(
    ring: &KeyRing,
    suite: Suite,
    opts: &SpeedOptions,
    report: &mut SuiteSpeed,
) -> Result<(), CryptoError> {
    // Key pairs are generated here, before any clock runs.
    let keys = ring.topic_keys(suite, "speed/topic")?;
    let setup_time = opts.min_time / 4;
    report.key_setup_ns = measure(setup_time, 0, || suite.sealer(&keys).map(drop))?.ns_per_op;
    report.opener_setup_ns = measure(setup_time, 0, || suite.opener(&keys).map(drop))?.ns_per_op;

    let mut sealer = suite.sealer(&keys)?;
    let mut opener = suite.opener(&keys)?;
    let iv: Vec<u8> = (0..suite.iv_len() as u8).collect();
    let aad = vec![0xa5u8; AAD_LEN];
    for &size in &opts.sizes {
        let pt: Vec<u8> = (0..size).map(|i| i as u8).collect();
        let mut out = Vec::with_capacity(suite.body_len(size) + 64);
        let encrypt = measure(opts.min_time, size, || {
            out.clear();
            sealer.seal(&iv, &aad, &pt, &mut out)
        });
        let body = out.clone();
        let decrypt = measure(opts.min_time, size, || {
            out.clear();
            opener.open(&iv, &aad, &body, &mut out)
        });
        report.sizes.push(SizeSpeed {
            size,
            body_len: body.len(),
            encrypt: encrypt?,
            decrypt: decrypt?,
        });
    }
    Ok(())
}

fn measure_signature(ring: &KeyRing, alg: SigAlg, min_time: Duration) -> SignatureSpeed {
    let mut report = SignatureSpeed {
        alg,
        sign: Rate::zero(),
        verify: Rate::zero(),
        keygen_ms: 0.0,
        error: None,
    };
    let result = (|| {
        let start = Instant::now();
        ring.signing_pair(alg, 0)?;
        report.keygen_ms = start.elapsed().as_secs_f64() * 1e3;
        let mut signer = alg.signer(ring, 0)?;
        let mut verifier = alg.verifier(ring, 0)?;
        let msg = vec![0x5au8; SIGNED_LEN];
        let mut sig = Vec::with_capacity(alg.sig_len());
        report.sign = measure(min_time, 0, || {
            sig.clear();
            signer.sign(&msg, &mut sig)
        })?;
        report.verify = measure(min_time, 0, || verifier.verify(&msg, &sig))?;
        Ok::<_, CryptoError>(())
    })();
    if let Err(e) = result {
        report.error = Some(e.to_string());
    }
    report
}

fn measure_ecdh(min_time: Duration) -> Rate {
    use p256::elliptic_curve::Generate;
    let mut rng = rand::rng();
    let ours = p256::SecretKey::generate_from_rng(&mut rng);
    let theirs = p256::SecretKey::generate_from_rng(&mut rng).public_key();
    let scalar = ours.to_nonzero_scalar();
    measure(min_time, 0, || {
        let shared = p256::ecdh::diffie_hellman(scalar, theirs.as_affine());
        std::hint::black_box(shared.raw_secret_bytes());
        Ok(())
    })
    .unwrap_or_else(|_| Rate::zero())
}

/// Measures the suites, sizes and every signature algorithm of `opts`.
pub fn run(opts: &SpeedOptions) -> SpeedReport {
    let ring = KeyRing::from_seed(b"mqtt-cipher-bench/speed");
    let suites: Vec<Suite> = if opts.suites.is_empty() {
        Suite::all().collect()
    } else {
        opts.suites.clone()
    };
    SpeedReport {
        min_time_ms: opts.min_time.as_secs_f64() * 1e3,
        sizes: opts.sizes.clone(),
        suites: suites
            .into_iter()
            .map(|s| measure_suite(&ring, s, opts))
            .collect(),
        signatures: SigAlg::ALL
            .into_iter()
            .filter(|a| *a != SigAlg::None)
            .map(|a| measure_signature(&ring, a, opts.min_time))
            .collect(),
        ecdh_p256: measure_ecdh(opts.min_time),
    }
}

/// Prints the report the way `openssl speed` does: one row per suite, one column per size, in
/// 1000s of bytes per second, first encrypt then decrypt; then key setup, signatures and ECDH.
pub fn print_table(report: &SpeedReport, out: &mut impl Write) -> io::Result<()> {
    const NAME: usize = 20;
    for (title, pick) in [
        (
            "encrypt",
            (|s: &SizeSpeed| &s.encrypt) as fn(&SizeSpeed) -> &Rate,
        ),
        ("decrypt", |s: &SizeSpeed| &s.decrypt),
    ] {
        writeln!(
            out,
            "{title}: the 'numbers' are in 1000s of bytes per second processed (min {:.0} ms per cell)",
            report.min_time_ms
        )?;
        write!(out, "{:<NAME$}", "type")?;
        for size in &report.sizes {
            write!(out, " {:>12}", format!("{size} bytes"))?;
        }
        writeln!(out)?;
        for suite in &report.suites {
            write!(out, "{:<NAME$}", suite.suite.name())?;
            for cell in &suite.sizes {
                write!(out, " {:>11.2}k", pick(cell).kbytes_per_s)?;
            }
            if let Some(e) = &suite.error {
                write!(out, "  error: {e}")?;
            }
            writeln!(out)?;
        }
        writeln!(out)?;
    }

    writeln!(out, "key setup per topic (ns)")?;
    writeln!(out, "{:<NAME$} {:>12} {:>12}", "type", "sealer", "opener")?;
    for suite in &report.suites {
        writeln!(
            out,
            "{:<NAME$} {:>12.0} {:>12.0}",
            suite.suite.name(),
            suite.key_setup_ns,
            suite.opener_setup_ns
        )?;
    }
    writeln!(out)?;

    writeln!(out, "signatures over {SIGNED_LEN} bytes")?;
    writeln!(
        out,
        "{:<NAME$} {:>12} {:>12} {:>10} {:>10} {:>11}",
        "type", "sign", "verify", "sign/s", "verify/s", "keygen"
    )?;
    for sig in &report.signatures {
        write!(
            out,
            "{:<NAME$} {:>10.1}µs {:>10.1}µs {:>10.1} {:>10.1} {:>9.1}ms",
            sig.alg.name(),
            sig.sign.ns_per_op / 1e3,
            sig.verify.ns_per_op / 1e3,
            sig.sign.ops_per_s,
            sig.verify.ops_per_s,
            sig.keygen_ms
        )?;
        if let Some(e) = &sig.error {
            write!(out, "  error: {e}")?;
        }
        writeln!(out)?;
    }
    writeln!(out)?;
    writeln!(
        out,
        "{:<NAME$} {:>10.1}µs {:>10.1} op/s",
        "ecdh-p256",
        report.ecdh_p256.ns_per_op / 1e3,
        report.ecdh_p256.ops_per_s
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tiny_run_has_every_cell_and_prints() {
        let suites: Vec<Suite> = ["aes-128-gcm", "des-cbc", "ecies-p256"]
            .iter()
            .map(|n| Suite::from_name(n).unwrap())
            .collect();
        let report = run(&SpeedOptions {
            suites: suites.clone(),
            sizes: vec![2, 16],
            min_time: Duration::from_millis(2),
        });
        assert_eq!(report.suites.len(), 3);
        for (s, r) in suites.iter().zip(&report.suites) {
            assert_eq!(r.error, None);
            assert_eq!(r.sizes.len(), 2);
            assert!(r.key_setup_ns > 0.0);
            for cell in &r.sizes {
                assert!(cell.encrypt.ops > 0 && cell.decrypt.ops > 0);
                assert!(cell.encrypt.seconds >= 0.002);
                assert_eq!(cell.body_len, s.body_len(cell.size));
                let expect = cell.encrypt.ops_per_s * cell.size as f64 / 1000.0;
                assert!((cell.encrypt.kbytes_per_s - expect).abs() < 1e-6);
            }
        }
        assert_eq!(report.signatures.len(), 4);
        assert!(
            report
                .signatures
                .iter()
                .all(|s| s.error.is_none() && s.verify.ops > 0)
        );
        assert!(report.ecdh_p256.ops > 0);

        let mut text = Vec::new();
        print_table(&report, &mut text).unwrap();
        let text = String::from_utf8(text).unwrap();
        for needle in [
            "aes-128-gcm",
            "des-cbc",
            "16 bytes",
            "rsa-3072-pss",
            "ecdh-p256",
        ] {
            assert!(text.contains(needle), "{needle} missing in\n{text}");
        }
        let json = serde_json::to_value(&report).unwrap();
        assert_eq!(json["suites"][0]["suite"], "aes-128-gcm");
        assert_eq!(json["signatures"][0]["alg"], "ecdsa-p256");
    }
}
