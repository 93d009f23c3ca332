//! Every suite of the catalogue through the public API, as the load generator uses it: keys from
//! the KeyRing, Sealer/Opener from the Suite, body length from `Suite::body_len`.

use mqtt_cipher_bench::crypto::keys::KeyRing;
use mqtt_cipher_bench::crypto::signature::SigAlg;
use mqtt_cipher_bench::crypto::{CryptoError, Suite};
use proptest::prelude::*;
use std::sync::LazyLock;

const SIZES: [usize; 9] = [0, 1, 7, 8, 15, 16, 17, 200, 1024];
const TOPIC: &str = "sensors/t1";

/// One ring for the whole test binary, so RSA keys are generated once (as in a run).
static RING: LazyLock<KeyRing> = LazyLock::new(|| KeyRing::from_seed(b"test-seed"));

fn iv_for(suite: Suite, salt: u8) -> Vec<u8> {
    (0..suite.iv_len() as u8)
        .map(|i| i.wrapping_mul(29) ^ salt)
        .collect()
}

fn plaintext(n: usize) -> Vec<u8> {
    (0..n).map(|i| (i * 7 + 3) as u8).collect()
}

#[test]
fn every_suite_round_trips_at_every_size_with_the_declared_body_length() {
    for suite in Suite::all() {
        let keys = RING.topic_keys(suite, TOPIC).unwrap();
        let mut sealer = suite.sealer(&keys).unwrap();
        let mut opener = suite.opener(&keys).unwrap();
        assert_eq!(sealer.iv_len(), suite.iv_len(), "{suite}");
        for n in SIZES {
            let pt = plaintext(n);
            let iv = iv_for(suite, n as u8);
            let aad = format!("{TOPIC}|header-{n}").into_bytes();
            // Bodies are appended: the sealer must leave what is already in `out` alone.
            let mut out = b"prefix".to_vec();
            sealer.seal(&iv, &aad, &pt, &mut out).unwrap();
            let body = &out[6..];
            assert_eq!(&out[..6], b"prefix");
            assert_eq!(body.len(), suite.body_len(n), "{suite} n={n}");
            assert_eq!(body.len(), sealer.body_len(n), "{suite} n={n}");
            if suite.name() != "none" && n >= 16 {
                assert_ne!(
                    &body[..16],
                    &pt[..16],
                    "{suite} leaves plaintext in the body"
                );
            }
            let mut back = b"xx".to_vec();
            opener.open(&iv, &aad, body, &mut back).unwrap();
            assert_eq!(&back[2..], &pt[..], "{suite} n={n}");
        }
    }
}

#[test]
fn every_authenticated_suite_rejects_a_flipped_bit_in_body_iv_and_aad() {
    for suite in Suite::all().filter(|s| s.authenticated()) {
        let keys = RING.topic_keys(suite, TOPIC).unwrap();
        let mut sealer = suite.sealer(&keys).unwrap();
        let mut opener = suite.opener(&keys).unwrap();
        for n in [0, 17, 200] {
            let pt = plaintext(n);
            let iv = iv_for(suite, 1);
            let aad = b"sensors/t1|header".to_vec();
            let mut body = Vec::new();
            sealer.seal(&iv, &aad, &pt, &mut body).unwrap();
            for bit in [0, body.len() * 8 / 2, body.len() * 8 - 1] {
                let mut bad = body.clone();
                bad[bit / 8] ^= 1 << (bit % 8);
                let mut out = Vec::new();
                assert_eq!(
                    opener.open(&iv, &aad, &bad, &mut out),
                    Err(CryptoError::Authentication),
                    "{suite} body bit {bit}"
                );
                assert!(out.is_empty(), "{suite} released unauthenticated plaintext");
            }
            let mut bad_iv = iv.clone();
            bad_iv[0] ^= 0x80;
            assert!(
                opener.open(&bad_iv, &aad, &body, &mut Vec::new()).is_err(),
                "{suite} iv"
            );
            let mut bad_aad = aad.clone();
            bad_aad[3] ^= 0x04;
            assert!(
                opener.open(&iv, &bad_aad, &body, &mut Vec::new()).is_err(),
                "{suite} aad"
            );
            assert!(
                opener
                    .open(&iv, &aad, &body[..body.len() - 1], &mut Vec::new())
                    .is_err(),
                "{suite} truncated"
            );
        }
    }
}

#[test]
fn hybrid_key_pairs_are_per_topic_and_cached() {
    for name in ["rsa-2048-oaep", "ecies-p256"] {
        let suite = Suite::from_name(name).unwrap();
        let a = RING.topic_keys(suite, "a").unwrap();
        let a_again = RING.topic_keys(suite, "a").unwrap();
        let b = RING.topic_keys(suite, "b").unwrap();
        let mut body = Vec::new();
        suite
            .sealer(&a)
            .unwrap()
            .seal(&[9; 12], b"aad", b"hello", &mut body)
            .unwrap();
        // The cached pair opens it; another topic's pair does not.
        let mut out = Vec::new();
        suite
            .opener(&a_again)
            .unwrap()
            .open(&[9; 12], b"aad", &body, &mut out)
            .unwrap();
        assert_eq!(out, b"hello");
        assert_eq!(
            suite
                .opener(&b)
                .unwrap()
                .open(&[9; 12], b"aad", &body, &mut Vec::new()),
            Err(CryptoError::Authentication),
            "{name}"
        );
        // Every message gets a fresh data key: the same plaintext never gives the same body.
        let mut body2 = Vec::new();
        suite
            .sealer(&a)
            .unwrap()
            .seal(&[9; 12], b"aad", b"hello", &mut body2)
            .unwrap();
        assert_ne!(body, body2, "{name}");
    }
}

#[test]
fn ecies_refuses_points_off_the_curve_and_compressed_points() {
    let suite = Suite::from_name("ecies-p256").unwrap();
    let keys = RING.topic_keys(suite, TOPIC).unwrap();
    let mut body = Vec::new();
    suite
        .sealer(&keys)
        .unwrap()
        .seal(&[1; 12], b"", b"payload", &mut body)
        .unwrap();
    let mut opener = suite.opener(&keys).unwrap();
    let mut off_curve = body.clone();
    off_curve[64] ^= 1; // last byte of y
    assert_eq!(
        opener.open(&[1; 12], b"", &off_curve, &mut Vec::new()),
        Err(CryptoError::Authentication)
    );
    let mut compressed_tag = body.clone();
    compressed_tag[0] = 0x02;
    assert_eq!(
        opener.open(&[1; 12], b"", &compressed_tag, &mut Vec::new()),
        Err(CryptoError::Authentication)
    );
}

#[test]
fn symmetric_keys_differ_per_topic_and_suite() {
    let suite = Suite::from_name("aes-128-gcm").unwrap();
    let a = RING.topic_keys(suite, "a").unwrap();
    let b = RING.topic_keys(suite, "b").unwrap();
    assert_ne!(a.symmetric().unwrap(), b.symmetric().unwrap());
    let other = RING
        .topic_keys(Suite::from_name("aes-128-cbc").unwrap(), "a")
        .unwrap();
    assert_ne!(a.symmetric().unwrap(), other.symmetric().unwrap());
}

#[test]
fn every_signature_signs_verifies_and_rejects_tampering() {
    for alg in SigAlg::ALL {
        let mut signer = alg.signer(&RING, 0).unwrap();
        let mut verifier = alg.verifier(&RING, 0).unwrap();
        let msg = b"sensors/t1|header|body|tag";
        let mut sig = Vec::new();
        signer.sign(msg, &mut sig).unwrap();
        assert_eq!(sig.len(), alg.sig_len(), "{alg:?}");
        verifier.verify(msg, &sig).unwrap();
        if alg == SigAlg::None {
            continue;
        }
        assert!(
            verifier
                .verify(b"sensors/t1|header|body|taG", &sig)
                .is_err(),
            "{alg:?} msg"
        );
        let mut bad = sig.clone();
        bad[sig.len() / 2] ^= 0x10;
        assert!(verifier.verify(msg, &bad).is_err(), "{alg:?} sig");
        assert!(verifier.verify(msg, &sig[1..]).is_err(), "{alg:?} short");
        // Another publisher has another key pair.
        let mut other = alg.verifier(&RING, 1).unwrap();
        assert!(other.verify(msg, &sig).is_err(), "{alg:?} other publisher");
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Openers take bytes from the network: any body, IV and AAD give a plaintext or an error,
    /// never a panic.
    #[test]
    fn openers_never_panic(
        id in prop::sample::select(Suite::all().map(|s| s.id()).collect::<Vec<_>>()),
        iv in prop::collection::vec(any::<u8>(), 0..20),
        body in prop::collection::vec(any::<u8>(), 0..400),
        aad in prop::collection::vec(any::<u8>(), 0..40),
    ) {
        let suite = Suite::from_id(id).unwrap();
        let keys = RING.topic_keys(suite, TOPIC).unwrap();
        let mut opener = suite.opener(&keys).unwrap();
        let _ = opener.open(&iv, &aad, &body, &mut Vec::new());
    }

    /// Round trip with random plaintexts and IVs for every suite.
    #[test]
    fn random_round_trips(
        id in prop::sample::select(Suite::all().map(|s| s.id()).collect::<Vec<_>>()),
        pt in prop::collection::vec(any::<u8>(), 0..300),
        salt in any::<u8>(),
    ) {
        let suite = Suite::from_id(id).unwrap();
        let keys = RING.topic_keys(suite, TOPIC).unwrap();
        let iv = iv_for(suite, salt);
        let mut body = Vec::new();
        suite.sealer(&keys).unwrap().seal(&iv, b"aad", &pt, &mut body).unwrap();
        prop_assert_eq!(body.len(), suite.body_len(pt.len()));
        let mut back = Vec::new();
        suite.opener(&keys).unwrap().open(&iv, b"aad", &body, &mut back).unwrap();
        prop_assert_eq!(back, pt);
    }
}

/// The hybrid bodies follow DESIGN.md's layout byte for byte: rebuilt here from the primitives,
/// without the harness's openers.
#[test]
fn hybrid_bodies_match_the_design_layout() {
    use aes_gcm::aead::{Aead, KeyInit, Payload};
    use mqtt_cipher_bench::crypto::keys::TopicPair;
    let iv = [7u8; 12];
    let aad = b"sensors/t1|header";
    let pt = b"22.5 C";
    let gcm_open = |key: &[u8], data: &[u8]| {
        aes_gcm::Aes128Gcm::new_from_slice(key)
            .unwrap()
            .decrypt((&iv).into(), Payload { msg: data, aad })
            .unwrap()
    };

    let suite = Suite::from_name("rsa-2048-oaep").unwrap();
    let keys = RING.topic_keys(suite, TOPIC).unwrap();
    let mut body = Vec::new();
    suite
        .sealer(&keys)
        .unwrap()
        .seal(&iv, aad, pt, &mut body)
        .unwrap();
    let TopicPair::Rsa(sk) = keys.pair().unwrap() else {
        panic!("RSA pair")
    };
    let key = sk
        .decrypt(rsa::Oaep::<sha2::Sha256>::new(), &body[..256])
        .unwrap();
    assert_eq!(key.len(), 16);
    assert_eq!(gcm_open(&key, &body[256..]), pt);

    let suite = Suite::from_name("ecies-p256").unwrap();
    let keys = RING.topic_keys(suite, TOPIC).unwrap();
    let mut body = Vec::new();
    suite
        .sealer(&keys)
        .unwrap()
        .seal(&iv, aad, pt, &mut body)
        .unwrap();
    let TopicPair::P256(sk) = keys.pair().unwrap() else {
        panic!("P-256 pair")
    };
    assert_eq!(body[0], 0x04, "SEC1 uncompressed");
    let eph = p256::PublicKey::from_sec1_bytes(&body[..65]).unwrap();
    let shared = p256::ecdh::diffie_hellman(sk.to_nonzero_scalar(), eph.as_affine());
    let hk = hkdf::Hkdf::<sha2::Sha256>::new(Some(b""), shared.raw_secret_bytes());
    let mut key = [0u8; 16];
    hk.expand(b"mqtt-cipher-bench/v1/ecies-p256", &mut key)
        .unwrap();
    assert_eq!(gcm_open(&key, &body[65..]), pt);
}
