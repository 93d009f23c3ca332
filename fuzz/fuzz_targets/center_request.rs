//! The Security Center's request decoder and whole pipeline on arbitrary bytes, as anyone who
//! can publish on its request topic can send them: no panic, no request over the size limits
//! accepted, a canonical encoding, and only requests a registered client signed are granted
//! (the properties in `mqtt_cipher_bench::center::fuzz`; `tests/it/center_fuzz.rs` runs them on
//! stable Rust).
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use mqtt_cipher_bench::center::fuzz::Target;

fn target() -> &'static (Target, Vec<Vec<u8>>) {
    static T: OnceLock<(Target, Vec<Vec<u8>>)> = OnceLock::new();
    T.get_or_init(|| Target::new().expect("the fuzz target's center"))
}

fuzz_target!(|data: &[u8]| {
    let (t, seeds) = target();
    if let Err(e) = t.check(data) {
        panic!("{e}");
    }
    // libFuzzer starts from nothing; also try the input as an edit of a signed request, so
    // mutations reach the signature check and beyond: byte 0 picks a seed, the rest
    // overwrites it from byte 1's offset.
    if let [pick, at, rest @ ..] = data {
        let mut v = seeds[*pick as usize % seeds.len()].clone();
        let at = (*at as usize).min(v.len());
        let end = (at + rest.len()).min(v.len());
        v[at..end].copy_from_slice(&rest[..end - at]);
        if let Err(e) = t.check(&v) {
            panic!("{e}");
        }
    }
});
