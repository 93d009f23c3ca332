//! The Security Center under abuse, over real sockets (embedded rumqttd): one client floods
//! it while another still gets its key in time, and requests over the size limit are dropped
//! before they cost anything. The limits themselves are unit-tested in `center::limits`;
//! zero limits in center.toml are refused by `center` (tests/it/bad_input.rs).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use mqtt_cipher_bench::broker::Endpoint;
use mqtt_cipher_bench::center::acl::Acl;
use mqtt_cipher_bench::center::authority::signed_request;
use mqtt_cipher_bench::center::client::{ClientOptions, Source};
use mqtt_cipher_bench::center::limits::{Limits, RateLimit};
use mqtt_cipher_bench::center::protocol::{MAX_REQUEST, SigKind};
use mqtt_cipher_bench::center::registry::{ClientIdentity, Registry};
use mqtt_cipher_bench::center::service::CenterService;
use mqtt_cipher_bench::center::{
    Access, Authority, CenterClient, CenterConfig, request_topic, unix_ms,
};
use mqtt_cipher_bench::load::client::{ClientSpec, Connected, connect};
use mqtt_cipher_bench::load::mqtt::Client;
use mqtt_cipher_bench::scenario::schema::BrokerSection;
use rumqttc::QoS;

fn tag() -> String {
    let mut b = [0u8; 4];
    getrandom::fill(&mut b).unwrap();
    b.iter().map(|x| format!("{x:02x}")).collect()
}

struct Center {
    endpoint: Endpoint,
    authority: Arc<Authority>,
    service: CenterService,
    prefix: String,
}

async fn center(ids: &[&ClientIdentity], acl: &str, limits: Limits, tag: &str) -> Center {
    let endpoint = Endpoint::resolve(&BrokerSection::default()).unwrap();
    let mut registry = Registry::default();
    for id in ids {
        registry.insert(id.public());
    }
    let config = CenterConfig {
        limits,
        ..CenterConfig::default()
    };
    let key = ed25519_dalek::SigningKey::generate(&mut rand::rng());
    let authority = Arc::new(Authority::new(
        config,
        key,
        registry,
        Acl::parse(acl).unwrap(),
    ));
    let prefix = format!("mcb-test/abuse/{tag}");
    let service = CenterService::start(&endpoint, authority.clone(), &prefix, &format!("sc-{tag}"))
        .await
        .unwrap();
    Center {
        endpoint,
        authority,
        service,
        prefix,
    }
}

impl Center {
    async fn client(&self, id: &ClientIdentity, timeout: Duration) -> CenterClient {
        let opts = ClientOptions {
            prefix: self.prefix.clone(),
            timeout,
            max_cache: None,
        };
        CenterClient::connect(
            &self.endpoint,
            id.clone(),
            self.authority.public_key(),
            opts,
        )
        .await
        .unwrap()
    }

    /// A plain MQTT connection whose event loop a spawned task polls.
    async fn raw(&self, name: &str) -> (Client, tokio::task::JoinHandle<()>) {
        let Connected {
            client,
            mut eventloop,
            ..
        } = connect(
            &self.endpoint,
            &ClientSpec {
                client_id: name,
                max_packet: 256 * 1024,
                inflight: 100,
                session: mqtt_cipher_bench::broker::config::Session::Clean,
                source: None,
            },
        )
        .await
        .unwrap();
        let poll = tokio::spawn(async move { while eventloop.poll().await.is_ok() {} });
        (client, poll)
    }
}

/// Waits until the center has dropped nothing for 400 ms (at most 30 s): the flood's backlog
/// is gone.
async fn settle(service: &CenterService) {
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut last = service.dropped().total();
    loop {
        tokio::time::sleep(Duration::from_millis(400)).await;
        let now = service.dropped().total();
        if now == last || Instant::now() > deadline {
            return;
        }
        last = now;
    }
}

/// The flooder's requests per second.
const FLOOD_RATE: u64 = 5_000;

const RATE: RateLimit = RateLimit {
    per_second: 20.0,
    burst: 20,
};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flooding_client_is_held_to_its_rate_while_another_gets_its_key() {
    let t = tag();
    let flooder =
        ClientIdentity::generate(&format!("flood-{t}"), "light", SigKind::Ed25519).unwrap();
    let honest =
        ClientIdentity::generate(&format!("honest-{t}"), "light", SigKind::Ed25519).unwrap();
    let acl = format!(
        "user {}\ntopic write f/{t}/#\nuser {}\ntopic write h/{t}/#\n",
        flooder.id, honest.id
    );
    let limits = Limits {
        concurrency: 2,
        queue: 16,
        rate: Some(RATE),
    };
    let sc = center(&[&flooder, &honest], &acl, limits, &t).await;

    // The flood: validly signed requests (each costs the center a signature check even when
    // it is a replay), sent on the flooder's own request topic at FLOOD_RATE, 250 times what
    // its bucket passes. Not "as fast as the link takes them": a client that publishes faster
    // than the center's one connection can read (~70,000/s here on a quiet machine, far less
    // when CI runs every test at once) fills the broker's queue to the center, and every
    // other client's request waits behind it there, where no limit of the center's can reach;
    // only the broker can hold such a client back (README, Security Center).
    let bodies: Vec<Vec<u8>> = (0..64)
        .map(|i| {
            signed_request(
                &flooder,
                i,
                Access::Publish,
                &format!("f/{t}/x"),
                0,
                unix_ms(),
            )
        })
        .collect::<Result<_, _>>()
        .unwrap();
    let (raw, poll) = sc.raw(&format!("t-{t}-flood")).await;
    let (stop, sent) = (
        Arc::new(AtomicBool::new(false)),
        Arc::new(AtomicU64::new(0)),
    );
    let flood = {
        let (stop, sent) = (stop.clone(), sent.clone());
        let topic = request_topic(&sc.prefix, &flooder.id);
        tokio::spawn(async move {
            // Bursts every 10 ms; a tick missed on a loaded machine is skipped, not caught up.
            let per_tick = (FLOOD_RATE / 100) as usize;
            let mut tick = tokio::time::interval(Duration::from_millis(10));
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
            let mut i = 0usize;
            'flood: while !stop.load(Ordering::Relaxed) {
                tick.tick().await;
                for _ in 0..per_tick {
                    let body = bodies[i % bodies.len()].clone();
                    if raw
                        .publish(topic.clone(), QoS::AtMostOnce, body.into())
                        .await
                        .is_err()
                    {
                        break 'flood;
                    }
                    i += 1;
                    sent.fetch_add(1, Ordering::Relaxed);
                }
            }
            raw
        })
    };
    let flood_start = Instant::now();
    tokio::time::sleep(Duration::from_millis(700)).await;

    // Meanwhile the honest client asks, with a timeout of 3 s, and gets its key.
    let timeout = Duration::from_secs(3);
    let c = sc.client(&honest, timeout).await;
    let asked = Instant::now();
    let got = c.key(&format!("h/{t}/a"), Access::Publish).await;
    let waited = asked.elapsed();
    let key = got.unwrap_or_else(|e| panic!("the honest client, during the flood: {e}"));
    assert_eq!(key.source, Source::Network);
    assert!(waited < timeout, "{waited:?}");

    tokio::time::sleep(Duration::from_millis(500)).await;
    stop.store(true, Ordering::Relaxed);
    let raw = flood.await.unwrap();
    // Let what the broker and the center's queue still hold arrive, then count. On a loaded
    // machine that backlog takes seconds, and while it drains it keeps the flooder's bucket
    // empty: wait until nothing more is dropped for a while, not for a fixed time.
    settle(&sc.service).await;
    let flood_secs = flood_start.elapsed().as_secs_f64();
    let sent = sent.load(Ordering::Relaxed);
    let dropped = sc.service.dropped();
    let answered = sc.authority.take_stats().requests;
    eprintln!(
        "flood: {sent} requests in {flood_secs:.1} s; answered {answered} (the honest one \
         included), dropped {dropped:?}; the honest key took {waited:?}"
    );
    // A flood it is: far more than the bucket passes, or the test proves nothing.
    let allowed = f64::from(RATE.burst) + RATE.per_second * (flood_secs + 1.0);
    assert!(sent as f64 > 5.0 * allowed, "only {sent} sent");
    // The flooder got no more than its burst and rate; the rest was dropped unanswered.
    assert!(
        (answered as f64) <= allowed + 1.0,
        "{answered} answered, the bucket allows {allowed:.0}"
    );
    assert!(
        dropped.rate_limited > 0 && dropped.oversize == 0,
        "{dropped:?}"
    );
    assert!(
        answered + dropped.total() <= sent + 1,
        "every request is answered or dropped once"
    );

    // The flooder's bucket refills: after a pause it is served again, with a fresh request.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let fc = sc.client(&flooder, timeout).await;
    fc.key(&format!("f/{t}/y"), Access::Publish).await.unwrap();
    drop(raw);
    poll.abort();
    c.close().await;
    fc.close().await;
    sc.service.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oversize_requests_and_invented_ids_are_dropped_before_the_pipeline() {
    let t = tag();
    let dev = ClientIdentity::generate(&format!("dev-{t}"), "light", SigKind::Ed25519).unwrap();
    let acl = format!("user {}\ntopic write d/{t}/#\n", dev.id);
    // A bucket that does not refill within the test: exact counts.
    let slow = RateLimit {
        per_second: 0.01,
        burst: 20,
    };
    let limits = Limits {
        rate: Some(slow),
        ..Limits::default()
    };
    let sc = center(&[&dev], &acl, limits, &t).await;
    let (raw, poll) = sc.raw(&format!("t-{t}-big")).await;
    // Larger than any request, on the registered client's topic: dropped unread.
    let big = vec![0x01u8; MAX_REQUEST + 1];
    for _ in 0..3 {
        raw.publish(
            request_topic(&sc.prefix, &dev.id),
            QoS::AtMostOnce,
            big.clone().into(),
        )
        .await
        .unwrap();
    }
    // 100 made-up client ids share one bucket: 20 pass to the decoder (malformed, not
    // answered), the other 80 are dropped as rate-limited.
    for i in 0..100 {
        raw.publish(
            request_topic(&sc.prefix, &format!("ghost-{t}-{i}")),
            QoS::AtMostOnce,
            vec![1u8, 1].into(),
        )
        .await
        .unwrap();
    }
    let deadline = Instant::now() + Duration::from_secs(5);
    let expect = (3, 80);
    while (
        sc.service.dropped().oversize,
        sc.service.dropped().rate_limited,
    ) != expect
        && Instant::now() < deadline
    {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let d = sc.service.dropped();
    assert_eq!((d.oversize, d.rate_limited, d.busy), (3, 80, 0), "{d:?}");
    tokio::time::sleep(Duration::from_millis(200)).await;
    let s = sc.authority.take_stats();
    assert_eq!(
        (s.requests, s.malformed),
        (0, 20),
        "only the bucket's 20 reached the decoder"
    );
    // The registered client is unaffected by the strangers' empty bucket.
    let c = sc.client(&dev, Duration::from_secs(3)).await;
    c.key(&format!("d/{t}/1"), Access::Publish).await.unwrap();
    poll.abort();
    c.close().await;
    sc.service.stop().await;
}
