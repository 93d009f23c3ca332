//! The Recommendation: which protections (suite × MAC × signature × transport) meet the
//! study's requirements, cheapest first, per message size of the run.
//!
//! - [`figures`]: what a protection measured at one condition, over its repetitions;
//! - [`checks`]: each requirement against those figures, the tamper matrix and the
//!   protection's recorded properties: met, failed with the measured reason, or not measured;
//! - [`order`]: ranking by thread CPU per message with ties where the 95% intervals overlap,
//!   the Pareto front of CPU against bytes on the wire, and what cuts every protection when
//!   none qualifies;
//! - [`text`] and [`html`]: the section for the terminal, report.md and report.html.
//!
//! Reads results types only: the requirements and the protections' properties are in
//! results.json (runs that predate them get the defaults, and the catalogue's properties
//! from the command that loads them, and say so).

pub mod checks;
pub mod figures;
pub mod html;
pub mod order;
pub mod text;

#[cfg(test)]
mod tests;

use std::collections::BTreeSet;

use checks::Check;
use figures::Measured;

use crate::results::{PropertiesSource, Requirements, RunResults};

/// What a message is protected with.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Protection {
    pub suite: String,
    pub mac: String,
    pub signature: String,
    pub transport: String,
}

impl Protection {
    /// `aes-128-cbc + hmac-sha256`, `aes-128-gcm · tls`.
    pub fn label(&self) -> String {
        let mut s = self.suite.clone();
        for extra in [&self.mac, &self.signature] {
            if extra != "none" {
                s.push_str(" + ");
                s.push_str(extra);
            }
        }
        if self.transport != "tcp" {
            s.push_str(" · ");
            s.push_str(&self.transport);
        }
        s
    }
}

/// A section of the Recommendation: one message size (and QoS, MQTT version where the run
/// varies them, since both change the cost).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Condition {
    pub size: usize,
    pub qos: u8,
    pub protocol: String,
}

/// One protection at one condition, checked.
#[derive(Debug, Clone)]
pub struct Entry {
    pub protection: Protection,
    /// Index into [`Recommendation::runs`].
    pub run: usize,
    pub measured: Measured,
    /// Security bytes per message, or why they are unknown.
    pub overhead: Result<f64, String>,
    /// Each requirement asked for, in the order of `REQUIREMENT_FIELDS`.
    pub checks: Vec<(&'static str, Check)>,
    /// Not dominated in (CPU per message, bytes on the wire) by another entry of its section.
    pub on_front: bool,
    /// What it protects, for the chart's markers and the tables.
    pub protects: Protects,
}

impl Entry {
    pub fn failed(&self) -> impl Iterator<Item = &(&'static str, Check)> {
        self.checks
            .iter()
            .filter(|(_, c)| matches!(c, Check::Failed(_)))
    }

    pub fn unmeasured(&self) -> impl Iterator<Item = &(&'static str, Check)> {
        self.checks
            .iter()
            .filter(|(_, c)| matches!(c, Check::NotMeasured(_)))
    }
}

/// The classes the chart marks points by, weakest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Protects {
    Nothing,
    ConfidentialityOnly,
    IntegrityOnly,
    KeyHolder,
    Publisher,
    Unknown,
}

impl Protects {
    pub fn name(self) -> &'static str {
        match self {
            Protects::Nothing => "nothing",
            Protects::ConfidentialityOnly => "confidentiality only",
            Protects::IntegrityOnly => "integrity only",
            Protects::KeyHolder => "confidentiality + integrity",
            Protects::Publisher => "confidentiality + integrity + publisher signature",
            Protects::Unknown => "not recorded",
        }
    }
}

/// A qualifying entry and its place: `tie` when its interval overlaps the interval of the
/// first entry of its rank.
#[derive(Debug, Clone)]
pub struct Ranked {
    pub rank: usize,
    pub tie: bool,
    pub entry: Entry,
}

/// When nothing qualifies: which requirement rejects every protection, and what each
/// requirement alone would let through if it were dropped.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct NoneQualifies {
    /// Requirements every protection of the section fails.
    pub cuts_all: Vec<&'static str>,
    /// Per requirement: protections it rejects.
    pub rejects: Vec<(&'static str, usize)>,
    /// Per requirement: the protections that fail it alone (would qualify without it),
    /// cheapest first.
    pub without: Vec<(&'static str, Vec<String>)>,
}

#[derive(Debug, Clone)]
pub struct Section {
    pub condition: Condition,
    pub qualified: Vec<Ranked>,
    /// No requirement failed, but one could not be checked.
    pub unmeasured: Vec<Entry>,
    pub rejected: Vec<Entry>,
    pub none: Option<NoneQualifies>,
}

impl Section {
    /// Every entry, qualified first.
    pub fn entries(&self) -> impl Iterator<Item = &Entry> {
        self.qualified
            .iter()
            .map(|r| &r.entry)
            .chain(&self.unmeasured)
            .chain(&self.rejected)
    }
}

/// The whole Recommendation of one or several runs.
#[derive(Debug, Clone)]
pub struct Recommendation {
    pub requirements: Requirements,
    /// False when the (first) run recorded no requirements: the defaults were used.
    pub requirements_recorded: bool,
    /// `--require` flags applied over the recorded requirements.
    pub overrides: Vec<String>,
    /// Runs whose protection properties came from the catalogue, not the run.
    pub catalogue_properties: bool,
    /// `scenario (started)` of each run.
    pub runs: Vec<String>,
    /// Messages per second per publisher of the first run (None: closed loop).
    pub rate_per_device: Option<f64>,
    pub sections: Vec<Section>,
    /// Whether QoS / MQTT version vary (and so head the sections).
    pub varies_qos: bool,
    pub varies_protocol: bool,
}

impl Recommendation {
    /// The section heading: `64 B`, `64 B · QoS 1`, `64 B · QoS 1 · v5`.
    pub fn heading(&self, c: &Condition) -> String {
        let mut s = crate::report::data::fmt_bytes(c.size);
        if self.varies_qos {
            s.push_str(&format!(" · QoS {}", c.qos));
        }
        if self.varies_protocol {
            s.push_str(&format!(" · {}", c.protocol));
        }
        s
    }
}

/// The Recommendation of one run under its own requirements (the defaults when it recorded
/// none).
pub fn of_run(run: &RunResults) -> Recommendation {
    let req = run.requirements.clone().unwrap_or_default();
    of_runs(&[run], req, Vec::new())
}

/// The Recommendation over `runs` (entries of every run side by side in each section)
/// under `requirements`.
pub fn of_runs(
    runs: &[&RunResults],
    requirements: Requirements,
    overrides: Vec<String>,
) -> Recommendation {
    let mut entries: Vec<(Condition, Entry)> = Vec::new();
    for (k, run) in runs.iter().enumerate() {
        entries.extend(entries_of(run, k, &requirements));
    }
    let conditions: BTreeSet<Condition> = entries.iter().map(|(c, _)| c.clone()).collect();
    let sections = conditions
        .into_iter()
        .map(|c| {
            let of_c: Vec<Entry> = entries
                .iter()
                .filter(|(ec, _)| *ec == c)
                .map(|(_, e)| e.clone())
                .collect();
            order::section(c, of_c)
        })
        .collect();
    let first = runs.first();
    Recommendation {
        requirements,
        requirements_recorded: first.is_some_and(|r| r.requirements.is_some()),
        overrides,
        catalogue_properties: runs.iter().any(|r| {
            r.protections
                .iter()
                .any(|p| p.source == PropertiesSource::Catalogue)
        }),
        runs: runs
            .iter()
            .map(|r| format!("{} ({})", r.scenario.name, r.started_at))
            .collect(),
        rate_per_device: first.and_then(|r| r.load.rate_per_publisher),
        sections,
        varies_qos: distinct(runs, |c| c.params.qos.to_string()),
        varies_protocol: distinct(runs, |c| c.params.protocol.clone()),
    }
}

fn distinct(runs: &[&RunResults], f: impl Fn(&crate::results::CaseResult) -> String) -> bool {
    runs.iter()
        .flat_map(|r| r.cases.iter())
        .map(f)
        .collect::<BTreeSet<_>>()
        .len()
        > 1
}

/// Every case id of `run`, measured and checked.
fn entries_of(run: &RunResults, k: usize, req: &Requirements) -> Vec<(Condition, Entry)> {
    let groups = figures::groups(run);
    let measured: Vec<(Condition, Protection, Measured)> = groups
        .iter()
        .map(|(_, reps)| {
            let p = &reps[0].params;
            (
                Condition {
                    size: p.size,
                    qos: p.qos,
                    protocol: p.protocol.clone(),
                },
                Protection {
                    suite: p.suite.clone(),
                    mac: p.mac.clone(),
                    signature: p.signature.clone(),
                    transport: p.transport.clone(),
                },
                Measured::of(reps),
            )
        })
        .collect();
    measured
        .iter()
        .map(|(cond, prot, m)| {
            let overhead = overhead_bytes(cond, prot, m, &measured);
            let props = run
                .protections
                .iter()
                .find(|q| q.is(&prot.suite, &prot.mac, &prot.signature));
            let tamper = run.security.as_ref().and_then(|s| {
                s.protections.iter().find(|t| {
                    t.suite == prot.suite && t.mac == prot.mac && t.signature == prot.signature
                })
            });
            let inputs = checks::Inputs {
                run,
                protection: prot,
                props,
                tamper,
                measured: m,
                overhead: &overhead,
            };
            let protects = match props {
                None => Protects::Unknown,
                Some(p) if p.signature != "none" && p.confidentiality => Protects::Publisher,
                Some(p) if p.confidentiality && p.integrity => Protects::KeyHolder,
                Some(p) if p.confidentiality => Protects::ConfidentialityOnly,
                Some(p) if p.integrity => Protects::IntegrityOnly,
                Some(_) => Protects::Nothing,
            };
            let entry = Entry {
                protection: prot.clone(),
                run: k,
                measured: m.clone(),
                checks: checks::all(req, &inputs),
                overhead,
                on_front: false,
                protects,
            };
            (cond.clone(), entry)
        })
        .collect()
}

/// The envelope's security overhead, plus on TLS what its records add per message over the
/// same protection on the plain transport (measured at the proxy), when the run has both.
fn overhead_bytes(
    cond: &Condition,
    prot: &Protection,
    m: &Measured,
    all: &[(Condition, Protection, Measured)],
) -> Result<f64, String> {
    let envelope = m
        .envelope_overhead
        .ok_or_else(|| "no envelope was built".to_owned())? as f64;
    let Some(plain) = figures::plain_twin(&prot.transport) else {
        return Ok(envelope);
    };
    let twin = all.iter().find(|(c, p, _)| {
        c == cond
            && p.suite == prot.suite
            && p.mac == prot.mac
            && p.signature == prot.signature
            && p.transport == plain
    });
    match (m.wire_bytes, twin.and_then(|(_, _, t)| t.wire_bytes)) {
        (Some(secure), Some(clear)) => Ok(envelope + (secure.median - clear.median).max(0.0)),
        _ => Err(format!(
            "TLS record bytes not measured (needs the same protection over {plain}, counted at the proxy)"
        )),
    }
}
