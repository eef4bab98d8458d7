//! Chart tests: the SVG is read back with a minimal parser (tags, attributes, titles, texts).

use super::*;

const HOSTILE: &str = "O'Brien & <script>alert(1)</script> \"x\"";
const HOSTILE_ESCAPED: &str =
    "O&apos;Brien &amp; &lt;script&gt;alert(1)&lt;/script&gt; &quot;x&quot;";

fn slice(label: &str, value: u64) -> Slice {
    Slice {
        label: label.to_string(),
        value,
    }
}

fn unesc(text: &str) -> String {
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&amp;", "&")
}

/// An element's start tag and the text of its `<title>` child, if any.
struct El {
    tag: String,
    title: Option<String>,
}

impl El {
    fn name(&self) -> &str {
        self.tag[1..]
            .split([' ', '>', '/'])
            .next()
            .unwrap_or_default()
    }

    fn attr(&self, name: &str) -> Option<String> {
        attr(&self.tag, name)
    }

    fn value(&self) -> u64 {
        self.attr("data-value")
            .and_then(|v| v.parse().ok())
            .expect("data-value is a number")
    }

    fn label(&self) -> String {
        self.attr("data-label").expect("data-label")
    }
}

fn attr(tag: &str, name: &str) -> Option<String> {
    let key = format!(" {name}=\"");
    let start = tag.find(&key)? + key.len();
    let len = tag[start..].find('"')?;
    Some(unesc(&tag[start..start + len]))
}

/// Every element whose start tag has the attribute `attr`, in document order.
fn elements_with(svg: &str, attr: &str) -> Vec<El> {
    let needle = format!(" {attr}=\"");
    let mut out = Vec::new();
    let mut rest = svg;
    while let Some(start) = rest.find('<') {
        rest = &rest[start..];
        let end = rest.find('>').expect("every tag ends");
        let tag = &rest[..=end];
        if tag.contains(&needle) {
            let after = &rest[end + 1..];
            let title = (!tag.ends_with("/>"))
                .then(|| after.strip_prefix("<title>"))
                .flatten()
                .and_then(|t| t.find("</title>").map(|e| unesc(&t[..e])));
            out.push(El {
                tag: tag.to_string(),
                title,
            });
        }
        rest = &rest[end + 1..];
    }
    out
}

/// Elements carrying data (bars, slices).
fn marks(svg: &str) -> Vec<El> {
    elements_with(svg, "data-value")
}

/// The visible text of every `<text>` with exactly this class, with its start tag.
fn texts(svg: &str, class: &str) -> Vec<(String, String)> {
    elements_with(svg, "class")
        .into_iter()
        .filter(|e| e.name() == "text" && e.attr("class").as_deref() == Some(class))
        .map(|e| {
            let at = svg.find(&e.tag).expect("tag is in the svg") + e.tag.len();
            let body = &svg[at..];
            let body = &body[..body.find("</text>").expect("text ends")];
            let body = match body.find("</title>") {
                Some(i) if body.starts_with("<title>") => &body[i + "</title>".len()..],
                _ => body,
            };
            (e.tag, unesc(body.trim()))
        })
        .collect()
}

fn text_values(svg: &str, class: &str) -> Vec<String> {
    texts(svg, class).into_iter().map(|(_, t)| t).collect()
}

/// Well formed (balanced tags, known entities), no script, and every colour a CSS variable.
fn check(svg: &str) {
    assert!(svg.starts_with("<svg"), "{svg}");
    assert!(
        !svg.to_lowercase().contains("<script"),
        "raw script in {svg}"
    );
    let mut stack: Vec<String> = Vec::new();
    let mut rest = svg;
    while let Some(i) = rest.find(['<', '&']) {
        if rest[i..].starts_with('&') {
            assert!(
                ["&amp;", "&lt;", "&gt;", "&quot;", "&apos;"]
                    .iter()
                    .any(|e| rest[i..].starts_with(e)),
                "bare & in {}",
                &rest[i..rest.len().min(i + 40)]
            );
            rest = &rest[i + 1..];
            continue;
        }
        let end = i + rest[i..].find('>').expect("tag ends");
        let tag = &rest[i + 1..end];
        assert!(!tag.contains('<'), "< inside a tag: {tag}");
        if let Some(name) = tag.strip_prefix('/') {
            assert_eq!(stack.pop().as_deref(), Some(name), "unbalanced at {tag}");
        } else if !tag.ends_with('/') {
            stack.push(tag.split(' ').next().unwrap_or_default().to_string());
        }
        rest = &rest[end + 1..];
    }
    assert!(stack.is_empty(), "unclosed {stack:?}");
    // Every text says something and has a class (no blank labels left by the axes).
    for (i, _) in svg.match_indices("<text") {
        let tag = &svg[i..i + svg[i..].find('>').expect("tag ends") + 1];
        assert!(attr(tag, "class").is_some(), "{tag}");
        let body = &svg[i + tag.len()..];
        let body = &body[..body.find("</text>").expect("text ends")];
        let body = body.rsplit("</title>").next().unwrap_or_default();
        assert!(!body.trim().is_empty(), "empty {tag}");
    }
    // No colour literal left: no sentinel, no plotters default.
    for (i, _) in svg.match_indices('#') {
        let hex = svg[i + 1..].chars().take(6).filter(char::is_ascii_hexdigit);
        assert!(hex.count() < 6, "colour literal at {}", &svg[i..]);
    }
    for attr_name in ["fill", "stroke"] {
        for e in elements_with(svg, attr_name) {
            assert_eq!(e.attr(attr_name).as_deref(), Some("none"), "{}", e.tag);
        }
    }
    for e in elements_with(svg, "style") {
        let style = e.attr("style").unwrap_or_default();
        for decl in style.split(';') {
            let (prop, value) = decl.split_once(':').expect("prop:value");
            if prop == "fill" || prop == "stroke" {
                assert!(value.starts_with("var(--"), "{style}");
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Daily bars

/// `count` consecutive calendar days from `y-m-d`, with varying rows.
fn calendar(mut y: i64, mut m: usize, mut d: u32, count: usize) -> Vec<DayCount> {
    let mut out = Vec::new();
    for i in 0..count {
        out.push(DayCount {
            day: format!("{y:04}-{m:02}-{d:02}"),
            rows: (i as u64 * 37) % 101 + 1,
        });
        let leap = y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);
        let len = match m {
            2 if leap => 29,
            2 => 28,
            4 | 6 | 9 | 11 => 30,
            _ => 31,
        };
        d += 1;
        if d > len {
            d = 1;
            m += 1;
            if m > 12 {
                m = 1;
                y += 1;
            }
        }
    }
    out
}

fn x_positions(svg: &str) -> Vec<f64> {
    texts(svg, "x-label")
        .iter()
        .map(|(tag, _)| {
            attr(tag, "x")
                .and_then(|x| x.parse().ok())
                .expect("x-label has x")
        })
        .collect()
}

/// Labels do not overlap: centres are at least the wider label's estimated width apart.
fn assert_apart(svg: &str) {
    let labels = text_values(svg, "x-label");
    let xs = x_positions(svg);
    for i in 1..xs.len() {
        let need = (text_px(&labels[i - 1], LABEL_PX) + text_px(&labels[i], LABEL_PX)) / 2.0;
        assert!(xs[i] - xs[i - 1] >= need, "{labels:?} at {xs:?}");
    }
}

#[test]
fn daily_an_empty_range_says_so() {
    let svg = daily_bars(&[], 640, 240);
    assert!(svg.contains("No data in this range"));
    assert!(marks(&svg).is_empty());
    check(&svg);
}

#[test]
fn daily_one_bar_per_day() {
    for n in [1, 7, 31] {
        let days = calendar(2026, 1, 1, n);
        let svg = daily_bars(&days, 640, 240);
        check(&svg);
        let bars = marks(&svg);
        assert_eq!(bars.len(), n);
        assert_eq!(svg.matches("class=\"bar\"").count(), n);
        for (bar, day) in bars.iter().zip(&days) {
            assert_eq!(bar.name(), "rect");
            assert_eq!(bar.attr("data-day").as_deref(), Some(day.day.as_str()));
            assert_eq!(bar.value(), day.rows);
            assert_eq!(bar.title, Some(format!("{}: {}", day.day, day.rows)));
            assert_eq!(bar.attr("style").as_deref(), Some("fill:var(--chart-1)"));
        }
    }
}

#[test]
fn daily_one_day() {
    let days = [DayCount {
        day: "2026-01-05".to_string(),
        rows: 12,
    }];
    let svg = daily_bars(&days, 960, 260);
    check(&svg);
    let bars = marks(&svg);
    assert_eq!(bars.len(), 1);
    assert_eq!(bars[0].title.as_deref(), Some("2026-01-05: 12"));
    assert_eq!(text_values(&svg, "x-label"), ["Jan 05"]);
    // The one bar is centred and not as wide as the chart.
    let width: f64 = bars[0]
        .attr("width")
        .and_then(|w| w.parse().ok())
        .unwrap_or(0.0);
    assert!((1.0..=48.0).contains(&width), "{width}");
}

#[test]
fn daily_a_month() {
    let days = calendar(2026, 1, 1, 31);
    let svg = daily_bars(&days, 960, 260);
    check(&svg);
    let bars = marks(&svg);
    assert_eq!(bars.len(), 31);
    let sum: u64 = bars.iter().map(El::value).sum();
    assert_eq!(sum, days.iter().map(|d| d.rows).sum::<u64>());
    let labels = text_values(&svg, "x-label");
    assert!((3..=MAX_X_LABELS).contains(&labels.len()), "{labels:?}");
    assert_eq!(labels[0], "Jan 01");
    assert!(labels.iter().all(|l| l.starts_with("Jan ")), "{labels:?}");
    assert_apart(&svg);
}

#[test]
fn daily_a_year_across_two_years() {
    let days = calendar(2025, 6, 10, 365);
    let svg = daily_bars(&days, 960, 260);
    check(&svg);
    assert_eq!(marks(&svg).len(), 365);
    assert_eq!(svg.matches("class=\"bar\"").count(), 365);
    let labels = text_values(&svg, "x-label");
    assert!((4..=MAX_X_LABELS).contains(&labels.len()), "{labels:?}");
    // Across years the labels carry the year, and they fall on month starts.
    assert!(
        labels.iter().all(|l| l.len() == 10 && l.ends_with("-01")),
        "{labels:?}"
    );
    assert_apart(&svg);
}

#[test]
fn daily_a_calendar_year_and_narrow_charts() {
    let days = calendar(2026, 1, 1, 365);
    for width in [320, 640, 960, 1600] {
        let svg = daily_bars(&days, width, 240);
        check(&svg);
        assert_eq!(marks(&svg).len(), 365);
        let labels = text_values(&svg, "x-label");
        assert!(
            (1..=MAX_X_LABELS).contains(&labels.len()),
            "{width}: {labels:?}"
        );
        assert!(labels.iter().all(|l| l.ends_with(" 01")), "{labels:?}");
        assert_apart(&svg);
    }
}

#[test]
fn daily_days_with_gaps_and_odd_strings_still_draw() {
    let mut days = calendar(2026, 1, 1, 200);
    days.retain(|d| !d.day.ends_with('3'));
    days.push(DayCount {
        day: "not-a-day".to_string(),
        rows: 3,
    });
    let svg = daily_bars(&days, 960, 260);
    check(&svg);
    assert_eq!(marks(&svg).len(), days.len());
    assert!(text_values(&svg, "x-label").len() <= MAX_X_LABELS);
    assert_apart(&svg);
}

#[test]
fn daily_large_counts_use_compact_axis_numbers() {
    let days: Vec<DayCount> = calendar(2026, 3, 1, 10)
        .into_iter()
        .enumerate()
        .map(|(i, d)| DayCount {
            rows: 25_000 * (i as u64 + 1),
            ..d
        })
        .collect();
    let svg = daily_bars(&days, 960, 260);
    check(&svg);
    let ys = text_values(&svg, "y-label");
    assert!(ys.len() >= 3, "{ys:?}");
    assert!(ys.iter().any(|y| y.ends_with('k')), "{ys:?}");
    assert!(ys.iter().all(|y| y.len() <= 5), "{ys:?}");
    assert_eq!(marks(&svg)[9].title.as_deref(), Some("2026-03-10: 250000"));
}

#[test]
fn x_labels_stay_few_and_apart() {
    for n in [1usize, 2, 9, 10, 11, 31, 60, 90, 365, 730, 3650] {
        let days = calendar(2020, 2, 27, n);
        for slot in [0.3, 1.0, 2.5, 10.0, 80.0] {
            let picks = x_label_indices(&days, slot, 70.0);
            assert!(
                !picks.is_empty() && picks.len() <= MAX_X_LABELS,
                "{n} {slot}"
            );
            assert!(
                picks
                    .windows(2)
                    .all(|p| (p[1] - p[0]) as f64 * slot >= 82.0)
            );
        }
    }
}

#[test]
fn numbers_read_well() {
    assert_eq!(group(0), "0");
    assert_eq!(group(999), "999");
    assert_eq!(group(1_000), "1,000");
    assert_eq!(group(1_234_567), "1,234,567");
    assert_eq!(compact(9_999), "9,999");
    assert_eq!(compact(12_000), "12k");
    assert_eq!(compact(12_500), "12.5k");
    assert_eq!(compact(999_999), "1M");
    assert_eq!(compact(3_400_000), "3.4M");
    assert_eq!(compact(1_200_000_000), "1.2B");
    assert_eq!(percent(1, 3), "33.3");
    assert_eq!(percent(5, 5), "100.0");
}

#[test]
fn long_text_is_cut_with_an_ellipsis() {
    assert_eq!(fit("short", 100.0, 12.0), ("short".to_string(), false));
    let (cut, was_cut) = fit("a very long agent name indeed", 80.0, 12.0);
    assert!(was_cut && cut.ends_with('…'), "{cut}");
    assert!(text_px(&cut, 12.0) <= 80.0 + 1e-9, "{cut}");
    let (cut, _) = fit("日本語のとても長い名前です", 60.0, 12.0);
    assert!(cut.ends_with('…') && text_px(&cut, 12.0) <= 60.0, "{cut}");
}

// ---------------------------------------------------------------------------------------------
// Top N

#[test]
fn top_n_with_others_sorts_and_folds() {
    let items = [
        slice("b", 5),
        slice("a", 5),
        slice("c", 9),
        slice("d", 1),
        slice("e", 2),
    ];
    assert_eq!(
        top_n_with_others(&items, 2),
        [slice("c", 9), slice("a", 5), slice(OTHERS, 8)]
    );
    assert_eq!(
        top_n_with_others(&items, 5),
        [
            slice("c", 9),
            slice("a", 5),
            slice("b", 5),
            slice("e", 2),
            slice("d", 1)
        ]
    );
    assert_eq!(top_n_with_others(&items, 9).len(), 5);
    assert_eq!(top_n_with_others(&items, 0), [slice(OTHERS, 22)]);
    assert!(top_n_with_others(&[], 3).is_empty());
    // A rest of zeros is still a rest.
    assert_eq!(
        top_n_with_others(&[slice("x", 3), slice("y", 0)], 1),
        [slice("x", 3), slice(OTHERS, 0)]
    );
}

fn agents(n: usize) -> Vec<Slice> {
    (0..n)
        .map(|i| slice(&format!("agent-{i:02}"), (i as u64 * 7) % 23 + 1))
        .collect()
}

#[test]
fn top_bars_twelve_agents_top_five_and_others() {
    let items = agents(12);
    let svg = top_bars(&items, 5, 480, 260, "Top agents");
    check(&svg);
    let bars = marks(&svg);
    assert_eq!(bars.len(), 6);
    let expected = top_n_with_others(&items, 5);
    for (bar, want) in bars.iter().zip(&expected) {
        assert_eq!(bar.name(), "rect");
        assert_eq!(bar.label(), want.label);
        assert_eq!(bar.value(), want.value);
    }
    let values: Vec<u64> = bars.iter().map(El::value).collect();
    assert!(values[..5].windows(2).all(|w| w[0] >= w[1]), "{values:?}");
    let mut sorted = items.clone();
    sorted.sort_by(|a, b| b.value.cmp(&a.value).then(a.label.cmp(&b.label)));
    assert_eq!(values[5], sorted[5..].iter().map(|s| s.value).sum::<u64>());
    assert_eq!(bars[5].label(), OTHERS);
    assert_eq!(bars[5].attr("class").as_deref(), Some("bar others"));
    assert_eq!(values.iter().sum::<u64>(), total(&items));
    let t = bars[0].title.clone().unwrap_or_default();
    assert!(
        t.starts_with(&format!("{}: {} (", expected[0].label, expected[0].value))
            && t.ends_with("%)"),
        "{t}"
    );
    assert_eq!(text_values(&svg, "bar-label").len(), 6);
    assert_eq!(text_values(&svg, "value")[0], group(values[0]));
    assert_eq!(text_values(&svg, "chart-title"), ["Top agents"]);
    assert!(svg.contains("aria-label=\"Top agents\""));
}

#[test]
fn top_bars_without_a_rest_has_no_others() {
    let items = [slice("x", 1), slice("y", 3), slice("z", 2)];
    let svg = top_bars(&items, 5, 480, 200, "");
    check(&svg);
    let labels: Vec<String> = marks(&svg).iter().map(El::label).collect();
    assert_eq!(labels, ["y", "z", "x"]);
    assert!(text_values(&svg, "chart-title").is_empty());
}

#[test]
fn top_bars_one_item_and_empty() {
    let svg = top_bars(&[slice("solo", 42)], 5, 480, 200, "Agents");
    check(&svg);
    let bars = marks(&svg);
    assert_eq!(bars.len(), 1);
    assert_eq!(bars[0].title.as_deref(), Some("solo: 42 (100.0%)"));
    for svg in [
        top_bars(&[], 5, 480, 200, "Agents"),
        top_bars(&[slice("a", 0)], 5, 480, 200, "Agents"),
    ] {
        check(&svg);
        assert!(svg.contains("No data in this range"));
        assert!(marks(&svg).is_empty());
    }
}

#[test]
fn top_bars_cut_long_labels_and_keep_them_whole_in_titles() {
    let long = "Maximiliana Wilhelmina von Habsburg-Lothringen (night shift)";
    let svg = top_bars(&[slice(long, 10), slice("Bo", 4)], 5, 480, 200, "");
    check(&svg);
    let bars = marks(&svg);
    assert_eq!(bars[0].label(), long);
    let labels = texts(&svg, "bar-label");
    assert!(labels[0].1.ends_with('…'), "{:?}", labels[0]);
    assert!(
        svg.contains(&format!("<title>{long}</title>")),
        "full label in a title"
    );
    assert_eq!(labels[1].1, "Bo");
}

#[test]
fn top_bars_fold_rows_that_do_not_fit() {
    let items = agents(40);
    let svg = top_bars(&items, 30, 480, 160, "Agents");
    check(&svg);
    let bars = marks(&svg);
    assert!(bars.len() < 31 && bars.len() >= 3, "{}", bars.len());
    assert_eq!(bars.last().map(El::label).as_deref(), Some(OTHERS));
    assert_eq!(bars.iter().map(El::value).sum::<u64>(), total(&items));
}

// ---------------------------------------------------------------------------------------------
// Pie and doughnut

type Round = fn(&[Slice], u32, u32, &str) -> String;
const ROUND: [(&str, Round); 2] = [("pie", pie), ("doughnut", doughnut)];

fn channels() -> Vec<Slice> {
    vec![
        slice("VOICE", 1200),
        slice("CHAT", 640),
        slice("TASK", 90),
        slice("EMAIL", 304),
    ]
}

#[test]
fn round_charts_empty_or_zero_say_so() {
    for (name, chart) in ROUND {
        for input in [vec![], vec![slice("VOICE", 0), slice("CHAT", 0)]] {
            let svg = chart(&input, 480, 260, "Channels");
            check(&svg);
            assert!(svg.contains("No data in this range"), "{name}");
            assert!(marks(&svg).is_empty(), "{name}");
        }
    }
}

#[test]
fn round_charts_one_slice_is_a_full_circle() {
    for (name, chart) in ROUND {
        let svg = chart(&[slice("INBOUND", 5)], 480, 260, "Initiation");
        check(&svg);
        let slices = marks(&svg);
        assert_eq!(slices.len(), 1, "{name}");
        assert_eq!(slices[0].name(), "circle", "{name}");
        assert_eq!(slices[0].title.as_deref(), Some("INBOUND: 5 (100.0%)"));
        assert_eq!(text_values(&svg, "legend"), ["INBOUND: 5 (100.0%)"]);
    }
    // The doughnut's single slice is a ring: a stroked circle with nothing filled.
    let svg = doughnut(&[slice("INBOUND", 5)], 480, 260, "");
    let ring = &marks(&svg)[0];
    assert_eq!(ring.attr("fill").as_deref(), Some("none"));
    assert_eq!(ring.attr("style").as_deref(), Some("stroke:var(--chart-1)"));
}

#[test]
fn round_charts_four_channels() {
    let input = channels();
    let sum = total(&input);
    for (name, chart) in ROUND {
        let svg = chart(&input, 480, 260, "Channels");
        check(&svg);
        let slices = marks(&svg);
        assert_eq!(slices.len(), 4, "{name}");
        assert_eq!(slices.iter().map(El::value).sum::<u64>(), sum);
        let labels: Vec<String> = slices.iter().map(El::label).collect();
        assert_eq!(labels, ["VOICE", "CHAT", "EMAIL", "TASK"], "{name}");
        for (i, s) in slices.iter().enumerate() {
            assert_eq!(s.name(), "polygon");
            assert_eq!(s.attr("class").as_deref(), Some("slice"));
            let style = s.attr("style").unwrap_or_default();
            assert!(
                style.starts_with(&format!("fill:var(--chart-{})", i + 1)),
                "{style}"
            );
            let want = format!(
                "{}: {} ({}%)",
                s.label(),
                s.value(),
                percent(s.value(), sum)
            );
            assert_eq!(s.title.as_deref(), Some(want.as_str()));
        }
        assert_eq!(slices[0].title.as_deref(), Some("VOICE: 1200 (53.7%)"));
        let legend = text_values(&svg, "legend");
        assert_eq!(legend.len(), 4);
        assert_eq!(legend[0], "VOICE: 1,200 (53.7%)");
        assert_eq!(
            elements_with(&svg, "class")
                .iter()
                .filter(|e| e.attr("class").as_deref() == Some("swatch"))
                .count(),
            4
        );
        assert_eq!(text_values(&svg, "chart-title"), ["Channels"]);
    }
    let svg = doughnut(&input, 480, 260, "Channels");
    assert_eq!(text_values(&svg, "total"), ["2,234"]);
    assert!(text_values(&pie(&input, 480, 260, "Channels"), "total").is_empty());
}

#[test]
fn round_charts_leave_out_zeros_and_fold_past_eight() {
    let mut input: Vec<Slice> = (0..11)
        .map(|i| slice(&format!("M{i}"), 100 - i * 7))
        .collect();
    input.push(slice("NEVER", 0));
    for (name, chart) in ROUND {
        let svg = chart(&input, 520, 300, "");
        check(&svg);
        let slices = marks(&svg);
        assert_eq!(slices.len(), ROUND_MAX_SLICES, "{name}");
        assert!(slices.iter().all(|s| s.label() != "NEVER"));
        assert_eq!(slices.iter().map(El::value).sum::<u64>(), total(&input));
        let last = &slices[ROUND_MAX_SLICES - 1];
        assert_eq!(last.label(), OTHERS);
        assert_eq!(last.value(), (7..11).map(|i| 100 - i * 7).sum::<u64>());
        assert_eq!(last.attr("class").as_deref(), Some("slice others"));
        assert!(
            last.attr("style")
                .unwrap_or_default()
                .starts_with("fill:var(--muted)")
        );
    }
}

#[test]
fn round_charts_small_heights_shorten_the_legend() {
    let input: Vec<Slice> = (0..8).map(|i| slice(&format!("M{i}"), 10 + i)).collect();
    let svg = pie(&input, 480, 100, "");
    check(&svg);
    assert_eq!(marks(&svg).len(), 8);
    let legend = text_values(&svg, "legend");
    let more = text_values(&svg, "legend-more");
    assert!(legend.len() < 8 && legend.len() >= 2, "{legend:?}");
    assert_eq!(more, [format!("+{} more", 8 - legend.len())]);
}

// ---------------------------------------------------------------------------------------------
// Hostile labels and colours

#[test]
fn hostile_labels_are_escaped_everywhere() {
    let input = vec![
        slice(HOSTILE, 7),
        slice("Zoë 日本語 🚀", 5),
        slice("plain", 3),
    ];
    let charts = [
        ("pie", pie(&input, 480, 260, HOSTILE)),
        ("doughnut", doughnut(&input, 480, 260, HOSTILE)),
        ("top_bars", top_bars(&input, 2, 480, 260, HOSTILE)),
        ("pie alone", pie(&input[..1], 480, 260, "")),
        ("wide legend", doughnut(&input, 1200, 260, "")),
    ];
    for (name, svg) in charts {
        check(&svg);
        assert!(svg.contains(HOSTILE_ESCAPED), "{name}: {svg}");
        assert!(!svg.contains(HOSTILE), "{name}");
        assert!(!svg.contains("<script"), "{name}");
        let first = &marks(&svg)[0];
        assert_eq!(first.label(), HOSTILE, "{name}");
        assert!(
            first
                .title
                .as_deref()
                .is_some_and(|t| t.starts_with(HOSTILE)),
            "{name}"
        );
        if name != "pie alone" {
            assert_eq!(marks(&svg)[1].label(), "Zoë 日本語 🚀", "{name}");
        }
    }
    let days = [DayCount {
        day: HOSTILE.to_string(),
        rows: 1,
    }];
    let svg = daily_bars(&days, 640, 240);
    check(&svg);
    assert_eq!(marks(&svg)[0].attr("data-day").as_deref(), Some(HOSTILE));
    assert!(!svg.contains("<script"));
}

#[test]
fn every_colour_is_a_css_variable() {
    let svgs = [
        daily_bars(&calendar(2026, 1, 1, 40), 960, 260),
        daily_bars(&[], 960, 260),
        pie(&channels(), 480, 260, "Initiation"),
        doughnut(&channels(), 480, 260, "Channels"),
        top_bars(&agents(12), 5, 480, 260, "Agents"),
    ];
    for svg in svgs {
        check(&svg);
        for sentinel in ["#010203", "#010204", "#010205", "#10", "#80"] {
            assert!(!svg.contains(sentinel), "{sentinel}");
        }
        assert!(svg.contains("var(--"));
    }
}

#[test]
fn sentinels_round_trip() {
    let mut marks = Marks::default();
    for i in 0..70_000 {
        let rgb = marks.shape(Mark {
            class: "bar",
            color: chart_var(i),
            extra_style: "",
            attrs: Vec::new(),
            title: None,
            points: None,
        });
        let hex = format!("#{:02X}{:02X}{:02X}", rgb.0, rgb.1, rgb.2);
        match decode(&hex, &marks) {
            Some(Ink::Mark(m)) => assert_eq!(m.color, chart_var(i)),
            _ => panic!("{i} {hex}"),
        }
    }
    assert!(matches!(
        decode("#010201", &marks),
        Some(Ink::Fixed(None, _))
    ));
    assert!(decode("#FFFFFF", &marks).is_none());
}
