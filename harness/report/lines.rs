//! Line series over message size, shared by the charts whose x axis is the plaintext size:
//! one series per suite (and mac/signature/transport where those vary), QoS folded away.

use plotters::coord::CoordTranslate;
use plotters::prelude::{
    ChartBuilder, ChartContext, DashedLineSeries, DrawingBackend, LineSeries, TRANSPARENT,
};

use super::data::{self, Varying};
use super::frame::{self, Frame, LegendEntry, Swatch};
use super::style::{self, SeriesStyle};
use super::{ReportError, axis};
use crate::results::{CaseResult, RunResults};

pub struct Series {
    pub label: String,
    /// Chosen by the series' position among all series of the run, so a suite keeps its colour
    /// and marker in every chart and panel.
    pub style: SeriesStyle,
    /// (size in bytes, value), size ascending.
    pub points: Vec<(f64, f64)>,
}

/// One series per suite (+ varying parameters); at each size `value` gets every finished case
/// of that series and size (one per QoS) and returns the number to plot, or `None` to leave
/// the point out. Series without any point are dropped.
pub fn by_size(results: &RunResults, value: impl Fn(&[&CaseResult]) -> Option<f64>) -> Vec<Series> {
    let varying = Varying::of(results);
    let sizes = data::sizes(data::ok_cases(results));
    data::series_keys(data::ok_cases(results))
        .into_iter()
        .enumerate()
        .filter_map(|(i, key)| {
            let of_key: Vec<&CaseResult> = data::ok_cases(results)
                .filter(|c| data::series_key(&c.params) == key)
                .collect();
            let label = varying.label(&of_key.first()?.params);
            let points: Vec<(f64, f64)> = sizes
                .iter()
                .filter_map(|&size| {
                    let at: Vec<&CaseResult> = of_key
                        .iter()
                        .copied()
                        .filter(|c| c.params.size == size)
                        .collect();
                    Some((size as f64, value(&at).filter(|v| v.is_finite())?))
                })
                .collect();
            (!points.is_empty()).then_some(Series {
                label,
                style: style::series(i),
                points,
            })
        })
        .collect()
}

/// Legend entries for the series of one or more panels, each label once.
pub fn legend<'a>(series: impl IntoIterator<Item = &'a Series>) -> Vec<LegendEntry> {
    let mut entries: Vec<LegendEntry> = Vec::new();
    for s in series {
        if !entries.iter().any(|e| e.label == s.label) {
            entries.push(LegendEntry {
                label: s.label.clone(),
                style: s.style,
                swatch: Swatch::Line,
            });
        }
    }
    entries
}

/// (min, max) of x and of y over every point; `None` without points.
pub fn bounds<'a>(
    series: impl IntoIterator<Item = &'a Series>,
) -> Option<((f64, f64), (f64, f64))> {
    let mut pts = series.into_iter().flat_map(|s| s.points.iter());
    let first = *pts.next()?;
    Some(pts.fold(
        ((first.0, first.0), (first.1, first.1)),
        |((x0, x1), (y0, y1)), p| ((x0.min(p.0), x1.max(p.0)), (y0.min(p.1), y1.max(p.1))),
    ))
}

/// Draws each series in its style: line (dashed where the style says) and a marker per point.
pub fn draw<DB, CT>(
    chart: &mut ChartContext<'_, DB, CT>,
    series: &[Series],
) -> Result<(), ReportError>
where
    DB: DrawingBackend,
    CT: CoordTranslate<From = (f64, f64)>,
{
    for s in series {
        let st = s.style;
        let pts = s.points.iter().copied();
        if st.dashed {
            chart.draw_series(DashedLineSeries::new(pts, 8, 6, st.line()))?;
        } else {
            chart.draw_series(LineSeries::new(pts, st.line()))?;
        }
        for &p in &s.points {
            style::draw_marker(chart.plotting_area(), p, st)?;
        }
    }
    Ok(())
}

/// What a log-log line chart says around its data.
pub struct LogLog<'a> {
    pub title: &'a str,
    pub caption: String,
    pub x_desc: &'a str,
    pub y_desc: &'a str,
    /// Where x ticks go (message sizes, client counts); those outside the data are dropped.
    pub x_ticks: Vec<f64>,
}

/// Panels side by side (an optional title each, their series) sharing one log-log pair of
/// axes and one legend; `None` when no series has a point.
pub fn render_log_log(
    chart: &LogLog<'_>,
    panels: &[(Option<&str>, &[Series])],
) -> Result<Option<String>, ReportError> {
    let all = || panels.iter().flat_map(|(_, s)| s.iter());
    let Some(((x_min, x_max), (y_min, y_max))) = bounds(all()) else {
        return Ok(None);
    };
    let ticks: Vec<f64> = chart
        .x_ticks
        .iter()
        .copied()
        .filter(|x| (x_min..=x_max).contains(x))
        .collect();
    let x_axis = axis::KeyedAxis::log((x_min / 1.5)..(x_max * 1.5), ticks);
    let (y_lo, y_hi) = axis::log_range(y_min, y_max);
    let y_axis = axis::KeyedAxis::log(y_lo..y_hi, axis::decades(y_lo, y_hi));
    let frame = Frame::new(
        chart.title,
        style::PLOT_HEIGHT,
        legend(all()),
        chart.caption.clone(),
    );
    let svg = frame::render_svg(&frame, |area| {
        let areas = area.split_evenly((1, panels.len().max(1)));
        for ((panel_title, series), area) in panels.iter().zip(&areas) {
            let mut builder = ChartBuilder::on(area);
            if let Some(t) = panel_title {
                builder.caption(*t, style::bold(style::PANEL_TITLE_PX));
            }
            let mut c = builder
                .margin(12)
                .margin_right(24)
                .x_label_area_size(64)
                .y_label_area_size(80)
                .build_cartesian_2d(x_axis.clone(), y_axis.clone())?;
            c.configure_mesh()
                .x_label_formatter(&|x| format!("{x:.0}"))
                .y_label_formatter(&|y| axis::log_tick(*y))
                .x_desc(chart.x_desc)
                .y_desc(chart.y_desc)
                .label_style(style::text(style::TICK_PX))
                .axis_desc_style(style::text(style::AXIS_LABEL_PX))
                .bold_line_style(style::GRID)
                .light_line_style(TRANSPARENT)
                .draw()?;
            draw(&mut c, series)?;
        }
        Ok(())
    })?;
    Ok(Some(svg))
}
