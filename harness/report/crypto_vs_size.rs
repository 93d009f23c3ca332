//! Median encrypt and decrypt time per message against message size, log-log, one panel each
//! (the shape of seed 004's Figs. 4-6). Both panels share the y scale so they compare directly.
//!
//! Crypto time does not depend on QoS, so each point comes from the case with the most samples
//! at that size (see [`data::representative`]), never from an average of cases.

use plotters::prelude::*;

use super::data;
use super::frame::{self, Frame};
use super::lines::{self, Series};
use super::{ReportError, axis, style};
use crate::results::{RunResults, phase};

pub const NAME: &str = "crypto_vs_size";
pub const TITLE: &str = "Encrypt and decrypt time vs message size";

fn median_us(results: &RunResults, phase_name: &str) -> Vec<Series> {
    let mut series = lines::by_size(results, |cases| {
        let c = data::representative(cases.iter().copied(), phase_name)?;
        let p50 = data::phase(c, phase_name)?.p50 as f64;
        // A zero median is below the clock's resolution; a log axis cannot show it.
        (p50 > 0.0).then(|| data::ns_to_us(p50))
    });
    // Nor can it show an empty (0-byte) message.
    for s in &mut series {
        s.points.retain(|p| p.0 > 0.0);
    }
    series.retain(|s| !s.points.is_empty());
    series
}

pub fn render(results: &RunResults) -> Result<Option<String>, ReportError> {
    let panels = [
        ("encrypt (publisher)", median_us(results, phase::ENCRYPT)),
        ("decrypt (subscriber)", median_us(results, phase::DECRYPT)),
    ];
    let all: Vec<&Series> = panels.iter().flat_map(|(_, s)| s.iter()).collect();
    let Some(((x_min, x_max), (y_min, y_max))) = lines::bounds(all.iter().copied()) else {
        return Ok(None);
    };
    let sizes: Vec<f64> = data::sizes(data::ok_cases(results))
        .into_iter()
        .map(|s| s as f64)
        .filter(|s| (x_min..=x_max).contains(s))
        .collect();
    let x_axis = axis::KeyedAxis::log((x_min / 1.5)..(x_max * 1.5), sizes);
    let (y_lo, y_hi) = axis::log_range(y_min, y_max);
    let y_axis = axis::KeyedAxis::log(y_lo..y_hi, axis::decades(y_lo, y_hi));

    let frame = Frame::new(
        TITLE,
        style::PLOT_HEIGHT,
        lines::legend(all.iter().copied()),
        data::caption(results),
    );
    let svg = frame::render_svg(&frame, |area| {
        let halves = area.split_evenly((1, 2));
        for ((panel_title, series), half) in panels.iter().zip(&halves) {
            let mut chart = ChartBuilder::on(half)
                .caption(*panel_title, style::bold(style::PANEL_TITLE_PX))
                .margin(12)
                .margin_right(24)
                .x_label_area_size(64)
                .y_label_area_size(80)
                .build_cartesian_2d(x_axis.clone(), y_axis.clone())?;
            chart
                .configure_mesh()
                .x_label_formatter(&|x| format!("{x:.0}"))
                .y_label_formatter(&|y| axis::log_tick(*y))
                .x_desc("message size (bytes, log)")
                .y_desc("median time per message (µs, log)")
                .label_style(style::text(style::TICK_PX))
                .axis_desc_style(style::text(style::AXIS_LABEL_PX))
                .bold_line_style(style::GRID)
                .light_line_style(TRANSPARENT)
                .draw()?;
            lines::draw(&mut chart, series)?;
        }
        Ok(())
    })?;
    Ok(Some(svg))
}
