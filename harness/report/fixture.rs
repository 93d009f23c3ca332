//! A synthetic but realistic run for the report's tests: nine suites (a cipher x mode block
//! with one gap, two AEADs, the baseline), one suite again with HMAC, QoS 0 and 1, three sizes,
//! a lossy QoS 1 case, a failed case and a case from an older run with phases missing.
//!
//! Costs follow a simple per-message + per-byte model so the charts look like real ones; the
//! numbers are made up for tests and never leave them.

use std::collections::BTreeMap;

use crate::results::suites::{v1_suite, v1_suites};
use crate::results::*;

/// (suite, encrypt ns per message, encrypt ns per byte).
const SUITES: [(&str, f64, f64); 9] = [
    ("none", 40.0, 0.05),
    ("aes-128-gcm", 300.0, 0.9),
    ("chacha20-poly1305", 350.0, 1.4),
    ("aes-128-ecb", 200.0, 1.5),
    ("aes-128-cbc", 250.0, 2.0),
    ("aes-128-ctr", 220.0, 1.2),
    ("des-ecb", 380.0, 38.0),
    ("des-cbc", 400.0, 40.0),
    ("blowfish-cbc", 900.0, 20.0),
];

pub const SIZES: [usize; 3] = [16, 256, 1024];
pub const QOS: [u8; 2] = [0, 1];

/// The case that lost messages at QoS 1.
pub const LOSSY_ID: &str = "des-cbc/q1/1024B/tcp";
pub const FAILED_ID: &str = "rsa-2048-oaep/q1/16B/tcp";

pub fn run() -> RunResults {
    let mut cases = Vec::new();
    for qos in QOS {
        for (suite, per_msg, per_byte) in SUITES {
            for size in SIZES {
                cases.push(case(suite, "none", qos, size, per_msg, per_byte));
            }
        }
        for size in SIZES {
            cases.push(case("aes-128-cbc", "hmac-sha256", qos, size, 650.0, 4.0));
        }
    }
    cases.push(failed_case());
    // An older run never recorded decrypt for the baseline at QoS 0, 16 B.
    if let Some(c) = cases.iter_mut().find(|c| c.id == "none/q0/16B/tcp") {
        c.phases.remove(phase::DECRYPT);
    }
    let suites = v1_suites(cases.iter().map(|c| c.params.suite.as_str()));

    RunResults {
        schema_version: SCHEMA_VERSION,
        tool: ToolInfo {
            name: "mqtt-cipher-bench".into(),
            version: "0.1.0".into(),
        },
        scenario: ScenarioInfo {
            name: "fixture".into(),
            description: "DES & AES <compared> \"quickly\"".into(),
            path: "scenarios/fixture.toml".into(),
            text: "name = \"fixture\"\n[load]\nrate = 200 # <script>alert(1)</script>\n".into(),
            overrides: vec!["load.rate=200".into()],
            key_seed_sha256: Some("0123456789abcdef".into()),
            text_sha256: None,
        },
        started_at: "2026-11-22T05:30:00Z".into(),
        finished_at: Some("2026-11-22T05:41:00Z".into()),
        status: RunStatus::Complete,
        environment: Environment {
            os: "linux".into(),
            kernel: Some("6.8.0".into()),
            arch: "x86_64".into(),
            cpu_model: Some("AMD Ryzen 7 5800X 8-Core Processor".into()),
            cpu_flags: vec!["aes".into(), "avx2".into(), "pclmulqdq".into()],
            logical_cores: 16,
            memory_bytes: Some(32 << 30),
            governor: Some("performance".into()),
            rustc: "rustc 1.90.0".into(),
            profile: "release".into(),
            target: "x86_64-unknown-linux-gnu".into(),
            git_commit: Some("66250c6".into()),
            git_dirty: Some(false),
            crate_versions: BTreeMap::from([("aes".into(), "0.9.0".into())]),
        },
        broker: BrokerInfo {
            url: "mqtt://127.0.0.1:41883".into(),
            name: "rumqttd (embedded)".into(),
            version: Some("0.20.0".into()),
            protocol: "v4".into(),
            link: None,
        },
        load: LoadInfo {
            publishers: 4,
            subscribers: 1,
            rate_per_publisher: Some(200.0),
            duration_s: 10.0,
            warmup_s: 2.0,
            payload: "random".into(),
            repeat: 1,
        },
        cases,
        repetitions: Vec::new(),
        shard: None,
        merged_from: Vec::new(),
        security: None,
        order: None,
        noise: None,
        clock: None,
        speed_reference: None,
        requirements: None,
        protections: Vec::new(),
        references: Vec::new(),
        suites,
        timing: None,
        merge: None,
    }
}

/// The four corners: the baseline, one AEAD and one block suite, each over TCP and TLS. The
/// TLS cases cost more latency and CPU per message (a made-up but plausible model).
pub fn with_tls() -> RunResults {
    let mut r = run();
    r.cases.retain(|c| {
        c.status == CaseStatus::Ok
            && c.params.mac == "none"
            && ["none", "aes-128-gcm", "aes-128-cbc"].contains(&c.params.suite.as_str())
    });
    let tls: Vec<CaseResult> = r
        .cases
        .iter()
        .map(|c| {
            let mut t = c.clone();
            t.id = t.id.replace("/tcp", "/tls");
            t.params.transport = "tls".into();
            if let Some(p) = t.phases.get_mut(phase::LATENCY) {
                p.p50 = p.p50 * 13 / 10;
            }
            t.cpu.per_message_us = c
                .cpu
                .per_message_us
                .map(|v| v + 150.0 + c.params.size as f64 * 0.1);
            // A TLS 1.3 record adds 22 bytes (header, content type, tag) to each packet.
            t.wire = wire(c.sizes.mqtt_packet as f64 + 22.0);
            t
        })
        .collect();
    for c in &mut r.cases {
        c.wire = wire(c.sizes.mqtt_packet as f64);
    }
    r.cases.extend(tls);
    r
}

/// Wire counts of a case whose every message took `up` bytes to the broker.
fn wire(up: f64) -> Option<WireBytes> {
    Some(WireBytes {
        client_to_broker_bytes: (up * 1000.0) as u64,
        broker_to_client_bytes: (up * 1000.0) as u64,
        per_message_up: Some(up),
        per_message_down: Some(up),
        setup_client_to_broker_bytes: 200,
        setup_broker_to_client_bytes: 30,
    })
}

/// The TCP cases of [`with_tls`] again under MQTT 5: one byte more per PUBLISH.
pub fn with_v5() -> RunResults {
    let mut r = with_tls();
    r.cases.retain(|c| c.params.transport == "tcp");
    let v5: Vec<CaseResult> = r
        .cases
        .iter()
        .map(|c| {
            let mut t = c.clone();
            t.id.push_str("/v5");
            t.params.protocol = "v5".into();
            t.wire = wire(c.sizes.mqtt_packet as f64 + 1.0);
            t
        })
        .collect();
    r.cases.extend(v5);
    r
}

/// 36 cipher x mode suites (every block cipher with every mode the catalogue has), one size
/// and one QoS: what a reader of a big study sees, for checking that charts stay readable.
pub fn many_suites() -> RunResults {
    let mut r = run();
    let blocks: Vec<SuiteInfo> = crate::results::suites::v1_catalogue()
        .into_iter()
        .filter(|s| s.family == SuiteFamily::Block)
        .collect();
    let names: Vec<&str> = blocks.iter().map(|s| s.name.as_str()).collect();
    r.cases = names
        .iter()
        .enumerate()
        .map(|(i, n)| {
            case(
                n,
                "none",
                1,
                256,
                200.0 + 37.0 * i as f64,
                1.0 + 0.7 * i as f64,
            )
        })
        .collect();
    r.suites = blocks;
    r
}

/// IV and body bytes of `suite` for a `size`-byte plaintext, by DESIGN.md's sizes (the
/// report, and so its fixture, has no catalogue to ask).
fn iv_and_body(suite: &str, size: usize) -> (usize, usize) {
    let Some(s) = v1_suite(suite) else {
        return (0, size);
    };
    match s.family {
        SuiteFamily::None => (0, size),
        SuiteFamily::Block => {
            let b = s.block_bits.unwrap_or(64) as usize / 8;
            let iv = if s.is_ecb() { 0 } else { b };
            let padded = matches!(s.mode.as_deref(), Some("ecb" | "cbc" | "pcbc"));
            (iv, if padded { (size / b + 1) * b } else { size })
        }
        SuiteFamily::Aead => {
            let nonce = match s.name.as_str() {
                "aes-128-ccm" => 13,
                "ascon-aead128" => 16,
                _ => 12,
            };
            (nonce, size + 16)
        }
        SuiteFamily::Hybrid => {
            let prefix = if s.name == "rsa-2048-oaep" { 256 } else { 65 };
            (12, prefix + size + 16)
        }
        // s-mqtt: timestamp and Hash(M), then two 33-byte points per byte.
        SuiteFamily::PointEncoding => (0, 40 + 66 * size),
    }
}

fn case(suite: &str, mac: &str, qos: u8, size: usize, per_msg: f64, per_byte: f64) -> CaseResult {
    let encrypt = per_msg + per_byte * size as f64;
    let crypto_ms = 2.0 * encrypt / 1e6;
    let latency_ms = 0.25 + 0.35 * qos as f64 + size as f64 * 2e-4 + crypto_ms;
    let id = format!(
        "{suite}/q{qos}/{size}B/tcp{}",
        if mac == "none" { "" } else { "/hmac" }
    );
    let lost = if id == LOSSY_ID { 12 } else { 0 };
    let (iv, body) = iv_and_body(suite, size);
    let tag = if mac == "none" { 0 } else { 32 };
    let envelope = 39 + iv + body + tag;

    let mut phases = BTreeMap::new();
    phases.insert(phase::ENCODE.into(), stats(150.0, 0.1));
    phases.insert(phase::ENCRYPT.into(), stats(encrypt, 0.15));
    phases.insert(phase::DECRYPT.into(), stats(encrypt * 0.9, 0.15));
    phases.insert(
        phase::PUBLISH.into(),
        stats(20_000.0 + 30_000.0 * qos as f64, 0.4),
    );
    phases.insert(phase::LATENCY.into(), stats(latency_ms * 1e6, 0.5));
    phases.insert(
        phase::LATENCY_UNCORRECTED.into(),
        stats(latency_ms * 0.9e6, 0.3),
    );

    let expected = 2000;
    let delivered = expected - lost;
    CaseResult {
        id,
        params: CaseParams {
            qos,
            size,
            suite: suite.into(),
            suite_id: v1_suite(suite).map_or(0, |s| s.id),
            mac: mac.into(),
            signature: "none".into(),
            transport: "tcp".into(),
            protocol: "v4".into(),
            session: "clean".into(),
            provider: None,
            threads: None,
            implementation: None,
        },
        status: CaseStatus::Ok,
        error: None,
        started_at: "2026-11-22T05:31:00Z".into(),
        wall_s: 12.5,
        measured_s: 10.0,
        counts: Counts {
            scheduled: Some(expected),
            sent: expected,
            sent_warmup: 400,
            expected,
            delivered,
            lost,
            ..Counts::default()
        },
        throughput: Throughput {
            offered_msgs_per_s: Some(800.0),
            sent_msgs_per_s: 800.0,
            delivered_msgs_per_s: 800.0 * delivered as f64 / expected as f64,
            delivered_bytes_per_s: 800.0 * size as f64,
        },
        phases,
        sizes: Sizes {
            plaintext: size,
            envelope,
            harness: 28,
            security_overhead: envelope - size - 28,
            mqtt_packet: envelope + 20,
        },
        cpu: CpuUsage {
            user_s: 1.2,
            system_s: 0.4,
            per_message_us: Some(800.0),
            max_rss_bytes: Some(64 << 20),
            threads: None,
        },
        wire: None,
        errors: Vec::new(),
        saturation: None,
        repetition: 1,
        outages: Vec::new(),
        block_repeats: None,
        center: None,
        receive_maximum: None,
        broker_qos: None,
        fault: None,
        session_resumes: None,
        connections: None,
    }
}

/// HdrHistogram-like summary around `median` ns, the tail growing with each nine.
pub fn stats(median: f64, spread: f64) -> PhaseStats {
    const PCTS: [f64; 16] = [
        0.0, 10.0, 25.0, 50.0, 75.0, 90.0, 95.0, 97.5, 99.0, 99.5, 99.75, 99.9, 99.95, 99.99,
        99.995, 100.0,
    ];
    let at = |p: f64| {
        let nines = if p >= 100.0 {
            4.5
        } else {
            -(1.0 - p / 100.0).log10()
        };
        (median * (1.0 - spread + spread * (0.3 + nines).powi(2))).round() as u64
    };
    PhaseStats {
        count: 8000,
        min: at(0.0),
        max: at(100.0),
        mean: median * 1.05,
        stdev: median * spread,
        p50: at(50.0),
        p90: at(90.0),
        p99: at(99.0),
        p999: at(99.9),
        percentiles: PCTS
            .iter()
            .map(|&p| PercentilePoint {
                percentile: p,
                value: at(p),
            })
            .collect(),
    }
}

fn failed_case() -> CaseResult {
    CaseResult {
        id: FAILED_ID.into(),
        params: CaseParams {
            qos: 1,
            size: 16,
            suite: "rsa-2048-oaep".into(),
            suite_id: 0xA0,
            mac: "none".into(),
            signature: "none".into(),
            transport: "tcp".into(),
            protocol: "v4".into(),
            session: "clean".into(),
            provider: None,
            threads: None,
            implementation: None,
        },
        status: CaseStatus::Failed,
        error: Some("suite rsa-2048-oaep is not implemented yet".into()),
        started_at: "2026-11-22T05:40:00Z".into(),
        wall_s: 0.1,
        measured_s: 0.0,
        counts: Counts::default(),
        throughput: Throughput::default(),
        phases: BTreeMap::new(),
        sizes: Sizes::default(),
        cpu: CpuUsage::default(),
        wire: None,
        errors: Vec::new(),
        saturation: None,
        repetition: 1,
        outages: Vec::new(),
        block_repeats: None,
        center: None,
        receive_maximum: None,
        broker_qos: None,
        fault: None,
        session_resumes: None,
        connections: None,
    }
}
