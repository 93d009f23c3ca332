//! S-MQTT's validation round trip (seed 004, section 3.3, steps 1–4), before a case's
//! measured phase: each publisher (the paper's client) sends its subscriber (the paper's
//! server) C = Enc(M) with timestamp 1 and Hash(M); the subscriber decrypts, compares
//! Hash(M') with Hash(M), signs Hash(M') with timestamp 2 and answers; the publisher verifies
//! the signature, compares the hashes and the time difference, and only then publishes. A
//! mismatch, a refusal, a bad signature or a difference beyond the bound disconnects the
//! publisher, as the paper's rule says, and fails the case.
//!
//! The paper carries this exchange in a DETECT packet of the reserved MQTT packet type 0.
//! Brokers close a connection that sends type 0 (`probe` shows it: its `packet-type-0`
//! row), so here it runs over PUBLISH at QoS 1, on topics of the case:
//!
//! - request, publisher i → subscriber s: `<prefix>/smqtt/<s>/<i>`, the s-mqtt body exactly
//!   as the suite seals it (timestamp 1 ‖ Hash(M) ‖ the points);
//! - answer, subscriber s → publisher i: `<prefix>/smqtt/<s>/<i>/ok`, [`ANSWER_LEN`] bytes:
//!   status (0 accepted, 1 refused) ‖ timestamp 1 echoed ‖ timestamp 2 ‖ Hash(M') (zeros when
//!   refused) ‖ ECDSA P-256 signature (r ‖ s, 64 B) over [`SIGNED_LABEL`] ‖ answer topic ‖
//!   the 49 bytes before it.
//!
//! Timestamps are Unix microseconds (big-endian u64). The subscribers' filter `<prefix>/+`
//! matches none of these topics, so the exchange never reaches the measured counts. The
//! server's signing key is generated per subscriber and case; its public key is what the
//! paper's client is provisioned with.

use std::time::Duration;

use p256::ecdsa::signature::{Signer as _, Verifier as _};
use p256::ecdsa::{Signature, SigningKey, VerifyingKey};
use p256::elliptic_curve::Generate;
use rumqttc::QoS;
use sha2::{Digest, Sha256};

use crate::broker::Endpoint;
use crate::crypto::base::{Opener, Sealer};
use crate::crypto::smqtt::{self, HASH_LEN, TIMESTAMP_LEN};
use crate::measure::clock::now_ns;

use super::client::Connected;
use super::mqtt::Event;

/// Domain separation for the server's signature.
pub const SIGNED_LABEL: &[u8] = b"mcb s-mqtt validation v1";
const SIG_LEN: usize = 64;
const SIGNED_LEN: usize = 1 + 2 * TIMESTAMP_LEN + HASH_LEN;
/// Bytes of an answer.
pub const ANSWER_LEN: usize = SIGNED_LEN + SIG_LEN;
/// How long a publisher waits for its answer before the exchange fails.
pub const ANSWER_TIMEOUT: Duration = Duration::from_secs(10);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ValidationError {
    #[error("s-mqtt validation of publisher {publisher}: {why}")]
    Failed { publisher: u32, why: Why },
}

/// Why one exchange failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Why {
    #[error("no answer from subscriber {subscriber} within {} s", ANSWER_TIMEOUT.as_secs())]
    NoAnswer { subscriber: u32 },
    #[error("subscriber {subscriber} refused the request: {why}")]
    Refused { subscriber: u32, why: String },
    #[error("the answer's signature does not verify with subscriber {subscriber}'s key")]
    BadSignature { subscriber: u32 },
    #[error("Hash(M') in the answer differs from Hash(M)")]
    HashMismatch,
    #[error("the answer echoes another timestamp 1")]
    WrongRequest,
    #[error(
        "timestamp 2 is {difference_us} µs from timestamp 1, beyond the bound of {bound_us} µs (load.smqtt_time_bound)"
    )]
    TooLate { difference_us: u64, bound_us: u64 },
    #[error("answer of {got} bytes, expected {ANSWER_LEN}")]
    Malformed { got: usize },
    #[error("{0}")]
    Crypto(String),
    #[error("connection: {0}")]
    Connection(String),
}

/// One publisher's half (its sealer, holding the subscriber's public key) and its
/// subscriber's half (the opener for this publisher's topic) of the exchange.
pub struct Peer {
    pub sealer: Box<dyn Sealer>,
    pub opener: Box<dyn Opener>,
    /// M: the message the publisher validates with (a plaintext of the case's size).
    pub message: Vec<u8>,
}

/// What the exchanges of one case need besides the connections.
pub struct Spec<'a> {
    pub topic_prefix: &'a str,
    /// Publisher i's entry is `peers[i]`; its subscriber is i mod the number of subscribers.
    pub peers: Vec<Peer>,
    /// The largest |timestamp 2 − timestamp 1| the publisher accepts.
    pub bound: Duration,
}

pub fn request_topic(prefix: &str, subscriber: u32, publisher: u32) -> String {
    format!("{prefix}/smqtt/{subscriber}/{publisher}")
}

pub fn answer_topic(prefix: &str, subscriber: u32, publisher: u32) -> String {
    format!("{}/ok", request_topic(prefix, subscriber, publisher))
}

fn signed_bytes(topic: &str, head: &[u8]) -> Vec<u8> {
    [SIGNED_LABEL, topic.as_bytes(), head].concat()
}

/// The server's side of step 2–3: opens `request` (decrypt, decode, Hash(M') against
/// Hash(M)) and builds the signed answer, accepted or refused.
pub fn answer(
    opener: &mut dyn Opener,
    key: &SigningKey,
    topic: &str,
    request: &[u8],
    timestamp2_us: u64,
) -> Vec<u8> {
    let mut head = Vec::with_capacity(SIGNED_LEN);
    let ts1 = request.get(..TIMESTAMP_LEN).unwrap_or(&[0; TIMESTAMP_LEN]);
    let mut m = Vec::new();
    let opened = opener.open(&[], &[], request, &mut m);
    head.push(u8::from(opened.is_err()));
    head.extend_from_slice(ts1);
    head.extend_from_slice(&timestamp2_us.to_be_bytes());
    match opened {
        Ok(()) => head.extend_from_slice(&Sha256::digest(&m)),
        Err(_) => head.extend_from_slice(&[0; HASH_LEN]),
    }
    let sig: Signature = key.sign(&signed_bytes(topic, &head));
    head.extend_from_slice(&sig.to_bytes());
    head
}

/// The client's side of step 4: the answer to its request (timestamp 1 `ts1`, message `m`)
/// verified, compared and timed, or why not.
pub fn check(
    key: &VerifyingKey,
    subscriber: u32,
    topic: &str,
    answer: &[u8],
    ts1: u64,
    m: &[u8],
    bound: Duration,
) -> Result<(), Why> {
    if answer.len() != ANSWER_LEN {
        return Err(Why::Malformed { got: answer.len() });
    }
    let (head, sig) = answer.split_at(SIGNED_LEN);
    let sig = Signature::from_slice(sig).map_err(|_| Why::BadSignature { subscriber })?;
    key.verify(&signed_bytes(topic, head), &sig)
        .map_err(|_| Why::BadSignature { subscriber })?;
    let u64_at = |at: usize| {
        let mut b = [0u8; 8];
        b.copy_from_slice(&head[at..at + 8]);
        u64::from_be_bytes(b)
    };
    if head[0] != 0 {
        return Err(Why::Refused {
            subscriber,
            why: "the message did not open (a point or Hash(M) changed)".into(),
        });
    }
    if u64_at(1) != ts1 {
        return Err(Why::WrongRequest);
    }
    if head[1 + 2 * TIMESTAMP_LEN..] != Sha256::digest(m)[..] {
        return Err(Why::HashMismatch);
    }
    let difference_us = u64_at(1 + TIMESTAMP_LEN).abs_diff(ts1);
    let bound_us = u64::try_from(bound.as_micros()).unwrap_or(u64::MAX);
    if difference_us > bound_us {
        return Err(Why::TooLate {
            difference_us,
            bound_us,
        });
    }
    Ok(())
}

/// Runs every publisher's exchange, one after another, over the case's own connections
/// (polled here, before the publisher and subscriber tasks take them over). Returns each
/// publisher's round trip in ns: from sealing the request to the answer checked. A failed
/// exchange disconnects that publisher and ends the validation.
pub async fn run(
    pubs: &mut [Connected],
    subs: &mut [Connected],
    spec: Spec<'_>,
    endpoint: &Endpoint,
) -> Result<Vec<u64>, ValidationError> {
    let n_subs = subs.len().max(1) as u32;
    let fail = |publisher: u32| move |why: Why| ValidationError::Failed { publisher, why };
    // The thread's RNG is not Send: used up before the first await.
    let server: Vec<SigningKey> = {
        let mut rng = rand::rng();
        (0..subs.len())
            .map(|_| SigningKey::generate_from_rng(&mut rng))
            .collect()
    };
    for (s, conn) in (0u32..).zip(subs.iter_mut()) {
        let filter = format!("{}/smqtt/{s}/+", spec.topic_prefix);
        super::subscriber::subscribe(conn, &filter, QoS::AtLeastOnce, endpoint)
            .await
            .map_err(|e| fail(0)(Why::Connection(e.to_string())))?;
    }
    for (i, conn) in (0u32..).zip(pubs.iter_mut()) {
        let topic = answer_topic(spec.topic_prefix, i % n_subs, i);
        super::subscriber::subscribe(conn, &topic, QoS::AtLeastOnce, endpoint)
            .await
            .map_err(|e| fail(i)(Why::Connection(e.to_string())))?;
    }
    let mut rtts = Vec::with_capacity(pubs.len());
    for ((i, conn), mut peer) in (0u32..).zip(pubs.iter_mut()).zip(spec.peers) {
        let s = i % n_subs;
        let (Some(sub), Some(key)) = (subs.get_mut(s as usize), server.get(s as usize)) else {
            return Err(fail(i)(Why::Connection("no subscriber".into())));
        };
        let x = Exchange {
            request: request_topic(spec.topic_prefix, s, i),
            answer: answer_topic(spec.topic_prefix, s, i),
            subscriber: s,
        };
        match exchange(conn, sub, &mut peer, key, &x, spec.bound).await {
            Ok(ns) => rtts.push(ns),
            Err(why) => {
                // The paper's rule: a client whose validation failed disconnects.
                let _ = conn.client.try_disconnect();
                let _ = tokio::time::timeout(Duration::from_secs(1), conn.eventloop.poll()).await;
                return Err(fail(i)(why));
            }
        }
    }
    Ok(rtts)
}

struct Exchange {
    request: String,
    answer: String,
    subscriber: u32,
}

async fn exchange(
    publisher: &mut Connected,
    subscriber: &mut Connected,
    peer: &mut Peer,
    server: &SigningKey,
    x: &Exchange,
    bound: Duration,
) -> Result<u64, Why> {
    let t0 = now_ns();
    let mut request = Vec::with_capacity(smqtt::body_len(peer.message.len()));
    peer.sealer
        .seal(&[], &[], &peer.message, &mut request)
        .map_err(|e| Why::Crypto(e.to_string()))?;
    let mut ts1 = [0u8; 8];
    ts1.copy_from_slice(&request[..TIMESTAMP_LEN]);
    let ts1 = u64::from_be_bytes(ts1);
    publisher
        .client
        .try_publish(x.request.clone(), QoS::AtLeastOnce, request.into())
        .map_err(|e| Why::Connection(e.to_string()))?;
    // Both event loops polled side by side until the publisher has its PUBACK and its answer
    // and the subscriber the PUBACK of that answer, so neither task inherits an ack of the
    // exchange.
    let client = async {
        let (mut acked, mut got) = (false, None);
        while !(acked && got.is_some()) {
            match publisher.eventloop.poll().await {
                Ok(Event::PubAck(_)) => acked = true,
                Ok(Event::Publish(m)) if m.topic == x.answer.as_bytes() => {
                    got = Some((now_ns(), m.payload))
                }
                Ok(_) => {}
                Err(e) => return Err(Why::Connection(e.to_string())),
            }
        }
        got.ok_or(Why::NoAnswer {
            subscriber: x.subscriber,
        })
    };
    let opener = &mut peer.opener;
    let server_side = async {
        let mut answered = false;
        loop {
            match subscriber.eventloop.poll().await {
                Ok(Event::Publish(m)) if m.topic == x.request.as_bytes() && !answered => {
                    let a = answer(
                        opener.as_mut(),
                        server,
                        &x.answer,
                        &m.payload,
                        smqtt::unix_us(),
                    );
                    subscriber
                        .client
                        .try_publish(x.answer.clone(), QoS::AtLeastOnce, a.into())
                        .map_err(|e| Why::Connection(e.to_string()))?;
                    answered = true;
                }
                Ok(Event::PubAck(_)) if answered => return Ok(()),
                Ok(_) => {}
                Err(e) => return Err(Why::Connection(e.to_string())),
            }
        }
    };
    let both = async { tokio::try_join!(client, server_side) };
    let ((_, answer), ()) = tokio::time::timeout(ANSWER_TIMEOUT, both)
        .await
        .map_err(|_| Why::NoAnswer {
            subscriber: x.subscriber,
        })??;
    check(
        &VerifyingKey::from(server),
        x.subscriber,
        &x.answer,
        &answer,
        ts1,
        &peer.message,
        bound,
    )?;
    Ok(now_ns().saturating_sub(t0))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::keys::KeyRing;
    use crate::crypto::suite::Suite;

    fn halves() -> (Box<dyn Sealer>, Box<dyn Opener>) {
        let ring = KeyRing::from_seed(b"validation test");
        let suite = Suite::from_name("s-mqtt").expect("s-mqtt");
        let keys = ring.topic_keys(suite, "t/0").expect("keys");
        (
            smqtt::sealer(&keys).expect("sealer"),
            smqtt::opener(&keys).expect("opener"),
        )
    }

    fn request(sealer: &mut dyn Sealer, m: &[u8]) -> (Vec<u8>, u64) {
        let mut r = Vec::new();
        sealer.seal(&[], &[], m, &mut r).expect("seal");
        let mut ts = [0u8; 8];
        ts.copy_from_slice(&r[..8]);
        (r, u64::from_be_bytes(ts))
    }

    const BOUND: Duration = Duration::from_secs(5);

    #[test]
    fn an_honest_exchange_passes_and_each_change_is_caught() {
        let (mut sealer, mut opener) = halves();
        let server = SigningKey::generate_from_rng(&mut rand::rng());
        let vk = VerifyingKey::from(&server);
        let m = b"sensor 21.5 C";
        let (req, ts1) = request(sealer.as_mut(), m);
        let a = answer(opener.as_mut(), &server, "p/ok", &req, ts1 + 300);
        assert_eq!(a.len(), ANSWER_LEN);
        assert_eq!(check(&vk, 0, "p/ok", &a, ts1, m, BOUND), Ok(()));

        // Another message than the one sent: Hash(M') differs from Hash(M).
        assert_eq!(
            check(&vk, 0, "p/ok", &a, ts1, b"sensor 99.9 C", BOUND),
            Err(Why::HashMismatch)
        );
        // Any changed byte of the signed part, or an answer for another topic: the signature.
        for at in [0, 5, 12, 20, SIGNED_LEN - 1, ANSWER_LEN - 1] {
            let mut bad = a.clone();
            bad[at] ^= 1;
            assert_eq!(
                check(&vk, 0, "p/ok", &bad, ts1, m, BOUND),
                Err(Why::BadSignature { subscriber: 0 }),
                "byte {at}"
            );
        }
        assert_eq!(
            check(&vk, 3, "q/ok", &a, ts1, m, BOUND),
            Err(Why::BadSignature { subscriber: 3 })
        );
        // Another server's key.
        let other = VerifyingKey::from(&SigningKey::generate_from_rng(&mut rand::rng()));
        assert!(matches!(
            check(&other, 0, "p/ok", &a, ts1, m, BOUND),
            Err(Why::BadSignature { .. })
        ));
        // The answer to an earlier request.
        assert_eq!(
            check(&vk, 0, "p/ok", &a, ts1 + 1, m, BOUND),
            Err(Why::WrongRequest)
        );
        // The time difference against the bound (300 µs here).
        assert_eq!(
            check(&vk, 0, "p/ok", &a, ts1, m, Duration::from_micros(299)),
            Err(Why::TooLate {
                difference_us: 300,
                bound_us: 299
            })
        );
        assert_eq!(
            check(&vk, 0, "p/ok", &a, ts1, m, Duration::from_micros(300)),
            Ok(())
        );
        assert_eq!(
            check(&vk, 0, "p/ok", &a[1..], ts1, m, BOUND),
            Err(Why::Malformed {
                got: ANSWER_LEN - 1
            })
        );
    }

    #[test]
    fn a_changed_point_or_hash_is_refused_by_the_server() {
        let (mut sealer, mut opener) = halves();
        let server = SigningKey::generate_from_rng(&mut rand::rng());
        let vk = VerifyingKey::from(&server);
        let m = b"0123";
        let (req, ts1) = request(sealer.as_mut(), m);
        // A byte of Hash(M), and a byte of the last C2.
        for at in [TIMESTAMP_LEN + 3, req.len() - 1] {
            let mut bad = req.clone();
            bad[at] ^= 0x40;
            let a = answer(opener.as_mut(), &server, "p/ok", &bad, ts1);
            assert_eq!(a[0], 1, "refused, byte {at}");
            assert!(
                matches!(
                    check(&vk, 0, "p/ok", &a, ts1, m, BOUND),
                    Err(Why::Refused { .. })
                ),
                "byte {at}"
            );
        }
    }
}
