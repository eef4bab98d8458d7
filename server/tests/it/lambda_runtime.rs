//! The real binary driven through the Lambda Runtime API (the `test-support` stand-in), as Lambda
//! runs it: the `export` entry (`_HANDLER=export`) answers an on-demand invocation and an
//! EventBridge Scheduled Event by exporting from dynalite into the lake, and refuses other shapes
//! with `InvalidEvent`. Configuration comes only from the environment; endpoints from the SDK's
//! standard `AWS_ENDPOINT_URL_DYNAMODB`.

use std::process::Command;
use std::time::Duration;

use chrono::{Duration as Days, Utc};
use test_support::RuntimeApi;

use crate::stand_in;

const BIN: &str = env!("CARGO_BIN_EXE_dynamo-lake");

#[test]
fn the_export_entry_answers_schedules_and_on_demand_invocations() {
    let dir = tempfile::tempdir().expect("tempdir");
    let dynalite = stand_in::dynalite();
    // The demo loads 2 000 sample items over the 10 days up to yesterday into a table there.
    let out = Command::new(BIN)
        .args([
            "demo",
            "--items",
            "2000",
            "--days",
            "10",
            "--no-serve",
            "--dir",
        ])
        .arg(dir.path().join("demo"))
        .args(["--endpoint-url", &dynalite.endpoint])
        .output()
        .expect("demo");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

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
