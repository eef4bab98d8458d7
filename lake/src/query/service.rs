//! The one query service behind the dashboard, the REST API, direct Lambda invocations and the
//! CLI: a report request is started and gets an id; its result is read in pages or as CSV. Two
//! engines answer it: the embedded DataFusion engine (results kept in a folder or S3 prefix, so
//! any instance can serve them) and Athena (results in Athena's own output location).

use std::sync::Arc;
use std::time::Duration;

use serde::Serialize;

use super::reports::{Dialect, RenderedQuery, ReportRequest, ReportSchema, agents_sql};
use super::results::{ResultStore, StoredResult, columns_of, rows_of};
use super::{MAX_PAGE_BYTES, MAX_PAGE_ROWS, QueryState, ResultPage, SqlParam, rows_within};
use crate::query::athena::AthenaEngine;
use crate::query::datafusion::{DailyCount, DayRange, LakeEngine, ReportColumns, Stats};
use crate::query::sqlguard::{GuardPolicy, guard};
use crate::{LakeError, Result};

/// Bytes of custom SQL at most.
pub const MAX_SQL_BYTES: usize = 64 * 1024;
/// How long a presigned download URL lives.
const DOWNLOAD_URL_LIFETIME: Duration = Duration::from_secs(15 * 60);

/// The engine a service runs on.
pub enum Backend {
    /// The embedded engine over the lake, with where its results are kept.
    DataFusion {
        /// The engine.
        engine: Arc<LakeEngine>,
        /// Where results go.
        results: ResultStore,
    },
    /// Amazon Athena.
    Athena(Arc<AthenaEngine>),
}

/// How a result is downloaded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Download {
    /// The CSV itself.
    Csv(Vec<u8>),
    /// A (presigned) URL to redirect to.
    Redirect(String),
}

/// The query service.
pub struct QueryService {
    backend: Backend,
    schema: ReportSchema,
    database: Option<String>,
}

/// A started query.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Started {
    /// Its id.
    pub query_execution_id: String,
}

impl QueryService {
    /// A service over `backend`; `database` is the Athena database custom SQL may name.
    pub fn new(backend: Backend, schema: ReportSchema, database: Option<String>) -> Self {
        QueryService {
            backend,
            schema,
            database,
        }
    }

    /// The report columns and limits.
    pub fn schema(&self) -> &ReportSchema {
        &self.schema
    }

    /// Which engine answers (`datafusion` or `athena`).
    pub fn engine_name(&self) -> &'static str {
        match self.backend {
            Backend::DataFusion { .. } => "datafusion",
            Backend::Athena(_) => "athena",
        }
    }

    fn dialect(&self) -> Dialect {
        match self.backend {
            Backend::DataFusion { .. } => Dialect::DataFusion,
            Backend::Athena(_) => Dialect::Athena,
        }
    }

    /// Renders a request for this service's engine: built-in reports from their template,
    /// custom SQL through the guard (parsed; one SELECT on the lake's table; limit capped).
    pub fn render(&self, request: &ReportRequest) -> Result<RenderedQuery> {
        match request {
            ReportRequest::Custom { sql, limit } => {
                let policy = GuardPolicy {
                    table: self.schema.table.clone(),
                    database: self.database.clone(),
                    max_limit: self.schema.max_limit,
                    max_len: MAX_SQL_BYTES,
                };
                let requested = super::reports::effective_limit(*limit, self.schema.max_limit)?;
                let guarded = guard(sql, &policy, Some(requested))
                    .map_err(|e| LakeError::InvalidInput(format!("custom SQL refused: {e}")))?;
                Ok(RenderedQuery {
                    sql: guarded.sql,
                    params: Vec::new(),
                    limit: guarded.limit,
                })
            }
            other => other.render(&self.schema, self.dialect()),
        }
    }

    /// Starts a report; returns its id.
    pub async fn submit(&self, request: &ReportRequest) -> Result<Started> {
        let rendered = self.render(request)?;
        let id = self.start_sql(&rendered.sql, &rendered.params).await?;
        tracing::info!(report = request.name(), id = %id, engine = self.engine_name(), "query started");
        Ok(Started {
            query_execution_id: id,
        })
    }

    async fn start_sql(&self, sql: &str, params: &[SqlParam]) -> Result<String> {
        match &self.backend {
            Backend::DataFusion { engine, results } => {
                let out = engine.query(sql, params).await?;
                let stored = StoredResult {
                    columns: columns_of(&out.schema),
                    rows: rows_of(&out.batches)?,
                    bytes_scanned: out.bytes_scanned,
                };
                let id = uuid::Uuid::new_v4().to_string();
                results.save(&id, &stored).await?;
                Ok(id)
            }
            Backend::Athena(athena) => athena.start(sql, params).await,
        }
    }

    /// One page of a query's result (`next_token` from the previous page): at most `max_rows`
    /// rows (itself capped at [`MAX_PAGE_ROWS`]) and [`MAX_PAGE_BYTES`] of row JSON, so that a
    /// page always fits in a Lambda response; the next token continues exactly after it.
    pub async fn results(
        &self,
        id: &str,
        next_token: Option<&str>,
        max_rows: usize,
    ) -> Result<ResultPage> {
        let max_rows = max_rows.clamp(1, MAX_PAGE_ROWS);
        match &self.backend {
            Backend::DataFusion { results, .. } => {
                // Stored pages are already within the byte budget; a smaller `max_rows` reads
                // part of one (the token is `<page>.<row in it>`).
                let header = results.header(id).await?;
                let (n, skip) = match next_token {
                    None => (0, 0),
                    Some(t) => t
                        .split_once('.')
                        .and_then(|(n, k)| Some((n.parse().ok()?, k.parse().ok()?)))
                        .ok_or_else(|| bad_token(t))?,
                };
                let stored = results.page(id, &header, n).await?;
                let from = skip.min(stored.len());
                let end = (from + max_rows).min(stored.len());
                let next_token = if end < stored.len() {
                    Some(format!("{n}.{end}"))
                } else {
                    (n + 1 < header.pages).then(|| format!("{}.0", n + 1))
                };
                Ok(ResultPage {
                    state: QueryState::Succeeded,
                    columns: header.columns,
                    rows: stored[from..end].to_vec(),
                    next_token,
                    bytes_scanned: header.bytes_scanned,
                })
            }
            Backend::Athena(athena) => {
                // A page Athena returned may be cut by the byte budget: the token then names
                // Athena's page (its token and size) and how many of its rows were returned.
                let cut = next_token.map(CutToken::parse).transpose()?;
                let (inner, size, skip) = match &cut {
                    Some(c) => (c.inner.as_deref(), c.size, c.skip),
                    None => (None, max_rows, 0),
                };
                let mut page = athena.page(id, inner, size).await?;
                let rest = page.rows.split_off(skip.min(page.rows.len()));
                let take = rows_within(&rest, MAX_PAGE_BYTES);
                if take < rest.len() {
                    page.next_token = Some(
                        CutToken {
                            size,
                            skip: skip + take,
                            inner: inner.map(str::to_string),
                        }
                        .render(),
                    );
                } else {
                    page.next_token = page.next_token.map(|t| {
                        CutToken {
                            size: max_rows,
                            skip: 0,
                            inner: Some(t),
                        }
                        .render()
                    });
                }
                page.rows = rest;
                page.rows.truncate(take);
                Ok(page)
            }
        }
    }

    /// One page of a query's result once it is done (waiting for Athena first): what the
    /// dashboard reads, page by page.
    pub async fn page_when_done(&self, id: &str, next_token: Option<&str>) -> Result<ResultPage> {
        if let Backend::Athena(athena) = &self.backend {
            athena.wait_succeeded(id).await?;
        }
        self.results(id, next_token, MAX_PAGE_ROWS).await
    }

    /// Where to fetch the whole result as CSV: a presigned URL whenever it lives in S3 (Athena's
    /// result file, or the embedded engine's results prefix), the CSV itself from a local folder.
    pub async fn download(&self, id: &str) -> Result<Download> {
        match &self.backend {
            // Results in S3 are fetched from S3 directly: a Lambda response could not carry them.
            Backend::DataFusion { results, .. } => {
                match results.csv_link(id, DOWNLOAD_URL_LIFETIME).await? {
                    Some(url) => Ok(Download::Redirect(url)),
                    None => Ok(Download::Csv(results.csv(id).await?)),
                }
            }
            Backend::Athena(athena) => Ok(Download::Redirect(
                athena.download_url(id, DOWNLOAD_URL_LIFETIME).await?,
            )),
        }
    }

    /// Runs a report to the end and returns its rows (up to its limit): for direct Lambda
    /// invocations and the CLI.
    pub async fn run(&self, request: &ReportRequest) -> Result<ResultPage> {
        let rendered = self.render(request)?;
        self.run_sql(&rendered.sql, &rendered.params).await
    }

    /// Runs SQL to the end and returns every row. The embedded engine answers in-process and
    /// keeps nothing; Athena is started, waited for and paged through.
    async fn run_sql(&self, sql: &str, params: &[SqlParam]) -> Result<ResultPage> {
        let athena = match &self.backend {
            Backend::DataFusion { engine, .. } => {
                let out = engine.query(sql, params).await?;
                return Ok(ResultPage {
                    state: QueryState::Succeeded,
                    columns: columns_of(&out.schema),
                    rows: rows_of(&out.batches)?,
                    next_token: None,
                    bytes_scanned: out.bytes_scanned,
                });
            }
            Backend::Athena(athena) => athena,
        };
        let id = athena.start(sql, params).await?;
        athena.wait_succeeded(&id).await?;
        all_pages(athena, &id).await
    }

    /// The distinct agents (for the dashboard's dropdown).
    pub async fn agents(&self) -> Result<Vec<String>> {
        let page = self
            .run_sql(&agents_sql(&self.schema, self.schema.max_limit), &[])
            .await?;
        Ok(page
            .rows
            .into_iter()
            .filter_map(|r| r.into_iter().next())
            .filter_map(|v| v.as_str().map(str::to_string))
            .collect())
    }

    /// The stat cards' numbers for a range of days (or everything).
    pub async fn stats(&self, range: Option<DayRange>, columns: &ReportColumns) -> Result<Stats> {
        match &self.backend {
            Backend::DataFusion { engine, .. } => engine.stats(range, columns).await,
            Backend::Athena(_) => {
                let (sql, params) = stats_sql(&self.schema.table, range, columns);
                let page = self.run_sql(&sql, &params).await?;
                let row = page.rows.into_iter().next().unwrap_or_default();
                let n = |i: usize| row.get(i).and_then(|v| v.as_u64());
                Ok(Stats {
                    total_rows: n(0).unwrap_or(0),
                    unique_contacts: n(1),
                    channels: n(2),
                    agents: n(3),
                })
            }
        }
    }

    /// Rows per value of `column` (SQL name) in a range of days (or everything), most first, ties
    /// by value; NULL counts as its own value (`None`). For the dashboard's pie, doughnut and bars.
    pub async fn breakdown(
        &self,
        range: Option<DayRange>,
        column: &str,
    ) -> Result<Vec<(Option<String>, u64)>> {
        use crate::query::sql::sql_identifier as q;
        let dialect = self.dialect();
        let (predicate, params) = match range {
            Some(r) => {
                let (p, params) = super::reports::range_predicate(r.from, r.to, dialect);
                (format!(" WHERE {p}"), params)
            }
            None => (String::new(), Vec::new()),
        };
        let col = q(column);
        let sql = format!(
            "SELECT {col} AS label, count(*) AS n FROM {}{predicate} GROUP BY {col} ORDER BY n DESC, label ASC LIMIT {}",
            q(&self.schema.table),
            self.schema.max_limit
        );
        let page = self.run_sql(&sql, &params).await?;
        Ok(page
            .rows
            .into_iter()
            .map(|r| {
                let label = r.first().and_then(|v| v.as_str()).map(str::to_string);
                let n = r.get(1).and_then(|v| v.as_u64()).unwrap_or(0);
                (label, n)
            })
            .collect())
    }

    /// Rows per day in a range of days (both ends included), or in the whole lake.
    pub async fn daily(&self, range: Option<DayRange>) -> Result<Vec<DailyCount>> {
        match &self.backend {
            Backend::DataFusion { engine, .. } => engine.daily(range).await,
            Backend::Athena(_) => {
                // One GROUP BY day, every page read: no row cap can drop days.
                let (sql, params) = super::reports::daily_sql(
                    &self.schema.table,
                    range.map(|r| (r.from, r.to)),
                    Dialect::Athena,
                );
                let page = self.run_sql(&sql, &params).await?;
                super::reports::daily_rows(&page.rows)
            }
        }
    }
}

/// Every page of a finished Athena query, as one page.
async fn all_pages(athena: &AthenaEngine, id: &str) -> Result<ResultPage> {
    collect_pages(|token| async move { athena.page(id, token.as_deref(), MAX_PAGE_ROWS).await })
        .await
}

/// Reads pages from `fetch` (given the previous page's token) until one has no next token, and
/// joins their rows: nothing after the first page is dropped.
async fn collect_pages<F, Fut>(mut fetch: F) -> Result<ResultPage>
where
    F: FnMut(Option<String>) -> Fut,
    Fut: std::future::Future<Output = Result<ResultPage>>,
{
    let mut page = fetch(None).await?;
    let mut token = page.next_token.take();
    while let Some(t) = token {
        let next = fetch(Some(t)).await?;
        page.rows.extend(next.rows);
        token = next.next_token;
    }
    Ok(page)
}

/// The stat cards as one Athena query: the range as `?` parameters on the partition columns.
fn stats_sql(
    table: &str,
    range: Option<DayRange>,
    columns: &ReportColumns,
) -> (String, Vec<SqlParam>) {
    use crate::query::sql::sql_identifier as q;
    let mut sql = format!(
        "SELECT count(*), count(DISTINCT {}), count(DISTINCT {}), count(DISTINCT {}) FROM {}",
        q(&columns.contact),
        q(&columns.channel),
        q(&columns.agent),
        q(table)
    );
    let mut params = Vec::new();
    if let Some(r) = range {
        let (predicate, p) = super::reports::range_predicate(r.from, r.to, Dialect::Athena);
        sql.push_str(" WHERE ");
        sql.push_str(&predicate);
        params = p;
    }
    (sql, params)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_daily_answer_reads_every_page_so_no_day_is_lost() {
        // 30 years of days, more than the old 10 000-row cap, in Athena's pages of 1 000 rows.
        let from = chrono::NaiveDate::from_ymd_opt(1996, 1, 1).expect("valid");
        let days: Vec<chrono::NaiveDate> = from.iter_days().take(10_958).collect();
        let rows: Vec<Vec<serde_json::Value>> = days
            .iter()
            .map(|d| {
                use chrono::Datelike;
                vec![d.year().into(), d.month().into(), d.day().into(), 1.into()]
            })
            .collect();
        let pages: Vec<Vec<Vec<serde_json::Value>>> =
            rows.chunks(MAX_PAGE_ROWS).map(<[_]>::to_vec).collect();
        assert_eq!(pages.len(), 11);
        let mut asked = Vec::new();
        let page = collect_pages(|token| {
            asked.push(token.clone());
            let i: usize = token.map(|t| t.parse().expect("ours")).unwrap_or(0);
            let page = ResultPage {
                state: QueryState::Succeeded,
                columns: Vec::new(),
                rows: pages[i].clone(),
                next_token: (i + 1 < pages.len()).then(|| (i + 1).to_string()),
                bytes_scanned: None,
            };
            async move { Ok(page) }
        })
        .await
        .expect("pages");
        assert_eq!(asked.len(), 11, "every page was asked for");
        let counted = super::super::reports::daily_rows(&page.rows).expect("days");
        assert_eq!(counted.len(), days.len());
        assert_eq!(counted.last().map(|d| d.day.as_str()), Some("2025-12-31"));
    }
}

fn bad_token(t: &str) -> LakeError {
    LakeError::InvalidInput(format!("nextToken {t:?} is not one of ours"))
}

/// The next token of an Athena result read in pages smaller than Athena's: Athena's own token
/// (`None`: its first page), the page size it was read with, and how many of its rows were
/// already returned. Rendered `p<size>.<skip>.<athena token>`.
#[derive(Debug, Clone, PartialEq, Eq)]
struct CutToken {
    size: usize,
    skip: usize,
    inner: Option<String>,
}

impl CutToken {
    fn parse(t: &str) -> Result<CutToken> {
        let parsed = (|| {
            let rest = t.strip_prefix('p')?;
            let (size, rest) = rest.split_once('.')?;
            let (skip, inner) = rest.split_once('.')?;
            Some(CutToken {
                size: size
                    .parse()
                    .ok()
                    .filter(|s| (1..=MAX_PAGE_ROWS).contains(s))?,
                skip: skip.parse().ok()?,
                inner: (!inner.is_empty()).then(|| inner.to_string()),
            })
        })();
        parsed.ok_or_else(|| bad_token(t))
    }

    fn render(&self) -> String {
        format!(
            "p{}.{}.{}",
            self.size,
            self.skip,
            self.inner.as_deref().unwrap_or("")
        )
    }
}

#[cfg(test)]
mod page_tests {
    use super::*;

    #[test]
    fn cut_tokens_round_trip_and_refuse_what_is_not_ours() {
        for t in [
            CutToken {
                size: 1000,
                skip: 0,
                inner: Some("AYADeJ+/abc==.x".into()),
            },
            CutToken {
                size: 7,
                skip: 3,
                inner: None,
            },
        ] {
            assert_eq!(CutToken::parse(&t.render()).expect("ours"), t);
        }
        for bad in [
            "",
            "12",
            "p0.1.x",
            "p1001.0.x",
            "px.0.x",
            "p5.-1.x",
            "q5.0.x",
        ] {
            assert!(CutToken::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn pages_hold_at_least_one_row_and_stay_within_the_budget() {
        let row = |n: usize| vec![serde_json::Value::String("x".repeat(n))];
        let rows: Vec<_> = (0..10).map(|_| row(300_000)).collect();
        let n = rows_within(&rows, MAX_PAGE_BYTES);
        assert_eq!(n, 3, "three 300 KB rows fit in 1 MiB, four do not");
        assert_eq!(rows_within(&[row(5_000_000)], MAX_PAGE_BYTES), 1);
        let small: Vec<_> = (0..1000).map(|_| row(10)).collect();
        assert_eq!(rows_within(&small, MAX_PAGE_BYTES), 1000);
        assert_eq!(rows_within(&[], MAX_PAGE_BYTES), 0);
    }
}
