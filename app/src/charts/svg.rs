//! The SVG rewrite: charts are drawn in sentinel colours, and [`finish`] turns plotters' output into
//! the page's SVG. Fixed sentinels become CSS variables (with a class); a per-element sentinel names
//! a [`Mark`], which becomes a class, `data-*` attributes and a `<title>` tooltip. Also the message
//! shown in place of a chart, and the escaping of user text.

use plotters::prelude::*;

/// What a chart shows when its range has no data.
pub(super) const NO_DATA: &str = "No data in this range";
/// Chart colour variables per theme (`--chart-1` … `--chart-8` in style/main.css).
const PALETTE: usize = 8;

/// Text colour.
pub(super) const FG: &str = "var(--fg)";
/// Secondary colour (axes, captions, Others).
pub(super) const MUTED: &str = "var(--muted)";

/// Fixed sentinel colours (red 1) and what each becomes: an optional class and a CSS colour.
pub(super) const AXIS: RGBColor = RGBColor(1, 2, 1);
pub(super) const GRID: RGBColor = RGBColor(1, 2, 2);
pub(super) const TITLE: RGBColor = RGBColor(1, 2, 3);
pub(super) const X_LABEL: RGBColor = RGBColor(1, 2, 4);
pub(super) const Y_LABEL: RGBColor = RGBColor(1, 2, 5);
pub(super) const VALUE: RGBColor = RGBColor(1, 2, 6);
pub(super) const TOTAL: RGBColor = RGBColor(1, 2, 7);
pub(super) const TOTAL_CAPTION: RGBColor = RGBColor(1, 2, 8);
pub(super) const MORE: RGBColor = RGBColor(1, 2, 9);
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
pub(super) fn swatch(palette: Option<usize>) -> RGBColor {
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
pub(super) const MAX_MARKS: usize = 0x70 << 16;

/// The CSS colour of palette entry `i`.
pub(super) fn chart_var(i: usize) -> String {
    format!("var(--chart-{})", i % PALETTE + 1)
}

/// What an element drawn in a per-element sentinel colour becomes.
pub(super) struct Mark {
    /// The `class` attribute.
    pub(super) class: &'static str,
    /// The CSS colour that replaces the sentinel (as `fill` or `stroke`, whichever it was).
    pub(super) color: String,
    /// More CSS for the element's `style`.
    pub(super) extra_style: &'static str,
    /// `data-*` attributes, unescaped.
    pub(super) attrs: Vec<(&'static str, String)>,
    /// The `<title>` child (tooltip), unescaped.
    pub(super) title: Option<String>,
    /// Replaces the `points` plotters wrote (whole pixels) with these (fractions of a pixel).
    pub(super) points: Option<String>,
}

/// The marks of one chart, in drawing order.
#[derive(Default)]
pub(super) struct Marks {
    shapes: Vec<Mark>,
    texts: Vec<Mark>,
}

impl Marks {
    /// Registers a bar or slice and returns the colour to draw it in.
    pub(super) fn shape(&mut self, mark: Mark) -> RGBColor {
        self.shapes.push(mark);
        sentinel(SHAPE_BASE, self.shapes.len() - 1)
    }

    /// Registers a text element and returns the colour to draw it in.
    pub(super) fn text(&mut self, mark: Mark) -> RGBColor {
        self.texts.push(mark);
        sentinel(TEXT_BASE, self.texts.len() - 1)
    }
}

fn sentinel(base: u8, i: usize) -> RGBColor {
    RGBColor(base + (i >> 16) as u8, (i >> 8) as u8, i as u8)
}

/// What a `#RRGGBB` colour written by plotters stands for.
pub(super) enum Ink<'a> {
    Fixed(Option<&'static str>, String),
    Mark(&'a Mark),
}

pub(super) fn decode<'a>(hex: &str, marks: &'a Marks) -> Option<Ink<'a>> {
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
pub(super) fn finish(raw: &str, name: &str, marks: &Marks) -> String {
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
pub(super) fn message_svg(width: u32, height: u32, text: &str) -> String {
    let text = esc(text);
    format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\" role=\"img\" aria-label=\"{text}\"><text class=\"message\" x=\"50%\" y=\"50%\" text-anchor=\"middle\" style=\"fill:var(--muted)\">{text}</text></svg>"
    )
}

/// The message shown when plotters fails to draw a chart.
pub(super) fn drawing_failed(width: u32, height: u32, e: &str) -> String {
    message_svg(width, height, &format!("Chart could not be drawn: {e}"))
}
