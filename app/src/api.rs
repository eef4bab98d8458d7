//! Server functions: the page's calls to the server. Their bodies run on the server only.
// The macro generates argument structs whose fields cannot carry docs.
#![allow(missing_docs)]

use leptos::prelude::*;

use model::{DashboardData, RangeInput, ReportInput, ResultView};

/// Loads the dashboard's numbers for a day range.
#[server(prefix = "/_sfn", endpoint = "dashboard")]
pub async fn load_dashboard(range: RangeInput) -> Result<DashboardData, ServerFnError> {
    crate::ssr::dashboard_data(range).await
}

/// The distinct agents, for the By Agent dropdown.
#[server(prefix = "/_sfn", endpoint = "agents")]
pub async fn list_agents() -> Result<Vec<String>, ServerFnError> {
    crate::ssr::agents().await
}

/// Starts a report; returns its id. A refused input (bad date, guarded SQL) is the error message.
#[server(prefix = "/_sfn", endpoint = "start_report")]
pub async fn start_report(input: ReportInput) -> Result<String, ServerFnError> {
    crate::ssr::start_report(input).await
}

/// Waits for a started report and returns one page of its result (`next_token`: the page after
/// the one before).
#[server(prefix = "/_sfn", endpoint = "fetch_result")]
pub async fn fetch_result(
    id: String,
    report: String,
    next_token: Option<String>,
) -> Result<ResultView, ServerFnError> {
    crate::ssr::fetch_result(id, report, next_token).await
}
