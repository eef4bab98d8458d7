//! Server side of the dashboard: the state server functions read, and how they fill the page.

use std::sync::Arc;

use lake::dates::parse_day;
use lake::engine::{DayRange, ReportColumns};
use lake::query::service::QueryService;
use leptos::prelude::*;

use crate::model::{DashboardData, DayCount, RangeInput, StatCards};

/// What the server functions need, provided as Leptos context by the server.
#[derive(Clone)]
pub struct DashboardState {
    /// The query service (embedded engine or Athena).
    pub query: Arc<QueryService>,
    /// What the header shows as the source.
    pub source: String,
    /// Which columns the stat cards count.
    pub columns: ReportColumns,
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

/// Computes everything the dashboard shows for a range.
pub async fn dashboard_data(range: RangeInput) -> Result<DashboardData, ServerFnError> {
    let state = use_context::<DashboardState>()
        .ok_or_else(|| ServerFnError::new("the dashboard has no data source configured"))?;
    let range = parse_range(&range).map_err(ServerFnError::new)?;
    let failed = |e: lake::LakeError| {
        tracing::error!(error = %e, "dashboard query failed");
        ServerFnError::new("the query engine failed; see the server log")
    };
    let stats = state
        .query
        .stats(range, &state.columns)
        .await
        .map_err(failed)?;
    let daily = state.query.daily(range).await.map_err(failed)?;
    Ok(DashboardData {
        source: state.source.clone(),
        stats: StatCards {
            total_rows: stats.total_rows,
            unique_contacts: stats.unique_contacts,
            channels: stats.channels,
            agents: stats.agents,
        },
        daily: daily
            .into_iter()
            .map(|d| DayCount {
                day: d.day.to_string(),
                rows: d.rows,
            })
            .collect(),
    })
}
