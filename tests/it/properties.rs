//! Property tests (proptest, 256 cases each; CI runs them with every `cargo test`):
//! the envelope codec round-trips and never panics, every suite opens what it sealed, and the
//! scenario parser never panics, whatever the text.

use std::path::Path;
use std::sync::LazyLock;

use mqtt_cipher_bench::crypto::Suite;
use mqtt_cipher_bench::crypto::envelope::{self, Fields};
use mqtt_cipher_bench::crypto::keys::KeyRing;
use mqtt_cipher_bench::crypto::mac::MacAlg;
use mqtt_cipher_bench::crypto::protect::{Protection, Protector, Unprotector};
use mqtt_cipher_bench::crypto::signature::SigAlg;
use proptest::prelude::*;

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: 256,
        ..ProptestConfig::default()
    }
}

/// One key ring for the whole test binary: key pairs (RSA, P-256, Ed25519) are made once.
static KEYS: LazyLock<KeyRing> = LazyLock::new(|| KeyRing::from_seed(b"properties"));

fn fields() -> impl Strategy<Value = Fields> {
    (
        any::<u8>(),
        any::<u16>(),
        any::<u32>(),
        any::<u64>(),
        any::<u64>(),
        any::<u64>(),
    )
        .prop_map(
            |(suite, key_id, publisher, seq, scheduled_ns, start_ns)| Fields {
                suite,
                key_id,
                publisher,
                seq,
                scheduled_ns,
                start_ns,
                ..Default::default()
            },
        )
}

fn mac() -> impl Strategy<Value = MacAlg> {
    prop::sample::select(MacAlg::ALL.to_vec())
}

fn sig() -> impl Strategy<Value = SigAlg> {
    prop::sample::select(SigAlg::ALL.to_vec())
}

/// Every suite; RSA-OAEP included (its key pair is made once).
fn suite() -> impl Strategy<Value = Suite> {
    prop::sample::select(Suite::all().collect::<Vec<_>>())
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn decode_of_encode_is_identity(
        f in fields(),
        mac in mac(),
        sig in sig(),
        iv in prop::collection::vec(any::<u8>(), 0..=255),
        body in prop::collection::vec(any::<u8>(), 0..600),
        tag_byte in any::<u8>(),
        sig_byte in any::<u8>(),
    ) {
        let f = Fields { mac: mac.id(), sig: sig.id(), ..f };
        let tag = vec![tag_byte; mac.tag_len()];
        let signature = vec![sig_byte; sig.sig_len()];
        let bytes = envelope::encode(&f, &iv, &body, &tag, &signature);
        prop_assert_eq!(bytes.len(), envelope::envelope_len(iv.len(), body.len(), mac, sig));
        let e = envelope::decode(&bytes).expect("a v1 envelope decodes");
        prop_assert_eq!(e.fields, f);
        prop_assert_eq!(e.iv, &iv[..]);
        prop_assert_eq!(e.body, &body[..]);
        prop_assert_eq!(e.mac_tag, &tag[..]);
        prop_assert_eq!(e.signature, &signature[..]);
        prop_assert_eq!(e.header.len(), envelope::header_len(iv.len()));
        prop_assert_eq!(envelope::encode(&e.fields, e.iv, e.body, e.mac_tag, e.signature), bytes);
    }

    #[test]
    fn decode_never_panics_on_arbitrary_bytes(bytes in prop::collection::vec(any::<u8>(), 0..2048)) {
        let _ = envelope::decode(&bytes);
    }

    /// Arbitrary bytes rarely get past the version byte; these start as a valid envelope and
    /// get arbitrary bytes written over them, so every later field is exercised.
    #[test]
    fn decode_never_panics_on_damaged_envelopes(
        f in fields(),
        body in prop::collection::vec(any::<u8>(), 0..300),
        at in any::<prop::sample::Index>(),
        junk in prop::collection::vec(any::<u8>(), 1..16),
        cut in any::<prop::sample::Index>(),
    ) {
        let mut bytes = envelope::encode(&f, &[7; 16], &body, &[], &[]);
        let start = at.index(bytes.len());
        for (i, b) in junk.iter().enumerate() {
            if let Some(x) = bytes.get_mut(start + i) {
                *x = *b;
            }
        }
        let keep = cut.index(bytes.len() + 1);
        let _ = envelope::decode(&bytes[..keep]);
        let _ = envelope::decode(&bytes);
    }

    #[test]
    fn every_suite_opens_what_it_sealed(
        suite in suite(),
        mac in mac(),
        sig in prop::sample::select(vec![SigAlg::None, SigAlg::Ed25519, SigAlg::EcdsaP256]),
        plaintext in prop::collection::vec(any::<u8>(), 0..600),
        seq in any::<u64>(),
    ) {
        let p = Protection::new(suite, mac, sig);
        let topic = "props/p3";
        // s-mqtt takes no MAC and no signature: such a protection is refused when keyed.
        if suite.incompatibility(mac.name(), sig.name()).is_some() {
            prop_assert!(Protector::new(&KEYS, p, topic, 3).is_err());
            return Ok(());
        }
        let mut tx = Protector::new(&KEYS, p, topic, 3).expect("keyed");
        let mut rx = Unprotector::new(&KEYS, p, topic, 3).expect("keyed");
        let fields = Fields { publisher: 3, seq, ..Default::default() };
        let msg = tx.seal_message(fields, &plaintext).expect("sealed");
        prop_assert_eq!(msg.len(), p.envelope_len(plaintext.len()));
        let env = rx.decode(&msg).expect("decodes");
        prop_assert_eq!(env.fields.seq, seq);
        rx.verify(topic.as_bytes(), &env).expect("verifies");
        let mut out = Vec::new();
        rx.decrypt(topic.as_bytes(), &env, &mut out).expect("opens");
        prop_assert_eq!(out, plaintext);
    }

    #[test]
    fn scenario_parser_never_panics_on_arbitrary_text(text in "\\PC{0,300}") {
        let _ = mqtt_cipher_bench::scenario::parse(Path::new("p.toml"), &text, &[], None);
    }

    /// TOML-shaped text from the scenario's own vocabulary, so the validator (not only the
    /// TOML parser) sees odd values: empty lists, zero sizes, unknown names, huge numbers.
    #[test]
    fn scenario_parser_never_panics_on_scenario_shaped_text(
        lines in prop::collection::vec(scenario_line(), 0..12),
        sets in prop::collection::vec("[a-z._]{1,20}=[a-z0-9\\[\\]\",.\"]{0,20}", 0..3),
    ) {
        let text = format!("name = \"p\"\n{}", lines.join("\n"));
        let _ = mqtt_cipher_bench::scenario::parse(Path::new("p.toml"), &text, &[], None);
        let _ = mqtt_cipher_bench::scenario::parse(Path::new("p.toml"), &text, &sets, Some("mqtt://[::1]:0"));
    }
}

fn scenario_line() -> impl Strategy<Value = String> {
    let tables = prop::sample::select(vec![
        "[broker]", "[load]", "[matrix]", "[keys]", "[link]", "[bogus]",
    ]);
    let keys = prop::sample::select(vec![
        "url",
        "tls_url",
        "protocol",
        "publishers",
        "subscribers",
        "rate",
        "duration",
        "warmup",
        "drain",
        "payload",
        "inflight",
        "repeat",
        "qos",
        "size",
        "suite",
        "ciphers",
        "modes",
        "mac",
        "signature",
        "transport",
        "mac_only_where_needed",
        "seed",
        "rtt",
        "jitter",
        "bandwidth",
        "proxy",
    ]);
    let values = prop::sample::select(vec![
        "0",
        "1",
        "-1",
        "3",
        "18446744073709551615",
        "1e308",
        "\"max\"",
        "\"10s\"",
        "\"0s\"",
        "\"1KiB\"",
        "\"17MiB\"",
        "[]",
        "[0, 1, 2]",
        "[0]",
        "[\"aes-128-cbc\"]",
        "[\"aes-128-cbx\"]",
        "[\"none\"]",
        "[\"hmac-sha256\"]",
        "[\"ed25519\"]",
        "[\"tls\"]",
        "[\"ws\"]",
        "\"embedded\"",
        "\"mqtt://x:1\"",
        "\"mqtts://\"",
        "true",
        "\"zeros\"",
        "\"250kbit\"",
        "\"\"",
        "{}",
    ]);
    prop_oneof![
        tables.prop_map(str::to_owned),
        (keys, values).prop_map(|(k, v)| format!("{k} = {v}")),
    ]
}
