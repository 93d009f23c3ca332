//! Horizontal grouped bars, shared by the bar charts: one group per suite (long names read
//! best on the y axis), one bar per kind within a group (a QoS x size, or a size), each bar
//! labelled with its value. A value that was not measured gets "n/a", never a bar.

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use super::data::{self, Varying};
use super::frame::{self, Frame, LegendEntry, Swatch};
use super::{ReportError, axis, style};
use crate::results::{CaseResult, RunResults};

pub struct Group {
    pub label: String,
    /// The suite name alone, for charts that leave some suite out.
    pub suite: String,
    /// One value per bar kind, in the order of [`BarChart::kinds`].
    pub values: Vec<Option<f64>>,
}

pub struct BarChart {
    pub title: String,
    pub x_desc: String,
    pub y_desc: String,
    /// Legend label of each bar kind.
    pub kinds: Vec<String>,
    pub groups: Vec<Group>,
    /// How a bar's value is printed at its end.
    pub value_label: fn(f64) -> String,
    pub caption: String,
    /// A value to mark with a dashed vertical line across all groups (e.g. ratio 1 = no
    /// change), so bars read as "above or below" it.
    pub reference: Option<f64>,
}

/// Bar thickness: as thick as reads well, thinner when there are many bars so the chart stays
/// within a few screens; never so thin that the value label no longer fits beside the bar.
const BAR_PX_MAX: u32 = 16;
const BAR_PX_MIN: u32 = 11;
const BARS_FOR_FULL_THICKNESS: u32 = 70;
const GROUP_GAP_PX: u32 = 14;
/// Room for the x axis, its label and the margins around the bars.
const AXES_PX: u32 = 120;

/// The whiskers of bar `kind` of a group: (low, high) of its interval, when it has one.
pub type Ranges<'a> = &'a dyn Fn(&Group, usize) -> Option<(f64, f64)>;

impl BarChart {
    /// `None` when no bar has a value: a chart of only "n/a" says nothing.
    pub fn render(&self) -> Result<Option<String>, ReportError> {
        self.render_with_ranges(&|_, _| None)
    }

    /// [`Self::render`] with a whisker on each bar that `ranges` gives an interval for (the
    /// 95% interval across repetitions), drawn as a line with end caps over the bar's middle.
    pub fn render_with_ranges(&self, ranges: Ranges<'_>) -> Result<Option<String>, ReportError> {
        let range = |g: &Group, k: usize| {
            ranges(g, k).filter(|(lo, hi)| lo.is_finite() && hi.is_finite() && lo <= hi)
        };
        let highs = self.groups.iter().flat_map(|g| {
            (0..g.values.len()).filter_map(move |k| g.values[k].is_some().then(|| range(g, k))?)
        });
        let max = self
            .groups
            .iter()
            .flat_map(|g| g.values.iter().flatten().copied())
            .chain(highs.map(|(_, hi)| hi))
            .fold(f64::NAN, |m, v| if v.is_finite() { v.max(m) } else { m });
        if max.is_nan() || self.kinds.is_empty() {
            return Ok(None);
        }
        // Room right of the longest bar for its value label.
        let x_top = axis::linear_top(max.max(self.reference.unwrap_or(0.0))) * 1.12;
        let n = self.kinds.len();
        let bars = (n * self.groups.len()) as u32;
        let bar_px =
            (BAR_PX_MAX * BARS_FOR_FULL_THICKNESS / bars.max(1)).clamp(BAR_PX_MIN, BAR_PX_MAX);
        let slot = n as f64 + GROUP_GAP_PX as f64 / bar_px as f64;
        let y_total = slot * self.groups.len() as f64;
        let plot_height = AXES_PX + self.groups.len() as u32 * (n as u32 * bar_px + GROUP_GAP_PX);

        // First group at the top: group g occupies y in (top - (g+1)*slot, top - g*slot].
        let bar_y = |g: usize, k: usize| y_total - g as f64 * slot - k as f64;
        let centres: Vec<f64> = (0..self.groups.len())
            .map(|g| bar_y(g, 0) - n as f64 / 2.0)
            .collect();
        let label_of = |y: f64| {
            centres
                .iter()
                .position(|c| (c - y).abs() < 1e-6)
                .map_or_else(String::new, |g| self.groups[g].label.clone())
        };
        let longest = self
            .groups
            .iter()
            .map(|g| style::text_width(&g.label, style::TICK_PX))
            .max()
            .unwrap_or(0);
        let y_label_px = (longest + 40).clamp(90, 380);

        let legend = self
            .kinds
            .iter()
            .enumerate()
            .map(|(k, label)| LegendEntry {
                label: label.clone(),
                style: style::SeriesStyle {
                    color: style::bar_color(k),
                    ..style::series(k)
                },
                swatch: Swatch::Block,
            })
            .collect();
        let frame = Frame::new(&self.title, plot_height, legend, self.caption.clone());
        let svg = frame::render_svg(&frame, |area| {
            let mut chart = ChartBuilder::on(area)
                .margin(16)
                .margin_right(40)
                .x_label_area_size(64)
                .y_label_area_size(y_label_px)
                .build_cartesian_2d(
                    0.0..x_top,
                    axis::KeyedAxis::linear(0.0..y_total, centres.clone()),
                )?;
            chart
                .configure_mesh()
                .disable_y_mesh()
                .x_label_formatter(&|x| axis::log_tick(*x))
                .y_label_formatter(&|y| label_of(*y))
                .x_desc(self.x_desc.as_str())
                .y_desc(self.y_desc.as_str())
                .label_style(style::text(style::TICK_PX))
                .axis_desc_style(style::text(style::AXIS_LABEL_PX))
                .bold_line_style(style::GRID)
                .light_line_style(TRANSPARENT)
                .draw()?;
            let value_px = (style::TICK_PX - 2.0).min(bar_px as f64);
            let value_style = style::anchored(style::text(value_px), HPos::Left, VPos::Center);
            let missing_style = value_style.clone().color(&style::MUTED);
            for (g, group) in self.groups.iter().enumerate() {
                for (k, value) in group.values.iter().enumerate() {
                    // A hairline of the slot's height stays free between bars of a group.
                    let (top, bottom) = (bar_y(g, k) - 0.06, bar_y(g, k) - 0.94);
                    let mid = (top + bottom) / 2.0;
                    match value.filter(|v| v.is_finite()) {
                        Some(v) => {
                            chart.draw_series(std::iter::once(Rectangle::new(
                                [(0.0, bottom), (v, top)],
                                style::bar_color(k).filled(),
                            )))?;
                            let mut end = v;
                            if let Some((lo, hi)) = range(group, k) {
                                let ink = style::TEXT.stroke_width(1);
                                let cap = (top - bottom) * 0.35;
                                for seg in [
                                    vec![(lo, mid), (hi, mid)],
                                    vec![(lo, mid - cap), (lo, mid + cap)],
                                    vec![(hi, mid - cap), (hi, mid + cap)],
                                ] {
                                    chart
                                        .draw_series(std::iter::once(PathElement::new(seg, ink)))?;
                                }
                                end = end.max(hi);
                            }
                            // The value just right of the bar end (or its whisker), a few
                            // pixels clear of it.
                            let label = (self.value_label)(v);
                            chart.plotting_area().draw(
                                &(EmptyElement::at((end, mid))
                                    + Text::new(label, (5, 0), value_style.clone())),
                            )?;
                        }
                        None => {
                            chart.plotting_area().draw(
                                &(EmptyElement::at((0.0, mid))
                                    + Text::new("n/a", (5, 0), missing_style.clone())),
                            )?;
                        }
                    }
                }
            }
            // On top of the bars, so it stays visible where a bar crosses it.
            if let Some(r) = self.reference.filter(|r| r.is_finite()) {
                // Dashes drawn as short segments: plotters' SVG lines have no dash style.
                let step = y_total / 80.0;
                let mut y = 0.0;
                while y < y_total {
                    chart.draw_series(std::iter::once(PathElement::new(
                        vec![(r, y), (r, (y + step * 0.6).min(y_total))],
                        style::TEXT.stroke_width(1),
                    )))?;
                    y += step;
                }
            }
            Ok(())
        })?;
        Ok(Some(svg))
    }
}

/// One group per series of the run (suite, plus mac/signature/transport where they vary), in
/// matrix order; `value(cases_of_the_series, kind)` gives each bar.
pub fn groups_by_series<K>(
    results: &RunResults,
    kinds: &[K],
    value: impl Fn(&[&CaseResult], &K) -> Option<f64>,
) -> Vec<Group> {
    let varying = Varying::of(results);
    data::series_keys(data::ok_cases(results))
        .into_iter()
        .filter_map(|key| {
            let cases: Vec<&CaseResult> = data::ok_cases(results)
                .filter(|c| data::series_key(&c.params) == key)
                .collect();
            let params = &cases.first()?.params;
            Some(Group {
                label: varying.label(params),
                suite: params.suite.clone(),
                values: kinds.iter().map(|k| value(&cases, k)).collect(),
            })
        })
        .collect()
}

/// Every (QoS, size) of the run's finished cases, QoS-major: the bars of charts that show one
/// bar per QoS x size.
pub fn qos_size_kinds(results: &RunResults) -> Vec<(u8, usize)> {
    let sizes = data::sizes(data::ok_cases(results));
    data::qos_levels(data::ok_cases(results))
        .into_iter()
        .flat_map(|q| sizes.iter().map(move |&s| (q, s)))
        .collect()
}

/// Legend labels of [`qos_size_kinds`]: `QoS 1 · 64 B`.
pub fn qos_size_labels(kinds: &[(u8, usize)]) -> Vec<String> {
    kinds
        .iter()
        .map(|&(q, s)| format!("QoS {q} · {}", data::fmt_bytes(s)))
        .collect()
}

/// [`groups_by_series`] with one bar per (QoS, size): `value` of the series' case there, the
/// median across its repetitions when it was repeated.
pub fn groups_by_qos_size(
    results: &RunResults,
    kinds: &[(u8, usize)],
    value: impl Fn(&CaseResult) -> Option<f64>,
) -> Vec<Group> {
    groups_by_series(results, kinds, |cases, &(qos, size)| {
        data::median_of(&at(cases, qos, size), &value)
    })
}

/// The repetitions of the series' case at (qos, size).
fn at<'a>(cases: &[&'a CaseResult], qos: u8, size: usize) -> Vec<&'a CaseResult> {
    cases
        .iter()
        .copied()
        .filter(|c| c.params.qos == qos && c.params.size == size)
        .collect()
}

/// Whiskers for [`groups_by_qos_size`]'s bars: the 95% interval of `value` across each
/// case's repetitions (see [`super::intervals`]), looked up by group label so a chart may
/// reorder its groups. No whisker where a case ran once.
pub fn qos_size_ranges(
    results: &RunResults,
    kinds: &[(u8, usize)],
    value: impl Fn(&CaseResult) -> Option<f64>,
) -> impl Fn(&Group, usize) -> Option<(f64, f64)> {
    let interval = |cases: &[&CaseResult], &(qos, size): &(u8, usize)| {
        super::intervals::of(&at(cases, qos, size), &value)
    };
    let lows = groups_by_series(results, kinds, |c, k| interval(c, k).map(|i| i.low));
    let highs = groups_by_series(results, kinds, |c, k| interval(c, k).map(|i| i.high));
    let by_label: std::collections::BTreeMap<String, Vec<Option<(f64, f64)>>> = lows
        .into_iter()
        .zip(highs)
        .map(|(lo, hi)| {
            let r = lo
                .values
                .iter()
                .zip(&hi.values)
                .map(|(l, h)| l.zip(*h))
                .collect();
            (lo.label, r)
        })
        .collect();
    move |g: &Group, k: usize| by_label.get(&g.label)?.get(k).copied().flatten()
}
