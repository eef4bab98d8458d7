//! The round charts: the pie (initiation method) and the doughnut (channels, with the total in the
//! hole), each with a legend on the right.

use std::f64::consts::{FRAC_PI_2, TAU};

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use model::Slice;

use super::bars::{top_n_with_others, total};
use super::svg::{
    FG, MORE, MUTED, Mark, Marks, NO_DATA, TOTAL, TOTAL_CAPTION, chart_var, drawing_failed, finish,
    message_svg, swatch,
};
use super::text::{
    Area, FONT, LEGEND_PX, PAD, compact, draw_err, draw_title, fit, group, percent, px, text_px,
    text_style,
};

/// A pie or doughnut shows at most this many slices (the smallest are folded into "Others").
pub(super) const ROUND_MAX_SLICES: usize = 8;

/// Shares as a doughnut (channels), with the total in the hole. See [`pie`] for what is drawn.
pub fn doughnut(slices: &[Slice], width: u32, height: u32, title: &str) -> String {
    round_chart(slices, (width, height), title, true)
}

/// Shares as a pie (initiation method).
///
/// Slices run clockwise from twelve o'clock, largest first; zero values are left out, and past
/// eight slices the smallest are folded into one "Others" slice. Each slice is a
/// `<polygon class="slice" data-label="…" data-value="N">` (a single slice is a full `<circle>`;
/// Others has `class="slice others"`) with a `<title>label: N (P%)</title>`. The legend on the
/// right has a swatch (`class="swatch"`) and a text (`class="legend"`: label, value, percent) per
/// slice; a label cut to fit carries the full label in a `<title>`.
pub fn pie(slices: &[Slice], width: u32, height: u32, title: &str) -> String {
    round_chart(slices, (width, height), title, false)
}

fn round_chart(slices: &[Slice], size: (u32, u32), title: &str, hole: bool) -> String {
    let present: Vec<Slice> = slices.iter().filter(|s| s.value > 0).cloned().collect();
    let sum = total(&present);
    if sum == 0 {
        return message_svg(size.0, size.1, NO_DATA);
    }
    let folded = present.len() > ROUND_MAX_SLICES;
    let keep = if folded {
        ROUND_MAX_SLICES - 1
    } else {
        present.len()
    };
    let shown = top_n_with_others(&present, keep);
    let mut svg = String::new();
    let mut marks = Marks::default();
    let drawn = draw_round(&mut svg, &mut marks, &shown, folded, sum, size, title, hole);
    match drawn {
        Ok(()) => finish(&svg, title, &marks),
        Err(e) => drawing_failed(size.0, size.1, &e),
    }
}

/// The outline of a slice from angle `a0` to `a1` (radians, clockwise on screen): a wedge to the
/// centre, or a ring sector when `inner` > 0. Points are at most 3 px apart along the arc.
fn wedge(centre: (f64, f64), r: f64, inner: f64, a0: f64, a1: f64) -> Vec<(f64, f64)> {
    let steps = ((a1 - a0) * r / 3.0).ceil().max(1.0) as usize;
    let at = |radius: f64, k: usize| {
        let a = a0 + (a1 - a0) * k as f64 / steps as f64;
        (centre.0 + radius * a.cos(), centre.1 + radius * a.sin())
    };
    let mut points: Vec<(f64, f64)> = (0..=steps).map(|k| at(r, k)).collect();
    if inner > 0.0 {
        points.extend((0..=steps).rev().map(|k| at(inner, k)));
    } else {
        points.push(centre);
    }
    points
}

/// Points as an SVG `points` attribute, to a tenth of a pixel.
fn points_attr(points: &[(f64, f64)]) -> String {
    points
        .iter()
        .map(|(x, y)| format!("{x:.1},{y:.1}"))
        .collect::<Vec<_>>()
        .join(" ")
}

#[allow(clippy::too_many_arguments)]
fn draw_round(
    svg: &mut String,
    marks: &mut Marks,
    shown: &[Slice],
    folded: bool,
    sum: u64,
    (width, height): (u32, u32),
    title: &str,
    hole: bool,
) -> Result<(), String> {
    let (w, h) = (f64::from(width), f64::from(height));
    let root = SVGBackend::with_string(svg, (width, height)).into_drawing_area();
    let top = draw_title(&root, title, w)?;
    let avail = (h - top - PAD).max(10.0);
    let r = (avail.min(w * 0.5 - 2.0 * PAD) / 2.0).max(5.0);
    let centre = (PAD + r, top + avail / 2.0);
    let inner = if hole { r * 0.58 } else { 0.0 };
    let single = shown.len() == 1;
    let mut a0 = -FRAC_PI_2;
    for (i, s) in shown.iter().enumerate() {
        let others = folded && i + 1 == shown.len();
        let a1 = a0 + s.value as f64 / sum as f64 * TAU;
        let outline = (!single).then(|| wedge(centre, r, inner, a0, a1));
        let color = marks.shape(Mark {
            class: if others { "slice others" } else { "slice" },
            color: if others {
                MUTED.to_string()
            } else {
                chart_var(i)
            },
            // A thin line in the panel colour between slices.
            extra_style: if single {
                ""
            } else {
                "stroke:var(--panel);stroke-width:1"
            },
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
            points: outline.as_deref().map(points_attr),
        });
        let c = (px(centre.0), px(centre.1));
        let drawn = match (single, hole) {
            (true, false) => root.draw(&Circle::new(c, px(r), color.filled())),
            (true, true) => root.draw(&Circle::new(
                c,
                px((r + inner) / 2.0),
                color.stroke_width((r - inner).round() as u32),
            )),
            (false, _) => root.draw(&Polygon::new(
                outline
                    .unwrap_or_default()
                    .into_iter()
                    .map(|(x, y)| (px(x), px(y)))
                    .collect::<Vec<_>>(),
                color.filled(),
            )),
        };
        drawn.map_err(draw_err)?;
        a0 = a1;
    }
    if hole && inner >= 22.0 {
        let size = (inner * 0.42).min(20.0);
        let mut text = group(sum);
        if text_px(&text, size) > inner * 1.7 {
            text = compact(sum);
        }
        let style = (FONT, size * 1.24, FontStyle::Bold)
            .into_font()
            .color(&TOTAL)
            .pos(Pos::new(HPos::Center, VPos::Center));
        root.draw(&Text::new(
            text,
            (px(centre.0), px(centre.1 - size * 0.3)),
            style,
        ))
        .map_err(draw_err)?;
        root.draw(&Text::new(
            "total",
            (px(centre.0), px(centre.1 + size * 0.75)),
            text_style(11.0, TOTAL_CAPTION, HPos::Center, VPos::Center),
        ))
        .map_err(draw_err)?;
    }
    draw_legend(
        &root,
        marks,
        shown,
        folded,
        sum,
        centre.0 + r + 16.0,
        top,
        avail,
        w,
    )?;
    root.present().map_err(draw_err)?;
    Ok(())
}

#[allow(clippy::too_many_arguments)]
fn draw_legend(
    root: &Area<'_>,
    marks: &mut Marks,
    shown: &[Slice],
    folded: bool,
    sum: u64,
    x: f64,
    top: f64,
    avail: f64,
    w: f64,
) -> Result<(), String> {
    let width = w - PAD - x;
    if width < 40.0 {
        return Ok(());
    }
    let line_h = 20.0;
    let max_lines = ((avail / line_h).floor() as usize).max(1);
    let (entries, more) = if shown.len() <= max_lines {
        (shown.len(), 0)
    } else {
        (max_lines - 1, shown.len() - (max_lines - 1))
    };
    let lines = entries + usize::from(more > 0);
    let mut y = top + avail / 2.0 - lines as f64 * line_h / 2.0 + line_h / 2.0;
    for (i, s) in shown.iter().take(entries).enumerate() {
        let others = folded && i + 1 == shown.len();
        root.draw(&Rectangle::new(
            [(px(x), px(y - 5.0)), (px(x + 10.0), px(y + 5.0))],
            swatch((!others).then_some(i)).filled(),
        ))
        .map_err(draw_err)?;
        let suffix = format!(": {} ({}%)", group(s.value), percent(s.value, sum));
        let room = width - 16.0 - text_px(&suffix, LEGEND_PX);
        let (label, cut) = fit(&s.label, room, LEGEND_PX);
        let color = marks.text(Mark {
            class: "legend",
            color: FG.to_string(),
            extra_style: "",
            attrs: Vec::new(),
            title: cut.then(|| s.label.clone()),
            points: None,
        });
        root.draw(&Text::new(
            format!("{label}{suffix}"),
            (px(x + 16.0), px(y)),
            text_style(LEGEND_PX, color, HPos::Left, VPos::Center),
        ))
        .map_err(draw_err)?;
        y += line_h;
    }
    if more > 0 {
        root.draw(&Text::new(
            format!("+{more} more"),
            (px(x + 16.0), px(y)),
            text_style(LEGEND_PX, MORE, HPos::Left, VPos::Center),
        ))
        .map_err(draw_err)?;
    }
    Ok(())
}
