//! What the dashboard shows: the stat cards, rows per day, breakdowns, charts and the range.

use serde::{Deserialize, Serialize};

/// The stat cards' numbers for a range; a count is `None` when the lake has no such column.
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
    pub jobs: Option<Result<Vec<crate::JobSummary>, String>>,
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
