//! Connecting a case's clients: along the ramp, each from its source address, and the
//! connect phases recorded.

use std::net::IpAddr;

use crate::broker::Endpoint;
use crate::load::client::{self, ClientSpec, Connected};
use crate::load::ramp::{self, Ramp};
use crate::measure::histograms::{Phase, Phases};
use crate::scenario::schema::Session;

/// A client id and the local address it connects from (None: the kernel's choice).
pub type Client = (String, Option<IpAddr>);

/// `load.source_addrs` in turn over every client of the case, subscribers first.
pub fn with_sources(
    subscribers: Vec<String>,
    publishers: Vec<String>,
    sources: &[IpAddr],
) -> (Vec<Client>, Vec<Client>) {
    let source = |i: usize| (!sources.is_empty()).then(|| sources[i % sources.len()]);
    let n = subscribers.len();
    let subs = subscribers
        .into_iter()
        .enumerate()
        .map(|(i, id)| (id, source(i)))
        .collect();
    let pubs = publishers
        .into_iter()
        .enumerate()
        .map(|(i, id)| (id, source(n + i)))
        .collect();
    (subs, pubs)
}

pub fn record_connect(phases: &mut Phases, c: &Connected) {
    phases.record(Phase::Connect, c.connect_ns);
    if let Some(t) = c.tls_probe {
        phases.record(Phase::TcpConnect, t.tcp_connect_ns);
        phases.record(Phase::TlsHandshake, t.handshake_ns);
    }
}

/// Connects the clients along the ramp; the first failure fails the case.
pub async fn connect_all(
    endpoint: &Endpoint,
    ids: Vec<Client>,
    max_packet: usize,
    inflight: u16,
    session: Session,
    ramp: Ramp,
) -> Result<Vec<Connected>, String> {
    ramp::connect_in_batches(ids, ramp, |(id, source)| {
        let endpoint = endpoint.clone();
        async move {
            let spec = ClientSpec {
                client_id: &id,
                max_packet,
                inflight,
                session,
                source,
            };
            client::connect(&endpoint, &spec)
                .await
                .map_err(|e| e.to_string())
        }
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sources_go_round_subscribers_first() {
        let ips: Vec<IpAddr> = ["127.0.0.2", "127.0.0.3"]
            .iter()
            .map(|a| a.parse().unwrap())
            .collect();
        let (s, p) = with_sources(vec!["s0".into()], vec!["p0".into(), "p1".into()], &ips);
        let at = |c: &[Client]| c.iter().map(|(_, a)| a.unwrap()).collect::<Vec<_>>();
        assert_eq!(at(&s), [ips[0]]);
        assert_eq!(at(&p), [ips[1], ips[0]]);
        let (s, _) = with_sources(vec!["s0".into()], vec![], &[]);
        assert_eq!(s, [("s0".to_string(), None)]);
    }
}
