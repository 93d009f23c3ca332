//! The SC's pipeline for one request, each step timed: authenticate (parse, registry,
//! freshness, signature, nonce), authorize (ACL), generate or look up the key and wrap it to
//! the client, sign the answer. Pure: bytes in, bytes out; [`super::service`] moves them over
//! MQTT, tests and benches call [`Authority::handle`] directly.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Mutex, MutexGuard, RwLock};
use std::time::{Duration, Instant};

use ed25519_dalek::Signer as _;

use crate::measure::clock::now_ns;
use crate::measure::histograms::{Phase, Phases};

use super::acl::Acl;
use super::config::CenterConfig;
use super::protocol::{
    Denial, Grant, NONCE_LEN, Outcome, Request, Response, ServerTiming, SignedRequest,
};
use super::registry::{RegisteredClient, Registry};
use super::store::{KeyStore, StoreError};
use super::{Access, unix_ms, wrap};

/// What the SC did since the last [`Authority::take_stats`].
#[derive(Clone, Default)]
pub struct CenterStats {
    /// center_authn, center_authz, center_keygen, center_service (answered requests only).
    pub phases: Phases,
    /// Requests answered (granted + denied).
    pub requests: u64,
    pub granted: u64,
    /// Denials by reason (snake-case name of [`Denial`]).
    pub denied: BTreeMap<String, u64>,
    /// Messages on the request topic that were not a request at all (not answered).
    pub malformed: u64,
}

impl CenterStats {
    pub fn denied_total(&self) -> u64 {
        self.denied.values().sum()
    }
}

/// Remembered nonces, until their request would be stale anyway.
#[derive(Default)]
struct Nonces {
    seen: HashMap<(String, [u8; NONCE_LEN]), u64>,
    inserts: u64,
}

impl Nonces {
    /// True if new (and now remembered until `until_ms`); false if seen before.
    fn insert(&mut self, client: &str, nonce: [u8; NONCE_LEN], until_ms: u64, now_ms: u64) -> bool {
        self.inserts += 1;
        if self.inserts % 1024 == 0 {
            self.seen.retain(|_, &mut until| until >= now_ms);
        }
        let key = (client.to_owned(), nonce);
        match self.seen.get(&key) {
            Some(&until) if until >= now_ms => false,
            _ => {
                self.seen.insert(key, until_ms);
                true
            }
        }
    }
}

pub struct Authority {
    config: CenterConfig,
    key: ed25519_dalek::SigningKey,
    registry: RwLock<Registry>,
    acl: RwLock<Acl>,
    store: Mutex<KeyStore>,
    nonces: Mutex<Nonces>,
    stats: Mutex<CenterStats>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// A denial on its way out, with the time spent so far.
struct Denied {
    code: Denial,
    reason: String,
}

fn deny(code: Denial, reason: impl Into<String>) -> Denied {
    Denied {
        code,
        reason: reason.into(),
    }
}

impl Authority {
    pub fn new(
        config: CenterConfig,
        key: ed25519_dalek::SigningKey,
        registry: Registry,
        acl: Acl,
    ) -> Self {
        let store = KeyStore::new(config.grace, config.rotate_after);
        Self {
            config,
            key,
            registry: RwLock::new(registry),
            acl: RwLock::new(acl),
            store: Mutex::new(store),
            nonces: Mutex::default(),
            stats: Mutex::default(),
        }
    }

    pub fn config(&self) -> &CenterConfig {
        &self.config
    }

    /// True if `id` is in the registry (the service gives registered clients their own rate
    /// limit).
    pub fn knows(&self, id: &str) -> bool {
        self.registry
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .get(id)
            .is_some()
    }

    /// The key clients verify answers with.
    pub fn public_key(&self) -> ed25519_dalek::VerifyingKey {
        self.key.verifying_key()
    }

    /// Registers (or replaces) a client.
    pub fn register(&self, client: RegisteredClient) {
        self.registry
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .insert(client);
    }

    pub fn unregister(&self, id: &str) {
        self.registry
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .remove(id);
        self.acl
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .remove(id);
    }

    /// Changes the ACL (e.g. adds a run's clients).
    pub fn with_acl<R>(&self, f: impl FnOnce(&mut Acl) -> R) -> R {
        f(&mut self.acl.write().unwrap_or_else(|p| p.into_inner()))
    }

    /// Replaces `topic`'s key (new key id); the old one decrypts for the grace period.
    pub fn rotate(&self, topic: &str) -> Result<u16, StoreError> {
        lock(&self.store).rotate(topic, Instant::now())
    }

    /// Forgets the keys of every topic under `prefix`.
    pub fn forget_topics(&self, prefix: &str) {
        lock(&self.store).forget_prefix(prefix);
    }

    /// Returns and resets the statistics.
    pub fn take_stats(&self) -> CenterStats {
        std::mem::take(&mut *lock(&self.stats))
    }

    /// Handles one message of the request topic `<prefix>/req/<topic_client>`. Returns the
    /// signed answer, or `None` when the bytes are not a request (nothing to answer: there is
    /// no request id to answer to).
    pub fn handle(&self, topic_client: &str, bytes: &[u8]) -> Option<Vec<u8>> {
        let t0 = now_ns();
        let parsed = match Request::parse(bytes) {
            Ok(p) => p,
            Err(_) => {
                lock(&self.stats).malformed += 1;
                return None;
            }
        };
        let req = &parsed.request;
        let mut timing = ServerTiming::default();
        let outcome = self.decide(topic_client, &parsed, t0, &mut timing);
        let denial = match &outcome {
            Outcome::Denied { code, .. } => Some(*code),
            Outcome::Granted(_) => None,
        };
        let response = Response {
            request_id: req.request_id,
            client_id: req.client_id.clone(),
            timestamp_ms: unix_ms(),
            outcome,
            timing,
        };
        let mut out = response.body();
        let sig = self.key.sign(&Response::to_be_signed(&out));
        out.extend_from_slice(&sig.to_bytes());
        let total = now_ns().saturating_sub(t0);

        let mut s = lock(&self.stats);
        s.requests += 1;
        match denial {
            None => s.granted += 1,
            Some(code) => *s.denied.entry(code.name().to_owned()).or_default() += 1,
        }
        s.phases.record(Phase::CenterAuthn, timing.authn_ns);
        if timing.authz_ns > 0 {
            s.phases.record(Phase::CenterAuthz, timing.authz_ns);
        }
        if timing.keygen_ns > 0 {
            s.phases.record(Phase::CenterKeygen, timing.keygen_ns);
        }
        s.phases.record(Phase::CenterService, total);
        Some(out)
    }

    fn decide(
        &self,
        topic_client: &str,
        parsed: &SignedRequest,
        t0: u64,
        timing: &mut ServerTiming,
    ) -> Outcome {
        let req = &parsed.request;
        let authn = self.authenticate(topic_client, parsed);
        let t1 = now_ns();
        timing.authn_ns = t1.saturating_sub(t0).max(1);
        let client = match authn {
            Ok(c) => c,
            Err(d) => return denied(d),
        };
        let authz = self.acl.read().unwrap_or_else(|p| p.into_inner()).check(
            &req.client_id,
            req.access,
            &req.topic,
        );
        let t2 = now_ns();
        timing.authz_ns = t2.saturating_sub(t1).max(1);
        if let Err(why) = authz {
            return denied(deny(Denial::NotAuthorized, why));
        }
        let grant = self.key_for(&client, req);
        timing.keygen_ns = now_ns().saturating_sub(t2).max(1);
        match grant {
            Ok(g) => Outcome::Granted(g),
            Err(d) => denied(d),
        }
    }

    fn authenticate(
        &self,
        topic_client: &str,
        parsed: &SignedRequest,
    ) -> Result<RegisteredClient, Denied> {
        let req = &parsed.request;
        if req.client_id != topic_client {
            return Err(deny(
                Denial::BadRequest,
                format!(
                    "request for client {} arrived on the request topic of {topic_client}",
                    req.client_id
                ),
            ));
        }
        let client = self
            .registry
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .get(&req.client_id)
            .cloned()
            .ok_or_else(|| {
                deny(
                    Denial::UnknownClient,
                    format!("client {} is not in the registry", req.client_id),
                )
            })?;
        let now = unix_ms();
        let window = self.config.window.as_millis() as u64;
        let skew = now.abs_diff(req.timestamp_ms);
        if skew > window {
            return Err(deny(
                Denial::Stale,
                format!(
                    "stale request: its timestamp is {:.1} s {} the center's clock (window {} s)",
                    skew as f64 / 1000.0,
                    if req.timestamp_ms < now {
                        "behind"
                    } else {
                        "ahead of"
                    },
                    window / 1000
                ),
            ));
        }
        if client.verify.kind() != req.sig {
            return Err(deny(
                Denial::BadSignature,
                format!(
                    "request signed with {}, client {} is registered with {}",
                    req.sig.name(),
                    client.id,
                    client.verify.kind().name()
                ),
            ));
        }
        if !client.verify.verify(&parsed.signed, &parsed.signature) {
            return Err(deny(
                Denial::BadSignature,
                format!(
                    "signature does not verify with client {}'s registered key",
                    client.id
                ),
            ));
        }
        // Only after the signature: a forger must not be able to burn a client's nonces.
        let until = req.timestamp_ms.max(now) + window;
        if !lock(&self.nonces).insert(&client.id, req.nonce, until, now) {
            return Err(deny(
                Denial::Replayed,
                "replayed request: this nonce was already used",
            ));
        }
        Ok(client)
    }

    fn key_for(&self, client: &RegisteredClient, req: &Request) -> Result<Grant, Denied> {
        let suite = *self.config.classes.get(&client.class).ok_or_else(|| {
            deny(
                Denial::Internal,
                format!(
                    "client {} has device class \"{}\", which the center's configuration does not name",
                    client.id, client.class
                ),
            )
        })?;
        let now = Instant::now();
        let key = {
            let mut store = lock(&self.store);
            match req.key_id {
                0 => store.current(&req.topic, suite, now),
                id => store.by_id(&req.topic, id, now),
            }
        }
        .map_err(|e| match e {
            StoreError::NoSymmetricKey(_) | StoreError::Exhausted(_) => {
                deny(Denial::Internal, e.to_string())
            }
            e => deny(Denial::UnknownKey, e.to_string()),
        })?;
        let binding = wrap::Binding {
            client_id: &client.id,
            topic: &req.topic,
            key_id: key.key_id,
            suite_id: key.suite.id(),
        };
        let wrapped = wrap::wrap(&client.kex, &key.key, &binding)
            .map_err(|e| deny(Denial::Internal, e.to_string()))?;
        Ok(Grant {
            topic: req.topic.clone(),
            access: req.access,
            suite_id: key.suite.id(),
            key_id: key.key_id,
            ttl_ms: millis_u32(self.config.key_ttl),
            grace_ms: millis_u32(self.config.grace),
            wrapped,
        })
    }
}

fn denied(d: Denied) -> Outcome {
    Outcome::Denied {
        code: d.code,
        reason: d.reason,
    }
}

fn millis_u32(d: Duration) -> u32 {
    d.as_millis().min(u32::MAX as u128) as u32
}

/// Builds and signs a request (the client side; also used by tests and the bench).
pub fn signed_request(
    identity: &super::registry::ClientIdentity,
    request_id: u64,
    access: Access,
    topic: &str,
    key_id: u16,
    timestamp_ms: u64,
) -> Result<Vec<u8>, super::CenterError> {
    if topic.len() > super::protocol::MAX_TOPIC {
        return Err(super::CenterError::Malformed {
            what: "request",
            why: format!(
                "topic of {} bytes, the Security Center takes at most {}",
                topic.len(),
                super::protocol::MAX_TOPIC
            ),
        });
    }
    let mut nonce = [0u8; NONCE_LEN];
    getrandom::fill(&mut nonce)
        .map_err(|e| super::CenterError::Key(format!("no OS randomness: {e}")))?;
    let req = Request {
        request_id,
        timestamp_ms,
        nonce,
        client_id: identity.id.clone(),
        access,
        topic: topic.to_owned(),
        key_id,
        sig: identity.sign.kind(),
    };
    let mut bytes = req.body();
    let sig = identity.sign.sign(&Request::to_be_signed(&bytes))?;
    bytes.extend_from_slice(&sig);
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::super::protocol::SigKind;
    use super::super::registry::ClientIdentity;
    use super::*;

    fn authority() -> (Authority, ClientIdentity) {
        let id = ClientIdentity::generate("dev-1", "light", SigKind::Ed25519).unwrap();
        let mut reg = Registry::default();
        reg.insert(id.public());
        let acl = Acl::parse("user dev-1\ntopic write s/1\n").unwrap();
        let key = ed25519_dalek::SigningKey::generate(&mut rand::rng());
        (Authority::new(CenterConfig::default(), key, reg, acl), id)
    }

    fn answer(a: &Authority, bytes: &[u8]) -> Response {
        let out = a.handle("dev-1", bytes).unwrap();
        let parsed = Response::parse(&out).unwrap();
        let sig = ed25519_dalek::Signature::from_slice(&parsed.signature).unwrap();
        a.public_key().verify_strict(&parsed.signed, &sig).unwrap();
        parsed.response
    }

    fn denial(r: &Response) -> Option<Denial> {
        match &r.outcome {
            Outcome::Denied { code, .. } => Some(*code),
            Outcome::Granted(_) => None,
        }
    }

    #[test]
    fn pipeline_grants_then_rejects_replay_stale_and_unauthorized() {
        let (a, id) = authority();
        let req = signed_request(&id, 1, Access::Publish, "s/1", 0, unix_ms()).unwrap();
        let r = answer(&a, &req);
        let Outcome::Granted(g) = &r.outcome else {
            panic!("{r:?}")
        };
        assert_eq!(
            (g.key_id, g.suite_id),
            (
                1,
                crate::crypto::Suite::from_name("blowfish-cbc")
                    .unwrap()
                    .id()
            )
        );
        let key = wrap::unwrap(
            &id.kex,
            &g.wrapped,
            &wrap::Binding {
                client_id: "dev-1",
                topic: "s/1",
                key_id: 1,
                suite_id: g.suite_id,
            },
        )
        .unwrap();
        assert_eq!(key.len(), 16);
        assert_eq!(denial(&answer(&a, &req)), Some(Denial::Replayed));
        let old = signed_request(&id, 2, Access::Publish, "s/1", 0, unix_ms() - 31_000).unwrap();
        assert_eq!(denial(&answer(&a, &old)), Some(Denial::Stale));
        let sub = signed_request(&id, 3, Access::Subscribe, "s/1", 0, unix_ms()).unwrap();
        let r = answer(&a, &sub);
        let Outcome::Denied { code, reason } = &r.outcome else {
            panic!()
        };
        assert_eq!(*code, Denial::NotAuthorized);
        assert!(reason.contains("may not subscribe on s/1"), "{reason}");
        let mut forged = signed_request(&id, 4, Access::Publish, "s/1", 0, unix_ms()).unwrap();
        let n = forged.len();
        forged[n - 1] ^= 1;
        assert_eq!(denial(&answer(&a, &forged)), Some(Denial::BadSignature));
        let stranger = ClientIdentity::generate("dev-1", "light", SigKind::Ed25519).unwrap();
        let r = signed_request(&stranger, 5, Access::Publish, "s/1", 0, unix_ms()).unwrap();
        assert_eq!(denial(&answer(&a, &r)), Some(Denial::BadSignature));
        let s = a.take_stats();
        assert_eq!((s.requests, s.granted, s.denied_total()), (6, 1, 5));
        assert_eq!(s.denied["replayed"], 1);
        assert!(!s.phases.is_empty(Phase::CenterKeygen));
        assert!(a.handle("dev-1", b"junk").is_none());
        assert_eq!(a.take_stats().malformed, 1);
    }
}
