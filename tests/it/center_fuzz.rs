//! The Security Center's request decoder and pipeline under random and mutated input, on
//! stable Rust (the libFuzzer target `fuzz/fuzz_targets/center_request.rs` checks the same
//! properties, `center::fuzz`, where cargo-fuzz and a nightly compiler are available).
//!
//! By default a short run (20,000 inputs) that is part of `cargo test`; for a long one:
//!
//! ```sh
//! MCB_FUZZ_SECS=600 cargo test --release --test it center_fuzz:: -- --nocapture
//! ```
//!
//! `MCB_FUZZ_SEED=N` replays a run (the seed is printed, and in the failure message).

use std::time::{Duration, Instant};

use mqtt_cipher_bench::center::fuzz::Target;
use mqtt_cipher_bench::center::protocol::MAX_REQUEST;
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};

/// Lengths and values that break decoders: zero, one, the u16 edges, the limits.
const INTERESTING_U16: [u16; 9] = [0, 1, 2, 63, 64, 128, 1024, 0x7fff, 0xffff];
const INTERESTING_U8: [u8; 6] = [0, 1, 2, 0x7f, 0x80, 0xff];

fn mutate(rng: &mut StdRng, seeds: &[Vec<u8>], input: &mut Vec<u8>) {
    for _ in 0..rng.random_range(1..=4) {
        let len = input.len();
        match rng.random_range(0..9) {
            0 if len > 0 => {
                let i = rng.random_range(0..len);
                input[i] ^= 1 << rng.random_range(0..8);
            }
            1 if len > 0 => {
                let i = rng.random_range(0..len);
                input[i] = INTERESTING_U8[rng.random_range(0..INTERESTING_U8.len())];
            }
            // A length field (every string and byte string has one) set to an edge.
            2 if len > 1 => {
                let i = rng.random_range(0..len - 1);
                let v = INTERESTING_U16[rng.random_range(0..INTERESTING_U16.len())];
                input[i..i + 2].copy_from_slice(&v.to_be_bytes());
            }
            3 => input.truncate(rng.random_range(0..=len)),
            4 => {
                let n = rng.random_range(1..64);
                let at = rng.random_range(0..=len);
                let bytes: Vec<u8> = (0..n).map(|_| rng.random()).collect();
                input.splice(at..at, bytes);
            }
            5 if len > 0 => {
                let a = rng.random_range(0..len);
                let b = rng.random_range(a..=len.min(a + 64));
                input.drain(a..b);
            }
            // A range repeated (grows toward the size limit and past it).
            6 if len > 0 => {
                let a = rng.random_range(0..len);
                let b = rng.random_range(a..=len);
                let copy = input[a..b].to_vec();
                for _ in 0..rng.random_range(1..8) {
                    input.extend_from_slice(&copy);
                }
            }
            // The head of one seed and the tail of another.
            7 => {
                let other = &seeds[rng.random_range(0..seeds.len())];
                let cut = rng.random_range(0..=len);
                let from = rng.random_range(0..=other.len());
                input.truncate(cut);
                input.extend_from_slice(&other[from..]);
            }
            _ => {
                if len > 0 {
                    let i = rng.random_range(0..len);
                    input[i] = rng.random();
                }
            }
        }
    }
}

fn input(rng: &mut StdRng, seeds: &[Vec<u8>]) -> Vec<u8> {
    match rng.random_range(0..10) {
        // Random bytes, now and then longer than any request.
        0 => {
            let n = if rng.random_range(0..8) == 0 {
                rng.random_range(MAX_REQUEST - 8..MAX_REQUEST * 2)
            } else {
                rng.random_range(0..300)
            };
            (0..n).map(|_| rng.random()).collect()
        }
        // A seed as it is (granted once, a replay after).
        1 => seeds[rng.random_range(0..seeds.len())].clone(),
        _ => {
            let mut v = seeds[rng.random_range(0..seeds.len())].clone();
            mutate(rng, seeds, &mut v);
            v
        }
    }
}

#[test]
fn the_request_decoder_survives_random_and_mutated_input() {
    let seed = std::env::var("MCB_FUZZ_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            let mut b = [0u8; 8];
            getrandom::fill(&mut b).unwrap();
            u64::from_be_bytes(b)
        });
    let secs: Option<u64> = std::env::var("MCB_FUZZ_SECS")
        .ok()
        .and_then(|s| s.parse().ok());
    let (target, seeds) = Target::new().unwrap();
    // The seeds themselves hold every property (else the mutations test nothing).
    for s in &seeds {
        target.check(s).unwrap();
    }
    let stats = target.authority.take_stats();
    assert!(stats.granted > 0, "no seed granted of {}", stats.requests);

    let mut rng = StdRng::seed_from_u64(seed);
    let start = Instant::now();
    let until = secs.map(|s| start + Duration::from_secs(s));
    let (mut n, mut parsed) = (0u64, 0u64);
    loop {
        let done = match until {
            Some(t) => n % 256 == 0 && Instant::now() >= t,
            None => n >= 20_000,
        };
        if done {
            break;
        }
        let bytes = input(&mut rng, &seeds);
        if mqtt_cipher_bench::center::protocol::Request::parse(&bytes).is_ok() {
            parsed += 1;
        }
        if let Err(e) = target.check(&bytes) {
            panic!(
                "input {n} (MCB_FUZZ_SEED={seed}): {e}\ninput: {}",
                bytes.iter().map(|b| format!("{b:02x}")).collect::<String>()
            );
        }
        n += 1;
    }
    let s = target.authority.take_stats();
    eprintln!(
        "center_fuzz: seed {seed}, {n} inputs in {:.1} s, {parsed} parsed as requests; the SC \
         answered {} ({} granted, denied {:?}), {} malformed",
        start.elapsed().as_secs_f64(),
        s.requests,
        s.granted,
        s.denied,
        s.malformed
    );
    // The mutations reach past the decoder into the pipeline, or they test little.
    assert!(parsed > n / 20, "only {parsed} of {n} inputs parsed");
    assert!(s.denied.get("bad_signature").copied().unwrap_or(0) > 0);
}
