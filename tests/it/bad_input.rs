//! Hostile and mistaken input to the binary: each is refused with the documented exit code
//! (README "Exit codes": 0 success, 1 the run failed, 2 bad input) and a message naming the
//! place to fix, and nothing panics.
//!
//! Covered elsewhere, not repeated here: a missing scenario file, an unknown suite with its
//! "did you mean", a bad `--set`, an unreachable broker and Ctrl-C (tests/it/cli.rs); a port in
//! use for `broker --port` (tests/it/broker_command.rs); the broker dying and coming back
//! mid-case, with every message accounted for (tests/it/outage.rs).

use crate::common;
use std::path::Path;

use crate::common::run_bin;

/// Writes `text` as `name` in `dir` and runs it, results going to `dir/out`.
fn run_scenario(dir: &Path, name: &str, text: &str) -> (i32, String) {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    let out = dir.join("out");
    let (code, _, err) = run_bin(&[
        "run",
        path.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "-q",
    ]);
    (code, err)
}

#[test]
fn unreadable_scenario_exits_2_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    // As root a chmod 000 file is still readable; a directory is unreadable as a file for
    // everyone.
    // SAFETY: geteuid has no preconditions.
    let root = unsafe { libc::geteuid() } == 0;
    let path = if root {
        let d = dir.path().join("scenario.toml");
        std::fs::create_dir(&d).unwrap();
        d
    } else {
        use std::os::unix::fs::PermissionsExt;
        let f = dir.path().join("scenario.toml");
        std::fs::write(&f, "name = \"x\"\n").unwrap();
        std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o000)).unwrap();
        f
    };
    let (code, _, err) = run_bin(&["run", path.to_str().unwrap()]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains(&format!("{}: cannot read scenario", path.display())),
        "{err}"
    );
}

#[test]
fn malformed_toml_exits_2_with_file_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let (code, err) = run_scenario(
        dir.path(),
        "broken.toml",
        "name = \"broken\"\n[load]\nrate = 10\nduration = \"1s\n",
    );
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("broken.toml:4:"), "{err}");
    let (code, err) = run_scenario(
        dir.path(),
        "table.toml",
        "name = \"t\"\n[matrix\nqos = [0]\n",
    );
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("table.toml:2:"), "{err}");
}

#[test]
fn unknown_names_suggest_the_closest_valid_one() {
    let dir = tempfile::tempdir().unwrap();
    for (line, at, want) in [
        (
            "[matrix]\nciphers = [\"aes-128\"]\nmodes = [\"cbcc\"]\n",
            ":4:9: matrix.modes: unknown mode \"cbcc\"",
            "did you mean \"cbc\"?",
        ),
        (
            "[matrix]\nciphers = [\"aes-12\"]\nmodes = [\"cbc\"]\n",
            ":3:11: matrix.ciphers: unknown cipher \"aes-12\"",
            "did you mean \"aes-128\"?",
        ),
        (
            "[matrix]\nmac = [\"hmac-sha25\"]\n",
            ":3:8: matrix.mac: unknown variant `hmac-sha25`",
            "did you mean \"hmac-sha256\"?",
        ),
        (
            "[matrix]\nsignature = [\"ed2519\"]\n",
            ":3:14: matrix.signature: unknown variant `ed2519`",
            "did you mean \"ed25519\"?",
        ),
        (
            "[load]\npayload = \"sensor-jsn\"\n",
            ":3:11: load.payload: unknown variant `sensor-jsn`",
            "did you mean \"sensor-json\"?",
        ),
    ] {
        let (code, err) = run_scenario(dir.path(), "names.toml", &format!("name = \"n\"\n{line}"));
        assert_eq!(code, 2, "{err}");
        assert!(err.contains(&format!("names.toml{at}")), "{err}");
        assert!(err.contains(want), "{err}");
    }
    // The tamper command's flags too.
    let (code, _, err) = run_bin(&["tamper", "--suite", "aes-128-cbx", "--trials", "1"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("did you mean \"aes-128-cbc\""), "{err}");
    let (code, _, err) = run_bin(&["tamper", "--mac", "hmac", "--trials", "1"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("--mac: unknown value \"hmac\""), "{err}");
    let (code, _, err) = run_bin(&["tamper", "--signature", "ed25518", "--trials", "1"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("did you mean \"ed25519\""), "{err}");
}

#[test]
fn impossible_combinations_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    for (text, want) in [
        // The matrix emptied: nothing to measure.
        (
            "[matrix]\nsuite = []\n",
            ":3:9: matrix.suite: expected at least one suite",
        ),
        (
            "[matrix]\nciphers = []\nmodes = [\"cbc\"]\n",
            ":3:11: matrix.ciphers: expected at least one suite",
        ),
        (
            "[matrix]\nqos = []\n",
            "matrix.qos: expected at least one value",
        ),
        // Half a shorthand.
        (
            "[matrix]\nmodes = [\"cbc\"]\n",
            "matrix.modes: `modes` needs `ciphers`",
        ),
        // A TLS case with no TLS listener.
        (
            "[broker]\nurl = \"mqtt://127.0.0.1:1\"\n[matrix]\ntransport = [\"tls\"]\n",
            "matrix.transport: no tls listener",
        ),
        // Link emulation without the proxy that does it.
        (
            "[link]\nproxy = false\nrtt = \"10ms\"\n",
            "link.proxy: rtt, jitter and bandwidth are emulated by the proxy",
        ),
        // Warm-up that swallows the whole case.
        (
            "[load]\nduration = \"1s\"\nwarmup = \"1s\"\n",
            "load.warmup: warm-up (1s) must be shorter",
        ),
    ] {
        let (code, err) = run_scenario(dir.path(), "combo.toml", &format!("name = \"c\"\n{text}"));
        assert_eq!(code, 2, "{text}: {err}");
        assert!(err.contains(want), "{text}: {err}");
    }
    // A shard that has no publishers left.
    let path = dir.path().join("shard.toml");
    std::fs::write(&path, "name = \"s\"\n[load]\npublishers = 1\n").unwrap();
    let out = dir.path().join("out");
    let (code, _, err) = run_bin(&[
        "run",
        path.to_str().unwrap(),
        "--shard",
        "1/2",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("1 publishers cannot be split into 2 shards"),
        "{err}"
    );
}

#[test]
fn size_zero_or_too_large_is_refused_before_any_case() {
    let dir = tempfile::tempdir().unwrap();
    for (size, want) in [
        ("0", "got 0"),
        ("\"17MiB\"", "got 17825792"),
        ("-5", "got 0"),
    ] {
        let (code, err) = run_scenario(
            dir.path(),
            "size.toml",
            &format!("name = \"s\"\n[matrix]\nsize = [64, {size}]\n"),
        );
        assert_eq!(code, 2, "{err}");
        assert!(
            err.contains("size.toml:3:13: matrix.size: expected a message size from 1 byte to 16777216 bytes (16 MiB)")
                && err.contains(want),
            "{err}"
        );
        assert!(
            !dir.path().join("out").exists(),
            "no results folder for bad input"
        );
    }
    let (code, _, err) = run_bin(&["tamper", "--size", "0", "--trials", "1"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("--size: expected 1 to"), "{err}");
}

/// A broker whose packet limit is below the case's messages: Mosquitto (max_packet_size)
/// disconnects the publisher; the case fails saying why, the small case beside it is kept.
#[test]
fn messages_above_the_brokers_limit_fail_the_case_with_a_clear_error() {
    let Some(m) = common::mosquitto::Mosquitto::start_with("max_packet_size 2048") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("limit.toml");
    std::fs::write(
        &path,
        format!(
            "name = \"limit\"\n{}[load]\nrate = 20\nduration = \"1s\"\nwarmup = \"200ms\"\n\
             drain = \"1s\"\n[matrix]\nqos = [1]\nsize = [64, 4096]\nsuite = [\"aes-128-gcm\"]\n",
            m.broker_toml()
        ),
    )
    .unwrap();
    let out = dir.path().join("out");
    let (code, _, err) = run_bin(&[
        "run",
        path.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "-q",
    ]);
    // One case of two measured: the run completed (exit 0) and says which failed.
    assert_eq!(code, 0, "{err}");
    let run_dir = std::fs::read_dir(out.join("limit"))
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(run_dir.join("results.json")).unwrap())
            .unwrap();
    let cases = v["cases"].as_array().unwrap();
    assert_eq!(cases.len(), 2);
    let small = &cases[0];
    assert_eq!(small["params"]["size"], 64);
    assert_eq!(small["status"], "ok", "{small}");
    let big = &cases[1];
    assert_eq!(big["params"]["size"], 4096);
    assert_eq!(big["status"], "failed", "{big}");
    let e = big["error"].as_str().unwrap();
    assert!(
        e.contains("came back from the broker") && e.contains("max_packet_size"),
        "{e}"
    );
    assert!(
        big["counts"]["sent"].as_u64().unwrap() > 0,
        "what was measured is kept"
    );
    let report = std::fs::read_to_string(run_dir.join("report.md")).unwrap();
    assert!(
        report.contains("FAILED") && report.contains("max_packet_size"),
        "{report}"
    );
}

#[test]
fn results_folder_not_writable_exits_2_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("a-file");
    std::fs::write(&file, "not a folder").unwrap();
    let scenario = dir.path().join("ok.toml");
    std::fs::write(
        &scenario,
        "name = \"ok\"\n[load]\nrate = 10\nduration = \"300ms\"\nwarmup = \"100ms\"\n",
    )
    .unwrap();
    let out = file.join("results");
    let (code, _, err) = run_bin(&[
        "run",
        scenario.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "-q",
    ]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains(&format!(
            "cannot create results folder {}",
            out.join("ok").display()
        )),
        "{err}"
    );
}

#[test]
fn repeat_zero_exits_2_with_file_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    for (value, want) in [("0", "got 0"), ("-2", "got -2"), ("1001", "got 1001")] {
        let (code, err) = run_scenario(
            dir.path(),
            "rep.toml",
            &format!("name = \"r\"\n[load]\nrepeat = {value}\n"),
        );
        assert_eq!(code, 2, "{err}");
        assert!(
            err.contains(
                "rep.toml:3:10: load.repeat: expected how many times to measure every case, 1 (once) to 1000"
            ) && err.contains(want),
            "{err}"
        );
    }
    assert!(!dir.path().join("out").exists(), "no results folder");
}

#[test]
fn bad_order_flags_exit_2_naming_the_flag() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("o.toml");
    std::fs::write(&path, "name = \"o\"\n").unwrap();
    let p = path.to_str().unwrap();
    for (args, want) in [
        (
            vec!["--order-seed", "twelve"],
            "invalid value 'twelve' for '--order-seed <SEED>'",
        ),
        (vec!["--order-seed", "-1"], "unexpected argument '-1'"),
        (
            vec!["--order-seed", "18446744073709551616"],
            "invalid value '18446744073709551616' for '--order-seed <SEED>'",
        ),
        (
            vec!["--order", "random"],
            "invalid value 'random' for '--order <ORDER>'",
        ),
        (
            vec!["--order", "matrix", "--order-seed", "5"],
            "--order-seed: seeds the shuffle, but --order matrix does not shuffle",
        ),
    ] {
        let mut all = vec!["run", p, "-q"];
        all.extend(&args);
        let (code, _, err) = run_bin(&all);
        assert_eq!(code, 2, "{args:?}: {err}");
        assert!(err.contains(want), "{args:?}: {err}");
    }
    let (_, _, err) = run_bin(&["run", p, "--order", "random"]);
    assert!(err.contains("[possible values: shuffled, matrix]"), "{err}");
}

#[test]
fn a_provider_without_a_suite_of_the_matrix_exits_2_at_that_provider() {
    let dir = tempfile::tempdir().unwrap();
    let (code, err) = run_scenario(
        dir.path(),
        "prov.toml",
        "name = \"p\"\n[matrix]\nsuite = [\"aes-128-gcm\", \"des-ofb\"]\nprovider = [\"rustcrypto\", \"aws-lc\"]\n",
    );
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains(
            "prov.toml:4:27: matrix.provider: provider aws-lc has no suite des-ofb (providers with it: rustcrypto)"
        ),
        "{err}"
    );
    let (code, err) = run_scenario(
        dir.path(),
        "prov.toml",
        "name = \"p\"\n[matrix]\nprovider = [\"openssl\"]\n",
    );
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("prov.toml:3:")
            && err.contains(
                "unknown provider \"openssl\" (expected one of rustcrypto, ring, aws-lc)"
            ),
        "{err}"
    );
    let (code, err) = run_scenario(
        dir.path(),
        "prov.toml",
        "name = \"p\"\n[matrix]\nsignature = [\"ed25519\"]\nprovider = [\"ring\"]\n",
    );
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("matrix.provider: provider ring has no signature ed25519 (providers with it: rustcrypto, aws-lc)"),
        "{err}"
    );
    assert!(!dir.path().join("out").exists(), "no results folder");
}

#[test]
fn speed_with_a_provider_that_lacks_the_suite_exits_2() {
    let (code, _, err) = run_bin(&["speed", "--suites", "blowfish-cbc", "--provider", "aws-lc"]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains(
            "--provider: provider aws-lc has no suite blowfish-cbc (providers with it: rustcrypto)"
        ),
        "{err}"
    );
    let (code, _, err) = run_bin(&["speed", "--provider", "boringssl"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("unknown provider \"boringssl\""), "{err}");
}

#[test]
fn speed_stream_refuses_suites_that_are_not_block_modes_and_sizes_that_are_not_blocks() {
    let (code, out, err) = run_bin(&[
        "speed",
        "--stream",
        "--suites",
        "aes-128-cbc,aes-128-gcm,ecies-p256",
    ]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("--stream: aes-128-gcm, ecies-p256 are not block modes"),
        "{err}"
    );
    assert!(out.is_empty(), "nothing measured: {out}");
    let (code, _, err) = run_bin(&["speed", "--stream", "--suites", "chacha20-poly1305"]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("--stream: chacha20-poly1305 is not a block mode"),
        "{err}"
    );
    let (code, _, err) = run_bin(&[
        "speed",
        "--stream",
        "--suites",
        "des-cbc,aes-128-ctr",
        "--sizes",
        "64,24",
    ]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("--sizes: --stream takes whole blocks, and 24 is not a multiple of aes-128-ctr's 16-byte block"),
        "{err}"
    );
}

#[test]
fn tamper_with_a_provider_that_lacks_the_suite_exits_2() {
    let (code, _, err) = run_bin(&[
        "tamper",
        "--suite",
        "des-ofb",
        "--provider",
        "aws-lc",
        "--trials",
        "1",
    ]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains(
            "--provider: provider aws-lc has no suite des-ofb (providers with it: rustcrypto)"
        ),
        "{err}"
    );
    let (code, _, err) = run_bin(&[
        "tamper",
        "--suite",
        "aes-128-gcm",
        "--signature",
        "ed25519",
        "--provider",
        "ring",
        "--trials",
        "1",
    ]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("--provider: provider ring has no signature ed25519"),
        "{err}"
    );
    let (code, _, err) = run_bin(&["tamper", "--provider", "openssl", "--trials", "1"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("unknown provider \"openssl\""), "{err}");
}

#[test]
fn center_rate_limit_or_burst_of_zero_exits_2_at_the_value() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("center.toml");
    for (text, expect) in [
        (
            "[limits]\nrate = 0\n",
            ":2:8: limits.rate: expected requests per second per client > 0 (e.g. 20",
        ),
        (
            "[limits]\nrate = 5\nburst = 0\n",
            ":3:9: limits.burst: expected at least 1 request a client may send at once",
        ),
        (
            "[limits]\nconcurrency = 0\n",
            ":2:15: limits.concurrency: expected at least 1",
        ),
    ] {
        std::fs::write(&path, text).unwrap();
        let (code, _, err) = run_bin(&[
            "center",
            "--config",
            path.to_str().unwrap(),
            "--broker",
            "embedded",
        ]);
        assert_eq!(code, 2, "{text}: {err}");
        assert!(
            err.contains(&format!("{}{expect}", path.display())),
            "{text}: {err}"
        );
    }
}

/// `[link] faults`: each field out of range, a field of another kind, a fault without the
/// proxy, a corruption rate of 0: exit 2 at the value's line and column, naming the field and
/// what would work.
#[test]
fn bad_faults_exit_2_at_the_field_with_what_would_work() {
    let dir = tempfile::tempdir().unwrap();
    let head = "name = \"f\"\n[load]\nduration = \"5s\"\nwarmup = \"1s\"\n[link]\n";
    // (lines after the head, the text the caret points at, field, words the message must hold)
    let cases: &[(&str, &str, &str, &str)] = &[
        (
            "faults = [\n  { kind = \"reset\", every = \"10s\" },\n]\n",
            "\"10s\"",
            "link.faults.every",
            "expected from 100ms to less than load.duration (5s)",
        ),
        (
            "faults = [\n  { kind = \"reset\", mean = \"20ms\", seed = 3 },\n]\n",
            "\"20ms\"",
            "link.faults.mean",
            "expected from 100ms",
        ),
        (
            "faults = [\n  { kind = \"stall\", every = \"2s\", for = \"3s\" },\n]\n",
            "\"3s\"",
            "link.faults.for",
            "expected a stall from 10ms to less than the gap between stalls (2s), got 3s",
        ),
        (
            "faults = [\n  { kind = \"corrupt\", rate = 0.0 },\n]\n",
            "0.0",
            "link.faults.rate",
            "a rate of 0 corrupts nothing: use kind = \"none\" for a baseline",
        ),
        (
            "faults = [\n  { kind = \"corrupt\", rate = 0.5 },\n]\n",
            "0.5",
            "link.faults.rate",
            "at most 0.01",
        ),
        (
            "faults = [\n  { kind = \"half-open\", every = \"2s\" },\n]\n",
            "{",
            "link.faults.direction",
            "needs `direction`: \"down\"",
        ),
        (
            "faults = [\n  { kind = \"reset\", every = \"2s\", for = \"1s\" },\n]\n",
            "\"1s\"",
            "link.faults.for",
            "`for` does not apply to a reset fault (its fields: every, mean, seed)",
        ),
        (
            "faults = [\n  { kind = \"stall\", for = \"1s\" },\n]\n",
            "{",
            "link.faults.every",
            "needs `every` (e.g. every = \"3s\") or `mean`",
        ),
        (
            "faults = [\n  { kind = \"reset\", every = \"1s\" },\n  { kind = \"reset\", every = \"2s\" },\n]\n",
            "{ kind = \"reset\", every = \"2s\" }",
            "link.faults.name",
            "two faults are named \"reset\"; give each a unique `name`",
        ),
        (
            "proxy = false\nfaults = [\n  { kind = \"reset\", every = \"1s\" },\n]\n",
            "[",
            "link.faults",
            "set `proxy = true` in [link] or remove `faults`",
        ),
        (
            "faults = []\n",
            "[]",
            "link.faults",
            "expected 1 to 32 faults, got 0",
        ),
        (
            "keep_alive = \"500ms\"\n",
            "\"500ms\"",
            "link.keep_alive",
            "expected whole seconds from 1s to 65535s, got 500ms",
        ),
    ];
    for &(tail, caret, field, want) in cases {
        let text = format!("{head}{tail}");
        let (code, err) = run_scenario(dir.path(), "faults.toml", &text);
        assert_eq!(code, 2, "{tail}: {err}");
        // The caret's place: the last line holding it (a duplicate is the second entry).
        let (line, col) = text
            .lines()
            .enumerate()
            .filter_map(|(i, l)| l.find(caret).map(|c| (i + 1, c + 1)))
            .filter(|&(i, _)| i > 5)
            .last()
            .unwrap();
        let place = format!("faults.toml:{line}:{col}: {field}: ");
        assert!(err.contains(&place), "{tail}: want {place} in {err}");
        assert!(err.contains(want), "{tail}: want {want:?} in {err}");
        assert!(!err.contains("panicked"), "{err}");
    }
    // An unknown kind names the kinds there are.
    let (code, err) = run_scenario(
        dir.path(),
        "faults.toml",
        &format!("{head}faults = [{{ kind = \"rest\", every = \"1s\" }}]\n"),
    );
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("faults.toml:6:") && err.contains("half-open") && err.contains("corrupt"),
        "{err}"
    );
    assert!(!dir.path().join("out").exists(), "no results folder");
}

#[test]
fn source_addrs_that_cannot_be_bound_exit_2_at_the_address() {
    let dir = tempfile::tempdir().unwrap();
    // 192.0.2.1 is TEST-NET-1 (RFC 5737): on no host's interfaces.
    for (value, col, want) in [
        (
            "[\"127.0.0.2\", \"192.0.2.1\"]",
            30,
            "load.source_addrs[1]: 192.0.2.1 cannot be bound here",
        ),
        (
            "[\"localhost\"]",
            17,
            "load.source_addrs[0]: expected an IP address of this host (e.g. \"127.0.0.2\"), got \"localhost\"",
        ),
        (
            "[\"127.0.0.2\", \"127.0.0.2\"]",
            30,
            "load.source_addrs: 127.0.0.2 is listed twice",
        ),
        (
            "[\"0.0.0.0\"]",
            17,
            "load.source_addrs[0]: 0.0.0.0 cannot be a source address",
        ),
        (
            "[]",
            16,
            "load.source_addrs: expected at least one local IP address",
        ),
    ] {
        let (code, err) = run_scenario(
            dir.path(),
            "src.toml",
            &format!("name = \"s\"\n[load]\nsource_addrs = {value}\n"),
        );
        assert_eq!(code, 2, "{value}: {err}");
        assert!(
            err.contains(&format!("src.toml:3:{col}: {want}")),
            "{value}: {err}"
        );
    }
    assert!(!dir.path().join("out").exists(), "no results folder");
}
