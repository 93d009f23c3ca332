use super::*;

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
