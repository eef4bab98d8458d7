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
    let answer = serde_json::to_value(response)
        .map_err(|e| diagnostic("Internal", format!("cannot encode the response: {e}")))?;
    Ok(within_limit(answer))
}

/// The answer itself when it fits in a Lambda response, otherwise a JSON 500 saying why: Lambda
/// would drop an oversized one with a bare error. Pages and downloads are built to stay far below
/// the limit, so this only catches what slipped past them.
fn within_limit(answer: Value) -> Value {
    let size = serde_json::to_vec(&answer).map_or(usize::MAX, |b| b.len());
    if size <= super::MAX_RESPONSE_BYTES {
        return answer;
    }
    tracing::error!(
        size,
        "a response over Lambda's 6 MB limit was replaced by an error"
    );
    let body = serde_json::json!({
        "error": format!(
            "the response would be {size} bytes, more than a Lambda Function URL may answer (6 MB); ask for a smaller page (maxRows)"
        ),
    });
    serde_json::json!({
        "statusCode": 500,
        "headers": {
            "content-type": "application/json",
            "x-content-type-options": "nosniff",
            "cache-control": "no-store",
        },
        "body": body.to_string(),
        "isBase64Encoded": false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_oversized_answer_becomes_a_500_that_says_why() {
        let small = serde_json::json!({"statusCode": 200, "body": "ok"});
        assert_eq!(within_limit(small.clone()), small);
        let big = serde_json::json!({"statusCode": 200, "body": "x".repeat(6_100_000)});
        let out = within_limit(big);
        assert_eq!(out["statusCode"], 500);
        let body: Value = serde_json::from_str(out["body"].as_str().expect("body")).expect("json");
        assert!(
            body["error"].as_str().expect("error").contains("6 MB"),
            "{body}"
        );
    }
}
