//! Errors at the HTTP boundary: a short JSON message and a status; details only in the log.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

/// An API error.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// The request is malformed; the message says what to change.
    #[error("{0}")]
    BadRequest(String),
    /// Nothing at that path or id.
    #[error("{0}")]
    NotFound(String),
    /// The server failed; the client sees a generic message.
    #[error("internal error: {0}")]
    Internal(String),
}

impl From<lake::LakeError> for AppError {
    fn from(e: lake::LakeError) -> Self {
        match e {
            lake::LakeError::InvalidInput(msg) => AppError::BadRequest(msg),
            lake::LakeError::NotFound(msg) => AppError::NotFound(msg),
            other => AppError::Internal(other.to_string()),
        }
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let (status, message) = match &self {
            AppError::BadRequest(m) => (StatusCode::BAD_REQUEST, m.clone()),
            AppError::NotFound(m) => (StatusCode::NOT_FOUND, m.clone()),
            AppError::Internal(detail) => {
                tracing::error!(%detail, "request failed");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal error; see the server log".to_string(),
                )
            }
        };
        (status, Json(serde_json::json!({ "error": message }))).into_response()
    }
}
