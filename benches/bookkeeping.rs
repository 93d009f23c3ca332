//! The harness's own per-message cost, which sits inside every measured phase boundary:
//! clock reads, envelope encode/decode, histogram records and receipt accounting. It must
//! stay well under a microsecond so it never shows up in the numbers it measures.

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, criterion_group};
use mqtt_cipher_bench::crypto::envelope::{self, Fields};
use mqtt_cipher_bench::measure::accounting::Receipts;
use mqtt_cipher_bench::measure::clock::now_ns;
use mqtt_cipher_bench::measure::histograms::{Phase, Phases};

fn config() -> Criterion {
    Criterion::default()
        .sample_size(20)
        .warm_up_time(Duration::from_millis(200))
        .measurement_time(Duration::from_secs(1))
}

fn bookkeeping(c: &mut Criterion) {
    let mut g = c.benchmark_group("bookkeeping");
    g.bench_function("clock_read", |b| b.iter(|| black_box(now_ns())));
    let fields = Fields {
        suite: 0x80,
        publisher: 3,
        seq: 12345,
        scheduled_ns: 1,
        start_ns: 2,
        ..Fields::default()
    };
    let iv = [7u8; 12];
    g.bench_function("envelope_header_write", |b| {
        let mut buf = Vec::with_capacity(128);
        b.iter(|| {
            buf.clear();
            envelope::write_header(&mut buf, black_box(&fields), &iv, 80);
            black_box(&buf);
        })
    });
    let env = envelope::encode(&fields, &iv, &[0u8; 80], &[], &[]);
    g.bench_function("envelope_decode", |b| {
        b.iter(|| black_box(envelope::decode(black_box(&env)).is_ok()))
    });
    // A histogram already past its raw-sample stage, as in any case longer than a few seconds.
    let mut phases = Phases::default();
    for v in 0..10_000u64 {
        phases.record(Phase::Latency, 100_000 + v);
    }
    let mut v = 123_456u64;
    g.bench_function("histogram_record", |b| {
        b.iter(|| {
            v = v
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            phases.record(Phase::Latency, 50_000 + (v >> 44));
        })
    });
    let mut receipts = Receipts::new(4);
    let mut seq = 0u64;
    g.bench_function("receipt_accounting", |b| {
        b.iter(|| {
            seq = (seq + 1) % 500_000_000;
            black_box(receipts.arrive(1, seq));
        })
    });
    // What one message costs in all: 6 clock reads, one header, one decode, 5 records, one receipt.
    g.bench_function("per_message_total", |b| {
        let mut buf = Vec::with_capacity(128);
        let mut s = 0u64;
        b.iter(|| {
            let t0 = now_ns();
            buf.clear();
            envelope::write_header(&mut buf, &fields, &iv, 80);
            let t1 = now_ns();
            let t2 = now_ns();
            let t3 = now_ns();
            phases.record(Phase::Encode, t1 - t0);
            phases.record(Phase::Encrypt, t2 - t1);
            let ok = envelope::decode(&env).is_ok();
            let t4 = now_ns();
            let t5 = now_ns();
            phases.record(Phase::Decrypt, t5 - t4);
            phases.record(Phase::Latency, t5 - t3);
            phases.record(Phase::LatencyUncorrected, t5 - t0);
            s = (s + 1) % 500_000_000;
            black_box((ok, receipts.arrive(2, s)));
        })
    });
    g.finish();
}

criterion_group! {
    name = benches;
    config = config();
    targets = bookkeeping
}
