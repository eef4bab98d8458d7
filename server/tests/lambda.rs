//! Lambda Function URL events (real event shapes) go through the same router.

mod common;

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
    let req = event(include_str!("fixtures/function-url-get-stats.json"));
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
        event(include_str!("fixtures/function-url-get-root.json")),
    )
    .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(body_text(res).await.contains("id=\"card-total-rows\""));
}
