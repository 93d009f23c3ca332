//! The frame around every chart: title on top, then the plot, then the legend and the caption
//! in a margin of their own, so a legend can never cover data however many series there are.

use plotters::coord::Shift;
use plotters::element::Text;
use plotters::prelude::{DrawingArea, IntoDrawingArea, SVGBackend};
use plotters::style::text_anchor::{HPos, VPos};

use super::ReportError;
use super::style::{self, SeriesStyle};

/// What a legend entry shows before its label.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Swatch {
    /// A line sample with the series' marker (line charts).
    Line,
    /// A line sample alone (for "dashed means ..." notes).
    LineOnly,
    /// A filled box (bar charts).
    Block,
}

#[derive(Debug, Clone)]
pub struct LegendEntry {
    pub label: String,
    pub style: SeriesStyle,
    pub swatch: Swatch,
}

const MARGIN: u32 = 16;
const TITLE_H: u32 = 44;
const LEGEND_ROW_H: u32 = 24;
const SWATCH_W: u32 = 36;
const CAPTION_H: u32 = 30;

/// Layout of one chart: a title, `plot_height` pixels of plot, the legend laid out in as many
/// columns as fit the width, and a caption line.
pub struct Frame {
    pub title: String,
    pub plot_height: u32,
    pub legend: Vec<LegendEntry>,
    pub caption: String,
    columns: u32,
    column_w: u32,
}

impl Frame {
    pub fn new(
        title: impl Into<String>,
        plot_height: u32,
        legend: Vec<LegendEntry>,
        caption: String,
    ) -> Self {
        let widest = legend
            .iter()
            .map(|e| style::text_width(&e.label, style::LEGEND_PX))
            .max()
            .unwrap_or(0);
        let column_w = SWATCH_W + 8 + widest + 24;
        let columns = ((style::WIDTH - 2 * MARGIN) / column_w).max(1);
        Self {
            title: title.into(),
            plot_height,
            legend,
            caption,
            columns,
            column_w,
        }
    }

    fn legend_height(&self) -> u32 {
        if self.legend.is_empty() {
            return 0;
        }
        let rows = (self.legend.len() as u32).div_ceil(self.columns);
        rows * LEGEND_ROW_H + 12
    }

    pub fn size(&self) -> (u32, u32) {
        let h = TITLE_H + self.plot_height + self.legend_height() + CAPTION_H;
        (style::WIDTH, h)
    }

    /// Draws everything but the plot and returns the area the plot goes in.
    fn draw<'a>(
        &self,
        root: &DrawingArea<SVGBackend<'a>, Shift>,
    ) -> Result<DrawingArea<SVGBackend<'a>, Shift>, ReportError> {
        root.fill(&style::BACKGROUND)?;
        let title_style = style::anchored(style::bold(style::TITLE_PX), HPos::Center, VPos::Center);
        let center = (style::WIDTH / 2) as i32;
        root.draw(&Text::new(
            self.title.clone(),
            (center, (TITLE_H / 2) as i32),
            title_style,
        ))?;

        let (_, below_title) = root.split_vertically(TITLE_H);
        let (plot, below_plot) = below_title.split_vertically(self.plot_height);
        self.draw_legend(&below_plot)?;

        let caption_y = (self.legend_height() + CAPTION_H / 2) as i32;
        let caption_style = style::anchored(
            style::text(style::CAPTION_PX).color(&style::MUTED),
            HPos::Center,
            VPos::Center,
        );
        below_plot.draw(&Text::new(
            self.caption.clone(),
            (center, caption_y),
            caption_style,
        ))?;
        Ok(plot)
    }

    /// Column-major would scatter related series; row-major keeps the reading order of the
    /// series (first row left to right, then the next).
    fn draw_legend(&self, area: &DrawingArea<SVGBackend<'_>, Shift>) -> Result<(), ReportError> {
        let used_w = self.columns.min(self.legend.len() as u32) * self.column_w;
        let left = (style::WIDTH.saturating_sub(used_w) / 2) as i32;
        let label_style = style::anchored(style::text(style::LEGEND_PX), HPos::Left, VPos::Center);
        for (i, entry) in self.legend.iter().enumerate() {
            let (row, col) = (i as u32 / self.columns, i as u32 % self.columns);
            let x = left + (col * self.column_w) as i32;
            let y = (8 + row * LEGEND_ROW_H + LEGEND_ROW_H / 2) as i32;
            match entry.swatch {
                Swatch::Line => {
                    style::line_swatch(area, (x, y), SWATCH_W as i32, entry.style)?;
                    style::draw_marker(area, (x + SWATCH_W as i32 / 2, y), entry.style)?;
                }
                Swatch::LineOnly => {
                    style::line_swatch(area, (x, y), SWATCH_W as i32, entry.style)?;
                }
                Swatch::Block => {
                    area.draw(&plotters::element::Rectangle::new(
                        [(x + 8, y - 7), (x + SWATCH_W as i32 - 8, y + 7)],
                        entry.style.fill(),
                    ))?;
                }
            }
            area.draw(&Text::new(
                entry.label.clone(),
                (x + SWATCH_W as i32 + 8, y),
                label_style.clone(),
            ))?;
        }
        Ok(())
    }
}

/// Renders one chart to SVG text: the frame, then `plot` draws into the area it leaves.
pub fn render_svg<F>(frame: &Frame, plot: F) -> Result<String, ReportError>
where
    F: FnOnce(&DrawingArea<SVGBackend<'_>, Shift>) -> Result<(), ReportError>,
{
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, frame.size()).into_drawing_area();
        let area = frame.draw(&root)?;
        plot(&area)?;
        root.present()?;
    }
    Ok(svg)
}
