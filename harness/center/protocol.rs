//! The SC's wire format, version 1. All integers big-endian; strings and byte strings carry a
//! u16 length. A second implementation must be able to speak it from this text alone.
//!
//! Request (client → SC, on `<prefix>/req/<client id>`):
//!
//! | field | bytes |
//! |---|---|
//! | version = 1, kind = 1 | 1 + 1 |
//! | request id | 8 |
//! | timestamp (client's Unix ms) | 8 |
//! | nonce | 16 |
//! | client id | 2 + n |
//! | access: 1 publish, 2 subscribe | 1 |
//! | topic (a name, no wildcards) | 2 + n |
//! | key id wanted (0 = the current key) | 2 |
//! | signature algorithm: 1 ecdsa-p256, 2 ed25519 | 1 |
//! | signature (64 bytes: r‖s or Ed25519) over `"mcb-sc/v1/request\0"` ‖ every byte above | rest |
//!
//! Response (SC → client, on `<prefix>/resp/<client id>`):
//!
//! | field | bytes |
//! |---|---|
//! | version = 1, kind = 2 | 1 + 1 |
//! | request id (echoed) | 8 |
//! | client id (echoed) | 2 + n |
//! | timestamp (SC's Unix ms) | 8 |
//! | status: 0 granted, else the [`Denial`] code | 1 |
//! | granted: topic, access, suite id (1), key id (2), TTL ms (4), grace ms (4), wrapped key (2 + n) | |
//! | denied: reason (UTF-8) | 2 + n |
//! | SC timings: authn, authz, keygen+wrap (ns) | 8 + 8 + 8 |
//! | Ed25519 signature by the SC's key over `"mcb-sc/v1/response\0"` ‖ every byte above | 64 |
//!
//! Limits: a request is at most [`MAX_REQUEST`] (2,048) bytes, its client id at most 128 and
//! its topic at most [`MAX_TOPIC`] (1,024) bytes; a longer one is malformed (not answered).
//!
//! The wrapped key is [`super::wrap`]'s `ephemeral P-256 point (65) ‖ nonce (12) ‖
//! AES-128-GCM(key) ‖ tag (16)`.

use std::fmt;

use super::{Access, CenterError};

pub const VERSION: u8 = 1;
const KIND_REQUEST: u8 = 1;
const KIND_RESPONSE: u8 = 2;
pub const NONCE_LEN: usize = 16;
pub const SIG_LEN: usize = 64;
pub const REQUEST_DOMAIN: &[u8] = b"mcb-sc/v1/request\0";
/// The longest topic a request may name: MQTT allows 65,535 bytes, no device needs more than
/// a few hundred, and the SC keeps the topic (key store, ACL match) per request.
pub const MAX_TOPIC: usize = 1024;
/// The longest client id (as [`super::valid_client_id`]).
pub const MAX_CLIENT_ID: usize = 128;
/// The largest request the decoder reads: every field at its longest, rounded up. The service
/// drops anything larger before reading a byte of it.
pub const MAX_REQUEST: usize = 2048;
pub const RESPONSE_DOMAIN: &[u8] = b"mcb-sc/v1/response\0";

/// A client's signature algorithm (its identity key).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SigKind {
    EcdsaP256,
    Ed25519,
}

impl SigKind {
    pub fn code(self) -> u8 {
        match self {
            SigKind::EcdsaP256 => 1,
            SigKind::Ed25519 => 2,
        }
    }
    pub fn from_code(c: u8) -> Option<SigKind> {
        match c {
            1 => Some(SigKind::EcdsaP256),
            2 => Some(SigKind::Ed25519),
            _ => None,
        }
    }
    pub fn name(self) -> &'static str {
        match self {
            SigKind::EcdsaP256 => "ecdsa-p256",
            SigKind::Ed25519 => "ed25519",
        }
    }
    pub fn from_name(s: &str) -> Option<SigKind> {
        match s {
            "ecdsa-p256" => Some(SigKind::EcdsaP256),
            "ed25519" => Some(SigKind::Ed25519),
            _ => None,
        }
    }
}

/// Why the SC said no. The code travels in the status byte; the reason text beside it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Denial {
    UnknownClient,
    BadSignature,
    Stale,
    Replayed,
    NotAuthorized,
    UnknownKey,
    BadRequest,
    Internal,
}

impl Denial {
    pub const ALL: [Denial; 8] = [
        Denial::UnknownClient,
        Denial::BadSignature,
        Denial::Stale,
        Denial::Replayed,
        Denial::NotAuthorized,
        Denial::UnknownKey,
        Denial::BadRequest,
        Denial::Internal,
    ];

    pub fn code(self) -> u8 {
        match self {
            Denial::UnknownClient => 1,
            Denial::BadSignature => 2,
            Denial::Stale => 3,
            Denial::Replayed => 4,
            Denial::NotAuthorized => 5,
            Denial::UnknownKey => 6,
            Denial::BadRequest => 7,
            Denial::Internal => 8,
        }
    }

    pub fn from_code(c: u8) -> Option<Denial> {
        Denial::ALL.into_iter().find(|d| d.code() == c)
    }

    /// Snake-case name, as counted in results.json.
    pub fn name(self) -> &'static str {
        match self {
            Denial::UnknownClient => "unknown_client",
            Denial::BadSignature => "bad_signature",
            Denial::Stale => "stale",
            Denial::Replayed => "replayed",
            Denial::NotAuthorized => "not_authorized",
            Denial::UnknownKey => "unknown_key",
            Denial::BadRequest => "bad_request",
            Denial::Internal => "internal",
        }
    }
}

impl fmt::Display for Denial {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A key request, before or after signing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    pub request_id: u64,
    pub timestamp_ms: u64,
    pub nonce: [u8; NONCE_LEN],
    pub client_id: String,
    pub access: Access,
    pub topic: String,
    /// 0: the topic's current key; else that key id (a subscriber that met it in an envelope).
    pub key_id: u16,
    pub sig: SigKind,
}

/// A parsed request and the bytes its signature covers.
#[derive(Debug, Clone)]
pub struct SignedRequest {
    pub request: Request,
    /// Domain ‖ body: what the signature covers.
    pub signed: Vec<u8>,
    pub signature: Vec<u8>,
}

impl Request {
    /// The body up to (not including) the signature.
    pub fn body(&self) -> Vec<u8> {
        let mut w = Vec::with_capacity(64 + self.client_id.len() + self.topic.len());
        w.push(VERSION);
        w.push(KIND_REQUEST);
        w.extend_from_slice(&self.request_id.to_be_bytes());
        w.extend_from_slice(&self.timestamp_ms.to_be_bytes());
        w.extend_from_slice(&self.nonce);
        put_str(&mut w, &self.client_id);
        w.push(self.access.code());
        put_str(&mut w, &self.topic);
        w.extend_from_slice(&self.key_id.to_be_bytes());
        w.push(self.sig.code());
        w
    }

    /// What the client signs: the domain tag then the body.
    pub fn to_be_signed(body: &[u8]) -> Vec<u8> {
        let mut m = Vec::with_capacity(REQUEST_DOMAIN.len() + body.len());
        m.extend_from_slice(REQUEST_DOMAIN);
        m.extend_from_slice(body);
        m
    }

    pub fn parse(bytes: &[u8]) -> Result<SignedRequest, CenterError> {
        let bad = |why: String| CenterError::Malformed {
            what: "request",
            why,
        };
        if bytes.len() > MAX_REQUEST {
            return Err(bad(format!(
                "{} bytes, the largest request is {MAX_REQUEST}",
                bytes.len()
            )));
        }
        let mut r = Reader::new(bytes, "request");
        let (v, kind) = (r.u8()?, r.u8()?);
        if v != VERSION || kind != KIND_REQUEST {
            return Err(bad(format!(
                "version {v} kind {kind}, expected version {VERSION} kind {KIND_REQUEST}"
            )));
        }
        let request_id = r.u64()?;
        let timestamp_ms = r.u64()?;
        let nonce: [u8; NONCE_LEN] = r
            .take(NONCE_LEN)?
            .try_into()
            .map_err(|_| bad("nonce".into()))?;
        let client_id = r.string()?;
        if client_id.len() > MAX_CLIENT_ID {
            return Err(bad(format!(
                "client id of {} bytes, at most {MAX_CLIENT_ID}",
                client_id.len()
            )));
        }
        let access_code = r.u8()?;
        let access =
            Access::from_code(access_code).ok_or_else(|| bad(format!("access {access_code}")))?;
        let topic = r.string()?;
        if topic.len() > MAX_TOPIC {
            return Err(bad(format!(
                "topic of {} bytes, at most {MAX_TOPIC}",
                topic.len()
            )));
        }
        let key_id = r.u16()?;
        let sig_code = r.u8()?;
        let sig = SigKind::from_code(sig_code)
            .ok_or_else(|| bad(format!("signature algorithm {sig_code}")))?;
        let body_len = r.pos;
        let signature = r.rest().to_vec();
        if signature.len() != SIG_LEN {
            return Err(bad(format!(
                "signature is {} bytes, expected {SIG_LEN}",
                signature.len()
            )));
        }
        Ok(SignedRequest {
            request: Request {
                request_id,
                timestamp_ms,
                nonce,
                client_id,
                access,
                topic,
                key_id,
                sig,
            },
            signed: Request::to_be_signed(&bytes[..body_len]),
            signature,
        })
    }
}

/// A granted key, as it travels (still wrapped).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    pub topic: String,
    pub access: Access,
    pub suite_id: u8,
    pub key_id: u16,
    /// How long the client may cache the key (for new messages).
    pub ttl_ms: u32,
    /// How long an older key id still decrypts after this one replaced it.
    pub grace_ms: u32,
    pub wrapped: Vec<u8>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Granted(Grant),
    Denied { code: Denial, reason: String },
}

/// The SC's own time for the request, carried in the answer (like HTTP's Server-Timing).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ServerTiming {
    pub authn_ns: u64,
    pub authz_ns: u64,
    pub keygen_ns: u64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    pub request_id: u64,
    pub client_id: String,
    pub timestamp_ms: u64,
    pub outcome: Outcome,
    pub timing: ServerTiming,
}

/// A parsed response and the bytes its signature covers.
#[derive(Debug, Clone)]
pub struct SignedResponse {
    pub response: Response,
    pub signed: Vec<u8>,
    pub signature: Vec<u8>,
}

impl Response {
    pub fn body(&self) -> Vec<u8> {
        let mut w = Vec::with_capacity(256);
        w.push(VERSION);
        w.push(KIND_RESPONSE);
        w.extend_from_slice(&self.request_id.to_be_bytes());
        put_str(&mut w, &self.client_id);
        w.extend_from_slice(&self.timestamp_ms.to_be_bytes());
        match &self.outcome {
            Outcome::Granted(g) => {
                w.push(0);
                put_str(&mut w, &g.topic);
                w.push(g.access.code());
                w.push(g.suite_id);
                w.extend_from_slice(&g.key_id.to_be_bytes());
                w.extend_from_slice(&g.ttl_ms.to_be_bytes());
                w.extend_from_slice(&g.grace_ms.to_be_bytes());
                put_bytes(&mut w, &g.wrapped);
            }
            Outcome::Denied { code, reason } => {
                w.push(code.code());
                put_str(&mut w, reason);
            }
        }
        w.extend_from_slice(&self.timing.authn_ns.to_be_bytes());
        w.extend_from_slice(&self.timing.authz_ns.to_be_bytes());
        w.extend_from_slice(&self.timing.keygen_ns.to_be_bytes());
        w
    }

    pub fn to_be_signed(body: &[u8]) -> Vec<u8> {
        let mut m = Vec::with_capacity(RESPONSE_DOMAIN.len() + body.len());
        m.extend_from_slice(RESPONSE_DOMAIN);
        m.extend_from_slice(body);
        m
    }

    /// The request id of an answer, read without parsing the rest (to route it to the waiting
    /// request); `None` if it is not a version-1 response.
    pub fn peek_request_id(bytes: &[u8]) -> Option<u64> {
        if bytes.len() < 10 || bytes[0] != VERSION || bytes[1] != KIND_RESPONSE {
            return None;
        }
        Some(u64::from_be_bytes(bytes[2..10].try_into().ok()?))
    }

    pub fn parse(bytes: &[u8]) -> Result<SignedResponse, CenterError> {
        let bad = |why: String| CenterError::Malformed {
            what: "response",
            why,
        };
        let mut r = Reader::new(bytes, "response");
        let (v, kind) = (r.u8()?, r.u8()?);
        if v != VERSION || kind != KIND_RESPONSE {
            return Err(bad(format!(
                "version {v} kind {kind}, expected version {VERSION} kind {KIND_RESPONSE}"
            )));
        }
        let request_id = r.u64()?;
        let client_id = r.string()?;
        let timestamp_ms = r.u64()?;
        let status = r.u8()?;
        let outcome = if status == 0 {
            let topic = r.string()?;
            let a = r.u8()?;
            let access = Access::from_code(a).ok_or_else(|| bad(format!("access {a}")))?;
            Outcome::Granted(Grant {
                topic,
                access,
                suite_id: r.u8()?,
                key_id: r.u16()?,
                ttl_ms: r.u32()?,
                grace_ms: r.u32()?,
                wrapped: r.bytes()?.to_vec(),
            })
        } else {
            let code = Denial::from_code(status).ok_or_else(|| bad(format!("status {status}")))?;
            Outcome::Denied {
                code,
                reason: r.string()?,
            }
        };
        let timing = ServerTiming {
            authn_ns: r.u64()?,
            authz_ns: r.u64()?,
            keygen_ns: r.u64()?,
        };
        let body_len = r.pos;
        let signature = r.rest().to_vec();
        if signature.len() != SIG_LEN {
            return Err(bad(format!(
                "signature is {} bytes, expected {SIG_LEN}",
                signature.len()
            )));
        }
        Ok(SignedResponse {
            response: Response {
                request_id,
                client_id,
                timestamp_ms,
                outcome,
                timing,
            },
            signed: Response::to_be_signed(&bytes[..body_len]),
            signature,
        })
    }
}

fn put_str(w: &mut Vec<u8>, s: &str) {
    put_bytes(w, s.as_bytes());
}

/// Lengths are u16; every caller's strings are checked or bounded well below that (client ids
/// 128 bytes, topics 65535 by MQTT's own limit, wrapped keys < 200 bytes).
fn put_bytes(w: &mut Vec<u8>, b: &[u8]) {
    let n = b.len().min(u16::MAX as usize);
    w.extend_from_slice(&(n as u16).to_be_bytes());
    w.extend_from_slice(&b[..n]);
}

/// A bounds-checked cursor: every read is an error at the end, never a panic.
struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
    what: &'static str,
}

impl<'a> Reader<'a> {
    fn new(buf: &'a [u8], what: &'static str) -> Self {
        Self { buf, pos: 0, what }
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8], CenterError> {
        let end = self.pos.checked_add(n).filter(|&e| e <= self.buf.len());
        match end {
            Some(end) => {
                let s = &self.buf[self.pos..end];
                self.pos = end;
                Ok(s)
            }
            None => Err(CenterError::Malformed {
                what: self.what,
                why: format!(
                    "truncated at byte {} ({} more needed, {} left)",
                    self.pos,
                    n,
                    self.buf.len() - self.pos
                ),
            }),
        }
    }

    fn u8(&mut self) -> Result<u8, CenterError> {
        Ok(self.take(1)?[0])
    }
    fn u16(&mut self) -> Result<u16, CenterError> {
        let b = self.take(2)?;
        Ok(u16::from_be_bytes([b[0], b[1]]))
    }
    fn u32(&mut self) -> Result<u32, CenterError> {
        let b = self.take(4)?;
        Ok(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    }
    fn u64(&mut self) -> Result<u64, CenterError> {
        let mut a = [0u8; 8];
        a.copy_from_slice(self.take(8)?);
        Ok(u64::from_be_bytes(a))
    }
    fn bytes(&mut self) -> Result<&'a [u8], CenterError> {
        let n = self.u16()? as usize;
        self.take(n)
    }
    fn string(&mut self) -> Result<String, CenterError> {
        let what = self.what;
        let b = self.bytes()?;
        std::str::from_utf8(b)
            .map(str::to_owned)
            .map_err(|_| CenterError::Malformed {
                what,
                why: "a string is not UTF-8".into(),
            })
    }
    fn rest(&mut self) -> &'a [u8] {
        let s = &self.buf[self.pos..];
        self.pos = self.buf.len();
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request() -> Request {
        Request {
            request_id: 7,
            timestamp_ms: 1_700_000_000_000,
            nonce: [9; NONCE_LEN],
            client_id: "sensor-1".into(),
            access: Access::Publish,
            topic: "a/b".into(),
            key_id: 0,
            sig: SigKind::Ed25519,
        }
    }

    #[test]
    fn request_round_trips_and_signature_covers_the_body() {
        let req = request();
        let mut bytes = req.body();
        let body_len = bytes.len();
        bytes.extend_from_slice(&[1; SIG_LEN]);
        let parsed = Request::parse(&bytes).unwrap();
        assert_eq!(parsed.request, req);
        assert_eq!(parsed.signed, Request::to_be_signed(&bytes[..body_len]));
        assert!(parsed.signed.starts_with(REQUEST_DOMAIN));
        // Truncations at every length are errors, never panics.
        for n in 0..bytes.len() {
            assert!(Request::parse(&bytes[..n]).is_err(), "{n}");
        }
    }

    #[test]
    fn requests_over_the_size_limits_are_malformed() {
        let mut req = request();
        req.topic = "t".repeat(MAX_TOPIC);
        let mut ok = req.body();
        ok.extend_from_slice(&[1; SIG_LEN]);
        assert!(Request::parse(&ok).is_ok(), "the longest topic is fine");
        req.topic.push('t');
        let mut long = req.body();
        long.extend_from_slice(&[1; SIG_LEN]);
        let e = Request::parse(&long).unwrap_err().to_string();
        assert!(e.contains("topic of 1025 bytes, at most 1024"), "{e}");
        let mut req = request();
        req.client_id = "c".repeat(MAX_CLIENT_ID + 1);
        let mut b = req.body();
        b.extend_from_slice(&[1; SIG_LEN]);
        assert!(
            Request::parse(&b)
                .unwrap_err()
                .to_string()
                .contains("client id of 129")
        );
        let huge = vec![0u8; MAX_REQUEST + 1];
        let e = Request::parse(&huge).unwrap_err().to_string();
        assert!(e.contains("2049 bytes, the largest request is 2048"), "{e}");
    }

    #[test]
    fn response_round_trips_both_outcomes() {
        for outcome in [
            Outcome::Granted(Grant {
                topic: "a/b".into(),
                access: Access::Subscribe,
                suite_id: 0x42,
                key_id: 3,
                ttl_ms: 60_000,
                grace_ms: 5_000,
                wrapped: vec![4; 109],
            }),
            Outcome::Denied {
                code: Denial::NotAuthorized,
                reason: "no".into(),
            },
        ] {
            let resp = Response {
                request_id: u64::MAX,
                client_id: "c".into(),
                timestamp_ms: 5,
                outcome,
                timing: ServerTiming {
                    authn_ns: 1,
                    authz_ns: 2,
                    keygen_ns: 3,
                },
            };
            let mut bytes = resp.body();
            assert_eq!(Response::peek_request_id(&bytes), Some(u64::MAX));
            bytes.extend_from_slice(&[0; SIG_LEN]);
            let parsed = Response::parse(&bytes).unwrap();
            assert_eq!(parsed.response, resp);
            for n in 0..bytes.len() {
                assert!(Response::parse(&bytes[..n]).is_err(), "{n}");
            }
        }
    }
}
