//! `--set key=value`: overrides applied to the parsed TOML tree before it is validated.

use toml::{Table, Value};

use super::error::ScenarioError;

/// Applies `key=value` (dotted key, TOML value; bare words are strings) to `doc`.
pub fn apply(doc: &mut Table, set: &str) -> Result<(), ScenarioError> {
    let flag = format!("--set {set}");
    let (key, raw) = set
        .split_once('=')
        .ok_or_else(|| ScenarioError::flag(&flag, "", "expected key=value, e.g. load.rate=50"))?;
    let key = key.trim();
    let path: Vec<&str> = key.split('.').map(str::trim).collect();
    if path.iter().any(|p| p.is_empty()) {
        return Err(ScenarioError::flag(
            &flag,
            key,
            "expected a dotted key such as load.rate",
        ));
    }
    let value = parse_value(raw.trim());
    let (last, tables) = path
        .split_last()
        .unwrap_or_else(|| unreachable!("split yields one part"));
    let mut t = doc;
    for (i, part) in tables.iter().enumerate() {
        let entry = t
            .entry(part.to_string())
            .or_insert_with(|| Value::Table(Table::new()));
        t = entry.as_table_mut().ok_or_else(|| {
            ScenarioError::flag(&flag, path[..=i].join("."), "is a value, not a table")
        })?;
    }
    t.insert(last.to_string(), value);
    Ok(())
}

/// `50` → integer, `[16, 64]` → array, `"x"` → string, `aes-128-gcm` → string.
fn parse_value(raw: &str) -> Value {
    toml::from_str::<Table>(&format!("v = {raw}"))
        .ok()
        .and_then(|mut t| t.remove("v"))
        .unwrap_or_else(|| Value::String(raw.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sets_nested_values_with_toml_types() {
        let mut doc: Table = toml::from_str("name = \"x\"\n[load]\nrate = 10\n").unwrap();
        apply(&mut doc, "load.rate=50").unwrap();
        apply(&mut doc, "matrix.size=[16, 64]").unwrap();
        apply(&mut doc, "broker.url=mqtt://127.0.0.1:1883").unwrap();
        assert_eq!(doc["load"]["rate"].as_integer(), Some(50));
        assert_eq!(doc["matrix"]["size"].as_array().map(Vec::len), Some(2));
        assert_eq!(doc["broker"]["url"].as_str(), Some("mqtt://127.0.0.1:1883"));
        assert!(apply(&mut doc, "name.x=1").is_err());
        assert!(apply(&mut doc, "novalue").is_err());
    }
}
