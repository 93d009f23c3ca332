//! Suites (encrypt, decrypt per size), key setup per suite, hmac-sha256 per size, signatures
//! (sign, verify) and P-256 ECDH.
//!
//! Each benchmark takes 50 samples over 2 s after a 1 s warm-up, so criterion's bootstrap
//! intervals and outlier classification have enough samples to mean something; the whole
//! crypto set is about 450 benchmarks (~25 min), so filter, e.g.
//! `cargo bench -- 'suite/aes-128-(cbc|pcbc)/'`. `cargo test --all-targets` runs each benchmark
//! once (criterion's test mode), whatever these settings.

use std::hint::black_box;
use std::time::Duration;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group};
use mqtt_cipher_bench::crypto::Suite;
use mqtt_cipher_bench::crypto::keys::KeyRing;
use mqtt_cipher_bench::crypto::mac::TopicMac;
use mqtt_cipher_bench::crypto::signature::SigAlg;

/// A seed-sized message, a typical sensor payload, a kilobyte and openssl's largest size.
const SIZES: [usize; 4] = [16, 200, 1024, 16384];
const AAD: [u8; 48] = [0xa5; 48];

fn config() -> Criterion {
    Criterion::default()
        .sample_size(50)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(2))
}

fn ring() -> KeyRing {
    KeyRing::from_seed(b"mqtt-cipher-bench/bench")
}

fn suites(c: &mut Criterion) {
    let ring = ring();
    for suite in Suite::all() {
        let keys = ring
            .topic_keys(suite, "bench")
            .expect("keys for every suite");
        let mut sealer = suite.sealer(&keys).expect("sealer");
        let mut opener = suite.opener(&keys).expect("opener");
        let iv: Vec<u8> = (0..suite.iv_len() as u8).collect();
        let mut group = c.benchmark_group(format!("suite/{}", suite.name()));
        for size in SIZES {
            let pt = vec![0x42u8; size];
            let mut body = Vec::with_capacity(suite.body_len(size));
            sealer.seal(&iv, &AAD, &pt, &mut body).expect("seal");
            let mut out = Vec::with_capacity(body.len() + 64);
            group.throughput(Throughput::Bytes(size as u64));
            group.bench_with_input(BenchmarkId::new("encrypt", size), &pt, |b, pt| {
                b.iter(|| {
                    out.clear();
                    sealer
                        .seal(&iv, &AAD, black_box(pt), &mut out)
                        .expect("seal");
                })
            });
            group.bench_with_input(BenchmarkId::new("decrypt", size), &body, |b, body| {
                b.iter(|| {
                    out.clear();
                    opener
                        .open(&iv, &AAD, black_box(body), &mut out)
                        .expect("open");
                })
            });
        }
        group.finish();
    }
}

fn key_setup(c: &mut Criterion) {
    let ring = ring();
    let mut group = c.benchmark_group("key-setup");
    for suite in Suite::all() {
        let keys = ring
            .topic_keys(suite, "bench")
            .expect("keys for every suite");
        group.bench_function(suite.name(), |b| {
            b.iter(|| suite.sealer(black_box(&keys)).expect("sealer"))
        });
    }
    group.finish();
}

/// HMAC-SHA256 tag and verify per size: the MAC half of encrypt-then-MAC.
fn macs(c: &mut Criterion) {
    let mac = TopicMac::new(&ring().mac_key("bench")).expect("mac key");
    let mut group = c.benchmark_group("mac/hmac-sha256");
    for size in SIZES {
        let data = vec![0x42u8; size];
        let tag = mac.tag(&[&data]);
        group.throughput(Throughput::Bytes(size as u64));
        group.bench_with_input(BenchmarkId::new("tag", size), &data, |b, data| {
            b.iter(|| mac.tag(&[black_box(data)]))
        });
        group.bench_with_input(BenchmarkId::new("verify", size), &data, |b, data| {
            b.iter(|| mac.verify(&[black_box(data)], &tag).expect("verify"))
        });
    }
    group.finish();
}

fn signatures(c: &mut Criterion) {
    let ring = ring();
    let msg = [0x5au8; 64];
    let mut group = c.benchmark_group("signature");
    // RSA-3072 signs in milliseconds: give 50 samples the time they need.
    group.measurement_time(Duration::from_secs(5));
    for alg in SigAlg::ALL.into_iter().filter(|a| *a != SigAlg::None) {
        let mut signer = alg.signer(&ring, 0).expect("signer");
        let mut verifier = alg.verifier(&ring, 0).expect("verifier");
        let mut sig = Vec::with_capacity(alg.sig_len());
        group.bench_function(BenchmarkId::new("sign", alg.name()), |b| {
            b.iter(|| {
                sig.clear();
                signer.sign(black_box(&msg), &mut sig).expect("sign");
            })
        });
        group.bench_function(BenchmarkId::new("verify", alg.name()), |b| {
            b.iter(|| verifier.verify(black_box(&msg), &sig).expect("verify"))
        });
    }
    group.finish();
}

fn ecdh(c: &mut Criterion) {
    use p256::elliptic_curve::Generate;
    let mut rng = rand::rng();
    let ours = p256::SecretKey::generate_from_rng(&mut rng).to_nonzero_scalar();
    let theirs = p256::SecretKey::generate_from_rng(&mut rng).public_key();
    c.bench_function("ecdh/p256", |b| {
        b.iter(|| p256::ecdh::diffie_hellman(black_box(ours), theirs.as_affine()))
    });
}

/// Why suite 0x83 uses ring: the same RFC 8439 seal through RustCrypto's chacha20poly1305
/// (what the harness used before) and through the harness's suite, per size.
fn chacha_impls(c: &mut Criterion) {
    use chacha20poly1305::aead::{AeadInOut, KeyInit};
    let key = [7u8; 32];
    let nonce = [9u8; 12];
    let rc = chacha20poly1305::ChaCha20Poly1305::new_from_slice(&key).expect("key");
    let mut ours = Suite::from_name("chacha20-poly1305")
        .expect("suite")
        .sealer(
            &ring()
                .topic_keys(
                    Suite::from_name("chacha20-poly1305").expect("suite"),
                    "bench",
                )
                .expect("keys"),
        )
        .expect("sealer");
    let mut group = c.benchmark_group("chacha20-poly1305-impl");
    for size in SIZES {
        let mut buf = vec![0x42u8; size];
        let mut out = Vec::with_capacity(size + 16);
        group.throughput(Throughput::Bytes(size as u64));
        group.bench_function(BenchmarkId::new("rustcrypto", size), |b| {
            b.iter(|| {
                rc.encrypt_inout_detached((&nonce).into(), &AAD, (&mut buf[..]).into())
                    .expect("seal")
            })
        });
        let pt = vec![0x42u8; size];
        group.bench_function(BenchmarkId::new("ring", size), |b| {
            b.iter(|| {
                out.clear();
                ours.seal(&nonce, &AAD, black_box(&pt), &mut out)
                    .expect("seal");
            })
        });
    }
    group.finish();
}

criterion_group! {
    name = benches;
    config = config();
    targets = suites, key_setup, macs, signatures, ecdh, chacha_impls
}
