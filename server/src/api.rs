//! The REST API (`/api/...`): JSON in, JSON out, the same numbers as the dashboard.

use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::Uri;
use serde::Deserialize;

use crate::error::AppError;
use crate::router::AppState;

/// Query parameters of `/api/stats`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RangeParams {
    /// First day, `YYYY-MM-DD`.
    pub from: Option<String>,
    /// Last day, `YYYY-MM-DD`.
    pub to: Option<String>,
}

/// `GET /api/stats[?from=YYYY-MM-DD&to=YYYY-MM-DD]`: the four stat-card numbers.
pub async fn stats(
    State(state): State<AppState>,
    params: Result<Query<RangeParams>, QueryRejection>,
) -> Result<Json<serde_json::Value>, AppError> {
    let Query(params) = params.map_err(|e| AppError::BadRequest(e.body_text()))?;
    let range = app::ssr::parse_range(&app::model::RangeInput {
        from: params.from.unwrap_or_default(),
        to: params.to.unwrap_or_default(),
    })
    .map_err(AppError::BadRequest)?;
    let s = state
        .dashboard
        .engine
        .stats(range, &state.dashboard.columns)
        .await?;
    Ok(Json(serde_json::json!({
        "totalRows": s.total_rows,
        "uniqueContacts": s.unique_contacts,
        "channels": s.channels,
        "agents": s.agents,
    })))
}

/// Any other `/api/...` path: a JSON 404 naming it.
pub async fn unknown(uri: Uri) -> AppError {
    AppError::NotFound(format!("no API route {}", uri.path()))
}
