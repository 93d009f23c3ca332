//! The speed table without the CLI, for a quick look on a new machine:
//!
//! ```text
//! cargo test --release --test speed -- --ignored --nocapture
//! SPEED_SUITES=aes-128-gcm,des-cbc SPEED_SIZES=16,1024 SPEED_MS=300 cargo test --release --test speed -- --ignored --nocapture
//! SPEED_JSON=/tmp/ours.json ...   # also write the JSON report (as `speed --json` prints it)
//! ```

use std::time::Duration;

use mqtt_cipher_bench::crypto::Suite;
use mqtt_cipher_bench::speed::{SpeedOptions, print_table, run};

fn list<T>(var: &str, parse: impl Fn(&str) -> T) -> Option<Vec<T>> {
    std::env::var(var)
        .ok()
        .map(|v| v.split(',').map(|s| parse(s.trim())).collect())
}

#[test]
#[ignore = "prints a speed table; run in release with --ignored --nocapture"]
fn print_speed_table() {
    let suites = list("SPEED_SUITES", |s| s.parse::<Suite>().unwrap()).unwrap_or_else(|| {
        [
            "aes-128-gcm",
            "chacha20-poly1305",
            "aes-128-cbc",
            "des-cbc",
            "blowfish-cbc",
        ]
        .iter()
        .map(|n| n.parse().unwrap())
        .collect()
    });
    let sizes = list("SPEED_SIZES", |s| s.parse().unwrap()).unwrap_or(vec![16, 256, 16384]);
    let ms = std::env::var("SPEED_MS").map_or(300, |v| v.parse().unwrap());
    let report = run(&SpeedOptions {
        suites,
        sizes,
        min_time: Duration::from_millis(ms),
    });
    print_table(&report, &mut std::io::stdout()).unwrap();
    if let Ok(path) = std::env::var("SPEED_JSON") {
        std::fs::write(path, serde_json::to_string_pretty(&report).unwrap()).unwrap();
    }
}
