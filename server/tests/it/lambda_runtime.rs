//! The real binary driven through the Lambda Runtime API (the `test-support` stand-in), as Lambda
//! runs it: the `export` entry (`_HANDLER=export`) answers an on-demand invocation and an
//! EventBridge Scheduled Event by exporting from dynalite into the lake, and refuses other shapes
//! with `InvalidEvent`. Configuration comes only from the environment; endpoints from the SDK's
//! standard `AWS_ENDPOINT_URL_DYNAMODB`.

use std::process::{Command, Stdio};
use std::time::Duration;

use chrono::{Duration as Days, Utc};
use test_support::RuntimeApi;

use crate::stand_in;

const BIN: &str = env!("CARGO_BIN_EXE_dynamo-lake");

/// Loads `items` demo items over the `days` up to yesterday into the demo's table in dynalite.
fn load_demo(dynalite: &stand_in::StandIn, dir: &std::path::Path, items: usize, days: u32) {
    let out = Command::new(BIN)
        .args([
            "demo",
            "--no-serve",
            "--items",
            &items.to_string(),
            "--days",
            &days.to_string(),
            "--dir",
        ])
        .arg(dir)
        .args(["--endpoint-url", &dynalite.endpoint])
        .output()
        .expect("demo");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn the_export_entry_answers_schedules_and_on_demand_invocations() {
    let dir = tempfile::tempdir().expect("tempdir");
    let dynalite = stand_in::dynalite();
    // The demo loads 2 000 sample items over the 10 days up to yesterday into a table there.
    load_demo(&dynalite, &dir.path().join("demo"), 2000, 10);

    let mut scheduled: serde_json::Value =
        serde_json::from_str(include_str!("../fixtures/eventbridge-scheduled.json"))
            .expect("fixture");
    scheduled["time"] = serde_json::json!(Utc::now().to_rfc3339());
    let events = vec![
        r#"{"from": "2000-01-01", "to": "2100-01-01"}"#.to_string(),
        scheduled.to_string(),
        "[1, 2]".to_string(),
    ];
    let api = RuntimeApi::start(events);
    let lake = dir.path().join("lambda-lake");
    let (answers, stderr) = api.run(
        Command::new(BIN),
        &[
            ("_HANDLER", "export"),
            ("AWS_LAMBDA_FUNCTION_NAME", "dynamo-lake-export"),
            ("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "1024"),
            ("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST"),
            ("AWS_REGION", "us-east-1"),
            ("AWS_ACCESS_KEY_ID", "dynamo-lake-local"),
            ("AWS_SECRET_ACCESS_KEY", "dynamo-lake-local"),
            ("AWS_ENDPOINT_URL_DYNAMODB", &dynalite.endpoint),
            ("DYNAMO_LAKE_LAKE", &lake.display().to_string()),
            ("DYNAMO_LAKE_EXPORT_TABLE", "dynamo-lake-demo"),
            (
                "DYNAMO_LAKE_EXPORT_INDEX",
                "RecordType-InitiationTimestamp-index",
            ),
            ("DYNAMO_LAKE_EXPORT_PK_ATTR", "RecordType"),
            ("DYNAMO_LAKE_EXPORT_PK_VALUE", "CTR"),
            ("DYNAMO_LAKE_EXPORT_SK_ATTR", "InitiationTimestamp"),
            ("DYNAMO_LAKE_EXPORT_RANGE", "previous-week"),
            ("DYNAMO_LAKE_EXPORT_EXTRA_DATE_COLUMN", "report_date"),
        ],
        3,
        Duration::from_secs(120),
    );
    assert_eq!(
        answers.len(),
        3,
        "answers: {answers:?}\nfunction log:\n{stderr}"
    );

    // On demand, the whole table.
    assert_eq!(answers[0].kind, "response", "{:?}", answers[0]);
    let all: serde_json::Value = serde_json::from_str(&answers[0].body).expect("report json");
    assert_eq!(all["items_written"], 2000, "{all}");
    let manifest = lake::storage::Manifest::read(&lake).expect("the first run made the lake");
    assert_eq!(manifest.files.iter().map(|f| f.rows).sum::<u64>(), 2000);

    // Scheduled: the configured previous-week at the event's time, so only those days.
    assert_eq!(answers[1].kind, "response", "{:?}", answers[1]);
    let week: serde_json::Value = serde_json::from_str(&answers[1].body).expect("report json");
    let today = Utc::now().date_naive();
    let first = (today - Days::days(7)).to_string();
    let written = week["items_written"].as_u64().expect("count");
    assert!(written > 0 && written < 2000, "{week}");
    let days: Vec<&String> = week["partitions"]
        .as_object()
        .expect("partitions")
        .keys()
        .collect();
    assert!(!days.is_empty());
    for day in days {
        assert!(
            day.as_str() >= first.as_str() && day.as_str() < today.to_string().as_str(),
            "{day}"
        );
    }

    // Anything else: an error answer that says what the entry takes.
    assert_eq!(answers[2].kind, "error", "{:?}", answers[2]);
    let error: serde_json::Value = serde_json::from_str(&answers[2].body).expect("error json");
    assert_eq!(error["errorType"], "InvalidEvent", "{error}");
    assert!(
        error["errorMessage"]
            .as_str()
            .unwrap_or("")
            .contains("Scheduled Event"),
        "{error}"
    );
}

/// With Athena as the engine, the export entry defines the Athena table when its commit makes the
/// lake, leaves it alone when the columns stay, and redefines it when they grow (moto's Athena
/// records the statements).
#[test]
fn the_export_entry_keeps_the_athena_table_in_step_with_the_lake() {
    let dir = tempfile::tempdir().expect("tempdir");
    let dynalite = stand_in::dynalite();
    let moto = stand_in::moto();
    load_demo(&dynalite, &dir.path().join("demo"), 300, 5);
    let all = r#"{"from": "2000-01-01", "to": "2100-01-01"}"#.to_string();
    let api = RuntimeApi::start(vec![all.clone(), all.clone()]);
    // Athena reads the lake from S3: s3s-fs, with real signatures.
    let s3_root = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir(s3_root.path().join("lake-bucket")).expect("bucket");
    let s3 = stand_in::s3s_fs(s3_root.path());
    let mut function = Command::new(BIN)
        .env_clear()
        .envs([
            ("AWS_LAMBDA_RUNTIME_API", api.address()),
            ("_HANDLER", "export"),
            ("AWS_LAMBDA_FUNCTION_NAME", "dynamo-lake-export"),
            ("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "1024"),
            ("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST"),
            ("AWS_REGION", "us-east-1"),
            ("AWS_ACCESS_KEY_ID", lake::aws::LOCAL_KEY),
            ("AWS_SECRET_ACCESS_KEY", lake::aws::LOCAL_KEY),
            ("AWS_ENDPOINT_URL_DYNAMODB", &dynalite.endpoint),
            ("DYNAMO_LAKE_LAKE", "s3://lake-bucket/contacts"),
            ("AWS_ENDPOINT_URL_S3", &s3.endpoint),
            ("DYNAMO_LAKE_EXPORT_TABLE", "dynamo-lake-demo"),
            (
                "DYNAMO_LAKE_EXPORT_INDEX",
                "RecordType-InitiationTimestamp-index",
            ),
            ("DYNAMO_LAKE_EXPORT_PK_ATTR", "RecordType"),
            ("DYNAMO_LAKE_EXPORT_PK_VALUE", "CTR"),
            ("DYNAMO_LAKE_EXPORT_SK_ATTR", "InitiationTimestamp"),
            ("DYNAMO_LAKE_ENGINE", "athena"),
            ("DYNAMO_LAKE_ATHENA_ENDPOINT_URL", &moto.endpoint),
            ("DYNAMO_LAKE_ATHENA_OUTPUT", "s3://athena-results/out/"),
            ("DYNAMO_LAKE_TABLE", "contacts"),
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the function starts");
    let answers = api.answers(2, Duration::from_secs(120));
    let body = |i: usize| -> serde_json::Value {
        serde_json::from_str(&answers[i].body).expect("answer json")
    };
    assert_eq!(answers.len(), 2, "{answers:?}");
    assert_eq!(
        body(0)["athena_table"]
            .as_str()
            .map(|s| s.starts_with("created dynamo_lake.contacts")),
        Some(true),
        "{}",
        body(0)
    );
    assert!(
        body(1).get("athena_table").is_none(),
        "same columns, no DDL: {}",
        body(1)
    );

    // An item with an attribute the lake has not seen: the next commit grows the contract.
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    rt.block_on(async {
        let cfg = lake::dynamo::DynamoConfig {
            endpoint_url: Some(dynalite.endpoint.clone()),
            ..Default::default()
        };
        let client = lake::dynamo::client(&cfg).await;
        use aws_sdk_dynamodb::types::AttributeValue as V;
        client
            .put_item()
            .table_name("dynamo-lake-demo")
            .item("RecordType", V::S("CTR".into()))
            .item(
                "InitiationTimestamp",
                V::S(Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string()),
            )
            .item("ContactId", V::S("new-contact".into()))
            .item("SurveyScore", V::N("5".into()))
            .send()
            .await
            .expect("put");
    });
    api.push(all);
    let answers = api.answers(3, Duration::from_secs(120));
    let _ = function.kill();
    let log = function
        .wait_with_output()
        .map(|o| String::from_utf8_lossy(&o.stderr).to_string())
        .unwrap_or_default();
    assert_eq!(answers.len(), 3, "{answers:?}\n{log}");
    let third: serde_json::Value = serde_json::from_str(&answers[2].body).expect("json");
    assert_eq!(
        third["athena_table"]
            .as_str()
            .map(|s| s.starts_with("redefined dynamo_lake.contacts")),
        Some(true),
        "{third}"
    );

    // What moto's Athena ran: the table made once, then dropped and made again with the column.
    let statements: Vec<String> = rt.block_on(async {
        let sdk = crate::common::stand_in_sdk(&moto.endpoint).await;
        let athena = aws_sdk_athena::Client::new(&sdk);
        crate::common::athena_statements(&athena).await
    });
    let creates: Vec<&String> = statements
        .iter()
        .filter(|s| s.starts_with("CREATE EXTERNAL TABLE"))
        .collect();
    assert_eq!(creates.len(), 2, "{statements:#?}");
    assert_eq!(
        statements
            .iter()
            .filter(|s| s.starts_with("DROP TABLE"))
            .count(),
        1,
        "{statements:#?}"
    );
    assert!(
        creates.iter().any(|s| s.contains("`surveyscore`")),
        "{statements:#?}"
    );
}
