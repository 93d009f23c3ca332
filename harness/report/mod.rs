//! The report: charts (one file per chart, plotters SVG), a summary table, and the documents
//! that hold them (`report.html`, `report.md`, `cases.csv`).
//!
//! Everything is rendered from [`RunResults`] alone, so any old `results.json` can be
//! re-rendered. A chart the run has no data for is left out, never drawn empty or guessed.
//!
//! Files of a rendered run folder:
//! - `charts/<name>.svg`: each chart, also inlined in the HTML (`tradeoff` in the
//!   Recommendation at the top, the others under Charts);
//! - `report.html`: self-contained (inline SVG and CSS, no network, no script);
//! - `report.md`: the same summary for a repository or a terminal pager;
//! - `cases.csv`: one row per case, columns documented in [`csv`].

pub mod center_breakdown;
pub mod center_table;
pub mod center_vs_clients;
pub mod center_vs_size;
pub mod compare;
pub mod crypto_throughput;
pub mod crypto_vs_size;
pub mod csv;
pub mod data;
pub mod faults;
pub mod frame;
pub mod html;
pub mod index;
pub mod intervals;
pub mod latency_percentiles;
pub mod loss;
pub mod markdown;
pub mod markup;
pub mod mode_heatmap;
pub mod narrow;
pub mod outages;
pub mod overhead;
pub mod rankings;
pub mod recommend;
pub mod reference_vs_size;
pub mod security_properties;
pub mod smqtt_validation;
pub mod style;
pub mod table;
pub mod terminal;
pub mod throughput;
pub mod tls_vs_payload;
pub mod tradeoff;
pub mod wire_bytes;

mod axis;
mod bars;
mod lines;

#[cfg(test)]
mod fixture;
#[cfg(test)]
mod tests;

use std::path::{Path, PathBuf};

use plotters::drawing::DrawingAreaErrorKind;

use crate::results::RunResults;

pub use terminal::terminal_table;

#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error("cannot write {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    /// plotters failed to draw; with the SVG backend writing to a string this means a bug here.
    #[error("cannot draw chart: {0}")]
    Draw(String),
}

impl<E: std::error::Error + Send + Sync> From<DrawingAreaErrorKind<E>> for ReportError {
    fn from(e: DrawingAreaErrorKind<E>) -> Self {
        ReportError::Draw(e.to_string())
    }
}

/// One rendered chart.
#[derive(Debug, Clone)]
pub struct Chart {
    /// File stem under `charts/`, e.g. `crypto_vs_size`.
    pub name: String,
    /// Human title, also the alt text of the Markdown image.
    pub title: String,
    pub svg: String,
}

impl Chart {
    fn new(name: &str, title: &str, svg: String) -> Self {
        Self {
            name: name.into(),
            title: title.into(),
            svg,
        }
    }

    /// Path relative to the run folder, as the documents link it.
    pub fn rel_path(&self) -> String {
        format!("charts/{}.svg", self.name)
    }
}

/// Every chart this run has data for, in reading order.
pub fn charts(results: &RunResults) -> Result<Vec<Chart>, ReportError> {
    type Render = fn(&RunResults) -> Result<Option<String>, ReportError>;
    // Crypto cost first (the question most readers come with), then what it does to the
    // system: throughput, latency, bytes on the wire.
    let before_latency: [(&str, &str, Render); 5] = [
        (
            crypto_vs_size::NAME,
            crypto_vs_size::TITLE,
            crypto_vs_size::render,
        ),
        // Only with the scenario's `[[reference]]`: a paper's figures beside the run's.
        (
            reference_vs_size::NAME,
            reference_vs_size::TITLE,
            reference_vs_size::render,
        ),
        (
            mode_heatmap::NAME,
            mode_heatmap::TITLE,
            mode_heatmap::render,
        ),
        (
            crypto_throughput::NAME,
            crypto_throughput::TITLE,
            crypto_throughput::render,
        ),
        (throughput::NAME, throughput::TITLE, throughput::render),
    ];
    let mut out = Vec::new();
    // The Recommendation's chart leads: the report opens with the answer.
    let rec = recommend::of_run(results);
    if let Some(svg) = tradeoff::render(&rec, data::caption(results))? {
        out.push(Chart::new(tradeoff::NAME, tradeoff::TITLE, svg));
    }
    for (name, title, render) in before_latency {
        if let Some(svg) = render(results)? {
            out.push(Chart::new(name, title, svg));
        }
    }
    out.extend(latency_percentiles::render(results)?);
    out.extend(tls_vs_payload::render(results)?);
    if let Some(svg) = overhead::render(results)? {
        out.push(Chart::new(overhead::NAME, overhead::TITLE, svg));
    }
    if let Some(svg) = wire_bytes::render(results)? {
        out.push(Chart::new(wire_bytes::NAME, wire_bytes::TITLE, svg));
    }
    // The Security Center's charts, only when the run used one.
    let center: [(&str, &str, Render); 3] = [
        (
            center_vs_size::NAME,
            center_vs_size::TITLE,
            center_vs_size::render,
        ),
        (
            center_vs_clients::NAME,
            center_vs_clients::TITLE,
            center_vs_clients::render,
        ),
        (
            center_breakdown::NAME,
            center_breakdown::TITLE,
            center_breakdown::render,
        ),
    ];
    for (name, title, render) in center {
        if let Some(svg) = render(results)? {
            out.push(Chart::new(name, title, svg));
        }
    }
    Ok(out)
}

/// Paths of what [`render_run`] wrote.
#[derive(Debug, Clone)]
pub struct RenderedReport {
    pub html: PathBuf,
    pub markdown: PathBuf,
    pub csv: PathBuf,
    pub charts: Vec<PathBuf>,
}

/// Writes `dir/charts/*.svg`, `dir/report.html`, `dir/report.md` and `dir/cases.csv`.
pub fn render_run(dir: &Path, results: &RunResults) -> Result<RenderedReport, ReportError> {
    let charts = charts(results)?;
    let chart_dir = dir.join("charts");
    std::fs::create_dir_all(&chart_dir).map_err(|source| ReportError::Io {
        path: chart_dir.clone(),
        source,
    })?;
    let mut chart_paths = Vec::with_capacity(charts.len());
    for chart in &charts {
        chart_paths.push(write(&dir.join(chart.rel_path()), &chart.svg)?);
    }
    Ok(RenderedReport {
        html: write(&dir.join("report.html"), &html::render(results, &charts))?,
        markdown: write(&dir.join("report.md"), &markdown::render(results, &charts))?,
        csv: write(&dir.join("cases.csv"), &csv::render(results))?,
        charts: chart_paths,
    })
}

fn write(path: &Path, text: &str) -> Result<PathBuf, ReportError> {
    std::fs::write(path, text).map_err(|source| ReportError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    Ok(path.to_path_buf())
}
