//! The tamper matrix: what a protection does with a damaged or forged message.
//!
//! Real envelopes are built by the real publisher path ([`Protector`]) for one protection
//! (suite × MAC × signature); each trial applies one seeded mutation to a copy and opens it
//! with the real subscriber path ([`Unprotector`]: decode, verify, decrypt). A trial is
//!
//! - **rejected**: decode, authentication or decryption failed;
//! - **forged**: opened without error to a plaintext that differs from what was sent (the
//!   forgery "succeeded": the subscriber would hand a wrong message to the application);
//! - **accepted identical**: opened to exactly the plaintext that was sent although bytes
//!   changed (e.g. a flipped bit in a header field nothing authenticates, such as the key id
//!   or, without a MAC, the seq and timestamps).
//!
//! An authenticated protection (AEAD, hybrid, HMAC or signature) must reject every trial of
//! every kind. A protection runs on the provider it names ([`Protection::provider`], each part
//! on its default when None); its trials depend on suite, MAC and signature only, so the same
//! protection on two providers meets the same mutations and must get the same verdicts. The subscriber's bookkeeping check that the envelope's publisher matches the
//! topic is deliberately not applied here: this measures what the cryptography rejects.

use std::time::{Duration, Instant};

use rand::rngs::StdRng;
use rand::{Rng, RngExt, SeedableRng};

pub use crate::results::security::{TamperKind, label, pct};
pub use crate::results::{ProtectionSecurity, TamperCounts};

use crate::crypto::envelope::{self, Fields, PREFIX_LEN};
use crate::crypto::keys::KeyRing;
use crate::crypto::mac::MacAlg;
use crate::crypto::protect::{OpenError, Protection, Protector, Unprotector};
use crate::crypto::signature::SigAlg;
use crate::crypto::{CryptoError, Suite};

/// The topic the envelopes are built for, and the one a topic swap moves them to.
pub const TOPIC: &str = "mcb/tamper/a";
pub const OTHER_TOPIC: &str = "mcb/tamper/b";
/// Real envelopes built per protection; trials pick one at random.
const POOL: usize = 16;
/// Most bytes an extension appends.
const MAX_EXTENSION: usize = 64;
/// Most bits a multi-bit flip changes.
const MAX_FLIPS: usize = 8;

/// The header fields a [`TamperKind::HeaderField`] trial may flip a bit of: name, offset,
/// width (offsets after the IV are relative to the end of the IV, see [`field_range`]).
pub const HEADER_FIELDS: [(&str, usize, usize); 11] = [
    ("version", 0, 1),
    ("suite", 1, 1),
    ("mac", 2, 1),
    ("sig", 3, 1),
    ("key_id", 4, 2),
    ("publisher", 6, 4),
    ("seq", 10, 8),
    ("scheduled_ns", 18, 8),
    ("start_ns", 26, 8),
    ("iv_len", 34, 1),
    ("body_len", usize::MAX, 4),
];

/// Byte range of header field `i` in an envelope whose IV is `iv_len` bytes.
fn field_range(i: usize, iv_len: usize) -> std::ops::Range<usize> {
    let (_, off, w) = HEADER_FIELDS[i];
    let start = if off == usize::MAX {
        PREFIX_LEN + iv_len
    } else {
        off
    };
    start..start + w
}

/// What one trial did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Rejected(Rejection),
    /// Opened; the plaintext the subscriber would have handed on.
    Accepted(Vec<u8>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rejection {
    /// Not a well-formed envelope of this protection.
    Decode,
    /// Tag, MAC or signature did not verify.
    Authentication,
    /// Decryption failed (padding, length) without an authentication failure.
    Decrypt,
}

/// Convenience on the results type.
pub trait ReportExt {
    fn label(&self) -> String;
    fn total_forged(&self) -> u64;
    fn total_accepted_identical(&self) -> u64;
    fn counts(&self, kind: TamperKind) -> Option<&TamperCounts>;
}

impl ReportExt for ProtectionSecurity {
    fn label(&self) -> String {
        label(&self.suite, &self.mac, &self.signature)
    }
    fn total_forged(&self) -> u64 {
        self.kinds.iter().map(|c| c.forged).sum()
    }
    fn total_accepted_identical(&self) -> u64 {
        self.kinds.iter().map(|c| c.accepted_identical).sum()
    }
    fn counts(&self, kind: TamperKind) -> Option<&TamperCounts> {
        self.kinds.iter().find(|c| c.kind == kind.name())
    }
}

/// True when tampering with `p` must always be rejected.
pub fn authenticated(p: Protection) -> bool {
    p.suite.authenticated() || p.mac != MacAlg::None || p.signature != SigAlg::None
}

#[derive(Debug, Clone)]
pub struct TamperOptions {
    /// Trials per kind.
    pub trials: u64,
    pub seed: u64,
    /// Plaintext bytes per envelope.
    pub size: usize,
    /// Stop a protection's trials after this much time (all kinds together); None: no limit.
    pub budget: Option<Duration>,
    pub kinds: Vec<TamperKind>,
}

impl Default for TamperOptions {
    fn default() -> Self {
        Self {
            trials: 1000,
            seed: 1,
            size: 64,
            budget: None,
            kinds: TamperKind::ALL.to_vec(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum TamperError {
    #[error("cannot set up {protection}: {source}")]
    Setup {
        protection: String,
        source: CryptoError,
    },
    #[error("cannot build an envelope for {protection}: {source}")]
    Seal {
        protection: String,
        source: CryptoError,
    },
}

/// Real envelopes of one protection and the subscriber sides that open them.
pub struct Lab {
    p: Protection,
    envelopes: Vec<Vec<u8>>,
    plaintexts: Vec<Vec<u8>>,
    opener: Unprotector,
    other_opener: Unprotector,
    scratch: Vec<u8>,
}

impl Lab {
    /// Builds [`POOL`] envelopes of `size`-byte random plaintexts (from `rng`) through the
    /// real publisher path for [`TOPIC`], publisher 0.
    pub fn new(
        keys: &KeyRing,
        p: Protection,
        size: usize,
        rng: &mut StdRng,
    ) -> Result<Self, TamperError> {
        let name = || label(p.suite.name(), p.mac.name(), p.signature.name());
        let setup = |source| TamperError::Setup {
            protection: name(),
            source,
        };
        let mut tx = Protector::new(keys, p, TOPIC, 0).map_err(setup)?;
        let opener = Unprotector::new(keys, p, TOPIC, 0).map_err(setup)?;
        let other_opener = Unprotector::new(keys, p, OTHER_TOPIC, 0).map_err(setup)?;
        let mut envelopes = Vec::with_capacity(POOL);
        let mut plaintexts = Vec::with_capacity(POOL);
        let now = crate::measure::clock::now_ns();
        for seq in 0..POOL as u64 {
            let mut pt = vec![0u8; size];
            rng.fill_bytes(&mut pt);
            let fields = Fields {
                publisher: 0,
                seq,
                scheduled_ns: now + seq * 1_000_000,
                start_ns: now + seq * 1_000_000 + 1_000,
                ..Default::default()
            };
            let env = tx
                .seal_message(fields, &pt)
                .map_err(|source| TamperError::Seal {
                    protection: name(),
                    source,
                })?;
            envelopes.push(env);
            plaintexts.push(pt);
        }
        Ok(Self {
            p,
            envelopes,
            plaintexts,
            opener,
            other_opener,
            scratch: Vec::new(),
        })
    }

    pub fn protection(&self) -> Protection {
        self.p
    }
    pub fn len(&self) -> usize {
        self.envelopes.len()
    }
    pub fn is_empty(&self) -> bool {
        self.envelopes.is_empty()
    }
    /// The `i`th real envelope, as published.
    pub fn envelope(&self, i: usize) -> &[u8] {
        &self.envelopes[i]
    }
    pub fn plaintext(&self, i: usize) -> &[u8] {
        &self.plaintexts[i]
    }

    /// Opens `payload` as the subscriber of [`TOPIC`] (or of [`OTHER_TOPIC`]) would.
    pub fn open(&mut self, payload: &[u8], other_topic: bool) -> Outcome {
        let (opener, topic) = if other_topic {
            (&mut self.other_opener, OTHER_TOPIC)
        } else {
            (&mut self.opener, TOPIC)
        };
        let result = (|| {
            let env = opener.decode(payload)?;
            opener.verify(topic.as_bytes(), &env)?;
            opener.decrypt(topic.as_bytes(), &env, &mut self.scratch)?;
            Ok::<(), OpenError>(())
        })();
        match result {
            Ok(()) => Outcome::Accepted(self.scratch.clone()),
            Err(OpenError::Malformed(_)) => Outcome::Rejected(Rejection::Decode),
            Err(OpenError::Crypto(CryptoError::Authentication)) => {
                Outcome::Rejected(Rejection::Authentication)
            }
            Err(OpenError::Crypto(_)) => Outcome::Rejected(Rejection::Decrypt),
        }
    }

    /// One trial of `kind`: mutates a copy of a random pool envelope, opens it, and returns
    /// the outcome, the plaintext that was sent, and the header field flipped (if any).
    pub fn trial(
        &mut self,
        kind: TamperKind,
        rng: &mut StdRng,
    ) -> (Outcome, usize, Option<&'static str>) {
        let i = rng.random_range(0..self.envelopes.len());
        let mut m = self.envelopes[i].clone();
        let mut field = None;
        let mut other_topic = false;
        match kind {
            TamperKind::BitFlip => {
                let b = rng.random_range(0..m.len() * 8);
                flip(&mut m, b);
            }
            TamperKind::MultiBitFlip => {
                let n = rng.random_range(2..=MAX_FLIPS.min(m.len() * 8));
                let mut bits: Vec<usize> = Vec::with_capacity(n);
                while bits.len() < n {
                    let b = rng.random_range(0..m.len() * 8);
                    if !bits.contains(&b) {
                        bits.push(b);
                    }
                }
                for b in bits {
                    flip(&mut m, b);
                }
            }
            TamperKind::Truncate => {
                let keep = rng.random_range(0..m.len());
                m.truncate(keep);
            }
            TamperKind::Extend => {
                let n = rng.random_range(1..=MAX_EXTENSION);
                let start = m.len();
                m.resize(start + n, 0);
                rng.fill_bytes(&mut m[start..]);
            }
            TamperKind::HeaderField => {
                let f = rng.random_range(0..HEADER_FIELDS.len());
                let r = field_range(f, self.p.suite.iv_len());
                flip(&mut m, r.start * 8 + rng.random_range(0..r.len() * 8));
                field = Some(HEADER_FIELDS[f].0);
            }
            TamperKind::HeaderSwap => {
                // Another envelope of the pool (a different seq, timestamps and IV).
                let j = (i + rng.random_range(1..self.envelopes.len())) % self.envelopes.len();
                let hlen = envelope::header_len(self.p.suite.iv_len());
                m[..hlen].copy_from_slice(&self.envelopes[j][..hlen]);
            }
            TamperKind::TopicSwap => other_topic = true,
        }
        (self.open(&m, other_topic), i, field)
    }
}

/// Flips bit `b` (0 = most significant bit of byte 0).
pub fn flip(m: &mut [u8], b: usize) {
    m[b / 8] ^= 0x80 >> (b % 8);
}

/// Runs the tamper matrix for `p`: `opts.trials` trials of each kind (fewer when the budget
/// runs out: kinds are interleaved so each gets its share). The result names the suite's
/// provider; its `implementation` is left for the caller, which knows the build's crate
/// versions (`speed::implementation::protection`, a layer above this one).
pub fn run(
    keys: &KeyRing,
    p: Protection,
    opts: &TamperOptions,
) -> Result<ProtectionSecurity, TamperError> {
    let provider = p.suite_provider().map_err(|source| TamperError::Setup {
        protection: label(p.suite.name(), p.mac.name(), p.signature.name()),
        source,
    })?;
    // One stream per protection, so adding a protection does not change another's trials;
    // not per provider, so that every provider of a protection meets the same trials.
    let stream = (u64::from(p.suite.id()) << 16)
        | (u64::from(p.mac.id()) << 8)
        | u64::from(p.signature.id());
    let mut rng = StdRng::seed_from_u64(opts.seed ^ stream.wrapping_mul(0x9E37_79B9_7F4A_7C15));
    let size = opts.size.max(1);
    let mut lab = Lab::new(keys, p, size, &mut rng)?;
    let started = Instant::now();
    let mut counts: Vec<(TamperKind, TamperCounts)> = opts
        .kinds
        .iter()
        .map(|&k| {
            (
                k,
                TamperCounts {
                    kind: k.name().to_owned(),
                    ..Default::default()
                },
            )
        })
        .collect();
    let mut fields: Vec<&'static str> = Vec::new();
    let mut truncated = false;
    'trials: for t in 0..opts.trials {
        // Checking the clock every trial of a slow protection, every 64th of a fast one.
        if let Some(budget) = opts.budget
            && (t % 64 == 0 || t < 64)
            && started.elapsed() > budget
        {
            truncated = true;
            break 'trials;
        }
        for (kind, c) in counts.iter_mut() {
            let (outcome, sent, field) = lab.trial(*kind, &mut rng);
            c.trials += 1;
            match outcome {
                Outcome::Rejected(r) => {
                    c.rejected += 1;
                    if r == Rejection::Authentication {
                        c.rejected_auth += 1;
                    }
                }
                Outcome::Accepted(pt) => {
                    if pt == lab.plaintext(sent) {
                        c.accepted_identical += 1;
                    } else {
                        c.forged += 1;
                    }
                    if let Some(f) = field
                        && !fields.contains(&f)
                    {
                        fields.push(f);
                    }
                }
            }
        }
    }
    // In the header's order.
    let unauthenticated_fields = HEADER_FIELDS
        .iter()
        .map(|(n, _, _)| *n)
        .filter(|n| fields.contains(n))
        .map(str::to_owned)
        .collect();
    Ok(ProtectionSecurity {
        suite: p.suite.name().to_owned(),
        mac: p.mac.name().to_owned(),
        signature: p.signature.name().to_owned(),
        authenticated: authenticated(p),
        size,
        kinds: counts.into_iter().map(|(_, c)| c).collect(),
        unauthenticated_fields,
        truncated_by_budget: truncated,
        provider: Some(provider.name().to_owned()),
        implementation: None,
    })
}

/// Every suite of the catalogue that combines with `mac` and `signature` (s-mqtt takes
/// neither): what `tamper` runs by default.
pub fn default_protections(mac: MacAlg, signature: SigAlg) -> Vec<Protection> {
    Suite::all()
        .map(|suite| Protection::new(suite, mac, signature))
        .filter(|p| p.incompatibility().is_none())
        .collect()
}

/// The table `tamper` prints: one row per protection and provider, rejected % per kind, then
/// the implementation of each row when recorded.
pub fn print_table(
    reports: &[ProtectionSecurity],
    out: &mut impl std::io::Write,
) -> std::io::Result<()> {
    let kinds: Vec<TamperKind> = reports
        .first()
        .map(|r| {
            r.kinds
                .iter()
                .filter_map(|c| TamperKind::from_name(&c.kind))
                .collect()
        })
        .unwrap_or_default();
    let width = reports
        .iter()
        .map(|r| r.label().len())
        .max()
        .unwrap_or(10)
        .max(10);
    let pwidth = reports
        .iter()
        .filter_map(|r| r.provider.as_ref().map(String::len))
        .max()
        .unwrap_or(0)
        .max("provider".len());
    write!(
        out,
        "{:width$}  {:pwidth$}  auth  trials/kind",
        "protection", "provider"
    )?;
    for k in &kinds {
        write!(out, "  {:>14}", k.name())?;
    }
    writeln!(
        out,
        "  {:>8}  {:>9}  unauthenticated fields",
        "forged", "identical"
    )?;
    for r in reports {
        let trials = r.kinds.first().map_or(0, |c| c.trials);
        write!(
            out,
            "{:width$}  {:pwidth$}  {:4}  {:>11}",
            r.label(),
            r.provider.as_deref().unwrap_or("-"),
            if r.authenticated { "yes" } else { "no" },
            trials
        )?;
        for k in &kinds {
            let cell = r.counts(*k).map_or_else(
                || "n/a".to_owned(),
                |c| format!("{}%", pct(c.rejected_pct())),
            );
            write!(out, "  {cell:>14}")?;
        }
        let identical = r.total_accepted_identical();
        let fields = if r.unauthenticated_fields.is_empty() {
            "-".to_owned()
        } else {
            r.unauthenticated_fields.join(",")
        };
        writeln!(out, "  {:>8}  {:>9}  {fields}", r.total_forged(), identical)?;
    }
    writeln!(
        out,
        "cells: % of trials rejected (decode, authentication or decryption error); forged: \
         opened to a different plaintext; identical: opened to the plaintext sent although bytes \
         changed"
    )?;
    if reports.iter().any(|r| r.implementation.is_some()) {
        writeln!(out, "implementations")?;
        for r in reports {
            let Some(i) = &r.implementation else {
                continue;
            };
            let name = format!("{} {}", r.label(), r.provider.as_deref().unwrap_or("-"));
            write!(out, "  {name:w$}  {}", i.suite, w = width + pwidth + 1)?;
            if r.mac != "none" {
                write!(out, "; MAC {}", i.mac)?;
            }
            if r.signature != "none" {
                write!(out, "; signature {} {}", i.signature_provider, i.signature)?;
            }
            writeln!(out)?;
        }
    }
    Ok(())
}
