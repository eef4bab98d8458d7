//! The report API in-process: POST /api/query → id, GET /api/results pages, GET /api/download
//! CSV, GET /api/daily, GET /api/agents, and every error answer.

use crate::common;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use common::{body_text, get, items, send, state};
use lake::format::item::AttrValue;
use serde_json::{Value, json};

fn post(uri: &str, body: &str) -> Request<Body> {
    Request::post(uri)
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(body.to_string()))
        .expect("valid request")
}

async fn json_of(res: axum::http::Response<Body>) -> Value {
    serde_json::from_str(&body_text(res).await).expect("json body")
}

#[tokio::test]
async fn a_report_starts_pages_and_downloads() {
    let dir = tempfile::tempdir().expect("tempdir");
    let st = state(dir.path()).await;
    let agent = items()
        .iter()
        .find_map(|i| match i.get("Agent") {
            Some(AttrValue::S(s)) => Some(s.clone()),
            _ => None,
        })
        .expect("an agent");
    let want = items()
        .iter()
        .filter(|i| matches!(i.get("Agent"), Some(AttrValue::S(s)) if *s == agent))
        .count();
    let res = send(
        st.clone(),
        post(
            "/api/query",
            &json!({"query": "by_agent", "agent": agent}).to_string(),
        ),
    )
    .await;
    assert_eq!(res.status(), StatusCode::OK);
    let id = json_of(res).await["queryExecutionId"]
        .as_str()
        .expect("id")
        .to_string();

    let mut rows = 0;
    let mut token: Option<String> = None;
    loop {
        let uri = match &token {
            Some(t) => format!("/api/results?queryExecutionId={id}&maxRows=7&nextToken={t}"),
            None => format!("/api/results?queryExecutionId={id}&maxRows=7"),
        };
        let page = json_of(send(st.clone(), get(&uri)).await).await;
        assert_eq!(page["state"], "SUCCEEDED");
        assert!(
            page["columns"]
                .as_array()
                .expect("columns")
                .iter()
                .any(|c| c["name"] == "agent")
        );
        rows += page["rows"].as_array().expect("rows").len();
        token = page["nextToken"].as_str().map(str::to_string);
        if token.is_none() {
            break;
        }
    }
    assert_eq!(rows, want);

    let res = send(
        st.clone(),
        get(&format!("/api/download?queryExecutionId={id}")),
    )
    .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(
        res.headers()[header::CONTENT_TYPE]
            .to_str()
            .expect("ascii")
            .starts_with("text/csv")
    );
    let csv = body_text(res).await;
    assert_eq!(csv_records(&csv), want + 1, "header plus one record a row");
}

#[tokio::test]
async fn daily_and_agents_answer_from_the_lake() {
    let dir = tempfile::tempdir().expect("tempdir");
    let st = state(dir.path()).await;
    let got =
        json_of(send(st.clone(), get("/api/daily?from=2026-01-10&to=2026-01-12")).await).await;
    let days = got["days"].as_array().expect("days");
    let total: u64 = days.iter().map(|d| d["rows"].as_u64().expect("rows")).sum();
    let want = common::expected_stats(&items(), Some(("2026-01-10", "2026-01-12")));
    assert_eq!(json!(total), want["totalRows"]);
    assert_eq!(days[0]["day"], "2026-01-10");

    let agents = json_of(send(st, get("/api/agents")).await).await;
    let mut want: Vec<String> = items()
        .iter()
        .filter_map(|i| match i.get("Agent") {
            Some(AttrValue::S(s)) => Some(s.clone()),
            _ => None,
        })
        .collect();
    want.sort();
    want.dedup();
    assert_eq!(agents["agents"], json!(want));
}

#[tokio::test]
async fn bad_requests_get_400_unknown_ids_404() {
    let dir = tempfile::tempdir().expect("tempdir");
    let st = state(dir.path()).await;
    let cases: Vec<(Request<Body>, StatusCode, &str)> = vec![
        (post("/api/query", "{not json"), StatusCode::BAD_REQUEST, ""),
        (
            post("/api/query", r#"{"limit":3}"#),
            StatusCode::BAD_REQUEST,
            "query",
        ),
        (
            post("/api/query", r#"{"query":"nope"}"#),
            StatusCode::BAD_REQUEST,
            "nope",
        ),
        (
            post("/api/query", r#"{"query":"by_agent"}"#),
            StatusCode::BAD_REQUEST,
            "agent",
        ),
        (
            post(
                "/api/query",
                r#"{"query":"by_date_range","start":"2026-13-01","end":"2026-01-01"}"#,
            ),
            StatusCode::BAD_REQUEST,
            "2026-13-01",
        ),
        (
            post("/api/query", r#"{"query":"all_records","limit":0}"#),
            StatusCode::BAD_REQUEST,
            "limit",
        ),
        (
            post(
                "/api/query",
                r#"{"query":"custom","sql":"DROP TABLE gsi_export"}"#,
            ),
            StatusCode::BAD_REQUEST,
            "refused",
        ),
        (
            get("/api/results"),
            StatusCode::BAD_REQUEST,
            "queryExecutionId",
        ),
        (
            get("/api/results?queryExecutionId=0f8fad5b-d9cb-469f-a165-70867728950e"),
            StatusCode::NOT_FOUND,
            "no query",
        ),
        (
            get("/api/download?queryExecutionId=..%2F..%2Fetc%2Fpasswd"),
            StatusCode::NOT_FOUND,
            "no query",
        ),
        (
            get("/api/daily?from=2026-01-10"),
            StatusCode::BAD_REQUEST,
            "to=",
        ),
        (
            get("/api/daily?from=2026-01-12&to=2026-01-10"),
            StatusCode::BAD_REQUEST,
            "before",
        ),
        (
            get("/api/nothing-here"),
            StatusCode::NOT_FOUND,
            "/api/nothing-here",
        ),
    ];
    for (req, status, fragment) in cases {
        let what = format!("{} {}", req.method(), req.uri());
        let res = send(st.clone(), req).await;
        assert_eq!(res.status(), status, "{what}");
        let body = json_of(res).await;
        let msg = body["error"]
            .as_str()
            .unwrap_or_else(|| panic!("{what}: {body}"));
        assert!(msg.contains(fragment), "{what}: {msg}");
    }
}

/// Records of an RFC 4180 text: line ends inside quoted fields do not end a record.
fn csv_records(text: &str) -> usize {
    let (mut quoted, mut records) = (false, 0);
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' => quoted = !quoted,
            '\r' if !quoted && chars.peek() == Some(&'\n') => {
                chars.next();
                records += 1;
            }
            _ => {}
        }
    }
    records
}
