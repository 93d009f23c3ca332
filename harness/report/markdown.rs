//! `report.md`: environment, summary table, security properties, failures, and every chart
//! linked as `![title](charts/name.svg)`.

use std::fmt::Write;

pub use super::markup::{inline, markdown_table};
use super::table;
use super::{Chart, data};
use crate::results::RunResults;

pub fn render(results: &RunResults, charts: &[Chart]) -> String {
    let mut md = String::new();
    let _ = writeln!(md, "# {}\n", inline(&results.scenario.name));
    if !results.scenario.description.is_empty() {
        let _ = writeln!(md, "{}\n", inline(&results.scenario.description));
    }
    // The answer first: which protections meet the requirements.
    md.push_str(&super::recommend::text::markdown(
        &super::recommend::of_run(results),
    ));
    if let Some(c) = charts.iter().find(|c| c.name == super::tradeoff::NAME) {
        let _ = writeln!(md, "![{}]({})\n", c.title, c.rel_path());
    }
    environment(&mut md, results);

    md.push_str("## Summary\n\n");
    md.push_str(LEGEND);
    let mut summary = table::summary(results);
    if summary.rows.is_empty() {
        md.push_str("No cases finished.\n\n");
    } else {
        let lossy = summary.rows.iter().filter(|r| r.lossy).count();
        if lossy > 0 {
            let _ = writeln!(
                md,
                "**LOSS: {lossy} case(s) lost messages at QoS ≥ 1**, which promises delivery (marked LOSS below).\n"
            );
        }
        let constant = summary.fold_constant();
        if !constant.is_empty() {
            let _ = writeln!(md, "All cases: {}.\n", inline(&constant.join(", ")));
        }
        md.push_str(&markdown_table(&summary));
    }

    if let Some(t) = super::intervals::table(results) {
        md.push_str("\n## Repetitions: medians with 95% intervals\n\n");
        let _ = writeln!(md, "{}\n", super::intervals::LEGEND);
        if let Some(s) = super::intervals::wide_sentence(results) {
            if super::intervals::wide_count(results).0 > 0 {
                let _ = writeln!(md, "**{s}**\n");
            } else {
                let _ = writeln!(md, "{s}\n");
            }
        }
        md.push_str(&markdown_table(&t));
    }
    if let (Some(reference), Some(t)) = (&results.speed_reference, super::rankings::table(results))
    {
        md.push_str("\n## Rankings: in-run vs speed\n\n");
        let _ = writeln!(md, "{}\n", inline(&super::rankings::legend(reference)));
        md.push_str(&markdown_table(&t));
    }

    let failed = table::failed(results);
    if !failed.is_empty() {
        md.push_str("\n## Failed cases\n\n");
        for (id, error) in failed {
            let _ = writeln!(md, "- **FAILED** `{}`: {}", code(id), inline(error));
        }
    }

    let degraded = table::degraded(results);
    if !degraded.is_empty() {
        md.push_str("\n## Degraded cases (not at the QoS they name)\n\n");
        for (id, why) in degraded {
            let _ = writeln!(md, "- **DEGRADED** `{}`: {}", code(id), inline(why));
        }
    }

    let loss = super::loss::lines(results);
    if !loss.is_empty() {
        md.push_str("\n## Loss at QoS ≥ 1: likely causes\n\n");
        for l in loss {
            let _ = writeln!(md, "- **LOSS** {}", inline(&l));
        }
    }

    let reported = super::reference_vs_size::lines(results);
    if !reported.is_empty() {
        md.push_str("\n## Beside the reported figures\n\n");
        for l in reported {
            let _ = writeln!(md, "- {}", inline(&l));
        }
    }

    let validation = super::smqtt_validation::lines(results);
    if !validation.is_empty() {
        let _ = writeln!(md, "\n## {}\n", super::smqtt_validation::TITLE);
        let _ = writeln!(md, "{}\n", inline(super::smqtt_validation::LEGEND));
        for l in validation {
            let _ = writeln!(md, "- {}", inline(&l));
        }
    }

    let outages = super::outages::lines(results);
    if !outages.is_empty() {
        md.push_str("\n## Broker outages\n\n");
        for o in outages {
            let _ = writeln!(md, "- **OUTAGE** {}", inline(&o));
        }
    }

    if let Some(t) = super::faults::table(results) {
        let _ = writeln!(md, "\n## {}\n", super::faults::TITLE);
        let _ = writeln!(md, "{}\n", inline(super::faults::LEGEND));
        md.push_str(&markdown_table(&t));
    }

    if !results.cases.is_empty() {
        md.push_str("\n## Security properties per suite\n\n");
        md.push_str(&markdown_table(&table::security(results)));
        if let Some(w) = table::ecb_warning(results) {
            let _ = writeln!(md, "\n**Warning: {}**", inline(&w));
        }
        if let Some(t) = super::security_properties::table(results) {
            let _ = writeln!(md, "\n## {}\n", super::security_properties::TITLE);
            let _ = writeln!(md, "{}\n", inline(super::security_properties::LEGEND));
            md.push_str(&markdown_table(&t));
        }
    }

    let implementations = table::implementations(results);
    if !implementations.rows.is_empty() {
        md.push_str("\n## Implementations\n\n");
        md.push_str(IMPLEMENTATIONS_LEGEND);
        md.push_str(&markdown_table(&implementations));
    }

    let center = super::center_table::table(results);
    if !center.rows.is_empty() {
        md.push_str("\n## Security Center\n\n");
        let _ = writeln!(md, "{}\n", super::center_table::LEGEND);
        md.push_str(&markdown_table(&center));
    }

    if charts.iter().any(|c| c.name != super::tradeoff::NAME) {
        md.push_str("\n## Charts\n\n");
        for chart in charts.iter().filter(|c| c.name != super::tradeoff::NAME) {
            let _ = writeln!(md, "![{}]({})\n", chart.title, chart.rel_path());
        }
    }
    md
}

/// What the implementations table says, shared with the HTML.
pub const IMPLEMENTATIONS_LEGEND: &str = "The code that ran each suite, MAC and signature of the \
cases (provider, crate and version); a case without a `provider` axis value ran each part on its \
default provider (the fastest measured, see README \"Providers\").\n\n";

/// How to read the summary's columns, shared with the HTML.
pub const LEGEND: &str = "enc/dec: time to encrypt/decrypt one message (µs; cpu: on the \
thread's CPU clock, the others on the wall clock); n: samples (lat has dec's); p99: n/a below \
1000 samples; lat: end-to-end \
latency from scheduled send to decrypted, corrected for coordinated omission (ms); overhead: \
security bytes added per message (IV, padding, tag, MAC, signature, envelope ids); \
auth/dec fail: messages whose tag/MAC/signature or decryption failed; x fastest: p50 \
encrypt + decrypt (CPU clock where recorded) relative to the fastest suite other than \
\"none\" at the same size, \"tie\" where the repetitions' intervals overlap (without \
repetitions: a bare ratio, no interval).\n\n";

fn environment(md: &mut String, r: &RunResults) {
    md.push_str("## Environment\n\n");
    for (k, v) in data::environment_rows(r) {
        let _ = writeln!(md, "- **{k}**: {}", inline(&v));
    }
    if r.environment.profile != "release" {
        md.push_str("- **WARNING**: not a release build: numbers are not comparable\n");
    }
    if let Some(n) = &r.noise {
        for w in crate::results::noise::warnings(n, r.environment.logical_cores) {
            let _ = writeln!(md, "- **WARNING, noisy machine**: {}", inline(&w));
        }
    }
    md.push('\n');
}

/// Text for inside a code span: backticks would end it early.
fn code(s: &str) -> String {
    s.replace('`', "'").replace(['\r', '\n'], " ")
}
