//! Scenario files: TOML in, validated [`Scenario`] with its list of [`Case`]s out.
//!
//! Errors name `file:line:col`, the field and what was expected ([`ScenarioError`]);
//! `--set` overrides are applied to the parsed tree and re-validated, and their errors name
//! the flag instead.

pub mod error;
pub mod faults;
pub mod matrix;
pub mod overrides;
pub mod requirements;
pub mod schema;

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

pub use error::ScenarioError;
pub use matrix::Case;
use schema::{BrokerSection, Payload, Rate, ScenarioFile};

use crate::crypto::keys::DEFAULT_SEED;
use crate::crypto::signature::SigAlg;
use crate::crypto::suite::{BlockCipher, Mode};
use crate::crypto::{Provider, Suite};

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

fn validate(
    src: &Source,
    file: ScenarioFile,
    overrides: Vec<String>,
) -> Result<Scenario, ScenarioError> {
    let path = src.path;
    let at =
        |span: std::ops::Range<usize>, field: &str, msg: String| src.error(span, Some(field), msg);
    let name = file.name.get_ref().trim().to_owned();
    if name.is_empty()
        || !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
    {
        return Err(at(
            file.name.span(),
            "name",
            format!(
                "expected a non-empty name of letters, digits, '-', '_' or '.' (it names the results folder), got \"{name}\""
            ),
        ));
    }

    let load = &file.load;
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

    let m = &file.matrix;
    let mut suites: Vec<Suite> = m
        .suite
        .as_ref()
        .map(|s| s.get_ref().clone())
        .unwrap_or_default();
    match (&m.ciphers, &m.modes) {
        (Some(c), Some(modes)) => suites.extend(expand_shorthand(c, modes, &at)?),
        (Some(c), None) => {
            return Err(at(
                c.span(),
                "matrix.ciphers",
                "`ciphers` needs `modes` beside it (ciphers x modes expand into suites)".into(),
            ));
        }
        (None, Some(modes)) => {
            return Err(at(
                modes.span(),
                "matrix.modes",
                "`modes` needs `ciphers` beside it (ciphers x modes expand into suites)".into(),
            ));
        }
        (None, None) => {}
    }
    // A suite axis written down but empty (`suite = []`, `ciphers = []`) leaves nothing to
    // measure: an error, not a silent fall-back to `none`.
    let written = m
        .suite
        .as_ref()
        .map(|s| (s.span(), "matrix.suite"))
        .or_else(|| m.ciphers.as_ref().map(|c| (c.span(), "matrix.ciphers")))
        .or_else(|| m.modes.as_ref().map(|c| (c.span(), "matrix.modes")));
    if suites.is_empty()
        && let Some((span, field)) = written
    {
        return Err(at(
            span,
            field,
            "expected at least one suite, got an empty list (the matrix would have no cases)"
                .into(),
        ));
    }
    if suites.is_empty() {
        suites.push(
            Suite::from_name("none").unwrap_or_else(|| unreachable!("none is in the catalogue")),
        );
    }
    for (axis, empty) in [
        ("matrix.qos", m.qos.is_empty()),
        ("matrix.size", m.size.is_empty()),
        ("matrix.mac", m.mac.is_empty()),
        ("matrix.signature", m.signature.is_empty()),
        (
            "matrix.transport",
            m.transport.as_ref().is_some_and(|t| t.get_ref().is_empty()),
        ),
        (
            "matrix.protocol",
            m.protocol.as_ref().is_some_and(|t| t.get_ref().is_empty()),
        ),
    ] {
        if empty {
            return Err(ScenarioError::file(
                path,
                format!("{axis}: expected at least one value, got an empty list"),
            ));
        }
    }

    let transports = validate_broker(&file.broker, m.transport.as_ref(), &at)?;
    let protocols = match &m.protocol {
        Some(p) => p.get_ref().clone(),
        None => vec![*file.broker.protocol.get_ref()],
    };
    for &p in &protocols {
        for &t in &transports {
            if let Some(e) = crate::broker::endpoint::protocol_unavailable(&file.broker, t, p) {
                let (span, field) = match &m.protocol {
                    Some(axis) => (axis.span(), "matrix.protocol"),
                    None => (file.broker.protocol.span(), "broker.protocol"),
                };
                return Err(at(span, field, strip_field(&e.to_string())));
            }
        }
    }

    let providers = validate_providers(m.provider.as_ref(), &suites, &m.signature, &at)?;

    let axes = matrix::Axes {
        qos: m.qos.iter().map(|q| q.0).collect(),
        size: m.size.iter().map(|s| s.get_ref().0).collect(),
        suite: suites,
        mac: m.mac.clone(),
        signature: m.signature.clone(),
        transport: transports,
        protocol: protocols,
        provider: providers,
        mac_only_where_needed: m.mac_only_where_needed,
    };
    let link_faults = faults::resolve(&file.link, duration, &axes.protocol, &at)?;
    let cases = faults::expand(matrix::expand(&axes), &link_faults);
    check_suite_limits(&axes.suite, &m.size, &at)?;

    let seed = match (&file.keys.seed, &file.keys.seed_env) {
        (Some(_), Some(_)) => {
            return Err(ScenarioError::file(
                path,
                "keys: give either `seed` or `seed_env`, not both",
            ));
        }
        (Some(s), None) => s.as_bytes().to_vec(),
        (None, Some(var)) => std::env::var(var)
            .map_err(|_| {
                ScenarioError::file(
                    path,
                    format!("keys.seed_env: environment variable {var} is not set"),
                )
            })?
            .into_bytes(),
        (None, None) => DEFAULT_SEED.as_bytes().to_vec(),
    };

    let center = center_settings(&file.keys, &cases, &at)?;
    let requirements = requirements::resolve(&file.requirements, &at)?;

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
        },
        keys: KeySeed(seed),
        center,
        proxy: *file.link.proxy.get_ref(),
        link: link_spec(&file.link, &at)?,
        faults: link_faults,
        requirements,
        cases,
    })
}

type Spanned<T> = toml::Spanned<T>;

/// Refuses a size some suite of the matrix cannot seal (every suite meets every size), at the
/// size's place in the file, naming the suite and its limit: otherwise the case would fail
/// at its first message and send nothing.
fn check_suite_limits(
    suites: &[Suite],
    sizes: &[Spanned<schema::Size>],
    at: &dyn Fn(std::ops::Range<usize>, &str, String) -> ScenarioError,
) -> Result<(), ScenarioError> {
    for size in sizes {
        let n = size.get_ref().0;
        for &suite in suites {
            if let Some(limit) = suite.max_plaintext()
                && n > limit.bytes
            {
                return Err(at(
                    size.span(),
                    "matrix.size",
                    format!(
                        "{n} B is over {suite}'s limit of {} B per message ({}); use sizes up \
                         to {} or another suite",
                        limit.bytes, limit.why, limit.bytes
                    ),
                ));
            }
        }
    }
    Ok(())
}

/// `[keys] source` and `[keys.center]`: the run's Security Center, checked against the cases
/// (every suite must be some class's suite; the center issues encryption keys only, so no
/// MAC axis).
fn center_settings(
    keys: &schema::KeysSection,
    cases: &[Case],
    at: &dyn Fn(std::ops::Range<usize>, &str, String) -> ScenarioError,
) -> Result<Option<CenterSettings>, ScenarioError> {
    use crate::center::CenterConfig;
    use crate::center::protocol::SigKind;
    let source = keys.source.as_ref();
    let on = source.is_some_and(|s| *s.get_ref() == schema::KeySource::Center);
    let Some(table) = keys.center.as_ref() else {
        return Ok(on.then(|| CenterSettings {
            config: CenterConfig::default(),
            timeout: Duration::from_secs(5),
            identity: SigKind::Ed25519,
            concurrency: Vec::new(),
            rounds: 5,
        }))
        .and_then(|s| match s {
            Some(s) => check_center_cases(s, cases, source.map(|s| s.span()), at).map(Some),
            None => Ok(None),
        });
    };
    if !on {
        return Err(at(
            table.span(),
            "keys.center",
            "[keys.center] configures the Security Center; add `source = \"center\"` to [keys] to use it".into(),
        ));
    }
    let c = table.get_ref();
    let d = CenterConfig::default();
    let identity = match &c.identity {
        None => SigKind::Ed25519,
        Some(s) => SigKind::from_name(s.get_ref()).ok_or_else(|| {
            at(
                s.span(),
                "keys.center.identity",
                format!(
                    "expected \"ed25519\" or \"ecdsa-p256\", got \"{}\"",
                    s.get_ref()
                ),
            )
        })?,
    };
    let config = CenterConfig {
        classes: c
            .classes
            .as_ref()
            .map(|m| m.get_ref().clone())
            .unwrap_or(d.classes),
        window: c.window.map_or(d.window, |v| v.0),
        key_ttl: c.key_ttl.map_or(d.key_ttl, |v| v.0),
        grace: c.grace.map_or(d.grace, |v| v.0),
        rotate_after: None,
    };
    if let Err(e) = config.validate() {
        let span = c.classes.as_ref().map_or(table.span(), |m| m.span());
        return Err(at(span, "keys.center", e));
    }
    let settings = CenterSettings {
        config,
        timeout: c.timeout.map_or(Duration::from_secs(5), |v| v.0),
        identity,
        concurrency: c.concurrency.iter().map(|n| n.0).collect(),
        rounds: c.rounds.map_or(5, |n| n.0),
    };
    check_center_cases(settings, cases, Some(table.span()), at).map(Some)
}

fn check_center_cases(
    s: CenterSettings,
    cases: &[Case],
    span: Option<std::ops::Range<usize>>,
    at: &dyn Fn(std::ops::Range<usize>, &str, String) -> ScenarioError,
) -> Result<CenterSettings, ScenarioError> {
    let span = span.unwrap_or(0..0);
    for c in cases {
        if s.class_of(c.suite).is_none() {
            let classes: Vec<String> = s
                .config
                .classes
                .iter()
                .map(|(k, v)| format!("{k} = {v}"))
                .collect();
            return Err(at(
                span,
                "keys.center.classes",
                format!(
                    "suite {} of the matrix is no device class's suite ({}); the Security Center issues keys of its classes' suites",
                    c.suite,
                    classes.join(", ")
                ),
            ));
        }
        if c.mac != crate::crypto::mac::MacAlg::None {
            return Err(at(
                span,
                "keys.source",
                "with source = \"center\" the matrix's mac must be [\"none\"]: the Security Center issues encryption keys only".into(),
            ));
        }
    }
    Ok(s)
}

/// Checks the broker URLs and that every transport of the axis has a listener; returns the
/// axis (default: the transport of `broker.url`).
fn validate_broker(
    b: &BrokerSection,
    axis: Option<&Spanned<Vec<schema::Transport>>>,
    at: &dyn Fn(std::ops::Range<usize>, &str, String) -> ScenarioError,
) -> Result<Vec<schema::Transport>, ScenarioError> {
    use crate::broker::endpoint;
    let url = b.url.get_ref().trim();
    let span = b.url.span();
    let default = if url.eq_ignore_ascii_case("embedded") {
        schema::Transport::Tcp
    } else {
        endpoint::parse_url("broker.url", url)
            .map_err(|e| at(span.clone(), "broker.url", strip_field(&e.to_string())))?
            .transport
    };
    if url.eq_ignore_ascii_case("embedded")
        && let Some((field, Some(t), _)) = endpoint::v5_listeners(b)
            .into_iter()
            .find(|(_, u, _)| u.is_some())
    {
        return Err(at(
            t.span(),
            field,
            "the embedded broker's MQTT 5 listeners are chosen by the harness; drop this field (it is for an external broker with ports of its own per version)".into(),
        ));
    }
    for (field, url, transport) in endpoint::other_listeners(b)
        .into_iter()
        .chain(endpoint::v5_listeners(b))
    {
        let Some(t) = url else { continue };
        let l = endpoint::parse_url(field, t.get_ref().trim())
            .map_err(|e| at(t.span(), field, strip_field(&e.to_string())))?;
        if l.transport != transport {
            return Err(at(
                t.span(),
                field,
                format!(
                    "expected an {}:// URL, got \"{}\"",
                    endpoint::scheme(transport),
                    t.get_ref()
                ),
            ));
        }
    }
    let (list, span) = match axis {
        Some(a) => (a.get_ref().clone(), a.span()),
        None => (vec![default], span),
    };
    for &t in &list {
        if let Some(e) = endpoint::transport_unavailable(b, t) {
            return Err(at(span, "matrix.transport", strip_field(&e.to_string())));
        }
    }
    Ok(list)
}

fn link_spec(
    l: &schema::LinkSection,
    at: &dyn Fn(std::ops::Range<usize>, &str, String) -> ScenarioError,
) -> Result<crate::broker::link::LinkSpec, ScenarioError> {
    let spec = crate::broker::link::LinkSpec {
        rtt: l.rtt.as_ref().map_or(Duration::ZERO, |d| d.get_ref().0),
        jitter: l.jitter.as_ref().map_or(Duration::ZERO, |d| d.get_ref().0),
        bandwidth_bps: l.bandwidth.as_ref().map(|b| b.get_ref().0),
    };
    if spec.is_emulated() && !*l.proxy.get_ref() {
        return Err(at(
            l.proxy.span(),
            "link.proxy",
            "rtt, jitter and bandwidth are emulated by the proxy; remove them or set proxy = true"
                .into(),
        ));
    }
    let too_much = l.jitter.as_ref().filter(|j| j.get_ref().0 > spec.rtt / 2);
    if let Some(j) = too_much {
        return Err(at(
            j.span(),
            "link.jitter",
            format!(
                "jitter ({}) must not exceed rtt/2 ({}): a delay cannot be negative",
                humantime::format_duration(j.get_ref().0),
                humantime::format_duration(spec.rtt / 2)
            ),
        ));
    }
    Ok(spec)
}

/// Drops a leading `field: ` from a message (the position prefix names the field already).
fn strip_field(msg: &str) -> String {
    match msg.split_once(": ") {
        Some((f, rest)) if f.starts_with("broker.") || f.starts_with("matrix.") => rest.to_owned(),
        _ => msg.to_owned(),
    }
}

/// The provider axis, checked against every suite and signature of the matrix: a provider that
/// lacks one of them is an error at that provider's value, naming the providers that have it
/// (a case that cannot run is refused before the run, not failed in it). `[None]` without an
/// axis.
fn validate_providers(
    axis: Option<&Spanned<Vec<Spanned<Provider>>>>,
    suites: &[Suite],
    signatures: &[SigAlg],
    at: &dyn Fn(std::ops::Range<usize>, &str, String) -> ScenarioError,
) -> Result<Vec<Option<Provider>>, ScenarioError> {
    let Some(axis) = axis else {
        return Ok(vec![None]);
    };
    if axis.get_ref().is_empty() {
        return Err(at(
            axis.span(),
            "matrix.provider",
            format!(
                "expected at least one provider ({}), got an empty list; leave `provider` out for each suite's default",
                crate::crypto::provider::names(&Provider::ALL)
            ),
        ));
    }
    for p in axis.get_ref() {
        let provider = *p.get_ref();
        let missing = suites
            .iter()
            .find_map(|&s| crate::crypto::provider::for_suite(s, Some(provider)).err())
            .or_else(|| {
                signatures
                    .iter()
                    .find_map(|&a| crate::crypto::provider::for_signature(a, Some(provider)).err())
            });
        if let Some(e) = missing {
            return Err(at(
                p.span(),
                "matrix.provider",
                format!(
                    "{e}; every suite and signature of the matrix runs on every provider of the axis, so drop \"{}\" here or move what it lacks to another scenario",
                    provider.name()
                ),
            ));
        }
    }
    Ok(axis.get_ref().iter().map(|p| Some(*p.get_ref())).collect())
}

fn expand_shorthand(
    ciphers: &Spanned<Vec<String>>,
    modes: &Spanned<Vec<String>>,
    at: &dyn Fn(std::ops::Range<usize>, &str, String) -> ScenarioError,
) -> Result<Vec<Suite>, ScenarioError> {
    let pick = |names: &Spanned<Vec<String>>,
                field: &str,
                all: &[&'static str]|
     -> Result<Vec<usize>, ScenarioError> {
        names
            .get_ref()
            .iter()
            .map(|n| {
                all.iter()
                    .position(|a| a.eq_ignore_ascii_case(n))
                    .ok_or_else(|| {
                        let hint = all
                            .iter()
                            .min_by_key(|a| strsim::levenshtein(a, &n.to_ascii_lowercase()))
                            .filter(|a| strsim::levenshtein(a, &n.to_ascii_lowercase()) <= 3)
                            .map(|a| format!("; did you mean \"{a}\"?"))
                            .unwrap_or_default();
                        at(
                            names.span(),
                            field,
                            format!(
                                "unknown {} \"{n}\" (expected one of {}{hint})",
                                &field[7..field.len() - 1],
                                all.join(", ")
                            ),
                        )
                    })
            })
            .collect()
    };
    let cipher_names: Vec<&str> = BlockCipher::ALL.iter().map(|c| c.name()).collect();
    let mode_names: Vec<&str> = Mode::ALL.iter().map(|m| m.name()).collect();
    let cs = pick(ciphers, "matrix.ciphers", &cipher_names)?;
    let ms = pick(modes, "matrix.modes", &mode_names)?;
    Ok(cs
        .iter()
        .flat_map(|&c| {
            ms.iter()
                .map(move |&m| Suite::block(BlockCipher::ALL[c], Mode::ALL[m]))
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_str(text: &str) -> Result<Scenario, ScenarioError> {
        parse(Path::new("t.toml"), text, &[], None)
    }

    #[test]
    fn minimal_scenario_gets_defaults() {
        let s = parse_str("name = \"t\"\n").unwrap();
        assert_eq!(s.cases.len(), 1);
        assert_eq!(s.cases[0].id(), "none/q1/64B/tcp");
        assert_eq!(s.broker.url.get_ref(), "embedded");
        assert_eq!(s.keys.0, DEFAULT_SEED.as_bytes());
    }

    #[test]
    fn unknown_key_is_an_error_with_position() {
        let e = parse_str("name = \"t\"\n[load]\npublishers = 1\nrat = 5\n").unwrap_err();
        let shown = e.to_string();
        assert!(shown.starts_with("t.toml:4:1: "), "{shown}");
        assert!(shown.contains("unknown field `rat`"), "{shown}");
    }

    #[test]
    fn bad_values_name_field_and_expectation() {
        let e = parse_str("name = \"t\"\n[matrix]\nqos = [0, 3]\n")
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with("t.toml:3:7: matrix.qos: expected QoS 0, 1 or 2, got 3"),
            "{e}"
        );
        let e = parse_str("name = \"t\"\n[matrix]\nsuite = [\"aes-128-cbx\"]\n")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("t.toml:3:9: matrix.suite:") && e.contains("did you mean \"aes-128-cbc\""),
            "{e}"
        );
        let e = parse_str("name = \"t\"\n[matrix]\nsize = [0]\n")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("matrix.size: expected a message size from 1 byte"),
            "{e}"
        );
        let e = parse_str("name = \"t\"\n[load]\nduration = \"2s\"\nwarmup = \"3s\"\n")
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with("t.toml:4:10: load.warmup: warm-up (3s) must be shorter"),
            "{e}"
        );
        let e = parse_str("name = \"t\"\n[load]\nrate = \"fast\"\n")
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with("t.toml:3:8: load.rate: expected a number"),
            "{e}"
        );
    }

    #[test]
    fn shorthand_expands_and_rejects_unknown_modes() {
        let s = parse_str("name = \"t\"\n[matrix]\nciphers = [\"des\", \"aes-128\"]\nmodes = [\"cbc\", \"ofb\"]\n").unwrap();
        let names: Vec<_> = s.cases.iter().map(|c| c.suite.name()).collect();
        assert_eq!(names, ["des-cbc", "des-ofb", "aes-128-cbc", "aes-128-ofb"]);
        let e = parse_str("name = \"t\"\n[matrix]\nciphers = [\"des\"]\nmodes = [\"gcm\"]\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("matrix.modes: unknown mode \"gcm\""), "{e}");
        let e = parse_str("name = \"t\"\n[matrix]\nciphers = [\"des\"]\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("needs `modes`"), "{e}");
    }

    #[test]
    fn transport_axis_needs_a_listener() {
        let e = parse_str(
            "name = \"t\"\n[broker]\nurl = \"mqtt://pi.local\"\n[matrix]\ntransport = [\"tcp\", \"tls\"]\n",
        )
        .unwrap_err()
        .to_string();
        assert!(
            e.starts_with("t.toml:5:13: matrix.transport: no tls listener")
                && e.contains("tls_url"),
            "{e}"
        );
        let s = parse_str(
            "name = \"t\"\n[broker]\nurl = \"mqtt://pi.local\"\ntls_url = \"mqtts://pi.local\"\n[matrix]\ntransport = [\"tcp\", \"tls\"]\n",
        )
        .unwrap();
        assert_eq!(s.cases.len(), 2);
        let e = parse_str("name = \"t\"\n[broker]\ntls_url = \"mqtt://x\"\n")
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with("t.toml:3:11: broker.tls_url: expected an mqtts://"),
            "{e}"
        );
        let e = parse_str("name = \"t\"\n[broker]\nurl = \"http://x\"\n")
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("t.toml:3:7: broker.url: expected"), "{e}");
        // The default axis follows the URL.
        let s = parse_str("name = \"t\"\n[broker]\nurl = \"mqtts://pi.local\"\n").unwrap();
        assert_eq!(s.cases[0].id(), "none/q1/64B/tls");
        let s = parse_str("name = \"t\"\n[matrix]\ntransport = [\"tls\"]\n").unwrap();
        assert_eq!(s.cases[0].id(), "none/q1/64B/tls");
    }

    #[test]
    fn link_section_parses_and_checks() {
        let s = parse_str(
            "name = \"t\"\n[link]\nrtt = \"100ms\"\nbandwidth = \"250kbit\"\njitter = \"10ms\"\n",
        )
        .unwrap();
        assert_eq!(s.link.bandwidth_bps, Some(250_000));
        assert_eq!(s.link.rtt, Duration::from_millis(100));
        assert!(s.proxy);
        let e = parse_str("name = \"t\"\n[link]\nbandwidth = \"fast\"\n")
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with("t.toml:3:13: link.bandwidth: expected a bandwidth"),
            "{e}"
        );
        let e = parse_str("name = \"t\"\n[link]\nrtt = \"10ms\"\njitter = \"20ms\"\n")
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with("t.toml:4:10: link.jitter: jitter (20ms)"),
            "{e}"
        );
    }

    #[test]
    fn overrides_apply_and_are_recorded() {
        let s = parse(
            Path::new("t.toml"),
            "name = \"t\"\n[load]\nrate = 10\n",
            &["load.rate=50".into(), "matrix.qos=[0,2]".into()],
            Some("mqtt://127.0.0.1:1883"),
        )
        .unwrap();
        assert_eq!(s.load.rate, Rate::PerSecond(50.0));
        assert_eq!(s.cases.len(), 2);
        assert_eq!(s.broker.url.get_ref(), "mqtt://127.0.0.1:1883");
        assert_eq!(s.overrides.len(), 3);
        let e = parse(
            Path::new("t.toml"),
            "name = \"t\"\n",
            &["load.rate=abc".into()],
            None,
        )
        .unwrap_err();
        assert!(e.to_string().starts_with("--set load.rate=abc: "), "{e}");
    }
}

/// `--shard i/n`: this process runs slice `i` (1-based) of `n` of the clients.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    pub index: u32,
    pub count: u32,
}

impl std::str::FromStr for Shard {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || format!("expected i/n with 1 <= i <= n, e.g. 1/2, got \"{s}\"");
        let (i, n) = s.split_once('/').ok_or_else(bad)?;
        let (index, count): (u32, u32) = (
            i.trim().parse().map_err(|_| bad())?,
            n.trim().parse().map_err(|_| bad())?,
        );
        if index == 0 || count == 0 || index > count {
            return Err(bad());
        }
        Ok(Shard { index, count })
    }
}

impl Shard {
    /// How many of `total` clients fall in this slice (contiguous, as even as possible).
    pub fn slice(self, total: u32) -> u32 {
        let (i, n, t) = (
            u64::from(self.index),
            u64::from(self.count),
            u64::from(total),
        );
        ((i * t / n) - ((i - 1) * t / n)) as u32
    }

    /// Narrows `s` to this slice: its share of the publishers, and of the subscribers (at
    /// least one, since every slice's messages need a receiver). Each shard publishes on its
    /// own topics, so shards on different machines never see each other's messages and
    /// `merge` can add them up.
    pub fn apply(self, s: &mut Scenario) -> Result<(), ScenarioError> {
        let flag = format!("--shard {}/{}", self.index, self.count);
        let publishers = self.slice(s.load.publishers);
        if publishers == 0 {
            return Err(ScenarioError::flag(
                &flag,
                "load.publishers",
                format!(
                    "{} publishers cannot be split into {} shards",
                    s.load.publishers, self.count
                ),
            ));
        }
        s.load.publishers = publishers;
        s.load.subscribers = self.slice(s.load.subscribers).max(1);
        s.overrides.push(flag);
        Ok(())
    }
}

#[cfg(test)]
mod shard_tests {
    use super::*;

    #[test]
    fn slices_cover_every_client_once() {
        for total in [1u32, 2, 7, 1000] {
            for n in 1..=4u32 {
                let sum: u32 = (1..=n)
                    .map(|i| Shard { index: i, count: n }.slice(total))
                    .sum();
                assert_eq!(sum, total);
            }
        }
        assert!("0/2".parse::<Shard>().is_err());
        assert!("3/2".parse::<Shard>().is_err());
        assert_eq!("2/3".parse::<Shard>(), Ok(Shard { index: 2, count: 3 }));
    }
}
