//! What the results table and the CSV download do with a result, as plain functions (tested on the
//! host; the components only call them): sorting, truncating, and CSV with a column choice.

use std::cmp::Ordering;

use model::ResultView;

/// Characters shown in a cell before it is cut with `…` (the full value stays in its tooltip).
pub const CELL_CHARS: usize = 80;

/// Whether a column's SQL type sorts as a number.
pub fn is_numeric(ty: &str) -> bool {
    matches!(
        ty,
        "tinyint"
            | "smallint"
            | "integer"
            | "int"
            | "bigint"
            | "real"
            | "double"
            | "float"
            | "decimal"
    ) || ty.starts_with("decimal")
}

/// Row indices of `result` sorted by column `col` (numbers numerically, text by code point),
/// NULLs last in both directions; equal values keep their order.
pub fn sorted_order(result: &ResultView, col: usize, ascending: bool) -> Vec<usize> {
    let numeric = result.columns.get(col).is_some_and(|c| is_numeric(&c.ty));
    let mut order: Vec<usize> = (0..result.rows.len()).collect();
    let cell = |r: usize| result.rows[r].get(col).and_then(|c| c.as_deref());
    order.sort_by(|&a, &b| match (cell(a), cell(b)) {
        (None, None) => Ordering::Equal,
        (None, Some(_)) => Ordering::Greater,
        (Some(_), None) => Ordering::Less,
        (Some(x), Some(y)) => {
            let o = if numeric {
                match (x.parse::<f64>(), y.parse::<f64>()) {
                    (Ok(p), Ok(q)) => p.total_cmp(&q),
                    _ => x.cmp(y),
                }
            } else {
                x.cmp(y)
            };
            if ascending { o } else { o.reverse() }
        }
    });
    order
}

/// A cell's text cut to `max` characters with `…` (on a character boundary).
pub fn truncate(value: &str, max: usize) -> String {
    match value.char_indices().nth(max) {
        Some((i, _)) => format!("{}…", &value[..i]),
        None => value.to_string(),
    }
}

/// RFC 4180 CSV of the chosen columns (in the table's order) and rows (in `order`): fields with
/// `,`, `"`, CR or LF are quoted and `"` doubled; NULL is an empty field; lines end with CRLF.
/// `bom` prefixes a UTF-8 byte order mark, which spreadsheet programs need to read UTF-8.
pub fn to_csv(result: &ResultView, chosen: &[bool], order: &[usize], bom: bool) -> String {
    let columns: Vec<usize> = (0..result.columns.len())
        .filter(|i| chosen.get(*i).copied().unwrap_or(true))
        .collect();
    let mut out = String::new();
    if bom {
        out.push('\u{feff}');
    }
    let header: Vec<String> = columns
        .iter()
        .map(|&i| field(&result.columns[i].name))
        .collect();
    out.push_str(&header.join(","));
    out.push_str("\r\n");
    for &r in order {
        let Some(row) = result.rows.get(r) else {
            continue;
        };
        let fields: Vec<String> = columns
            .iter()
            .map(|&i| {
                row.get(i)
                    .and_then(|c| c.as_deref())
                    .map(field)
                    .unwrap_or_default()
            })
            .collect();
        out.push_str(&fields.join(","));
        out.push_str("\r\n");
    }
    out
}

use model::csv::field;

/// The download's file name: `<report>-<YYYY-MM-DD>.csv`, with anything but letters, digits, `-`
/// and `_` in the report name replaced.
pub fn file_name(report: &str, day: &str) -> String {
    let safe: String = report
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    format!("{safe}-{day}.csv")
}

#[cfg(test)]
mod tests {
    use super::*;
    use model::ResultColumn;

    fn result() -> ResultView {
        ResultView {
            id: "x".into(),
            report: "by_agent".into(),
            columns: vec![
                ResultColumn {
                    name: "agent".into(),
                    ty: "varchar".into(),
                },
                ResultColumn {
                    name: "duration".into(),
                    ty: "double".into(),
                },
                ResultColumn {
                    name: "note, text".into(),
                    ty: "varchar".into(),
                },
            ],
            rows: vec![
                vec![
                    Some("O'Brien".into()),
                    Some("10".into()),
                    Some("a \"b\"".into()),
                ],
                vec![Some("Zoë".into()), None, Some("line\nbreak".into())],
                vec![None, Some("9.5".into()), Some("x,y".into())],
            ],
            bytes_scanned: None,
            next_token: None,
        }
    }

    #[test]
    fn numbers_sort_as_numbers_and_nulls_go_last() {
        let r = result();
        assert_eq!(sorted_order(&r, 1, true), vec![2, 0, 1]);
        assert_eq!(sorted_order(&r, 1, false), vec![0, 2, 1]);
        assert_eq!(sorted_order(&r, 0, true), vec![0, 1, 2]);
        assert_eq!(sorted_order(&r, 0, false), vec![1, 0, 2]);
    }

    #[test]
    fn csv_keeps_only_the_chosen_columns_and_quotes_correctly() {
        let r = result();
        let csv = to_csv(&r, &[true, false, true], &[0, 1, 2], false);
        assert_eq!(
            csv,
            "agent,\"note, text\"\r\nO'Brien,\"a \"\"b\"\"\"\r\nZoë,\"line\nbreak\"\r\n,\"x,y\"\r\n"
        );
        assert!(to_csv(&r, &[true, true, true], &[], true).starts_with("\u{feff}agent,"));
    }

    #[test]
    fn long_values_are_cut_on_a_character_boundary() {
        assert_eq!(truncate("ääää", 2), "ää…");
        assert_eq!(truncate("abc", 3), "abc");
    }

    #[test]
    fn file_names_are_safe() {
        assert_eq!(
            file_name("by_agent", "2026-03-01"),
            "by_agent-2026-03-01.csv"
        );
        assert_eq!(file_name("../x y", "2026-03-01"), "___x_y-2026-03-01.csv");
    }
}
