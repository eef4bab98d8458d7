//! Lambda Function URL events (real event shapes) go through the same router.

use crate::common;

use axum::body::Body;
use axum::http::StatusCode;
use common::{body_text, expected_stats, items, send, state};

fn event(json: &str) -> axum::http::Request<Body> {
    let req = lambda_http::request::from_str(json).expect("a Function URL event");
    req.map(|b| Body::from(b.to_vec()))
}

#[tokio::test]
async fn function_url_get_stats() {
    let dir = tempfile::tempdir().expect("tempdir");
    let req = event(include_str!("../fixtures/function-url-get-stats.json"));
    assert_eq!(req.uri().path(), "/api/stats");
    let res = send(state(dir.path()).await, req).await;
    assert_eq!(res.status(), StatusCode::OK);
    let got: serde_json::Value = serde_json::from_str(&body_text(res).await).expect("json");
    assert_eq!(
        got,
        expected_stats(&items(), Some(("2026-01-10", "2026-01-12")))
    );
}

#[tokio::test]
async fn function_url_get_dashboard() {
    let dir = tempfile::tempdir().expect("tempdir");
    let res = send(
        state(dir.path()).await,
        event(include_str!("../fixtures/function-url-get-root.json")),
    )
    .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(body_text(res).await.contains("id=\"card-total-rows\""));
}

fn lambda_event(json: &str) -> lambda_http::LambdaEvent<serde_json::Value> {
    lambda_http::LambdaEvent::new(
        serde_json::from_str(json).expect("fixture json"),
        lambda_http::Context::default(),
    )
}

#[tokio::test]
async fn a_function_url_post_goes_through_the_router() {
    let dir = tempfile::tempdir().expect("tempdir");
    let st = state(dir.path()).await;
    let router = server::app(st.clone());
    let out = server::lambda::handle(
        &router,
        &st,
        lambda_event(include_str!("../fixtures/function-url-post-query.json")),
    )
    .await
    .expect("answered");
    // The Function URL response shape: statusCode, headers, body.
    assert_eq!(out["statusCode"], 200, "{out}");
    let body: serde_json::Value =
        serde_json::from_str(out["body"].as_str().expect("body")).expect("json body");
    assert!(
        body["queryExecutionId"]
            .as_str()
            .is_some_and(|id| id.len() == 36),
        "{body}"
    );
}

#[tokio::test]
async fn a_direct_invocation_returns_rows() {
    let dir = tempfile::tempdir().expect("tempdir");
    let st = state(dir.path()).await;
    let router = server::app(st.clone());
    let out = server::lambda::handle(
        &router,
        &st,
        lambda_event(include_str!("../fixtures/direct-invoke-all-records.json")),
    )
    .await
    .expect("answered");
    assert_eq!(out["report"], "all_records");
    assert_eq!(out["count"], 10);
    assert_eq!(out["rows"].as_array().expect("rows").len(), 10);
    assert!(
        out["columns"]
            .as_array()
            .expect("columns")
            .iter()
            .any(|c| c["name"] == "contactid")
    );

    let agent = serde_json::json!({"query": "by_agent", "agent": "nobody' OR '1'='1"});
    let out = server::lambda::direct(&st, agent).await.expect("answered");
    assert_eq!(out["count"], 0);
}

#[tokio::test]
async fn unknown_payloads_get_a_clear_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    let st = state(dir.path()).await;
    let router = server::app(st.clone());
    let err = server::lambda::handle(
        &router,
        &st,
        lambda_event(include_str!("../fixtures/eventbridge-scheduled.json")),
    )
    .await
    .expect_err("refused");
    assert_eq!(err.error_type, "InvalidRequest");
    assert!(
        err.error_message.contains("EventBridge"),
        "{}",
        err.error_message
    );
    for (payload, fragment) in [
        (serde_json::json!({"query": "nope"}), "nope"),
        (serde_json::json!({"query": "by_agent"}), "agent"),
        (serde_json::json!([1, 2]), "array"),
        (
            serde_json::json!({"query": "custom", "sql": "DELETE FROM gsi_export"}),
            "refused",
        ),
    ] {
        let err = server::lambda::direct(&st, payload.clone())
            .await
            .expect_err("refused");
        assert_eq!(err.error_type, "InvalidRequest", "{payload}");
        assert!(
            err.error_message.contains(fragment),
            "{payload}: {}",
            err.error_message
        );
    }
}
