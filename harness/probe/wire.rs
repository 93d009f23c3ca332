//! Hand-encoded MQTT 3.1.1 packets for the sacrificial client. Deliberately not rumqttc: a
//! client library validates what it sends, and the probes exist to send what it would refuse.

use std::time::Duration;

use tokio::io::AsyncReadExt;
use tokio::net::TcpStream;
use tokio::time::Instant;

/// MQTT variable-byte integer. Values above the 4-byte maximum (268,435,455) are encoded
/// with more bytes on purpose: the malformed-length probes need exactly that.
pub fn remaining_length(mut n: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(4);
    loop {
        let mut b = (n % 128) as u8;
        n /= 128;
        if n > 0 {
            b |= 0x80;
        }
        out.push(b);
        if n == 0 {
            return out;
        }
    }
}

/// A length-prefixed MQTT string of raw bytes (no UTF-8 check: that is the point).
pub fn string(out: &mut Vec<u8>, s: &[u8]) {
    out.extend_from_slice(&(s.len() as u16).to_be_bytes());
    out.extend_from_slice(s);
}

/// A packet from its first byte and its body (remaining length computed).
pub fn packet(first: u8, body: &[u8]) -> Vec<u8> {
    let mut p = vec![first];
    p.extend(remaining_length(body.len()));
    p.extend_from_slice(body);
    p
}

/// What goes into a CONNECT.
#[derive(Debug, Clone, Default)]
pub struct Connect<'a> {
    pub client_id: &'a [u8],
    pub username: Option<&'a [u8]>,
    /// (topic, message)
    pub will: Option<(&'a [u8], &'a [u8])>,
    /// Bits OR-ed into the connect flags (bit 0 is reserved and must be zero).
    pub extra_flags: u8,
}

pub fn connect(c: &Connect) -> Vec<u8> {
    let mut flags = 0x02 | c.extra_flags; // clean session
    if c.will.is_some() {
        flags |= 0x04; // will flag, will QoS 0, no retain
    }
    if c.username.is_some() {
        flags |= 0x80;
    }
    let mut b = Vec::new();
    string(&mut b, b"MQTT");
    b.push(4); // protocol level 3.1.1
    b.push(flags);
    b.extend_from_slice(&30u16.to_be_bytes()); // keep alive, s
    string(&mut b, c.client_id);
    if let Some((topic, msg)) = c.will {
        string(&mut b, topic);
        string(&mut b, msg);
    }
    if let Some(u) = c.username {
        string(&mut b, u);
    }
    packet(0x10, &b)
}

/// PUBLISH with `first` as the first byte (0x30 = QoS 0); a packet id is added when the
/// QoS bits are non-zero, including the invalid QoS 3.
pub fn publish(first: u8, topic: &[u8], payload: &[u8]) -> Vec<u8> {
    let mut b = Vec::new();
    string(&mut b, topic);
    if first & 0x06 != 0 {
        b.extend_from_slice(&1u16.to_be_bytes());
    }
    b.extend_from_slice(payload);
    packet(first, &b)
}

/// SUBSCRIBE (QoS 0) with `first` as the first byte (0x82 is the only valid value).
pub fn subscribe(first: u8, filter: &[u8]) -> Vec<u8> {
    let mut b = 1u16.to_be_bytes().to_vec();
    string(&mut b, filter);
    b.push(0);
    packet(first, &b)
}

pub const PINGREQ: [u8; 2] = [0xC0, 0x00];

/// A packet the broker sent, as far as the probe cares.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Incoming {
    ConnAck { code: u8 },
    SubAck { codes: Vec<u8> },
    Publish { topic: Vec<u8> },
    PingResp,
    Other { kind: u8 },
}

impl Incoming {
    pub fn describe(&self) -> String {
        match self {
            Incoming::ConnAck { code } => format!("CONNACK {code:#04x}"),
            Incoming::SubAck { codes } => format!("SUBACK {codes:02x?}"),
            Incoming::Publish { .. } => "PUBLISH routed".into(),
            Incoming::PingResp => "PINGRESP".into(),
            Incoming::Other { kind } => format!("packet type {kind}"),
        }
    }
}

/// What reading from the broker ended with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReadEnd {
    /// The broker closed (EOF) or reset the connection, after this long.
    Closed { after: Duration, reset: bool },
    /// The deadline passed with the connection still open.
    Deadline,
    /// The caller's stop condition held.
    Stopped,
}

/// Largest packet the reader buffers: a broker answering with more is treated as closing.
const MAX_INCOMING: usize = 1 << 20;

/// Reads and decodes packets from `s` until `deadline`, the connection ends, or `stop`
/// returns true for what has been seen so far. `since` is when the probe was sent, for
/// the time-to-disconnect.
pub async fn read_until(
    s: &mut TcpStream,
    since: Instant,
    deadline: Instant,
    seen: &mut Vec<Incoming>,
    mut stop: impl FnMut(&[Incoming]) -> bool,
) -> ReadEnd {
    let mut buf: Vec<u8> = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        while let Some((p, used)) = parse(&buf) {
            buf.drain(..used);
            seen.push(p);
        }
        if buf.len() > MAX_INCOMING {
            return ReadEnd::Closed {
                after: since.elapsed(),
                reset: false,
            };
        }
        if stop(seen) {
            return ReadEnd::Stopped;
        }
        match tokio::time::timeout_at(deadline, s.read(&mut chunk)).await {
            Err(_) => return ReadEnd::Deadline,
            Ok(Ok(0)) => {
                return ReadEnd::Closed {
                    after: since.elapsed(),
                    reset: false,
                };
            }
            Ok(Ok(n)) => buf.extend_from_slice(&chunk[..n]),
            Ok(Err(_)) => {
                return ReadEnd::Closed {
                    after: since.elapsed(),
                    reset: true,
                };
            }
        }
    }
}

/// One packet from the front of `b`, with the bytes it used; `None` until complete.
pub fn parse(b: &[u8]) -> Option<(Incoming, usize)> {
    let first = *b.first()?;
    let mut len = 0usize;
    let mut i = 1;
    loop {
        let byte = *b.get(i)?;
        len |= ((byte & 0x7F) as usize) << (7 * (i - 1));
        i += 1;
        if byte & 0x80 == 0 {
            break;
        }
        if i > 4 {
            // A broker sending a malformed length: report it as an unknown packet and
            // swallow the rest, rather than guess.
            return Some((Incoming::Other { kind: first >> 4 }, b.len()));
        }
    }
    let body = b.get(i..i + len)?;
    let p = match first >> 4 {
        2 => Incoming::ConnAck {
            code: body.get(1).copied().unwrap_or(0xFF),
        },
        9 => Incoming::SubAck {
            codes: body.get(2..).unwrap_or_default().to_vec(),
        },
        3 => {
            let n = body
                .get(..2)
                .map(|l| u16::from_be_bytes([l[0], l[1]]) as usize)
                .unwrap_or(0);
            Incoming::Publish {
                topic: body.get(2..2 + n).unwrap_or_default().to_vec(),
            }
        }
        13 => Incoming::PingResp,
        kind => Incoming::Other { kind },
    };
    Some((p, i + len))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remaining_length_matches_the_spec_examples() {
        assert_eq!(remaining_length(0), [0x00]);
        assert_eq!(remaining_length(127), [0x7F]);
        assert_eq!(remaining_length(128), [0x80, 0x01]);
        assert_eq!(remaining_length(16_383), [0xFF, 0x7F]);
        assert_eq!(remaining_length(268_435_455), [0xFF, 0xFF, 0xFF, 0x7F]);
    }

    #[test]
    fn encodes_a_connect_byte_for_byte() {
        let p = connect(&Connect {
            client_id: b"c",
            ..Default::default()
        });
        let want = [
            0x10, 13, 0, 4, b'M', b'Q', b'T', b'T', 4, 0x02, 0, 30, 0, 1, b'c',
        ];
        assert_eq!(p, want);
    }

    #[test]
    fn parses_acks_and_waits_for_whole_packets() {
        assert_eq!(
            parse(&[0x20, 2, 0, 5]),
            Some((Incoming::ConnAck { code: 5 }, 4))
        );
        assert_eq!(parse(&[0x90, 3, 0, 1]), None);
        assert_eq!(
            parse(&[0x90, 3, 0, 1, 0x80]),
            Some((Incoming::SubAck { codes: vec![0x80] }, 5))
        );
        assert_eq!(
            parse(&publish(0x30, b"a/b", b"x")),
            Some((
                Incoming::Publish {
                    topic: b"a/b".to_vec()
                },
                8
            ))
        );
    }
}
