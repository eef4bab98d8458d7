//! Errors at the HTTP boundary: a short JSON message and a status; details only in the log. The
//! status comes from [`lake::error::ErrorClass`], the one classification every edge maps from.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use lake::error::ErrorClass;

/// An API error: its class (which decides the status) and the message the client may see.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct AppError {
    /// What kind of failure.
    pub class: ErrorClass,
    /// What the client is told.
    pub message: String,
    /// What only the log gets (the whole error), if anything.
    detail: Option<String>,
}

impl AppError {
    /// A malformed request; the message says what to change.
    pub fn bad_request(message: impl Into<String>) -> Self {
        AppError {
            class: ErrorClass::BadInput,
            message: message.into(),
            detail: None,
        }
    }

    /// Nothing at that path or id.
    pub fn not_found(message: impl Into<String>) -> Self {
        AppError {
            class: ErrorClass::NotFound,
            message: message.into(),
            detail: None,
        }
    }

    /// A server failure: the client sees a generic line, the log the detail.
    pub fn internal(detail: impl Into<String>) -> Self {
        AppError {
            class: ErrorClass::Internal,
            message: "internal error; see the server log".to_string(),
            detail: Some(detail.into()),
        }
    }
}

/// The HTTP status of an error class.
pub fn status_of(class: ErrorClass) -> StatusCode {
    match class {
        ErrorClass::BadInput => StatusCode::BAD_REQUEST,
        ErrorClass::NotFound => StatusCode::NOT_FOUND,
        ErrorClass::Conflict => StatusCode::CONFLICT,
        ErrorClass::Retryable => StatusCode::SERVICE_UNAVAILABLE,
        ErrorClass::Denied | ErrorClass::Internal => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

impl From<lake::LakeError> for AppError {
    fn from(e: lake::LakeError) -> Self {
        let class = e.class();
        let message = e.public_message();
        // Whatever the client is not told goes to the log.
        let detail = (message != e.to_string()).then(|| format!("{e} ({e:?})"));
        AppError {
            class,
            message,
            detail,
        }
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        if let Some(detail) = &self.detail {
            tracing::error!(%detail, class = self.class.as_str(), "request failed");
        }
        let status = status_of(self.class);
        (status, Json(serde_json::json!({ "error": self.message }))).into_response()
    }
}
