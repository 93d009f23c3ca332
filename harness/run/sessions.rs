//! Persistent sessions (`load.session = "persistent"`): the client ids that find a session
//! again, what the case's reconnects found of them, and ending them on the broker once the
//! case is over.
//!
//! A persistent session outlives its connection by design: MQTT 3.1.1 keeps it until a clean
//! connect with the same client id, MQTT 5 for its expiry interval. Left behind, every case
//! would leave a subscription and a message queue per subscriber on the user's broker (and
//! Mosquitto, with `persistence true`, would write them to disk at every save). So after a
//! persistent case each of its client ids connects once more with a clean session and
//! disconnects, which discards the session under either version.

use std::time::Duration;

use crate::broker::Endpoint;
use crate::broker::config::Session;
use crate::load::client::{self, ClientSpec};
use crate::load::mqtt::Event;
use crate::measure::outage::ConnectionLog;
use crate::results::SessionResumes;
use crate::scenario::Case;

/// Clean connects at once while ending sessions: enough to be quick, few enough not to
/// measure the broker's accept queue right before the next case.
const AT_ONCE: usize = 64;
/// How long ending one session may take before it is reported and given up.
const END_TIMEOUT: Duration = Duration::from_secs(5);

/// Reconnects of the case's clients and how many of them found their session on the broker.
pub fn resumes(logs: &[ConnectionLog]) -> SessionResumes {
    SessionResumes {
        reconnects: logs.iter().map(ConnectionLog::reconnects).sum(),
        resumed: logs.iter().map(ConnectionLog::resumed).sum(),
    }
}

/// Client ids mirror the topic prefix: unique per run, case and repetition, and stable for
/// the whole case (a persistent session is found again by its client id).
pub fn client_base(topic_prefix: &str) -> String {
    format!(
        "mcb-{}",
        topic_prefix
            .rsplit('/')
            .take(2)
            .collect::<Vec<_>>()
            .join("-")
    )
}

/// The case's subscriber ids and publisher ids.
pub fn client_ids(topic_prefix: &str, load: &crate::scenario::Load) -> (Vec<String>, Vec<String>) {
    let base = client_base(topic_prefix);
    (
        (0..load.subscribers)
            .map(|i| format!("{base}-s{i}"))
            .collect(),
        (0..load.publishers)
            .map(|i| format!("{base}-p{i}"))
            .collect(),
    )
}

/// Ends the sessions of `ids` on the broker (a clean connect and a DISCONNECT each). A
/// session that cannot be ended is named in `errors`; the case's measurements stand.
pub async fn end(
    endpoint: &Endpoint,
    case: &Case,
    (subscribers, publishers): (Vec<String>, Vec<String>),
    max_packet: usize,
    errors: &mut Vec<String>,
) {
    // Straight to the broker: the case's link proxy (and its faults) is gone by now.
    let endpoint = match endpoint.for_case(case.transport, case.protocol) {
        Ok(e) => e,
        Err(e) => {
            errors.push(format!("persistent sessions not ended: {e}"));
            return;
        }
    };
    let ids: Vec<String> = subscribers.into_iter().chain(publishers).collect();
    let mut failed = Vec::new();
    for chunk in ids.chunks(AT_ONCE) {
        let mut set = tokio::task::JoinSet::new();
        for id in chunk {
            let (endpoint, id) = (endpoint.clone(), id.clone());
            set.spawn(async move {
                let r =
                    tokio::time::timeout(END_TIMEOUT, end_one(&endpoint, &id, max_packet)).await;
                match r {
                    Ok(Ok(())) => None,
                    Ok(Err(e)) => Some(format!("{id}: {e}")),
                    Err(_) => Some(format!("{id}: no answer within {END_TIMEOUT:?}")),
                }
            });
        }
        while let Some(j) = set.join_next().await {
            if let Ok(Some(e)) = j {
                failed.push(e);
            }
        }
    }
    if let Some(first) = failed.first() {
        errors.push(format!(
            "{} of {} persistent sessions could not be ended after the case and may stay on \
             the broker (first: {first})",
            failed.len(),
            ids.len()
        ));
    }
}

async fn end_one(endpoint: &Endpoint, id: &str, max_packet: usize) -> Result<(), String> {
    let spec = ClientSpec {
        client_id: id,
        max_packet,
        inflight: 1,
        session: Session::Clean,
        source: None,
    };
    let mut c = client::connect(endpoint, &spec)
        .await
        .map_err(|e| e.to_string())?;
    c.client.try_disconnect().map_err(|e| e.to_string())?;
    // The DISCONNECT is written by the event loop; the session is gone once it is.
    loop {
        match c.eventloop.poll().await {
            Ok(Event::Disconnected) => return Ok(()),
            Ok(_) => {}
            // The broker may close first; the clean CONNECT has already discarded the session.
            Err(_) => return Ok(()),
        }
    }
}
