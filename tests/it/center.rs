//! The Security Center against the embedded rumqttd over real sockets: the service and its
//! clients speak MQTT; keys it issues protect real messages through the broker.

use crate::common;
use std::sync::Arc;
use std::time::Duration;

use mqtt_cipher_bench::broker::Endpoint;
use mqtt_cipher_bench::center::acl::Acl;
use mqtt_cipher_bench::center::authority::signed_request;
use mqtt_cipher_bench::center::client::{ClientOptions, Source};
use mqtt_cipher_bench::center::protocol::{Denial, Outcome, SigKind};
use mqtt_cipher_bench::center::registry::{ClientIdentity, Registry};
use mqtt_cipher_bench::center::service::CenterService;
use mqtt_cipher_bench::center::{
    Access, Authority, CenterClient, CenterConfig, CenterError, unix_ms, wrap,
};
use mqtt_cipher_bench::crypto::envelope::Fields;
use mqtt_cipher_bench::crypto::keys::KeyRing;
use mqtt_cipher_bench::crypto::mac::MacAlg;
use mqtt_cipher_bench::crypto::protect::{OpenError, Protection, Protector, Unprotector};
use mqtt_cipher_bench::crypto::signature::SigAlg;
use mqtt_cipher_bench::crypto::{CryptoError, Suite};
use mqtt_cipher_bench::load::client::{ClientSpec, Connected, connect};
use mqtt_cipher_bench::load::mqtt::Event;
use mqtt_cipher_bench::results;
use mqtt_cipher_bench::scenario::schema::BrokerSection;
use rumqttc::QoS;

struct Fixture {
    endpoint: Endpoint,
    authority: Arc<Authority>,
    service: CenterService,
    prefix: String,
    tag: String,
}

fn tag() -> String {
    let mut b = [0u8; 4];
    getrandom::fill(&mut b).unwrap();
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// An SC with `ids` registered (class "light": blowfish-cbc; or as given), the ACL text, and
/// `config`, serving on the embedded broker under a fresh prefix.
async fn fixture(ids: &[&ClientIdentity], acl: &str, config: CenterConfig) -> Fixture {
    let endpoint = Endpoint::resolve(&BrokerSection::default()).unwrap();
    let mut registry = Registry::default();
    for id in ids {
        registry.insert(id.public());
    }
    let key = ed25519_dalek::SigningKey::generate(&mut rand::rng());
    let authority = Arc::new(Authority::new(
        config,
        key,
        registry,
        Acl::parse(acl).unwrap(),
    ));
    let tag = tag();
    let prefix = format!("mcb-test/sc/{tag}");
    let service = CenterService::start(&endpoint, authority.clone(), &prefix, &format!("sc-{tag}"))
        .await
        .unwrap();
    Fixture {
        endpoint,
        authority,
        service,
        prefix,
        tag,
    }
}

impl Fixture {
    async fn client(&self, id: &ClientIdentity) -> CenterClient {
        CenterClient::connect(
            &self.endpoint,
            id.clone(),
            self.authority.public_key(),
            ClientOptions {
                prefix: self.prefix.clone(),
                timeout: Duration::from_secs(5),
                max_cache: None,
            },
        )
        .await
        .unwrap()
    }

    async fn mqtt(&self, name: &str) -> Connected {
        let id = format!("t-{}-{name}", self.tag);
        connect(
            &self.endpoint,
            &ClientSpec {
                client_id: &id,
                max_packet: 64 * 1024,
                inflight: 10,
                session: mqtt_cipher_bench::broker::config::Session::Clean,
                source: None,
            },
        )
        .await
        .unwrap()
    }
}

fn identity(name: &str, tag: &str, kind: SigKind) -> ClientIdentity {
    ClientIdentity::generate(&format!("{name}-{tag}"), "light", kind).unwrap()
}

fn protection(suite: Suite) -> Protection {
    Protection::new(suite, MacAlg::None, SigAlg::None)
}

/// Subscribes `c` to `topic` and returns once the SUBACK arrived.
async fn subscribe(c: &mut Connected, topic: &str, endpoint: &Endpoint) {
    mqtt_cipher_bench::load::subscriber::subscribe(c, topic, QoS::AtLeastOnce, endpoint)
        .await
        .unwrap();
}

/// The next PUBLISH payload `c` receives (polling its event loop), within 5 s.
async fn next_payload(c: &mut Connected) -> Vec<u8> {
    tokio::time::timeout(Duration::from_secs(5), async {
        loop {
            if let Ok(Event::Publish(p)) = c.eventloop.poll().await {
                return p.payload.to_vec();
            }
        }
    })
    .await
    .expect("a message within 5 s")
}

/// Publishes at QoS 1 from a client whose event loop is polled here until the PUBACK.
async fn publish(c: &mut Connected, topic: &str, payload: Vec<u8>) {
    c.client
        .publish(topic.to_owned(), QoS::AtLeastOnce, payload.into())
        .await
        .unwrap();
    tokio::time::timeout(Duration::from_secs(5), async {
        loop {
            if let Ok(Event::PubAck(_)) = c.eventloop.poll().await {
                return;
            }
        }
    })
    .await
    .expect("PUBACK within 5 s");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn authorized_clients_get_one_key_and_messages_decrypt_at_the_subscriber() {
    let t = tag();
    let publisher = identity("pub", &t, SigKind::Ed25519);
    let reader = identity("sub", &t, SigKind::EcdsaP256);
    let topic = format!("mcb-test/data/{t}/p0");
    let acl = format!(
        "user {}\ntopic write mcb-test/data/{t}/+\nuser {}\ntopic read mcb-test/data/{t}/#\n",
        publisher.id, reader.id
    );
    let f = fixture(&[&publisher, &reader], &acl, CenterConfig::default()).await;
    let (pc, sc) = (f.client(&publisher).await, f.client(&reader).await);
    let pk = pc.key(&topic, Access::Publish).await.unwrap();
    let sk = sc.key(&topic, Access::Subscribe).await.unwrap();
    assert_eq!(pk.source, Source::Network);
    assert_eq!(pk.key.suite.name(), "blowfish-cbc", "class light");
    assert_eq!((pk.key.key_id, sk.key.key_id), (1, 1));
    let server = pk.server.unwrap();
    assert!(server.authn_ns > 0 && server.authz_ns > 0 && server.keygen_ns > 0);

    let ring = KeyRing::from_seed(b"not used for the topic key");
    let p = protection(pk.key.suite);
    let mut tx =
        Protector::with_topic_keys(&ring, p, &topic, 0, &pk.key.topic_keys(), pk.key.key_id)
            .unwrap();
    let mut rx =
        Unprotector::with_topic_keys(&ring, p, &topic, 0, &sk.key.topic_keys(), sk.key.key_id)
            .unwrap();
    // A seed-keyed subscriber (a client that skipped the SC) cannot read it.
    let mut outsider = Unprotector::new(&ring, p, &topic, 0).unwrap();

    let mut sub = f.mqtt("sub").await;
    subscribe(&mut sub, &topic, &f.endpoint).await;
    let mut publ = f.mqtt("pub").await;
    let plaintext = b"temperature=21.5C humidity=40%".to_vec();
    let msg = tx.seal_message(Fields::default(), &plaintext).unwrap();
    publish(&mut publ, &topic, msg).await;
    let got = next_payload(&mut sub).await;
    let env = rx.decode(&got).unwrap();
    assert_eq!(env.fields.key_id, 1, "the envelope carries the SC's key id");
    let mut out = Vec::new();
    rx.decrypt(topic.as_bytes(), &env, &mut out).unwrap();
    assert_eq!(out, plaintext);
    let mut wrong = Vec::new();
    let outsider_read = outsider
        .decrypt(topic.as_bytes(), &env, &mut wrong)
        .is_ok_and(|()| wrong == plaintext);
    assert!(!outsider_read);

    let stats = f.authority.take_stats();
    assert_eq!((stats.requests, stats.granted), (2, 2));
    pc.close().await;
    sc.close().await;
    f.service.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn denials_unauthorized_unknown_replayed_stale_and_tampered() {
    let t = tag();
    let dev = identity("dev", &t, SigKind::Ed25519);
    let stranger = identity("stranger", &t, SigKind::Ed25519);
    let acl = format!("user {}\ntopic write own/{t}/#\n", dev.id);
    let f = fixture(&[&dev], &acl, CenterConfig::default()).await;
    let c = f.client(&dev).await;

    // Outside the ACL: denied, with the reason, and no key.
    match c.key(&format!("other/{t}"), Access::Publish).await {
        Err(CenterError::Denied { code, reason }) => {
            assert_eq!(code, Denial::NotAuthorized);
            assert!(reason.contains("may not publish on other/"), "{reason}");
        }
        other => panic!("expected a denial, got {other:?}"),
    }
    match c.key(&format!("own/{t}/x"), Access::Subscribe).await {
        Err(CenterError::Denied { code, .. }) => assert_eq!(code, Denial::NotAuthorized),
        other => panic!("expected a denial, got {other:?}"),
    }

    // A captured request sent again: the first is granted, the copy rejected as a replay.
    let topic = format!("own/{t}/a");
    let id = c.next_request_id();
    let req = signed_request(&dev, id, Access::Publish, &topic, 0, unix_ms()).unwrap();
    let first = c.send_raw(id, req.clone()).await.unwrap();
    let Outcome::Granted(grant) = first.outcome else {
        panic!("{:?}", first.outcome)
    };
    let again = c.send_raw(id, req).await.unwrap();
    assert!(
        matches!(&again.outcome, Outcome::Denied { code: Denial::Replayed, reason } if reason.contains("nonce")),
        "{:?}",
        again.outcome
    );

    // The wrapped key of that grant, tampered with: AEAD failure, no key.
    let binding = wrap::Binding {
        client_id: &dev.id,
        topic: &topic,
        key_id: grant.key_id,
        suite_id: grant.suite_id,
    };
    assert!(wrap::unwrap(&dev.kex, &grant.wrapped, &binding).is_ok());
    let mut tampered = grant.wrapped.clone();
    let last = tampered.len() - 20;
    tampered[last] ^= 0x01;
    assert!(matches!(
        wrap::unwrap(&dev.kex, &tampered, &binding),
        Err(CenterError::Unwrap)
    ));

    // Stale: 60 s old (window 30 s), and 60 s in the future.
    for skew in [-60_000i64, 60_000] {
        let id = c.next_request_id();
        let ts = (unix_ms() as i64 + skew) as u64;
        let req = signed_request(&dev, id, Access::Publish, &topic, 0, ts).unwrap();
        let r = c.send_raw(id, req).await.unwrap();
        assert!(
            matches!(&r.outcome, Outcome::Denied { code: Denial::Stale, reason } if reason.contains("window 30 s")),
            "{:?}",
            r.outcome
        );
    }

    // A client the SC does not know.
    let sc2 = f.client(&stranger).await;
    match sc2.key(&topic, Access::Publish).await {
        Err(CenterError::Denied { code, reason }) => {
            assert_eq!(code, Denial::UnknownClient);
            assert!(reason.contains("not in the registry"), "{reason}");
        }
        other => panic!("expected a denial, got {other:?}"),
    }
    let s = f.authority.take_stats();
    assert_eq!(s.granted, 1);
    for (reason, n) in [
        ("not_authorized", 2),
        ("replayed", 1),
        ("stale", 2),
        ("unknown_client", 1),
    ] {
        assert_eq!(s.denied.get(reason), Some(&n), "{reason}: {:?}", s.denied);
    }
    c.close().await;
    sc2.close().await;
    f.service.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cache_hit_avoids_the_network_and_expires_with_its_ttl() {
    let t = tag();
    let dev = identity("dev", &t, SigKind::EcdsaP256);
    let acl = format!("user {}\ntopic readwrite c/{t}/#\n", dev.id);
    let config = CenterConfig {
        key_ttl: Duration::from_millis(300),
        ..CenterConfig::default()
    };
    let f = fixture(&[&dev], &acl, config).await;
    let c = f.client(&dev).await;
    let topic = format!("c/{t}/x");
    let miss = c.key(&topic, Access::Publish).await.unwrap();
    assert_eq!((miss.source, c.requests_sent()), (Source::Network, 1));
    let hit = c.key(&topic, Access::Publish).await.unwrap();
    assert_eq!((hit.source, c.requests_sent()), (Source::Cache, 1));
    assert!(Arc::ptr_eq(&miss.key, &hit.key));
    assert!(hit.elapsed_ns < miss.elapsed_ns);
    assert_eq!(
        f.authority.take_stats().requests,
        1,
        "the SC saw one request"
    );
    // Another access right is another authorization: not served from the cache.
    c.key(&topic, Access::Subscribe).await.unwrap();
    assert_eq!(c.requests_sent(), 2);
    tokio::time::sleep(Duration::from_millis(350)).await;
    let again = c.key(&topic, Access::Publish).await.unwrap();
    assert_eq!((again.source, c.requests_sent()), (Source::Network, 3));
    assert_eq!(again.key.key_id, 1, "same key, fetched again after the TTL");
    c.close().await;
    f.service.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rotation_keeps_in_flight_messages_decryptable_during_grace_only() {
    let t = tag();
    let publisher = identity("pub", &t, SigKind::Ed25519);
    let reader = identity("sub", &t, SigKind::Ed25519);
    let topic = format!("r/{t}/p0");
    let acl = format!(
        "user {}\ntopic write r/{t}/+\nuser {}\ntopic read r/{t}/+\n",
        publisher.id, reader.id
    );
    let grace = Duration::from_millis(1500);
    let mut config = CenterConfig {
        grace,
        ..CenterConfig::default()
    };
    config
        .classes
        .insert("light".into(), Suite::from_name("aes-128-gcm").unwrap());
    let f = fixture(&[&publisher, &reader], &acl, config).await;
    let (pc, sc) = (f.client(&publisher).await, f.client(&reader).await);
    let ring = KeyRing::from_seed(b"x");
    let k1 = pc.key(&topic, Access::Publish).await.unwrap().key;
    let p = protection(k1.suite);
    let mut tx1 =
        Protector::with_topic_keys(&ring, p, &topic, 0, &k1.topic_keys(), k1.key_id).unwrap();
    let s1 = sc.key(&topic, Access::Subscribe).await.unwrap().key;
    let mut rx =
        Unprotector::with_topic_keys(&ring, p, &topic, 0, &s1.topic_keys(), s1.key_id).unwrap();

    let mut sub = f.mqtt("sub").await;
    subscribe(&mut sub, &topic, &f.endpoint).await;
    let mut publ = f.mqtt("pub").await;

    // An "in-flight" message under key 1, then the rotation, then a message under key 2.
    let old = tx1
        .seal_message(Fields::default(), b"before rotation")
        .unwrap();
    assert_eq!(f.authority.rotate(&topic).unwrap(), 2);
    pc.invalidate(&topic);
    let k2 = pc.key(&topic, Access::Publish).await.unwrap().key;
    assert_eq!(k2.key_id, 2);
    let mut tx2 =
        Protector::with_topic_keys(&ring, p, &topic, 0, &k2.topic_keys(), k2.key_id).unwrap();
    let new = tx2
        .seal_message(Fields::default(), b"after rotation")
        .unwrap();
    publish(&mut publ, &topic, new).await;
    publish(&mut publ, &topic, old.clone()).await;

    // The subscriber meets key id 2, fetches it by id, and keeps id 1 for the grace period.
    let mut out = Vec::new();
    let got_new = next_payload(&mut sub).await;
    let env = rx.decode(&got_new).unwrap();
    assert_eq!(env.fields.key_id, 2);
    assert!(matches!(
        rx.decrypt(topic.as_bytes(), &env, &mut out),
        Err(OpenError::Crypto(CryptoError::Key(_)))
    ));
    let fetched = sc
        .key_by_id(&topic, Access::Subscribe, env.fields.key_id)
        .await
        .unwrap();
    assert_eq!(fetched.key.grace, grace);
    rx.add_key(
        fetched.key.key_id,
        &fetched.key.topic_keys(),
        fetched.key.grace,
    )
    .unwrap();
    rx.decrypt(topic.as_bytes(), &env, &mut out).unwrap();
    assert_eq!(out, b"after rotation");
    let got_old = next_payload(&mut sub).await;
    let env = rx.decode(&got_old).unwrap();
    assert_eq!(env.fields.key_id, 1);
    rx.decrypt(topic.as_bytes(), &env, &mut out).unwrap();
    assert_eq!(out, b"before rotation", "in flight during the grace period");

    // After the grace period: the old id no longer decrypts, and the SC no longer issues it.
    tokio::time::sleep(grace + Duration::from_millis(100)).await;
    publish(&mut publ, &topic, old).await;
    let late = next_payload(&mut sub).await;
    let env = rx.decode(&late).unwrap();
    assert!(matches!(
        rx.decrypt(topic.as_bytes(), &env, &mut out),
        Err(OpenError::Crypto(CryptoError::Key(_)))
    ));
    sc.invalidate(&topic);
    match sc.key_by_id(&topic, Access::Subscribe, 1).await {
        Err(CenterError::Denied { code, reason }) => {
            assert_eq!(code, Denial::UnknownKey);
            assert!(reason.contains("grace period ended"), "{reason}");
        }
        other => panic!("expected a denial, got {other:?}"),
    }
    pc.close().await;
    sc.close().await;
    f.service.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn run_with_center_keys_measures_requests_and_delivers_everything() {
    let s = common::scenario(
        "center.toml",
        r#"
name = "center-e2e"
[load]
publishers = 2
subscribers = 2
rate = 50
duration = "900ms"
warmup = "300ms"
[matrix]
qos = [1]
size = [16, 1024]
suite = ["blowfish-cbc", "aes-128-gcm"]
[keys]
source = "center"
[keys.center]
classes = { light = "blowfish-cbc", moderate = "aes-128-gcm" }
identity = "ecdsa-p256"
concurrency = [1, 4]
rounds = 2
"#,
    );
    let (outcome, _root) = common::run_in_temp(&s).await;
    let r = &outcome.results;
    assert_eq!(r.cases.len(), 4);
    for c in &r.cases {
        assert_eq!(c.status, results::CaseStatus::Ok, "{}: {:?}", c.id, c.error);
        let n = &c.counts;
        assert!(n.sent > 0);
        assert_eq!(n.delivered, n.expected, "{}: {n:?}", c.id);
        assert_eq!(
            (n.failed_decrypt, n.failed_auth, n.corrupted),
            (0, 0, 0),
            "{}",
            c.id
        );
        // 2 publisher keys + 2 subscribers x 2 topics, each asked for once and again.
        for (phase, count) in [
            ("key_request_miss", 6),
            ("key_request_hit", 6),
            ("center_authn", 6),
            ("center_authz", 6),
            ("center_keygen", 6),
            ("center_service", 6),
        ] {
            let p = c
                .phases
                .get(phase)
                .unwrap_or_else(|| panic!("{}: no {phase}", c.id));
            assert_eq!(p.count, count, "{}: {phase}", c.id);
            assert!(p.p50 > 0, "{}: {phase}", c.id);
        }
        assert!(c.phases["key_request_hit"].p50 < c.phases["key_request_miss"].p50);
        let center = c.center.as_ref().expect("center section");
        let class = if c.params.suite == "blowfish-cbc" {
            "light"
        } else {
            "moderate"
        };
        assert_eq!(
            (center.class.as_str(), center.suite.as_str()),
            (class, c.params.suite.as_str())
        );
        assert_eq!((center.requests, center.granted, center.denied), (6, 6, 0));
        assert_eq!((center.cache_misses, center.cache_hits), (6, 6));
        let levels: Vec<(u32, u64, u64)> = center
            .concurrency
            .iter()
            .map(|l| (l.clients, l.answered, l.failed))
            .collect();
        assert_eq!(levels, [(1, 2, 0), (4, 8, 0)], "{}", c.id);
        assert!(
            center
                .concurrency
                .iter()
                .all(|l| l.response.is_some() && l.service.is_some())
        );
    }
    // What was written reads back, center section included.
    let back = results::reader::read(&outcome.dir).unwrap();
    assert_eq!(back.cases[0].center, r.cases[0].center);
}

#[test]
fn center_scenarios_are_checked() {
    let parse = |text: &str| {
        mqtt_cipher_bench::scenario::parse(std::path::Path::new("c.toml"), text, &[], None)
            .map(|_| ())
            .map_err(|e| e.to_string())
    };
    let e = parse("name = \"c\"\n[matrix]\nsuite = [\"des-cbc\"]\n[keys]\nsource = \"center\"\n")
        .unwrap_err();
    assert!(
        e.contains("suite des-cbc of the matrix is no device class's suite"),
        "{e}"
    );
    let e = parse(
        "name = \"c\"\n[matrix]\nsuite = [\"aes-128-cbc\"]\nmac = [\"hmac-sha256\"]\n[keys]\nsource = \"center\"\n",
    )
    .unwrap_err();
    assert!(e.contains("mac must be [\"none\"]"), "{e}");
    let e = parse("name = \"c\"\n[keys.center]\nrounds = 2\n").unwrap_err();
    assert!(
        e.contains("c.toml:2:1: keys.center") && e.contains("source = \"center\""),
        "{e}"
    );
    let e = parse("name = \"c\"\n[keys]\nsource = \"center\"\n[keys.center]\nclasses = { x = \"ecies-p256\" }\n").unwrap_err();
    assert!(e.contains("no symmetric key"), "{e}");
    let e = parse("name = \"c\"\n[keys]\nsource = \"center\"\n[keys.center]\nidentity = \"rsa\"\n")
        .unwrap_err();
    assert!(e.contains("keys.center.identity: expected"), "{e}");
    parse("name = \"c\"\n[matrix]\nsuite = [\"blowfish-cbc\", \"aes-128-cbc\"]\n[keys]\nsource = \"center\"\n").unwrap();
}

/// The same Security Center run against a real Mosquitto (password file, no anonymous
/// clients): the center is one more MQTT client next to the broker. Under MQTT 3.1.1 and 5:
/// the v5 cases' clients fetch their keys over v5 from the same center.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn run_with_center_keys_against_mosquitto() {
    let Some(m) = common::mosquitto::Mosquitto::start() else {
        return;
    };
    let s = common::scenario(
        "center-mosquitto.toml",
        &format!(
            r#"
name = "center-mosquitto"
{}
[load]
publishers = 3
subscribers = 1
rate = 50
duration = "800ms"
warmup = "200ms"
[matrix]
qos = [0, 1]
size = [64]
suite = ["aes-128-cbc"]
protocol = ["v4", "v5"]
[keys]
source = "center"
[keys.center]
concurrency = [2]
rounds = 2
"#,
            m.broker_toml()
        ),
    );
    let (outcome, _root) = common::run_in_temp(&s).await;
    assert!(
        outcome.results.broker.name.contains("mosquitto"),
        "{:?}",
        outcome.results.broker
    );
    assert_eq!(outcome.results.cases.len(), 4);
    for c in &outcome.results.cases {
        assert_eq!(c.status, results::CaseStatus::Ok, "{}: {:?}", c.id, c.error);
        let n = &c.counts;
        assert_eq!(n.failed_decrypt, 0, "{}", c.id);
        if c.params.qos == 1 {
            assert_eq!(n.delivered, n.expected, "{}: {n:?}", c.id);
        }
        let center = c.center.as_ref().unwrap();
        // 3 publisher keys + 1 subscriber x 3 topics.
        assert_eq!(
            (center.requests, center.granted, center.class.as_str()),
            (6, 6, "moderate")
        );
        assert_eq!(c.phases["key_request_miss"].count, 6);
        assert_eq!(center.concurrency[0].answered, 4);
    }
}

/// Two shards, each with its own Security Center, merged: the center's counts add up.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sharded_center_runs_merge_their_counts() {
    use mqtt_cipher_bench::run::{self, Progress, RunOptions};
    use mqtt_cipher_bench::scenario::Shard;
    let base = common::scenario(
        "center-shards.toml",
        r#"
name = "center-shards"
[load]
publishers = 2
subscribers = 2
rate = 20
duration = "600ms"
warmup = "200ms"
[matrix]
qos = [1]
size = [32]
suite = ["aes-128-cbc"]
[keys]
source = "center"
"#,
    );
    let root = tempfile::tempdir().unwrap();
    let mut dirs = Vec::new();
    for i in 1..=2 {
        let mut s = base.clone();
        let shard = Shard { index: i, count: 2 };
        shard.apply(&mut s).unwrap();
        let opts = RunOptions {
            out_root: root.path().to_path_buf(),
            progress: Progress::Quiet,
            shard: Some(shard),
            order: Default::default(),
            speed: mqtt_cipher_bench::run::speed_ref::SpeedSource::Off,
            start: None,
            metrics: None,
        };
        let out = run::run(&s, &opts).await.unwrap();
        // One publisher and one subscriber per shard: 1 + 1 keys.
        assert_eq!(out.results.cases[0].center.as_ref().unwrap().requests, 2);
        dirs.push(out.dir);
    }
    let merged = results::merge::merge(&dirs).unwrap();
    let c = &merged.results.cases[0];
    let center = c.center.as_ref().unwrap();
    assert_eq!(
        (center.requests, center.granted, center.cache_hits),
        (4, 4, 4)
    );
    assert_eq!(
        c.phases["key_request_miss"].count, 4,
        "histograms merged too"
    );
}
