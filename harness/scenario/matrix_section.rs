//! The `[matrix]` section's checks: the suites (written out or as ciphers x modes), no empty
//! axis, the provider axis against every suite and signature, and every size against every
//! suite's limit.

use std::path::Path;

use super::schema::{self, MatrixSection};
use super::{At, ScenarioError, Spanned};
use crate::crypto::signature::SigAlg;
use crate::crypto::suite::{BlockCipher, Mode};
use crate::crypto::{Provider, Suite};

/// The provider axis, checked against every suite and signature of the matrix: a provider that
/// lacks one of them is an error at that provider's value, naming the providers that have it
/// (a case that cannot run is refused before the run, not failed in it). `[None]` without an
/// axis.
pub(super) fn validate_providers(
    axis: Option<&Spanned<Vec<Spanned<Provider>>>>,
    suites: &[Suite],
    signatures: &[SigAlg],
    at: &At<'_>,
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
            .find_map(|&s| s.provider(Some(provider)).err())
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

/// Refuses a suite the MAC and signature axes leave no combination for (s-mqtt needs mac
/// "none" and signature "none" on their axes; its combinations with the other values are
/// left out of the cross product), at the suite axis, saying why.
pub(super) fn check_combinations(
    m: &MatrixSection,
    suites: &[Suite],
    at: &At<'_>,
) -> Result<(), ScenarioError> {
    for &suite in suites {
        let mut refusal = None;
        let mut combines = false;
        for mac in &m.mac {
            for sig in &m.signature {
                match suite.incompatibility(mac.name(), sig.name()) {
                    None => combines = true,
                    Some(why) => {
                        refusal.get_or_insert(why);
                    }
                }
            }
        }
        if !combines && let Some(why) = refusal {
            let span = m.suite.as_ref().map_or(0..0, |s| s.span());
            return Err(at(
                span,
                "matrix.suite",
                format!(
                    "{why}; the `mac` and `signature` axes leave {suite} no case (add \"none\" \
                     to them, or move {suite} to a scenario of its own)"
                ),
            ));
        }
    }
    Ok(())
}

/// Refuses a size some suite of the matrix cannot seal (every suite meets every size), at the
/// size's place in the file, naming the suite and its limit: otherwise the case would fail
/// at its first message and send nothing.
pub(super) fn check_suite_limits(
    suites: &[Suite],
    sizes: &[Spanned<schema::Size>],
    at: &At<'_>,
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

pub(super) fn expand_shorthand(
    ciphers: &Spanned<Vec<String>>,
    modes: &Spanned<Vec<String>>,
    at: &At<'_>,
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

/// The suites of the matrix: `suite`, then `ciphers` x `modes`; `none` when neither is
/// written, an error when one is written but empty.
pub(super) fn suites(m: &MatrixSection, at: &At<'_>) -> Result<Vec<Suite>, ScenarioError> {
    let mut suites: Vec<Suite> = m
        .suite
        .as_ref()
        .map(|s| s.get_ref().clone())
        .unwrap_or_default();
    match (&m.ciphers, &m.modes) {
        (Some(c), Some(modes)) => suites.extend(expand_shorthand(c, modes, at)?),
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
    Ok(suites)
}

/// Every other axis, when written, has at least one value.
pub(super) fn no_empty_axis(m: &MatrixSection, path: &Path) -> Result<(), ScenarioError> {
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
        (
            "matrix.session",
            m.session.as_ref().is_some_and(|t| t.get_ref().is_empty()),
        ),
        (
            "matrix.threads",
            m.threads.as_ref().is_some_and(|t| t.get_ref().is_empty()),
        ),
    ] {
        if empty {
            return Err(ScenarioError::file(
                path,
                format!("{axis}: expected at least one value, got an empty list"),
            ));
        }
    }
    Ok(())
}
