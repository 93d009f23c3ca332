//! Every scenario shipped in scenarios/ parses, expands to the cases its comment promises, and
//! only names suites that exist.

use std::path::Path;

use mqtt_cipher_bench::scenario;

fn load(name: &str) -> scenario::Scenario {
    let path = Path::new("scenarios").join(name);
    scenario::load(&path, &[], None).unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn shipped_scenarios_parse() {
    let mut seen = 0;
    for entry in std::fs::read_dir("scenarios").unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "toml") {
            let s = scenario::load(&path, &[], None).unwrap_or_else(|e| panic!("{e}"));
            assert!(!s.cases.is_empty(), "{}", path.display());
            assert!(s.load.warmup < s.load.duration);
            seen += 1;
        }
    }
    assert!(seen >= 4, "quick and the seeds' studies");
}

#[test]
fn quick_has_twelve_cases_of_three_suites() {
    let s = load("quick.toml");
    assert_eq!(s.cases.len(), 12);
    // Under two minutes of measured time with its repetitions, whatever the machine.
    assert!(
        s.load.duration * s.cases.len() as u32 * s.load.repeat
            <= std::time::Duration::from_secs(100)
    );
}

#[test]
fn studies_repeat_their_cases_for_intervals() {
    for name in [
        "seed-001-signatures.toml",
        "seed-002-block-modes.toml",
        "seed-002-security-center.toml",
        "seed-004-s-mqtt.toml",
        "tls-vs-payload.toml",
        "mqtt-versions.toml",
    ] {
        assert!(load(name).load.repeat >= 3, "{name}: repeat >= 3");
    }
    // The four reference runs fit the ~25 minutes scripts/reference.sh gets: measured time
    // alone (set-up, drain and tamper matrices add about 5%).
    let total: std::time::Duration = [
        "quick.toml",
        "seed-002-block-modes.toml",
        "seed-004-s-mqtt.toml",
        "mqtt-versions.toml",
    ]
    .iter()
    .map(|n| {
        let s = load(n);
        s.load.duration * s.cases.len() as u32 * s.load.repeat
    })
    .sum();
    assert!(
        total <= std::time::Duration::from_secs(20 * 60),
        "{total:?}"
    );
}

#[test]
fn seed_studies_cover_what_the_papers_compare() {
    let s = load("seed-002-block-modes.toml");
    let suites: std::collections::BTreeSet<_> = s.cases.iter().map(|c| c.suite.name()).collect();
    assert_eq!(suites.len(), 15, "3 ciphers x 5 modes: {suites:?}");
    assert!(
        suites.contains("blowfish-pcbc")
            && suites.contains("des-ecb")
            && suites.contains("aes-128-ofb")
    );

    let s = load("seed-004-s-mqtt.toml");
    let sizes: std::collections::BTreeSet<_> = s.cases.iter().map(|c| c.size).collect();
    assert_eq!(sizes.first(), Some(&2));
    assert_eq!(sizes.last(), Some(&200));
    assert!(
        s.cases
            .iter()
            .any(|c| c.suite.name() == "ecies-p256" && c.signature.name() == "ecdsa-p256")
    );
    // The paper's own scheme, at every size, and only without a signature (it takes none).
    let smqtt: Vec<_> = s
        .cases
        .iter()
        .filter(|c| c.suite.name() == "s-mqtt")
        .collect();
    assert_eq!(smqtt.len(), sizes.len());
    assert!(smqtt.iter().all(|c| c.signature.name() == "none"));

    let s = load("seed-001-signatures.toml");
    let sigs: std::collections::BTreeSet<_> = s.cases.iter().map(|c| c.signature.name()).collect();
    assert_eq!(sigs.len(), 5);
}

#[test]
fn mqtt_versions_crosses_every_case_with_both_protocols() {
    use mqtt_cipher_bench::scenario::schema::Protocol;
    let s = load("mqtt-versions.toml");
    assert_eq!(
        s.cases.len(),
        2 * 2 * 3 * 2 * 2,
        "suites x transports x QoS x sizes x versions"
    );
    let v5: Vec<_> = s
        .cases
        .iter()
        .filter(|c| c.protocol == Protocol::V5)
        .collect();
    assert_eq!(v5.len(), s.cases.len() / 2);
    assert!(v5.iter().all(|c| c.id().ends_with("/v5")));
}
