//! `[requirements]`: what the messages need and what the device can afford. Every key is
//! optional; what is not written takes a cautious default (payload encrypted and
//! tamper-proof), and the report prints which were defaulted.
//!
//! ```toml
//! [requirements]
//! confidentiality = true          # payload encrypted end to end (default true)
//! integrity = true                # changed or forged messages rejected (default true)
//! authenticity = "key-holder"     # or "publisher" (only a signature), "none" (default)
//! replay = true                   # re-sent copies detectable (default false)
//! max_overhead_bytes = 64         # security bytes per message
//! max_cpu_us = 50                 # publisher + subscriber CPU per message, µs
//! max_latency_p99 = "20ms"        # end-to-end latency p99
//! ```

use std::ops::Range;

use super::error::ScenarioError;
pub use super::schema::{Authenticity, RequirementsSection};
use crate::results::{Requirements, Writer};

/// An error at a span of the requirements' source, naming the field.
pub type At<'a> = &'a dyn Fn(Range<usize>, &str, String) -> ScenarioError;

/// Checks the values and fills in the defaults.
pub fn resolve(s: &RequirementsSection, at: At) -> Result<Requirements, ScenarioError> {
    let mut r = Requirements::default();
    merge(&mut r, s, at)?;
    Ok(r)
}

/// Writes the fields `s` sets into `r` (they are no longer defaulted).
pub fn merge(r: &mut Requirements, s: &RequirementsSection, at: At) -> Result<(), ScenarioError> {
    let mut written: Vec<&str> = Vec::new();
    if let Some(v) = s.confidentiality {
        r.confidentiality = v;
        written.push("confidentiality");
    }
    if let Some(v) = s.integrity {
        r.integrity = v;
        written.push("integrity");
    }
    if let Some(v) = s.authenticity {
        r.authenticity = match v {
            Authenticity::None => None,
            Authenticity::KeyHolder => Some(Writer::KeyHolder),
            Authenticity::Publisher => Some(Writer::Publisher),
        };
        written.push("authenticity");
    }
    if let Some(v) = s.replay {
        r.replay = v;
        written.push("replay");
    }
    if let Some(v) = &s.max_overhead_bytes {
        let n = *v.get_ref();
        if n < 0 {
            return Err(at(
                v.span(),
                "requirements.max_overhead_bytes",
                format!("expected a number of bytes >= 0, got {n}"),
            ));
        }
        r.max_overhead_bytes = Some(n as u64);
        written.push("max_overhead_bytes");
    }
    if let Some(v) = &s.max_cpu_us {
        let x = *v.get_ref();
        if !(x.is_finite() && x > 0.0) {
            return Err(at(
                v.span(),
                "requirements.max_cpu_us",
                format!("expected microseconds of CPU per message > 0, got {x}"),
            ));
        }
        r.max_cpu_us = Some(x);
        written.push("max_cpu_us");
    }
    if let Some(v) = &s.max_latency_p99 {
        let d = v.get_ref().0;
        if d.is_zero() {
            return Err(at(
                v.span(),
                "requirements.max_latency_p99",
                "expected a duration > 0, such as \"20ms\"".into(),
            ));
        }
        r.max_latency_p99_ns = Some(u64::try_from(d.as_nanos()).unwrap_or(u64::MAX));
        written.push("max_latency_p99");
    }
    r.defaulted.retain(|f| !written.contains(&f.as_str()));
    Ok(())
}

/// Applies `key=value` flags (`recommend --require max_overhead_bytes=64`) over `base`;
/// errors name the flag. Bare words are strings (`authenticity=publisher`).
pub fn apply_flags(base: &Requirements, flags: &[String]) -> Result<Requirements, ScenarioError> {
    let mut r = base.clone();
    for flag in flags {
        let shown = format!("--require {flag}");
        let Some((key, raw)) = flag.split_once('=') else {
            return Err(ScenarioError::flag(
                &shown,
                "",
                "expected key=value, e.g. max_overhead_bytes=64",
            ));
        };
        let (key, raw) = (key.trim().trim_start_matches("requirements."), raw.trim());
        let quoted = toml::Value::from(raw).to_string();
        let text = match toml::from_str::<toml::Table>(&format!("v = {raw}")) {
            Ok(_) => format!("{key} = {raw}\n"),
            Err(_) => format!("{key} = {quoted}\n"),
        };
        let field = format!("requirements.{key}");
        let section: RequirementsSection = toml::from_str(&text).map_err(|e| {
            ScenarioError::flag(&shown, &field, super::error::suggest_variant(e.message()))
        })?;
        let at =
            |_: Range<usize>, field: &str, msg: String| ScenarioError::flag(&shown, field, msg);
        merge(&mut r, &section, &at)?;
    }
    Ok(r)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Requirements, ScenarioError> {
        let path = std::path::Path::new("s.toml");
        let full = format!("name = \"x\"\n{text}");
        super::super::parse(path, &full, &[], None).map(|s| s.requirements)
    }

    #[test]
    fn defaults_are_cautious_and_listed() {
        let r = parse("").unwrap();
        assert!(r.confidentiality && r.integrity && !r.replay);
        assert_eq!(r.authenticity, None);
        assert_eq!(r.defaulted.len(), 7);
        let r = parse("[requirements]\nintegrity = false\nmax_latency_p99 = \"20ms\"\n").unwrap();
        assert!(!r.integrity);
        assert_eq!(r.max_latency_p99_ns, Some(20_000_000));
        assert!(
            !r.defaulted
                .iter()
                .any(|f| f == "integrity" || f == "max_latency_p99")
        );
        assert!(r.defaulted.iter().any(|f| f == "confidentiality"));
    }

    #[test]
    fn bad_values_point_at_the_line() {
        let e = parse("[requirements]\nmax_overhead_bytes = -4\n").unwrap_err();
        let shown = e.to_string();
        assert!(
            shown.starts_with(
                "s.toml:3:22: requirements.max_overhead_bytes: expected a number of bytes >= 0"
            ),
            "{shown}"
        );
        let e = parse("[requirements]\nauthenticity = \"publsher\"\n").unwrap_err();
        let shown = e.to_string();
        assert!(shown.starts_with("s.toml:3:16: "), "{shown}");
        assert!(shown.contains("did you mean \"publisher\""), "{shown}");
        let e = parse("[requirements]\nconfidentialty = true\n").unwrap_err();
        let shown = e.to_string();
        assert!(shown.starts_with("s.toml:3:1: "), "{shown}");
        assert!(
            shown.contains("did you mean \"confidentiality\""),
            "{shown}"
        );
        for bad in [
            "max_cpu_us = 0",
            "max_cpu_us = -1.5",
            "max_latency_p99 = \"0s\"",
        ] {
            assert!(parse(&format!("[requirements]\n{bad}\n")).is_err(), "{bad}");
        }
    }

    #[test]
    fn flags_override_and_name_themselves() {
        let base = Requirements::default();
        let r = apply_flags(
            &base,
            &["authenticity=publisher".into(), "max_cpu_us=12.5".into()],
        )
        .unwrap();
        assert_eq!(r.authenticity, Some(Writer::Publisher));
        assert_eq!(r.max_cpu_us, Some(12.5));
        let e = apply_flags(&base, &["max_overhead_bytes=-1".into()]).unwrap_err();
        assert!(
            e.to_string()
                .starts_with("--require max_overhead_bytes=-1: requirements.max_overhead_bytes"),
            "{e}"
        );
        let e = apply_flags(&base, &["authenticity=keyholder".into()]).unwrap_err();
        assert!(e.to_string().contains("did you mean \"key-holder\""), "{e}");
        assert!(apply_flags(&base, &["speed=1".into()]).is_err());
        assert!(apply_flags(&base, &["replay".into()]).is_err());
    }
}
