//! The tamper matrix against real envelopes (built and opened by the real publisher and
//! subscriber code): authenticated protections reject every damaged or forged message;
//! unauthenticated ones let forgeries through, and CTR's malleability is exact.
//!
//! N = 10,000 trials per kind for every symmetric protection and the fast public-key ones.
//! RSA (the rsa-2048-oaep hybrid, whose every open is a private-key operation, and the
//! RSA-PSS signatures) runs 500 trials per kind: still 3,500 forgeries per protection, all of
//! which must be rejected, in seconds instead of minutes.

use mqtt_cipher_bench::crypto::Suite;
use mqtt_cipher_bench::crypto::keys::KeyRing;
use mqtt_cipher_bench::crypto::mac::MacAlg;
use mqtt_cipher_bench::crypto::protect::Protection;
use mqtt_cipher_bench::crypto::signature::SigAlg;
use mqtt_cipher_bench::crypto::suite::{Family, Mode};
use mqtt_cipher_bench::security::tamper::{
    self, Lab, Outcome, ReportExt, TamperKind, TamperOptions,
};

const N: u64 = 10_000;
const N_RSA: u64 = 500;

fn opts(trials: u64, seed: u64) -> TamperOptions {
    TamperOptions {
        trials,
        seed,
        size: 64,
        budget: None,
        kinds: TamperKind::ALL.to_vec(),
    }
}

fn protection(suite: Suite, mac: MacAlg, signature: SigAlg) -> Protection {
    Protection::new(suite, mac, signature)
}

fn rsa_names(suite: &str, signature: &str) -> bool {
    suite.starts_with("rsa-") || signature.starts_with("rsa-")
}

fn is_rsa(p: &Protection) -> bool {
    rsa_names(p.suite.name(), p.signature.name())
}

/// Runs `ps` on up to two threads (the machine has two cores), `trials` from `n(p)`.
fn run_all(
    keys: &KeyRing,
    ps: &[Protection],
    n: fn(&Protection) -> u64,
) -> Vec<mqtt_cipher_bench::security::tamper::ProtectionSecurity> {
    let (a, b) = ps.split_at(ps.len() / 2);
    std::thread::scope(|s| {
        let run = |part: &'static str, list: &[Protection]| {
            list.iter()
                .map(|p| {
                    tamper::run(keys, *p, &opts(n(p), 0x7a3e))
                        .unwrap_or_else(|e| panic!("{part}: {e}"))
                })
                .collect::<Vec<_>>()
        };
        let h = s.spawn(move || run("first half", a));
        let mut out = run("second half", b);
        out.extend(h.join().expect("tamper thread"));
        out
    })
}

#[test]
fn authenticated_protections_reject_every_tampered_message() {
    let keys = KeyRing::from_seed(b"tamper-test");
    let mut ps = Vec::new();
    // Every AEAD and hybrid on its own.
    for s in Suite::all().filter(|s| s.authenticated()) {
        ps.push(protection(s, MacAlg::None, SigAlg::None));
    }
    // Every suite that does not authenticate itself, with encrypt-then-MAC (not s-mqtt, which
    // takes no MAC: its own row is below).
    for s in Suite::all().filter(|s| !s.authenticated() && !s.encodes()) {
        ps.push(protection(s, MacAlg::HmacSha256, SigAlg::None));
    }
    // Every signature alone (suite none), and with an unauthenticated cipher.
    let none = Suite::from_name("none").unwrap();
    let ctr = Suite::from_name("aes-128-ctr").unwrap();
    for sig in SigAlg::ALL.into_iter().filter(|s| *s != SigAlg::None) {
        ps.push(protection(none, MacAlg::None, sig));
        ps.push(protection(ctr, MacAlg::None, sig));
    }
    let reports = run_all(&keys, &ps, |p| if is_rsa(p) { N_RSA } else { N });
    assert_eq!(reports.len(), ps.len());
    for r in &reports {
        assert!(r.authenticated, "{}", r.label());
        assert_eq!(r.kinds.len(), TamperKind::ALL.len());
        for c in &r.kinds {
            let want = if rsa_names(&r.suite, &r.signature) {
                N_RSA
            } else {
                N
            };
            assert_eq!(c.trials, want, "{} {}", r.label(), c.kind);
            assert_eq!(
                (c.rejected, c.forged, c.accepted_identical),
                (c.trials, 0, 0),
                "{} {}: every tampered message must be rejected",
                r.label(),
                c.kind
            );
        }
        assert!(r.unauthenticated_fields.is_empty(), "{}", r.label());
        // Forgeries that parse are caught by the tag/MAC/signature, not only by the decoder.
        let auth: u64 = r.kinds.iter().map(|c| c.rejected_auth).sum();
        assert!(auth > 0, "{}: no authentication failure at all", r.label());
    }
}

#[test]
fn unauthenticated_protections_let_forgeries_through() {
    let keys = KeyRing::from_seed(b"tamper-test");
    let ps: Vec<Protection> = Suite::all()
        .filter(|s| !s.authenticated() && !s.encodes())
        .map(|s| protection(s, MacAlg::None, SigAlg::None))
        .collect();
    assert_eq!(ps.len(), 37, "none and the 36 block cipher x mode suites");
    let reports = run_all(&keys, &ps, |_| N);
    for r in &reports {
        assert!(!r.authenticated);
        assert!(
            r.total_forged() > 0,
            "{}: no forgery got through in {} trials per kind",
            r.label(),
            N
        );
        // Nothing authenticates the header: seq, timestamps, publisher and key id can be
        // changed without the subscriber noticing.
        for f in ["key_id", "publisher", "seq", "scheduled_ns", "start_ns"] {
            assert!(
                r.unauthenticated_fields.iter().any(|x| x == f),
                "{}: {f} flips should be accepted, got {:?}",
                r.label(),
                r.unauthenticated_fields
            );
        }
        let suite = Suite::from_name(&r.suite).unwrap();
        let hs = r.counts(TamperKind::HeaderSwap).unwrap();
        match suite.family() {
            // The IV is in the header: another message's IV changes the plaintext.
            Family::Block(_, Mode::Cbc | Mode::Cfb | Mode::Ofb | Mode::Ctr) => {
                assert_eq!(hs.forged, hs.trials, "{}: header swap", r.label())
            }
            // No IV: the body still opens to what was sent, under another seq.
            Family::None | Family::Block(_, Mode::Ecb) => assert_eq!(
                hs.accepted_identical,
                hs.trials,
                "{}: header swap",
                r.label()
            ),
            _ => {}
        }
        // Stream modes never reject a flipped body bit: some single bit flips land in the
        // body and are accepted as forgeries.
        if let Family::Block(_, Mode::Cfb | Mode::Ofb | Mode::Ctr) | Family::None = suite.family() {
            let bf = r.counts(TamperKind::BitFlip).unwrap();
            assert!(bf.forged > bf.trials / 4, "{}: {bf:?}", r.label());
        }
    }
}

/// CTR (and OFB, and `none`) are malleable bit for bit: flipping ciphertext bit i flips exactly
/// plaintext bit i, and the subscriber accepts it. Checked for every body bit of real
/// envelopes.
#[test]
fn ctr_bit_flips_are_accepted_with_exactly_the_flipped_plaintext_bit() {
    use rand::SeedableRng;
    let keys = KeyRing::from_seed(b"tamper-test");
    for name in ["aes-128-ctr", "des-ctr", "aes-256-ofb", "none"] {
        let p = protection(Suite::from_name(name).unwrap(), MacAlg::None, SigAlg::None);
        let mut rng = rand::rngs::StdRng::seed_from_u64(5);
        let mut lab = Lab::new(&keys, p, 64, &mut rng).unwrap();
        let hlen = mqtt_cipher_bench::crypto::envelope::header_len(p.suite.iv_len());
        for i in 0..lab.len() {
            let env = lab.envelope(i).to_vec();
            let sent = lab.plaintext(i).to_vec();
            for bit in 0..sent.len() * 8 {
                let mut m = env.clone();
                tamper::flip(&mut m, hlen * 8 + bit);
                let Outcome::Accepted(pt) = lab.open(&m, false) else {
                    panic!("{name}: body bit {bit} rejected");
                };
                let mut want = sent.clone();
                tamper::flip(&mut want, bit);
                assert_eq!(pt, want, "{name}: body bit {bit}");
            }
        }
    }
    // And with a MAC the same flips are all rejected.
    let p = protection(
        Suite::from_name("aes-128-ctr").unwrap(),
        MacAlg::HmacSha256,
        SigAlg::None,
    );
    let mut rng = rand::rngs::StdRng::seed_from_u64(5);
    let mut lab = Lab::new(&keys, p, 64, &mut rng).unwrap();
    let hlen = mqtt_cipher_bench::crypto::envelope::header_len(p.suite.iv_len());
    let env = lab.envelope(0).to_vec();
    for bit in 0..64 * 8 {
        let mut m = env.clone();
        tamper::flip(&mut m, hlen * 8 + bit);
        assert!(
            matches!(lab.open(&m, false), Outcome::Rejected(_)),
            "bit {bit}"
        );
    }
}

#[test]
fn the_time_budget_bounds_the_trials_and_says_so() {
    let keys = KeyRing::from_seed(b"tamper-test");
    let p = protection(
        Suite::from_name("ecies-p256").unwrap(),
        MacAlg::None,
        SigAlg::None,
    );
    let mut o = opts(1_000_000_000, 3);
    o.budget = Some(std::time::Duration::from_millis(200));
    let t = std::time::Instant::now();
    let r = tamper::run(&keys, p, &o).unwrap();
    assert!(t.elapsed() < std::time::Duration::from_secs(20));
    assert!(r.truncated_by_budget);
    let trials = r.kinds[0].trials;
    assert!(trials > 0 && trials < 1_000_000_000);
    // Kinds are interleaved: each got the same share.
    assert!(r.kinds.iter().all(|c| c.trials == trials));
    assert!(r.kinds.iter().all(|c| c.rejected == c.trials));
}

/// s-mqtt's row: its Hash(M) rejects every changed point or hash (no random tampering opens to
/// another plaintext), what nothing covers (header fields, timestamp 1) opens to the message
/// sent, and, since the hash is unkeyed and the publisher holds only the public key, a
/// message re-encrypted with that key opens as a forgery: the suite is not authenticated.
#[test]
fn s_mqtt_rejects_changed_points_and_hashes_but_not_a_re_encryption() {
    use mqtt_cipher_bench::crypto::keys::TopicPair;
    use mqtt_cipher_bench::crypto::smqtt;
    use p256::elliptic_curve::Generate;
    use rand::SeedableRng;
    const N_SMQTT: u64 = 1_000;
    let keys = KeyRing::from_seed(b"tamper-test");
    let suite = Suite::from_name("s-mqtt").unwrap();
    let p = protection(suite, MacAlg::None, SigAlg::None);
    // Each open costs a scalar multiplication per byte: 4-byte messages keep it to seconds.
    let mut o = opts(N_SMQTT, 0x7a3e);
    o.size = 4;
    let r = tamper::run(&keys, p, &o).unwrap();
    assert!(!r.authenticated);
    for c in &r.kinds {
        assert_eq!(c.trials, N_SMQTT, "{}", c.kind);
        assert_eq!(c.forged, 0, "{}: a random change got past Hash(M)", c.kind);
        assert_eq!(c.rejected + c.accepted_identical, c.trials, "{}", c.kind);
    }
    let bf = r.counts(TamperKind::BitFlip).unwrap();
    assert!(bf.rejected > bf.trials / 2, "{bf:?}");
    for f in ["key_id", "publisher", "seq"] {
        assert!(r.unauthenticated_fields.iter().any(|x| x == f), "{f}");
    }

    let mut rng = rand::rngs::StdRng::seed_from_u64(5);
    let mut lab = Lab::new(&keys, p, 4, &mut rng).unwrap();
    let hlen = mqtt_cipher_bench::crypto::envelope::header_len(0);
    let env = lab.envelope(0).to_vec();
    // Every bit of Hash(M) and of the points: rejected. Of timestamp 1: opens as sent (the
    // per-message path carries it; the paper's check of it is the validation exchange's).
    for bit in 0..(env.len() - hlen) * 8 {
        let mut m = env.clone();
        tamper::flip(&mut m, hlen * 8 + bit);
        let outcome = lab.open(&m, false);
        if bit < smqtt::TIMESTAMP_LEN * 8 {
            assert_eq!(
                outcome,
                Outcome::Accepted(lab.plaintext(0).to_vec()),
                "bit {bit}"
            );
        } else {
            assert!(matches!(outcome, Outcome::Rejected(_)), "body bit {bit}");
        }
    }
    // A forger with only the public key: a new message and its hash, same length.
    let TopicPair::P256(sk) = keys
        .topic_keys(suite, tamper::TOPIC)
        .unwrap()
        .pair()
        .unwrap()
        .clone()
    else {
        panic!("s-mqtt has a P-256 pair");
    };
    let q = sk.public_key().to_projective();
    let fake = b"evil".to_vec();
    let mut points = Vec::new();
    smqtt::encode_into(&fake, &mut points).unwrap();
    let mut body = Vec::new();
    smqtt::seal_points(
        &points,
        &fake,
        smqtt::unix_us(),
        &q,
        || p256::NonZeroScalar::generate_from_rng(&mut rand::rng()),
        &mut body,
    );
    let mut m = env[..hlen].to_vec();
    m.extend_from_slice(&body);
    assert_eq!(lab.open(&m, false), Outcome::Accepted(fake));
}

/// The provider axis of the matrix: aes-128-gcm on RustCrypto and on aws-lc meets the same
/// trials (the seed stream is per protection, not per provider) and both reject every one,
/// with the same verdicts kind by kind; each row names its provider. Through the binary,
/// `--provider all` gives a row per provider of the suite (ring too), each naming its
/// implementation, crate and version.
#[test]
fn aes_128_gcm_rejects_every_tampering_alike_on_rustcrypto_and_aws_lc() {
    use mqtt_cipher_bench::crypto::Provider;
    let keys = KeyRing::from_seed(b"tamper-test");
    let gcm = Suite::from_name("aes-128-gcm").unwrap();
    let rows: Vec<_> = [Provider::RustCrypto, Provider::AwsLc]
        .into_iter()
        .map(|provider| {
            let p = Protection {
                provider: Some(provider),
                ..protection(gcm, MacAlg::None, SigAlg::None)
            };
            tamper::run(&keys, p, &opts(N, 0x7a3e)).unwrap()
        })
        .collect();
    for (r, name) in rows.iter().zip(["rustcrypto", "aws-lc"]) {
        assert_eq!(r.provider.as_deref(), Some(name));
        assert!(r.authenticated);
        for c in &r.kinds {
            assert_eq!(
                (c.trials, c.rejected, c.forged, c.accepted_identical),
                (N, N, 0, 0),
                "{name} {}: every tampered message must be rejected",
                c.kind
            );
        }
        assert!(r.unauthenticated_fields.is_empty(), "{name}");
    }
    // The same verdicts: rejected, and of those rejected by the tag, kind by kind.
    assert_eq!(rows[0].kinds, rows[1].kinds);

    let out = std::process::Command::new(env!("CARGO_BIN_EXE_mqtt-cipher-bench"))
        .args([
            "tamper",
            "--suite",
            "aes-128-gcm",
            "--provider",
            "all",
            "--trials",
            "50",
            "--json",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let rows = json.as_array().unwrap();
    let providers: Vec<&str> = rows
        .iter()
        .map(|r| r["provider"].as_str().unwrap())
        .collect();
    assert_eq!(providers, ["rustcrypto", "ring", "aws-lc"]);
    for (r, krate) in rows.iter().zip(["aes-gcm ", "ring ", "aws-lc-rs "]) {
        let implementation = r["implementation"]["suite"].as_str().unwrap();
        assert!(implementation.contains(krate), "{implementation}");
        assert_eq!(r["implementation"]["suite_provider"], r["provider"]);
        assert!(
            r["kinds"]
                .as_array()
                .unwrap()
                .iter()
                .all(|c| c["rejected"] == c["trials"] && c["forged"] == 0)
        );
    }
    // The table names them too: a provider column and the implementation of each row.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_mqtt-cipher-bench"))
        .args([
            "tamper",
            "--suite",
            "aes-128-gcm",
            "--provider",
            "aws-lc",
            "--trials",
            "20",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    let row = text
        .lines()
        .find(|l| l.starts_with("aes-128-gcm "))
        .unwrap_or_else(|| panic!("no row in\n{text}"));
    assert!(row.contains(" aws-lc "), "{text}");
    assert!(text.contains("provider"), "{text}");
    assert!(
        text.lines()
            .any(|l| l.trim_start().starts_with("aes-128-gcm aws-lc") && l.contains("aws-lc-rs")),
        "{text}"
    );
}
