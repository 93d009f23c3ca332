//! The s-mqtt suite (seed 004's scheme, crypto/smqtt.rs): known answers from an independent
//! computation (tests/vectors/smqtt_p256_kat.py, integer-only affine P-256 in Python), every byte
//! value through the real suite, the split encode/encrypt/decrypt/decode steps, and the
//! combinations a scenario or `tamper` refuses with exit code 2.

use crate::common;
use mqtt_cipher_bench::crypto::keys::KeyRing;
use mqtt_cipher_bench::crypto::smqtt::{self, SmqttOpener};
use mqtt_cipher_bench::crypto::{CryptoError, Opener, Suite};
use p256::{FieldBytes, NonZeroScalar, SecretKey};

const KAT: &str = include_str!("../vectors/smqtt_p256_kat.txt");

fn hex(s: &str) -> Vec<u8> {
    assert!(s.len() % 2 == 0, "odd hex {s}");
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

fn field(s: &str) -> FieldBytes {
    let b: [u8; 32] = hex(s).try_into().unwrap();
    FieldBytes::from(b)
}

fn scalar(s: &str) -> NonZeroScalar {
    Option::from(NonZeroScalar::from_repr(field(s))).unwrap()
}

fn compressed(p: &p256::AffinePoint) -> String {
    let mut out = Vec::new();
    smqtt::write_point(p, &mut out);
    out.iter().map(|b| format!("{b:02x}")).collect()
}

/// The lines of the KAT file starting with `tag`, split on spaces, without the tag.
fn lines<'a>(tag: &'a str) -> impl Iterator<Item = Vec<&'a str>> + 'a {
    KAT.lines()
        .filter(move |l| l.split(' ').next() == Some(tag))
        .map(|l| l.split(' ').skip(1).collect())
}

fn one(tag: &str) -> String {
    let mut all: Vec<_> = lines(tag).collect();
    assert_eq!(all.len(), 1, "{tag}");
    all.remove(0).join(" ")
}

#[test]
fn koblitz_encoding_of_every_byte_matches_the_independent_computation() {
    assert_eq!(one("K"), smqtt::K.to_string());
    let rows: Vec<_> = lines("encode").collect();
    assert_eq!(rows.len(), 256);
    for r in rows {
        let m: u8 = r[0].parse().unwrap();
        let (point, j) = smqtt::encode_byte(m).unwrap();
        assert_eq!(j.to_string(), r[1], "byte {m}: j");
        assert_eq!(compressed(&point), r[2], "byte {m}: point");
        assert_eq!(smqtt::decode_point(&point).unwrap(), m, "byte {m}: decode");
    }
}

#[test]
fn el_gamal_of_fixed_scalars_matches_the_independent_computation() {
    let sk = SecretKey::from_bytes(&field(&one("sk"))).unwrap();
    let q = sk.public_key().to_projective();
    assert_eq!(compressed(&q.to_affine()), one("q"));
    let msg = hex(&one("message"));
    let ts: u64 = one("timestamp").parse().unwrap();
    let points: Vec<_> = lines("point").collect();
    assert_eq!(points.len(), msg.len(), "one point per byte");
    let mut ks = Vec::new();
    for (p, &m) in points.iter().zip(&msg) {
        let k = scalar(p[1]);
        let (c1, c2) = smqtt::encrypt_point(&smqtt::encode_byte(m).unwrap().0, &q, &k);
        assert_eq!(compressed(&c1), p[2], "C1 of point {}", p[0]);
        assert_eq!(compressed(&c2), p[3], "C2 of point {}", p[0]);
        let back = smqtt::decrypt_point(&c1, &c2, &sk.to_nonzero_scalar());
        assert_eq!(smqtt::decode_point(&back.to_affine()).unwrap(), m);
        ks.push(k);
    }
    // The whole body, timestamp ‖ Hash(M) ‖ points, byte for byte.
    let mut encoded = Vec::new();
    smqtt::encode_into(&msg, &mut encoded).unwrap();
    let mut body = Vec::new();
    let mut next = ks.into_iter();
    smqtt::seal_points(&encoded, &msg, ts, &q, || next.next().unwrap(), &mut body);
    assert_eq!(body, hex(&one("body")));
    assert_eq!(body.len(), smqtt::body_len(msg.len()));
    // And the suite's opener reads it back, with its timestamp.
    let mut opener = SmqttOpener::new(sk.to_nonzero_scalar());
    let mut out = Vec::new();
    opener.open(&[], &[], &body, &mut out).unwrap();
    assert_eq!(out, msg);
    assert_eq!(opener.timestamp_us(), ts);
}

#[test]
fn every_byte_value_round_trips_through_the_suite_in_split_steps() {
    let ring = KeyRing::from_seed(b"smqtt");
    let suite = Suite::from_name("s-mqtt").unwrap();
    assert_eq!(suite.id(), 0xB0);
    assert!(suite.encodes() && !suite.authenticated());
    let keys = ring.topic_keys(suite, "t").unwrap();
    let mut sealer = suite.sealer(&keys).unwrap();
    let mut opener = suite.opener(&keys).unwrap();
    let all: Vec<u8> = (0..=255).collect();
    assert!(sealer.encode(&all).unwrap());
    let mut body = Vec::new();
    sealer.seal(&[], &[], &all, &mut body).unwrap();
    assert_eq!(body.len(), suite.body_len(256));
    assert!(opener.decrypt_encoded(&[], &[], &body).unwrap());
    let mut out = b"kept".to_vec();
    opener.decode(&mut out).unwrap();
    assert_eq!(&out[4..], &all[..]);
    // Decode does not consume: again, same bytes.
    let mut again = Vec::new();
    opener.decode(&mut again).unwrap();
    assert_eq!(again, all);
    // Fresh k per point: the same byte twice gives different ciphertext points, and sealing
    // a plaintext other than the one encoded encodes it first.
    let mut b1 = Vec::new();
    sealer.seal(&[], &[], b"aa", &mut b1).unwrap();
    let p = smqtt::PREFIX_LEN;
    assert_ne!(
        b1[p..p + smqtt::PER_BYTE],
        b1[p + smqtt::PER_BYTE..],
        "k reused across points"
    );
    let mut back = Vec::new();
    opener.open(&[], &[], &b1, &mut back).unwrap();
    assert_eq!(back, b"aa");
    // Suites without the steps say so and do nothing.
    let gcm = Suite::from_name("aes-128-gcm").unwrap();
    let gk = ring.topic_keys(gcm, "t").unwrap();
    assert!(!gcm.sealer(&gk).unwrap().encode(b"x").unwrap());
    assert!(
        !gcm.opener(&gk)
            .unwrap()
            .decrypt_encoded(&[0; 12], &[], &[0; 16])
            .unwrap()
    );
}

#[test]
fn a_changed_point_or_hash_is_rejected_and_nothing_is_released() {
    let ring = KeyRing::from_seed(b"smqtt");
    let suite = Suite::from_name("s-mqtt").unwrap();
    let keys = ring.topic_keys(suite, "t").unwrap();
    let mut body = Vec::new();
    suite
        .sealer(&keys)
        .unwrap()
        .seal(&[], &[], b"\xe3\x81\x82 ok", &mut body)
        .unwrap();
    let mut opener = suite.opener(&keys).unwrap();
    // Every bit of Hash(M) and of every point.
    for bit in smqtt::TIMESTAMP_LEN * 8..body.len() * 8 {
        let mut bad = body.clone();
        bad[bit / 8] ^= 0x80 >> (bit % 8);
        let mut out = vec![7];
        assert_eq!(
            opener.open(&[], &[], &bad, &mut out),
            Err(CryptoError::Authentication),
            "bit {bit}"
        );
        assert_eq!(out, [7], "bit {bit}: plaintext released");
    }
    // Two ciphertext points swapped: each decrypts, the hash of the reordered bytes differs.
    let mut swapped = body.clone();
    let p = smqtt::PREFIX_LEN;
    let (a, b) = swapped[p..].split_at_mut(smqtt::PER_BYTE);
    a.swap_with_slice(&mut b[..smqtt::PER_BYTE]);
    assert_eq!(
        opener.open(&[], &[], &swapped, &mut Vec::new()),
        Err(CryptoError::Authentication)
    );
    // Cut at a point boundary: a shorter message whose hash is not Hash(M).
    let cut = &body[..body.len() - smqtt::PER_BYTE];
    assert!(opener.open(&[], &[], cut, &mut Vec::new()).is_err());
    assert!(
        opener
            .open(&[], &[], &body[..body.len() - 1], &mut Vec::new())
            .is_err()
    );
}

#[test]
fn s_mqtt_with_a_mac_or_a_signature_exits_2_with_the_reason() {
    let dir = tempfile::tempdir().unwrap();
    for (axes, named) in [
        ("signature = [\"ecdsa-p256\"]", "signature \"ecdsa-p256\""),
        ("mac = [\"hmac-sha256\"]", "mac \"hmac-sha256\""),
    ] {
        let path = dir.path().join("s.toml");
        std::fs::write(
            &path,
            format!(
                "name = \"s\"\n[load]\nrate = 10\nduration = \"1s\"\nwarmup = \"100ms\"\n\
                 [matrix]\nsuite = [\"s-mqtt\"]\n{axes}\n"
            ),
        )
        .unwrap();
        let out = dir.path().join("out");
        let (code, _, err) = common::run_bin(&[
            "run",
            path.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            "-q",
        ]);
        assert_eq!(code, 2, "{err}");
        assert!(err.contains("s.toml:7:"), "{err}");
        assert!(err.contains("matrix.suite"), "{err}");
        assert!(
            err.contains(&format!("s-mqtt cannot be combined with {named}")),
            "{err}"
        );
    }
    let (code, _, err) = common::run_bin(&[
        "tamper",
        "--suite",
        "s-mqtt",
        "--signature",
        "ed25519",
        "--trials",
        "1",
    ]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("s-mqtt cannot be combined with signature \"ed25519\""),
        "{err}"
    );
}

/// Through the embedded broker over real sockets: s-mqtt records its four phases (and the
/// envelope), another suite neither encode nor decode, every message arrives intact, and the
/// report draws the scenario's `[[reference]]` beside the run and says how far apart they are.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_times_encode_encrypt_decrypt_decode_and_reports_the_references() {
    let s = common::scenario(
        "smqtt-run.toml",
        r#"
name = "smqtt-run"
[load]
publishers = 1
rate = 20
duration = "1500ms"
warmup = "300ms"
[matrix]
qos = [1]
size = [2, 16]
suite = ["s-mqtt", "aes-128-gcm"]
[[reference]]
phases = ["encode"]
seconds = 0.064
sizes = [2, 200]
source = "the paper"
[[reference]]
phases = ["encrypt", "decrypt"]
seconds = 0.00064
sizes = [2, 200]
source = "the paper"
setting = "C on an i7"
"#,
    );
    let (outcome, _root) = common::run_in_temp(&s).await;
    let r = &outcome.results;
    assert_eq!(r.references.len(), 2);
    for c in &r.cases {
        let n = &c.counts;
        assert_eq!(c.error, None, "{}", c.id);
        assert_eq!(n.delivered, n.expected, "{}: {n:?}", c.id);
        assert_eq!(
            (n.failed_auth, n.failed_decrypt, n.malformed, n.corrupted),
            (0, 0, 0, 0),
            "{}",
            c.id
        );
        let smqtt = c.params.suite == "s-mqtt";
        for phase in ["encode", "encode_cpu", "decode", "decode_cpu"] {
            assert_eq!(c.phases.contains_key(phase), smqtt, "{}: {phase}", c.id);
        }
        for phase in ["envelope", "encrypt", "decrypt", "latency"] {
            let p = &c.phases[phase];
            assert!(p.count > 0 && p.p50 > 0, "{}: {phase} {p:?}", c.id);
        }
        // The validation round trip: one per publisher, s-mqtt only, never a measured message.
        assert_eq!(
            c.phases.get("smqtt_validation").map(|p| p.count),
            smqtt.then_some(1),
            "{}",
            c.id
        );
        if smqtt {
            let v = &c.phases["smqtt_validation"];
            // At least the seal and the open of M, each above the per-message medians.
            assert!(
                v.p50 > c.phases["encrypt"].p50 && v.p50 > c.phases["decrypt"].p50,
                "{}: {v:?}",
                c.id
            );
            // Every measured message went through each step once.
            let count = |p: &str| c.phases[p].count;
            assert_eq!(count("encode"), count("encrypt"), "{}", c.id);
            assert_eq!(count("decode"), count("decrypt"), "{}", c.id);
            assert!(c.phases["encode"].p50 > 0 && c.phases["decode"].p50 > 0);
            assert_eq!(c.sizes.envelope, 39 + smqtt::body_len(c.params.size));
        }
    }
    let dir = tempfile::tempdir().unwrap();
    mqtt_cipher_bench::report::render_run(dir.path(), r).unwrap();
    let svg = std::fs::read_to_string(dir.path().join("charts/reference_vs_size.svg")).unwrap();
    assert!(
        svg.contains("reported by the paper"),
        "reference not labelled"
    );
    let md = std::fs::read_to_string(dir.path().join("report.md")).unwrap();
    assert!(md.contains("## Beside the reported figures"), "{md}");
    // The validation section: one line per s-mqtt case, none for aes-128-gcm.
    let validation: Vec<&str> = md
        .lines()
        .filter(|l| l.contains(": median round trip "))
        .collect();
    assert!(md.contains("## S-MQTT validation round trip"), "{md}");
    assert_eq!(validation.len(), 2, "{validation:#?}");
    assert!(
        validation.iter().all(|l| l.contains("s-mqtt")),
        "{validation:#?}"
    );
    // One line per reference and series that has its phases: s-mqtt for encode, both suites
    // for encrypt + decrypt.
    let lines: Vec<&str> = md
        .lines()
        .filter(|l| l.starts_with("- ") && l.contains(" reported "))
        .collect();
    assert_eq!(lines.len(), 3, "{lines:#?}");
    assert!(
        lines
            .iter()
            .all(|l| l.contains("× faster here") || l.contains("× slower here")),
        "{lines:#?}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("- s-mqtt") && l.contains("encode"))
    );
}

/// Seed 004's rule: a time difference beyond the bound (here 0: any) makes the publisher
/// disconnect; the case fails with the check named and publishes nothing. With the default
/// bound and two publishers on one subscriber both exchanges pass.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_validation_beyond_the_time_bound_fails_the_case_before_anything_is_published() {
    let text = |bound: &str| {
        format!(
            r#"
name = "smqtt-bound"
[load]
publishers = 2
rate = 20
duration = "600ms"
warmup = "100ms"
smqtt_time_bound = "{bound}"
[matrix]
qos = [1]
size = [8]
suite = ["s-mqtt"]
"#
        )
    };
    let s = common::scenario("smqtt-bound.toml", &text("0s"));
    let (outcome, _root) = common::run_in_temp(&s).await;
    let c = &outcome.results.cases[0];
    assert_eq!(
        c.status,
        mqtt_cipher_bench::results::CaseStatus::Failed,
        "{c:?}"
    );
    let e = c.error.as_deref().unwrap_or_default();
    assert!(
        e.contains("s-mqtt validation of publisher 0")
            && e.contains("timestamp 2 is")
            && e.contains("beyond the bound of 0 µs (load.smqtt_time_bound)"),
        "{e}"
    );
    assert_eq!(c.counts.sent, 0, "{:?}", c.counts);

    let s = common::scenario("smqtt-bound.toml", &text("5s"));
    let (outcome, _root) = common::run_in_temp(&s).await;
    let c = &outcome.results.cases[0];
    assert_eq!(c.error, None);
    assert_eq!(c.phases["smqtt_validation"].count, 2);
    assert_eq!(c.counts.delivered, c.counts.expected);
}
