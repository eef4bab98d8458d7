//! Athena's answers as typed values: ExecutionParameters text for parameters, and result cells
//! (always strings in GetQueryResults) converted by their column's type, header rows dropped.

use aws_sdk_athena::types::{ColumnInfo, ResultSet};
use serde_json::Value;

use crate::query::{ResultColumn, SqlParam};

/// ExecutionParameters text of a parameter: strings as SQL literals with `'` doubled
/// (`'O''Brien'`), integers as decimal text.
pub fn execution_parameter(p: &SqlParam) -> String {
    match p {
        SqlParam::Str(s) => format!("'{}'", s.replace('\'', "''")),
        SqlParam::Int(i) => i.to_string(),
    }
}

/// Converts one Athena result cell (always a string, or absent = NULL) by the column's type:
/// integers and finite floats become JSON numbers, booleans booleans, everything else (text,
/// dates, timestamps, JSON, arrays as Athena prints them) strings. A value that does not fit
/// (a bigint beyond i64, NaN, a decimal with more than 15 significant digits, text in a numeric
/// column) stays a string, so nothing is lost and nothing panics.
pub fn convert_value(ty: &str, value: Option<&str>) -> Value {
    let Some(text) = value else {
        return Value::Null;
    };
    match base_type(ty).as_str() {
        "tinyint" | "smallint" | "integer" | "int" | "bigint" => integer(text),
        "real" | "float" | "double" => float(text),
        "decimal" if significant_digits(text) <= 15 => float(text),
        "boolean" => boolean(text),
        _ => Value::String(text.to_string()),
    }
}

/// The type name without parameters, lower case (`decimal(10,2)` → `decimal`).
fn base_type(ty: &str) -> String {
    ty.split('(')
        .next()
        .unwrap_or(ty)
        .trim()
        .to_ascii_lowercase()
}

/// An integer cell: a JSON integer when it fits i64, else the text.
fn integer(text: &str) -> Value {
    text.trim()
        .parse::<i64>()
        .map(Value::from)
        .unwrap_or_else(|_| Value::String(text.to_string()))
}

/// A floating-point cell: a JSON number when finite, else the text (`NaN`, `Infinity`).
fn float(text: &str) -> Value {
    text.trim()
        .parse::<f64>()
        .ok()
        .and_then(serde_json::Number::from_f64)
        .map(Value::Number)
        .unwrap_or_else(|| Value::String(text.to_string()))
}

/// A boolean cell.
fn boolean(text: &str) -> Value {
    match text.trim() {
        t if t.eq_ignore_ascii_case("true") => Value::Bool(true),
        t if t.eq_ignore_ascii_case("false") => Value::Bool(false),
        _ => Value::String(text.to_string()),
    }
}

/// Digits of a decimal from its first non-zero one (an f64 keeps 15 exactly).
fn significant_digits(text: &str) -> usize {
    text.chars()
        .filter(char::is_ascii_digit)
        .skip_while(|c| *c == '0')
        .count()
}

/// Columns and converted rows of one GetQueryResults page.
pub(crate) fn typed_rows(
    set: Option<&ResultSet>,
    may_have_header: bool,
) -> (Vec<ResultColumn>, Vec<Vec<Value>>) {
    let infos: &[ColumnInfo] = set
        .and_then(|s| s.result_set_metadata())
        .map(|m| m.column_info())
        .unwrap_or_default();
    let columns: Vec<ResultColumn> = infos
        .iter()
        .map(|c| ResultColumn {
            name: c.name().to_string(),
            ty: c.r#type().to_ascii_lowercase(),
        })
        .collect();
    let labels: Vec<String> = infos
        .iter()
        .map(|c| c.label().unwrap_or(c.name()).to_string())
        .collect();
    let raw: Vec<Vec<Option<String>>> = set
        .map(|s| s.rows())
        .unwrap_or_default()
        .iter()
        .map(|r| {
            r.data()
                .iter()
                .map(|d| d.var_char_value().map(str::to_string))
                .collect()
        })
        .collect();
    let rows = drop_header(&labels, raw, may_have_header)
        .into_iter()
        .map(|row| convert_row(&columns, row))
        .collect();
    (columns, rows)
}

/// Drops the first row when it may be the header (the first page of a SELECT) and its values are
/// exactly the column labels. Later pages and DDL/SHOW results have no header.
pub(crate) fn drop_header(
    labels: &[String],
    mut rows: Vec<Vec<Option<String>>>,
    may_have_header: bool,
) -> Vec<Vec<Option<String>>> {
    let is_header = |row: &Vec<Option<String>>| {
        row.len() == labels.len()
            && row
                .iter()
                .zip(labels)
                .all(|(value, label)| value.as_deref() == Some(label.as_str()))
    };
    if may_have_header && !labels.is_empty() && rows.first().is_some_and(is_header) {
        rows.remove(0);
    }
    rows
}

/// Converts a row by its columns' types (cells beyond the metadata stay text).
fn convert_row(columns: &[ResultColumn], row: Vec<Option<String>>) -> Vec<Value> {
    row.iter()
        .enumerate()
        .map(|(i, cell)| {
            let ty = columns.get(i).map_or("varchar", |c| c.ty.as_str());
            convert_value(ty, cell.as_deref())
        })
        .collect()
}
