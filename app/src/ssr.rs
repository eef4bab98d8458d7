//! Server side of the dashboard: the state server functions read, and how they fill the page.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use lake::format::dates::parse_day;
use lake::query::datafusion::{DayRange, ReportColumns};
use lake::query::live::LiveQuery;
use leptos::prelude::*;

use crate::charts;
use model::{
    ChartSvgs, DashboardData, JobSummary, RangeInput, ReportInput, ResultColumn, ResultView, Slice,
};

/// How many runs the "Recent jobs" area lists.
pub const RECENT_JOBS: usize = 10;

/// Reads the newest `n` runs from the jobs table, newest first (an error is one line for the page).
pub type JobsFeed = Arc<
    dyn Fn(usize) -> Pin<Box<dyn Future<Output = Result<Vec<JobSummary>, String>> + Send>>
        + Send
        + Sync,
>;

/// What the server functions need, provided as Leptos context by the server.
#[derive(Clone)]
pub struct DashboardState {
    /// The query service (embedded engine or Athena), once the lake has data.
    pub query: Arc<LiveQuery>,
    /// What the header shows as the source.
    pub source: String,
    /// Which columns the stat cards count.
    pub columns: ReportColumns,
    /// The jobs table, when the server has one; without it the page shows no jobs area.
    pub jobs: Option<JobsFeed>,
}

/// Parses the page's optional range; both ends or neither.
pub fn parse_range(range: &RangeInput) -> Result<Option<DayRange>, String> {
    let (from, to) = (range.from.trim(), range.to.trim());
    match (from.is_empty(), to.is_empty()) {
        (true, true) => Ok(None),
        (false, false) => {
            let f = parse_day("from", from).map_err(|e| e.to_string())?;
            let t = parse_day("to", to).map_err(|e| e.to_string())?;
            DayRange::new(f, t).map(Some).map_err(|e| e.to_string())
        }
        _ => Err("give both ends of the range (from and to), or neither".to_string()),
    }
}

/// Computes everything the dashboard shows for a range. The five queries (stats, daily counts and
/// three breakdowns) and the jobs read run concurrently; the first query to fail is the page's error
/// (the others are dropped). A jobs table that cannot be read is not an error: the page says so.
pub async fn dashboard_data(range: RangeInput) -> Result<DashboardData, ServerFnError> {
    let state = use_context::<DashboardState>()
        .ok_or_else(|| ServerFnError::new("the dashboard has no data source configured"))?;
    let range = parse_range(&range).map_err(ServerFnError::new)?;
    let failed = page_error;
    let service = state.query.service().await.map_err(page_error)?;
    let q = &*service;
    let breakdown = |column: String| async move {
        Ok::<_, lake::LakeError>(
            q.breakdown(range, &column)
                .await?
                .into_iter()
                .map(|(label, value)| Slice {
                    label: label.unwrap_or_else(|| "(none)".to_string()),
                    value,
                })
                .collect::<Vec<_>>(),
        )
    };
    let jobs = async {
        match &state.jobs {
            None => None,
            Some(feed) => Some(feed(RECENT_JOBS).await.inspect_err(|e| {
                tracing::error!(error = %e, "reading the jobs table failed");
            })),
        }
    };
    let (stats, days, by_channel, by_agent, by_initiation, jobs) = futures::try_join!(
        async { q.stats(range, &state.columns).await.map_err(failed) },
        async { q.daily(range).await.map_err(failed) },
        async {
            breakdown(state.columns.channel.clone())
                .await
                .map_err(failed)
        },
        async { breakdown(state.columns.agent.clone()).await.map_err(failed) },
        async {
            breakdown(state.columns.initiation.clone())
                .await
                .map_err(failed)
        },
        async { Ok::<_, ServerFnError>(jobs.await) },
    )?;
    Ok(DashboardData {
        source: state.source.clone(),
        jobs,
        stats,
        charts: ChartSvgs {
            daily: charts::daily_bars(&days, 960, 260),
            channel: charts::doughnut(&by_channel, 460, 260, "Contacts by channel"),
            agent: charts::top_bars(&by_agent, 8, 460, 260, "Contacts by agent"),
            initiation: charts::pie(&by_initiation, 460, 260, "By initiation method"),
        },
        daily: days,
    })
}

fn state() -> Result<DashboardState, ServerFnError> {
    use_context::<DashboardState>()
        .ok_or_else(|| ServerFnError::new("the dashboard has no data source configured"))
}

/// A pipeline error as the page shows it: the message when it is about the request, otherwise
/// a short line ([`lake::LakeError::public_message`]); the whole error goes to the log.
fn page_error(e: lake::LakeError) -> ServerFnError {
    if !matches!(
        e.class(),
        lake::error::ErrorClass::BadInput | lake::error::ErrorClass::NotFound
    ) {
        tracing::error!(error = %e, class = e.class().as_str(), "dashboard request failed");
    }
    ServerFnError::new(e.public_message())
}

/// The distinct agents.
pub async fn agents() -> Result<Vec<String>, ServerFnError> {
    state()?
        .query
        .service()
        .await
        .map_err(page_error)?
        .agents()
        .await
        .map_err(page_error)
}

/// The request body of a report input: only the fields its report uses (from the catalogue).
pub fn report_body(input: &ReportInput) -> Result<serde_json::Value, String> {
    let kind = model::ReportKind::from_name(&input.query).ok_or_else(|| {
        format!(
            "unknown report {:?}: expected one of {}",
            input.query,
            model::ReportKind::names()
        )
    })?;
    let mut body = serde_json::Map::new();
    body.insert("query".into(), kind.name().into());
    for field in kind.fields() {
        let value = input.value(*field);
        if value.trim().is_empty() {
            return Err(format!(
                "{} is required for this report",
                field.name().replace('_', " ")
            ));
        }
        body.insert(field.name().into(), value.into());
    }
    let limit = input.limit.trim();
    if !limit.is_empty() {
        let n: u64 = limit
            .parse()
            .map_err(|_| format!("limit {limit:?} is not a whole number"))?;
        body.insert("limit".into(), n.into());
    }
    Ok(serde_json::Value::Object(body))
}

/// Starts a report.
pub async fn start_report(input: ReportInput) -> Result<String, ServerFnError> {
    let body = report_body(&input).map_err(ServerFnError::new)?;
    let request = lake::query::reports::ReportRequest::from_json(body).map_err(page_error)?;
    let started = state()?
        .query
        .service()
        .await
        .map_err(page_error)?
        .submit(&request)
        .await
        .map_err(page_error)?;
    Ok(started.query_execution_id)
}

/// Waits for a report and returns one page of its rows as text (`next_token` from the page
/// before): pages are capped by rows and bytes, so each answer fits in a Lambda response.
pub async fn fetch_result(
    id: String,
    report: String,
    next_token: Option<String>,
) -> Result<ResultView, ServerFnError> {
    let page = state()?
        .query
        .service()
        .await
        .map_err(page_error)?
        .page_when_done(&id, next_token.as_deref())
        .await
        .map_err(page_error)?;
    let text = |v: serde_json::Value| match v {
        serde_json::Value::Null => None,
        serde_json::Value::String(s) => Some(s),
        other => Some(other.to_string()),
    };
    Ok(ResultView {
        id,
        report,
        columns: page
            .columns
            .into_iter()
            .map(|c| ResultColumn {
                name: c.name,
                ty: c.ty,
            })
            .collect(),
        rows: page
            .rows
            .into_iter()
            .map(|r| r.into_iter().map(text).collect())
            .collect(),
        bytes_scanned: page.bytes_scanned,
        next_token: page.next_token,
    })
}
