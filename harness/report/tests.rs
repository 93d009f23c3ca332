//! Renders the synthetic run of [`fixture`](super::fixture) and checks the output's structure:
//! every SVG parses as XML with a title, axis labels and data marks; the HTML is
//! self-contained; the Markdown links every chart.
//!
//! To look at the output: `REPORT_DEMO_DIR=/tmp/demo cargo test report::tests` writes the
//! rendered run folder there.

use std::path::PathBuf;

use super::fixture;
use super::*;
use crate::results::{CaseStatus, RunResults};

fn render_fixture() -> (tempfile::TempDir, RenderedReport, RunResults) {
    let results = fixture::run();
    let dir = tempfile::tempdir().expect("temp dir");
    let out = match std::env::var_os("REPORT_DEMO_DIR") {
        Some(demo) => PathBuf::from(demo),
        None => dir.path().to_path_buf(),
    };
    std::fs::create_dir_all(&out).expect("output dir");
    std::fs::write(out.join("terminal.txt"), terminal_table(&results)).expect("terminal.txt");
    let rendered = render_run(&out, &results).expect("render");
    (dir, rendered, results)
}

fn read(path: &std::path::Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Data marks plotters emits: lines as polylines, bars and cells as filled rects, markers.
fn data_marks(doc: &roxmltree::Document) -> usize {
    doc.descendants()
        .filter(|n| match n.tag_name().name() {
            "polyline" => n
                .attribute("points")
                .is_some_and(|p| p.split_whitespace().count() >= 2),
            "path" => n.attribute("d").is_some_and(|d| !d.trim().is_empty()),
            "rect" => n
                .attribute("fill")
                .is_some_and(|f| f != "none" && f != "#FFFFFF"),
            "circle" | "polygon" => true,
            _ => false,
        })
        .count()
}

/// The axis labels each chart must show (units included).
fn axis_labels(chart: &str) -> [&'static str; 2] {
    match chart {
        n if n.starts_with("latency_percentiles") => [
            "percentile (log scale of nines)",
            "latency, corrected for coordinated omission (ms)",
        ],
        crypto_vs_size::NAME => [
            "message size (bytes, log)",
            "median time per message (µs, log)",
        ],
        throughput::NAME => [
            "delivered messages per second, all subscribers (msg/s)",
            "suite, bars by QoS and size",
        ],
        crypto_throughput::NAME => [
            "plaintext encrypted per second (MB/s, size ÷ mean encrypt time)",
            "suite, bars by plaintext size",
        ],
        overhead::NAME => [
            "security overhead (bytes per message, harness fields excluded)",
            "suite, bars by plaintext size",
        ],
        mode_heatmap::NAME => [mode_heatmap::ROW_LABEL, mode_heatmap::COLUMN_LABEL],
        tls_vs_payload::LATENCY_NAME => [tls_vs_payload::LATENCY_X, tls_vs_payload::Y_LABEL],
        // The fixtures predate per-thread CPU: the chart falls back to the process figure.
        tls_vs_payload::CPU_NAME => [tls_vs_payload::CPU_X_PROCESS, tls_vs_payload::Y_LABEL],
        wire_bytes::NAME => [wire_bytes::X_LABEL, wire_bytes::Y_LABEL],
        // The fixtures' costs span less than 20x: a linear CPU axis.
        tradeoff::NAME => [tradeoff::X_LABEL, tradeoff::Y_WIRE],
        other => panic!("no axis labels known for chart {other}"),
    }
}

/// Renders every chart of `results`, checks that each name in `expected` is among them, and
/// that every chart parses as XML with its title, axis labels, caption and data marks.
pub(super) fn check_charts(results: &RunResults, expected: &[&str]) -> Vec<Chart> {
    let charts = charts(results).expect("charts");
    let names: Vec<_> = charts.iter().map(|c| c.name.as_str()).collect();
    for expected in expected {
        assert!(
            names.contains(expected),
            "{expected} missing from {names:?}"
        );
    }
    for chart in &charts {
        let doc = roxmltree::Document::parse(&chart.svg)
            .unwrap_or_else(|e| panic!("{}: not XML: {e}", chart.name));
        assert_eq!(doc.root_element().tag_name().name(), "svg");
        let texts: Vec<String> = doc
            .descendants()
            .filter(|n| n.has_tag_name("text"))
            .map(|n| n.text().unwrap_or("").trim().to_string())
            .collect();
        assert!(
            texts.contains(&chart.title),
            "{}: no title text in {texts:?}",
            chart.name
        );
        for label in axis_labels(&chart.name) {
            assert!(
                texts.iter().any(|t| t == label),
                "{}: axis label {label:?} missing in {texts:?}",
                chart.name
            );
        }
        assert!(
            texts
                .iter()
                .any(|t| t.contains("AMD Ryzen 7 5800X") && t.contains("2026-11-22")),
            "{}: caption with machine and date missing",
            chart.name
        );
        assert!(data_marks(&doc) >= 2, "{}: no data drawn", chart.name);
    }
    charts
}

#[test]
fn every_chart_is_well_formed_svg_with_title_axes_and_data() {
    let charts = check_charts(
        &fixture::run(),
        &[
            "latency_percentiles_q0",
            "latency_percentiles_q1",
            crypto_vs_size::NAME,
            throughput::NAME,
            crypto_throughput::NAME,
            mode_heatmap::NAME,
            overhead::NAME,
        ],
    );
    // One transport: the four-corners charts would compare nothing.
    assert!(!charts.iter().any(|c| c.name.starts_with("tls_vs_payload")));
}

#[test]
fn tls_and_tcp_runs_get_the_four_corners_charts() {
    let results = fixture::with_tls();
    let charts = check_charts(
        &results,
        &[
            tls_vs_payload::LATENCY_NAME,
            tls_vs_payload::CPU_NAME,
            wire_bytes::NAME,
        ],
    );
    let latency = charts
        .iter()
        .find(|c| c.name == tls_vs_payload::LATENCY_NAME)
        .expect("latency chart");
    for corner in [
        "none · tcp (no security)",
        "none · tls (TLS only)",
        "aes-128-gcm · tcp (payload only)",
        "aes-128-gcm · tls (both)",
    ] {
        assert!(latency.svg.contains(corner), "{corner} missing");
    }
    render_everything(&results, "with_tls");
}

#[test]
fn both_mqtt_versions_get_their_own_series_and_column() {
    let results = fixture::with_v5();
    let charts = check_charts(&results, &[wire_bytes::NAME]);
    let wire = charts
        .iter()
        .find(|c| c.name == wire_bytes::NAME)
        .expect("wire chart");
    // Series tell the versions apart; the transport (one value) is not in the label.
    for label in ["aes-128-gcm · v4", "aes-128-gcm · v5"] {
        assert!(wire.svg.contains(label), "{label} missing");
    }
    let mut t = table::summary(&results);
    let notes = t.fold_constant();
    assert!(t.headers.contains(&"MQTT"), "{:?}", t.headers);
    assert!(notes.contains(&"transport tcp".to_string()), "{notes:?}");
    let mut one = table::summary(&fixture::run());
    assert!(one.fold_constant().contains(&"MQTT v4".to_string()));
    render_everything(&results, "with_v5");
}

#[test]
fn thirty_six_suites_stay_readable() {
    let results = fixture::many_suites();
    assert_eq!(data::series_keys(data::ok_cases(&results)).len(), 36);
    let charts = check_charts(&results, &[mode_heatmap::NAME, throughput::NAME]);
    let heatmap = charts
        .iter()
        .find(|c| c.name == mode_heatmap::NAME)
        .expect("heat map");
    // Every cipher and every mode labelled.
    for label in ["DES", "AES-256", "ECB", "CTR"] {
        assert!(
            heatmap.svg.to_lowercase().contains(&label.to_lowercase()),
            "{label} missing"
        );
    }
    render_everything(&results, "many_suites");
}

#[test]
fn html_is_self_contained_and_escaped() {
    let (_dir, rendered, _) = render_fixture();
    let html = read(&rendered.html);
    let without_xmlns = html.replace("http://www.w3.org/2000/svg", "");
    assert!(
        !without_xmlns.contains("http://"),
        "network reference in HTML"
    );
    assert!(
        !without_xmlns.contains("https://"),
        "network reference in HTML"
    );
    assert!(html.contains("<svg"), "charts are not inline");
    assert!(html.contains("name=\"viewport\""));
    assert!(
        !html.contains("<script>alert(1)</script>"),
        "scenario text not escaped"
    );
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(html.contains("DES &amp; AES &lt;compared&gt;"));
    assert!(!html.contains("<script"), "no script needed");
    assert!(
        html.contains("<details"),
        "scenario text in a details element"
    );
}

#[test]
fn html_marks_lossy_cases_red_and_lists_failures() {
    let (_dir, rendered, _) = render_fixture();
    let html = read(&rendered.html);
    let lossy_row = html
        .lines()
        .find(|l| l.contains("<tr") && l.contains("des-cbc") && l.contains("12/2000"))
        .expect("lossy row");
    assert!(lossy_row.contains("class=\"loss\""), "{lossy_row}");
    assert!(html.contains(fixture::FAILED_ID));
    assert!(html.contains("not implemented yet"));
}

#[test]
fn markdown_links_every_chart_and_calls_out_loss() {
    let (_dir, rendered, results) = render_fixture();
    let md = read(&rendered.markdown);
    for chart in charts(&results).expect("charts") {
        let link = format!("![{}]({})", chart.title, chart.rel_path());
        assert!(md.contains(&link), "missing {link}");
    }
    for path in &rendered.charts {
        assert!(path.exists(), "{} not written", path.display());
    }
    assert!(md.contains("LOSS"), "loss at QoS 1 not called out");
    assert!(md.contains(fixture::FAILED_ID) && md.contains("not implemented yet"));
}

#[test]
fn csv_has_one_row_per_case_and_a_stable_header() {
    let (_dir, rendered, results) = render_fixture();
    let text = read(&rendered.csv);
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().expect("header").split(',').collect();
    assert_eq!(
        header,
        csv::COLUMNS.iter().map(String::as_str).collect::<Vec<_>>()
    );
    assert_eq!(lines.count(), results.cases.len());
}

#[test]
fn terminal_table_has_a_row_per_case_and_aligned_columns() {
    let results = fixture::run();
    let text = terminal_table(&results);
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines.len() > results.cases.len());
    assert!(text.contains("x fastest"));
    assert!(text.contains("LOSS"));
}

#[test]
fn a_run_without_data_renders_documents_but_no_charts() {
    let mut results = fixture::run();
    results.cases.retain(|c| c.status == CaseStatus::Failed);
    assert!(charts(&results).expect("charts").is_empty());
    let dir = tempfile::tempdir().expect("temp dir");
    let rendered = render_run(dir.path(), &results).expect("render");
    assert!(read(&rendered.markdown).contains(fixture::FAILED_ID));

    results.cases.clear();
    let rendered = render_run(dir.path(), &results).expect("render empty run");
    assert!(read(&rendered.html).contains("No cases"));
}

#[test]
fn missing_phases_do_not_panic() {
    let mut results = fixture::run();
    for c in &mut results.cases {
        c.phases.clear();
    }
    // Only charts that need no phase remain (throughput, overhead); nothing panics.
    let names: Vec<_> = charts(&results)
        .expect("charts")
        .into_iter()
        .map(|c| c.name)
        .collect();
    assert!(!names.iter().any(|n| n.starts_with("latency")), "{names:?}");
    assert!(terminal_table(&results).contains("n/a"));
    assert!(markdown::render(&results, &[]).contains("n/a"));
}

/// Every chart and document of `results`, each SVG parsed: must not panic or emit bad XML.
/// With REPORT_DEMO_DIR set, the output goes to a `name` folder under it.
fn render_everything(results: &RunResults, name: &str) {
    for chart in charts(results).expect("charts") {
        roxmltree::Document::parse(&chart.svg)
            .unwrap_or_else(|e| panic!("{name}/{}: not XML: {e}", chart.name));
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let out = match std::env::var_os("REPORT_DEMO_DIR") {
        Some(demo) => PathBuf::from(demo).join(name),
        None => dir.path().to_path_buf(),
    };
    std::fs::create_dir_all(&out).expect("output dir");
    render_run(&out, results).expect("render");
    terminal_table(results);
}

#[test]
fn degenerate_runs_render_without_panicking() {
    let full = fixture::run();

    let mut one_case = full.clone();
    one_case.cases.truncate(1);
    render_everything(&one_case, "one_case");

    let mut one_size_one_qos = full.clone();
    one_size_one_qos
        .cases
        .retain(|c| c.params.size == 256 && c.params.qos == 0);
    render_everything(&one_size_one_qos, "one_size_one_qos");

    let mut empty_messages = full.clone();
    for c in &mut empty_messages.cases {
        c.params.size = 0;
        c.sizes.plaintext = 0;
    }
    render_everything(&empty_messages, "empty_messages");

    let mut zeros = full.clone();
    for c in &mut zeros.cases {
        for p in c.phases.values_mut() {
            *p = crate::results::PhaseStats {
                count: p.count,
                ..Default::default()
            };
        }
        c.throughput = Default::default();
    }
    render_everything(&zeros, "zeros");

    let mut only_max = full;
    for c in &mut only_max.cases {
        for p in c.phases.values_mut() {
            p.percentiles.retain(|pt| pt.percentile >= 100.0);
        }
        // From a newer build, and with markup in it: must be escaped everywhere.
        c.params.suite = "<b>suite&from\"the'future</b>".into();
    }
    render_everything(&only_max, "only_max");
    let html = html::render(&only_max, &charts(&only_max).expect("charts"));
    assert!(!html.contains("<b>suite"), "suite name not escaped");
    assert!(html.contains("&lt;b&gt;suite&amp;from"));
}

#[test]
fn x_fastest_is_one_for_the_fastest_suite_at_each_size() {
    let t = table::summary(&fixture::run());
    let col = |name: &str| t.headers.iter().position(|h| *h == name).expect(name);
    let (size, rel, suite) = (col("size (B)"), col("x fastest"), col("suite"));
    for s in fixture::SIZES {
        let ratios: Vec<f64> = t
            .rows
            .iter()
            .filter(|r| r.cells[size] == s.to_string() && r.cells[suite] != "none")
            .filter_map(|r| r.cells[rel].parse().ok())
            .collect();
        assert!(!ratios.is_empty(), "{s} B");
        assert!(ratios.iter().all(|&x| x >= 1.0), "{s} B: {ratios:?}");
        assert!(ratios.contains(&1.0), "{s} B: {ratios:?}");
    }
}

/// Two providers of one suite are two series, named with their provider, never one averaged
/// line.
#[test]
fn a_provider_axis_keeps_each_provider_its_own_series() {
    let mut results = fixture::run();
    let before = data::series_keys(data::ok_cases(&results)).len();
    let gcm: Vec<_> = results
        .cases
        .iter()
        .filter(|c| c.params.suite == "aes-128-gcm")
        .cloned()
        .collect();
    assert!(!gcm.is_empty());
    for c in results.cases.iter_mut() {
        if c.params.suite == "aes-128-gcm" {
            c.params.provider = Some("rustcrypto".into());
        }
    }
    for mut c in gcm {
        c.id = format!("{}/aws-lc", c.id);
        c.params.provider = Some("aws-lc".into());
        results.cases.push(c);
    }
    let keys = data::series_keys(data::ok_cases(&results));
    assert_eq!(keys.len(), before + 1);
    let varying = data::Varying::of(&results);
    let labels: Vec<String> = data::ok_cases(&results)
        .map(|c| varying.label(&c.params))
        .collect();
    assert!(
        labels.iter().any(|l| l.starts_with("aes-128-gcm (aws-lc)")),
        "{labels:?}"
    );
    assert!(
        labels
            .iter()
            .any(|l| l.starts_with("aes-128-gcm (rustcrypto)")),
        "{labels:?}"
    );
    render_everything(&results, "providers");
}
