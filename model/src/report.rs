//! The report catalogue (seed 001's names): every report's name, label and the inputs it takes,
//! in one place for the query layer, the REST API, the CLI and the dashboard.

use serde::{Deserialize, Serialize};

/// A built-in report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReportKind {
    /// Every row, newest first.
    AllRecords,
    /// Rows of a range of days.
    ByDateRange,
    /// Rows of one agent.
    ByAgent,
    /// Rows of one contact id.
    ByContactId,
    /// Rows per day and agent.
    DailyByAgent,
    /// Rows per day and channel.
    DailyByChannel,
    /// A custom SELECT, checked by the SQL guard.
    Custom,
}

/// An input a report takes (besides the limit, which every report but the daily ones takes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReportField {
    /// First day, `YYYY-MM-DD` (the request field `start`).
    Start,
    /// Last day, `YYYY-MM-DD` (`end`).
    End,
    /// Agent name (`agent`).
    Agent,
    /// Contact id (`contact_id`).
    ContactId,
    /// The SQL of a custom report (`sql`).
    Sql,
}

impl ReportField {
    /// The request field's name.
    pub fn name(self) -> &'static str {
        match self {
            ReportField::Start => "start",
            ReportField::End => "end",
            ReportField::Agent => "agent",
            ReportField::ContactId => "contact_id",
            ReportField::Sql => "sql",
        }
    }
}

/// Every report, in the order the dashboard lists them.
pub const REPORTS: [ReportKind; 7] = [
    ReportKind::AllRecords,
    ReportKind::ByDateRange,
    ReportKind::ByAgent,
    ReportKind::ByContactId,
    ReportKind::DailyByAgent,
    ReportKind::DailyByChannel,
    ReportKind::Custom,
];

impl ReportKind {
    /// The name the API, the CLI and named queries use (`all_records`, …).
    pub fn name(self) -> &'static str {
        match self {
            ReportKind::AllRecords => "all_records",
            ReportKind::ByDateRange => "by_date_range",
            ReportKind::ByAgent => "by_agent",
            ReportKind::ByContactId => "by_contact_id",
            ReportKind::DailyByAgent => "daily_by_agent",
            ReportKind::DailyByChannel => "daily_by_channel",
            ReportKind::Custom => "custom",
        }
    }

    /// What the dashboard calls it.
    pub fn label(self) -> &'static str {
        match self {
            ReportKind::AllRecords => "All Records",
            ReportKind::ByDateRange => "By Date Range",
            ReportKind::ByAgent => "By Agent",
            ReportKind::ByContactId => "By Contact ID",
            ReportKind::DailyByAgent => "Daily Summary (by Agent)",
            ReportKind::DailyByChannel => "Daily Summary (by Channel)",
            ReportKind::Custom => "Custom SQL",
        }
    }

    /// The inputs it requires.
    pub fn fields(self) -> &'static [ReportField] {
        match self {
            ReportKind::ByDateRange | ReportKind::DailyByAgent | ReportKind::DailyByChannel => {
                &[ReportField::Start, ReportField::End]
            }
            ReportKind::ByAgent => &[ReportField::Agent],
            ReportKind::ByContactId => &[ReportField::ContactId],
            ReportKind::Custom => &[ReportField::Sql],
            ReportKind::AllRecords => &[],
        }
    }

    /// Whether it takes a row limit (the daily summaries have one row per day and value).
    pub fn takes_limit(self) -> bool {
        !matches!(self, ReportKind::DailyByAgent | ReportKind::DailyByChannel)
    }

    /// The report of a name.
    pub fn from_name(name: &str) -> Option<ReportKind> {
        REPORTS.into_iter().find(|r| r.name() == name)
    }

    /// Every name, comma-separated, for messages.
    pub fn names() -> String {
        REPORTS.map(ReportKind::name).join(", ")
    }
}

/// A report the page asks for: the report's name and whichever inputs it uses (empty = unused).
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ReportInput {
    /// A [`ReportKind`] name.
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

impl ReportInput {
    /// The value given for `field`.
    pub fn value(&self, field: ReportField) -> &str {
        match field {
            ReportField::Start => &self.start,
            ReportField::End => &self.end,
            ReportField::Agent => &self.agent,
            ReportField::ContactId => &self.contact_id,
            ReportField::Sql => &self.sql,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_match_serde() {
        for r in REPORTS {
            assert_eq!(ReportKind::from_name(r.name()), Some(r));
            assert_eq!(
                serde_json::to_value(r).expect("serializes"),
                serde_json::json!(r.name())
            );
        }
        assert_eq!(ReportKind::from_name("drop_table"), None);
        assert!(ReportKind::names().starts_with("all_records, by_date_range"));
    }
}
