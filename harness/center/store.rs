//! The SC's topic keys: one current key per topic with a key id (u16, from 1 per topic; 0 is
//! the envelope's "not issued by a Security Center"), rotation to a new id, and a grace period
//! during which a replaced key still decrypts (subscribers may get it by id) before it is
//! forgotten.
//!
//! A topic's suite is fixed when its first key is made, by the device class of the client
//! that asked first; later keys of the topic (rotations) keep it, so every client of a topic
//! speaks the same suite.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use rand::Rng;

use crate::crypto::Suite;

/// One key, as handed out (the material is wiped when dropped).
pub struct StoredKey {
    pub suite: Suite,
    pub key_id: u16,
    pub key: Vec<u8>,
}

impl Drop for StoredKey {
    fn drop(&mut self) {
        self.key.fill(0);
    }
}

struct Version {
    id: u16,
    key: Vec<u8>,
    created: Instant,
    /// When a newer key replaced it; it decrypts until `retired + grace`.
    retired: Option<Instant>,
}

impl Drop for Version {
    fn drop(&mut self) {
        self.key.fill(0);
    }
}

struct TopicState {
    suite: Suite,
    versions: Vec<Version>,
    last_id: u16,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StoreError {
    #[error("topic {topic} has no key with id {key_id}")]
    Unknown { topic: String, key_id: u16 },
    #[error("key id {key_id} of topic {topic} was replaced and its grace period ended")]
    Expired { topic: String, key_id: u16 },
    #[error("topic {0} has used all 65535 key ids")]
    Exhausted(String),
    #[error("suite {0} has no symmetric key to issue")]
    NoSymmetricKey(&'static str),
}

pub struct KeyStore {
    topics: HashMap<String, TopicState>,
    grace: Duration,
    /// Rotate a topic's key when it is older than this at a request for the current key.
    rotate_after: Option<Duration>,
}

impl KeyStore {
    pub fn new(grace: Duration, rotate_after: Option<Duration>) -> Self {
        Self {
            topics: HashMap::new(),
            grace,
            rotate_after,
        }
    }

    fn fresh(suite: Suite, id: u16, now: Instant) -> Result<Version, StoreError> {
        let len = suite.spec().key_len;
        if len == 0 {
            return Err(StoreError::NoSymmetricKey(suite.name()));
        }
        let mut key = vec![0u8; len];
        rand::rng().fill_bytes(&mut key);
        Ok(Version {
            id,
            key,
            created: now,
            retired: None,
        })
    }

    fn issue(suite: Suite, v: &Version) -> StoredKey {
        StoredKey {
            suite,
            key_id: v.id,
            key: v.key.clone(),
        }
    }

    /// The topic's current key, made (with `suite`) if the topic has none yet, or rotated if
    /// older than `rotate_after`.
    pub fn current(
        &mut self,
        topic: &str,
        suite: Suite,
        now: Instant,
    ) -> Result<StoredKey, StoreError> {
        if !self.topics.contains_key(topic) {
            let v = Self::fresh(suite, 1, now)?;
            self.topics.insert(
                topic.to_owned(),
                TopicState {
                    suite,
                    versions: vec![v],
                    last_id: 1,
                },
            );
        }
        let stale = self.rotate_after.is_some_and(|max| {
            self.topics[topic]
                .versions
                .last()
                .is_some_and(|v| now.duration_since(v.created) >= max)
        });
        if stale {
            self.rotate(topic, now)?;
        }
        let t = &self.topics[topic];
        let v = t.versions.last().ok_or_else(|| StoreError::Unknown {
            topic: topic.to_owned(),
            key_id: 0,
        })?;
        Ok(Self::issue(t.suite, v))
    }

    /// Key `key_id` of `topic`: the current one, or a replaced one still in its grace period.
    pub fn by_id(
        &mut self,
        topic: &str,
        key_id: u16,
        now: Instant,
    ) -> Result<StoredKey, StoreError> {
        self.purge(now);
        let unknown = || StoreError::Unknown {
            topic: topic.to_owned(),
            key_id,
        };
        let t = self.topics.get(topic).ok_or_else(unknown)?;
        match t.versions.iter().find(|v| v.id == key_id) {
            Some(v) => Ok(Self::issue(t.suite, v)),
            // Ids below the last one were issued once: say that they expired.
            None if key_id != 0 && key_id <= t.last_id => Err(StoreError::Expired {
                topic: topic.to_owned(),
                key_id,
            }),
            None => Err(unknown()),
        }
    }

    /// Replaces the topic's key with a new one (new id); the old one stays valid for `grace`.
    /// Returns the new key id.
    pub fn rotate(&mut self, topic: &str, now: Instant) -> Result<u16, StoreError> {
        self.purge(now);
        let t = self
            .topics
            .get_mut(topic)
            .ok_or_else(|| StoreError::Unknown {
                topic: topic.to_owned(),
                key_id: 0,
            })?;
        let id = t
            .last_id
            .checked_add(1)
            .ok_or_else(|| StoreError::Exhausted(topic.to_owned()))?;
        let v = Self::fresh(t.suite, id, now)?;
        for old in t.versions.iter_mut().filter(|v| v.retired.is_none()) {
            old.retired = Some(now);
        }
        t.versions.push(v);
        t.last_id = id;
        Ok(id)
    }

    /// Forgets replaced keys whose grace period is over.
    fn purge(&mut self, now: Instant) {
        let grace = self.grace;
        for t in self.topics.values_mut() {
            t.versions
                .retain(|v| v.retired.is_none_or(|r| now.duration_since(r) < grace));
        }
    }

    pub fn grace(&self) -> Duration {
        self.grace
    }

    /// Topics with keys.
    pub fn len(&self) -> usize {
        self.topics.len()
    }

    pub fn is_empty(&self) -> bool {
        self.topics.is_empty()
    }

    /// Forgets every topic under `prefix` (the harness, after a case).
    pub fn forget_prefix(&mut self, prefix: &str) {
        self.topics.retain(|t, _| !t.starts_with(prefix));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn suite(n: &str) -> Suite {
        Suite::from_name(n).unwrap()
    }

    #[test]
    fn first_request_fixes_the_suite_and_ids_start_at_one() {
        let mut s = KeyStore::new(Duration::from_secs(1), None);
        let now = Instant::now();
        let a = s.current("t", suite("blowfish-cbc"), now).unwrap();
        assert_eq!(
            (a.key_id, a.suite.name(), a.key.len()),
            (1, "blowfish-cbc", 16)
        );
        let b = s.current("t", suite("aes-256-gcm"), now).unwrap();
        assert_eq!((b.key_id, b.suite.name()), (1, "blowfish-cbc"));
        assert_eq!(a.key, b.key);
        let c = s.current("u", suite("aes-256-gcm"), now).unwrap();
        assert_eq!(c.key.len(), 32);
        assert_ne!(c.key[..16], a.key[..]);
        assert!(matches!(
            s.current("v", suite("none"), now),
            Err(StoreError::NoSymmetricKey("none"))
        ));
    }

    #[test]
    fn rotation_keeps_old_ids_for_the_grace_period_only() {
        let grace = Duration::from_secs(10);
        let mut s = KeyStore::new(grace, None);
        let t0 = Instant::now();
        let k1 = s.current("t", suite("aes-128-cbc"), t0).unwrap();
        assert_eq!(s.rotate("t", t0).unwrap(), 2);
        let k2 = s.current("t", suite("aes-128-cbc"), t0).unwrap();
        assert_eq!(k2.key_id, 2);
        assert_ne!(k1.key, k2.key);
        let during = s.by_id("t", 1, t0 + grace / 2).unwrap();
        assert_eq!(during.key, k1.key);
        assert_eq!(
            s.by_id("t", 1, t0 + grace).err(),
            Some(StoreError::Expired {
                topic: "t".into(),
                key_id: 1
            })
        );
        assert!(s.by_id("t", 2, t0 + grace * 5).is_ok());
        assert!(matches!(
            s.by_id("t", 3, t0),
            Err(StoreError::Unknown { .. })
        ));
        assert!(matches!(
            s.by_id("x", 1, t0),
            Err(StoreError::Unknown { .. })
        ));
    }

    #[test]
    fn old_keys_rotate_on_request() {
        let mut s = KeyStore::new(Duration::from_secs(1), Some(Duration::from_secs(60)));
        let t0 = Instant::now();
        assert_eq!(s.current("t", suite("aes-128-gcm"), t0).unwrap().key_id, 1);
        let later = t0 + Duration::from_secs(61);
        assert_eq!(
            s.current("t", suite("aes-128-gcm"), later).unwrap().key_id,
            2
        );
    }
}
