//! Shared by the server tests: a small generated lake and the numbers expected of it.

#![allow(dead_code)]

use std::collections::BTreeSet;
use std::path::Path;

use axum::body::Body;
use axum::http::{Request, Response};
use chrono::NaiveDate;
use http_body_util::BodyExt;
use lake::format::item::{AttrValue, Item};
use lake::sample::{SampleSpec, generate};
use server::AppState;
use tower::ServiceExt;

/// The sample the tests use: 40 days ending 2026-01-31.
pub fn items() -> Vec<Item> {
    generate(&SampleSpec {
        seed: 9,
        items: 1_500,
        days: 40,
        end: NaiveDate::from_ymd_opt(2026, 1, 31).expect("valid"),
    })
}

/// Writes the sample into a lake under `dir` and opens the server state over it.
pub async fn state(dir: &Path) -> AppState {
    let lake = dir.join("lake");
    server::demo::write_lake(&lake, items()).expect("lake written");
    let mut config = lake::query::config::QueryConfig::local(&lake, "gsi_export");
    config.results = Some(lake::storage::Location::Local(dir.join("results")));
    server::wiring::open_state(&config)
        .await
        .expect("lake opens")
}

/// A string attribute of an item.
pub fn text<'a>(item: &'a Item, attr: &str) -> Option<&'a str> {
    match item.get(attr) {
        Some(AttrValue::S(s)) => Some(s),
        _ => None,
    }
}

/// The stat-card numbers computed from the items, for days `from..=to` (`YYYY-MM-DD`) or all.
pub fn expected_stats(items: &[Item], range: Option<(&str, &str)>) -> serde_json::Value {
    let chosen: Vec<&Item> = items
        .iter()
        .filter(|i| {
            let day = &text(i, "InitiationTimestamp").expect("timestamp")[..10];
            range.is_none_or(|(f, t)| day >= f && day <= t)
        })
        .collect();
    let distinct = |attr: &str| {
        chosen
            .iter()
            .filter_map(|i| text(i, attr))
            .collect::<BTreeSet<_>>()
            .len()
    };
    serde_json::json!({
        "totalRows": chosen.len(),
        "uniqueContacts": distinct("ContactId"),
        "channels": distinct("Channel"),
        "agents": distinct("Agent"),
    })
}

/// Sends a request through the router in-process.
pub async fn send(state: AppState, req: Request<Body>) -> Response<Body> {
    server::app(state)
        .oneshot(req)
        .await
        .expect("router answers")
}

/// Reads a whole body as text.
pub async fn body_text(res: Response<Body>) -> String {
    let bytes = res.into_body().collect().await.expect("body").to_bytes();
    String::from_utf8(bytes.to_vec()).expect("utf-8 body")
}

/// A GET request.
pub fn get(uri: &str) -> Request<Body> {
    Request::get(uri)
        .body(Body::empty())
        .expect("valid request")
}

/// The function's process as `./dev lambda-smoke` and `./dev bench-lambda` choose it: the binary
/// `DYNAMO_LAKE_SMOKE_BIN` (default: this build's) behind the wrapper `DYNAMO_LAKE_SMOKE_WRAPPER`
/// (such as `qemu-aarch64 -L /usr/aarch64-linux-gnu`), and a description of it.
pub fn function_command() -> (std::process::Command, String) {
    let bin = std::env::var("DYNAMO_LAKE_SMOKE_BIN")
        .unwrap_or_else(|_| env!("CARGO_BIN_EXE_dynamo-lake").to_string());
    let wrapper = std::env::var("DYNAMO_LAKE_SMOKE_WRAPPER").unwrap_or_default();
    let mut words = wrapper.split_whitespace();
    match words.next() {
        Some(program) => {
            let mut c = std::process::Command::new(program);
            c.args(words).arg(&bin);
            (c, format!("{bin} under {wrapper}"))
        }
        None => (std::process::Command::new(&bin), bin),
    }
}

/// The SDK configuration of a local stand-in at `endpoint` (its fixed fake credentials, one try):
/// what a test's own clients use to set up or inspect a stand-in.
pub async fn stand_in_sdk(endpoint: &str) -> aws_config::SdkConfig {
    let once = lake::aws::Retries {
        attempts: 1,
        initial_backoff: std::time::Duration::from_millis(10),
    };
    lake::aws::sdk_config(Some(endpoint), Some("us-east-1"), once).await
}

/// Every statement a local Athena stand-in (moto) was asked to run, in its order.
pub async fn athena_statements(athena: &aws_sdk_athena::Client) -> Vec<String> {
    let ids = athena
        .list_query_executions()
        .send()
        .await
        .expect("list")
        .query_execution_ids()
        .to_vec();
    let mut out = Vec::new();
    for id in ids {
        let q = athena
            .get_query_execution()
            .query_execution_id(id)
            .send()
            .await
            .expect("get");
        out.push(
            q.query_execution()
                .and_then(|e| e.query())
                .unwrap_or("")
                .to_string(),
        );
    }
    out
}
