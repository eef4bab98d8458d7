//! Charts drawn with plotters into SVG strings: the daily bars, the channel doughnut, the
//! initiation pie and the agent top-N bars.
//!
//! Colours are drawn as sentinel values and then rewritten to CSS variables, so a theme change
//! recolours a chart without drawing it again. Every bar and slice is drawn in a colour of its own
//! (an index encoded in the RGB value); the rewrite turns it into the element the page needs: a CSS
//! class, `data-*` attributes for scripts and tests, and a `<title>` child (the hover tooltip).
//!
//! Nothing here measures text with plotters (its browser build would ask the DOM): text widths are
//! estimated from the characters, so the server and the browser draw the same SVG.

use std::f64::consts::{FRAC_PI_2, TAU};

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use model::{DayCount, Slice};

/// The label of the bar or slice that sums everything outside the top N.
pub const OTHERS: &str = "Others";

const NO_DATA: &str = "No data in this range";
const FONT: &str = "sans-serif";
/// Padding around every chart, in pixels.
const PAD: f64 = 8.0;
/// Text sizes in CSS pixels.
const LABEL_PX: f64 = 12.0;
const LEGEND_PX: f64 = 13.0;
const TITLE_PX: f64 = 14.0;
/// At most this many day labels under the daily bars.
const MAX_X_LABELS: usize = 10;
/// Chart colour variables per theme (`--chart-1` … `--chart-8` in style/main.css).
const PALETTE: usize = 8;
/// A pie or doughnut shows at most this many slices (the smallest are folded into "Others").
const ROUND_MAX_SLICES: usize = 8;
/// Horizontal bars get at least this much height each; more rows than fit are folded into "Others".
const MIN_ROW_PX: f64 = 18.0;

const FG: &str = "var(--fg)";
const MUTED: &str = "var(--muted)";

/// Fixed sentinel colours (red 1) and what each becomes: an optional class and a CSS colour.
const AXIS: RGBColor = RGBColor(1, 2, 1);
const GRID: RGBColor = RGBColor(1, 2, 2);
const TITLE: RGBColor = RGBColor(1, 2, 3);
const X_LABEL: RGBColor = RGBColor(1, 2, 4);
const Y_LABEL: RGBColor = RGBColor(1, 2, 5);
const VALUE: RGBColor = RGBColor(1, 2, 6);
const TOTAL: RGBColor = RGBColor(1, 2, 7);
const TOTAL_CAPTION: RGBColor = RGBColor(1, 2, 8);
const MORE: RGBColor = RGBColor(1, 2, 9);
const FIXED: [(RGBColor, Option<&str>, &str); 9] = [
    (AXIS, None, MUTED),
    (GRID, None, "var(--grid)"),
    (TITLE, Some("chart-title"), FG),
    (X_LABEL, Some("x-label"), MUTED),
    (Y_LABEL, Some("y-label"), MUTED),
    (VALUE, Some("value"), MUTED),
    (TOTAL, Some("total"), FG),
    (TOTAL_CAPTION, Some("total-caption"), MUTED),
    (MORE, Some("legend-more"), MUTED),
];

/// Legend swatches: red 1, green 3, blue the palette index (255 for "Others").
fn swatch(palette: Option<usize>) -> RGBColor {
    match palette {
        Some(i) => RGBColor(1, 3, (i % PALETTE) as u8),
        None => RGBColor(1, 3, 255),
    }
}

/// Per-element sentinels: shapes (bars, slices) have red 0x10..0x80, texts red 0x80..0xF0; the
/// index is the rest of the red byte and the green and blue bytes.
const SHAPE_BASE: u8 = 0x10;
const TEXT_BASE: u8 = 0x80;
/// How many elements of one kind a chart can carry.
const MAX_MARKS: usize = 0x70 << 16;

/// The CSS colour of palette entry `i`.
fn chart_var(i: usize) -> String {
    format!("var(--chart-{})", i % PALETTE + 1)
}

/// What an element drawn in a per-element sentinel colour becomes.
struct Mark {
    /// The `class` attribute.
    class: &'static str,
    /// The CSS colour that replaces the sentinel (as `fill` or `stroke`, whichever it was).
    color: String,
    /// More CSS for the element's `style`.
    extra_style: &'static str,
    /// `data-*` attributes, unescaped.
    attrs: Vec<(&'static str, String)>,
    /// The `<title>` child (tooltip), unescaped.
    title: Option<String>,
    /// Replaces the `points` plotters wrote (whole pixels) with these (fractions of a pixel).
    points: Option<String>,
}

/// The marks of one chart, in drawing order.
#[derive(Default)]
struct Marks {
    shapes: Vec<Mark>,
    texts: Vec<Mark>,
}

impl Marks {
    /// Registers a bar or slice and returns the colour to draw it in.
    fn shape(&mut self, mark: Mark) -> RGBColor {
        self.shapes.push(mark);
        sentinel(SHAPE_BASE, self.shapes.len() - 1)
    }

    /// Registers a text element and returns the colour to draw it in.
    fn text(&mut self, mark: Mark) -> RGBColor {
        self.texts.push(mark);
        sentinel(TEXT_BASE, self.texts.len() - 1)
    }
}

fn sentinel(base: u8, i: usize) -> RGBColor {
    RGBColor(base + (i >> 16) as u8, (i >> 8) as u8, i as u8)
}

/// What a `#RRGGBB` colour written by plotters stands for.
enum Ink<'a> {
    Fixed(Option<&'static str>, String),
    Mark(&'a Mark),
}

fn decode<'a>(hex: &str, marks: &'a Marks) -> Option<Ink<'a>> {
    let hex = hex.strip_prefix('#')?;
    let byte = |i: usize| u8::from_str_radix(hex.get(i..i + 2)?, 16).ok();
    let (r, g, b) = (byte(0)?, byte(2)?, byte(4)?);
    let index = |base: u8| (usize::from(r - base) << 16) | (usize::from(g) << 8) | usize::from(b);
    match r {
        1 if g == 3 && b == 255 => Some(Ink::Fixed(Some("swatch others"), MUTED.to_string())),
        1 if g == 3 => Some(Ink::Fixed(Some("swatch"), chart_var(usize::from(b)))),
        1 => FIXED
            .iter()
            .find(|(rgb, _, _)| *rgb == RGBColor(r, g, b))
            .map(|(_, class, css)| Ink::Fixed(*class, css.to_string())),
        SHAPE_BASE..TEXT_BASE => marks.shapes.get(index(SHAPE_BASE)).map(Ink::Mark),
        TEXT_BASE..0xF0 => marks.texts.get(index(TEXT_BASE)).map(Ink::Mark),
        _ => None,
    }
}

/// Escapes text for SVG content and attribute values (labels come from user data).
fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

/// One start tag as plotters writes it: on a line of its own, attribute values quoted and escaped.
struct Tag<'a> {
    name: &'a str,
    attrs: Vec<(&'a str, &'a str)>,
    self_closing: bool,
}

fn parse_tag(line: &str) -> Option<Tag<'_>> {
    let body = line.strip_prefix('<')?;
    if body.starts_with('/') {
        return None;
    }
    let (body, self_closing) = match body.strip_suffix("/>") {
        Some(b) => (b, true),
        None => (body.strip_suffix('>')?, false),
    };
    let (name, mut rest) = body.split_at(body.find(' ').unwrap_or(body.len()));
    let mut attrs = Vec::new();
    loop {
        rest = rest.trim_start();
        if rest.is_empty() {
            break;
        }
        let eq = rest.find("=\"")?;
        let after = &rest[eq + 2..];
        let close = after.find('"')?;
        attrs.push((&rest[..eq], &after[..close]));
        rest = &after[close + 1..];
    }
    Some(Tag {
        name,
        attrs,
        self_closing,
    })
}

/// Rewrites plotters' SVG: sentinel colours become CSS variables (with classes, `data-*` attributes
/// and `<title>`s for marked elements), font sizes are rounded, and the root gets an accessible name.
fn finish(raw: &str, name: &str, marks: &Marks) -> String {
    let mut out = String::with_capacity(raw.len() + marks.shapes.len() * 96);
    for line in raw.lines() {
        match parse_tag(line) {
            Some(tag) => rewrite(&mut out, tag, name, marks),
            None => out.push_str(line),
        }
        out.push('\n');
    }
    out
}

fn rewrite(out: &mut String, tag: Tag<'_>, name: &str, marks: &Marks) {
    let mark = tag
        .attrs
        .iter()
        .find_map(|(key, value)| match (*key, decode(value, marks)) {
            ("fill" | "stroke", Some(Ink::Mark(m))) => Some(m),
            _ => None,
        });
    let mut class = None;
    let mut style = Vec::new();
    let mut kept: Vec<(&str, String)> = Vec::new();
    for (key, value) in tag.attrs {
        match (key, decode(value, marks)) {
            ("fill" | "stroke", Some(Ink::Fixed(c, css))) => {
                class = class.or(c);
                style.push(format!("{key}:{css}"));
            }
            ("fill" | "stroke", Some(Ink::Mark(m))) => style.push(format!("{key}:{}", m.color)),
            ("opacity", _) if value == "1" => {}
            ("font-size", _) => kept.push((key, tidy_number(value))),
            ("points", _) => match mark.and_then(|m| m.points.clone()) {
                Some(points) => kept.push((key, points)),
                None => kept.push((key, value.to_string())),
            },
            _ => kept.push((key, value.to_string())),
        }
    }
    if tag.name == "svg" {
        kept.push(("role", "img".to_string()));
        if !name.is_empty() {
            kept.push(("aria-label", esc(name)));
        }
    }
    out.push('<');
    out.push_str(tag.name);
    if let Some(c) = mark.map(|m| m.class).or(class) {
        push_attr(out, "class", c);
    }
    if let Some(m) = mark {
        for (key, value) in &m.attrs {
            push_attr(out, key, &esc(value));
        }
        if !m.extra_style.is_empty() {
            style.push(m.extra_style.to_string());
        }
    }
    for (key, value) in &kept {
        push_attr(out, key, value);
    }
    if !style.is_empty() {
        push_attr(out, "style", &style.join(";"));
    }
    let title = mark.and_then(|m| m.title.as_deref());
    match (tag.self_closing, title) {
        (true, None) => out.push_str("/>"),
        (false, None) => out.push('>'),
        (close, Some(t)) => {
            out.push_str("><title>");
            out.push_str(&esc(t));
            out.push_str("</title>");
            if close {
                out.push_str("</");
                out.push_str(tag.name);
                out.push('>');
            }
        }
    }
}

/// Appends ` key="value"`; the value must already be escaped.
fn push_attr(out: &mut String, key: &str, value: &str) {
    out.push(' ');
    out.push_str(key);
    out.push_str("=\"");
    out.push_str(value);
    out.push('"');
}

/// `9.677419354838708` → `9.68` (plotters prints font sizes with every digit).
fn tidy_number(value: &str) -> String {
    match value.parse::<f64>() {
        Ok(v) => format!("{}", (v * 100.0).round() / 100.0),
        Err(_) => value.to_string(),
    }
}

/// A short message in place of a chart (empty range, drawing failure).
fn message_svg(width: u32, height: u32, text: &str) -> String {
    let text = esc(text);
    format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\" role=\"img\" aria-label=\"{text}\"><text class=\"message\" x=\"50%\" y=\"50%\" text-anchor=\"middle\" style=\"fill:var(--muted)\">{text}</text></svg>"
    )
}

fn drawing_failed(width: u32, height: u32, e: &str) -> String {
    message_svg(width, height, &format!("Chart could not be drawn: {e}"))
}

// ---------------------------------------------------------------------------------------------
// Numbers and text

/// `1234567` → `1,234,567`.
fn group(n: u64) -> String {
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
fn compact(n: u64) -> String {
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
fn percent(value: u64, total: u64) -> String {
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
fn text_px(text: &str, px: f64) -> f64 {
    text.chars().map(char_em).sum::<f64>() * px
}

/// The text cut to fit `max_px` (ending in `…`), and whether it was cut.
fn fit(text: &str, max_px: f64, px: f64) -> (String, bool) {
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
fn text_style(px: f64, color: RGBColor, h: HPos, v: VPos) -> TextStyle<'static> {
    (FONT, px * 1.24)
        .into_font()
        .color(&color)
        .pos(Pos::new(h, v))
}

type Area<'a> = DrawingArea<SVGBackend<'a>, Shift>;

fn px(v: f64) -> i32 {
    v.round() as i32
}

fn draw_err(e: impl std::fmt::Display) -> String {
    e.to_string()
}

/// Draws the chart title (if any) and returns the top of the space below it.
fn draw_title(root: &Area<'_>, title: &str, width: f64) -> Result<f64, String> {
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

// ---------------------------------------------------------------------------------------------
// Daily bars

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
fn x_label_indices(days: &[DayCount], slot_px: f64, label_px: f64) -> Vec<usize> {
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

// ---------------------------------------------------------------------------------------------
// Top N

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

fn total(items: &[Slice]) -> u64 {
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

// ---------------------------------------------------------------------------------------------
// Pie and doughnut

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

#[cfg(test)]
mod tests;
