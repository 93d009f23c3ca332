//! The `[keys]` section's checks: the seed, and `[keys.center]`, the run's Security Center,
//! against the cases.

use std::path::Path;
use std::time::Duration;

use super::schema;
use super::{At, Case, CenterSettings, ScenarioError};
use crate::crypto::keys::DEFAULT_SEED;

/// `[keys] source` and `[keys.center]`: the run's Security Center, checked against the cases
/// (every suite must be some class's suite; the center issues encryption keys only, so no
/// MAC axis).
pub(super) fn center_settings(
    keys: &schema::KeysSection,
    cases: &[Case],
    at: &At<'_>,
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
        limits: d.limits,
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

pub(super) fn check_center_cases(
    s: CenterSettings,
    cases: &[Case],
    span: Option<std::ops::Range<usize>>,
    at: &At<'_>,
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

/// The key seed: `seed`, or the environment variable `seed_env` names, or the default.
pub(super) fn seed(keys: &schema::KeysSection, path: &Path) -> Result<Vec<u8>, ScenarioError> {
    Ok(match (&keys.seed, &keys.seed_env) {
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
    })
}
