//! Parsing and validation of whole scenario files (the sections' own checks are in their files).

use super::*;
use crate::crypto::keys::DEFAULT_SEED;

fn parse_str(text: &str) -> Result<Scenario, ScenarioError> {
    parse(Path::new("t.toml"), text, &[], None)
}

#[test]
fn minimal_scenario_gets_defaults() {
    let s = parse_str("name = \"t\"\n").unwrap();
    assert_eq!(s.cases.len(), 1);
    assert_eq!(s.cases[0].id(), "none/q1/64B/tcp");
    assert_eq!(s.broker.url.get_ref(), "embedded");
    assert_eq!(s.keys.0, DEFAULT_SEED.as_bytes());
}

#[test]
fn unknown_key_is_an_error_with_position() {
    let e = parse_str("name = \"t\"\n[load]\npublishers = 1\nrat = 5\n").unwrap_err();
    let shown = e.to_string();
    assert!(shown.starts_with("t.toml:4:1: "), "{shown}");
    assert!(shown.contains("unknown field `rat`"), "{shown}");
}

#[test]
fn bad_values_name_field_and_expectation() {
    let e = parse_str("name = \"t\"\n[matrix]\nqos = [0, 3]\n")
        .unwrap_err()
        .to_string();
    assert!(
        e.starts_with("t.toml:3:7: matrix.qos: expected QoS 0, 1 or 2, got 3"),
        "{e}"
    );
    let e = parse_str("name = \"t\"\n[matrix]\nsuite = [\"aes-128-cbx\"]\n")
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("t.toml:3:9: matrix.suite:") && e.contains("did you mean \"aes-128-cbc\""),
        "{e}"
    );
    let e = parse_str("name = \"t\"\n[matrix]\nsize = [0]\n")
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("matrix.size: expected a message size from 1 byte"),
        "{e}"
    );
    let e = parse_str("name = \"t\"\n[load]\nduration = \"2s\"\nwarmup = \"3s\"\n")
        .unwrap_err()
        .to_string();
    assert!(
        e.starts_with("t.toml:4:10: load.warmup: warm-up (3s) must be shorter"),
        "{e}"
    );
    let e = parse_str("name = \"t\"\n[load]\nrate = \"fast\"\n")
        .unwrap_err()
        .to_string();
    assert!(
        e.starts_with("t.toml:3:8: load.rate: expected a number"),
        "{e}"
    );
}

#[test]
fn shorthand_expands_and_rejects_unknown_modes() {
    let s = parse_str(
        "name = \"t\"\n[matrix]\nciphers = [\"des\", \"aes-128\"]\nmodes = [\"cbc\", \"ofb\"]\n",
    )
    .unwrap();
    let names: Vec<_> = s.cases.iter().map(|c| c.suite.name()).collect();
    assert_eq!(names, ["des-cbc", "des-ofb", "aes-128-cbc", "aes-128-ofb"]);
    let e = parse_str("name = \"t\"\n[matrix]\nciphers = [\"des\"]\nmodes = [\"gcm\"]\n")
        .unwrap_err()
        .to_string();
    assert!(e.contains("matrix.modes: unknown mode \"gcm\""), "{e}");
    let e = parse_str("name = \"t\"\n[matrix]\nciphers = [\"des\"]\n")
        .unwrap_err()
        .to_string();
    assert!(e.contains("needs `modes`"), "{e}");
}

#[test]
fn transport_axis_needs_a_listener() {
    let e = parse_str(
        "name = \"t\"\n[broker]\nurl = \"mqtt://pi.local\"\n[matrix]\ntransport = [\"tcp\", \"tls\"]\n",
    )
    .unwrap_err()
    .to_string();
    assert!(
        e.starts_with("t.toml:5:13: matrix.transport: no tls listener") && e.contains("tls_url"),
        "{e}"
    );
    let s = parse_str(
        "name = \"t\"\n[broker]\nurl = \"mqtt://pi.local\"\ntls_url = \"mqtts://pi.local\"\n[matrix]\ntransport = [\"tcp\", \"tls\"]\n",
    )
    .unwrap();
    assert_eq!(s.cases.len(), 2);
    let e = parse_str("name = \"t\"\n[broker]\ntls_url = \"mqtt://x\"\n")
        .unwrap_err()
        .to_string();
    assert!(
        e.starts_with("t.toml:3:11: broker.tls_url: expected an mqtts://"),
        "{e}"
    );
    let e = parse_str("name = \"t\"\n[broker]\nurl = \"http://x\"\n")
        .unwrap_err()
        .to_string();
    assert!(e.starts_with("t.toml:3:7: broker.url: expected"), "{e}");
    // The default axis follows the URL.
    let s = parse_str("name = \"t\"\n[broker]\nurl = \"mqtts://pi.local\"\n").unwrap();
    assert_eq!(s.cases[0].id(), "none/q1/64B/tls");
    let s = parse_str("name = \"t\"\n[matrix]\ntransport = [\"tls\"]\n").unwrap();
    assert_eq!(s.cases[0].id(), "none/q1/64B/tls");
}

#[test]
fn link_section_parses_and_checks() {
    let s = parse_str(
        "name = \"t\"\n[link]\nrtt = \"100ms\"\nbandwidth = \"250kbit\"\njitter = \"10ms\"\n",
    )
    .unwrap();
    assert_eq!(s.link.bandwidth_bps, Some(250_000));
    assert_eq!(s.link.rtt, Duration::from_millis(100));
    assert!(s.proxy);
    let e = parse_str("name = \"t\"\n[link]\nbandwidth = \"fast\"\n")
        .unwrap_err()
        .to_string();
    assert!(
        e.starts_with("t.toml:3:13: link.bandwidth: expected a bandwidth"),
        "{e}"
    );
    let e = parse_str("name = \"t\"\n[link]\nrtt = \"10ms\"\njitter = \"20ms\"\n")
        .unwrap_err()
        .to_string();
    assert!(
        e.starts_with("t.toml:4:10: link.jitter: jitter (20ms)"),
        "{e}"
    );
}

#[test]
fn overrides_apply_and_are_recorded() {
    let s = parse(
        Path::new("t.toml"),
        "name = \"t\"\n[load]\nrate = 10\n",
        &["load.rate=50".into(), "matrix.qos=[0,2]".into()],
        Some("mqtt://127.0.0.1:1883"),
    )
    .unwrap();
    assert_eq!(s.load.rate, Rate::PerSecond(50.0));
    assert_eq!(s.cases.len(), 2);
    assert_eq!(s.broker.url.get_ref(), "mqtt://127.0.0.1:1883");
    assert_eq!(s.overrides.len(), 3);
    let e = parse(
        Path::new("t.toml"),
        "name = \"t\"\n",
        &["load.rate=abc".into()],
        None,
    )
    .unwrap_err();
    assert!(e.to_string().starts_with("--set load.rate=abc: "), "{e}");
}

#[test]
fn session_kind_from_load_or_the_matrix_axis() {
    let s = parse_str("name = \"t\"\n[load]\nsession = \"persistent\"\n").unwrap();
    assert_eq!(s.cases[0].id(), "none/q1/64B/tcp/persistent");
    let s = parse_str("name = \"t\"\n[matrix]\nsession = [\"clean\", \"persistent\"]\n").unwrap();
    let ids: Vec<String> = s.cases.iter().map(|c| c.id()).collect();
    assert_eq!(ids, ["none/q1/64B/tcp", "none/q1/64B/tcp/persistent"]);
    let e = parse_str("name = \"t\"\n[load]\nsession = \"persistant\"\n")
        .unwrap_err()
        .to_string();
    assert!(
        e.starts_with("t.toml:3:11: load.session:")
            && e.contains("expected `clean` or `persistent`")
            && e.contains("did you mean \"persistent\""),
        "{e}"
    );
    let e = parse_str("name = \"t\"\n[matrix]\nsession = []\n")
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("matrix.session: expected at least one value"),
        "{e}"
    );
}
