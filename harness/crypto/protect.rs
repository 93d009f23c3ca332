//! One message through the whole suite: the publisher's [`Protector`] and the subscriber's
//! [`Unprotector`], each keyed once per topic. Their steps are separate methods so callers
//! can time the envelope, encode (s-mqtt only), encrypt (cipher + MAC, as encrypt-then-MAC is
//! one unit comparable with an AEAD) and sign apart, and verify, decrypt and decode.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use std::time::{Duration, Instant};

use super::alg::SigAlg;
use super::base::{CryptoError, Opener, Sealer, Signer, Verifier};
use super::envelope::{self, Envelope, Fields};
use super::keys::KeyRing;
use super::mac::{MacAlg, TopicMac};
use super::material::TopicKeys;
use super::provider::{self, Provider};
use super::suite::Suite;

/// What a message is protected with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Protection {
    pub suite: Suite,
    pub mac: MacAlg,
    pub signature: SigAlg,
    /// The provider asked for (the case's `provider` axis value); None: each part on its
    /// default provider (crypto/provider.rs).
    pub provider: Option<Provider>,
}

impl Protection {
    /// `suite` with `mac` and `signature`, every part on its default provider.
    pub fn new(suite: Suite, mac: MacAlg, signature: SigAlg) -> Self {
        Self {
            suite,
            mac,
            signature,
            provider: None,
        }
    }

    /// Why the suite cannot be combined with this MAC or signature, if it cannot (s-mqtt:
    /// see [`Suite::incompatibility`]).
    pub fn incompatibility(&self) -> Option<String> {
        self.suite
            .incompatibility(self.mac.name(), self.signature.name())
    }

    fn check(&self) -> Result<(), CryptoError> {
        self.incompatibility()
            .map_or(Ok(()), |e| Err(CryptoError::Key(e)))
    }

    /// The provider that runs the suite (an error when the one asked for lacks it).
    pub fn suite_provider(&self) -> Result<Provider, CryptoError> {
        self.suite
            .provider(self.provider)
            .map_err(|e| CryptoError::Key(e.to_string()))
    }

    /// The provider that runs the signature.
    pub fn signature_provider(&self) -> Result<Provider, CryptoError> {
        provider::for_signature(self.signature, self.provider)
            .map_err(|e| CryptoError::Key(e.to_string()))
    }

    /// What both sides key alike around the suite: the topic's MAC, and the signature half
    /// `make` keys on the signature's provider (None without a signature).
    fn mac_and_signature<T>(
        &self,
        keys: &KeyRing,
        topic: &str,
        make: impl FnOnce(SigAlg, Provider) -> Result<T, CryptoError>,
    ) -> Result<(Option<TopicMac>, Option<T>), CryptoError> {
        let mac = topic_mac(keys, self.mac, topic)?;
        let signature = match self.signature {
            SigAlg::None => None,
            alg => Some(make(alg, self.signature_provider()?)?),
        };
        Ok((mac, signature))
    }

    /// Envelope bytes for a plaintext of `n` bytes.
    pub fn envelope_len(&self, n: usize) -> usize {
        envelope::envelope_len(
            self.suite.iv_len(),
            self.suite.body_len(n),
            self.mac,
            self.signature,
        )
    }
}

/// The topic's MAC, keyed, when the protection has one.
fn topic_mac(keys: &KeyRing, mac: MacAlg, topic: &str) -> Result<Option<TopicMac>, CryptoError> {
    match mac {
        MacAlg::None => Ok(None),
        MacAlg::HmacSha256 => TopicMac::new(&keys.mac_key(topic)).map(Some),
    }
}

/// The publisher's side for one topic.
pub struct Protector {
    p: Protection,
    topic: Vec<u8>,
    sealer: Box<dyn Sealer>,
    mac: Option<TopicMac>,
    signer: Option<Box<dyn Signer>>,
    rng: StdRng,
    iv: Vec<u8>,
    aad: Vec<u8>,
    scratch: Vec<u8>,
    /// Written into every envelope: 0 for seed-derived keys, the Security Center's id else.
    key_id: u16,
}

impl Protector {
    /// Keys everything for `topic` (the costly part: call it outside measured phases).
    pub fn new(
        keys: &KeyRing,
        p: Protection,
        topic: &str,
        publisher: u32,
    ) -> Result<Self, CryptoError> {
        Self::with_topic_keys(
            keys,
            p,
            topic,
            publisher,
            &keys.topic_keys(p.suite, topic)?,
            0,
        )
    }

    /// Like [`new`](Self::new) with the topic's key given (e.g. issued by the Security Center,
    /// whose `key_id` then goes into every envelope). MAC and signing keys still come from
    /// `keys`.
    pub fn with_topic_keys(
        keys: &KeyRing,
        p: Protection,
        topic: &str,
        publisher: u32,
        topic_keys: &TopicKeys,
        key_id: u16,
    ) -> Result<Self, CryptoError> {
        p.check()?;
        let sealer = p.suite.sealer_with(p.suite_provider()?, topic_keys)?;
        let (mac, signer) = p.mac_and_signature(keys, topic, |alg, provider| {
            alg.signer_with(provider, keys, publisher)
        })?;
        let mut seed = [0u8; 32];
        getrandom::fill(&mut seed)
            .map_err(|e| CryptoError::Key(format!("no OS randomness: {e}")))?;
        Ok(Self {
            p,
            topic: topic.as_bytes().to_vec(),
            sealer,
            mac,
            signer,
            rng: StdRng::from_seed(seed),
            iv: vec![0; p.suite.iv_len()],
            aad: Vec::new(),
            scratch: Vec::new(),
            key_id,
        })
    }

    /// Envelope: a buffer of the exact envelope size holding the header (IV still zero).
    pub fn begin(&self, mut fields: Fields, plaintext_len: usize) -> Vec<u8> {
        fields.key_id = self.key_id;
        fields.suite = self.p.suite.id();
        fields.mac = self.p.mac.id();
        fields.sig = self.p.signature.id();
        let mut buf = Vec::with_capacity(self.p.envelope_len(plaintext_len));
        let body_len = self.p.suite.body_len(plaintext_len) as u32;
        envelope::write_header(&mut buf, &fields, &self.iv, body_len);
        buf
    }

    /// Encode, for suites that have the step ([`Suite::encodes`]: s-mqtt's bytes onto curve
    /// points); the next [`encrypt`](Self::encrypt) of `plaintext` encrypts what it encoded.
    /// False, doing nothing, for every other suite.
    pub fn encode(&mut self, plaintext: &[u8]) -> Result<bool, CryptoError> {
        self.sealer.encode(plaintext)
    }

    /// Encrypt: fresh IV, body, and the MAC tag if any.
    pub fn encrypt(&mut self, buf: &mut Vec<u8>, plaintext: &[u8]) -> Result<(), CryptoError> {
        let n = self.iv.len();
        self.rng.fill_bytes(&mut self.iv);
        buf[envelope::PREFIX_LEN..envelope::PREFIX_LEN + n].copy_from_slice(&self.iv);
        self.aad.clear();
        self.aad.extend_from_slice(&self.topic);
        self.aad.extend_from_slice(buf);
        self.sealer.seal(&self.iv, &self.aad, plaintext, buf)?;
        if let Some(mac) = &self.mac {
            let tag = mac.tag(&[&self.topic, buf]);
            buf.extend_from_slice(&tag);
        }
        Ok(())
    }

    /// Sign: signature over topic ‖ header ‖ body ‖ tag, if any.
    pub fn sign(&mut self, buf: &mut Vec<u8>) -> Result<(), CryptoError> {
        if let Some(signer) = &mut self.signer {
            self.scratch.clear();
            self.scratch.extend_from_slice(&self.topic);
            self.scratch.extend_from_slice(buf);
            signer.sign(&self.scratch, buf)?;
        }
        Ok(())
    }

    /// Every step (for tests and tools that do not time them).
    pub fn seal_message(
        &mut self,
        fields: Fields,
        plaintext: &[u8],
    ) -> Result<Vec<u8>, CryptoError> {
        let mut buf = self.begin(fields, plaintext.len());
        self.encode(plaintext)?;
        self.encrypt(&mut buf, plaintext)?;
        self.sign(&mut buf)?;
        Ok(buf)
    }
}

/// Why a received message was not accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OpenError {
    #[error("malformed envelope: {0}")]
    Malformed(String),
    #[error(transparent)]
    Crypto(#[from] CryptoError),
}

/// One decryption key of a topic, by the key id envelopes name it with.
struct KeyedOpener {
    key_id: u16,
    opener: Box<dyn Opener>,
    /// Set when a newer key replaced this one: it decrypts until then (the grace period).
    until: Option<Instant>,
}

/// The subscriber's side for one topic.
pub struct Unprotector {
    p: Protection,
    topic: Vec<u8>,
    /// With seed keys, exactly one (key id 0), used whatever id an envelope names (the id is
    /// authenticated data like the rest of the header). With Security Center keys, picked by
    /// the envelope's key id; an unknown or expired id is a decryption failure.
    openers: Vec<KeyedOpener>,
    by_key_id: bool,
    mac: Option<TopicMac>,
    verifier: Option<Box<dyn Verifier>>,
    aad: Vec<u8>,
    scratch: Vec<u8>,
}

impl Unprotector {
    pub fn new(
        keys: &KeyRing,
        p: Protection,
        topic: &str,
        publisher: u32,
    ) -> Result<Self, CryptoError> {
        let mut u = Self::with_topic_keys(
            keys,
            p,
            topic,
            publisher,
            &keys.topic_keys(p.suite, topic)?,
            0,
        )?;
        u.by_key_id = false;
        Ok(u)
    }

    /// Keyed with a Security Center key: envelopes must name `key_id` (or a key added later
    /// with [`add_key`](Self::add_key)).
    pub fn with_topic_keys(
        keys: &KeyRing,
        p: Protection,
        topic: &str,
        publisher: u32,
        topic_keys: &TopicKeys,
        key_id: u16,
    ) -> Result<Self, CryptoError> {
        p.check()?;
        let opener = p.suite.opener_with(p.suite_provider()?, topic_keys)?;
        let (mac, verifier) = p.mac_and_signature(keys, topic, |alg, provider| {
            alg.verifier_with(provider, keys, publisher)
        })?;
        Ok(Self {
            p,
            topic: topic.as_bytes().to_vec(),
            openers: vec![KeyedOpener {
                key_id,
                opener,
                until: None,
            }],
            by_key_id: true,
            mac,
            verifier,
            aad: Vec::new(),
            scratch: Vec::new(),
        })
    }

    /// Adds key `key_id`, which replaces the keys held so far: they keep decrypting for
    /// `grace`, then envelopes naming them fail to decrypt.
    pub fn add_key(
        &mut self,
        key_id: u16,
        topic_keys: &TopicKeys,
        grace: Duration,
    ) -> Result<(), CryptoError> {
        let opener = self
            .p
            .suite
            .opener_with(self.p.suite_provider()?, topic_keys)?;
        let until = Instant::now() + grace;
        self.openers.retain(|o| o.key_id != key_id);
        for o in self.openers.iter_mut().filter(|o| o.until.is_none()) {
            o.until = Some(until);
        }
        self.openers.push(KeyedOpener {
            key_id,
            opener,
            until: None,
        });
        Ok(())
    }

    /// True if an envelope naming `key_id` would find its key (held and not expired).
    pub fn has_key(&self, key_id: u16) -> bool {
        let now = Instant::now();
        self.openers
            .iter()
            .any(|o| o.key_id == key_id && o.until.is_none_or(|u| now < u))
    }

    fn opener_for(&mut self, key_id: u16) -> Result<&mut Box<dyn Opener>, CryptoError> {
        if !self.by_key_id {
            return self
                .openers
                .first_mut()
                .map(|o| &mut o.opener)
                .ok_or_else(|| CryptoError::Key("no key".into()));
        }
        let now = Instant::now();
        // Forget keys whose grace period is over.
        self.openers.retain(|o| o.until.is_none_or(|u| now < u));
        self.openers
            .iter_mut()
            .find(|o| o.key_id == key_id)
            .map(|o| &mut o.opener)
            .ok_or_else(|| CryptoError::Key(format!("unknown or expired key id {key_id}")))
    }

    /// Decode: parses the envelope and checks it claims this topic's protection.
    pub fn decode<'a>(&self, payload: &'a [u8]) -> Result<Envelope<'a>, OpenError> {
        let env = envelope::decode(payload).map_err(|e| OpenError::Malformed(e.to_string()))?;
        let f = &env.fields;
        if (f.suite, f.mac, f.sig) != (self.p.suite.id(), self.p.mac.id(), self.p.signature.id()) {
            return Err(OpenError::Malformed(format!(
                "protection ids {:#04x}/{}/{} differ from this topic's {:#04x}/{}/{}",
                f.suite,
                f.mac,
                f.sig,
                self.p.suite.id(),
                self.p.mac.id(),
                self.p.signature.id()
            )));
        }
        Ok(env)
    }

    /// Verify: the signature over topic ‖ header ‖ body ‖ tag (the topic as received, so a
    /// message replayed onto another topic fails).
    pub fn verify(&mut self, topic: &[u8], env: &Envelope) -> Result<(), OpenError> {
        if let Some(v) = &mut self.verifier {
            self.scratch.clear();
            self.scratch.extend_from_slice(topic);
            self.scratch.extend_from_slice(env.signed);
            v.verify(&self.scratch, env.signature)?;
        }
        Ok(())
    }

    /// Decrypt: MAC check (before touching the ciphertext), then the suite's open (decrypt and,
    /// for s-mqtt, decode).
    pub fn decrypt(
        &mut self,
        topic: &[u8],
        env: &Envelope,
        out: &mut Vec<u8>,
    ) -> Result<(), OpenError> {
        out.clear();
        self.with_opener(topic, env, |o, iv, aad, body| o.open(iv, aad, body, out))
    }

    /// Decrypt only, for suites with a decode step ([`Suite::encodes`]): MAC check, then the
    /// suite's decryption, kept for [`decode_plaintext`](Self::decode_plaintext). False,
    /// doing nothing, for every other suite (call [`decrypt`](Self::decrypt)).
    pub fn decrypt_encoded(&mut self, topic: &[u8], env: &Envelope) -> Result<bool, OpenError> {
        if !self.p.suite.encodes() {
            return Ok(false);
        }
        self.with_opener(topic, env, |o, iv, aad, body| {
            o.decrypt_encoded(iv, aad, body)
        })
    }

    /// Decode: the plaintext of what [`decrypt_encoded`](Self::decrypt_encoded) decrypted, for
    /// `key_id`'s key (s-mqtt: points to bytes, and Hash(M') against Hash(M)).
    pub fn decode_plaintext(&mut self, key_id: u16, out: &mut Vec<u8>) -> Result<(), OpenError> {
        out.clear();
        self.opener_for(key_id)?.decode(out)?;
        Ok(())
    }

    fn with_opener<T>(
        &mut self,
        topic: &[u8],
        env: &Envelope,
        f: impl FnOnce(&mut Box<dyn Opener>, &[u8], &[u8], &[u8]) -> Result<T, CryptoError>,
    ) -> Result<T, OpenError> {
        let mac_input_len = env.header.len() + env.body.len();
        if let Some(mac) = &self.mac {
            mac.verify(&[topic, &env.signed[..mac_input_len]], env.mac_tag)?;
        }
        self.aad.clear();
        self.aad.extend_from_slice(topic);
        self.aad.extend_from_slice(env.header);
        let aad = std::mem::take(&mut self.aad);
        let res = self
            .opener_for(env.fields.key_id)
            .and_then(|o| f(o, env.iv, &aad, env.body));
        self.aad = aad;
        Ok(res?)
    }

    /// The topic this side was keyed for.
    pub fn topic(&self) -> &[u8] {
        &self.topic
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn protection(suite: &str, mac: MacAlg) -> Protection {
        Protection::new(Suite::from_name(suite).unwrap(), mac, SigAlg::None)
    }

    #[test]
    fn seals_and_opens_through_the_envelope() {
        let keys = KeyRing::from_seed(b"seed");
        for (suite, mac) in [
            ("none", MacAlg::None),
            ("aes-128-cbc", MacAlg::HmacSha256),
            ("aes-128-gcm", MacAlg::None),
        ] {
            let p = protection(suite, mac);
            let mut tx = Protector::new(&keys, p, "a/p0", 0).unwrap();
            let mut rx = Unprotector::new(&keys, p, "a/p0", 0).unwrap();
            let fields = Fields {
                seq: 9,
                publisher: 0,
                ..Default::default()
            };
            let pt = b"twenty bytes of data";
            let msg = tx.seal_message(fields, pt).unwrap();
            assert_eq!(msg.len(), p.envelope_len(pt.len()), "{suite}");
            let env = rx.decode(&msg).unwrap();
            assert_eq!(env.fields.seq, 9);
            assert_eq!(env.fields.suite, p.suite.id());
            rx.verify(b"a/p0", &env).unwrap();
            let mut out = Vec::new();
            rx.decrypt(b"a/p0", &env, &mut out).unwrap();
            assert_eq!(out, pt, "{suite}");
            // Authenticated protections reject the message on another topic.
            if p.suite.authenticated() || mac != MacAlg::None {
                assert!(rx.decrypt(b"a/p1", &env, &mut out).is_err(), "{suite}");
            }
        }
    }

    #[test]
    fn center_keys_are_picked_by_key_id_with_a_grace_period() {
        let keys = KeyRing::from_seed(b"seed");
        let p = protection("aes-128-cbc", MacAlg::None);
        let k1 = TopicKeys::new(Some(vec![1; 16]), None);
        let k2 = TopicKeys::new(Some(vec![2; 16]), None);
        let mut tx1 = Protector::with_topic_keys(&keys, p, "t", 0, &k1, 1).unwrap();
        let mut tx2 = Protector::with_topic_keys(&keys, p, "t", 0, &k2, 2).unwrap();
        let m1 = tx1.seal_message(Fields::default(), b"old key").unwrap();
        let m2 = tx2.seal_message(Fields::default(), b"new key").unwrap();
        assert_eq!(&m1[4..6], &[0, 1]);
        let mut rx = Unprotector::with_topic_keys(&keys, p, "t", 0, &k1, 1).unwrap();
        let mut out = Vec::new();
        let env2 = rx.decode(&m2).unwrap();
        assert!(matches!(
            rx.decrypt(b"t", &env2, &mut out),
            Err(OpenError::Crypto(CryptoError::Key(_)))
        ));
        rx.add_key(2, &k2, Duration::from_millis(150)).unwrap();
        rx.decrypt(b"t", &env2, &mut out).unwrap();
        assert_eq!(out, b"new key");
        let env1 = rx.decode(&m1).unwrap();
        rx.decrypt(b"t", &env1, &mut out).unwrap();
        assert_eq!(out, b"old key");
        std::thread::sleep(Duration::from_millis(200));
        assert!(!rx.has_key(1) && rx.has_key(2));
        assert!(rx.decrypt(b"t", &env1, &mut out).is_err());
        rx.decrypt(b"t", &env2, &mut out).unwrap();
        // Seed keys ignore the id (it is authenticated header data like the rest).
        let mut seed_rx = Unprotector::new(&keys, p, "t", 0).unwrap();
        assert!(seed_rx.has_key(0));
        let mut seed_tx = Protector::new(&keys, p, "t", 0).unwrap();
        let m = seed_tx.seal_message(Fields::default(), b"x").unwrap();
        assert_eq!(&m[4..6], &[0, 0]);
        let env = seed_rx.decode(&m).unwrap();
        seed_rx.decrypt(b"t", &env, &mut out).unwrap();
    }

    #[test]
    fn fresh_iv_per_message() {
        let keys = KeyRing::from_seed(b"seed");
        let mut tx =
            Protector::new(&keys, protection("aes-128-gcm", MacAlg::None), "t", 0).unwrap();
        let a = tx.seal_message(Fields::default(), b"same").unwrap();
        let b = tx.seal_message(Fields::default(), b"same").unwrap();
        assert_ne!(a[35..47], b[35..47]);
        assert_ne!(a, b);
    }
}
