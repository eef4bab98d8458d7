//! Every route and its errors, in-process through the router (and once over a real socket).

use crate::common;

use axum::http::{StatusCode, header};
use common::{body_text, expected_stats, get, items, send, state, text};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

#[tokio::test]
async fn stats_equal_the_generated_items() {
    let dir = tempfile::tempdir().expect("tempdir");
    let st = state(dir.path()).await;
    let res = send(st, get("/api/stats")).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()[header::CONTENT_TYPE], "application/json");
    let got: serde_json::Value = serde_json::from_str(&body_text(res).await).expect("json");
    assert_eq!(got, expected_stats(&items(), None));
}

#[tokio::test]
async fn stats_for_a_range_count_only_those_days() {
    let dir = tempfile::tempdir().expect("tempdir");
    let st = state(dir.path()).await;
    let res = send(st, get("/api/stats?from=2025-12-30&to=2026-01-02")).await;
    assert_eq!(res.status(), StatusCode::OK);
    let got: serde_json::Value = serde_json::from_str(&body_text(res).await).expect("json");
    let want = expected_stats(&items(), Some(("2025-12-30", "2026-01-02")));
    assert!(want["totalRows"].as_u64() > Some(0));
    assert_eq!(got, want);
}

#[tokio::test]
async fn malformed_requests_get_a_json_400_naming_the_problem() {
    let dir = tempfile::tempdir().expect("tempdir");
    let st = state(dir.path()).await;
    for (uri, needle) in [
        ("/api/stats?from=2026-13-01&to=2026-01-02", "from"),
        ("/api/stats?from=2026-01-01", "both ends"),
        (
            "/api/stats?from=2026-01-05&to=2026-01-01",
            "before it starts",
        ),
        ("/api/stats?form=2026-01-01", "unknown field `form`"),
    ] {
        let res = send(st.clone(), get(uri)).await;
        assert_eq!(res.status(), StatusCode::BAD_REQUEST, "{uri}");
        let body: serde_json::Value =
            serde_json::from_str(&body_text(res).await).expect("json error");
        let msg = body["error"].as_str().expect("error message");
        assert!(msg.contains(needle), "{uri}: {msg}");
    }
}

#[tokio::test]
async fn unknown_api_routes_are_a_json_404() {
    let dir = tempfile::tempdir().expect("tempdir");
    let res = send(state(dir.path()).await, get("/api/nope")).await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    let body: serde_json::Value = serde_json::from_str(&body_text(res).await).expect("json");
    assert_eq!(body["error"], "no API route /api/nope");
}

#[tokio::test]
async fn the_dashboard_is_server_rendered_with_the_numbers() {
    let dir = tempfile::tempdir().expect("tempdir");
    let res = send(state(dir.path()).await, get("/")).await;
    assert_eq!(res.status(), StatusCode::OK);
    let html = body_text(res).await;
    let total = expected_stats(&items(), None)["totalRows"].to_string();
    assert!(html.contains("id=\"card-total-rows\""), "no stat cards");
    assert!(
        html.contains(&format!(">{total}<")),
        "total {total} not rendered"
    );
    assert!(
        html.contains("dynamo-lake.theme"),
        "theme boot script missing"
    );
    assert!(
        html.contains("/pkg/dynamo_lake.js"),
        "hydration script missing"
    );
    assert!(html.contains("class=\"bar\""), "chart missing");
    assert!(
        html.contains("<title>dynamo-lake dashboard</title>"),
        "page title missing"
    );
    assert!(
        !html.contains("id=\"recent-jobs\""),
        "no jobs table is configured, so there is no jobs area"
    );
}

#[tokio::test]
async fn other_pages_are_404_and_server_functions_answer() {
    let dir = tempfile::tempdir().expect("tempdir");
    let st = state(dir.path()).await;
    let res = send(st.clone(), get("/reports/nope")).await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    assert!(body_text(res).await.contains("The dashboard is at /"));
    let req = axum::http::Request::post("/_sfn/agents")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(axum::body::Body::empty())
        .expect("request");
    let res = send(st, req).await;
    assert_eq!(res.status(), StatusCode::OK);
    let agents: Vec<String> = serde_json::from_str(&body_text(res).await).expect("json");
    let want: Vec<String> = items()
        .iter()
        .filter_map(|i| text(i, "Agent"))
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .map(String::from)
        .collect();
    assert!(!want.is_empty());
    assert_eq!(agents, want);
}

#[tokio::test]
async fn assets_are_served_compressed_when_accepted() {
    let dir = tempfile::tempdir().expect("tempdir");
    let st = state(dir.path()).await;
    let plain = send(st.clone(), get("/pkg/dynamo_lake.css")).await;
    assert_eq!(plain.status(), StatusCode::OK);
    assert_eq!(plain.headers()[header::CONTENT_TYPE], "text/css");
    assert!(body_text(plain).await.contains("data-theme=\"dark\""));
    let req = axum::http::Request::get("/pkg/dynamo_lake.css")
        .header(header::ACCEPT_ENCODING, "br, gzip")
        .body(axum::body::Body::empty())
        .expect("request");
    let gz = send(st.clone(), req).await;
    assert_eq!(gz.headers()[header::CONTENT_ENCODING], "gzip");
    assert_eq!(
        send(st, get("/pkg/missing.js")).await.status(),
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn serves_over_a_real_socket() {
    let dir = tempfile::tempdir().expect("tempdir");
    let st = state(dir.path()).await;
    let listener = server::http::listen::bind("127.0.0.1:0".parse().expect("addr"), false)
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let task = tokio::spawn(axum::serve(listener, server::app(st)).into_future());
    let mut conn = tokio::net::TcpStream::connect(addr).await.expect("connect");
    conn.write_all(b"GET /api/stats HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        .await
        .expect("send");
    let mut reply = String::new();
    conn.read_to_string(&mut reply).await.expect("read");
    task.abort();
    assert!(reply.starts_with("HTTP/1.1 200"), "{reply}");
    let body = reply.split("\r\n\r\n").nth(1).expect("body");
    let got: serde_json::Value = serde_json::from_str(body).expect("json");
    assert_eq!(got, expected_stats(&items(), None));
}
