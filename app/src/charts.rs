//! Charts drawn with plotters into SVG strings. Colours are drawn as sentinel values and then
//! rewritten to CSS variables, so a theme change recolours a chart without drawing it again.

use plotters::prelude::*;

use crate::model::DayCount;

/// Sentinel colours and the CSS each becomes.
const BAR: RGBColor = RGBColor(1, 2, 3);
const INK: RGBColor = RGBColor(1, 2, 4);
const GRID: RGBColor = RGBColor(1, 2, 5);

fn recolor(svg: String) -> String {
    svg.replace(
        "fill=\"#010203\"",
        "class=\"bar\" style=\"fill:var(--chart-1)\"",
    )
    .replace("fill=\"#010204\"", "style=\"fill:var(--fg)\"")
    .replace("stroke=\"#010204\"", "style=\"stroke:var(--muted)\"")
    .replace("stroke=\"#010205\"", "style=\"stroke:var(--grid)\"")
    .replace("fill=\"#010205\"", "style=\"fill:var(--grid)\"")
}

/// A short message in place of a chart (empty range, drawing failure).
fn message_svg(width: u32, height: u32, text: &str) -> String {
    let text = text.replace('&', "&amp;").replace('<', "&lt;");
    format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\" role=\"img\"><text x=\"50%\" y=\"50%\" text-anchor=\"middle\" style=\"fill:var(--muted)\">{text}</text></svg>"
    )
}

/// Daily rows as vertical bars, one per day present, oldest on the left.
pub fn daily_bars(days: &[DayCount], width: u32, height: u32) -> String {
    if days.is_empty() {
        return message_svg(width, height, "No data in this range");
    }
    let mut svg = String::new();
    let drawn = draw_daily(&mut svg, days, width, height);
    match drawn {
        Ok(()) => recolor(svg),
        Err(e) => message_svg(width, height, &format!("Chart could not be drawn: {e}")),
    }
}

fn draw_daily(svg: &mut String, days: &[DayCount], width: u32, height: u32) -> Result<(), String> {
    let err = |e: &dyn std::fmt::Display| e.to_string();
    let root = SVGBackend::with_string(svg, (width, height)).into_drawing_area();
    let n = days.len() as u32;
    let max = days.iter().map(|d| d.rows).max().unwrap_or(1).max(1);
    let top = max + max / 10 + 1;
    // Discrete ranges include their end: 0..n-1 gives exactly n slots (one day needs a wider range).
    let last_index = if n > 1 { n - 1 } else { 1 };
    let label_every = (n / 8).max(1) as usize;
    let ink = ("sans-serif", 12).into_font().color(&INK);
    let mut chart = ChartBuilder::on(&root)
        .margin(8)
        .x_label_area_size(28)
        .y_label_area_size(48)
        .build_cartesian_2d((0..last_index).into_segmented(), 0..top)
        .map_err(|e| err(&e))?;
    chart
        .configure_mesh()
        .disable_x_mesh()
        .light_line_style(GRID.stroke_width(0))
        .bold_line_style(GRID.stroke_width(1))
        .axis_style(INK.stroke_width(1))
        .label_style(ink)
        .x_labels(days.len())
        .x_label_formatter(&|v| match v {
            SegmentValue::CenterOf(i) if (*i as usize).is_multiple_of(label_every) => days
                .get(*i as usize)
                .map(|d| d.day.get(5..).unwrap_or(&d.day).to_string())
                .unwrap_or_default(),
            _ => String::new(),
        })
        .y_labels(6)
        .draw()
        .map_err(|e| err(&e))?;
    chart
        .draw_series(days.iter().enumerate().map(|(i, d)| {
            let i = i as u32;
            let mut bar = Rectangle::new(
                [
                    (SegmentValue::Exact(i), 0),
                    (SegmentValue::Exact(i + 1), d.rows),
                ],
                BAR.filled(),
            );
            bar.set_margin(0, 0, 1, 1);
            bar
        }))
        .map_err(|e| err(&e))?;
    root.present().map_err(|e| err(&e))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn days(n: usize) -> Vec<DayCount> {
        (0..n)
            .map(|i| DayCount {
                day: format!("2026-01-{:02}", i + 1),
                rows: (i as u64 * 7) % 13 + 1,
            })
            .collect()
    }

    #[test]
    fn one_bar_per_day() {
        for n in [1, 7, 31] {
            let svg = daily_bars(&days(n), 640, 240);
            assert_eq!(svg.matches("class=\"bar\"").count(), n, "{svg}");
            assert!(
                !svg.contains("#010203"),
                "sentinel colour left in the chart"
            );
        }
    }

    #[test]
    fn an_empty_range_says_so() {
        let svg = daily_bars(&[], 640, 240);
        assert!(svg.contains("No data in this range"));
        assert_eq!(svg.matches("class=\"bar\"").count(), 0);
    }

    #[test]
    fn a_year_of_days_draws() {
        let svg = daily_bars(
            &days(28).into_iter().cycle().take(365).collect::<Vec<_>>(),
            960,
            240,
        );
        assert_eq!(svg.matches("class=\"bar\"").count(), 365);
    }
}
