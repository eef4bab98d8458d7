//! The query service's shared shapes, modelled on Athena's job model: a query is started and gets
//! an id; it has a state; its result is read in typed pages with column names, or whole as CSV.
//! Both engines (embedded DataFusion and Athena) produce exactly these.

pub mod athena;
pub mod config;
pub mod datafusion;
pub mod live;
pub mod reports;
pub mod results;
pub mod service;
pub mod sql;
pub mod sqlguard;

use serde::{Deserialize, Serialize};

/// Where a query is in its life.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum QueryState {
    /// Accepted, not started.
    Queued,
    /// Running.
    Running,
    /// Finished; the result can be read.
    Succeeded,
    /// Failed; the message is short and safe to show (details go to the log).
    Failed(String),
    /// Cancelled.
    Cancelled,
}

impl QueryState {
    /// Whether the query has stopped (succeeded, failed or cancelled).
    pub fn is_done(&self) -> bool {
        !matches!(self, QueryState::Queued | QueryState::Running)
    }
}

pub use model::ResultColumn;

/// One page of a result. Values are JSON: numbers for numeric types, booleans, strings for text
/// and dates, arrays for arrays, `null` for SQL NULL.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ResultPage {
    /// The query's state when the page was read (rows are only present once it succeeded).
    pub state: QueryState,
    /// Columns, in order.
    pub columns: Vec<ResultColumn>,
    /// Rows of this page.
    pub rows: Vec<Vec<serde_json::Value>>,
    /// Token for the next page, if there is one.
    pub next_token: Option<String>,
    /// Bytes the engine scanned, when it knows.
    pub bytes_scanned: Option<u64>,
}

/// Rows at most in one page (Athena's own cap on GetQueryResults).
pub const MAX_PAGE_ROWS: usize = 1000;

/// Bytes of row JSON at most in one page (at least one row is always returned, and one DynamoDB
/// item is at most 400 KB): a page stays far below Lambda's 6 MB response limit whatever the rows
/// hold.
pub const MAX_PAGE_BYTES: usize = 1 << 20;

/// How many of `rows`, from the first, fit in `budget` bytes of JSON (at least one).
pub fn rows_within(rows: &[Vec<serde_json::Value>], budget: usize) -> usize {
    let mut used = 0usize;
    for (i, row) in rows.iter().enumerate() {
        // The row's JSON and its separator.
        let size = serde_json::to_vec(row).map_or(usize::MAX, |b| b.len()) + 1;
        if i > 0 && used.saturating_add(size) > budget {
            return i;
        }
        used = used.saturating_add(size);
    }
    rows.len()
}

/// A user value bound to a `?` placeholder of a report's SQL. It never becomes part of the SQL
/// text: DataFusion binds it as a typed parameter, Athena receives it in `ExecutionParameters`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum SqlParam {
    /// A string value.
    Str(String),
    /// An integer value.
    Int(i64),
}
