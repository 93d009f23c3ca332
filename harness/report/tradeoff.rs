//! `charts/tradeoff.svg`: what each protection costs in CPU per message against the bytes it
//! puts on the wire, one panel per section of the Recommendation. One point per protection
//! with whiskers from the repetitions' 95% intervals, coloured by what it protects, filled
//! when it meets the requirements and hollow when not; the Pareto front (nothing cheaper on
//! both axes) joined by a line; the requirements' limits as dashed lines.

use plotters::element::{Circle, PathElement, Text};
use plotters::prelude::{ChartBuilder, DashedLineSeries, LineSeries, TRANSPARENT};
use plotters::style::{Color, RGBColor};

use super::axis::{self, KeyedAxis};
use super::frame::{self, Frame, LegendEntry, Swatch};
use super::recommend::{Entry, Protects, Recommendation, Section};
use super::style::{self, Marker, SeriesStyle};
use super::{ReportError, data};

pub const NAME: &str = "tradeoff";
pub const TITLE: &str = "Trade-off: CPU per message vs bytes on the wire";
/// Axis labels; the caption under the panels says what each spans.
pub const X_LABEL: &str = "CPU per message, pub + sub threads (µs)";
pub const X_LABEL_LOG: &str = "CPU per message, pub + sub threads (µs, log)";
pub const Y_WIRE: &str = "wire bytes per message (up)";
pub const Y_PACKET: &str = "MQTT packet bytes per message";

/// Panels drawn at most (the sections after these are in the tables only).
const MAX_PANELS: usize = 8;
const PANEL_H: u32 = 380;

const CLASSES: [Protects; 6] = [
    Protects::Nothing,
    Protects::ConfidentialityOnly,
    Protects::IntegrityOnly,
    Protects::KeyHolder,
    Protects::Publisher,
    Protects::Unknown,
];

fn color(p: Protects) -> RGBColor {
    let i = CLASSES.iter().position(|c| *c == p).unwrap_or(5);
    [
        style::PALETTE[6],
        style::PALETTE[1],
        style::PALETTE[3],
        style::PALETTE[0],
        style::PALETTE[2],
        style::MUTED,
    ][i]
}

/// A point: (CPU µs, bytes) with its whisker ends.
struct Point<'a> {
    entry: &'a Entry,
    qualified: bool,
    x: (f64, f64, f64),
    y: (f64, f64, f64),
}

fn points(s: &Section) -> Vec<Point<'_>> {
    let qualified = s.qualified.len();
    s.entries()
        .enumerate()
        .filter_map(|(i, e)| {
            let cpu = e.measured.cpu_us?;
            let (bytes, _) = e.measured.bytes_on_wire()?;
            let (xl, xh) = cpu.bounds();
            let (yl, yh) = e.measured.wire_bytes.map_or((bytes, bytes), |f| f.bounds());
            Some(Point {
                entry: e,
                qualified: i < qualified,
                x: (xl, cpu.median, xh),
                y: (yl, bytes, yh),
            })
        })
        .collect()
}

/// Ticks at 1, 2 and 5 times the powers of ten inside `[lo, hi]`.
fn ticks_125(lo: f64, hi: f64) -> Vec<f64> {
    let mut out = Vec::new();
    let mut decade = 10f64.powf(lo.log10().floor());
    while decade <= hi {
        for m in [1.0, 2.0, 5.0] {
            let t = decade * m;
            if (lo..=hi).contains(&t) {
                out.push(t);
            }
        }
        decade *= 10.0;
    }
    out
}

/// About six round ticks over `[lo, hi]` on a linear axis.
fn linear_ticks(lo: f64, hi: f64) -> Vec<f64> {
    let raw = (hi - lo) / 6.0;
    if !(raw.is_finite() && raw > 0.0) {
        return vec![lo];
    }
    let mag = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|m| m * mag)
        .find(|s| *s >= raw)
        .unwrap_or(10.0 * mag);
    let mut t = (lo / step).ceil() * step;
    let mut out = Vec::new();
    while t <= hi {
        out.push(t);
        t += step;
    }
    out
}

pub fn render(rec: &Recommendation, caption: String) -> Result<Option<String>, ReportError> {
    let panels: Vec<(&Section, Vec<Point>)> = rec
        .sections
        .iter()
        .map(|s| (s, points(s)))
        .filter(|(_, p)| !p.is_empty())
        .take(MAX_PANELS)
        .collect();
    if panels.is_empty() {
        return Ok(None);
    }
    let all = || panels.iter().flat_map(|(_, p)| p.iter());
    let counted = all().all(|p| p.entry.measured.wire_bytes.is_some());
    let mut legend: Vec<LegendEntry> = CLASSES
        .iter()
        .filter(|c| all().any(|p| p.entry.protects == **c))
        .map(|c| LegendEntry {
            label: c.name().into(),
            style: SeriesStyle {
                color: color(*c),
                marker: Marker::Circle,
                dashed: false,
            },
            swatch: Swatch::Block,
        })
        .collect();
    let muted = |dashed| SeriesStyle {
        color: style::MUTED,
        marker: Marker::Circle,
        dashed,
    };
    legend.push(LegendEntry {
        label: "Pareto front (hollow: fails a requirement)".into(),
        style: muted(false),
        swatch: Swatch::LineOnly,
    });
    let req = &rec.requirements;
    if req.max_cpu_us.is_some() || req.max_overhead_bytes.is_some() {
        legend.push(LegendEntry {
            label: "requirement limit".into(),
            style: SeriesStyle {
                color: style::PALETTE[4],
                marker: Marker::Circle,
                dashed: true,
            },
            swatch: Swatch::LineOnly,
        });
    }
    let cols = panels.len().min(2);
    let rows = panels.len().div_ceil(cols);
    let frame = Frame::new(TITLE, PANEL_H * rows as u32, legend, caption);
    let y_desc = if counted { Y_WIRE } else { Y_PACKET };
    let svg = frame::render_svg(&frame, |area| {
        let areas = area.split_evenly((rows, cols));
        for ((section, pts), area) in panels.iter().zip(&areas) {
            let x_max = pts.iter().map(|p| p.x.2).fold(0.0, f64::max);
            let x_min = pts.iter().map(|p| p.x.0).fold(f64::INFINITY, f64::min);
            let (x_axis, log) = match req.max_cpu_us {
                Some(l) => axis_for(x_min.min(l), x_max.max(l)),
                None => axis_for(x_min, x_max),
            };
            let y_lo = pts.iter().map(|p| p.y.0).fold(f64::INFINITY, f64::min);
            let y_hi = pts.iter().map(|p| p.y.2).fold(0.0, f64::max);
            let limit_y = req.max_overhead_bytes.and_then(|max| {
                // The unprotected bytes of this size: wire bytes less the security bytes,
                // the same for every protection of the section; the limit sits above it.
                let base: Vec<f64> = pts
                    .iter()
                    .filter_map(|p| Some(p.y.1 - p.entry.overhead.as_ref().ok()?))
                    .collect();
                data::median(base).map(|b| b + max as f64)
            });
            let top = limit_y.map_or(y_hi, |l| l.max(y_hi));
            let pad = ((top - y_lo) * 0.12).max(4.0);
            let (y0, y1) = ((y_lo - pad).max(0.0), top + pad);
            let y_axis = KeyedAxis::linear(y0..y1, linear_ticks(y0, y1));
            let mut c = ChartBuilder::on(area)
                .caption(
                    rec.heading(&section.condition),
                    style::bold(style::PANEL_TITLE_PX),
                )
                .margin(12)
                .margin_right(24)
                .x_label_area_size(56)
                .y_label_area_size(72)
                .build_cartesian_2d(x_axis, y_axis)?;
            c.configure_mesh()
                .x_label_formatter(&|x| axis::log_tick(*x))
                .y_label_formatter(&|y| format!("{y:.0}"))
                .x_desc(if log { X_LABEL_LOG } else { X_LABEL })
                .y_desc(y_desc)
                .label_style(style::text(style::TICK_PX))
                .axis_desc_style(style::text(style::AXIS_LABEL_PX))
                .bold_line_style(style::GRID)
                .light_line_style(TRANSPARENT)
                .draw()?;
            let limit_style = style::PALETTE[4].stroke_width(2);
            if let Some(l) = req.max_cpu_us {
                c.draw_series(DashedLineSeries::new([(l, y0), (l, y1)], 8, 6, limit_style))?;
            }
            if let Some(l) = limit_y {
                let (xa, xb) = (c.x_range().start, c.x_range().end);
                c.draw_series(DashedLineSeries::new([(xa, l), (xb, l)], 8, 6, limit_style))?;
            }
            let mut front: Vec<(f64, f64)> = pts
                .iter()
                .filter(|p| p.entry.on_front)
                .map(|p| (p.x.1, p.y.1))
                .collect();
            front.sort_by(|a, b| a.0.total_cmp(&b.0));
            c.draw_series(LineSeries::new(front, style::MUTED.stroke_width(2)))?;
            for p in pts {
                let col = color(p.entry.protects);
                let whisker = col.stroke_width(1);
                c.draw_series([
                    PathElement::new(vec![(p.x.0, p.y.1), (p.x.2, p.y.1)], whisker),
                    PathElement::new(vec![(p.x.1, p.y.0), (p.x.1, p.y.2)], whisker),
                ])?;
                let dot = if p.qualified {
                    col.filled()
                } else {
                    col.stroke_width(2)
                };
                c.draw_series([Circle::new((p.x.1, p.y.1), 5, dot)])?;
                if p.entry.on_front {
                    c.draw_series([Text::new(
                        p.entry.protection.label(),
                        (p.x.1, p.y.1),
                        style::text(style::CAPTION_PX),
                    )])?;
                }
            }
        }
        Ok(())
    })?;
    Ok(Some(svg))
}

/// A log axis when the costs span more than 20×, else linear; padded so no marker sits on
/// the frame.
fn axis_for(lo: f64, hi: f64) -> (KeyedAxis, bool) {
    if lo > 0.0 && hi / lo > 20.0 {
        let (a, b) = (lo / 1.5, hi * 1.5);
        (KeyedAxis::log(a..b, ticks_125(a, b)), true)
    } else {
        let pad = ((hi - lo) * 0.1).max(hi * 0.05).max(0.5);
        let (a, b) = ((lo - pad).max(0.0), hi + pad);
        (KeyedAxis::linear(a..b, linear_ticks(a, b)), false)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_are_round() {
        assert_eq!(ticks_125(3.0, 120.0), [5.0, 10.0, 20.0, 50.0, 100.0]);
        assert_eq!(
            linear_ticks(0.0, 60.0),
            [0.0, 10.0, 20.0, 30.0, 40.0, 50.0, 60.0]
        );
        assert_eq!(linear_ticks(95.0, 130.0), [100.0, 110.0, 120.0, 130.0]);
    }
}
