//! The integration tests, one module per area, in one binary: each test binary links the
//! whole library and its dependencies, and 40 of them made the link steps most of CI's time.
//! `cargo test --test it <module>::` runs one area (`cargo test --test it no_loss::`).
//! tests/link_accept.rs stays a binary of its own: it takes every file descriptor of its
//! process, which would fail whatever else ran beside it.

mod common;

mod bad_input;
mod broker_command;
mod center;
mod center_abuse;
mod center_fuzz;
mod cli;
mod compare;
mod coordinated_omission;
mod crypto_suites;
mod crypto_vectors;
mod ecb_leak;
mod faults;
mod fleet;
mod honest_status;
mod kubernetes;
mod layers;
mod metrics;
mod mosquitto;
mod no_loss;
mod openssl_interop;
mod outage;
mod probe;
mod properties;
mod protocol;
mod providers;
mod rabbitmq;
mod rankings;
mod replay;
mod results_schema;
mod run_embedded;
mod scale;
mod scale_mosquitto;
mod scenarios;
mod shard_merge;
mod smqtt;
mod streamed_results;
mod tamper;
mod transport;
