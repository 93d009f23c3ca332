//! `cargo bench`: criterion micro-benchmarks, one module per topic.
//!
//! Filter as usual, e.g. `cargo bench -- 'suite/aes-128-gcm'` or `cargo bench -- sign`.

mod crypto;

criterion::criterion_main!(crypto::benches);
