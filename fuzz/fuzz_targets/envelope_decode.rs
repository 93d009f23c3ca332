//! Envelope decoding and the subscriber's whole open path on arbitrary payloads: whatever a
//! rogue client publishes must come back as an error, never a panic or a hang.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use mqtt_cipher_bench::crypto::envelope;
use mqtt_cipher_bench::crypto::keys::KeyRing;
use mqtt_cipher_bench::crypto::mac::MacAlg;
use mqtt_cipher_bench::crypto::protect::{Protection, Unprotector};
use mqtt_cipher_bench::crypto::signature::SigAlg;
use mqtt_cipher_bench::crypto::Suite;

const TOPIC: &str = "mcb/fuzz/0/0/0";

/// A few representative protections: plain, unauthenticated block mode with and without
/// a MAC, each AEAD family, a hybrid and a signature.
fn protections() -> Vec<Protection> {
    let p = |s: &str, mac, signature| {
        Protection::new(Suite::from_name(s).expect("suite in catalogue"), mac, signature)
    };
    vec![
        p("none", MacAlg::None, SigAlg::None),
        p("aes-128-cbc", MacAlg::None, SigAlg::None),
        p("des-ecb", MacAlg::HmacSha256, SigAlg::None),
        p("aes-128-gcm", MacAlg::None, SigAlg::None),
        p("aes-128-ccm", MacAlg::None, SigAlg::None),
        p("chacha20-poly1305", MacAlg::None, SigAlg::None),
        p("ecies-p256", MacAlg::None, SigAlg::None),
        p("aes-128-ctr", MacAlg::None, SigAlg::Ed25519),
    ]
}

fn keys() -> &'static KeyRing {
    static K: OnceLock<KeyRing> = OnceLock::new();
    K.get_or_init(|| KeyRing::from_seed(b"fuzz"))
}

fuzz_target!(|data: &[u8]| {
    let _ = envelope::decode(data);
    let Some((&pick, payload)) = data.split_first() else {
        return;
    };
    let ps = protections();
    let p = ps[pick as usize % ps.len()];
    let Ok(mut rx) = Unprotector::new(keys(), p, TOPIC, 0) else {
        return;
    };
    let Ok(env) = rx.decode(payload) else { return };
    let env = env.clone();
    let _ = rx.verify(TOPIC.as_bytes(), &env);
    let mut out = Vec::new();
    let _ = rx.decrypt(TOPIC.as_bytes(), &env, &mut out);
});
