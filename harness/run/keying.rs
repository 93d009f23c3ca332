//! Keying a case's clients before its clock starts: a [`Protector`] per publisher and, per
//! subscriber, an [`Unprotector`] per publisher topic, from the run's key ring or from the keys
//! the Security Center issued. Each key setup is timed as `key_setup`, never inside a message.

use crate::crypto::CryptoError;
use crate::crypto::Suite;
use crate::crypto::keys::KeyRing;
use crate::crypto::protect::{Protection, Protector, Unprotector};
use crate::measure::clock::now_ns;
use crate::measure::histograms::{Phase, Phases};

use super::center::CaseKeys;

/// Who is keyed: `publishers` topics (publisher i on `topic(i)`) for `subscribers` readers.
pub struct Clients<'a> {
    pub publishers: u32,
    pub subscribers: u32,
    pub topic: &'a dyn Fn(u32) -> String,
}

/// The publishers' protectors and, per subscriber, its openers (one per publisher).
pub type Keyed = (Vec<Protector>, Vec<Vec<Unprotector>>);

/// Keys every client; the first failure names the suite.
pub fn key_clients(
    keys: &KeyRing,
    protection: Protection,
    center: Option<&CaseKeys>,
    who: &Clients<'_>,
    phases: &mut Phases,
) -> Result<Keyed, String> {
    let suite: Suite = protection.suite;
    let mut timed = |f: &mut dyn FnMut() -> Result<(), CryptoError>| {
        let t = now_ns();
        f().map_err(|e| format!("key setup for {suite}: {e}"))?;
        phases.record(Phase::KeySetup, now_ns() - t);
        Ok::<(), String>(())
    };
    let topic = who.topic;
    let mut protectors = Vec::with_capacity(who.publishers as usize);
    for i in 0..who.publishers {
        timed(&mut || {
            protectors.push(match center {
                Some(k) => {
                    let key = &k.publishers[i as usize];
                    Protector::with_topic_keys(
                        keys,
                        protection,
                        &topic(i),
                        i,
                        &key.topic_keys(),
                        key.key_id,
                    )?
                }
                None => Protector::new(keys, protection, &topic(i), i)?,
            });
            Ok(())
        })?;
    }
    let mut openers = Vec::with_capacity(who.subscribers as usize);
    for s in 0..who.subscribers {
        let mut v = Vec::with_capacity(who.publishers as usize);
        for i in 0..who.publishers {
            timed(&mut || {
                v.push(match center {
                    Some(k) => {
                        let key = &k.subscribers[s as usize][i as usize];
                        Unprotector::with_topic_keys(
                            keys,
                            protection,
                            &topic(i),
                            i,
                            &key.topic_keys(),
                            key.key_id,
                        )?
                    }
                    None => Unprotector::new(keys, protection, &topic(i), i)?,
                });
                Ok(())
            })?;
        }
        openers.push(v);
    }
    Ok((protectors, openers))
}
