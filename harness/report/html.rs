//! `report.html`: one self-contained file (inline SVG and CSS, no script, no network) that reads
//! on a phone: viewport meta, a max width, charts scaled to the screen, wide tables scrolling
//! sideways in their own box with the first column (the suite) kept in view. Below 700 px a
//! chart keeps a 640 px width and scrolls sideways instead: scaled to a 390 px phone its
//! 16 px labels would shrink to 6 px, too small to read. Every string from results.json is
//! escaped.

use std::fmt::Write;

pub use super::markup::{CSS, esc, html_table};
use super::table;
use super::{Chart, data, markdown};
use crate::results::RunResults;

pub fn render(results: &RunResults, charts: &[Chart]) -> String {
    let mut h = String::new();
    let title = format!("{} — mqtt-cipher-bench", results.scenario.name);
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{}</title>\n<style>{CSS}</style>\n</head>\n<body>\n<main>\n",
        esc(&title)
    );
    let _ = writeln!(h, "<h1>{}</h1>", esc(&results.scenario.name));
    if !results.scenario.description.is_empty() {
        let _ = writeln!(h, "<p>{}</p>", esc(&results.scenario.description));
    }
    // In-page links only: the tables can be long and the charts come after them.
    let reps_link = if super::intervals::table(results).is_some() {
        " · <a href=\"#repetitions\">Repetitions</a>"
    } else {
        ""
    };
    let center_link = if results.cases.iter().any(|c| c.center.is_some()) {
        " · <a href=\"#center\">Security Center</a>"
    } else {
        ""
    };
    let _ = writeln!(
        h,
        "<nav><a href=\"#recommendation\">Recommendation</a> · <a href=\"#summary\">Summary</a>{reps_link}{center_link} · <a href=\"#charts\">Charts</a> · \
         <a href=\"#environment\">Environment</a> · <a href=\"#details\">Run details</a></nav>",
    );
    // The answer first: which protections meet the requirements, then how it was measured.
    let tradeoff = charts.iter().find(|c| c.name == super::tradeoff::NAME);
    h.push_str(&super::recommend::html::section(
        &super::recommend::of_run(results),
        tradeoff.map(|c| c.svg.as_str()),
    ));
    environment(&mut h, results);
    summary(&mut h, results);
    repetitions(&mut h, results);
    rankings(&mut h, results);
    failed(&mut h, results);
    degraded(&mut h, results);
    loss(&mut h, results);
    h.push_str(&super::reference_vs_size::html(results));
    let validation = super::smqtt_validation::lines(results);
    if !validation.is_empty() {
        let _ = writeln!(h, "<h2>{}</h2>", esc(super::smqtt_validation::TITLE));
        let _ = writeln!(h, "<p>{}</p>\n<ul>", esc(super::smqtt_validation::LEGEND));
        for l in validation {
            let _ = writeln!(h, "<li>{}</li>", esc(&l));
        }
        h.push_str("</ul>\n");
    }
    let outages = super::outages::lines(results);
    if !outages.is_empty() {
        h.push_str("<h2>Broker outages</h2>\n<ul>\n");
        for o in outages {
            let _ = writeln!(h, "<li class=\"alert\">{}</li>", esc(&o));
        }
        h.push_str("</ul>\n");
    }
    if let Some(t) = super::faults::table(results) {
        let _ = writeln!(h, "<h2 id=\"faults\">{}</h2>", esc(super::faults::TITLE));
        let _ = writeln!(h, "<p>{}</p>", esc(super::faults::LEGEND));
        h.push_str(&html_table(&t));
    }
    if !results.cases.is_empty() {
        h.push_str("<h2>Security properties per suite</h2>\n");
        h.push_str(&html_table(&table::security(results)));
        if let Some(w) = table::ecb_warning(results) {
            let _ = writeln!(h, "<p class=\"alert\">{}</p>", esc(&w));
        }
        if let Some(t) = super::security_properties::table(results) {
            let _ = writeln!(h, "<h2>{}</h2>", esc(super::security_properties::TITLE));
            let _ = writeln!(h, "<p>{}</p>", esc(super::security_properties::LEGEND));
            h.push_str(&html_table(&t));
        }
    }
    let implementations = table::implementations(results);
    if !implementations.rows.is_empty() {
        h.push_str("<h2>Implementations</h2>\n");
        let _ = writeln!(
            h,
            "<p class=\"note\">{}</p>",
            esc(super::markdown::IMPLEMENTATIONS_LEGEND.trim())
        );
        h.push_str(&html_table(&implementations));
    }
    let center = super::center_table::table(results);
    if !center.rows.is_empty() {
        h.push_str("<h2 id=\"center\">Security Center</h2>\n");
        let _ = writeln!(
            h,
            "<p class=\"note\">{}</p>",
            esc(super::center_table::LEGEND)
        );
        h.push_str(&html_table(&center));
    }
    if charts.iter().any(|c| c.name != super::tradeoff::NAME) {
        h.push_str("<h2 id=\"charts\">Charts</h2>\n");
        for chart in charts.iter().filter(|c| c.name != super::tradeoff::NAME) {
            let _ = writeln!(
                h,
                "<figure id=\"{}\">\n{}\n<figcaption>{} (<code>{}</code>)</figcaption>\n</figure>",
                esc(&chart.name),
                chart.svg.trim(),
                esc(&chart.title),
                esc(&chart.rel_path())
            );
        }
    }
    details(&mut h, results);
    h.push_str("</main>\n</body>\n</html>\n");
    h
}

fn environment(h: &mut String, r: &RunResults) {
    h.push_str("<h2 id=\"environment\">Environment</h2>\n<dl>\n");
    for (k, v) in data::environment_rows(r) {
        let _ = writeln!(h, "<dt>{k}</dt><dd>{}</dd>", esc(&v));
    }
    h.push_str("</dl>\n");
    if r.environment.profile != "release" {
        h.push_str(
            "<p class=\"alert\">Not a release build: these numbers are not comparable.</p>\n",
        );
    }
    if let Some(n) = &r.noise {
        for w in crate::results::noise::warnings(n, r.environment.logical_cores) {
            let _ = writeln!(h, "<p class=\"alert\">Noisy machine: {}.</p>", esc(&w));
        }
    }
}

/// Medians with 95% intervals across repetitions, when the run repeated its cases.
fn repetitions(h: &mut String, r: &RunResults) {
    let Some(t) = super::intervals::table(r) else {
        return;
    };
    h.push_str("<h2 id=\"repetitions\">Repetitions: medians with 95% intervals</h2>\n");
    let _ = writeln!(h, "<p class=\"note\">{}</p>", esc(super::intervals::LEGEND));
    if let Some(s) = super::intervals::wide_sentence(r) {
        let class = if super::intervals::wide_count(r).0 > 0 {
            "alert"
        } else {
            "note"
        };
        let _ = writeln!(h, "<p class=\"{class}\">{}</p>", esc(&s));
    }
    h.push_str(&html_table(&t));
}

fn summary(h: &mut String, r: &RunResults) {
    h.push_str("<h2 id=\"summary\">Summary</h2>\n");
    let mut t = table::summary(r);
    if r.cases.is_empty() {
        h.push_str("<p>No cases in this run.</p>\n");
        return;
    }
    if t.rows.is_empty() {
        h.push_str("<p>No cases finished.</p>\n");
        return;
    }
    let lossy = t.rows.iter().filter(|row| row.lossy).count();
    if lossy > 0 {
        let _ = writeln!(
            h,
            "<p class=\"alert\">LOSS: {lossy} case(s) lost messages at QoS ≥ 1, which promises \
             delivery (rows in red).</p>"
        );
    }
    let _ = writeln!(h, "<p class=\"note\">{}</p>", esc(markdown::LEGEND.trim()));
    let constant = t.fold_constant();
    if !constant.is_empty() {
        let _ = writeln!(h, "<p>All cases: {}.</p>", esc(&constant.join(", ")));
    }
    h.push_str(&html_table(&t));
}

/// In-run order of suites beside `speed`'s (see [`super::rankings`]).
fn rankings(h: &mut String, r: &RunResults) {
    let (Some(reference), Some(t)) = (&r.speed_reference, super::rankings::table(r)) else {
        return;
    };
    h.push_str("<h2 id=\"rankings\">Rankings: in-run vs speed</h2>\n");
    let class = if reference.warning.is_some() {
        "alert"
    } else {
        "note"
    };
    let _ = writeln!(
        h,
        "<p class=\"{class}\">{}</p>",
        esc(&super::rankings::legend(reference))
    );
    h.push_str(&html_table(&t));
}

fn failed(h: &mut String, r: &RunResults) {
    let failed = table::failed(r);
    if failed.is_empty() {
        return;
    }
    h.push_str("<h2>Failed cases</h2>\n<ul>\n");
    for (id, error) in failed {
        let _ = writeln!(
            h,
            "<li class=\"alert\">FAILED <code>{}</code>: {}</li>",
            esc(id),
            esc(error)
        );
    }
    h.push_str("</ul>\n");
}

/// Cases the broker served below their QoS, in red: their numbers are not in the tables.
fn degraded(h: &mut String, r: &RunResults) {
    let degraded = table::degraded(r);
    if degraded.is_empty() {
        return;
    }
    h.push_str("<h2>Degraded cases (not at the QoS they name)</h2>\n<ul>\n");
    for (id, why) in degraded {
        let _ = writeln!(
            h,
            "<li class=\"alert\">DEGRADED <code>{}</code>: {}</li>",
            esc(id),
            esc(why)
        );
    }
    h.push_str("</ul>\n");
}

/// What the run can tell about why each lossy QoS >= 1 case lost messages.
fn loss(h: &mut String, r: &RunResults) {
    let lines = super::loss::lines(r);
    if lines.is_empty() {
        return;
    }
    h.push_str("<h2>Loss at QoS ≥ 1: likely causes</h2>\n<ul>\n");
    for l in lines {
        let _ = writeln!(h, "<li class=\"alert\">LOSS {}</li>", esc(&l));
    }
    h.push_str("</ul>\n");
}

/// The whole environment and the scenario, for whoever needs to repeat the run.
fn details(h: &mut String, r: &RunResults) {
    let env = &r.environment;
    // Again here: a run written before results.json left the seed out may still hold one.
    let scenario = crate::results::secrets::redact(&r.scenario);
    h.push_str(
        "<h2 id=\"details\">Run details</h2>\n<details>\n\
         <summary>Memory, crate versions, overrides and the scenario file</summary>\n<dl>\n",
    );
    let memory = env.memory_bytes.map_or("n/a".into(), |b| {
        format!("{:.1} GiB", b as f64 / (1u64 << 30) as f64)
    });
    let mut rows = vec![
        ("memory".to_string(), memory),
        (
            "governor".into(),
            env.governor.clone().unwrap_or_else(|| "n/a".into()),
        ),
        ("scenario file".into(), scenario.path.clone()),
        ("overrides".into(), scenario.overrides.join(" ")),
        (
            "key seed (SHA-256, first 8 bytes)".into(),
            scenario
                .key_seed_sha256
                .clone()
                .unwrap_or_else(|| "not recorded".into()),
        ),
    ];
    for (k, v) in &env.crate_versions {
        rows.push((format!("crate {k}"), v.clone()));
    }
    for (k, v) in rows {
        let _ = writeln!(h, "<dt>{}</dt><dd>{}</dd>", esc(&k), esc(&v));
    }
    let _ = writeln!(h, "</dl>\n<pre>{}</pre>\n</details>", esc(&scenario.text));
}
