//! End-to-end latency percentile curves (HdrHistogram's percentile plot), one chart per QoS.
//!
//! x is the percentile on the "nines" scale (0 %, 90 %, 99 %, 99.9 %, ...), so the tail gets as
//! much room as the median; y is the `latency` phase (scheduled → decrypted, corrected for
//! coordinated omission) in milliseconds. One line per case of that QoS.

use plotters::prelude::*;

use super::data::{self, Varying};
use super::frame::{self, Frame, LegendEntry, Swatch};
use super::{Chart, ReportError, axis, style};
use crate::results::{CaseResult, RunResults, phase};

pub const NAME: &str = "latency_percentiles";

/// Most nines shown: beyond 99.9999 % no run here has enough samples to mean anything.
const MAX_NINES: f64 = 6.0;

pub fn title(qos: u8) -> String {
    format!("End-to-end latency percentiles, QoS {qos}")
}

/// One chart per QoS level that has latency data; empty when none has.
pub fn render(results: &RunResults) -> Result<Vec<Chart>, ReportError> {
    let varying = Varying::of(results);
    let mut charts = Vec::new();
    for qos in data::qos_levels(data::ok_cases(results)) {
        let cases: Vec<&CaseResult> = data::ok_cases(results)
            .filter(|c| c.params.qos == qos)
            .collect();
        if let Some(svg) = render_qos(results, qos, &cases, varying)? {
            let name = format!("{NAME}_q{qos}");
            charts.push(Chart::new(&name, &title(qos), svg));
        }
    }
    Ok(charts)
}

struct Curve {
    label: String,
    /// (nines, ms), percentile ascending.
    points: Vec<(f64, f64)>,
}

fn curve(case: &CaseResult, label: String) -> Option<Curve> {
    let stats = data::phase(case, phase::LATENCY)?;
    let points: Vec<(f64, f64)> = stats
        .percentiles
        .iter()
        .filter_map(|pt| Some((axis::nines(pt.percentile)?, data::ns_to_ms(pt.value as f64))))
        .filter(|(x, _)| *x <= MAX_NINES)
        .collect();
    (!points.is_empty()).then_some(Curve { label, points })
}

fn render_qos(
    results: &RunResults,
    qos: u8,
    cases: &[&CaseResult],
    varying: Varying,
) -> Result<Option<String>, ReportError> {
    let several_sizes = data::sizes(cases.iter().copied()).len() > 1;
    let curves: Vec<Curve> = cases
        .iter()
        .filter_map(|c| {
            let mut label = varying.label(&c.params);
            if several_sizes {
                label = format!("{label} · {}", data::fmt_bytes(c.params.size));
            }
            curve(c, label)
        })
        .collect();
    if curves.is_empty() {
        return Ok(None);
    }

    let points = curves.iter().flat_map(|c| c.points.iter());
    let x_max = points
        .clone()
        .map(|p| p.0)
        .fold(1.0, f64::max)
        .min(MAX_NINES);
    let y_top = axis::linear_top(points.map(|p| p.1).fold(0.0, f64::max));

    let legend = curves
        .iter()
        .enumerate()
        .map(|(i, c)| LegendEntry {
            label: c.label.clone(),
            style: style::series(i),
            swatch: Swatch::Line,
        })
        .collect();
    let frame = Frame::new(
        title(qos),
        style::PLOT_HEIGHT,
        legend,
        data::caption(results),
    );
    let svg = frame::render_svg(&frame, |area| {
        let mut chart = ChartBuilder::on(area)
            .margin(16)
            .margin_right(40)
            .x_label_area_size(64)
            .y_label_area_size(90)
            .build_cartesian_2d(0.0..x_max, 0.0..y_top)?;
        chart
            .configure_mesh()
            .x_labels(x_max.floor() as usize + 1)
            .x_label_formatter(&|x| axis::nines_label(*x))
            .y_label_formatter(&|y| axis::log_tick(*y))
            .x_desc("percentile (log scale of nines)")
            .y_desc("latency, corrected for coordinated omission (ms)")
            .label_style(style::text(style::TICK_PX))
            .axis_desc_style(style::text(style::AXIS_LABEL_PX))
            .bold_line_style(style::GRID)
            .light_line_style(TRANSPARENT)
            .draw()?;
        for (i, c) in curves.iter().enumerate() {
            let s = style::series(i);
            if s.dashed {
                chart.draw_series(DashedLineSeries::new(
                    c.points.iter().copied(),
                    8,
                    6,
                    s.line(),
                ))?;
            } else {
                chart.draw_series(LineSeries::new(c.points.iter().copied(), s.line()))?;
            }
            for p in marker_points(&c.points, x_max) {
                style::draw_marker(chart.plotting_area(), p, s)?;
            }
        }
        Ok(())
    })?;
    Ok(Some(svg))
}

/// Markers at whole nines only: a marker on each of hundreds of points would be a smear.
fn marker_points(points: &[(f64, f64)], x_max: f64) -> impl Iterator<Item = (f64, f64)> + '_ {
    (0..=x_max as usize).filter_map(move |k| {
        let k = k as f64;
        points
            .iter()
            .min_by(|a, b| (a.0 - k).abs().total_cmp(&(b.0 - k).abs()))
            .filter(|p| (p.0 - k).abs() < 0.25)
            .copied()
    })
}
