//! Keeping the key seed out of what a run writes: results.json and the reports are meant to
//! be shared, and the seed derives every symmetric key of the run. They record a fingerprint
//! instead, which tells whether two runs used the same keys.

use sha2::{Digest, Sha256};

use super::ScenarioInfo;

/// What replaces the seed's value in the scenario text and the `--set` flags.
pub const REDACTED: &str = "<redacted>";

/// First 8 bytes of SHA-256 of `seed`, in lowercase hex.
pub fn fingerprint(seed: &[u8]) -> String {
    Sha256::digest(seed)
        .iter()
        .take(8)
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// `info` with the seed's value removed from the scenario text and the `--set` flags, and
/// `fingerprint` (of the seed the run used) recorded. Also applied when an older run is
/// re-rendered, so a report never echoes a seed it finds in results.json.
pub fn redact(info: &ScenarioInfo) -> ScenarioInfo {
    ScenarioInfo {
        text: redact_text(&info.text),
        overrides: info.overrides.iter().map(|o| redact_flag(o)).collect(),
        ..info.clone()
    }
}

/// `text` (a scenario file) with the value of `keys.seed` replaced by `"<redacted>"`. A text
/// that is not TOML cannot be checked and is withheld whole.
pub fn redact_text(text: &str) -> String {
    #[derive(serde::Deserialize)]
    struct Doc {
        keys: Option<Keys>,
    }
    #[derive(serde::Deserialize)]
    struct Keys {
        seed: Option<toml::Spanned<toml::Value>>,
    }
    match toml::from_str::<Doc>(text) {
        Ok(Doc {
            keys: Some(Keys { seed: Some(seed) }),
        }) => {
            let span = seed.span();
            match (text.get(..span.start), text.get(span.end..)) {
                (Some(before), Some(after)) => format!("{before}\"{REDACTED}\"{after}"),
                _ => withheld(),
            }
        }
        Ok(_) => text.to_owned(),
        Err(_) => withheld(),
    }
}

fn withheld() -> String {
    "# scenario text withheld: it could not be checked for a key seed\n".into()
}

/// `--set keys.seed=VALUE` becomes `--set keys.seed=<redacted>` (and `--set keys={…}`, which
/// may hold a seed, `--set keys=<redacted>`); other flags are unchanged.
pub fn redact_flag(flag: &str) -> String {
    let Some(set) = flag.strip_prefix("--set ") else {
        return flag.to_owned();
    };
    // Keys as `--set` reads them: dotted, each part trimmed.
    let key = set
        .split('=')
        .next()
        .unwrap_or("")
        .split('.')
        .map(str::trim)
        .collect::<Vec<_>>()
        .join(".");
    if key == "keys.seed" || key == "keys" {
        format!("--set {key}={REDACTED}")
    } else {
        flag.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprint_is_eight_bytes_of_sha256() {
        // SHA-256("abc") = ba7816bf8f01cfea 414140de5dae2223 …
        assert_eq!(fingerprint(b"abc"), "ba7816bf8f01cfea");
    }

    #[test]
    fn seed_values_are_replaced_wherever_written() {
        for text in [
            "name = \"t\"\n[keys]\nseed = \"hunter2-seed\"\n",
            "name = \"t\"\nkeys.seed = 'hunter2-seed'\n",
            "name = \"t\"\nkeys = { seed = \"\"\"hunter2-seed\"\"\" }\n",
        ] {
            let r = redact_text(text);
            assert!(!r.contains("hunter2"), "{r}");
            assert!(r.contains(REDACTED), "{r}");
            // Still TOML, still the same scenario otherwise.
            let v: toml::Table = toml::from_str(&r).unwrap();
            assert_eq!(v["name"].as_str(), Some("t"));
        }
        let plain = "name = \"t\"\n[keys]\nseed_env = \"MY_SEED\"\n";
        assert_eq!(redact_text(plain), plain);
        assert!(!redact_text("not = [toml").contains("toml"));
    }

    #[test]
    fn seed_flags_are_redacted_and_others_kept() {
        assert_eq!(
            redact_flag("--set keys.seed=abc"),
            "--set keys.seed=<redacted>"
        );
        assert_eq!(
            redact_flag("--set keys . seed = \"abc\""),
            "--set keys.seed=<redacted>"
        );
        assert_eq!(
            redact_flag("--set keys={seed=\"abc\"}"),
            "--set keys=<redacted>"
        );
        assert_eq!(redact_flag("--set load.rate=5"), "--set load.rate=5");
        assert_eq!(redact_flag("--broker mqtt://h"), "--broker mqtt://h");
    }
}
