//! Data the server sends to the page: plain serializable types, shared by both sides.

use serde::{Deserialize, Serialize};

/// The stat cards' numbers; `None` when the lake has no such column.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatCards {
    /// All rows in the range.
    pub total_rows: u64,
    /// Distinct contact ids.
    pub unique_contacts: Option<u64>,
    /// Distinct channels.
    pub channels: Option<u64>,
    /// Distinct agents.
    pub agents: Option<u64>,
}

/// Rows of one day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DayCount {
    /// `YYYY-MM-DD`.
    pub day: String,
    /// Rows on that day.
    pub rows: u64,
}

/// One labelled count of a breakdown (a channel, an agent, an initiation method): a slice of a pie
/// or doughnut, or a bar of a top-N chart.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Slice {
    /// What is counted, as found in the data (shown escaped).
    pub label: String,
    /// How many rows have it.
    pub value: u64,
}

/// Everything the dashboard shows for a range.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DashboardData {
    /// What is being queried, for the header (e.g. `lake /data/lake · table gsi_export`).
    pub source: String,
    /// The stat cards.
    pub stats: StatCards,
    /// Rows per day, oldest first.
    pub daily: Vec<DayCount>,
    /// The four charts as SVG, drawn on the server (plotters stays out of the browser bundle;
    /// colours are CSS variables, so a theme change needs no redraw).
    pub charts: ChartSvgs,
    /// The newest runs from the jobs table, newest first, or why they could not be read; `None`
    /// while the server has no jobs table (the "Recent jobs" area is then not shown at all).
    pub jobs: Option<Result<Vec<JobSummary>, String>>,
}

/// One run from the jobs table, as the "Recent jobs" area lists it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobSummary {
    /// The job's id.
    pub job_id: String,
    /// What ran (`export`, `convert`, `import`, …).
    pub job_type: String,
    /// `pending`, `processing`, `completed` or `failed`.
    pub status: String,
    /// When it started (ISO 8601).
    pub created_at: String,
    /// One line on the outcome (items written, or the error).
    pub detail: String,
}

/// The dashboard's charts, as SVG markup.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChartSvgs {
    /// Rows per day (bars).
    pub daily: String,
    /// Rows per channel (doughnut).
    pub channel: String,
    /// Rows per agent (top bars with "Others").
    pub agent: String,
    /// Rows per initiation method (pie).
    pub initiation: String,
}

/// A day range chosen on the page (`YYYY-MM-DD`, both ends included); empty means open.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct RangeInput {
    /// First day, or empty.
    pub from: String,
    /// Last day, or empty.
    pub to: String,
}

/// A report the page asks for: the report's name and whichever inputs it uses (empty = unused).
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ReportInput {
    /// `all_records`, `by_date_range`, `by_agent`, `by_contact_id`, `daily_by_agent`,
    /// `daily_by_channel` or `custom`.
    pub query: String,
    /// First day (`YYYY-MM-DD`).
    pub start: String,
    /// Last day (`YYYY-MM-DD`).
    pub end: String,
    /// Agent name.
    pub agent: String,
    /// Contact id.
    pub contact_id: String,
    /// Custom SQL.
    pub sql: String,
    /// Rows at most (empty = the server's maximum).
    pub limit: String,
}

/// A result column.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ColumnView {
    /// Name.
    pub name: String,
    /// SQL type (Athena's names: `varchar`, `double`, `bigint`, …).
    pub ty: String,
}

/// A finished result as the page shows it: every value as text (`None` = NULL).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResultView {
    /// The query's id (for the server's CSV download).
    pub id: String,
    /// The report's name.
    pub report: String,
    /// Columns.
    pub columns: Vec<ColumnView>,
    /// Rows.
    pub rows: Vec<Vec<Option<String>>>,
    /// Bytes the engine read, when it knows.
    pub bytes_scanned: Option<u64>,
}
