//! Numbers and text: number formats (`1,234`, `12.5k`, percentages), text widths estimated from the
//! characters, and the sizes, padding, text styles and title every chart shares.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::svg::TITLE;

/// The font family of every text (the browser picks the face).
pub(super) const FONT: &str = "sans-serif";
/// Padding around every chart, in pixels.
pub(super) const PAD: f64 = 8.0;
/// The size of axis labels, bar labels and values, in CSS pixels.
pub(super) const LABEL_PX: f64 = 12.0;
/// The legend's text size in CSS pixels.
pub(super) const LEGEND_PX: f64 = 13.0;
/// The chart title's size in CSS pixels.
const TITLE_PX: f64 = 14.0;

/// `1234567` → `1,234,567`.
pub(super) fn group(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Axis numbers: `9,500`, `12k`, `12.5k`, `3.4M`, `1.2B`.
pub(super) fn compact(n: u64) -> String {
    if n < 10_000 {
        return group(n);
    }
    const UNITS: [(f64, &str); 4] = [(1e3, "k"), (1e6, "M"), (1e9, "B"), (1e12, "T")];
    let x = n as f64;
    let mut shown = String::new();
    for (unit, suffix) in UNITS {
        let v = x / unit;
        let rounded = if v < 100.0 {
            (v * 10.0).round() / 10.0
        } else {
            v.round()
        };
        shown = format!("{rounded}{suffix}");
        if rounded < 1000.0 {
            break;
        }
    }
    shown
}

/// `value` as a percentage of `total`, one decimal (`12.3`).
pub(super) fn percent(value: u64, total: u64) -> String {
    if total == 0 {
        return "0.0".to_string();
    }
    format!("{:.1}", value as f64 * 100.0 / total as f64)
}

/// Estimated width of one character, in ems (plain SVG text: the browser picks the font).
fn char_em(c: char) -> f64 {
    if c.is_ascii() { 0.6 } else { 1.0 }
}

/// Estimated width of a text at `px` pixels.
pub(super) fn text_px(text: &str, px: f64) -> f64 {
    text.chars().map(char_em).sum::<f64>() * px
}

/// The text cut to fit `max_px` (ending in `…`), and whether it was cut.
pub(super) fn fit(text: &str, max_px: f64, px: f64) -> (String, bool) {
    if text_px(text, px) <= max_px {
        return (text.to_string(), false);
    }
    let budget = max_px - px;
    let mut used = 0.0;
    let mut out = String::new();
    for c in text.chars() {
        used += char_em(c) * px;
        if used > budget {
            break;
        }
        out.push(c);
    }
    let mut out = out.trim_end().to_string();
    out.push('…');
    (out, true)
}

/// A text style of `px` CSS pixels (plotters' SVG backend writes the size divided by 1.24).
pub(super) fn text_style(px: f64, color: RGBColor, h: HPos, v: VPos) -> TextStyle<'static> {
    (FONT, px * 1.24)
        .into_font()
        .color(&color)
        .pos(Pos::new(h, v))
}

/// The SVG drawing area every chart draws on.
pub(super) type Area<'a> = DrawingArea<SVGBackend<'a>, Shift>;

/// A coordinate rounded to a whole pixel.
pub(super) fn px(v: f64) -> i32 {
    v.round() as i32
}

/// A plotters error as the message shown in place of the chart.
pub(super) fn draw_err(e: impl std::fmt::Display) -> String {
    e.to_string()
}

/// Draws the chart title (if any) and returns the top of the space below it.
pub(super) fn draw_title(root: &Area<'_>, title: &str, width: f64) -> Result<f64, String> {
    let title = title.trim();
    if title.is_empty() {
        return Ok(PAD);
    }
    let (shown, _) = fit(title, width - 2.0 * PAD, TITLE_PX);
    let style = (FONT, TITLE_PX * 1.24, FontStyle::Bold)
        .into_font()
        .color(&TITLE)
        .pos(Pos::new(HPos::Left, VPos::Top));
    root.draw(&Text::new(shown, (px(PAD), px(PAD)), style))
        .map_err(draw_err)?;
    Ok(PAD + TITLE_PX + 12.0)
}
