use super::*;
use crate::crypto::Direction;

/// A run small enough for a test: 5 samples over 5 ms per cell, 2 ms warm-up.
fn tiny(suites: &[&str], sizes: Vec<usize>) -> SpeedOptions {
    SpeedOptions {
        suites: suites
            .iter()
            .map(|n| Suite::from_name(n).unwrap())
            .collect(),
        sizes,
        min_time: Duration::from_millis(5),
        samples: 5,
        warm_up: Some(Duration::from_millis(2)),
        signatures: vec![SigAlg::Ed25519, SigAlg::Rsa2048Pss],
        ..Default::default()
    }
}

#[test]
fn tiny_run_has_every_cell_with_statistics_and_prints() {
    let opts = tiny(&["aes-128-gcm", "des-pcbc", "ecies-p256"], vec![2, 16]);
    let report = run(&opts);
    assert_eq!(report.kind, KIND);
    assert_eq!(report.format_version, FORMAT_VERSION);
    assert_eq!(report.samples, 5);
    assert!(report.environment.crate_versions.contains_key("aes"));
    assert_eq!(report.suites.len(), 3);
    for (s, r) in opts.suites.iter().zip(&report.suites) {
        assert_eq!(r.error, None);
        assert_eq!(r.sizes.len(), 2);
        assert!(!r.implementation.is_empty());
        assert!(r.key_setup.as_ref().is_some_and(|k| k.median_ns > 0.0));
        for cell in &r.sizes {
            for rate in [&cell.encrypt, &cell.decrypt] {
                assert_eq!(rate.samples, 5);
                assert_eq!(rate.sample_ns.len(), 5);
                assert!(rate.iters_per_sample >= 1);
                assert!(rate.low_ns <= rate.median_ns && rate.median_ns <= rate.high_ns);
                assert!(rate.low_ns > 0.0);
                let expect = rate.ops_per_s * cell.size as f64 / 1000.0;
                assert!((rate.kbytes_per_s - expect).abs() < 1e-6);
            }
            assert_eq!(cell.body_len, s.body_len(cell.size));
        }
    }
    let hmac = &report.macs[0];
    assert_eq!(hmac.mac, MacAlg::HmacSha256);
    assert_eq!(hmac.sizes.len(), 2);
    assert_eq!(report.signatures.len(), 2);
    assert!(
        report
            .signatures
            .iter()
            .all(|s| s.error.is_none() && s.verify.is_some() && s.sign.is_some())
    );
    assert!(report.ecdh_p256.is_some());
    assert!(report.cell(opts.suites[1], 16).is_some());
    assert!(report.cell(opts.suites[1], 17).is_none());

    let mut text = Vec::new();
    print_table(&report, &mut text).unwrap();
    let text = String::from_utf8(text).unwrap();
    for needle in [
        "aes-128-gcm",
        "des-pcbc",
        "16 bytes",
        "hmac-sha256 (tag)",
        "hmac-sha256 (verify)",
        "rsa-2048-pss",
        "ecdh-p256",
        "95% interval",
        "1000s of bytes",
    ] {
        assert!(text.contains(needle), "{needle} missing in\n{text}");
    }
    let json = serde_json::to_value(&report).unwrap();
    assert_eq!(json["kind"], KIND);
    assert_eq!(json["suites"][0]["suite"], "aes-128-gcm");
    assert!(json["suites"][0]["sizes"][0]["encrypt"]["median_ns"].is_f64());
    assert_eq!(json["signatures"][0]["alg"], "ed25519");
}

#[test]
fn json_round_trips_through_read_json() {
    let report = run(&SpeedOptions {
        macs: vec![],
        signatures: vec![],
        ecdh: false,
        key_setup: false,
        ..tiny(&["aes-128-cbc"], vec![64])
    });
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("speed.json");
    std::fs::write(&path, serde_json::to_string_pretty(&report).unwrap()).unwrap();
    let back = read_json(&path).unwrap();
    let (a, b) = (
        report.cell(report.suites[0].suite, 64),
        back.cell(back.suites[0].suite, 64),
    );
    assert_eq!(a.map(|c| &c.encrypt), b.map(|c| &c.encrypt));
    assert_eq!(back.environment.cpu_model, report.environment.cpu_model);
    assert_eq!(
        back.machine_mismatch(&report.environment).is_none(),
        report.environment.profile == "release"
    );
}

#[test]
fn read_json_refuses_what_is_not_a_speed_report() {
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, text: &str| {
        let p = dir.path().join(name);
        std::fs::write(&p, text).unwrap();
        p
    };
    let missing = dir.path().join("absent.json");
    let e = read_json(&missing).unwrap_err();
    assert!(matches!(e, SpeedFileError::Read { .. }), "{e}");
    assert!(e.to_string().contains("absent.json"), "{e}");

    let e = read_json(&write("text.json", "not json")).unwrap_err();
    assert!(matches!(e, SpeedFileError::NotJson { .. }), "{e}");

    // A results.json, or speed --json of the format before statistics: no "kind".
    let e = read_json(&write("results.json", r#"{"schema_version": 1}"#)).unwrap_err();
    assert!(e.to_string().contains("\"kind\" is missing"), "{e}");
    let e = read_json(&write("other.json", r#"{"kind": "criterion"}"#)).unwrap_err();
    assert!(e.to_string().contains(r#""kind" is "criterion""#), "{e}");

    let e = read_json(&write(
        "v9.json",
        &format!(r#"{{"kind": "{KIND}", "format_version": 9}}"#),
    ))
    .unwrap_err();
    assert!(matches!(e, SpeedFileError::Version { .. }), "{e}");
    assert!(e.to_string().contains("format_version 9"), "{e}");

    let e = read_json(&write(
        "short.json",
        &format!(r#"{{"kind": "{KIND}", "format_version": {FORMAT_VERSION}}}"#),
    ))
    .unwrap_err();
    assert!(matches!(e, SpeedFileError::Malformed { .. }), "{e}");
    assert!(e.to_string().contains("missing field"), "{e}");
}

#[test]
fn another_cpu_is_named_with_this_one() {
    let report = run(&SpeedOptions {
        macs: vec![],
        signatures: vec![],
        ecdh: false,
        key_setup: false,
        ..tiny(&["none"], vec![2])
    });
    let mut here = report.environment.clone();
    here.cpu_model = Some("Test CPU 9000".into());
    let msg = report.machine_mismatch(&here).unwrap();
    assert!(msg.contains("Test CPU 9000"), "{msg}");
}

/// `--stream`: the measurement runs for a block suite on each of its providers and reports
/// separate stream figures with their statistics; the stream path encrypts exactly the bytes
/// of the per-message suite for the same key and IV, and goes on from one call to the next;
/// and the check before the clock refuses a stream that does not.
#[test]
fn stream_cells_time_the_per_message_bytes_as_one_long_message() {
    let opts = SpeedOptions {
        stream: true,
        providers: Providers::All,
        macs: vec![],
        signatures: vec![],
        ecdh: false,
        key_setup: false,
        ..tiny(&["aes-128-cbc", "des-pcbc"], vec![16, 64])
    };
    let report = run(&opts);
    assert!(report.stream);
    let rows: Vec<_> = report
        .suites
        .iter()
        .map(|r| (r.suite.name(), r.provider.map(Provider::name)))
        .collect();
    assert_eq!(
        rows,
        [
            ("aes-128-cbc", Some("rustcrypto")),
            ("aes-128-cbc", Some("aws-lc")),
            ("des-pcbc", Some("rustcrypto")),
        ]
    );
    for row in &report.suites {
        assert_eq!(row.error, None, "{} {:?}", row.suite, row.provider);
        for c in &row.sizes {
            for r in [&c.stream_encrypt, &c.stream_decrypt] {
                let r = r.as_ref().expect("stream figure");
                assert_eq!(r.samples, 5);
                assert!(r.low_ns > 0.0 && r.low_ns <= r.median_ns && r.median_ns <= r.high_ns);
            }
            // The per-message figures are still there, apart.
            assert!(c.encrypt.median_ns > 0.0);
        }
    }
    let mut text = Vec::new();
    print_table(&report, &mut text).unwrap();
    let text = String::from_utf8(text).unwrap();
    for needle in [
        "STREAM (not per message)",
        "stream encrypt: ns per call",
        "stream decrypt: 1000s of bytes",
        "aes-128-cbc stream aws-lc",
        "des-pcbc stream rustcrypto",
    ] {
        assert!(text.contains(needle), "{needle} missing in\n{text}");
    }
    let json = serde_json::to_value(&report).unwrap();
    assert_eq!(json["stream"], true);
    assert!(json["suites"][1]["sizes"][1]["stream_encrypt"]["median_ns"].is_f64());

    // The bytes, for every block suite on every provider that has it: two 64-byte pieces are
    // the first 128 bytes of the per-message seal of all 128 (the padding block left out), and
    // decrypt back in pieces (aws-lc's ECB and CBC hold one block back).
    let ring = KeyRing::from_seed(b"speed-stream-test");
    let pt: Vec<u8> = (0..128usize).map(|i| (i * 13 + 1) as u8).collect();
    for suite in Suite::all().filter(|s| s.streams()) {
        let block = suite.block_len().unwrap();
        for p in suite.providers() {
            let keys = ring.topic_keys(suite, "speed/stream").unwrap();
            let iv: Vec<u8> = (0..suite.iv_len() as u8).map(|i| i ^ 0x5a).collect();
            let mut body = Vec::new();
            let mut sealer = suite.sealer_with(p, &keys).unwrap();
            sealer.seal(&iv, &[], &pt, &mut body).unwrap();
            let mut enc = suite
                .streamer_with(p, &keys, &iv, Direction::Encrypt)
                .unwrap();
            let mut ct = vec![0u8; 128 + block];
            assert_eq!(enc.update(&pt[..64], &mut ct[..64 + block]).unwrap(), 64);
            assert_eq!(enc.update(&pt[64..], &mut ct[64..]).unwrap(), 64);
            assert_eq!(ct[..128], body[..128], "{suite} on {p}");
            let mut dec = suite
                .streamer_with(p, &keys, &iv, Direction::Decrypt)
                .unwrap();
            let mut back = vec![0u8; 128 + 2 * block];
            let a = dec.update(&body[..64], &mut back).unwrap();
            let b = dec.update(&body[64..128], &mut back[a..]).unwrap();
            assert!(a + b + block >= 128, "{suite} on {p}: {a} + {b}");
            assert_eq!(back[..a + b], pt[..a + b], "{suite} on {p}");
        }
    }

    // The check before the clock: one changed ciphertext byte and the stream is refused.
    let cbc = Suite::from_name("aes-128-cbc").unwrap();
    let keys = ring.topic_keys(cbc, "speed/stream").unwrap();
    let iv = [7u8; 16];
    let mut body = Vec::new();
    cbc.sealer_with(Provider::RustCrypto, &keys)
        .unwrap()
        .seal(&iv, &[], &pt, &mut body)
        .unwrap();
    let streams = || {
        [Direction::Encrypt, Direction::Decrypt].map(|d| {
            cbc.streamer_with(Provider::RustCrypto, &keys, &iv, d)
                .unwrap()
        })
    };
    let mut out = vec![0u8; 128 + 16];
    let [mut enc, mut dec] = streams();
    cells::check_stream(enc.as_mut(), dec.as_mut(), &pt, &body, 16, &mut out).unwrap();
    body[100] ^= 1;
    let [mut enc, mut dec] = streams();
    let e = cells::check_stream(enc.as_mut(), dec.as_mut(), &pt, &body, 16, &mut out).unwrap_err();
    assert!(e.to_string().contains("ciphertext differs"), "{e}");
    // A suite that is not a block mode has no stream.
    let gcm = Suite::from_name("aes-128-gcm").unwrap();
    let keys = ring.topic_keys(gcm, "speed/stream").unwrap();
    assert!(
        gcm.streamer_with(Provider::AwsLc, &keys, &[0; 12], Direction::Encrypt)
            .is_err()
    );
}
