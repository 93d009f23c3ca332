//! The look every chart shares: sizes, fonts, the colour-blind-safe palette and series styles.
//!
//! Fonts are named by family only ("sans-serif"): with plotters' `ttf` feature off, text size
//! is estimated and the viewer picks the real font, so no system font is ever loaded.

use plotters::coord::CoordTranslate;
use plotters::coord::Shift;
use plotters::drawing::DrawingArea;
use plotters::drawing::DrawingAreaErrorKind;
use plotters::element::{
    Circle, Cross, EmptyElement, PathElement, Polygon, Rectangle, TriangleMarker,
};
use plotters::prelude::{DrawingBackend, IntoFont};
use plotters::style::text_anchor::{HPos, Pos, VPos};
use plotters::style::{Color, FontFamily, FontStyle, RGBColor, ShapeStyle, TextStyle};

/// Width of every chart in SVG pixels; heights depend on the chart and its legend.
pub const WIDTH: u32 = 960;
/// Height of one plotting panel (axes included).
pub const PLOT_HEIGHT: u32 = 480;

pub const TITLE_PX: f64 = 26.0;
pub const PANEL_TITLE_PX: f64 = 20.0;
pub const AXIS_LABEL_PX: f64 = 19.0;
pub const TICK_PX: f64 = 16.0;
pub const LEGEND_PX: f64 = 16.0;
pub const CAPTION_PX: f64 = 14.0;
pub const CELL_PX: f64 = 17.0;

pub const TEXT: RGBColor = RGBColor(0x22, 0x22, 0x22);
pub const MUTED: RGBColor = RGBColor(0x66, 0x66, 0x66);
pub const GRID: RGBColor = RGBColor(0xdd, 0xdd, 0xdd);
pub const BACKGROUND: RGBColor = RGBColor(0xff, 0xff, 0xff);
pub const MISSING: RGBColor = RGBColor(0xee, 0xee, 0xee);

/// Okabe & Ito's colour-blind-safe palette, minus its yellow (too pale on white), ordered so
/// neighbouring series contrast most.
pub const PALETTE: [RGBColor; 7] = [
    RGBColor(0x00, 0x72, 0xB2), // blue
    RGBColor(0xD5, 0x5E, 0x00), // vermillion
    RGBColor(0x00, 0x9E, 0x73), // bluish green
    RGBColor(0xE6, 0x9F, 0x00), // orange
    RGBColor(0xCC, 0x79, 0xA7), // reddish purple
    RGBColor(0x56, 0xB4, 0xE9), // sky blue
    RGBColor(0x00, 0x00, 0x00), // black
];

/// Marker shapes; with the 7 colours they give 35 distinct series before anything repeats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Marker {
    Circle,
    Triangle,
    Square,
    Diamond,
    Cross,
}

const MARKERS: [Marker; 5] = [
    Marker::Circle,
    Marker::Triangle,
    Marker::Square,
    Marker::Diamond,
    Marker::Cross,
];

/// How one series is drawn: colour, marker and whether its line is dashed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SeriesStyle {
    pub color: RGBColor,
    pub marker: Marker,
    pub dashed: bool,
}

/// The style of the `i`-th series. Colour changes fastest; every 7 series the marker changes,
/// and every other round of 7 the line is dashed too, so series 0 and 7 differ twice over.
pub fn series(i: usize) -> SeriesStyle {
    let round = i / PALETTE.len();
    SeriesStyle {
        color: PALETTE[i % PALETTE.len()],
        marker: MARKERS[round % MARKERS.len()],
        dashed: round % 2 == 1,
    }
}

/// Fill of the `k`-th bar kind. Bars have no markers, so past the 7 palette colours the same
/// hues come back as tints, then as pale tints: 21 distinct fills. (Not dark shades: black,
/// the palette's last colour, has none.)
pub fn bar_color(k: usize) -> RGBColor {
    let RGBColor(r, g, b) = PALETTE[k % PALETTE.len()];
    let mix =
        |c: u8, towards: f64, amount: f64| (c as f64 + (towards - c as f64) * amount).round() as u8;
    match (k / PALETTE.len()) % 3 {
        0 => RGBColor(r, g, b),
        1 => RGBColor(
            mix(r, 255.0, 0.55),
            mix(g, 255.0, 0.55),
            mix(b, 255.0, 0.55),
        ),
        _ => RGBColor(mix(r, 255.0, 0.8), mix(g, 255.0, 0.8), mix(b, 255.0, 0.8)),
    }
}

impl SeriesStyle {
    pub fn line(self) -> ShapeStyle {
        self.color.stroke_width(2)
    }

    pub fn fill(self) -> ShapeStyle {
        self.color.filled()
    }
}

/// Text in the shared family at `px` pixels, anchored at its top-left.
pub fn text(px: f64) -> TextStyle<'static> {
    TextStyle::from((FontFamily::SansSerif, px).into_font()).color(&TEXT)
}

pub fn bold(px: f64) -> TextStyle<'static> {
    TextStyle::from((FontFamily::SansSerif, px, FontStyle::Bold).into_font()).color(&TEXT)
}

/// `style` anchored at the given horizontal and vertical position.
pub fn anchored(style: TextStyle<'static>, h: HPos, v: VPos) -> TextStyle<'static> {
    style.pos(Pos::new(h, v))
}

/// Rough width in pixels of `s` at `px`; matches plotters' own estimate closely enough for
/// laying out legends (the SVG viewer does the real layout).
pub fn text_width(s: &str, px: f64) -> u32 {
    (s.chars().count() as f64 * px * 0.55).ceil() as u32
}

/// Draws the marker of `style` centred on `at` (chart or pixel coordinates, whichever `area`
/// uses). A function rather than an element because plotters' boxed `DynElement` would need a
/// `'static` backend.
pub fn draw_marker<DB, CT>(
    area: &DrawingArea<DB, CT>,
    at: CT::From,
    style: SeriesStyle,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>>
where
    DB: DrawingBackend,
    CT: CoordTranslate,
    CT::From: Clone,
{
    let r = 5;
    let fill = style.fill();
    let origin = EmptyElement::at(at);
    match style.marker {
        Marker::Circle => area.draw(&(origin + Circle::new((0, 0), r, fill))),
        Marker::Triangle => area.draw(&(origin + TriangleMarker::new((0, 0), r + 1, fill))),
        Marker::Square => {
            area.draw(&(origin + Rectangle::new([(-r + 1, -r + 1), (r - 1, r - 1)], fill)))
        }
        Marker::Diamond => {
            let corners = vec![(0, -r - 1), (r, 0), (0, r + 1), (-r, 0)];
            area.draw(&(origin + Polygon::new(corners, fill)))
        }
        Marker::Cross => area.draw(&(origin + Cross::new((0, 0), r, style.color.stroke_width(2)))),
    }
}

/// A short horizontal line sample (dashed when the series is) for legends, in pixel space.
pub fn line_swatch<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    (x, y): (i32, i32),
    len: i32,
    style: SeriesStyle,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    if style.dashed {
        let dash = 6;
        let mut x0 = x;
        while x0 < x + len {
            let x1 = (x0 + dash).min(x + len);
            area.draw(&PathElement::new(vec![(x0, y), (x1, y)], style.line()))?;
            x0 += 2 * dash;
        }
        Ok(())
    } else {
        area.draw(&PathElement::new(vec![(x, y), (x + len, y)], style.line()))
    }
}

/// A colour on a sequential, colour-blind-safe ramp (viridis anchors), `t` in 0..=1.
pub fn sequential(t: f64) -> RGBColor {
    const ANCHORS: [(u8, u8, u8); 5] = [
        (0xFD, 0xE7, 0x25),
        (0x5E, 0xC9, 0x62),
        (0x21, 0x91, 0x8C),
        (0x3B, 0x52, 0x8B),
        (0x44, 0x01, 0x54),
    ];
    let t = if t.is_finite() {
        t.clamp(0.0, 1.0)
    } else {
        0.0
    };
    let pos = t * (ANCHORS.len() - 1) as f64;
    let i = (pos.floor() as usize).min(ANCHORS.len() - 2);
    let f = pos - i as f64;
    let mix = |a: u8, b: u8| (a as f64 + (b as f64 - a as f64) * f).round() as u8;
    let (a, b) = (ANCHORS[i], ANCHORS[i + 1]);
    RGBColor(mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
}

/// Black or white, whichever reads better on `bg`.
pub fn ink_on(bg: RGBColor) -> RGBColor {
    let luma = 0.299 * bg.0 as f64 + 0.587 * bg.1 as f64 + 0.114 * bg.2 as f64;
    if luma > 140.0 { TEXT } else { BACKGROUND }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_thirty_five_series_are_distinct() {
        let styles: Vec<_> = (0..35).map(series).collect();
        for (i, a) in styles.iter().enumerate() {
            for b in &styles[i + 1..] {
                assert!(a != b, "{a:?} repeats");
            }
        }
    }

    #[test]
    fn first_twenty_one_bar_colours_are_distinct() {
        let colours: Vec<_> = (0..21).map(bar_color).collect();
        for (i, a) in colours.iter().enumerate() {
            assert!(!colours[i + 1..].contains(a), "{a:?} repeats");
        }
    }

    #[test]
    fn sequential_ramp_is_clamped() {
        assert_eq!(sequential(-1.0), sequential(0.0));
        assert_eq!(sequential(2.0), sequential(1.0));
        assert_eq!(sequential(f64::NAN), sequential(0.0));
    }
}
