//! The top-N bars: horizontal bars for the largest items and one "Others" bar for the rest (agents),
//! and the top-N fold the round charts share.

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use model::Slice;

use super::svg::{
    AXIS, FG, MAX_MARKS, MUTED, Mark, Marks, NO_DATA, VALUE, chart_var, drawing_failed, finish,
    message_svg,
};
use super::text::{
    LABEL_PX, PAD, draw_err, draw_title, fit, group, percent, px, text_px, text_style,
};

/// The label of the bar or slice that sums everything outside the top N.
pub const OTHERS: &str = "Others";
/// Horizontal bars get at least this much height each; more rows than fit are folded into "Others".
const MIN_ROW_PX: f64 = 18.0;

/// The `n` largest items (value descending, then label ascending) and, when any are left, one
/// more item labelled [`OTHERS`] whose value is the sum of the rest.
pub fn top_n_with_others(items: &[Slice], n: usize) -> Vec<Slice> {
    let mut sorted: Vec<&Slice> = items.iter().collect();
    sorted.sort_by(|a, b| b.value.cmp(&a.value).then_with(|| a.label.cmp(&b.label)));
    let mut out: Vec<Slice> = sorted.iter().take(n).map(|s| (*s).clone()).collect();
    if sorted.len() > n {
        let rest = sorted[n..]
            .iter()
            .fold(0u64, |sum, s| sum.saturating_add(s.value));
        out.push(Slice {
            label: OTHERS.to_string(),
            value: rest,
        });
    }
    out
}

/// The sum of the values (saturating).
pub(super) fn total(items: &[Slice]) -> u64 {
    items
        .iter()
        .fold(0u64, |sum, s| sum.saturating_add(s.value))
}

/// Horizontal bars for the `top_n` largest items plus one "Others" bar summing the rest (agents).
///
/// Each bar is a `<rect class="bar" data-label="…" data-value="N">` (the Others bar has
/// `class="bar others"`) with a `<title>label: N (P%)</title>`; the label on the left
/// (`class="bar-label"`) is cut with `…` when long, with the full label in its own `<title>`; the
/// value is printed at the bar's end (`class="value"`). When the height cannot fit every row, the
/// smallest are folded into Others too.
pub fn top_bars(items: &[Slice], top_n: usize, width: u32, height: u32, title: &str) -> String {
    let sum = total(items);
    if sum == 0 {
        return message_svg(width, height, NO_DATA);
    }
    let mut svg = String::new();
    let mut marks = Marks::default();
    match draw_top(
        &mut svg,
        &mut marks,
        items,
        top_n,
        sum,
        (width, height),
        title,
    ) {
        Ok(()) => finish(&svg, title, &marks),
        Err(e) => drawing_failed(width, height, &e),
    }
}

fn draw_top(
    svg: &mut String,
    marks: &mut Marks,
    items: &[Slice],
    top_n: usize,
    sum: u64,
    (width, height): (u32, u32),
    title: &str,
) -> Result<(), String> {
    let (w, h) = (f64::from(width), f64::from(height));
    let root = SVGBackend::with_string(svg, (width, height)).into_drawing_area();
    let top = draw_title(&root, title, w)?;
    let avail = (h - top - PAD).max(MIN_ROW_PX);
    let max_rows = ((avail / MIN_ROW_PX).floor() as usize).max(1);
    // Each bar needs a sentinel colour of its own.
    let mut n = top_n.min(MAX_MARKS - 2);
    let mut rows = top_n_with_others(items, n);
    if rows.len() > max_rows {
        n = max_rows - 1;
        rows = top_n_with_others(items, n);
    }
    let has_others = items.len() > n;
    let row_h = (avail / rows.len() as f64).min(34.0);
    let bar_h = (row_h * 0.66).clamp(2.0, 22.0);
    let widest = rows
        .iter()
        .map(|s| text_px(&s.label, LABEL_PX))
        .fold(0.0, f64::max);
    let label_w = (widest + 10.0).min(w * 0.32).max(24.0);
    let values: Vec<String> = rows.iter().map(|s| group(s.value)).collect();
    let value_w = values
        .iter()
        .map(|v| text_px(v, LABEL_PX))
        .fold(0.0, f64::max)
        + 8.0;
    let x0 = PAD + label_w;
    let span = (w - PAD - value_w - x0).max(4.0);
    let max_value = rows.iter().map(|s| s.value).max().unwrap_or(1).max(1);
    root.draw(&PathElement::new(
        vec![
            (px(x0), px(top)),
            (px(x0), px(top + row_h * rows.len() as f64)),
        ],
        AXIS.stroke_width(1),
    ))
    .map_err(draw_err)?;
    for (i, (s, value)) in rows.iter().zip(values).enumerate() {
        let others = has_others && i + 1 == rows.len();
        let y = top + row_h * (i as f64 + 0.5);
        let len = if s.value == 0 {
            0.0
        } else {
            (s.value as f64 / max_value as f64 * span).max(1.0)
        };
        let color = marks.shape(Mark {
            class: if others { "bar others" } else { "bar" },
            color: if others {
                MUTED.to_string()
            } else {
                chart_var(0)
            },
            extra_style: "",
            attrs: vec![
                ("data-label", s.label.clone()),
                ("data-value", s.value.to_string()),
            ],
            title: Some(format!(
                "{}: {} ({}%)",
                s.label,
                s.value,
                percent(s.value, sum)
            )),
            points: None,
        });
        root.draw(&Rectangle::new(
            [
                (px(x0) + 1, px(y - bar_h / 2.0)),
                (px(x0 + len) + 1, px(y + bar_h / 2.0)),
            ],
            color.filled(),
        ))
        .map_err(draw_err)?;
        root.draw(&Text::new(
            value,
            (px(x0 + len) + 5, px(y)),
            text_style(LABEL_PX, VALUE, HPos::Left, VPos::Center),
        ))
        .map_err(draw_err)?;
        let (label, cut) = fit(&s.label, label_w - 10.0, LABEL_PX);
        let color = marks.text(Mark {
            class: "bar-label",
            color: FG.to_string(),
            extra_style: "",
            attrs: Vec::new(),
            title: cut.then(|| s.label.clone()),
            points: None,
        });
        root.draw(&Text::new(
            label,
            (px(x0 - 6.0), px(y)),
            text_style(LABEL_PX, color, HPos::Right, VPos::Center),
        ))
        .map_err(draw_err)?;
    }
    root.present().map_err(draw_err)?;
    Ok(())
}
