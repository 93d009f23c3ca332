//! A place in a text file, as errors about user input name it: `file:line:col: field: what`,
//! the line and a caret under the column. Scenario files and the Security Center's file both
//! report this way, so the shape lives here, below both.

use std::fmt;
use std::path::Path;

/// Line and column (from 1, in characters) of a byte offset, and the line that holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TextPos {
    pub line: usize,
    pub col: usize,
    pub snippet: Option<String>,
}

impl TextPos {
    /// Where byte `offset` of `text` is (an offset past the end is the end).
    pub fn locate(text: &str, offset: usize) -> Self {
        let start = offset.min(text.len());
        // Back to a character boundary: a span from a parser always is one, a clamped one may not be.
        let start = (0..=start)
            .rev()
            .find(|&i| text.is_char_boundary(i))
            .unwrap_or(0);
        let before = &text[..start];
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let col = text[line_start..start].chars().count() + 1;
        let snippet = text[line_start..].lines().next().map(str::to_owned);
        Self { line, col, snippet }
    }

    /// The quoted line with a caret under the column (empty without a line).
    pub fn caret(&self) -> Caret<'_> {
        Caret(self)
    }
}

/// Renders as `\n  |\nN | line\n  |     ^`.
pub struct Caret<'a>(&'a TextPos);

impl fmt::Display for Caret<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let TextPos { line, col, snippet } = self.0;
        let Some(snippet) = snippet else {
            return Ok(());
        };
        let gutter = line.to_string().len();
        write!(
            f,
            "\n{:gutter$} |\n{line} | {snippet}\n{:gutter$} | {:>col$}",
            "", "", "^"
        )
    }
}

/// An error at a place in a file: `path:line:col: field: message` (no `field: ` when empty),
/// then the caret.
pub struct Located<'a> {
    pub path: &'a Path,
    pub pos: &'a TextPos,
    pub field: &'a str,
    pub message: &'a str,
}

impl fmt::Display for Located<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Located {
            path,
            pos,
            field,
            message,
        } = self;
        write!(f, "{}:{}:{}: ", path.display(), pos.line, pos.col)?;
        if !field.is_empty() {
            write!(f, "{field}: ")?;
        }
        write!(f, "{message}{}", pos.caret())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_become_lines_and_character_columns() {
        let text = "a = 1\nnamé = \"x\"\n";
        let p = TextPos::locate(text, text.find('"').unwrap());
        assert_eq!((p.line, p.col), (2, 8));
        assert_eq!(p.snippet.as_deref(), Some("namé = \"x\""));
        assert_eq!(
            p.caret().to_string(),
            "\n  |\n2 | namé = \"x\"\n  |        ^"
        );
        let end = TextPos::locate(text, 999);
        assert_eq!((end.line, end.col, end.snippet), (3, 1, None));
    }
}
