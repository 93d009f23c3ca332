//! What must hold for any bytes that arrive on the SC's request topic: the properties the
//! request fuzzers check (`fuzz/fuzz_targets/center_request.rs` under libFuzzer, and
//! `tests/it/center_fuzz.rs`, a mutation loop on stable Rust). Kept here so both check the same
//! thing.
//!
//! - The decoders never panic, and never accept more than the size limits.
//! - A request that parses re-encodes to exactly its bytes (the encoding is canonical: no
//!   two byte strings carry one request, so the signature covers all of it).
//! - The SC's answer to any bytes is a response signed by its key that echoes the request's id
//!   and client, and it grants only requests it was given signed (no mutation of a signed
//!   request is ever granted).

use std::collections::HashSet;
use std::time::Duration;

use super::acl::Acl;
use super::authority::signed_request;
use super::protocol::{
    MAX_CLIENT_ID, MAX_REQUEST, MAX_TOPIC, Outcome, REQUEST_DOMAIN, Request, Response, SigKind,
};
use super::registry::{ClientIdentity, Registry};
use super::{Access, Authority, CenterConfig, CenterError, unix_ms};

/// One SC and the signed requests it was given, for checking answers.
pub struct Target {
    pub authority: Authority,
    /// Requests signed by a registered client: the only ones that may be granted.
    pub genuine: HashSet<Vec<u8>>,
}

/// Checks the request decoder alone; `Err` names the broken property.
pub fn check_request(bytes: &[u8]) -> Result<(), String> {
    let Ok(p) = Request::parse(bytes) else {
        return Ok(());
    };
    let r = &p.request;
    if bytes.len() > MAX_REQUEST || r.topic.len() > MAX_TOPIC || r.client_id.len() > MAX_CLIENT_ID {
        return Err(format!(
            "accepted a {}-byte request (topic {} B, client id {} B) over the limits",
            bytes.len(),
            r.topic.len(),
            r.client_id.len()
        ));
    }
    let mut again = r.body();
    if !p.signed.starts_with(REQUEST_DOMAIN) || p.signed[REQUEST_DOMAIN.len()..] != again[..] {
        return Err("the signed bytes are not the domain and the body".into());
    }
    again.extend_from_slice(&p.signature);
    if again != bytes {
        return Err("a parsed request does not re-encode to its bytes".into());
    }
    Ok(())
}

/// Checks the response decoder alone.
pub fn check_response(bytes: &[u8]) -> Result<(), String> {
    let peeked = Response::peek_request_id(bytes);
    let Ok(p) = Response::parse(bytes) else {
        return Ok(());
    };
    if peeked != Some(p.response.request_id) {
        return Err(format!(
            "peek_request_id says {peeked:?}, the parse {}",
            p.response.request_id
        ));
    }
    let mut again = p.response.body();
    again.extend_from_slice(&p.signature);
    if again != bytes {
        return Err("a parsed response does not re-encode to its bytes".into());
    }
    Ok(())
}

impl Target {
    /// An SC with one Ed25519 and one ECDSA client allowed `fz/#`, and seed inputs: requests
    /// both signed (fresh for a day, so a long run does not turn them stale), the SC's answers
    /// to some, a request of the other client on this topic, and the longest request.
    pub fn new() -> Result<(Target, Vec<Vec<u8>>), CenterError> {
        let ids = [
            ClientIdentity::generate("fz-ed", "light", SigKind::Ed25519)?,
            ClientIdentity::generate("fz-ec", "light", SigKind::EcdsaP256)?,
        ];
        let mut registry = Registry::default();
        for id in &ids {
            registry.insert(id.public());
        }
        let acl = Acl::parse("pattern readwrite fz/#\n").map_err(CenterError::Input)?;
        let config = CenterConfig {
            window: Duration::from_secs(86_400),
            ..CenterConfig::default()
        };
        let key = ed25519_dalek::SigningKey::generate(&mut rand::rng());
        let authority = Authority::new(config, key, registry, acl);
        let (now, mut seeds) = (unix_ms(), Vec::new());
        for (i, id) in ids.iter().enumerate() {
            for (n, (access, topic, key_id)) in [
                (Access::Publish, "fz/a", 0),
                (Access::Subscribe, "fz/a/b", 1),
                (Access::Subscribe, "fz/ü", 7),
                (Access::Publish, "other", 0),
            ]
            .into_iter()
            .enumerate()
            {
                let rid = (i * 100 + n) as u64;
                seeds.push(signed_request(id, rid, access, topic, key_id, now)?);
            }
        }
        let long = "fz/".to_owned() + &"x".repeat(MAX_TOPIC - 3);
        seeds.push(signed_request(&ids[0], 9, Access::Publish, &long, 0, now)?);
        let genuine: HashSet<Vec<u8>> = seeds.iter().cloned().collect();
        // The SC's answers (a grant, a denial) as seeds of the response decoder; answering
        // spends those requests' nonces, so the rest stay grantable.
        let answers: Vec<Vec<u8>> = [&seeds[0], &seeds[3]]
            .into_iter()
            .filter_map(|s| authority.handle("fz-ed", s))
            .collect();
        seeds.extend(answers);
        let target = Target { authority, genuine };
        Ok((target, seeds))
    }

    /// Both decoders, then the whole pipeline on `bytes` as the service would run it, arriving
    /// on the request topic of the client id they name (as a sender picks its topic), or of
    /// `fz-ed` when they name none.
    pub fn check(&self, bytes: &[u8]) -> Result<(), String> {
        check_request(bytes)?;
        check_response(bytes)?;
        let request = Request::parse(bytes).ok();
        let topic_client = request
            .as_ref()
            .map(|r| r.request.client_id.as_str())
            .filter(|id| super::valid_client_id(id))
            .unwrap_or("fz-ed");
        let answer = self.authority.handle(topic_client, bytes);
        let (Some(answer), Some(request)) = (answer, request) else {
            return Ok(());
        };
        let p = Response::parse(&answer).map_err(|e| format!("the SC's answer: {e}"))?;
        let sig = ed25519_dalek::Signature::from_slice(&p.signature)
            .map_err(|_| "the SC's answer has no signature".to_string())?;
        self.authority
            .public_key()
            .verify_strict(&p.signed, &sig)
            .map_err(|_| "the SC's answer does not verify with its key".to_string())?;
        let (q, r) = (&request.request, &p.response);
        if r.request_id != q.request_id || r.client_id != q.client_id {
            return Err(format!(
                "answer for request {} of {}, asked {} of {}",
                r.request_id, r.client_id, q.request_id, q.client_id
            ));
        }
        if matches!(r.outcome, Outcome::Granted(_)) && !self.genuine.contains(bytes) {
            return Err("granted a request nobody signed".into());
        }
        Ok(())
    }
}
