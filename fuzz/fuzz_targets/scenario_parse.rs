//! The scenario parser on arbitrary text: every input is a scenario or a ScenarioError.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    let _ = mqtt_cipher_bench::scenario::parse(Path::new("fuzz.toml"), text, &[], None);
});
