//! Scenario errors that point at the place to fix: `file:line:col: field: what was expected`.

use std::fmt;
use std::ops::Range;
use std::path::PathBuf;

use crate::textpos::{Located, TextPos};

/// Where an error sits: in the file (with a position) or in a command-line override.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    File {
        path: PathBuf,
        line: usize,
        col: usize,
    },
    /// The file as a whole (unreadable, empty).
    Path(PathBuf),
    /// A `--set key=value` or `--broker` flag.
    Flag(String),
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct ScenarioError {
    pub origin: Origin,
    /// Dotted path of the offending field, e.g. `matrix.suite`; empty when unknown.
    pub field: String,
    pub message: String,
    /// The offending source line, for the caret display.
    pub snippet: Option<String>,
}

impl fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let unplaced = |f: &mut fmt::Formatter<'_>, origin: &dyn fmt::Display| {
            write!(f, "{origin}: ")?;
            if !self.field.is_empty() {
                write!(f, "{}: ", self.field)?;
            }
            f.write_str(&self.message)
        };
        match &self.origin {
            Origin::File { path, line, col } => {
                let pos = TextPos {
                    line: *line,
                    col: *col,
                    snippet: self.snippet.clone(),
                };
                let located = Located {
                    path,
                    pos: &pos,
                    field: &self.field,
                    message: &self.message,
                };
                write!(f, "{located}")
            }
            Origin::Path(path) => unplaced(f, &path.display()),
            Origin::Flag(flag) => unplaced(f, flag),
        }
    }
}

impl ScenarioError {
    /// An error at byte range `span` of `text`, read from `path`.
    pub fn at(
        path: &std::path::Path,
        text: &str,
        span: Range<usize>,
        field: Option<&str>,
        message: impl Into<String>,
    ) -> Self {
        let start = span.start.min(text.len());
        let TextPos { line, col, snippet } = TextPos::locate(text, start);
        let field = field.map_or_else(|| field_at(text, start), str::to_owned);
        Self {
            origin: Origin::File {
                path: path.to_path_buf(),
                line,
                col,
            },
            field,
            message: message.into(),
            snippet,
        }
    }

    pub fn file(path: &std::path::Path, message: impl Into<String>) -> Self {
        Self {
            origin: Origin::Path(path.to_path_buf()),
            field: String::new(),
            message: message.into(),
            snippet: None,
        }
    }

    pub fn flag(
        flag: impl Into<String>,
        field: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Self {
            origin: Origin::Flag(flag.into()),
            field: field.into(),
            message: message.into(),
            snippet: None,
        }
    }
}

/// `; did you mean "x"?` naming the entry of `all` closest to `name` (edit distance at most 3),
/// or an empty string when nothing is that close.
pub fn did_you_mean(name: &str, all: &[&str]) -> String {
    let lower = name.to_ascii_lowercase();
    all.iter()
        .map(|a| (strsim::levenshtein(a, &lower), *a))
        .filter(|(d, _)| *d <= 3)
        .min_by_key(|(d, _)| *d)
        .map(|(_, a)| format!("; did you mean \"{a}\"?"))
        .unwrap_or_default()
}

/// Adds a "did you mean" to serde's `unknown variant `x`, expected `a` or `b`` messages (MAC,
/// signature, payload, transport and protocol names) and its `unknown field` ones.
pub fn suggest_variant(message: &str) -> String {
    let Some(rest) = message
        .strip_prefix("unknown variant `")
        .or_else(|| message.strip_prefix("unknown field `"))
    else {
        return message.to_owned();
    };
    let Some((name, expected)) = rest.split_once('`') else {
        return message.to_owned();
    };
    let names: Vec<&str> = expected.split('`').skip(1).step_by(2).collect();
    let hint = did_you_mean(name, &names);
    if hint.is_empty() {
        return message.to_owned();
    }
    format!("{}{hint}", message.trim_end())
}

/// The dotted key whose value contains byte `offset`: the nearest `[table]` header above it
/// joined with the nearest `key =` at or above it in that table.
fn field_at(text: &str, offset: usize) -> String {
    let mut table = String::new();
    let mut key = String::new();
    let mut pos = 0;
    for line in text.split_inclusive('\n') {
        if pos > offset {
            break;
        }
        pos += line.len();
        let t = line.trim();
        if let Some(h) = t.strip_prefix('[').and_then(|h| h.split(']').next()) {
            table = h.trim_start_matches('[').trim().to_owned();
            key.clear();
        } else if let Some((k, _)) = t.split_once('=')
            && !t.starts_with('#')
            && k.trim()
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "_-.\"".contains(c))
        {
            key = k.trim().trim_matches('"').to_owned();
        }
    }
    match (table.is_empty(), key.is_empty()) {
        (_, true) => table,
        (true, false) => key,
        (false, false) => format!("{table}.{key}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_the_closest_variant() {
        let m = suggest_variant("unknown variant `hmac-sha25`, expected `none` or `hmac-sha256`");
        assert!(m.ends_with("; did you mean \"hmac-sha256\"?"), "{m}");
        let m = suggest_variant(
            "unknown variant `sensor-jsn`, expected one of `random`, `zeros`, `sensor-json`",
        );
        assert!(m.ends_with("did you mean \"sensor-json\"?"), "{m}");
        let m = suggest_variant("unknown variant `xyzzyq`, expected `none` or `hmac-sha256`");
        assert!(!m.contains("did you mean"), "{m}");
        assert_eq!(suggest_variant("expected a number"), "expected a number");
    }

    #[test]
    fn locates_line_col_and_field() {
        let text = "name = \"x\"\n[load]\npublishers = 2\nrate = \"fast\"\n";
        let off = text.find("\"fast\"").unwrap();
        let e = ScenarioError::at(
            "s.toml".as_ref(),
            text,
            off..off + 6,
            None,
            "expected a number",
        );
        assert_eq!(
            e.origin,
            Origin::File {
                path: "s.toml".into(),
                line: 4,
                col: 8
            }
        );
        assert_eq!(e.field, "load.rate");
        let shown = e.to_string();
        assert!(
            shown.starts_with("s.toml:4:8: load.rate: expected a number"),
            "{shown}"
        );
        assert!(shown.contains("rate = \"fast\""), "{shown}");
    }
}
