//! The REST API (`/api/...`): JSON in, JSON out, the same numbers as the dashboard.

use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{Query, State};
use axum::http::{Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get, post};
use axum::{Json, Router};
use lake::query::reports::ReportRequest;
use lake::query::service::{Download, Started};
use lake::query::{MAX_PAGE_ROWS, ResultPage};
use serde::Deserialize;

use super::AppState;
use super::error::AppError;

/// The API's routes, merged into the one router.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/stats", get(stats))
        .route("/api/query", post(query))
        .route("/api/results", get(results))
        .route("/api/download", get(download))
        .route("/api/daily", get(daily))
        .route("/api/agents", get(agents))
        .route("/api/{*rest}", any(unknown))
}

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
    let Query(params) = params.map_err(|e| AppError::bad_request(e.body_text()))?;
    let range = app::ssr::parse_range(&model::RangeInput {
        from: params.from.unwrap_or_default(),
        to: params.to.unwrap_or_default(),
    })
    .map_err(AppError::bad_request)?;
    let s = state
        .dashboard
        .query
        .service()
        .await?
        .stats(range, &state.dashboard.columns)
        .await?;
    Ok(Json(serde_json::json!({
        "totalRows": s.total_rows,
        "uniqueContacts": s.unique_contacts,
        "channels": s.channels,
        "agents": s.agents,
    })))
}

/// `POST /api/query` with `{"query": "<report>", …params, "limit": N}`: starts the report and
/// returns `{"queryExecutionId": …}`.
pub async fn query(
    State(state): State<AppState>,
    body: Result<Json<serde_json::Value>, JsonRejection>,
) -> Result<Json<Started>, AppError> {
    let Json(body) = body.map_err(|e| AppError::bad_request(e.body_text()))?;
    let request = ReportRequest::from_json(body)?;
    Ok(Json(
        state
            .dashboard
            .query
            .service()
            .await?
            .submit(&request)
            .await?,
    ))
}

/// Query parameters of `/api/results` and `/api/download`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ResultParams {
    /// The id `POST /api/query` returned.
    pub query_execution_id: String,
    /// The token of the next page.
    pub next_token: Option<String>,
    /// Rows at most in this page (≤ 1000).
    pub max_rows: Option<usize>,
}

/// `GET /api/results?queryExecutionId=…[&nextToken=…][&maxRows=N]`: state, columns, one page of
/// rows, the next token and the bytes scanned.
pub async fn results(
    State(state): State<AppState>,
    params: Result<Query<ResultParams>, QueryRejection>,
) -> Result<Json<ResultPage>, AppError> {
    let Query(p) = params.map_err(|e| AppError::bad_request(e.body_text()))?;
    let page = state
        .dashboard
        .query
        .service()
        .await?
        .results(
            &p.query_execution_id,
            p.next_token.as_deref(),
            p.max_rows.unwrap_or(MAX_PAGE_ROWS),
        )
        .await?;
    Ok(Json(page))
}

/// `GET /api/download?queryExecutionId=…`: the whole result as CSV: a 302 to a presigned URL
/// whenever the result lives in S3 (Athena's result file, or the results prefix of the embedded
/// engine), the CSV itself from a local results folder.
pub async fn download(
    State(state): State<AppState>,
    params: Result<Query<ResultParams>, QueryRejection>,
) -> Result<Response, AppError> {
    let Query(p) = params.map_err(|e| AppError::bad_request(e.body_text()))?;
    let id = p.query_execution_id;
    Ok(
        match state.dashboard.query.service().await?.download(&id).await? {
            Download::Csv(bytes) => (
                [
                    (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
                    (
                        header::CONTENT_DISPOSITION,
                        format!("attachment; filename=\"{id}.csv\""),
                    ),
                ],
                bytes,
            )
                .into_response(),
            // A 302 (what S3-style download links use): the browser GETs the presigned URL.
            Download::Redirect(url) => (
                axum::http::StatusCode::FOUND,
                [
                    (header::LOCATION, url),
                    (header::CACHE_CONTROL, "no-store".to_string()),
                ],
            )
                .into_response(),
        },
    )
}

/// `GET /api/daily?from=YYYY-MM-DD&to=YYYY-MM-DD`: rows per day.
pub async fn daily(
    State(state): State<AppState>,
    params: Result<Query<RangeParams>, QueryRejection>,
) -> Result<Json<serde_json::Value>, AppError> {
    let Query(params) = params.map_err(|e| AppError::bad_request(e.body_text()))?;
    let (Some(from), Some(to)) = (params.from, params.to) else {
        return Err(AppError::bad_request(
            "give from=YYYY-MM-DD and to=YYYY-MM-DD",
        ));
    };
    let range =
        app::ssr::parse_range(&model::RangeInput { from, to }).map_err(AppError::bad_request)?;
    let days = state.dashboard.query.service().await?.daily(range).await?;
    Ok(Json(serde_json::json!({
        "days": days.iter().map(|d| serde_json::json!({"day": d.day.to_string(), "rows": d.rows})).collect::<Vec<_>>(),
    })))
}

/// `GET /api/agents`: the distinct agents, for the report form's dropdown.
pub async fn agents(State(state): State<AppState>) -> Result<Json<serde_json::Value>, AppError> {
    let agents = state.dashboard.query.service().await?.agents().await?;
    Ok(Json(serde_json::json!({ "agents": agents })))
}

/// Any other `/api/...` path: a JSON 404 naming it.
pub async fn unknown(uri: Uri) -> AppError {
    AppError::not_found(format!("no API route {}", uri.path()))
}
