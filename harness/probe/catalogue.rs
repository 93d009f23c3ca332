//! The probes: what the sacrificial client sends. Seed 004's attack is ill-formed UTF-8 that
//! a non-validating broker forwards to validating clients, which then drop their connection;
//! the rest are the other "Malformed Packet" rules of MQTT 3.1.1 (section 4.8 / 1.5.3).

use serde::{Deserialize, Serialize};

use super::wire::{self, Connect};

/// Where in the protocol the malformed bytes go.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Field {
    None,
    PublishTopic,
    SubscribeFilter,
    ClientId,
    Username,
    WillTopic,
    RemainingLength,
    FixedHeaderFlags,
    ConnectFlags,
    PacketType,
    Sequence,
}

impl Field {
    pub fn name(self) -> &'static str {
        match self {
            Field::None => "-",
            Field::PublishTopic => "PUBLISH topic",
            Field::SubscribeFilter => "SUBSCRIBE filter",
            Field::ClientId => "client id",
            Field::Username => "username",
            Field::WillTopic => "will topic",
            Field::RemainingLength => "remaining length",
            Field::FixedHeaderFlags => "header flags",
            Field::ConnectFlags => "connect flags",
            Field::PacketType => "packet type",
            Field::Sequence => "packet order",
        }
    }
}

/// What the sacrificial client does before the probe packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Setup {
    /// The probe packet is the first thing sent (a CONNECT probe).
    Nothing,
    /// A valid CONNECT, CONNACK awaited.
    Connected,
    /// Connected and subscribed to the probe's topic tree, so a routed PUBLISH comes back.
    Subscribed,
}

/// One probe, built for a topic base unique to the probe run.
#[derive(Debug, Clone)]
pub struct Probe {
    pub name: &'static str,
    pub field: Field,
    pub description: &'static str,
    pub setup: Setup,
    pub packet: Vec<u8>,
    /// Drop the socket right after a CONNACK (fires the will, if the broker kept one).
    pub drop_after_connack: bool,
    /// The well-formed control: a broker must accept it, or the probe run is not measuring.
    pub control: bool,
}

/// Ill-formed (or, for U+FFFF, discouraged) UTF-8 sequences, by name.
pub const BAD_UTF8: [(&str, &str, &[u8]); 5] = [
    ("overlong", "overlong '/' (C0 AF)", &[0xC0, 0xAF]),
    (
        "surrogate",
        "UTF-16 surrogate U+D800 (ED A0 80)",
        &[0xED, 0xA0, 0x80],
    ),
    ("nul", "U+0000", &[0x00]),
    (
        "truncated",
        "truncated 3-byte sequence (E2 82)",
        &[0xE2, 0x82],
    ),
    (
        "nonchar",
        "non-character U+FFFF (EF BF BF)",
        &[0xEF, 0xBF, 0xBF],
    ),
];

fn with(base: &str, bad: &[u8]) -> Vec<u8> {
    let mut t = format!("{base}/x").into_bytes();
    t.extend_from_slice(bad);
    t
}

/// Every probe for a run whose topics live under `base` and client ids start with `id`.
pub fn probes(base: &str, id: &str) -> Vec<Probe> {
    let cid = |n: &str| format!("{id}-{n}").into_bytes();
    let mut v = vec![Probe {
        name: "control-publish",
        field: Field::None,
        description: "well-formed PUBLISH (control: must be accepted)",
        setup: Setup::Subscribed,
        packet: wire::publish(0x30, format!("{base}/control").as_bytes(), b"ok"),
        drop_after_connack: false,
        control: true,
    }];
    let names: [[&str; 3]; 5] = [
        [
            "publish-topic-overlong",
            "subscribe-overlong",
            "client-id-overlong",
        ],
        [
            "publish-topic-surrogate",
            "subscribe-surrogate",
            "client-id-surrogate",
        ],
        ["publish-topic-nul", "subscribe-nul", "client-id-nul"],
        [
            "publish-topic-truncated",
            "subscribe-truncated",
            "client-id-truncated",
        ],
        [
            "publish-topic-nonchar",
            "subscribe-nonchar",
            "client-id-nonchar",
        ],
    ];
    for ((_, _, bad), [p, s, c]) in BAD_UTF8.iter().zip(names) {
        v.push(Probe {
            name: p,
            field: Field::PublishTopic,
            description: "PUBLISH QoS 0 to a topic holding the sequence; bystander subscribes to the tree",
            setup: Setup::Subscribed,
            packet: wire::publish(0x30, &with(base, bad), b"probe"),
            drop_after_connack: false,
            control: false,
        });
        v.push(Probe {
            name: s,
            field: Field::SubscribeFilter,
            description: "SUBSCRIBE to a filter holding the sequence",
            setup: Setup::Connected,
            packet: wire::subscribe(0x82, &with(base, bad)),
            drop_after_connack: false,
            control: false,
        });
        let mut id_bytes = cid("cid");
        id_bytes.extend_from_slice(bad);
        v.push(Probe {
            name: c,
            field: Field::ClientId,
            description: "CONNECT whose client id holds the sequence",
            setup: Setup::Nothing,
            packet: wire::connect(&Connect {
                client_id: &id_bytes,
                ..Default::default()
            }),
            drop_after_connack: false,
            control: false,
        });
    }
    let user = [b"user".as_slice(), &[0xED, 0xA0, 0x80]].concat();
    let will = with(base, &[0xED, 0xA0, 0x80]);
    let big = 1_000usize;
    let mut beyond = vec![0x30];
    beyond.extend(wire::remaining_length(big));
    beyond.extend_from_slice(&wire::publish(0x30, format!("{base}/x").as_bytes(), b"")[2..]);
    v.extend([
        Probe {
            name: "username-surrogate",
            field: Field::Username,
            description: "CONNECT whose username holds U+D800 (ED A0 80)",
            setup: Setup::Nothing,
            packet: wire::connect(&Connect {
                client_id: &cid("user"),
                username: Some(&user),
                ..Default::default()
            }),
            drop_after_connack: false,
            control: false,
        },
        Probe {
            name: "will-topic-surrogate",
            field: Field::WillTopic,
            description: "CONNECT with a will on a topic holding U+D800, then an abrupt close so the broker publishes the will to the bystander",
            setup: Setup::Nothing,
            packet: wire::connect(&Connect {
                client_id: &cid("will"),
                will: Some((&will, b"will")),
                ..Default::default()
            }),
            drop_after_connack: true,
            control: false,
        },
        Probe {
            name: "remaining-length-5-bytes",
            field: Field::RemainingLength,
            description: "PUBLISH whose remaining length is a 5-byte varint (max is 4)",
            setup: Setup::Connected,
            packet: vec![0x30, 0xFF, 0xFF, 0xFF, 0xFF, 0x01, 0x00, 0x01, b'a'],
            drop_after_connack: false,
            control: false,
        },
        Probe {
            name: "remaining-length-beyond-packet",
            field: Field::RemainingLength,
            description: "PUBLISH claiming 1000 bytes but sending a few (the broker should time out or wait)",
            setup: Setup::Connected,
            packet: beyond,
            drop_after_connack: false,
            control: false,
        },
        Probe {
            name: "subscribe-flags-0000",
            field: Field::FixedHeaderFlags,
            description: "SUBSCRIBE with header flags 0000 (must be 0010)",
            setup: Setup::Connected,
            packet: wire::subscribe(0x80, format!("{base}/flags").as_bytes()),
            drop_after_connack: false,
            control: false,
        },
        Probe {
            name: "publish-qos-3",
            field: Field::FixedHeaderFlags,
            description: "PUBLISH with both QoS bits set (QoS 3 does not exist)",
            setup: Setup::Subscribed,
            packet: wire::publish(0x36, format!("{base}/qos3").as_bytes(), b"probe"),
            drop_after_connack: false,
            control: false,
        },
        Probe {
            name: "connect-reserved-flag",
            field: Field::ConnectFlags,
            description: "CONNECT with the reserved connect-flags bit 0 set",
            setup: Setup::Nothing,
            packet: wire::connect(&Connect {
                client_id: &cid("reserved"),
                extra_flags: 0x01,
                ..Default::default()
            }),
            drop_after_connack: false,
            control: false,
        },
        Probe {
            name: "packet-type-0",
            field: Field::PacketType,
            description: "reserved packet type 0 (S-MQTT's DETECT) after CONNECT",
            setup: Setup::Connected,
            packet: vec![0x00, 0x00],
            drop_after_connack: false,
            control: false,
        },
        Probe {
            name: "second-connect",
            field: Field::Sequence,
            description: "a second CONNECT on a connected session (a protocol violation)",
            setup: Setup::Connected,
            packet: wire::connect(&Connect {
                client_id: &cid("second"),
                ..Default::default()
            }),
            drop_after_connack: false,
            control: false,
        },
    ]);
    v
}
