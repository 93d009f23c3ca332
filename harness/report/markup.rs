//! The building blocks the HTML and Markdown documents share (report.html, report.md, the
//! Recommendation and compare pages): HTML's stylesheet, escaping and table, Markdown's table
//! and inline escaping. Below every renderer, so the sections can use them without using each
//! other.

use std::fmt::Write;

use super::table::{LOSS_HEADER, Table};

pub const CSS: &str = "\
body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;color:#222;\
margin:0 auto;max-width:1100px;padding:1em;line-height:1.45}\
h1{font-size:1.6em;margin:.3em 0}h2{font-size:1.25em;margin-top:1.6em;border-bottom:1px solid #ddd}\
.scroll{overflow-x:auto;-webkit-overflow-scrolling:touch;margin:.5em 0}\
table{border-collapse:collapse;font-size:.85em;white-space:nowrap}\
th,td{padding:.3em .6em;border-bottom:1px solid #e3e3e3;text-align:left}\
th{background:#f4f4f4;position:sticky;top:0}td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}\
tr.loss td{color:#c00000;font-weight:600}.alert{color:#c00000;font-weight:600}\
figure{margin:1.5em 0}svg{width:100%;height:auto;display:block}\
figcaption{font-size:.9em;color:#555}dl{display:grid;grid-template-columns:max-content 1fr;gap:.2em 1em}\
dt{font-weight:600}dd{margin:0;overflow-wrap:anywhere}pre{overflow-x:auto;background:#f6f6f6;padding:.8em}\
.note{font-size:.85em;color:#555}\
tbody td:first-child,thead th:first-child{position:sticky;left:0;background:#fff;z-index:1}\
thead th:first-child{background:#f4f4f4;z-index:2}\
@media (max-width:700px){body{padding:.6em}\
figure{overflow-x:auto;-webkit-overflow-scrolling:touch}figure svg{width:640px;max-width:none}\
dl{grid-template-columns:1fr;gap:0}dd{margin-bottom:.4em}}";

/// A table in a sideways-scrolling box; lossy rows get `class="loss"` (red), one row per line.
pub fn html_table(t: &Table) -> String {
    let class = |i: usize| {
        if t.numeric.get(i) == Some(&true) {
            " class=\"num\""
        } else {
            ""
        }
    };
    let mut out = String::from("<div class=\"scroll\">\n<table>\n<thead><tr>");
    for (i, head) in t.headers.iter().enumerate() {
        let _ = write!(out, "<th{}>{}</th>", class(i), esc(head));
    }
    out.push_str("</tr></thead>\n<tbody>\n");
    for row in &t.rows {
        out.push_str(if row.lossy {
            "<tr class=\"loss\">"
        } else {
            "<tr>"
        });
        for (i, cell) in row.cells.iter().enumerate() {
            let text = if row.lossy && t.headers.get(i) == Some(&LOSS_HEADER) {
                format!("LOSS {cell}")
            } else {
                cell.clone()
            };
            let _ = write!(out, "<td{}>{}</td>", class(i), esc(&text));
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</tbody>\n</table>\n</div>\n");
    out
}

/// Escapes text for HTML element content and double-quoted attributes.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for ch in s.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(ch),
        }
    }
    out
}

/// A pipe table; the loss cell of a lossy row gets a bold LOSS marker.
pub fn markdown_table(t: &Table) -> String {
    let mut out = String::new();
    let header: Vec<String> = t.headers.iter().map(|h| inline(h)).collect();
    let _ = writeln!(out, "| {} |", header.join(" | "));
    let rule: Vec<&str> = t
        .numeric
        .iter()
        .map(|&n| if n { "---:" } else { "---" })
        .collect();
    let _ = writeln!(out, "| {} |", rule.join(" | "));
    for row in &t.rows {
        let cells: Vec<String> = row
            .cells
            .iter()
            .enumerate()
            .map(|(i, c)| {
                if row.lossy && t.headers.get(i) == Some(&LOSS_HEADER) {
                    format!("**LOSS {}**", inline(c))
                } else {
                    inline(c)
                }
            })
            .collect();
        let _ = writeln!(out, "| {} |", cells.join(" | "));
    }
    out
}

/// Text from results.json made safe for a Markdown line or table cell: no line breaks, no
/// column separators, no accidental HTML.
pub fn inline(s: &str) -> String {
    s.replace(['\r', '\n'], " ")
        .replace('|', "\\|")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

#[cfg(test)]
mod tests {
    use super::esc;

    #[test]
    fn escapes_markup_and_quotes() {
        assert_eq!(
            esc("<a href=\"x\">&'"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"
        );
    }
}
