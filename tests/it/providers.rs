//! The provider axis: every provider of a suite produces the same body for the same key, IV,
//! AAD and plaintext (DESIGN.md), opens the others' bodies, and refuses what another provider
//! would refuse; randomized constructions (the hybrids, ECDSA, RSA-PSS) interoperate both ways.

use mqtt_cipher_bench::crypto::keys::{KeyRing, TopicKeys};
use mqtt_cipher_bench::crypto::provider::{Provider, providers_of_signature};
use mqtt_cipher_bench::crypto::signature::SigAlg;
use mqtt_cipher_bench::crypto::suite::Family;
use mqtt_cipher_bench::crypto::{CryptoError, Suite};

/// Sizes around every block and tag boundary, plus a few whole messages.
const SIZES: [usize; 12] = [0, 1, 2, 15, 16, 17, 31, 32, 33, 136, 1024, 16_384];

fn input(n: usize) -> Vec<u8> {
    (0..n).map(|i| (i * 31 + 7) as u8).collect()
}

/// The suites more than one provider implements (the ones there is something to compare).
fn shared_suites() -> Vec<Suite> {
    Suite::all()
        .filter(|s| s.family() != Family::None && s.providers().len() > 1)
        .collect()
}

#[test]
fn the_shared_suites_are_the_ones_the_providers_document() {
    let names: Vec<&str> = shared_suites().iter().map(|s| s.name()).collect();
    for expected in [
        "aes-128-gcm",
        "aes-256-gcm",
        "chacha20-poly1305",
        "aes-128-cbc",
        "aes-192-ctr",
        "aes-256-cfb",
        "aes-128-ofb",
        "aes-256-ecb",
        "des-cbc",
        "3des-cbc",
        "des-ecb",
        "3des-ecb",
        "rsa-2048-oaep",
        "ecies-p256",
    ] {
        assert!(
            names.contains(&expected),
            "{expected} missing from {names:?}"
        );
    }
    for lacking in [
        "des-ofb",
        "3des-ctr",
        "blowfish-cbc",
        "aes-128-pcbc",
        "aes-128-ccm",
    ] {
        assert!(!names.contains(&lacking), "{lacking} is not shared");
    }
}

/// Deterministic suites: identical bodies from every provider, each opening every other's.
#[test]
fn every_provider_of_a_symmetric_suite_gives_identical_bodies() {
    let ring = KeyRing::from_seed(b"providers");
    let aad = b"sensors/t1 and a header";
    let mut compared = 0;
    for suite in shared_suites()
        .into_iter()
        .filter(|s| !matches!(s.family(), Family::Hybrid(_)))
    {
        let keys = ring.topic_keys(suite, "sensors/t1").unwrap();
        let iv: Vec<u8> = (0..suite.iv_len() as u8).map(|i| i ^ 0x5c).collect();
        let providers = suite.providers();
        for n in SIZES {
            let pt = input(n);
            let bodies: Vec<(Provider, Vec<u8>)> = providers
                .iter()
                .map(|&p| {
                    let mut out = b"header".to_vec();
                    suite
                        .sealer_with(p, &keys)
                        .unwrap()
                        .seal(&iv, aad, &pt, &mut out)
                        .unwrap();
                    // The body is appended after what the buffer already holds.
                    assert_eq!(&out[..6], b"header", "{suite} on {p}");
                    (p, out.split_off(6))
                })
                .collect();
            let (first, body) = &bodies[0];
            assert_eq!(body.len(), suite.body_len(n), "{suite} {n} B");
            for (p, other) in &bodies[1..] {
                assert_eq!(other, body, "{suite} {n} B: {p} and {first} differ");
            }
            for &p in &providers {
                let mut back = Vec::new();
                suite
                    .opener_with(p, &keys)
                    .unwrap()
                    .open(&iv, aad, body, &mut back)
                    .unwrap_or_else(|e| panic!("{suite} {n} B: {p} cannot open it: {e}"));
                assert_eq!(back, pt, "{suite} {n} B on {p}");
            }
            compared += 1;
        }
    }
    assert!(compared >= 18 * SIZES.len(), "{compared}");
}

/// What one provider refuses, every provider refuses: a forged tag, a flipped padding byte.
#[test]
fn every_provider_refuses_the_same_damaged_bodies() {
    let ring = KeyRing::from_seed(b"providers");
    for name in [
        "aes-128-gcm",
        "chacha20-poly1305",
        "aes-128-cbc",
        "aes-256-ecb",
    ] {
        let suite = Suite::from_name(name).unwrap();
        let keys = ring.topic_keys(suite, "t").unwrap();
        let iv = vec![9u8; suite.iv_len()];
        let mut body = Vec::new();
        suite
            .sealer_with(Provider::RustCrypto, &keys)
            .unwrap()
            .seal(&iv, b"aad", &input(20), &mut body)
            .unwrap();
        let last = body.len() - 1;
        body[last] ^= 0x01;
        for p in suite.providers() {
            let mut out = vec![1, 2, 3];
            let r = suite
                .opener_with(p, &keys)
                .unwrap()
                .open(&iv, b"aad", &body, &mut out);
            // CBC/ECB: a flipped last byte corrupts the padding (or, rarely for ECB/CBC, still
            // decrypts to a valid pad of another length, which both would then agree on).
            if suite.authenticated() {
                assert_eq!(r, Err(CryptoError::Authentication), "{name} on {p}");
            } else {
                assert!(r.is_err(), "{name} on {p}: damaged padding accepted");
            }
            assert_eq!(out, [1, 2, 3], "{name} on {p}: nothing appended on failure");
        }
    }
}

/// The hybrids draw a fresh data key (and, for ECIES, an ephemeral key) per message, so bodies
/// differ; what must hold is that each provider opens the other's.
#[test]
fn hybrid_providers_open_each_others_bodies() {
    let ring = KeyRing::from_seed(b"providers");
    for name in ["ecies-p256", "rsa-2048-oaep"] {
        let suite = Suite::from_name(name).unwrap();
        let keys: TopicKeys = ring.topic_keys(suite, "h").unwrap();
        let iv = [3u8; 12];
        let pt = input(100);
        let providers = suite.providers();
        assert_eq!(providers, [Provider::RustCrypto, Provider::AwsLc], "{name}");
        for &from in &providers {
            let mut body = Vec::new();
            suite
                .sealer_with(from, &keys)
                .unwrap()
                .seal(&iv, b"aad", &pt, &mut body)
                .unwrap();
            assert_eq!(body.len(), suite.body_len(pt.len()), "{name} from {from}");
            for &to in &providers {
                let mut back = Vec::new();
                suite
                    .opener_with(to, &keys)
                    .unwrap()
                    .open(&iv, b"aad", &body, &mut back)
                    .unwrap_or_else(|e| panic!("{name}: {to} cannot open {from}'s body: {e}"));
                assert_eq!(back, pt);
                let mut bad = body.clone();
                bad[70] ^= 0x80;
                assert_eq!(
                    suite
                        .opener_with(to, &keys)
                        .unwrap()
                        .open(&iv, b"aad", &bad, &mut Vec::new()),
                    Err(CryptoError::Authentication),
                    "{name}: {to} accepted a damaged body from {from}"
                );
            }
        }
    }
}

#[test]
fn signature_providers_verify_each_others_signatures() {
    let ring = KeyRing::from_seed(b"providers");
    let msg = input(64);
    for alg in [
        SigAlg::EcdsaP256,
        SigAlg::Ed25519,
        SigAlg::Rsa2048Pss,
        SigAlg::Rsa3072Pss,
    ] {
        let providers = providers_of_signature(alg);
        assert_eq!(
            providers,
            [Provider::RustCrypto, Provider::AwsLc],
            "{alg:?}"
        );
        let mut sigs = Vec::new();
        for &from in &providers {
            let mut sig = Vec::new();
            alg.signer_with(from, &ring, 7)
                .unwrap()
                .sign(&msg, &mut sig)
                .unwrap();
            assert_eq!(sig.len(), alg.sig_len(), "{alg:?} from {from}");
            for &to in &providers {
                let mut v = alg.verifier_with(to, &ring, 7).unwrap();
                v.verify(&msg, &sig)
                    .unwrap_or_else(|e| panic!("{alg:?}: {to} rejects {from}'s signature: {e}"));
                assert!(
                    v.verify(b"another message", &sig).is_err(),
                    "{alg:?} on {to}"
                );
            }
            sigs.push(sig);
        }
        // Ed25519 is deterministic (RFC 8032): the same key signs the same bytes alike.
        if alg == SigAlg::Ed25519 {
            assert_eq!(sigs[0], sigs[1]);
        }
    }
}

#[test]
fn a_provider_without_the_suite_says_which_providers_have_it() {
    let ring = KeyRing::from_seed(b"providers");
    let des = Suite::from_name("des-ofb").unwrap();
    let keys = ring.topic_keys(des, "t").unwrap();
    let err = des.sealer_with(Provider::AwsLc, &keys).err().unwrap();
    assert_eq!(
        err.to_string(),
        "key error: provider aws-lc has no suite des-ofb (providers with it: rustcrypto)"
    );
    let err = SigAlg::Ed25519
        .signer_with(Provider::Ring, &ring, 0)
        .err()
        .unwrap();
    assert!(
        err.to_string().contains(
            "provider ring has no signature ed25519 (providers with it: rustcrypto, aws-lc)"
        ),
        "{err}"
    );
}
