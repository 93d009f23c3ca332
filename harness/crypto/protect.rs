//! One message through the whole suite: the publisher's [`Protector`] and the subscriber's
//! [`Unprotector`], each keyed once per topic. Their steps are separate methods so callers
//! can time encode, encrypt (cipher + MAC, as encrypt-then-MAC is one unit comparable with an
//! AEAD) and sign apart.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use super::envelope::{self, Envelope, Fields};
use super::keys::KeyRing;
use super::mac::{MacAlg, TopicMac};
use super::signature::{SigAlg, Signer, Verifier};
use super::{CryptoError, Opener, Sealer, Suite};

/// What a message is protected with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Protection {
    pub suite: Suite,
    pub mac: MacAlg,
    pub signature: SigAlg,
}

impl Protection {
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
}

impl Protector {
    /// Keys everything for `topic` (the costly part: call it outside measured phases).
    pub fn new(
        keys: &KeyRing,
        p: Protection,
        topic: &str,
        publisher: u32,
    ) -> Result<Self, CryptoError> {
        let sealer = p.suite.sealer(&keys.topic_keys(p.suite, topic)?)?;
        let mac = topic_mac(keys, p.mac, topic)?;
        let signer = match p.signature {
            SigAlg::None => None,
            alg => Some(alg.signer(keys, publisher)?),
        };
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
        })
    }

    /// Encode: a buffer of the exact envelope size holding the header (IV still zero).
    pub fn begin(&self, mut fields: Fields, plaintext_len: usize) -> Vec<u8> {
        fields.suite = self.p.suite.id();
        fields.mac = self.p.mac.id();
        fields.sig = self.p.signature.id();
        let mut buf = Vec::with_capacity(self.p.envelope_len(plaintext_len));
        let body_len = self.p.suite.body_len(plaintext_len) as u32;
        envelope::write_header(&mut buf, &fields, &self.iv, body_len);
        buf
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

    /// All three steps (for tests and tools that do not time them).
    pub fn seal_message(
        &mut self,
        fields: Fields,
        plaintext: &[u8],
    ) -> Result<Vec<u8>, CryptoError> {
        let mut buf = self.begin(fields, plaintext.len());
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

/// The subscriber's side for one topic.
pub struct Unprotector {
    p: Protection,
    topic: Vec<u8>,
    opener: Box<dyn Opener>,
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
        let opener = p.suite.opener(&keys.topic_keys(p.suite, topic)?)?;
        let mac = topic_mac(keys, p.mac, topic)?;
        let verifier = match p.signature {
            SigAlg::None => None,
            alg => Some(alg.verifier(keys, publisher)?),
        };
        Ok(Self {
            p,
            topic: topic.as_bytes().to_vec(),
            opener,
            mac,
            verifier,
            aad: Vec::new(),
            scratch: Vec::new(),
        })
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

    /// Decrypt: MAC check (before touching the ciphertext), then the suite's open.
    pub fn decrypt(
        &mut self,
        topic: &[u8],
        env: &Envelope,
        out: &mut Vec<u8>,
    ) -> Result<(), OpenError> {
        out.clear();
        let mac_input_len = env.header.len() + env.body.len();
        if let Some(mac) = &self.mac {
            mac.verify(&[topic, &env.signed[..mac_input_len]], env.mac_tag)?;
        }
        self.aad.clear();
        self.aad.extend_from_slice(topic);
        self.aad.extend_from_slice(env.header);
        self.opener.open(env.iv, &self.aad, env.body, out)?;
        Ok(())
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
        Protection {
            suite: Suite::from_name(suite).unwrap(),
            mac,
            signature: SigAlg::None,
        }
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
