//! MQTT 5 through rumqttc's v5 client.
//!
//! Session semantics match the v4 client's: a clean session is clean start with no session
//! expiry (the v5 form of 3.1.1's clean session), a persistent one is clean start false with
//! a Session Expiry Interval ([`super::PERSISTENT_SESSION_EXPIRY_S`]).

use rumqttc::Outgoing;
use rumqttc::v5::mqttbytes::QoS as QoS5;
use rumqttc::v5::mqttbytes::v5::{
    ConnectReturnCode, Packet, PubAckReason, PubCompReason, PubRecReason, SubscribeReasonCode,
};
use rumqttc::v5::{MqttOptions, StateError};

use super::{Client, ConnectionError, Event, EventLoop, Message, Refusal, Rejection, Settings};
use crate::broker::config::Session;

pub fn new(s: Settings) -> (Client, EventLoop) {
    let mut o = MqttOptions::new(s.client_id, s.address, s.port);
    o.set_transport(s.transport);
    o.set_keep_alive(s.keep_alive);
    match s.session {
        Session::Clean => {
            o.set_clean_start(true);
        }
        Session::Persistent => {
            o.set_clean_start(false);
            o.set_session_expiry_interval(Some(super::PERSISTENT_SESSION_EXPIRY_S));
        }
    }
    // CONNECT's Maximum Packet Size: what we accept; the broker's CONNACK sets what we send.
    o.set_max_packet_size(Some(u32::try_from(s.max_packet).unwrap_or(u32::MAX)));
    // The broker's Receive Maximum may lower this further.
    o.set_outgoing_inflight_upper_limit(s.inflight.max(1));
    o.set_request_channel_capacity(s.request_capacity);
    o.set_connection_timeout(s.connect_timeout.as_secs().max(1));
    o.set_network_options(super::v4::network(&s.connect_timeout, s.source));
    if let Some((user, pass)) = s.credentials {
        o.set_credentials(user, pass);
    }
    let (client, eventloop) = rumqttc::v5::AsyncClient::new(o, s.request_capacity);
    (Client::V5(client), EventLoop::V5(eventloop))
}

pub(super) fn qos(q: rumqttc::QoS) -> QoS5 {
    match q {
        rumqttc::QoS::AtMostOnce => QoS5::AtMostOnce,
        rumqttc::QoS::AtLeastOnce => QoS5::AtLeastOnce,
        rumqttc::QoS::ExactlyOnce => QoS5::ExactlyOnce,
    }
}

pub(super) fn event(e: rumqttc::v5::Event) -> Event {
    match e {
        rumqttc::v5::Event::Incoming(i) => match i {
            Packet::ConnAck(c) => Event::ConnAck {
                receive_max: c.properties.as_ref().and_then(|p| p.receive_max),
                max_packet: c.properties.as_ref().and_then(|p| p.max_packet_size),
                session_present: c.session_present,
            },
            Packet::Publish(p) => Event::Publish(Message {
                topic: p.topic,
                payload: p.payload,
                dup: p.dup,
            }),
            Packet::PubAck(a) => match a.reason {
                PubAckReason::Success | PubAckReason::NoMatchingSubscribers => {
                    Event::PubAck(a.pkid)
                }
                r => rejected(a.pkid, "PUBACK", format!("{r:?}"), false),
            },
            // A failed PUBREC ends the QoS 2 exchange: no PUBREL, no PUBCOMP will follow.
            Packet::PubRec(r) => match r.reason {
                PubRecReason::Success | PubRecReason::NoMatchingSubscribers => {
                    Event::PubRec(r.pkid)
                }
                reason => rejected(r.pkid, "PUBREC", format!("{reason:?}"), true),
            },
            Packet::PubComp(c) => match c.reason {
                PubCompReason::Success => Event::PubComp(c.pkid),
                reason => rejected(c.pkid, "PUBCOMP", format!("{reason:?}"), true),
            },
            Packet::SubAck(a) => match a.return_codes.first() {
                Some(SubscribeReasonCode::Success(q)) => Event::SubAck {
                    refused: None,
                    granted: Some(*q as u8),
                },
                Some(code) => Event::SubAck {
                    refused: Some(format!("SUBACK {code:?}")),
                    granted: None,
                },
                None => Event::SubAck {
                    refused: Some("SUBACK without a reason code".into()),
                    granted: None,
                },
            },
            _ => Event::Other,
        },
        rumqttc::v5::Event::Outgoing(o) => match o {
            Outgoing::Publish(pkid) => Event::Sent(pkid),
            Outgoing::Disconnect => Event::Disconnected,
            _ => Event::Other,
        },
    }
}

fn rejected(pkid: u16, packet: &'static str, code: String, leaks_slot: bool) -> Event {
    Event::Rejected {
        pkid,
        reason: Rejection { packet, code },
        leaks_slot,
    }
}

pub(super) fn error(e: rumqttc::v5::ConnectionError) -> ConnectionError {
    use rumqttc::v5::ConnectionError as E;
    let refused = |code: ConnectReturnCode| ConnectionError::Refused {
        reason: match code {
            ConnectReturnCode::BadUserNamePassword => Refusal::BadCredentials,
            ConnectReturnCode::NotAuthorized => Refusal::NotAuthorized,
            _ => Refusal::Other,
        },
        text: format!("CONNACK {code:?}"),
    };
    match e {
        E::ConnectionRefused(code) => refused(code),
        E::MqttState(StateError::ConnFail { reason }) => refused(reason),
        E::Io(io) => ConnectionError::Io(io),
        E::MqttState(StateError::Io(io)) => ConnectionError::Io(io),
        E::Tls(t) => ConnectionError::Tls(t),
        E::MqttState(StateError::ConnectionAborted) => ConnectionError::Aborted,
        E::Timeout(_) => ConnectionError::Timeout,
        other => ConnectionError::Other(other.to_string()),
    }
}
