//! The daily chart: one vertical bar per day, with day labels spaced so they never overlap.

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use model::DayCount;

use super::svg::{
    AXIS, GRID, MAX_MARKS, Mark, Marks, NO_DATA, X_LABEL, Y_LABEL, chart_var, drawing_failed,
    finish, message_svg,
};
use super::text::{FONT, LABEL_PX, PAD, compact, draw_err, px, text_px, text_style};

/// At most this many day labels under the daily bars.
pub(super) const MAX_X_LABELS: usize = 10;

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// `YYYY-MM-DD` → (year, month 1-12, day 1-31).
fn parse_day(day: &str) -> Option<(i64, usize, u32)> {
    if day.len() != 10 || day.get(4..5) != Some("-") || day.get(7..8) != Some("-") {
        return None;
    }
    let year = day.get(0..4)?.parse().ok()?;
    let month = day
        .get(5..7)?
        .parse()
        .ok()
        .filter(|m| (1..=12).contains(m))?;
    let dom = day
        .get(8..10)?
        .parse()
        .ok()
        .filter(|d| (1..=31).contains(d))?;
    Some((year, month, dom))
}

/// `Jan 05` when the whole chart is in one year, else `2026-01-05`.
fn day_label(day: &str, short: bool) -> String {
    match parse_day(day) {
        Some((_, month, dom)) if short => format!("{} {dom:02}", MONTHS[month - 1]),
        _ => day.to_string(),
    }
}

/// Whether every day parses and all are in the same year.
fn one_year(days: &[DayCount]) -> bool {
    let mut years = days.iter().map(|d| parse_day(&d.day).map(|(y, _, _)| y));
    match years.next() {
        Some(Some(first)) => years.all(|y| y == Some(first)),
        _ => false,
    }
}

/// Which bars get a day label: at most [`MAX_X_LABELS`], at regular steps (every day, 2, 3, 5, 7
/// or 14 days, else month starts every 1, 2, 3, 4, 6, 12… months), never closer than a label's width.
pub(super) fn x_label_indices(days: &[DayCount], slot_px: f64, label_px: f64) -> Vec<usize> {
    let n = days.len();
    if n == 0 || slot_px <= 0.0 {
        return Vec::new();
    }
    let gap = label_px + 12.0;
    let fit = ((slot_px * n as f64) / gap).floor() as usize;
    let max = fit.clamp(1, MAX_X_LABELS);
    let candidates: Vec<usize> = if n <= max && slot_px >= gap {
        (0..n).collect()
    } else if let Some(step) = [2usize, 3, 5, 7, 14]
        .into_iter()
        .find(|&s| n.div_ceil(s) <= max && s as f64 * slot_px >= gap)
    {
        (0..n).step_by(step).collect()
    } else {
        month_starts(days, max).unwrap_or_else(|| (0..n).step_by(n.div_ceil(max)).collect())
    };
    let min_slots = gap / slot_px;
    let mut out: Vec<usize> = Vec::new();
    for i in candidates {
        if out
            .last()
            .is_none_or(|&last| (i - last) as f64 >= min_slots)
        {
            out.push(i);
        }
    }
    out.truncate(MAX_X_LABELS);
    out
}

/// The first bar of each month, every k-th month (calendar aligned) so that at most `max` remain.
fn month_starts(days: &[DayCount], max: usize) -> Option<Vec<usize>> {
    let mut starts = Vec::new();
    let mut previous = None;
    for (i, d) in days.iter().enumerate() {
        let (year, month, dom) = parse_day(&d.day)?;
        let ordinal = year * 12 + month as i64 - 1;
        // A chart that starts mid-month labels its first full month, not the partial one.
        let first = match previous {
            None => dom == 1,
            Some(p) => p != ordinal,
        };
        if first {
            starts.push((i, ordinal));
        }
        previous = Some(ordinal);
    }
    [1i64, 2, 3, 4, 6, 12, 24, 60, 120, 600, 1200]
        .into_iter()
        .map(|k| {
            starts
                .iter()
                .filter(|(_, o)| o.rem_euclid(k) == 0)
                .map(|(i, _)| *i)
                .collect::<Vec<_>>()
        })
        .find(|picks| !picks.is_empty() && picks.len() <= max)
}

/// Daily rows as vertical bars, one per day present, oldest on the left.
///
/// Each bar is a `<rect class="bar" data-day="YYYY-MM-DD" data-value="N">` with a
/// `<title>YYYY-MM-DD: N</title>`; day labels (`class="x-label"`) are spaced to never overlap.
pub fn daily_bars(days: &[DayCount], width: u32, height: u32) -> String {
    if days.is_empty() {
        return message_svg(width, height, NO_DATA);
    }
    if days.len() >= MAX_MARKS {
        return message_svg(
            width,
            height,
            "Too many days to draw: choose a shorter range",
        );
    }
    let mut svg = String::new();
    let mut marks = Marks::default();
    match draw_daily(&mut svg, &mut marks, days, width, height) {
        Ok(()) => finish(&svg, "Rows per day", &marks),
        Err(e) => drawing_failed(width, height, &e),
    }
}

fn draw_daily(
    svg: &mut String,
    marks: &mut Marks,
    days: &[DayCount],
    width: u32,
    height: u32,
) -> Result<(), String> {
    let n = days.len();
    let short = one_year(days);
    let labels: Vec<String> = days.iter().map(|d| day_label(&d.day, short)).collect();
    let label_px = labels
        .iter()
        .map(|l| text_px(l, LABEL_PX))
        .fold(0.0, f64::max);
    let max = days.iter().map(|d| d.rows).max().unwrap_or(0).max(1);
    let top = max.saturating_add(max / 10).saturating_add(1);
    let root = SVGBackend::with_string(svg, (width, height)).into_drawing_area();
    // Room on the right for half of the last day label, which is centred on its bar.
    let right = ((label_px / 2.0).ceil() as u32 + 2).max(PAD as u32);
    let mut chart = ChartBuilder::on(&root)
        .margin(PAD as u32)
        .margin_right(right)
        .x_label_area_size(24)
        .y_label_area_size(52)
        .build_cartesian_2d(0f64..1f64, 0u64..top)
        .map_err(draw_err)?;
    chart
        .configure_mesh()
        .disable_x_mesh()
        .x_labels(0)
        .light_line_style(TRANSPARENT)
        .bold_line_style(GRID.stroke_width(1))
        .axis_style(AXIS.stroke_width(1))
        .y_label_style((FONT, LABEL_PX * 1.24).into_font().color(&Y_LABEL))
        .y_labels(6)
        .y_label_formatter(&|v| compact(*v))
        .draw()
        .map_err(draw_err)?;
    let (x_range, _) = chart.plotting_area().get_pixel_range();
    let base = chart.backend_coord(&(0.0, 0)).1;
    let left = f64::from(x_range.start);
    let slot = f64::from(x_range.end - x_range.start) / n as f64;
    let bar_w = if slot >= 4.0 {
        (slot * 0.8).min(48.0)
    } else {
        slot
    };
    let centre = |i: usize| left + (i as f64 + 0.5) * slot;
    for (i, d) in days.iter().enumerate() {
        let x0 = px(centre(i) - bar_w / 2.0);
        let x1 = px(centre(i) + bar_w / 2.0).max(x0 + 1);
        let y = chart.backend_coord(&(0.0, d.rows)).1;
        let color = marks.shape(Mark {
            class: "bar",
            color: chart_var(0),
            extra_style: "",
            attrs: vec![
                ("data-day", d.day.clone()),
                ("data-value", d.rows.to_string()),
            ],
            title: Some(format!("{}: {}", d.day, d.rows)),
            points: None,
        });
        root.draw(&Rectangle::new([(x0, y), (x1, base)], color.filled()))
            .map_err(draw_err)?;
    }
    let label_style = text_style(LABEL_PX, X_LABEL, HPos::Center, VPos::Top);
    for i in x_label_indices(days, slot, label_px) {
        let x = px(centre(i));
        root.draw(&PathElement::new(
            vec![(x, base), (x, base + 4)],
            AXIS.stroke_width(1),
        ))
        .map_err(draw_err)?;
        root.draw(&Text::new(
            labels[i].clone(),
            (x, base + 7),
            label_style.clone(),
        ))
        .map_err(draw_err)?;
    }
    root.present().map_err(draw_err)?;
    Ok(())
}
