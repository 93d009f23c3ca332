//! End-to-end latency percentile curves (HdrHistogram's percentile plot), one chart per QoS.
//!
//! x is the percentile on the "nines" scale (0 %, 90 %, 99 %, 99.9 %, ...), so the tail gets as
//! much room as the median; y is the `latency` phase (scheduled → decrypted, corrected for
//! coordinated omission) in milliseconds. One line per case of that QoS. With few cases, each
//! also gets a thin dashed line of `latency_uncorrected` (from the start of encoding), which
//! shows how much of the tail is queueing behind late sends; with many it would be a tangle.
//!
//! A case measured several times (`load.repeat`) is one curve: at each point the median of its
//! repetitions' curves (each read off at the same percentile), with whiskers at the whole
//! nines showing their 95% interval (see [`super::intervals`]).

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
    /// The case's repetitions (one when it ran once).
    reps: Vec<&'a CaseResult>,
    label: String,
    /// (nines, ms), percentile ascending.
    points: Vec<(f64, f64)>,
    /// The same for `latency_uncorrected`, when drawn.
    uncorrected: Option<Vec<(f64, f64)>>,
    /// (nines, low ms, high ms) at whole nines: the interval across repetitions.
    whiskers: Vec<(f64, f64, f64)>,
}

/// `points` (x ascending) read at `x`, linearly between neighbours, held flat past the ends.
fn value_at(points: &[(f64, f64)], x: f64) -> Option<f64> {
    let first = points.first()?;
    let last = points.last()?;
    if x <= first.0 {
        return Some(first.1);
    }
    if x >= last.0 {
        return Some(last.1);
    }
    let i = points.partition_point(|p| p.0 <= x);
    let (a, b) = (points[i - 1], points[i]);
    Some(if b.0 > a.0 {
        a.1 + (b.1 - a.1) * (x - a.0) / (b.0 - a.0)
    } else {
        b.1
    })
}

/// The median curve of several repetitions' curves, on the x grid of the most detailed one;
/// `None` when no repetition has the phase.
fn median_curve(reps: &[&CaseResult], phase_name: &str) -> Option<Vec<(f64, f64)>> {
    let curves: Vec<Vec<(f64, f64)>> = reps.iter().filter_map(|c| points(c, phase_name)).collect();
    if curves.len() <= 1 {
        return curves.into_iter().next();
    }
    let grid = curves.iter().max_by_key(|c| c.len())?;
    Some(
        grid.iter()
            .filter_map(|&(x, _)| {
                let ys: Vec<f64> = curves.iter().filter_map(|c| value_at(c, x)).collect();
                Some((x, data::median_mid(ys)?))
            })
            .collect(),
    )
}

/// The 95% interval across repetitions at each whole nine up to `x_max`.
fn whiskers(reps: &[&CaseResult], x_max: f64) -> Vec<(f64, f64, f64)> {
    let curves: Vec<Vec<(f64, f64)>> = reps
        .iter()
        .filter_map(|c| points(c, phase::LATENCY))
        .collect();
    (0..=x_max as usize)
        .filter_map(|k| {
            let k = k as f64;
            // Only where every repetition measured that far into the tail.
            let ys: Option<Vec<f64>> = curves
                .iter()
                .map(|c| {
                    c.last()
                        .filter(|l| l.0 >= k - 0.25)
                        .and_then(|_| value_at(c, k))
                })
                .collect();
            let i = crate::results::interval::median_interval(&ys?)?;
            Some((k, i.low, i.high))
        })
        .collect()
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
    let mut curves: Vec<Curve> = data::by_id(cases.iter().copied())
        .into_iter()
        .filter_map(|(_, reps)| {
            let params = &reps.first()?.params;
            let mut label = varying.label(params);
            if several_sizes {
                label = format!("{label} · {}", data::fmt_bytes(params.size));
            }
            if reps.len() > 1 {
                label = format!("{label} (median of {})", reps.len());
            }
            Some(Curve {
                points: median_curve(&reps, phase::LATENCY)?,
                reps,
                label,
                uncorrected: None,
                whiskers: Vec::new(),
            })
        })
        .collect();
    if curves.is_empty() {
        return Ok(None);
    }
    if curves.len() <= UNCORRECTED_UP_TO {
        for c in &mut curves {
            c.uncorrected = median_curve(&c.reps, phase::LATENCY_UNCORRECTED);
        }
    }

    let all_points = |curves: &[Curve]| -> Vec<(f64, f64)> {
        curves
            .iter()
            .flat_map(|c| c.points.iter().chain(c.uncorrected.iter().flatten()))
            .copied()
            .collect()
    };
    let x_max = all_points(&curves)
        .iter()
        .map(|p| p.0)
        .fold(1.0, f64::max)
        .min(MAX_NINES);
    for c in &mut curves {
        if c.reps.len() > 1 {
            c.whiskers = whiskers(&c.reps, x_max);
        }
    }
    let whisker_top = curves
        .iter()
        .flat_map(|c| c.whiskers.iter().map(|w| w.2))
        .fold(0.0, f64::max);
    let y_top = axis::linear_top(
        all_points(&curves)
            .iter()
            .map(|p| p.1)
            .fold(whisker_top, f64::max),
    );

    let mut legend: Vec<LegendEntry> = curves
        .iter()
        .enumerate()
        .map(|(i, c)| LegendEntry {
            label: c.label.clone(),
            style: style::series(i),
            swatch: Swatch::Line,
        })
        .collect();
    if curves.iter().any(|c| !c.whiskers.is_empty()) {
        legend.push(LegendEntry {
            label: "whiskers: 95% interval across repetitions".into(),
            style: style::SeriesStyle {
                color: style::MUTED,
                marker: style::Marker::Circle,
                dashed: false,
            },
            swatch: Swatch::LineOnly,
        });
    }
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
            // Whiskers a little right of the marker, so curves meeting at a nine stay apart.
            let dx = x_max * 0.004 * (i % 5) as f64;
            for &(x, lo, hi) in &c.whiskers {
                let x = x + dx;
                let cap = x_max * 0.006;
                for seg in [
                    vec![(x, lo), (x, hi)],
                    vec![((x - cap).max(0.0), lo), (x + cap, lo)],
                    vec![((x - cap).max(0.0), hi), (x + cap, hi)],
                ] {
                    chart.draw_series(std::iter::once(PathElement::new(
                        seg,
                        s.color.stroke_width(1),
                    )))?;
                }
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
