//! A Function URL request (an API Gateway v2-shaped event) through the same axum router as local
//! requests.

use axum::Router;
use lambda_http::lambda_runtime::{Context, Diagnostic};
use lambda_http::request::LambdaRequest;
use lambda_http::tower::ServiceExt;
use lambda_http::{Adapter, LambdaEvent};
use serde_json::Value;

use super::diagnostic;

/// Answers one Function URL request with the router.
pub async fn function_url(
    router: &Router,
    request: LambdaRequest,
    context: Context,
) -> Result<Value, Diagnostic> {
    let adapter: Adapter<'_, _, _> = Adapter::from(router.clone());
    let response = adapter
        .oneshot(LambdaEvent::new(request, context))
        .await
        .map_err(|e: std::convert::Infallible| diagnostic("Internal", e.to_string()))?;
    serde_json::to_value(response)
        .map_err(|e| diagnostic("Internal", format!("cannot encode the response: {e}")))
}
