//! The Recommendation as HTML: the first section of report.html, and the body of
//! recommend.html.

use std::fmt::Write;

use super::Recommendation;
use super::text::{self, LEGEND, TITLE};
use crate::report::markup::{CSS, esc, html_table};

/// The section, with the trade-off chart (`tradeoff_svg`) inlined after the tables.
pub fn section(rec: &Recommendation, tradeoff_svg: Option<&str>) -> String {
    let mut h = format!("<section id=\"recommendation\">\n<h2>{TITLE}</h2>\n");
    let _ = writeln!(
        h,
        "<p>{}</p>\n<ul class=\"requirements\">",
        esc(&text::source_note(rec))
    );
    for line in text::requirement_lines(rec) {
        let _ = writeln!(h, "<li>{}</li>", esc(&line));
    }
    h.push_str("</ul>\n");
    let _ = writeln!(h, "<p class=\"note\">{}</p>", esc(LEGEND));
    if rec.sections.is_empty() {
        h.push_str("<p>No finished cases: nothing to recommend.</p>\n");
    }
    for s in &rec.sections {
        let _ = writeln!(
            h,
            "<h3>{}: {} of {} qualify</h3>",
            esc(&rec.heading(&s.condition)),
            s.qualified.len(),
            s.entries().count()
        );
        for line in text::none_lines(s) {
            let _ = writeln!(h, "<p class=\"alert\">{}</p>", esc(&line));
        }
        if !s.qualified.is_empty() {
            h.push_str(&html_table(&text::qualified_table(rec, s)));
        }
        if let Some(t) = text::rejected_table(s) {
            h.push_str("<details>\n<summary>Rejected and not measured, with the measured reasons</summary>\n");
            h.push_str(&html_table(&t));
            h.push_str("</details>\n");
        }
    }
    if let Some(svg) = tradeoff_svg {
        let _ = writeln!(
            h,
            "<figure id=\"tradeoff\">\n{}\n<figcaption>{} (<code>charts/{}.svg</code>)</figcaption>\n</figure>",
            svg.trim(),
            esc(crate::report::tradeoff::TITLE),
            crate::report::tradeoff::NAME
        );
    }
    h.push_str("</section>\n");
    h
}

/// recommend.html: the section alone, in the report's page style.
pub fn page(rec: &Recommendation, tradeoff_svg: Option<&str>) -> String {
    let title = format!("{TITLE} — mqtt-cipher-bench");
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{}</title>\n<style>{}</style>\n</head>\n<body>\n<main>\n<h1>{}</h1>\n{}</main>\n</body>\n</html>\n",
        esc(&title),
        CSS,
        esc(&rec.runs.join("; ")),
        section(rec, tradeoff_svg)
    )
}
