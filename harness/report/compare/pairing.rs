//! Which cases of A and B are the same point: by case id (the default), or by the case
//! parameters named with `--match` (e.g. `qos,size,transport` pairs the des-cbc cases of one
//! run with the 3des-cbc cases of another). The repetitions of one case are one group.

use std::collections::BTreeMap;

use super::CompareError;
use crate::results::{CaseParams, CaseResult, CaseStatus, RunResults};

/// The fields of [`CaseParams`], the names `--match` accepts (a test checks the list against
/// the type's schema, so a new parameter cannot be forgotten here).
pub const FIELDS: [&str; 12] = [
    "qos",
    "size",
    "suite",
    "suite_id",
    "mac",
    "signature",
    "transport",
    "protocol",
    "session",
    "provider",
    "threads",
    "implementation",
];

fn field(p: &CaseParams, name: &str) -> String {
    match name {
        "qos" => p.qos.to_string(),
        "size" => p.size.to_string(),
        "suite" => p.suite.clone(),
        "suite_id" => p.suite_id.to_string(),
        "mac" => p.mac.clone(),
        "signature" => p.signature.clone(),
        "transport" => p.transport.clone(),
        "protocol" => p.protocol.clone(),
        "session" => p.session.clone(),
        "provider" => p.provider.clone().unwrap_or_else(|| "default".into()),
        "threads" => p.threads.clone().unwrap_or_else(|| "load".into()),
        // The code of every part: pairing on it pairs cases that ran the same code.
        "implementation" => p.implementation.as_ref().map_or_else(String::new, |i| {
            format!("{} | {} | {}", i.suite, i.mac, i.signature)
        }),
        // Names are checked against FIELDS when parsed.
        _ => String::new(),
    }
}

/// How cases are paired.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Pairing {
    ById,
    Fields(Vec<&'static str>),
}

impl Pairing {
    /// From `--match`'s list: empty means by id; an unknown name is refused with the list of
    /// valid ones.
    pub fn parse(names: &[String]) -> Result<Self, CompareError> {
        let mut fields = Vec::new();
        for name in names {
            let name = name.trim();
            let Some(&known) = FIELDS.iter().find(|f| **f == name) else {
                return Err(CompareError::UnknownField {
                    field: name.to_owned(),
                    valid: FIELDS.join(", "),
                });
            };
            if !fields.contains(&known) {
                fields.push(known);
            }
        }
        Ok(if fields.is_empty() {
            Pairing::ById
        } else {
            Pairing::Fields(fields)
        })
    }

    /// As the outputs say it: `case id` or `--match qos,size`.
    pub fn describe(&self) -> String {
        match self {
            Pairing::ById => "case id".into(),
            Pairing::Fields(f) => format!("--match {}", f.join(",")),
        }
    }

    fn key(&self, c: &CaseResult) -> String {
        match self {
            Pairing::ById => c.id.clone(),
            Pairing::Fields(fields) => fields
                .iter()
                .map(|f| format!("{f}={}", field(&c.params, f)))
                .collect::<Vec<_>>()
                .join(" "),
        }
    }
}

/// The repetitions of one case of one run.
#[derive(Debug, Clone)]
pub struct Group<'a> {
    pub key: String,
    /// The case id (one per group: two ids under one key are refused).
    pub id: String,
    /// Repetitions that finished, in the order run.
    pub ok: Vec<&'a CaseResult>,
    /// For ordering the table by what the case is, not by when it ran (runs may shuffle).
    params: &'a CaseParams,
}

/// Groups a run's cases by pairing key, ordered by suite, MAC, signature, protocol,
/// transport, QoS and size.
pub fn groups<'a>(
    run: &'a RunResults,
    side: &'static str,
    pairing: &Pairing,
) -> Result<Vec<Group<'a>>, CompareError> {
    let mut by_key: BTreeMap<String, Group<'a>> = BTreeMap::new();
    for c in &run.cases {
        let key = pairing.key(c);
        let g = by_key.entry(key.clone()).or_insert_with(|| Group {
            key: key.clone(),
            id: c.id.clone(),
            ok: Vec::new(),
            params: &c.params,
        });
        if g.id != c.id {
            let mut ids: Vec<String> = run
                .cases
                .iter()
                .filter(|o| pairing.key(o) == key)
                .map(|o| o.id.clone())
                .collect();
            ids.sort();
            ids.dedup();
            return Err(CompareError::Collision {
                pairing: pairing.describe(),
                side,
                key,
                ids,
                valid: FIELDS.join(", "),
            });
        }
        if c.status == CaseStatus::Ok {
            g.ok.push(c);
        }
    }
    let mut out: Vec<Group<'a>> = by_key.into_values().collect();
    out.sort_by(|x, y| order(x.params).cmp(&order(y.params)));
    Ok(out)
}

type Order<'a> = (&'a str, &'a str, &'a str, &'a str, &'a str, u8, usize);

fn order(p: &CaseParams) -> Order<'_> {
    (
        &p.suite,
        &p.mac,
        &p.signature,
        &p.protocol,
        &p.transport,
        p.qos,
        p.size,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_exactly_the_case_parameters() {
        let schema = schemars::schema_for!(CaseParams);
        let props = schema
            .get("properties")
            .and_then(|p| p.as_object())
            .expect("CaseParams has properties");
        let mut want: Vec<&str> = props.keys().map(String::as_str).collect();
        let mut have = FIELDS.to_vec();
        want.sort_unstable();
        have.sort_unstable();
        assert_eq!(
            have, want,
            "--match's FIELDS must list every CaseParams field"
        );
    }

    #[test]
    fn parse_refuses_unknown_names_and_lists_the_valid_ones() {
        assert_eq!(Pairing::parse(&[]).expect("empty"), Pairing::ById);
        let p = Pairing::parse(&["qos".into(), " size".into(), "qos".into()]).expect("ok");
        assert_eq!(p, Pairing::Fields(vec!["qos", "size"]));
        let e = Pairing::parse(&["qos".into(), "cipher".into()]).expect_err("unknown");
        let msg = e.to_string();
        assert!(
            msg.contains("\"cipher\"") && msg.contains(&FIELDS.join(", ")),
            "{msg}"
        );
    }
}
