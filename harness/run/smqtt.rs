//! s-mqtt's validation round trip inside a case (load/smqtt_validation.rs does the
//! exchange): keys each publisher's and subscriber's half as the measured phase keys them,
//! runs it over the case's connections, and records each round trip as `smqtt_validation`.

use crate::broker::Endpoint;
use crate::crypto::keys::KeyRing;
use crate::load::client::Connected;
use crate::load::payload::PayloadSource;
use crate::load::smqtt_validation;
use crate::measure::histograms::{Phase, Phases};
use crate::scenario::{Case, Load};

/// The case the exchange belongs to (its pieces, not the case context: this file sits below
/// case.rs).
pub struct Who<'a> {
    pub keys: &'a KeyRing,
    pub load: &'a Load,
    pub case: &'a Case,
    pub center: Option<&'a super::center::CaseKeys>,
    pub topic: &'a (dyn Fn(u32) -> String + Sync),
    pub topic_prefix: &'a str,
}

/// Every publisher's exchange; Err (the case fails) names the publisher and the check.
pub async fn validate(
    w: &Who<'_>,
    pubs: &mut [Connected],
    subs: &mut [Connected],
    endpoint: &Endpoint,
    phases: &mut Phases,
) -> Result<(), String> {
    let spec = smqtt_validation::Spec {
        topic_prefix: w.topic_prefix,
        peers: peers(w)?,
        bound: w.load.smqtt_time_bound,
    };
    let rtts = smqtt_validation::run(pubs, subs, spec, endpoint)
        .await
        .map_err(|e| e.to_string())?;
    for ns in rtts {
        phases.record(Phase::SmqttValidation, ns);
    }
    Ok(())
}

/// Each publisher's halves of the s-mqtt validation: its sealer (the subscriber's public
/// key, as the publisher holds it) and its subscriber's opener for its topic, keyed as the
/// measured phase keys them (from the Security Center when the run has one), and M.
fn peers(w: &Who<'_>) -> Result<Vec<smqtt_validation::Peer>, String> {
    let (case, center, topic, load) = (w.case, w.center, w.topic, w.load);
    let payload = PayloadSource::new(load.payload, case.size, case.index as u64);
    let subscribers = load.subscribers.max(1);
    let key_err = |e: crate::crypto::CryptoError| format!("key setup for {}: {e}", case.suite);
    (0..load.publishers)
        .map(|i| {
            let (pub_keys, sub_keys) = match center {
                Some(k) => (
                    k.publishers[i as usize].topic_keys(),
                    k.subscribers[(i % subscribers) as usize][i as usize].topic_keys(),
                ),
                // The ring caches the topic's pair: both halves get the same one.
                None => (
                    w.keys.topic_keys(case.suite, &topic(i)).map_err(key_err)?,
                    w.keys.topic_keys(case.suite, &topic(i)).map_err(key_err)?,
                ),
            };
            let mut message = Vec::with_capacity(case.size);
            // A sequence number no measured message has.
            payload.fill(i, u64::MAX, &mut message);
            Ok(smqtt_validation::Peer {
                sealer: crate::crypto::smqtt::sealer(&pub_keys).map_err(key_err)?,
                opener: crate::crypto::smqtt::opener(&sub_keys).map_err(key_err)?,
                message,
            })
        })
        .collect()
}
