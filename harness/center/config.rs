//! The SC's settings: which suite each device class gets, the freshness window of requests,
//! how long clients may cache keys, the grace period of replaced keys, and optional periodic
//! rotation, and the limits a client's requests meet ([`super::limits`]). The standalone
//! `center` command reads them from `center.toml` (see
//! [`CenterFile`]); a run builds them from the scenario's `[keys.center]` table.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

use crate::crypto::Suite;
use crate::textpos::{Located, TextPos};

use super::CenterError;
use super::limits::{Limits, RateLimit};

#[derive(Debug, Clone)]
pub struct CenterConfig {
    /// Device class → suite of the keys the SC generates for it.
    pub classes: BTreeMap<String, Suite>,
    /// Requests whose timestamp is further than this from the SC's clock are stale.
    pub window: Duration,
    /// How long a client may cache a key it was given.
    pub key_ttl: Duration,
    /// How long a replaced key still decrypts (and can be fetched by id).
    pub grace: Duration,
    /// Rotate a topic's key at the first request after it is this old.
    pub rotate_after: Option<Duration>,
    /// Concurrency, queue and per-client rate of the service.
    pub limits: Limits,
}

/// Seed 002: Blowfish for light clients, AES for moderate ones.
pub fn default_classes() -> BTreeMap<String, Suite> {
    [("light", "blowfish-cbc"), ("moderate", "aes-128-cbc")]
        .into_iter()
        .filter_map(|(c, s)| Some((c.to_owned(), Suite::from_name(s)?)))
        .collect()
}

impl Default for CenterConfig {
    fn default() -> Self {
        Self {
            classes: default_classes(),
            window: Duration::from_secs(30),
            key_ttl: Duration::from_secs(600),
            grace: Duration::from_secs(30),
            rotate_after: None,
            limits: Limits::default(),
        }
    }
}

impl CenterConfig {
    /// Checks every class has a suite with a symmetric key (the SC issues symmetric keys).
    pub fn validate(&self) -> Result<(), String> {
        if self.classes.is_empty() {
            return Err("classes: expected at least one device class".into());
        }
        for (class, suite) in &self.classes {
            if suite.spec().key_len == 0 {
                return Err(format!(
                    "classes.{class}: suite {suite} has no symmetric key for the Security Center to issue (use a block or AEAD suite)"
                ));
            }
        }
        if self.window.is_zero() {
            return Err("window: expected a duration > 0".into());
        }
        self.limits
            .validate()
            .map_err(|(field, why)| format!("{field}: {why}"))
    }
}

/// `center.toml` of the standalone SC (paths relative to the file's folder).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CenterFile {
    #[serde(default = "registry_default")]
    pub registry: PathBuf,
    #[serde(default = "acl_default")]
    pub acl: PathBuf,
    /// PKCS#8 PEM of the SC's Ed25519 signing key.
    #[serde(default = "key_default")]
    pub key: PathBuf,
    #[serde(default = "prefix_default")]
    pub prefix: String,
    #[serde(default, with = "opt_duration")]
    pub window: Option<Duration>,
    #[serde(default, with = "opt_duration")]
    pub key_ttl: Option<Duration>,
    #[serde(default, with = "opt_duration")]
    pub grace: Option<Duration>,
    #[serde(default, with = "opt_duration")]
    pub rotate_after: Option<Duration>,
    pub classes: Option<BTreeMap<String, Suite>>,
    /// `[limits]`: what one client and everyone together may ask (defaults: [`Limits::default`]).
    #[serde(default)]
    pub limits: LimitsFile,
}

/// `[limits]` of center.toml, with the place of each value for errors.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LimitsFile {
    pub concurrency: Option<toml::Spanned<usize>>,
    pub queue: Option<toml::Spanned<usize>>,
    /// Requests per second per client.
    pub rate: Option<toml::Spanned<f64>>,
    pub burst: Option<toml::Spanned<u32>>,
}

impl LimitsFile {
    fn limits(&self) -> Limits {
        let d = Limits::default();
        let dr = d.rate.unwrap_or(RateLimit {
            per_second: 20.0,
            burst: 40,
        });
        let get = |v: &Option<toml::Spanned<usize>>, or| v.as_ref().map_or(or, |v| *v.get_ref());
        Limits {
            concurrency: get(&self.concurrency, d.concurrency),
            queue: get(&self.queue, d.queue),
            rate: Some(RateLimit {
                per_second: self.rate.as_ref().map_or(dr.per_second, |v| *v.get_ref()),
                burst: self.burst.as_ref().map_or(dr.burst, |v| *v.get_ref()),
            }),
        }
    }

    /// Where `field` (`limits.rate`, ...) was written, if it was.
    fn span(&self, field: &str) -> Option<std::ops::Range<usize>> {
        match field {
            "limits.concurrency" => self.concurrency.as_ref().map(|v| v.span()),
            "limits.queue" => self.queue.as_ref().map(|v| v.span()),
            "limits.rate" => self.rate.as_ref().map(|v| v.span()),
            "limits.burst" => self.burst.as_ref().map(|v| v.span()),
            _ => None,
        }
    }
}

fn registry_default() -> PathBuf {
    "registry.txt".into()
}
fn acl_default() -> PathBuf {
    "acl.txt".into()
}
fn key_default() -> PathBuf {
    "center.key.pem".into()
}
fn prefix_default() -> String {
    super::DEFAULT_PREFIX.into()
}

mod opt_duration {
    use serde::{Deserialize, Deserializer, de};
    use std::time::Duration;

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Duration>, D::Error> {
        let s = Option::<String>::deserialize(d)?;
        s.map(|s| {
            humantime::parse_duration(&s).map_err(|e| {
                de::Error::custom(format!(
                    "expected a duration such as \"30s\", got \"{s}\" ({e})"
                ))
            })
        })
        .transpose()
    }
}

impl CenterFile {
    pub fn load(path: &Path) -> Result<(CenterFile, CenterConfig), CenterError> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| CenterError::Input(format!("cannot read {}: {e}", path.display())))?;
        let mut f: CenterFile = toml::from_str(&text)
            .map_err(|e| CenterError::Input(format!("{}: {e}", path.display())))?;
        let base = path.parent().unwrap_or(Path::new("."));
        for p in [&mut f.registry, &mut f.acl, &mut f.key] {
            if p.is_relative() {
                *p = base.join(&*p);
            }
        }
        let d = CenterConfig::default();
        let limits = f.limits.limits();
        if let Err((field, why)) = limits.validate() {
            // At the value, `file:line:col: limits.rate: ...`, as scenario errors are.
            let e = match f.limits.span(field) {
                Some(span) => {
                    let pos = TextPos::locate(&text, span.start);
                    Located {
                        path,
                        pos: &pos,
                        field,
                        message: &why,
                    }
                    .to_string()
                }
                None => format!("{}: {field}: {why}", path.display()),
            };
            return Err(CenterError::Input(e));
        }
        let config = CenterConfig {
            classes: f.classes.clone().unwrap_or(d.classes),
            window: f.window.unwrap_or(d.window),
            key_ttl: f.key_ttl.unwrap_or(d.key_ttl),
            grace: f.grace.unwrap_or(d.grace),
            rotate_after: f.rotate_after,
            limits,
        };
        config
            .validate()
            .map_err(|e| CenterError::Input(format!("{}: {e}", path.display())))?;
        Ok((f, config))
    }

    /// The file `keygen` writes next to the keys.
    pub const TEMPLATE: &'static str = "\
# mqtt-cipher-bench Security Center (`mqtt-cipher-bench center --config center.toml --broker URL`)
registry = \"registry.txt\"     # client id, device class, public keys (written by keygen)
acl = \"acl.txt\"               # user <id> / topic read|write|readwrite <filter>
key = \"center.key.pem\"        # the center's Ed25519 signing key (0600)
prefix = \"mcb/sc\"             # requests on <prefix>/req/<client id>, answers on <prefix>/resp/<client id>
window = \"30s\"                # requests older or newer than this are stale
key_ttl = \"10m\"               # how long clients may cache a key
grace = \"30s\"                 # how long a replaced key still decrypts
# rotate_after = \"1h\"         # new key id for a topic at the first request after this

[classes]                      # device class -> suite of its keys (seed 002)
light = \"blowfish-cbc\"
moderate = \"aes-128-cbc\"

[limits]                       # beyond these, requests are dropped unanswered and counted
concurrency = 8                # requests worked on at once (about the cores)
queue = 1024                   # requests that may wait for a slot
rate = 20                      # requests per second per client (unregistered ids share one)
burst = 40                     # requests a client may send at once
";
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn template_parses_to_the_defaults() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("center.toml");
        std::fs::write(&p, CenterFile::TEMPLATE).unwrap();
        let (f, c) = CenterFile::load(&p).unwrap();
        assert_eq!(f.registry, dir.path().join("registry.txt"));
        assert_eq!(c.window, Duration::from_secs(30));
        assert_eq!(c.classes["light"].name(), "blowfish-cbc");
        std::fs::write(&p, "[classes]\nx = \"none\"\n").unwrap();
        let e = CenterFile::load(&p).unwrap_err().to_string();
        assert!(
            e.contains("classes.x: suite none has no symmetric key"),
            "{e}"
        );
        assert_eq!(
            c.limits,
            Limits::default(),
            "the template states the defaults"
        );
    }

    #[test]
    fn zero_rate_or_burst_is_refused_at_its_line_and_column() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("center.toml");
        std::fs::write(&p, "prefix = \"x\"\n[limits]\nburst = 5\nrate = 0\n").unwrap();
        let e = CenterFile::load(&p).unwrap_err().to_string();
        assert!(
            e.contains(&format!("{}:4:8: limits.rate: expected", p.display())),
            "{e}"
        );
        std::fs::write(&p, "[limits]\nrate = 2.5\nburst = 0\n").unwrap();
        let e = CenterFile::load(&p).unwrap_err().to_string();
        assert!(e.contains(":3:9: limits.burst: expected at least 1"), "{e}");
        std::fs::write(&p, "[limits]\nrate = 2.5\nconcurency = 3\n").unwrap();
        let e = CenterFile::load(&p).unwrap_err().to_string();
        assert!(e.contains("unknown field `concurency`"), "{e}");
        std::fs::write(&p, "[limits]\nrate = 2.5\nqueue = 0\n").unwrap();
        let (_, c) = CenterFile::load(&p).unwrap();
        let r = c.limits.rate.unwrap();
        assert_eq!((r.per_second, r.burst, c.limits.queue), (2.5, 40, 0));
    }
}
