//! The `report` entry as Lambda runs it (the real binary through the Runtime API stand-in): on a
//! fresh stack whose lake has no data yet it starts, and the API and the page say so; once the
//! first export lands the same process answers with data, without a restart. A 100 000-row
//! result goes through the Function URL path in pages that each fit in a Lambda response, and its
//! CSV download is a 302 to a presigned URL of the results prefix in S3 (s3s-fs).

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use test_support::RuntimeApi;

const BIN: &str = env!("CARGO_BIN_EXE_dynamo-lake");

/// A Function URL GET of `path` with `query` (the real v2.0 shape, from the fixture).
fn get_with(path: &str, query: &[(&str, &str)]) -> String {
    let mut event: serde_json::Value =
        serde_json::from_str(include_str!("../fixtures/function-url-get-stats.json"))
            .expect("fixture");
    event["rawPath"] = path.into();
    event["requestContext"]["http"]["path"] = path.into();
    let raw: Vec<String> = query
        .iter()
        .map(|(k, v)| format!("{k}={}", percent(v)))
        .collect();
    event["rawQueryString"] = raw.join("&").into();
    let params: serde_json::Map<String, serde_json::Value> = query
        .iter()
        .map(|(k, v)| (k.to_string(), serde_json::Value::from(*v)))
        .collect();
    event["queryStringParameters"] = params.into();
    if query.is_empty() {
        let object = event.as_object_mut().expect("object");
        object.remove("queryStringParameters");
    }
    // An API client that takes no compression (the answer's size is what is measured).
    event["headers"]
        .as_object_mut()
        .expect("headers")
        .remove("accept-encoding");
    event.to_string()
}

fn get(path: &str) -> String {
    get_with(path, &[])
}

/// A Function URL POST of `body` as JSON to `path`.
fn post(path: &str, body: &serde_json::Value) -> String {
    let mut event: serde_json::Value =
        serde_json::from_str(include_str!("../fixtures/function-url-post-query.json"))
            .expect("fixture");
    event["rawPath"] = path.into();
    event["requestContext"]["http"]["path"] = path.into();
    event["body"] = body.to_string().into();
    event.to_string()
}

fn percent(v: &str) -> String {
    v.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The report function over `lake`, unauthenticated (the test's own loopback).
fn report_function(api: &RuntimeApi, lake: &std::path::Path) -> Child {
    report_function_with(api, lake, &[])
}

fn report_function_with(api: &RuntimeApi, lake: &std::path::Path, env: &[(&str, &str)]) -> Child {
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
        .envs(env.iter().copied())
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
    // A fresh stack: the lake's place exists (an S3 prefix always does), with nothing in it.
    let lake = dir.path().join("lake");
    std::fs::create_dir(&lake).expect("lake folder");
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

#[test]
fn a_100_000_row_result_pages_through_the_function_url_and_downloads_from_s3() {
    const ROWS: usize = 100_000;
    let dir = tempfile::tempdir().expect("tempdir");
    let lake = dir.path().join("lake");
    let items = lake::sample::generate(&lake::sample::SampleSpec {
        seed: 11,
        items: ROWS,
        days: 30,
        end: chrono::NaiveDate::from_ymd_opt(2026, 1, 31).expect("valid"),
    });
    server::demo::write_lake(&lake, items).expect("lake written");
    let s3_root = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir(s3_root.path().join("results-bucket")).expect("bucket");
    let s3 = crate::stand_in::s3s_fs(s3_root.path());

    let api = RuntimeApi::start(vec![post(
        "/api/query",
        &serde_json::json!({"query": "custom", "sql": "SELECT * FROM gsi_export", "limit": ROWS}),
    )]);
    let function = report_function_with(
        &api,
        &lake,
        &[
            ("DYNAMO_LAKE_MAX_ROWS", "100000"),
            ("DYNAMO_LAKE_RESULTS", "s3://results-bucket/results"),
            ("AWS_ENDPOINT_URL_S3", &s3.endpoint),
        ],
    );
    let mut seen = 1;
    let mut answer = |event: Option<String>| {
        if let Some(e) = event {
            api.push(e);
        }
        let answers = api.answers(seen, Duration::from_secs(300));
        let last = answers.get(seen - 1).cloned();
        seen += 1;
        let last = last.unwrap_or_else(|| panic!("no answer {seen}: {answers:?}"));
        assert_eq!(last.kind, "response", "{last:?}");
        assert!(
            last.body.len() <= 6_000_000,
            "a {} byte answer: over Lambda's 6 MB",
            last.body.len()
        );
        let json: serde_json::Value = serde_json::from_str(&last.body).expect("answer json");
        assert_ne!(json["isBase64Encoded"], true);
        json
    };
    let started = answer(None);
    assert_eq!(started["statusCode"], 200, "{started}");
    let body: serde_json::Value =
        serde_json::from_str(started["body"].as_str().expect("body")).expect("json");
    let id = body["queryExecutionId"].as_str().expect("id").to_string();

    // Every row, page by page.
    let mut rows = 0usize;
    let mut token: Option<String> = None;
    let mut pages = 0;
    loop {
        let mut query = vec![("queryExecutionId", id.as_str())];
        if let Some(t) = &token {
            query.push(("nextToken", t.as_str()));
        }
        let page = answer(Some(get_with("/api/results", &query)));
        assert_eq!(page["statusCode"], 200, "{page}");
        let body: serde_json::Value =
            serde_json::from_str(page["body"].as_str().expect("body")).expect("json");
        let n = body["rows"].as_array().expect("rows").len();
        assert!(
            n > 0 && n <= lake::query::MAX_PAGE_ROWS,
            "{n} rows in a page"
        );
        rows += n;
        pages += 1;
        token = body["nextToken"].as_str().map(str::to_string);
        if token.is_none() {
            break;
        }
    }
    assert_eq!(rows, ROWS, "all rows reachable, in {pages} pages");

    // The download: a 302 to a presigned URL of the results prefix, which S3 answers.
    let download = answer(Some(get_with(
        "/api/download",
        &[("queryExecutionId", id.as_str())],
    )));
    drop(function);
    assert_eq!(download["statusCode"], 302, "{download}");
    let location = download["headers"]["location"]
        .as_str()
        .expect("location")
        .to_string();
    assert!(
        location.starts_with(&s3.endpoint) && location.contains("X-Amz-Signature="),
        "{location}"
    );
    let csv = tokio::runtime::Runtime::new()
        .expect("runtime")
        .block_on(async {
            let got = reqwest::get(&location).await.expect("presigned GET");
            assert_eq!(got.status(), 200, "the presigned URL works");
            got.text().await.expect("csv")
        });
    assert_eq!(csv_records(&csv), ROWS + 1, "header and every row");
    let unsigned = location.split('?').next().expect("url");
    let refused = tokio::runtime::Runtime::new()
        .expect("runtime")
        .block_on(async { reqwest::get(unsigned).await.expect("GET").status() });
    assert_eq!(
        refused, 403,
        "the object is not readable without the signature"
    );
}

/// Records in RFC 4180 text: line ends outside quoted fields (a quoted field may hold newlines).
fn csv_records(text: &str) -> usize {
    let mut quoted = false;
    let mut records = 0;
    for c in text.chars() {
        match c {
            '"' => quoted = !quoted,
            '\n' if !quoted => records += 1,
            _ => {}
        }
    }
    records + usize::from(!text.is_empty() && !text.ends_with('\n'))
}

/// A Function URL GET of `path` with an `Authorization` header.
fn get_authorized(path: &str, authorization: &str) -> String {
    let mut event: serde_json::Value = serde_json::from_str(&get(path)).expect("event");
    event["headers"]["authorization"] = authorization.into();
    event.to_string()
}

#[test]
fn the_token_comes_from_secrets_manager_once_per_cold_start() {
    let moto = crate::stand_in::moto();
    let token = "a-deploy-time-secret-of-32-chars!";
    let arn = tokio::runtime::Runtime::new()
        .expect("runtime")
        .block_on(async {
            let sdk = crate::common::stand_in_sdk(&moto.endpoint).await;
            let client = aws_sdk_secretsmanager::Client::new(&sdk);
            let made = client
                .create_secret()
                .name("dynamo-lake/dashboard-token")
                .secret_string(token)
                .send()
                .await
                .expect("secret made");
            made.arn().expect("arn").to_string()
        });
    let dir = tempfile::tempdir().expect("tempdir");
    let lake = dir.path().join("lake");
    std::fs::create_dir(&lake).expect("lake folder");
    let api = RuntimeApi::start(vec![
        get("/api/stats"),
        get_authorized("/api/stats", "Bearer not-the-secret-but-long-enough"),
        get_authorized("/api/stats", &format!("Bearer {token}")),
    ]);
    let mut function = report_function_with(
        &api,
        &lake,
        &[
            ("DYNAMO_LAKE_AUTH", "token"),
            ("DYNAMO_LAKE_AUTH_SECRET_ARN", arn.as_str()),
            ("AWS_ENDPOINT_URL_SECRETS_MANAGER", moto.endpoint.as_str()),
            ("AWS_ACCESS_KEY_ID", lake::aws::LOCAL_KEY),
            ("AWS_SECRET_ACCESS_KEY", lake::aws::LOCAL_KEY),
        ],
    );
    let answers = api.answers(3, Duration::from_secs(60));
    let _ = function.kill();
    let log = function
        .wait_with_output()
        .map(|o| String::from_utf8_lossy(&o.stderr).to_string())
        .unwrap_or_default();
    assert_eq!(answers.len(), 3, "{answers:?}\n{log}");
    let statuses: Vec<u64> = answers.iter().map(|a| http_answer(&a.body).0).collect();
    // No credential, a wrong one: refused; the secret's: through to the (empty) lake.
    assert_eq!(statuses, [401, 401, 404], "{answers:?}");
    assert!(!log.contains(token), "the token is never logged");
}
