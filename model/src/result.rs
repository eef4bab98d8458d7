//! A query result's shapes as clients see them.

use serde::{Deserialize, Serialize};

/// A result column: its name (as the engine reports it) and its SQL type, in Athena's names
/// (`varchar`, `double`, `bigint`, `integer`, `boolean`, `date`, `timestamp`, `array`, `varbinary`, …).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResultColumn {
    /// Column name.
    pub name: String,
    /// SQL type name, lower case.
    #[serde(rename = "type")]
    pub ty: String,
}

/// A finished result as the page shows it, one server page at a time: every value as text
/// (`None` = NULL).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResultView {
    /// The query's id (for the server's CSV download).
    pub id: String,
    /// The report's name.
    pub report: String,
    /// Columns.
    pub columns: Vec<ResultColumn>,
    /// Rows (of this page, or of every page loaded so far).
    pub rows: Vec<Vec<Option<String>>>,
    /// Bytes the engine read, when it knows.
    pub bytes_scanned: Option<u64>,
    /// The token of the next page; `None` once every row is here.
    #[serde(default)]
    pub next_token: Option<String>,
}
