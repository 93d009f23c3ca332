//! Heat map of block cipher (rows) x block mode (columns): median encrypt time relative to the
//! fastest cell, at the largest message size every cipher x mode suite of the run was measured
//! at (so the cells compare like with like). Each cell is annotated with its ratio and time.
//!
//! Only drawn when the run has at least two cipher x mode suites: one cell compares nothing.

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use super::frame::{self, Frame};
use super::{ReportError, data, style};
use crate::results::{CaseResult, RunResults, phase};

pub const NAME: &str = "mode_heatmap";
pub const TITLE: &str = "Relative encrypt cost, cipher x block mode";

/// Axis labels, also checked by the tests.
pub const ROW_LABEL: &str = "cipher (block size, bits)";
pub const COLUMN_LABEL: &str = "block mode";

const LEFT_PX: i32 = 150;
const TOP_PX: i32 = 96;
const RIGHT_PX: i32 = 40;
const CELL_H: i32 = 64;
const SCALE_PX: i32 = 100;

struct Cell {
    p50_ns: f64,
}

/// A block suite's cipher and mode by their codes (the two nibbles of its wire id, as the run
/// recorded it in `suites`): rows and columns sort by them.
type CipherMode = (u8, u8);

struct Grid {
    /// (cipher code, row label "aes-128 (128)"), in code order.
    ciphers: Vec<(u8, String)>,
    /// (mode code, column label "CBC"), in code order.
    modes: Vec<(u8, String)>,
    /// cells[row][col]
    cells: Vec<Vec<Option<Cell>>>,
    size: usize,
    /// True when no size was measured for every suite and the largest overall is used.
    size_not_common: bool,
}

fn block_family(results: &RunResults, c: &CaseResult) -> Option<CipherMode> {
    results.suite(&c.params.suite)?.block_codes()
}

/// The p50 encrypt of one suite at one size. Cases without MAC or signature first, in case a
/// run's encrypt phase includes them; among those, the one with the most samples, as the
/// median across its repetitions when it was repeated.
fn p50_encrypt(cases: &[(&CaseResult, CipherMode)], cm: CipherMode, size: usize) -> Option<f64> {
    let of = || {
        cases
            .iter()
            .filter(move |(c, f)| *f == cm && c.params.size == size)
            .map(|(c, _)| *c)
    };
    let plain = of().filter(|c| c.params.mac == "none" && c.params.signature == "none");
    let case = data::representative(plain, phase::ENCRYPT)
        .or_else(|| data::representative(of(), phase::ENCRYPT))?;
    let reps: Vec<&CaseResult> = of().filter(|c| c.id == case.id).collect();
    let p50 = data::median_of(&reps, |c| {
        data::phase(c, phase::ENCRYPT).map(|p| p.p50 as f64)
    })?;
    (p50 > 0.0).then_some(p50)
}

fn grid(results: &RunResults) -> Option<Grid> {
    let cases: Vec<(&CaseResult, CipherMode)> = data::ok_cases(results)
        .filter(|c| data::phase(c, phase::ENCRYPT).is_some())
        .filter_map(|c| Some((c, block_family(results, c)?)))
        .collect();
    let suites: Vec<CipherMode> = {
        let mut s: Vec<_> = cases.iter().map(|(_, f)| *f).collect();
        s.sort();
        s.dedup();
        s
    };
    if suites.len() < 2 {
        return None;
    }
    let sizes_of =
        |cm: CipherMode| data::sizes(cases.iter().filter(|(_, f)| *f == cm).map(|(c, _)| *c));
    let common = suites
        .iter()
        .map(|&cm| sizes_of(cm))
        .reduce(|a, b| a.into_iter().filter(|s| b.contains(s)).collect())?;
    let (size, size_not_common) = match common.last() {
        Some(&s) => (s, false),
        None => (*data::sizes(cases.iter().map(|(c, _)| *c)).last()?, true),
    };
    // Labels from the recorded suites: any block suite of a cipher (mode) names it.
    let blocks: Vec<_> = results
        .suites
        .iter()
        .filter_map(|s| Some((s.block_codes()?, s)))
        .collect();
    let cipher_label = |code: u8| {
        blocks
            .iter()
            .find(|(cm, _)| cm.0 == code)
            .map_or_else(String::new, |(_, s)| {
                let name = s.cipher.as_deref().unwrap_or("?");
                format!("{name} ({})", s.block_bits.unwrap_or(0))
            })
    };
    let mode_label = |code: u8| {
        blocks
            .iter()
            .find(|(cm, _)| cm.1 == code)
            .map_or_else(String::new, |(_, s)| {
                s.mode.as_deref().unwrap_or("?").to_uppercase()
            })
    };
    let mut cipher_codes: Vec<u8> = suites.iter().map(|&(c, _)| c).collect();
    cipher_codes.dedup();
    let mut mode_codes: Vec<u8> = suites.iter().map(|&(_, m)| m).collect();
    mode_codes.sort();
    mode_codes.dedup();
    let ciphers: Vec<(u8, String)> = cipher_codes
        .into_iter()
        .map(|c| (c, cipher_label(c)))
        .collect();
    let modes: Vec<(u8, String)> = mode_codes.into_iter().map(|m| (m, mode_label(m))).collect();
    let cells = ciphers
        .iter()
        .map(|&(c, _)| {
            modes
                .iter()
                .map(|&(m, _)| p50_encrypt(&cases, (c, m), size).map(|p50_ns| Cell { p50_ns }))
                .collect()
        })
        .collect();
    Some(Grid {
        ciphers,
        modes,
        cells,
        size,
        size_not_common,
    })
}

pub fn render(results: &RunResults) -> Result<Option<String>, ReportError> {
    let Some(grid) = grid(results) else {
        return Ok(None);
    };
    let values = grid.cells.iter().flatten().flatten().map(|c| c.p50_ns);
    let fastest = values.clone().fold(f64::INFINITY, f64::min);
    let slowest = values.fold(0.0, f64::max);
    if !fastest.is_finite() {
        return Ok(None);
    }
    let max_ratio = slowest / fastest;
    // Log colour scale: ratios span 1x to 50x and more; linear would paint all but one cell pale.
    let shade = |ratio: f64| {
        if max_ratio > 1.0 {
            style::sequential(ratio.ln() / max_ratio.ln())
        } else {
            style::sequential(0.0)
        }
    };

    let rows = grid.ciphers.len() as i32;
    let plot_height = (TOP_PX + rows * CELL_H + SCALE_PX) as u32;
    let frame = Frame::new(TITLE, plot_height, Vec::new(), data::caption(results));
    let svg = frame::render_svg(&frame, |area| {
        let width = style::WIDTH as i32;
        let cols = grid.modes.len() as i32;
        let cell_w = (width - LEFT_PX - RIGHT_PX) / cols;
        let grid_right = LEFT_PX + cols * cell_w;
        let centred = |px: f64| style::anchored(style::text(px), HPos::Center, VPos::Center);

        let note = if grid.size_not_common {
            "no size was run for every suite: largest size shown, some cells empty"
        } else {
            "largest size every cipher x mode suite was run at"
        };
        area.draw(&Text::new(
            format!(
                "p50 encrypt time ÷ fastest cell, {} messages ({note}); darker = slower",
                data::fmt_bytes(grid.size)
            ),
            ((LEFT_PX + grid_right) / 2, 14),
            centred(style::TICK_PX).color(&style::MUTED),
        ))?;
        area.draw(&Text::new(
            COLUMN_LABEL,
            ((LEFT_PX + grid_right) / 2, 46),
            centred(style::AXIS_LABEL_PX),
        ))?;
        area.draw(&Text::new(
            ROW_LABEL,
            (18, TOP_PX + rows * CELL_H / 2),
            centred(style::AXIS_LABEL_PX).transform(FontTransform::Rotate270),
        ))?;

        for (ci, (_, mode)) in grid.modes.iter().enumerate() {
            let x = LEFT_PX + ci as i32 * cell_w + cell_w / 2;
            area.draw(&Text::new(
                mode.clone(),
                (x, TOP_PX - 18),
                centred(style::TICK_PX),
            ))?;
        }
        for (ri, (_, label)) in grid.ciphers.iter().enumerate() {
            let y0 = TOP_PX + ri as i32 * CELL_H;
            area.draw(&Text::new(
                label.clone(),
                (LEFT_PX - 10, y0 + CELL_H / 2),
                style::anchored(style::text(style::TICK_PX), HPos::Right, VPos::Center),
            ))?;
            for ci in 0..grid.modes.len() {
                let x0 = LEFT_PX + ci as i32 * cell_w;
                let corners = [(x0 + 2, y0 + 2), (x0 + cell_w - 2, y0 + CELL_H - 2)];
                let (cx, cy) = (x0 + cell_w / 2, y0 + CELL_H / 2);
                match &grid.cells[ri][ci] {
                    Some(cell) => {
                        let ratio = cell.p50_ns / fastest;
                        let bg = shade(ratio);
                        area.draw(&Rectangle::new(corners, bg.filled()))?;
                        let ink = style::ink_on(bg);
                        area.draw(&Text::new(
                            format!("{ratio:.1}x"),
                            (cx, cy - 9),
                            style::anchored(
                                style::bold(style::CELL_PX),
                                HPos::Center,
                                VPos::Center,
                            )
                            .color(&ink),
                        ))?;
                        area.draw(&Text::new(
                            data::fmt_duration(cell.p50_ns),
                            (cx, cy + 12),
                            centred(style::TICK_PX - 3.0).color(&ink),
                        ))?;
                    }
                    None => {
                        area.draw(&Rectangle::new(corners, style::MISSING.filled()))?;
                        area.draw(&Text::new(
                            "not run",
                            (cx, cy),
                            centred(style::TICK_PX - 2.0).color(&style::MUTED),
                        ))?;
                    }
                }
            }
        }
        draw_scale(
            area,
            TOP_PX + rows * CELL_H + 34,
            LEFT_PX,
            grid_right,
            max_ratio,
            &shade,
        )
    })?;
    Ok(Some(svg))
}

/// The colour key under the grid: a strip from 1x to the largest ratio with a few ticks.
fn draw_scale(
    area: &DrawingArea<SVGBackend<'_>, plotters::coord::Shift>,
    y: i32,
    left: i32,
    right: i32,
    max_ratio: f64,
    shade: &dyn Fn(f64) -> RGBColor,
) -> Result<(), ReportError> {
    let steps = 60;
    let w = (right - left) as f64 / steps as f64;
    let ratio_at = |t: f64| max_ratio.max(1.0).powf(t);
    for i in 0..steps {
        let t = (i as f64 + 0.5) / steps as f64;
        let x0 = left + (i as f64 * w).floor() as i32;
        let x1 = left + ((i + 1) as f64 * w).ceil() as i32;
        area.draw(&Rectangle::new(
            [(x0, y), (x1, y + 14)],
            shade(ratio_at(t)).filled(),
        ))?;
    }
    let tick = style::anchored(style::text(style::TICK_PX - 2.0), HPos::Center, VPos::Top);
    for t in [0.0, 0.5, 1.0] {
        let x = left + ((right - left) as f64 * t).round() as i32;
        area.draw(&Text::new(
            format!("{:.1}x", ratio_at(t)),
            (x, y + 18),
            tick.clone(),
        ))?;
    }
    area.draw(&Text::new(
        "colour scale (ratio to the fastest cell, log)",
        ((left + right) / 2, y + 50),
        style::anchored(
            style::text(style::TICK_PX - 2.0),
            HPos::Center,
            VPos::Center,
        )
        .color(&style::MUTED),
    ))?;
    Ok(())
}
