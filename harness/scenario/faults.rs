//! `[link] faults` and `[link] keep_alive`: the faults the link proxy injects, one case per
//! fault (an axis beside the matrix), validated with the field named and what would work.
//!
//! ```toml
//! [link]
//! keep_alive = "2s"          # clients notice a stalled or half-open link this fast
//! faults = [
//!   { kind = "none" },                                  # baseline row
//!   { kind = "reset", every = "3s" },                   # or mean = "3s", seed = 7
//!   { kind = "stall", every = "4s", for = "1s" },
//!   { kind = "half-open", every = "5s", direction = "down" },
//!   { kind = "corrupt", rate = 1e-4, seed = 1 },        # per byte; direction optional
//! ]
//! ```

use std::ops::Range;
use std::time::Duration;

use toml::Spanned;

use super::error::ScenarioError;
use super::matrix::{Case, FaultRef, MAX_NAME};
use super::schema::{DirectionName, DurationValue, FaultEntry, KindName, Protocol};
use crate::broker::faults::{Direction, FaultKind, FaultSpec, Schedule};

type At<'a> = &'a dyn Fn(Range<usize>, &str, String) -> ScenarioError;

/// The validated faults axis and the clients' keep-alive.
#[derive(Debug, Clone, Default)]
pub struct LinkFaults {
    /// Empty: no axis, every case on a clean link.
    pub specs: Vec<FaultSpec>,
    /// MQTT keep-alive of every client (None: the harness's 30 s).
    pub keep_alive: Option<Duration>,
}

impl LinkFaults {
    /// The spec a case runs under.
    pub fn of(&self, case: &Case) -> Option<&FaultSpec> {
        case.fault
            .and_then(|f| self.specs.get(usize::from(f.index)))
    }
}

/// Repeats every case once per fault (fault innermost, so a case's rows sit together),
/// renumbering the cases; no axis leaves them as they are.
pub fn expand(cases: Vec<Case>, faults: &LinkFaults) -> Vec<Case> {
    if faults.specs.is_empty() {
        return cases;
    }
    let mut out = Vec::with_capacity(cases.len() * faults.specs.len());
    for case in cases {
        for (i, spec) in faults.specs.iter().enumerate() {
            out.push(Case {
                index: out.len(),
                fault: Some(FaultRef::new(i as u8, &spec.name)),
                ..case
            });
        }
    }
    out
}

/// Faults per scenario: each multiplies the cases.
const MAX_FAULTS: usize = 32;

/// Checks `[link] faults` and `keep_alive` against the proxy switch, the case's length and the
/// protocols of the matrix.
pub fn resolve(
    link: &super::schema::LinkSection,
    duration: Duration,
    protocols: &[Protocol],
    at: At,
) -> Result<LinkFaults, ScenarioError> {
    let keep_alive = match &link.keep_alive {
        None => None,
        Some(k) => Some(keep_alive(k, protocols, at)?),
    };
    let Some(list) = &link.faults else {
        return Ok(LinkFaults {
            specs: Vec::new(),
            keep_alive,
        });
    };
    if !*link.proxy.get_ref() {
        return Err(at(
            list.span(),
            "link.faults",
            "faults are injected by the link proxy, which this scenario turns off; set \
             `proxy = true` in [link] or remove `faults`"
                .into(),
        ));
    }
    let entries = list.get_ref();
    if entries.is_empty() || entries.len() > MAX_FAULTS {
        return Err(at(
            list.span(),
            "link.faults",
            format!(
                "expected 1 to {MAX_FAULTS} faults, got {} (leave `faults` out for a clean link; \
                 {{ kind = \"none\" }} is a baseline row)",
                entries.len()
            ),
        ));
    }
    let mut specs: Vec<FaultSpec> = Vec::with_capacity(entries.len());
    for e in entries {
        let spec = entry(e.get_ref(), e.span(), duration, at)?;
        if specs.iter().any(|s| s.name == spec.name) {
            let span = e.get_ref().name.as_ref().map_or(e.span(), |n| n.span());
            return Err(at(
                span,
                "link.faults.name",
                format!(
                    "two faults are named \"{}\"; give each a unique `name` (it goes into the case id)",
                    spec.name
                ),
            ));
        }
        specs.push(spec);
    }
    Ok(LinkFaults { specs, keep_alive })
}

fn keep_alive(
    k: &Spanned<DurationValue>,
    protocols: &[Protocol],
    at: At,
) -> Result<Duration, ScenarioError> {
    let d = k.get_ref().0;
    // rumqttc takes whole seconds (at least 1; its MQTT 5 client at least 5), and MQTT carries
    // the keep-alive as a 16-bit count of seconds.
    let min = if protocols.contains(&Protocol::V5) {
        5
    } else {
        1
    };
    if d.subsec_nanos() != 0 || d.as_secs() < min || d.as_secs() > u64::from(u16::MAX) {
        return Err(at(
            k.span(),
            "link.keep_alive",
            format!(
                "expected whole seconds from {min}s to 65535s{}, got {}",
                if min == 5 {
                    " (the MQTT 5 client's minimum is 5s)"
                } else {
                    ""
                },
                humantime::format_duration(d)
            ),
        ));
    }
    Ok(d)
}

fn entry(
    e: &FaultEntry,
    span: Range<usize>,
    duration: Duration,
    at: At,
) -> Result<FaultSpec, ScenarioError> {
    let kind = *e.kind.get_ref();
    let kind_name = match kind {
        KindName::None => "none",
        KindName::Reset => "reset",
        KindName::Stall => "stall",
        KindName::HalfOpen => "half-open",
        KindName::Corrupt => "corrupt",
    };
    // A field that does nothing for this kind is an error, not silently ignored.
    let allowed: &[&str] = match kind {
        KindName::None => &[],
        KindName::Reset => &["every", "mean", "seed"],
        KindName::Stall => &["every", "mean", "seed", "for"],
        KindName::HalfOpen => &["every", "mean", "seed", "direction"],
        KindName::Corrupt => &["rate", "seed", "direction"],
    };
    let present: [(&str, Option<Range<usize>>); 6] = [
        ("every", e.every.as_ref().map(|v| v.span())),
        ("mean", e.mean.as_ref().map(|v| v.span())),
        ("for", e.length.as_ref().map(|v| v.span())),
        ("direction", e.direction.as_ref().map(|v| v.span())),
        ("rate", e.rate.as_ref().map(|v| v.span())),
        ("seed", e.seed.as_ref().map(|v| v.span())),
    ];
    for (field, s) in &present {
        if let Some(s) = s
            && !allowed.contains(field)
        {
            return Err(at(
                s.clone(),
                &format!("link.faults.{field}"),
                format!(
                    "`{field}` does not apply to a {kind_name} fault (its fields: {})",
                    if allowed.is_empty() {
                        "none but `name`".to_owned()
                    } else {
                        allowed.join(", ")
                    }
                ),
            ));
        }
    }
    let name = match &e.name {
        None => kind_name.to_owned(),
        Some(n) => {
            let v = n.get_ref();
            if v.is_empty()
                || v.len() > MAX_NAME
                || !v
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
            {
                return Err(at(
                    n.span(),
                    "link.faults.name",
                    format!(
                        "expected 1 to {MAX_NAME} letters, digits, '-' or '_' (it goes into the case id), got \"{v}\""
                    ),
                ));
            }
            v.clone()
        }
    };
    let seed = e.seed.as_ref().map_or(1, |s| *s.get_ref());
    let direction = e.direction.as_ref().map(|d| match d.get_ref() {
        DirectionName::Up => Direction::Up,
        DirectionName::Down => Direction::Down,
    });
    let sched = || schedule(e, span.clone(), kind_name, duration, at);
    let kind = match kind {
        KindName::None => FaultKind::None,
        KindName::Reset => FaultKind::Reset { at: sched()? },
        KindName::Stall => {
            let at_ = sched()?;
            let Some(l) = &e.length else {
                return Err(at(
                    span,
                    "link.faults.for",
                    "a stall fault needs `for`, how long no byte crosses, e.g. for = \"1s\"".into(),
                ));
            };
            let length = l.get_ref().0;
            let gap = match at_ {
                Schedule::Every(d) => d,
                Schedule::Random { mean } => mean,
            };
            if length < Duration::from_millis(10) || length >= gap {
                return Err(at(
                    l.span(),
                    "link.faults.for",
                    format!(
                        "expected a stall from 10ms to less than the gap between stalls ({}), got {}",
                        humantime::format_duration(gap),
                        humantime::format_duration(length)
                    ),
                ));
            }
            FaultKind::Stall { at: at_, length }
        }
        KindName::HalfOpen => {
            let at_ = sched()?;
            let Some(direction) = direction else {
                return Err(at(
                    span,
                    "link.faults.direction",
                    "a half-open fault needs `direction`: \"down\" (broker → client stops) or \"up\" (client → broker stops)".into(),
                ));
            };
            FaultKind::HalfOpen { at: at_, direction }
        }
        KindName::Corrupt => {
            let Some(r) = &e.rate else {
                return Err(at(
                    span,
                    "link.faults.rate",
                    "a corrupt fault needs `rate`, the chance that a byte is flipped, e.g. rate = 1e-4".into(),
                ));
            };
            let rate = *r.get_ref();
            if !(rate > 0.0 && rate <= 0.01) {
                return Err(at(
                    r.span(),
                    "link.faults.rate",
                    format!(
                        "expected a per-byte rate above 0 and at most 0.01 (1e-4 flips one byte in \
                         10,000; a rate of 0 corrupts nothing: use kind = \"none\" for a baseline), got {rate}"
                    ),
                ));
            }
            FaultKind::Corrupt { rate, direction }
        }
    };
    Ok(FaultSpec { name, kind, seed })
}

/// `every` or `mean` (exactly one), from 100 ms to less than the case's duration.
fn schedule(
    e: &FaultEntry,
    span: Range<usize>,
    kind: &str,
    duration: Duration,
    at: At,
) -> Result<Schedule, ScenarioError> {
    let (field, v, s) = match (&e.every, &e.mean) {
        (Some(_), Some(m)) => {
            return Err(at(
                m.span(),
                "link.faults.mean",
                "give either `every` (a fixed gap) or `mean` (random gaps from `seed`), not both"
                    .into(),
            ));
        }
        (Some(v), None) => ("every", v, Schedule::Every(v.get_ref().0)),
        (None, Some(v)) => (
            "mean",
            v,
            Schedule::Random {
                mean: v.get_ref().0,
            },
        ),
        (None, None) => {
            return Err(at(
                span,
                "link.faults.every",
                format!(
                    "a {kind} fault needs `every` (e.g. every = \"3s\") or `mean` (random gaps, with `seed`)"
                ),
            ));
        }
    };
    let d = v.get_ref().0;
    if d < Duration::from_millis(100) || d >= duration {
        return Err(at(
            v.span(),
            &format!("link.faults.{field}"),
            format!(
                "expected from 100ms to less than load.duration ({}), so the fault fires during the \
                 case and clients can reconnect between faults, got {}",
                humantime::format_duration(duration),
                humantime::format_duration(d)
            ),
        ));
    }
    Ok(s)
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    fn parse(text: &str) -> Result<crate::scenario::Scenario, ScenarioError> {
        crate::scenario::parse(Path::new("t.toml"), text, &[], None)
    }

    #[test]
    fn faults_are_an_axis_with_their_names_in_the_case_ids() {
        let s = parse(
            "name = \"t\"\n[load]\nduration = \"5s\"\n[link]\nkeep_alive = \"2s\"\nfaults = [\n\
             { kind = \"none\" },\n{ kind = \"reset\", mean = \"1s\", seed = 9 },\n\
             { kind = \"stall\", every = \"2s\", for = \"500ms\" },\n\
             { kind = \"half-open\", name = \"cut-up\", every = \"2s\", direction = \"up\" },\n\
             { kind = \"corrupt\", rate = 1e-4 },\n]\n[matrix]\nsuite = [\"none\", \"aes-128-gcm\"]\n",
        )
        .unwrap();
        assert_eq!(s.faults.keep_alive, Some(Duration::from_secs(2)));
        assert_eq!(s.cases.len(), 10);
        let ids: Vec<String> = s.cases.iter().take(5).map(|c| c.id()).collect();
        assert_eq!(
            ids,
            [
                "none/q1/64B/tcp/fault-none",
                "none/q1/64B/tcp/fault-reset",
                "none/q1/64B/tcp/fault-stall",
                "none/q1/64B/tcp/fault-cut-up",
                "none/q1/64B/tcp/fault-corrupt",
            ]
        );
        assert!(s.cases.iter().enumerate().all(|(i, c)| c.index == i));
        let spec = |i: usize| s.faults.of(&s.cases[i]).unwrap();
        assert_eq!(spec(0).kind, FaultKind::None);
        assert_eq!(
            spec(1).kind,
            FaultKind::Reset {
                at: Schedule::Random {
                    mean: Duration::from_secs(1)
                }
            }
        );
        assert_eq!(spec(1).seed, 9);
        assert_eq!(
            spec(3).kind,
            FaultKind::HalfOpen {
                at: Schedule::Every(Duration::from_secs(2)),
                direction: Direction::Up
            }
        );
        assert_eq!(
            spec(4).kind,
            FaultKind::Corrupt {
                rate: 1e-4,
                direction: None
            }
        );
        // No axis: ids and cases as before.
        let s = parse("name = \"t\"\n").unwrap();
        assert_eq!(s.cases[0].id(), "none/q1/64B/tcp");
        assert!(s.faults.specs.is_empty());
    }

    #[test]
    fn mqtt5_needs_a_five_second_keep_alive() {
        let e = parse("name = \"t\"\n[broker]\nprotocol = \"v5\"\n[link]\nkeep_alive = \"2s\"\n")
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with("t.toml:5:14: link.keep_alive: expected whole seconds from 5s"),
            "{e}"
        );
    }
}
