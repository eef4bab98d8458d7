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

/// Everything the dashboard shows for a range.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DashboardData {
    /// What is being queried, for the header (e.g. `lake /data/lake · table gsi_export`).
    pub source: String,
    /// The stat cards.
    pub stats: StatCards,
    /// Rows per day, oldest first.
    pub daily: Vec<DayCount>,
}

/// A day range chosen on the page (`YYYY-MM-DD`, both ends included); empty means open.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct RangeInput {
    /// First day, or empty.
    pub from: String,
    /// Last day, or empty.
    pub to: String,
}
