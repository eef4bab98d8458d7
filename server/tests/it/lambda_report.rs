//! The `report` entry as Lambda runs it (the real binary through the Runtime API stand-in): on a
//! fresh stack whose lake has no data yet it starts, and the API and the page say so; once the
//! first export lands the same process answers with data, without a restart.

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use test_support::RuntimeApi;

const BIN: &str = env!("CARGO_BIN_EXE_dynamo-lake");

/// A Function URL GET of `path` (the real v2.0 shape, from the fixture).
fn get(path: &str) -> String {
    let mut event: serde_json::Value =
        serde_json::from_str(include_str!("../fixtures/function-url-get-stats.json"))
            .expect("fixture");
    event["rawPath"] = path.into();
    event["rawQueryString"] = "".into();
    event["requestContext"]["http"]["path"] = path.into();
    event
        .as_object_mut()
        .expect("object")
        .remove("queryStringParameters");
    event.to_string()
}

/// The report function over `lake`, unauthenticated (the test's own loopback).
fn report_function(api: &RuntimeApi, lake: &std::path::Path) -> Child {
    Command::new(BIN)
        .env_clear()
        .envs([
            ("AWS_LAMBDA_RUNTIME_API", api.address()),
            ("_HANDLER", "report"),
            ("AWS_LAMBDA_FUNCTION_NAME", "dynamo-lake-report"),
            ("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "1024"),
            ("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST"),
            ("AWS_REGION", "us-east-1"),
            ("DYNAMO_LAKE_LAKE", &lake.display().to_string()),
            ("DYNAMO_LAKE_TABLE", "gsi_export"),
            ("DYNAMO_LAKE_AUTH", "none"),
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the function starts")
}

fn http_answer(body: &str) -> (u64, String) {
    let answer: serde_json::Value = serde_json::from_str(body).expect("answer json");
    let status = answer["statusCode"].as_u64().expect("statusCode");
    let text = answer["body"].as_str().unwrap_or_default().to_string();
    (status, text)
}

#[test]
fn a_fresh_stack_starts_without_data_and_answers_once_the_first_export_lands() {
    let dir = tempfile::tempdir().expect("tempdir");
    let lake = dir.path().join("lake");
    let api = RuntimeApi::start(vec![get("/api/stats"), get("/")]);
    let function = report_function(&api, &lake);
    let answers = api.answers(2, Duration::from_secs(60));
    let log = |mut f: Child| {
        let _ = f.kill();
        f.wait_with_output()
            .map(|o| String::from_utf8_lossy(&o.stderr).to_string())
            .unwrap_or_default()
    };
    if answers.len() < 2 || answers.iter().any(|a| a.kind != "response") {
        panic!("answers: {answers:?}\nfunction log:\n{}", log(function));
    }
    let (status, body) = http_answer(&answers[0].body);
    assert_eq!(status, 404, "{body}");
    let error: serde_json::Value = serde_json::from_str(&body).expect("json error");
    let message = error["error"].as_str().unwrap_or_default();
    assert!(
        message.contains("no data yet") && message.contains(&lake.display().to_string()),
        "{error}"
    );
    let (status, page) = http_answer(&answers[1].body);
    assert_eq!(status, 200, "the page renders without data");
    assert!(page.contains("no data yet"), "{page}");

    // The first export commits; the running function finds it at its next look.
    server::demo::write_lake(&lake, crate::common::items()).expect("lake written");
    std::thread::sleep(lake::query::live::RECHECK + Duration::from_millis(500));
    api.push(get("/api/stats"));
    let answers = api.answers(3, Duration::from_secs(60));
    let stderr = log(function);
    assert_eq!(answers.len(), 3, "{answers:?}\n{stderr}");
    let (status, body) = http_answer(&answers[2].body);
    assert_eq!(status, 200, "{body}");
    let stats: serde_json::Value = serde_json::from_str(&body).expect("stats");
    assert_eq!(
        stats,
        crate::common::expected_stats(&crate::common::items(), None)
    );
}
