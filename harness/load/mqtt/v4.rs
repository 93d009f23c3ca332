//! MQTT 3.1.1 through rumqttc's v4 client.

use rumqttc::{ConnectReturnCode, Incoming, MqttOptions, NetworkOptions, Outgoing, StateError};

use super::{Client, ConnectionError, Event, EventLoop, Message, Refusal, Settings};
use crate::broker::config::Session;

pub fn new(s: Settings) -> (Client, EventLoop) {
    let mut o = MqttOptions::new(s.client_id, s.address, s.port);
    o.set_transport(s.transport);
    o.set_keep_alive(s.keep_alive);
    // A persistent session is 3.1.1's clean session = false; the broker keeps it until a
    // clean connect with the same id ends it (run/case.rs does that after the case).
    o.set_clean_session(s.session == Session::Clean);
    o.set_max_packet_size(s.max_packet, s.max_packet);
    o.set_inflight(s.inflight.max(1));
    o.set_request_channel_capacity(s.request_capacity);
    if let Some((user, pass)) = s.credentials {
        o.set_credentials(user, pass);
    }
    let (client, mut eventloop) = rumqttc::AsyncClient::new(o, s.request_capacity);
    eventloop.set_network_options(network(&s.connect_timeout, s.source));
    (Client::V4(client), EventLoop::V4(eventloop))
}

/// Nagle off (else every small publish waits ~40 ms for an ACK), the connect timeout and the
/// source address (`set_bind_addr` is the vendored rumqttc's, vendor/README.md).
pub(super) fn network(
    timeout: &std::time::Duration,
    source: Option<std::net::IpAddr>,
) -> NetworkOptions {
    let mut net = NetworkOptions::new();
    net.set_tcp_nodelay(true);
    net.set_connection_timeout(timeout.as_secs().max(1));
    if let Some(ip) = source {
        net.set_bind_addr(std::net::SocketAddr::new(ip, 0));
    }
    net
}

pub(super) fn event(e: rumqttc::Event) -> Event {
    match e {
        rumqttc::Event::Incoming(i) => match i {
            Incoming::ConnAck(c) => Event::ConnAck {
                receive_max: None,
                max_packet: None,
                session_present: c.session_present,
            },
            Incoming::Publish(p) => Event::Publish(Message {
                topic: bytes::Bytes::from(p.topic),
                payload: p.payload,
                dup: p.dup,
            }),
            Incoming::PubAck(a) => Event::PubAck(a.pkid),
            Incoming::PubRec(r) => Event::PubRec(r.pkid),
            Incoming::PubComp(c) => Event::PubComp(c.pkid),
            Incoming::SubAck(a) => match a.return_codes.first() {
                Some(rumqttc::SubscribeReasonCode::Success(q)) => Event::SubAck {
                    refused: None,
                    granted: Some(*q as u8),
                },
                _ => Event::SubAck {
                    refused: Some("SUBACK failure (0x80)".into()),
                    granted: None,
                },
            },
            _ => Event::Other,
        },
        rumqttc::Event::Outgoing(o) => match o {
            Outgoing::Publish(pkid) => Event::Sent(pkid),
            Outgoing::Disconnect => Event::Disconnected,
            _ => Event::Other,
        },
    }
}

pub(super) fn error(e: rumqttc::ConnectionError) -> ConnectionError {
    use rumqttc::ConnectionError as E;
    match e {
        E::ConnectionRefused(code) => ConnectionError::Refused {
            reason: match code {
                ConnectReturnCode::BadUserNamePassword => Refusal::BadCredentials,
                // MQTT 3.1.1 brokers (Mosquitto among them) answer a wrong password with 5.
                ConnectReturnCode::NotAuthorized => Refusal::NotAuthorized,
                _ => Refusal::Other,
            },
            text: format!("CONNACK {code:?}"),
        },
        E::Io(io) => ConnectionError::Io(io),
        E::MqttState(StateError::Io(io)) => ConnectionError::Io(io),
        E::Tls(t) => ConnectionError::Tls(t),
        E::MqttState(StateError::ConnectionAborted) => ConnectionError::Aborted,
        E::NetworkTimeout | E::FlushTimeout => ConnectionError::Timeout,
        other => ConnectionError::Other(other.to_string()),
    }
}
