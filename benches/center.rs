//! Security Center micro-benchmarks: one request through the center's whole pipeline (parse,
//! authn with signature check and nonce, ACL, key lookup + ECIES wrap, signed answer), the
//! client's side of it (sign a request; verify and unwrap an answer), and the wrap alone.

use std::hint::black_box;

use std::time::Duration;

use criterion::{BatchSize, Criterion, criterion_group};
use mqtt_cipher_bench::center::acl::Acl;
use mqtt_cipher_bench::center::authority::signed_request;
use mqtt_cipher_bench::center::protocol::{Outcome, Response, SigKind};
use mqtt_cipher_bench::center::registry::{ClientIdentity, Registry};
use mqtt_cipher_bench::center::{Access, Authority, CenterConfig, unix_ms, wrap};

fn config() -> Criterion {
    Criterion::default()
        .sample_size(20)
        .warm_up_time(Duration::from_millis(200))
        .measurement_time(Duration::from_secs(1))
}

fn center(c: &mut Criterion) {
    for kind in [SigKind::Ed25519, SigKind::EcdsaP256] {
        let id = ClientIdentity::generate("bench-client", "light", kind).expect("identity");
        let mut reg = Registry::default();
        reg.insert(id.public());
        let acl = Acl::parse("user bench-client\ntopic write bench/#\n").expect("acl");
        let key = ed25519_dalek::SigningKey::generate(&mut rand::rng());
        let authority = Authority::new(CenterConfig::default(), key, reg, acl);
        let mut g = c.benchmark_group(format!("center/{}", kind.name()));
        // A fresh request (new nonce) per iteration, built outside the timing.
        g.bench_function("handle (authn+authz+keygen+wrap+sign)", |b| {
            b.iter_batched(
                || {
                    signed_request(&id, 1, Access::Publish, "bench/t", 0, unix_ms())
                        .expect("request")
                },
                |req| black_box(authority.handle("bench-client", &req)),
                BatchSize::SmallInput,
            )
        });
        g.bench_function("client: sign request", |b| {
            b.iter(|| signed_request(&id, 1, Access::Publish, "bench/t", 0, unix_ms()))
        });
        let req =
            signed_request(&id, 1, Access::Publish, "bench/t", 0, unix_ms()).expect("request");
        let answer = authority.handle("bench-client", &req).expect("answer");
        let center_key = authority.public_key();
        let mine = {
            use p256::elliptic_curve::sec1::ToSec1Point;
            id.kex.public_key().to_sec1_point(false).as_bytes().to_vec()
        };
        g.bench_function("client: verify answer + unwrap", |b| {
            b.iter(|| {
                let parsed = Response::parse(&answer).expect("answer parses");
                let sig = ed25519_dalek::Signature::from_slice(&parsed.signature).expect("sig");
                center_key
                    .verify_strict(&parsed.signed, &sig)
                    .expect("signed");
                let Outcome::Granted(g) = parsed.response.outcome else {
                    panic!("granted")
                };
                let binding = wrap::Binding {
                    client_id: "bench-client",
                    topic: "bench/t",
                    key_id: g.key_id,
                    suite_id: g.suite_id,
                };
                black_box(
                    wrap::unwrap_with_public(&id.kex, &mine, &g.wrapped, &binding)
                        .expect("unwraps"),
                )
            })
        });
        g.finish();
    }
    let id = ClientIdentity::generate("w", "light", SigKind::Ed25519).expect("identity");
    let binding = wrap::Binding {
        client_id: "w",
        topic: "bench/t",
        key_id: 1,
        suite_id: 0x42,
    };
    let public = id.kex.public_key();
    let mut g = c.benchmark_group("center/wrap");
    g.bench_function("wrap 16-byte key", |b| {
        b.iter(|| wrap::wrap(&public, &[7u8; 16], &binding))
    });
    let wrapped = wrap::wrap(&public, &[7u8; 16], &binding).expect("wrap");
    g.bench_function("unwrap 16-byte key", |b| {
        b.iter(|| wrap::unwrap(&id.kex, &wrapped, &binding))
    });
    g.finish();
}

criterion_group! {
    name = benches;
    config = config();
    targets = center
}
