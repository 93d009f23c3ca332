//! Scenario files: TOML in, validated [`Scenario`] with its list of [`Case`]s out.
//!
//! Errors name `file:line:col`, the field and what was expected ([`ScenarioError`]);
//! `--set` overrides are applied to the parsed tree and re-validated, and their errors name
//! the flag instead.

mod broker_section;
pub mod error;
pub mod faults;
mod keys_section;
pub mod matrix;
mod matrix_section;
pub mod overrides;
pub mod references;
pub mod requirements;
pub mod schema;
pub mod shard;
mod source_addrs;
#[cfg(test)]
mod tests;

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

pub use error::ScenarioError;
pub use matrix::Case;
use schema::{BrokerSection, Payload, Rate, ScenarioFile};
pub use shard::{Shard, ShardSpec};

use crate::crypto::Suite;

/// A validated scenario, ready to run.
#[derive(Debug, Clone)]
pub struct Scenario {
    pub name: String,
    pub description: String,
    pub path: PathBuf,
    /// The file's text, recorded in results.json.
    pub text: String,
    /// The `--set` / `--broker` flags applied, in order.
    pub overrides: Vec<String>,
    pub broker: BrokerSection,
    pub load: Load,
    pub keys: KeySeed,
    /// Set when topic keys come from the run's Security Center (`[keys] source = "center"`).
    pub center: Option<CenterSettings>,
    /// Route clients through the counting proxy (`[link] proxy`).
    pub proxy: bool,
    pub link: crate::broker::link::LinkSpec,
    /// `[link] faults` (one case per fault) and `keep_alive`.
    pub faults: faults::LinkFaults,
    /// `[requirements]` with the defaults filled in, recorded in results.json.
    pub requirements: crate::results::Requirements,
    /// `[[reference]]`, checked, recorded in results.json.
    pub references: Vec<crate::results::ReferenceValue>,
    pub cases: Vec<Case>,
}

#[derive(Debug, Clone)]
pub struct Load {
    pub publishers: u32,
    /// Publishers of the whole scenario, before `--shard` narrowed `publishers`: topic indices
    /// are padded to its width, so every shard's topics have one length.
    pub all_publishers: u32,
    pub subscribers: u32,
    pub rate: Rate,
    pub duration: Duration,
    pub warmup: Duration,
    pub drain: Duration,
    pub payload: Payload,
    pub inflight: u16,
    pub repeat: u32,
    /// Clients connecting at once, and the pause between batches.
    pub connect_batch: u32,
    pub connect_interval: Duration,
    /// s-mqtt's validation: the largest |timestamp 2 − timestamp 1| a publisher accepts.
    pub smqtt_time_bound: Duration,
    /// Clients per OS thread (`load.threads`).
    pub threads: crate::load::threads::Threads,
    /// Local addresses the clients connect from, in turn (`load.source_addrs`); empty: the
    /// kernel's choice.
    pub source_addrs: Vec<std::net::IpAddr>,
}

/// The run's Security Center, from `[keys.center]`.
#[derive(Debug, Clone)]
pub struct CenterSettings {
    pub config: crate::center::CenterConfig,
    pub timeout: Duration,
    pub identity: crate::center::protocol::SigKind,
    /// Concurrency probe: clients asking at once, per level.
    pub concurrency: Vec<u32>,
    pub rounds: u32,
}

impl CenterSettings {
    /// The device class whose suite is `suite` (validation made sure there is one).
    pub fn class_of(&self, suite: Suite) -> Option<&str> {
        self.config
            .classes
            .iter()
            .find(|(_, s)| **s == suite)
            .map(|(c, _)| c.as_str())
    }
}

/// The key seed; its Debug never shows the bytes.
#[derive(Clone)]
pub struct KeySeed(pub Vec<u8>);

impl fmt::Debug for KeySeed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("KeySeed(<redacted>)")
    }
}

/// Reads, parses and validates `path`, then applies `sets` (`key=value`) and `broker`.
pub fn load(path: &Path, sets: &[String], broker: Option<&str>) -> Result<Scenario, ScenarioError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| ScenarioError::file(path, format!("cannot read scenario: {e}")))?;
    parse(path, &text, sets, broker)
}

/// Like [`load`] for text already in memory (`path` is only used in messages).
pub fn parse(
    path: &Path,
    text: &str,
    sets: &[String],
    broker: Option<&str>,
) -> Result<Scenario, ScenarioError> {
    // First the file as written, so its errors carry line and column.
    let file_src = Source {
        path,
        text,
        flags: None,
    };
    let file: ScenarioFile = toml::from_str(text).map_err(|e| file_src.toml_error(e))?;
    let mut overrides: Vec<String> = sets.iter().map(|s| format!("--set {s}")).collect();
    if let Some(url) = broker {
        overrides.push(format!("--broker {url}"));
    }
    if overrides.is_empty() {
        return validate(&file_src, file, overrides);
    }
    // Then the overridden tree, re-serialized so the same typed parse (with spans) checks it;
    // its errors name the flags, since the generated text is nobody's file.
    let mut doc: toml::Table = toml::from_str(text).map_err(|e| file_src.toml_error(e))?;
    for s in sets {
        overrides::apply(&mut doc, s)?;
    }
    if let Some(url) = broker {
        overrides::apply(&mut doc, &format!("broker.url={}", toml::Value::from(url)))?;
    }
    let flags = overrides.join(" ");
    let generated = toml::to_string(&doc)
        .map_err(|e| ScenarioError::flag(&flags, "", format!("cannot apply: {e}")))?;
    let src = Source {
        path,
        text: &generated,
        flags: Some(flags.clone()),
    };
    let file: ScenarioFile = toml::from_str(&generated).map_err(|e| src.toml_error(e))?;
    let mut scenario = validate(&src, file, overrides)?;
    // Record the file as the user wrote it; the flags say what changed.
    scenario.text = text.to_owned();
    Ok(scenario)
}

/// The text being validated and how to report a position in it.
struct Source<'a> {
    path: &'a Path,
    text: &'a str,
    /// Set when `text` was generated from the file plus these flags.
    flags: Option<String>,
}

impl Source<'_> {
    fn error(
        &self,
        span: std::ops::Range<usize>,
        field: Option<&str>,
        msg: impl Into<String>,
    ) -> ScenarioError {
        let e = ScenarioError::at(self.path, self.text, span, field, msg);
        match &self.flags {
            None => e,
            Some(flags) => ScenarioError::flag(flags, e.field, e.message),
        }
    }

    fn toml_error(&self, e: toml::de::Error) -> ScenarioError {
        let message = error::suggest_variant(e.message());
        match e.span() {
            Some(span) => self.error(span, None, message),
            None => ScenarioError::file(self.path, message),
        }
    }
}

/// Checks the parsed file one section at a time (each section's checks are in a file of its
/// own: `matrix_section`, `broker_section`, `keys_section`, `requirements`), in a fixed order,
/// so the same file always gets the same first error.
fn validate(
    src: &Source,
    file: ScenarioFile,
    overrides: Vec<String>,
) -> Result<Scenario, ScenarioError> {
    let path = src.path;
    let at =
        |span: std::ops::Range<usize>, field: &str, msg: String| src.error(span, Some(field), msg);
    let name = scenario_name(&file.name, &at)?;
    let load = &file.load;
    let (duration, warmup) = load_durations(load, &at)?;

    let m = &file.matrix;
    let suites = matrix_section::suites(m, &at)?;
    matrix_section::no_empty_axis(m, path)?;
    let transports = broker_section::validate_broker(&file.broker, m.transport.as_ref(), &at)?;
    let protocols = broker_section::protocols(&file.broker, m, &transports, &at)?;
    let providers =
        matrix_section::validate_providers(m.provider.as_ref(), &suites, &m.signature, &at)?;
    matrix_section::check_combinations(m, &suites, &at)?;

    let axes = matrix::Axes {
        qos: m.qos.iter().map(|q| q.0).collect(),
        size: m.size.iter().map(|s| s.get_ref().0).collect(),
        suite: suites,
        mac: m.mac.clone(),
        signature: m.signature.clone(),
        transport: transports,
        protocol: protocols,
        session: match &m.session {
            Some(s) => s.get_ref().clone(),
            None => vec![*load.session.get_ref()],
        },
        provider: providers,
        threads: match &m.threads {
            Some(t) => t.get_ref().iter().copied().map(Some).collect(),
            None => vec![None],
        },
        mac_only_where_needed: m.mac_only_where_needed,
    };
    let link_faults = faults::resolve(&file.link, duration, &axes.protocol, &at)?;
    let cases = faults::expand(matrix::expand(&axes), &link_faults);
    matrix_section::check_suite_limits(&axes.suite, &m.size, &at)?;

    let seed = keys_section::seed(&file.keys, path)?;
    let center = keys_section::center_settings(&file.keys, &cases, &at)?;
    let requirements = requirements::resolve(&file.requirements, &at)?;
    let references = references::resolve(&file.reference, &at)?;

    Ok(Scenario {
        name,
        description: file.description.clone(),
        path: path.to_path_buf(),
        text: src.text.to_owned(),
        overrides,
        broker: file.broker.clone(),
        load: Load {
            publishers: load.publishers.0,
            all_publishers: load.publishers.0,
            subscribers: load.subscribers.0,
            rate: load.rate,
            duration,
            warmup,
            drain: load.drain.0,
            payload: load.payload,
            inflight: load.inflight.0,
            repeat: load.repeat.0,
            connect_batch: load.connect_batch.0,
            connect_interval: load.connect_interval.0,
            smqtt_time_bound: load.smqtt_time_bound.0,
            threads: load.threads,
            source_addrs: source_addrs::resolve(load.source_addrs.as_ref(), &at)?,
        },
        keys: KeySeed(seed),
        center,
        proxy: *file.link.proxy.get_ref(),
        link: broker_section::link_spec(&file.link, &at)?,
        faults: link_faults,
        requirements,
        references,
        cases,
    })
}

/// How a check reports a position: span in the text, field, message.
type At<'a> = dyn Fn(std::ops::Range<usize>, &str, String) -> ScenarioError + 'a;

/// `name`: it names the results folder.
fn scenario_name(name: &Spanned<String>, at: &At<'_>) -> Result<String, ScenarioError> {
    let trimmed = name.get_ref().trim().to_owned();
    if trimmed.is_empty()
        || !trimmed
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
    {
        return Err(at(
            name.span(),
            "name",
            format!(
                "expected a non-empty name of letters, digits, '-', '_' or '.' (it names the results folder), got \"{trimmed}\""
            ),
        ));
    }
    Ok(trimmed)
}

/// `[load]`: a duration, and a warm-up inside it.
fn load_durations(
    load: &schema::LoadSection,
    at: &At<'_>,
) -> Result<(Duration, Duration), ScenarioError> {
    let duration = load.duration.get_ref().0;
    let warmup = load.warmup.get_ref().0;
    if duration.is_zero() {
        return Err(at(
            load.duration.span(),
            "load.duration",
            "expected a duration > 0".into(),
        ));
    }
    if warmup >= duration {
        return Err(at(
            load.warmup.span(),
            "load.warmup",
            format!(
                "warm-up ({}) must be shorter than the duration ({}), which includes it",
                humantime::format_duration(warmup),
                humantime::format_duration(duration)
            ),
        ));
    }
    Ok((duration, warmup))
}

type Spanned<T> = toml::Spanned<T>;
