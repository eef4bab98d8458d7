//! The Lambda entry's one handler. A Function URL request (an API Gateway v2-shaped event) goes
//! through the same axum router as local requests; a direct invocation whose payload is a report
//! request (`{"query": "all_records", "limit": 10}`, the body of `POST /api/query`) runs through
//! the same query service and returns its rows as JSON. Anything else gets an error that says
//! what was expected. Errors carry an `errorType` saying whether a retry can help.

use axum::Router;
use lambda_http::lambda_runtime::Diagnostic;
use lambda_http::request::LambdaRequest;
use lambda_http::tower::ServiceExt;
use lambda_http::{Adapter, LambdaEvent};
use serde_json::{Value, json};

use crate::router::AppState;

/// Whether `payload` is an HTTP event (Function URL / API Gateway v2) rather than a direct call.
pub fn is_http_event(payload: &Value) -> bool {
    payload
        .get("requestContext")
        .is_some_and(|c| c.get("http").is_some())
        || payload.get("rawPath").is_some()
}

fn diagnostic(kind: &str, message: impl Into<String>) -> Diagnostic {
    Diagnostic {
        error_type: kind.to_string(),
        error_message: message.into(),
    }
}

/// Handles one invocation.
pub async fn handle(
    router: &Router,
    state: &AppState,
    event: LambdaEvent<Value>,
) -> Result<Value, Diagnostic> {
    let LambdaEvent { payload, context } = event;
    if is_http_event(&payload) {
        let request: LambdaRequest = serde_json::from_value(payload).map_err(|e| {
            diagnostic(
                "InvalidEvent",
                format!("not a Function URL event this function can read: {e}"),
            )
        })?;
        let adapter: Adapter<'_, _, _> = Adapter::from(router.clone());
        let response = adapter
            .oneshot(LambdaEvent::new(request, context))
            .await
            .map_err(|e: std::convert::Infallible| diagnostic("Internal", e.to_string()))?;
        return serde_json::to_value(response)
            .map_err(|e| diagnostic("Internal", format!("cannot encode the response: {e}")));
    }
    direct(state, payload).await
}

/// A direct invocation: a report request in, `{report, columns, rows, count}` out.
pub async fn direct(state: &AppState, payload: Value) -> Result<Value, Diagnostic> {
    if payload.get("query").is_none() {
        let shape = match &payload {
            Value::Object(m) if m.contains_key("detail-type") => "an EventBridge event".to_string(),
            Value::Object(m) if m.contains_key("Records") => "an S3/SQS/SNS event".to_string(),
            Value::Object(m) => format!(
                "an object with keys {:?}",
                m.keys().take(8).collect::<Vec<_>>()
            ),
            other => format!("a JSON {}", json_kind(other)),
        };
        return Err(diagnostic(
            "InvalidRequest",
            format!(
                "this function answers Function URL requests and report requests like {{\"query\": \"all_records\", \"limit\": 10}}; it got {shape}"
            ),
        ));
    }
    let request = lake::query::reports::ReportRequest::from_json(payload)
        .map_err(|e| lake_diagnostic(&e, "report request"))?;
    match state.dashboard.query.run(&request).await {
        Ok(page) => Ok(json!({
            "report": request.name(),
            "columns": page.columns,
            "rows": page.rows,
            "count": page.rows.len(),
            "bytesScanned": page.bytes_scanned,
        })),
        Err(e) => Err(lake_diagnostic(&e, request.name())),
    }
}

/// A pipeline error as a Lambda error answer: `errorType` is its class (`InvalidRequest`,
/// `NotFound`, `Retryable`, …, see [`lake::error::ErrorClass::as_str`]), so an invoker can tell
/// whether a retry helps; the message is the public one, the whole error goes to the log.
pub fn lake_diagnostic(e: &lake::LakeError, what: &str) -> Diagnostic {
    let class = e.class();
    if class != lake::error::ErrorClass::BadInput {
        tracing::error!(error = %e, class = class.as_str(), what, "invocation failed");
    }
    diagnostic(class.as_str(), e.public_message())
}

fn json_kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}
