//! The deployable binary as Lambda runs it: `./dev lambda-smoke` points this at the arm64
//! `bootstrap` from `./dev lambda` (`DYNAMO_LAKE_SMOKE_BIN`) and runs it under qemu
//! (`DYNAMO_LAKE_SMOKE_WRAPPER="qemu-aarch64 -L /usr/aarch64-linux-gnu"`). The report entry
//! (`_HANDLER=report`) answers, through the Runtime API stand-in, a direct report invocation, a
//! Function URL request for the stat cards, and one for the embedded wasm bundle. Ignored by
//! `cargo test` (it needs that build); without the variables it runs the host binary.

use std::time::Duration;

use test_support::RuntimeApi;

use crate::common;

#[test]
#[ignore = "run by ./dev lambda-smoke against the arm64 bootstrap"]
fn lambda_smoke_the_report_entry_answers_direct_and_function_url_invocations() {
    let (command, _) = common::function_command();
    eprintln!("running {command:?}");

    let dir = tempfile::tempdir().expect("tempdir");
    let lake = dir.path().join("lake");
    server::demo::write_lake(&lake, common::items()).expect("lake written");

    let stats: serde_json::Value =
        serde_json::from_str(include_str!("../fixtures/function-url-get-stats.json"))
            .expect("fixture");
    let mut wasm = stats.clone();
    wasm["rawPath"] = "/pkg/dynamo_lake.wasm".into();
    wasm["rawQueryString"] = "".into();
    wasm["queryStringParameters"] = serde_json::json!({});
    wasm["requestContext"]["http"]["path"] = "/pkg/dynamo_lake.wasm".into();
    let events = vec![
        include_str!("../fixtures/direct-invoke-all-records.json").to_string(),
        stats.to_string(),
        wasm.to_string(),
    ];
    let api = RuntimeApi::start(events);
    let (answers, log) = api.run(
        command,
        &[
            // What Lambda's provided.al2023 runtime sets besides the function's own variables.
            ("PATH", "/usr/local/bin:/usr/bin/:/bin:/opt/bin"),
            ("LANG", "en_US.UTF-8"),
            ("TZ", ":UTC"),
            ("_HANDLER", "report"),
            ("AWS_LAMBDA_FUNCTION_NAME", "dynamo-lake-report"),
            ("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "1024"),
            ("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST"),
            ("AWS_REGION", "us-east-1"),
            ("AWS_ACCESS_KEY_ID", "dynamo-lake-local"),
            ("AWS_SECRET_ACCESS_KEY", "dynamo-lake-local"),
            ("DYNAMO_LAKE_LAKE", &lake.display().to_string()),
            ("DYNAMO_LAKE_ENGINE", "datafusion"),
            ("DYNAMO_LAKE_AUTH", "none"),
        ],
        3,
        // qemu emulates every instruction: generous, but bounded.
        Duration::from_secs(240),
    );
    assert_eq!(
        answers.len(),
        3,
        "answers: {answers:?}\nfunction log:\n{log}"
    );

    // Direct invocation: ten rows of the all_records report.
    assert_eq!(answers[0].kind, "response", "{:?}\n{log}", answers[0]);
    let direct: serde_json::Value = serde_json::from_str(&answers[0].body).expect("json");
    assert_eq!(direct["report"], "all_records", "{direct}");
    assert_eq!(direct["count"], 10, "{direct}");
    assert_eq!(
        direct["rows"].as_array().map(Vec::len),
        Some(10),
        "{direct}"
    );
    assert!(
        direct["columns"]
            .as_array()
            .expect("columns")
            .iter()
            .any(|c| c["name"] == "contactid"),
        "{direct}"
    );

    // Function URL GET /api/stats: the numbers computed from the items themselves.
    assert_eq!(answers[1].kind, "response", "{:?}\n{log}", answers[1]);
    let url: serde_json::Value = serde_json::from_str(&answers[1].body).expect("json");
    assert_eq!(url["statusCode"], 200, "{url}");
    let body: serde_json::Value =
        serde_json::from_str(url["body"].as_str().expect("body")).expect("json body");
    assert_eq!(
        body,
        common::expected_stats(&common::items(), Some(("2026-01-10", "2026-01-12")))
    );

    // Function URL GET of the wasm bundle: `./dev lambda` embedded the dashboard.
    assert_eq!(answers[2].kind, "response", "{:?}\n{log}", answers[2]);
    let bundle: serde_json::Value = serde_json::from_str(&answers[2].body).expect("json");
    assert_eq!(bundle["statusCode"], 200, "{}", answers[2].body);
    assert_eq!(bundle["isBase64Encoded"], true, "{}", answers[2].body);
    assert!(
        bundle["body"].as_str().is_some_and(|b| b.len() > 10_000),
        "{}",
        answers[2].body
    );
}
