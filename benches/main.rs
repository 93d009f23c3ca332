//! `cargo bench`: criterion micro-benchmarks, one module per topic.
//!
//! Filter as usual, e.g. `cargo bench -- 'suite/aes-128-gcm'`, `cargo bench -- sign` or
//! `cargo bench -- bookkeeping` or `cargo bench -- center`.

mod bookkeeping;
mod center;
mod crypto;

criterion::criterion_main!(crypto::benches, bookkeeping::benches, center::benches);
