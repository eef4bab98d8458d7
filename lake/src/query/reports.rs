//! The built-in reports (seed 001's names) as SQL. Each report is written once; the only dialect
//! differences (placeholder syntax and how the table is named) are decided in [`Dialect`], so a
//! report means the same on DataFusion and on Athena. User values never enter the SQL text: they
//! are `?`/`$n` parameters. Date ranges become predicates on the `year`/`month`/`day` partition
//! columns, so both engines read only the matching partitions; every top-N is ordered.

use chrono::{Datelike, NaiveDate};
use serde::Deserialize;

use super::SqlParam;
use model::ReportKind;

use crate::format::contract::Contract;
use crate::format::dates::parse_day;
use crate::query::sql::sql_identifier;
use crate::{LakeError, Result};

/// The SQL dialect a report is rendered for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// Apache DataFusion: `$1`, `$2`, … placeholders.
    DataFusion,
    /// Amazon Athena (Trino): `?` placeholders, bound from `ExecutionParameters` in order.
    Athena,
}

/// A report request: the JSON body of `POST /api/query` and of a direct Lambda invocation
/// (`{"query": "by_agent", "agent": "…", "limit": 10}`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(tag = "query", rename_all = "snake_case", deny_unknown_fields)]
pub enum ReportRequest {
    /// Every row, newest first.
    AllRecords {
        /// Rows at most.
        limit: Option<u64>,
    },
    /// Rows of a range of days (both ends included), newest first.
    ByDateRange {
        /// First day, `YYYY-MM-DD`.
        #[serde(alias = "startDate", alias = "from")]
        start: String,
        /// Last day, `YYYY-MM-DD`.
        #[serde(alias = "endDate", alias = "to")]
        end: String,
        /// Rows at most.
        limit: Option<u64>,
    },
    /// Rows of one agent, newest first.
    ByAgent {
        /// The agent, exactly as stored.
        agent: String,
        /// Rows at most.
        limit: Option<u64>,
    },
    /// Rows of one contact id.
    ByContactId {
        /// The contact id, exactly as stored.
        #[serde(alias = "contactId")]
        contact_id: String,
        /// Rows at most.
        limit: Option<u64>,
    },
    /// Rows per day and agent in a range of days.
    DailyByAgent {
        /// First day, `YYYY-MM-DD`.
        #[serde(alias = "startDate", alias = "from")]
        start: String,
        /// Last day, `YYYY-MM-DD`.
        #[serde(alias = "endDate", alias = "to")]
        end: String,
        /// Rows at most.
        limit: Option<u64>,
    },
    /// Rows per day and channel in a range of days.
    DailyByChannel {
        /// First day, `YYYY-MM-DD`.
        #[serde(alias = "startDate", alias = "from")]
        start: String,
        /// Last day, `YYYY-MM-DD`.
        #[serde(alias = "endDate", alias = "to")]
        end: String,
        /// Rows at most.
        limit: Option<u64>,
    },
    /// A custom SELECT, checked by the SQL guard.
    Custom {
        /// The SQL.
        sql: String,
        /// Rows at most.
        limit: Option<u64>,
    },
}

/// Which columns the reports use (SQL names, lower case), and the table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportSchema {
    /// The table's name (`gsi_export`).
    pub table: String,
    /// The agent column.
    pub agent: String,
    /// The contact id column.
    pub contact: String,
    /// The channel column.
    pub channel: String,
    /// The column holding the sort-key time (orders rows within a day), if known.
    pub time: Option<String>,
    /// Rows at most for any report; also the default limit.
    pub max_limit: u64,
}

/// A report ready to run: SQL with placeholders and the values bound to them, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenderedQuery {
    /// The SQL text.
    pub sql: String,
    /// The parameter values.
    pub params: Vec<SqlParam>,
    /// The limit applied.
    pub limit: u64,
}

impl ReportRequest {
    /// The report's kind in the catalogue.
    pub fn kind(&self) -> ReportKind {
        match self {
            ReportRequest::AllRecords { .. } => ReportKind::AllRecords,
            ReportRequest::ByDateRange { .. } => ReportKind::ByDateRange,
            ReportRequest::ByAgent { .. } => ReportKind::ByAgent,
            ReportRequest::ByContactId { .. } => ReportKind::ByContactId,
            ReportRequest::DailyByAgent { .. } => ReportKind::DailyByAgent,
            ReportRequest::DailyByChannel { .. } => ReportKind::DailyByChannel,
            ReportRequest::Custom { .. } => ReportKind::Custom,
        }
    }

    /// The report's name.
    pub fn name(&self) -> &'static str {
        self.kind().name()
    }

    /// Parses a request body, with errors that say which field is wrong.
    pub fn from_json(value: serde_json::Value) -> Result<ReportRequest> {
        let name = value
            .get("query")
            .and_then(|q| q.as_str())
            .map(str::to_string);
        match &name {
            None => Err(LakeError::InvalidInput(format!(
                "the request needs \"query\": one of {}",
                ReportKind::names()
            ))),
            Some(n) if ReportKind::from_name(n).is_none() => Err(LakeError::InvalidInput(format!(
                "unknown query {n:?}: expected one of {}",
                ReportKind::names()
            ))),
            Some(n) => serde_json::from_value(value)
                .map_err(|e| LakeError::InvalidInput(format!("query {n}: {e}"))),
        }
    }

    fn limit(&self) -> Option<u64> {
        match self {
            ReportRequest::AllRecords { limit }
            | ReportRequest::ByDateRange { limit, .. }
            | ReportRequest::ByAgent { limit, .. }
            | ReportRequest::ByContactId { limit, .. }
            | ReportRequest::DailyByAgent { limit, .. }
            | ReportRequest::DailyByChannel { limit, .. }
            | ReportRequest::Custom { limit, .. } => *limit,
        }
    }

    /// Renders a built-in report (not `custom`, which goes through the guard) for `dialect`.
    pub fn render(&self, schema: &ReportSchema, dialect: Dialect) -> Result<RenderedQuery> {
        let limit = effective_limit(self.limit(), schema.max_limit)?;
        let mut q = Builder::new(dialect);
        let table = sql_identifier(&schema.table);
        let order = newest_first(schema);
        let sql = match self {
            ReportRequest::AllRecords { .. } => {
                format!("SELECT * FROM {table} ORDER BY {order} LIMIT {limit}")
            }
            ReportRequest::ByDateRange { start, end, .. } => {
                let range = q.day_range(start, end)?;
                format!("SELECT * FROM {table} WHERE {range} ORDER BY {order} LIMIT {limit}")
            }
            ReportRequest::ByAgent { agent, .. } => {
                let p = q.param(SqlParam::Str(agent.clone()));
                let col = sql_identifier(&schema.agent);
                format!("SELECT * FROM {table} WHERE {col} = {p} ORDER BY {order} LIMIT {limit}")
            }
            ReportRequest::ByContactId { contact_id, .. } => {
                let p = q.param(SqlParam::Str(contact_id.clone()));
                let col = sql_identifier(&schema.contact);
                format!("SELECT * FROM {table} WHERE {col} = {p} ORDER BY {order} LIMIT {limit}")
            }
            ReportRequest::DailyByAgent { start, end, .. } => {
                daily_by(&mut q, &table, &schema.agent, "agent", start, end, limit)?
            }
            ReportRequest::DailyByChannel { start, end, .. } => daily_by(
                &mut q,
                &table,
                &schema.channel,
                "channel",
                start,
                end,
                limit,
            )?,
            ReportRequest::Custom { .. } => {
                return Err(LakeError::InvalidInput(
                    "custom SQL is checked by the SQL guard, not rendered".into(),
                ));
            }
        };
        Ok(RenderedQuery {
            sql,
            params: q.params,
            limit,
        })
    }
}

/// The limit a request gets: the requested one, at most `max`; `max` when none is given.
pub fn effective_limit(requested: Option<u64>, max: u64) -> Result<u64> {
    match requested {
        Some(0) => Err(LakeError::InvalidInput(
            "limit must be at least 1".to_string(),
        )),
        Some(n) => Ok(n.min(max)),
        None => Ok(max),
    }
}

/// The distinct agents, for the dashboard's dropdown (ordered, at most `max`).
pub fn agents_sql(schema: &ReportSchema, max: u64) -> String {
    let col = sql_identifier(&schema.agent);
    format!(
        "SELECT DISTINCT {col} AS agent FROM {} WHERE {col} IS NOT NULL ORDER BY agent LIMIT {max}",
        sql_identifier(&schema.table)
    )
}

/// Rows per day as one `GROUP BY` on the partition columns, with no LIMIT: one row per day,
/// however many channels or agents a day has, so no cap can drop days. Oldest first.
pub fn daily_sql(
    table: &str,
    range: Option<(NaiveDate, NaiveDate)>,
    dialect: Dialect,
) -> (String, Vec<SqlParam>) {
    let (predicate, params) = match range {
        Some((from, to)) => {
            let (p, params) = range_predicate(from, to, dialect);
            (format!(" WHERE {p}"), params)
        }
        None => (String::new(), Vec::new()),
    };
    (
        format!(
            "SELECT \"year\", \"month\", \"day\", count(*) AS n FROM {}{predicate} GROUP BY \"year\", \"month\", \"day\" ORDER BY \"year\", \"month\", \"day\"",
            sql_identifier(table)
        ),
        params,
    )
}

/// The rows of [`daily_sql`] (year, month, day, n) as day counts; a row that is not a date is
/// an error naming it, never skipped.
pub fn daily_rows(rows: &[Vec<serde_json::Value>]) -> Result<Vec<model::DayCount>> {
    rows.iter()
        .map(|row| {
            let int = |i: usize| row.get(i).and_then(|v| v.as_u64());
            let day = match (int(0), int(1), int(2)) {
                (Some(y), Some(m), Some(d)) => {
                    NaiveDate::from_ymd_opt(y as i32, m as u32, d as u32)
                }
                _ => None,
            };
            match (day, int(3)) {
                (Some(day), Some(rows)) => Ok(model::DayCount {
                    day: day.to_string(),
                    rows,
                }),
                _ => Err(LakeError::InvalidInput(format!(
                    "a daily count row is not (year, month, day, rows): {row:?}"
                ))),
            }
        })
        .collect()
}

/// A range of days (both ends included) as predicates on the partition columns, with its
/// parameters, for `dialect`.
pub fn range_predicate(
    from: NaiveDate,
    to: NaiveDate,
    dialect: Dialect,
) -> (String, Vec<SqlParam>) {
    let mut q = Builder::new(dialect);
    let after = q.bound(from, ">");
    let before = q.bound(to, "<");
    (format!("({after}) AND ({before})"), q.params)
}

/// Newest first, then by contact id: a total order for top-N.
fn newest_first(schema: &ReportSchema) -> String {
    let mut parts = vec![
        "\"year\" DESC".to_string(),
        "\"month\" DESC".to_string(),
        "\"day\" DESC".to_string(),
    ];
    if let Some(t) = &schema.time {
        parts.push(format!("{} DESC", sql_identifier(t)));
    }
    parts.push(format!("{} ASC", sql_identifier(&schema.contact)));
    parts.join(", ")
}

fn daily_by(
    q: &mut Builder,
    table: &str,
    column: &str,
    alias: &str,
    start: &str,
    end: &str,
    limit: u64,
) -> Result<String> {
    let range = q.day_range(start, end)?;
    let col = sql_identifier(column);
    // lpad and || mean the same in Trino and DataFusion: one expression for both.
    let day = "CAST(\"year\" AS VARCHAR) || '-' || lpad(CAST(\"month\" AS VARCHAR), 2, '0') || '-' || lpad(CAST(\"day\" AS VARCHAR), 2, '0')";
    Ok(format!(
        "SELECT {day} AS report_day, {col} AS {alias}, count(*) AS contacts FROM {table} WHERE {range} \
         GROUP BY \"year\", \"month\", \"day\", {col} ORDER BY report_day ASC, contacts DESC, {alias} ASC LIMIT {limit}"
    ))
}

/// Collects parameters and writes their placeholders.
struct Builder {
    dialect: Dialect,
    params: Vec<SqlParam>,
}

impl Builder {
    fn new(dialect: Dialect) -> Self {
        Builder {
            dialect,
            params: Vec::new(),
        }
    }

    fn param(&mut self, value: SqlParam) -> String {
        self.params.push(value);
        match self.dialect {
            Dialect::DataFusion => format!("${}", self.params.len()),
            Dialect::Athena => "?".to_string(),
        }
    }

    /// `[start, end]` (days, both included) as predicates on the partition columns only.
    fn day_range(&mut self, start: &str, end: &str) -> Result<String> {
        let from = parse_day("start", start)?;
        let to = parse_day("end", end)?;
        if to < from {
            return Err(LakeError::InvalidInput(format!(
                "the range ends ({to}) before it starts ({from})"
            )));
        }
        let after = self.bound(from, ">");
        let before = self.bound(to, "<");
        Ok(format!("({after}) AND ({before})"))
    }

    /// `year > Y OR (year = Y AND (month > M OR (month = M AND day >= D)))` and its mirror.
    fn bound(&mut self, d: NaiveDate, op: &str) -> String {
        let y = [
            self.param(SqlParam::Int(d.year() as i64)),
            self.param(SqlParam::Int(d.year() as i64)),
        ];
        let m = [
            self.param(SqlParam::Int(d.month() as i64)),
            self.param(SqlParam::Int(d.month() as i64)),
        ];
        let day = self.param(SqlParam::Int(d.day() as i64));
        format!(
            "\"year\" {op} {} OR (\"year\" = {} AND (\"month\" {op} {} OR (\"month\" = {} AND \"day\" {op}= {day})))",
            y[0], y[1], m[0], m[1]
        )
    }
}

/// The report columns that exist in `contract`, with a message naming a missing one.
pub fn require_column(contract: &Contract, column: &str, flag: &str) -> Result<()> {
    if contract.column_by_sql_name(column).is_some() {
        Ok(())
    } else {
        Err(LakeError::InvalidInput(format!(
            "the lake has no column {column:?} (choose another with {flag})"
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_athena_daily_query_is_one_group_by_day_that_no_cap_truncates() {
        let from = NaiveDate::from_ymd_opt(1996, 1, 1).expect("valid");
        let to = NaiveDate::from_ymd_opt(2025, 12, 31).expect("valid");
        let (sql, params) = daily_sql("gsi_export", Some((from, to)), Dialect::Athena);
        assert!(
            sql.contains("GROUP BY \"year\", \"month\", \"day\""),
            "{sql}"
        );
        assert!(!sql.to_uppercase().contains("LIMIT"), "{sql}");
        assert!(
            !sql.contains("channel"),
            "one row per day, not per channel: {sql}"
        );
        assert_eq!(sql.matches('?').count(), params.len());
        let (all, none) = daily_sql("gsi_export", None, Dialect::Athena);
        assert!(!all.contains("WHERE") && none.is_empty(), "{all}");
        // 30 years of days: 10 958 rows, more than the old 10 000-row cap, and Athena returns
        // them in pages of 1 000 that are read to the end; every day comes back, in order.
        let days: Vec<NaiveDate> = from.iter_days().take_while(|d| *d <= to).collect();
        assert!(days.len() > 10_000);
        let rows: Vec<Vec<serde_json::Value>> = days
            .iter()
            .enumerate()
            .map(|(i, d)| {
                vec![
                    d.year().into(),
                    d.month().into(),
                    d.day().into(),
                    (i as u64 % 7 + 1).into(),
                ]
            })
            .collect();
        let pages: Vec<&[Vec<serde_json::Value>]> = rows.chunks(1000).collect();
        assert!(pages.len() > 10);
        let joined: Vec<Vec<serde_json::Value>> = pages.concat();
        let counted = daily_rows(&joined).expect("every row is a day");
        assert_eq!(counted.len(), days.len());
        assert_eq!(counted.first().map(|d| d.day.as_str()), Some("1996-01-01"));
        assert_eq!(counted.last().map(|d| d.day.as_str()), Some("2025-12-31"));
        let total: u64 = counted.iter().map(|d| d.rows).sum();
        assert_eq!(
            total,
            (0..days.len() as u64).map(|i| i % 7 + 1).sum::<u64>()
        );
        let bad = daily_rows(&[vec!["x".into()]]).expect_err("not a day");
        assert!(bad.to_string().contains("daily count row"), "{bad}");
    }

    fn schema() -> ReportSchema {
        ReportSchema {
            table: "gsi_export".into(),
            agent: "agent".into(),
            contact: "contactid".into(),
            channel: "channel".into(),
            time: Some("initiationtimestamp".into()),
            max_limit: 1000,
        }
    }

    fn request(json: &str) -> ReportRequest {
        ReportRequest::from_json(serde_json::from_str(json).expect("json")).expect("request")
    }

    #[test]
    fn user_values_are_parameters_never_sql_text() {
        let hostile = "O'Brien'); DROP TABLE x; -- ü";
        let r = request(&serde_json::json!({"query": "by_agent", "agent": hostile}).to_string());
        for dialect in [Dialect::DataFusion, Dialect::Athena] {
            let q = r.render(&schema(), dialect).expect("renders");
            assert!(!q.sql.contains("Brien"), "{}", q.sql);
            assert_eq!(q.params, vec![SqlParam::Str(hostile.into())]);
        }
    }

    #[test]
    fn placeholders_follow_the_dialect() {
        let r = request(r#"{"query":"by_date_range","start":"2026-01-30","end":"2026-02-02"}"#);
        let df = r.render(&schema(), Dialect::DataFusion).expect("renders");
        let athena = r.render(&schema(), Dialect::Athena).expect("renders");
        assert_eq!(df.params, athena.params);
        assert_eq!(df.params.len(), 10);
        assert!(df.sql.contains("$10") && !df.sql.contains('?'));
        assert_eq!(athena.sql.matches('?').count(), 10);
        assert_eq!(df.limit, 1000);
    }

    #[test]
    fn limits_are_capped_and_zero_is_refused() {
        let r = request(r#"{"query":"all_records","limit":5000}"#);
        assert_eq!(
            r.render(&schema(), Dialect::Athena).expect("ok").limit,
            1000
        );
        let r = request(r#"{"query":"all_records","limit":0}"#);
        assert!(r.render(&schema(), Dialect::Athena).is_err());
    }

    #[test]
    fn bad_requests_say_what_is_wrong() {
        let e = |j: &str| {
            ReportRequest::from_json(serde_json::from_str(j).expect("json"))
                .expect_err("refused")
                .to_string()
        };
        assert!(e(r#"{"limit":1}"#).contains("\"query\""));
        assert!(e(r#"{"query":"drop_all"}"#).contains("drop_all"));
        assert!(e(r#"{"query":"by_agent"}"#).contains("agent"));
        assert!(e(r#"{"query":"by_agent","agent":"a","extra":1}"#).contains("extra"));
        let r = request(r#"{"query":"by_date_range","start":"2026-02-30","end":"2026-03-01"}"#);
        assert!(r.render(&schema(), Dialect::Athena).is_err());
        let r = request(r#"{"query":"daily_by_agent","start":"2026-03-02","end":"2026-03-01"}"#);
        assert!(r.render(&schema(), Dialect::Athena).is_err());
    }

    #[test]
    fn every_built_in_report_passes_the_sql_guard() {
        use crate::query::sqlguard::{GuardPolicy, guard};
        let policy = GuardPolicy {
            table: "gsi_export".into(),
            database: None,
            max_limit: 1000,
            max_len: 64 * 1024,
        };
        let reports = [
            r#"{"query":"all_records","limit":10}"#,
            r#"{"query":"by_date_range","start":"2025-12-30","end":"2026-01-02"}"#,
            r#"{"query":"by_agent","agent":"O'Brien"}"#,
            r#"{"query":"by_contact_id","contact_id":"x"}"#,
            r#"{"query":"daily_by_agent","start":"2026-01-01","end":"2026-01-31"}"#,
            r#"{"query":"daily_by_channel","start":"2026-01-01","end":"2026-01-31"}"#,
        ];
        for json in reports {
            for dialect in [Dialect::DataFusion, Dialect::Athena] {
                let q = request(json).render(&schema(), dialect).expect("renders");
                let guarded = guard(&q.sql, &policy, None)
                    .unwrap_or_else(|e| panic!("{json} ({dialect:?}) refused: {e}\n{}", q.sql));
                assert_eq!(guarded.limit, q.limit.min(1000), "{json}");
            }
        }
    }

    #[test]
    fn aliases_of_the_seed_and_the_api_are_accepted() {
        let a = request(
            r#"{"query":"daily_by_channel","startDate":"2026-01-01","endDate":"2026-01-31"}"#,
        );
        let b = request(r#"{"query":"daily_by_channel","from":"2026-01-01","to":"2026-01-31"}"#);
        assert_eq!(a, b);
        let c = request(r#"{"query":"by_contact_id","contactId":"x"}"#);
        assert_eq!(
            c,
            ReportRequest::ByContactId {
                contact_id: "x".into(),
                limit: None
            }
        );
    }
}
