//! End-to-end latency percentile curves (HdrHistogram's percentile plot), one chart per QoS.
//!
//! x is the percentile on the "nines" scale (0 %, 90 %, 99 %, 99.9 %, ...), so the tail gets as
//! much room as the median; y is the `latency` phase (scheduled → decrypted, corrected for
//! coordinated omission) in milliseconds. One line per case of that QoS. With few cases, each
//! also gets a thin dashed line of `latency_uncorrected` (from the start of encoding), which
//! shows how much of the tail is queueing behind late sends; with many it would be a tangle.

use plotters::coord::CoordTranslate;
use plotters::prelude::*;

use super::data::{self, Varying};
use super::frame::{self, Frame, LegendEntry, Swatch};
use super::{Chart, ReportError, axis, style};
use crate::results::{CaseResult, RunResults, phase};

pub const NAME: &str = "latency_percentiles";

/// Up to this many cases, their uncorrected curves are drawn too.
const UNCORRECTED_UP_TO: usize = 6;

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

struct Curve<'a> {
    case: &'a CaseResult,
    label: String,
    /// (nines, ms), percentile ascending.
    points: Vec<(f64, f64)>,
    /// The same for `latency_uncorrected`, when drawn.
    uncorrected: Option<Vec<(f64, f64)>>,
}

/// A phase's percentile curve as (nines, ms); `None` when it was not measured.
fn points(case: &CaseResult, phase_name: &str) -> Option<Vec<(f64, f64)>> {
    let points: Vec<(f64, f64)> = data::phase(case, phase_name)?
        .percentiles
        .iter()
        .filter_map(|pt| Some((axis::nines(pt.percentile)?, data::ns_to_ms(pt.value as f64))))
        .filter(|(x, _)| *x <= MAX_NINES)
        .collect();
    (!points.is_empty()).then_some(points)
}

fn draw_line<DB: DrawingBackend, CT: CoordTranslate<From = (f64, f64)>>(
    chart: &mut ChartContext<'_, DB, CT>,
    points: &[(f64, f64)],
    dashed: bool,
    line: ShapeStyle,
) -> Result<(), ReportError> {
    let pts = points.iter().copied();
    if dashed {
        chart.draw_series(DashedLineSeries::new(pts, 8, 6, line))?;
    } else {
        chart.draw_series(LineSeries::new(pts, line))?;
    }
    Ok(())
}

fn render_qos(
    results: &RunResults,
    qos: u8,
    cases: &[&CaseResult],
    varying: Varying,
) -> Result<Option<String>, ReportError> {
    let several_sizes = data::sizes(cases.iter().copied()).len() > 1;
    let mut curves: Vec<Curve> = cases
        .iter()
        .filter_map(|&case| {
            let mut label = varying.label(&case.params);
            if several_sizes {
                label = format!("{label} · {}", data::fmt_bytes(case.params.size));
            }
            Some(Curve {
                case,
                label,
                points: points(case, phase::LATENCY)?,
                uncorrected: None,
            })
        })
        .collect();
    if curves.is_empty() {
        return Ok(None);
    }
    if curves.len() <= UNCORRECTED_UP_TO {
        for c in &mut curves {
            c.uncorrected = points(c.case, phase::LATENCY_UNCORRECTED);
        }
    }

    let points = curves
        .iter()
        .flat_map(|c| c.points.iter().chain(c.uncorrected.iter().flatten()));
    let x_max = points
        .clone()
        .map(|p| p.0)
        .fold(1.0, f64::max)
        .min(MAX_NINES);
    let y_top = axis::linear_top(points.map(|p| p.1).fold(0.0, f64::max));

    let mut legend: Vec<LegendEntry> = curves
        .iter()
        .enumerate()
        .map(|(i, c)| LegendEntry {
            label: c.label.clone(),
            style: style::series(i),
            swatch: Swatch::Line,
        })
        .collect();
    if curves.iter().any(|c| c.uncorrected.is_some()) {
        legend.push(LegendEntry {
            label: "thin dashed: same case, uncorrected (from start of encode)".into(),
            style: style::SeriesStyle {
                color: style::MUTED,
                marker: style::Marker::Circle,
                dashed: true,
            },
            swatch: Swatch::LineOnly,
        });
    }
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
            if let Some(uncorrected) = &c.uncorrected {
                draw_line(&mut chart, uncorrected, true, s.color.stroke_width(1))?;
            }
            draw_line(&mut chart, &c.points, s.dashed, s.line())?;
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
