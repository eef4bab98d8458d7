//! The `athena-setup` entry (the real binary through the Runtime API stand-in) always answers
//! CloudFormation's ResponseURL: FAILED with a reason, before its deadline, when Athena cannot be
//! reached, and for an event it cannot read; SUCCESS for a Delete, which removes nothing, and for a
//! Create against a reachable Athena (moto). The answer is a PUT with an empty
//! Content-Type and a body under 4 096 bytes, as the presigned URL requires.

use std::io::Write;
use std::process::Command;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use test_support::RuntimeApi;

const BIN: &str = env!("CARGO_BIN_EXE_dynamo-lake");

/// A stand-in for the presigned ResponseURL: records each request (head, body) and answers 200.
fn response_url() -> (String, mpsc::Receiver<(String, String)>) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("port");
    let url = format!(
        "http://{}/cfn-response?X-Amz-Signature=abc",
        listener.local_addr().expect("addr")
    );
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let Some((head, body)) = test_support::read_request(&mut stream) else {
                continue;
            };
            let _ = stream
                .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\nconnection: close\r\n\r\n");
            let _ = tx.send((head, String::from_utf8_lossy(&body).to_string()));
        }
    });
    (url, rx)
}

fn request(kind: &str, url: &str) -> String {
    let mut event = serde_json::json!({
        "RequestType": kind,
        "ServiceToken": "arn:aws:lambda:us-east-1:123456789012:function:dynamo-lake-athena-setup",
        "ResponseURL": url,
        "StackId": "arn:aws:cloudformation:us-east-1:123456789012:stack/dynamo-lake/5b4e2a90-0000-11f0-0000-0a1b2c3d4e5f",
        "RequestId": format!("{kind}-6f2b5c1e"),
        "LogicalResourceId": "AthenaSetup",
        "ResourceType": "Custom::AthenaSetup",
        "ResourceProperties": {
            "ServiceToken": "arn:aws:lambda:us-east-1:123456789012:function:dynamo-lake-athena-setup"
        }
    });
    if kind != "Create" {
        event["PhysicalResourceId"] = "dynamo-lake-athena-dynamo_lake.gsi_export".into();
    }
    if kind == "Update" {
        event["OldResourceProperties"] = event["ResourceProperties"].clone();
    }
    event.to_string()
}

#[test]
fn the_custom_resource_always_answers_cloudformation() {
    let (url, puts) = response_url();
    // An event missing a field its type requires (an Update without OldResourceProperties) is
    // answered too: FAILED with the reason.
    let mut unreadable: serde_json::Value =
        serde_json::from_str(&request("Update", &url)).expect("json");
    unreadable["RequestId"] = "Broken-6f2b5c1e".into();
    unreadable
        .as_object_mut()
        .expect("object")
        .remove("OldResourceProperties");
    let api = RuntimeApi::start(vec![
        request("Create", &url),
        request("Delete", &url),
        unreadable.to_string(),
    ]);
    let started = Instant::now();
    let (answers, log) = api.run(
        Command::new(BIN),
        &[
            ("_HANDLER", "athena-setup"),
            ("AWS_LAMBDA_FUNCTION_NAME", "dynamo-lake-athena-setup"),
            ("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "256"),
            ("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST"),
            ("AWS_REGION", "us-east-1"),
            ("AWS_ACCESS_KEY_ID", "dynamo-lake-local"),
            ("AWS_SECRET_ACCESS_KEY", "dynamo-lake-local"),
            // Nothing listens there: Athena cannot be reached.
            ("AWS_ENDPOINT_URL_ATHENA", "http://127.0.0.1:9"),
            ("AWS_ENDPOINT_URL_S3", "http://127.0.0.1:9"),
            ("DYNAMO_LAKE_LAKE", "s3://lake-bucket/lake"),
        ],
        3,
        Duration::from_secs(90),
    );
    assert_eq!(answers.len(), 3, "{answers:?}\n{log}");
    // Within the invocation's deadline (the stand-in gives 60 s).
    assert!(
        started.elapsed() < Duration::from_secs(60),
        "{:?}",
        started.elapsed()
    );

    let mut seen = Vec::new();
    while let Ok(put) = puts.recv_timeout(Duration::from_secs(5)) {
        seen.push(put);
    }
    assert_eq!(seen.len(), 3, "one answer per request: {seen:?}");
    for (head, body) in &seen {
        assert!(
            head.starts_with("PUT /cfn-response?X-Amz-Signature=abc "),
            "{head}"
        );
        let content_type = head.lines().find_map(|l| {
            l.to_ascii_lowercase()
                .strip_prefix("content-type:")
                .map(|v| v.trim().to_string())
        });
        assert!(content_type.as_deref().is_none_or(str::is_empty), "{head}");
        assert!(body.len() < 4096, "{}", body.len());
    }
    let answer = |id: &str| -> serde_json::Value {
        let (_, body) = seen
            .iter()
            .find(|(_, b)| b.contains(id))
            .unwrap_or_else(|| panic!("no answer for {id}: {seen:?}"));
        serde_json::from_str(body).expect("json")
    };
    let create = answer("Create-6f2b5c1e");
    assert_eq!(create["Status"], "FAILED", "{create}");
    let reason = create["Reason"].as_str().unwrap_or("");
    assert!(
        reason.contains("Athena"),
        "the reason names what failed: {reason}"
    );
    assert_eq!(create["LogicalResourceId"], "AthenaSetup");
    assert!(
        create["PhysicalResourceId"]
            .as_str()
            .is_some_and(|p| !p.is_empty())
    );
    let broken = answer("Broken-6f2b5c1e");
    assert_eq!(broken["Status"], "FAILED", "{broken}");
    assert!(
        broken["Reason"]
            .as_str()
            .is_some_and(|r| r.contains("OldResourceProperties")),
        "{broken}"
    );
    let delete = answer("Delete-6f2b5c1e");
    assert_eq!(delete["Status"], "SUCCESS", "{delete}");
    assert_eq!(
        delete["PhysicalResourceId"],
        "dynamo-lake-athena-dynamo_lake.gsi_export"
    );
}

/// Create against a reachable Athena (moto) over a lake with no data yet (s3s-fs): SUCCESS, with
/// the database and the named queries made and the table left to the first export; the Update
/// after it reaches the named queries again.
#[test]
fn a_create_succeeds_and_makes_the_database_and_named_queries() {
    let (url, puts) = response_url();
    let moto = crate::stand_in::moto();
    let s3_root = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir(s3_root.path().join("lake-bucket")).expect("bucket");
    let s3 = crate::stand_in::s3s_fs(s3_root.path());
    let api = RuntimeApi::start(vec![request("Create", &url), request("Update", &url)]);
    let (answers, log) = api.run(
        Command::new(BIN),
        &[
            ("_HANDLER", "athena-setup"),
            ("AWS_LAMBDA_FUNCTION_NAME", "dynamo-lake-athena-setup"),
            ("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "256"),
            ("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST"),
            ("AWS_REGION", "us-east-1"),
            ("AWS_ACCESS_KEY_ID", "dynamo-lake-local"),
            ("AWS_SECRET_ACCESS_KEY", "dynamo-lake-local"),
            ("AWS_ENDPOINT_URL_ATHENA", &moto.endpoint),
            ("DYNAMO_LAKE_ATHENA_OUTPUT", "s3://athena-results/out/"),
            ("AWS_ENDPOINT_URL_S3", &s3.endpoint),
            ("DYNAMO_LAKE_LAKE", "s3://lake-bucket/lake"),
        ],
        2,
        Duration::from_secs(90),
    );
    assert_eq!(answers.len(), 2, "{answers:?}\n{log}");
    let mut seen = Vec::new();
    while let Ok(put) = puts.recv_timeout(Duration::from_secs(5)) {
        seen.push(put);
    }
    assert_eq!(seen.len(), 2, "{seen:?}\n{answers:?}\n{log}");
    let answer = |kind: &str| -> serde_json::Value {
        let (_, body) = seen
            .iter()
            .find(|(_, b)| b.contains(&format!("{kind}-6f2b5c1e")))
            .unwrap_or_else(|| panic!("no answer for {kind}: {seen:?}"));
        serde_json::from_str(body).expect("json")
    };
    let create = answer("Create");
    assert_eq!(create["Status"], "SUCCESS", "{create}");
    assert!(
        create["Data"]["Result"]
            .as_str()
            .is_some_and(|r| r.contains("first export creates the table")),
        "{create}"
    );
    // An Update finds the named queries the Create made and updates them in place; moto 5.2 has
    // no UpdateNamedQuery (a 500), so here it can only get that far.
    let update = answer("Update");
    assert!(
        update["Status"] == "SUCCESS"
            || update["Reason"]
                .as_str()
                .is_some_and(|r| r.starts_with("named query \"dynamo-lake all_records\"")),
        "{update}"
    );
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let (statements, named) = rt.block_on(async {
        let sdk = crate::common::stand_in_sdk(&moto.endpoint).await;
        let athena = aws_sdk_athena::Client::new(&sdk);
        let statements = crate::common::athena_statements(&athena).await;
        let named = athena
            .list_named_queries()
            .send()
            .await
            .expect("named")
            .named_query_ids()
            .len();
        (statements, named)
    });
    assert!(
        statements.iter().any(|s| s.starts_with("CREATE DATABASE")),
        "{statements:#?}"
    );
    assert!(
        !statements
            .iter()
            .any(|s| s.contains("CREATE EXTERNAL TABLE")),
        "no data, no table: {statements:#?}"
    );
    let built_in = model::REPORTS
        .iter()
        .filter(|r| r.name() != "custom")
        .count();
    assert_eq!(named, built_in, "one named query per built-in report");
}
