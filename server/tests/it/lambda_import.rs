//! The `import` entry driven like Lambda drives it: the real binary with `_HANDLER=import` behind
//! the Runtime API stand-in, handed a real S3 `ObjectCreated` notification whose key arrives
//! URL-encoded (`+` for a space, `%C3%A9` for é). The object (in s3s-fs) is imported into dynalite,
//! the answer is the summary (207 with its counts), the rejects land under the rejects prefix and
//! the run ends with an Embedded Metric Format line on standard output.

use std::io::Write;
use std::process::{Command, Stdio};
use std::time::Duration;

use test_support::RuntimeApi;

use crate::common::stand_in_sdk;
use crate::stand_in;

const BIN: &str = env!("CARGO_BIN_EXE_dynamo-lake");
const KEY: &str = "unload/vector emails/hem_export_été_000.gz";

fn csv_gz() -> Vec<u8> {
    let mut text = String::from("hem,vup_id,email,score\n");
    for n in 0..200 {
        let vup = if n % 4 == 0 {
            String::new()
        } else {
            format!("v{n}")
        };
        let score = if n % 70 == 5 {
            "x".to_string()
        } else {
            n.to_string()
        };
        text.push_str(&format!(
            "{n:02x}{n:04},{vup},user{n}@example.com,{score}\n"
        ));
    }
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(text.as_bytes()).expect("gzip");
    gz.finish().expect("gzip")
}

#[test]
fn an_s3_notification_imports_its_object() {
    let dynalite = stand_in::dynalite();
    let s3_root = tempfile::tempdir().expect("tempdir");
    let s3 = stand_in::s3s_fs(s3_root.path());
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let client = rt.block_on(async {
        let sdk = stand_in_sdk(&s3.endpoint).await;
        let client = aws_sdk_s3::Client::from_conf(
            aws_sdk_s3::config::Builder::from(&sdk)
                .force_path_style(true)
                .build(),
        );
        client
            .create_bucket()
            .bucket("import-bucket")
            .send()
            .await
            .expect("bucket");
        client
            .put_object()
            .bucket("import-bucket")
            .key(KEY)
            .body(csv_gz().into())
            .send()
            .await
            .expect("put");
        let cfg = lake::dynamo::DynamoConfig {
            endpoint_url: Some(dynalite.endpoint.clone()),
            region: Some("us-east-1".into()),
        };
        let dynamo = lake::dynamo::client(&cfg).await;
        use aws_sdk_dynamodb::types::ScalarAttributeType::S;
        lake::dynamo::create_table(
            &dynamo,
            &cfg,
            &lake::dynamo::TableSpec {
                name: "vector_emails_operational".into(),
                hash: ("vup_id".into(), S),
                range: Some(("hem".into(), S)),
                indexes: vec![],
            },
        )
        .await
        .expect("table");
        client
    });
    let event = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/s3-object-created.json"),
    )
    .expect("fixture");
    let api = RuntimeApi::start(vec![event]);
    let mut function = Command::new(BIN)
        .env_clear()
        .envs([
            ("AWS_LAMBDA_RUNTIME_API", api.address()),
            ("_HANDLER", "import"),
            ("AWS_LAMBDA_FUNCTION_NAME", "dynamo-lake-import"),
            ("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "1024"),
            ("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST"),
            ("AWS_REGION", "us-east-1"),
            ("AWS_ACCESS_KEY_ID", lake::aws::LOCAL_KEY),
            ("AWS_SECRET_ACCESS_KEY", lake::aws::LOCAL_KEY),
            ("AWS_ENDPOINT_URL_DYNAMODB", &dynalite.endpoint),
            ("AWS_ENDPOINT_URL_S3", &s3.endpoint),
            ("DYNAMO_LAKE_IMPORT_TABLE", "vector_emails_operational"),
            ("DYNAMO_LAKE_IMPORT_TYPES", "score=N"),
            ("DYNAMO_LAKE_IMPORT_FALLBACK", "vup_id=UNRESOLVED#{hem:0:2}"),
            (
                "DYNAMO_LAKE_IMPORT_DEFAULTS",
                "updated_at={now},source=unload",
            ),
            (
                "DYNAMO_LAKE_IMPORT_REJECTS",
                "s3://import-bucket/import-rejects/",
            ),
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the function starts");
    let answers = api.answers(1, Duration::from_secs(60));
    let _ = function.kill();
    let out = function.wait_with_output().expect("output");
    let (stdout, log) = (
        String::from_utf8_lossy(&out.stdout).to_string(),
        String::from_utf8_lossy(&out.stderr).to_string(),
    );
    assert_eq!(answers.len(), 1, "{log}");
    assert_eq!(answers[0].kind, "response", "{answers:?}\n{log}");
    let summary: serde_json::Value = serde_json::from_str(&answers[0].body).expect("json");
    assert_eq!(summary["statusCode"], 207, "{summary}");
    assert_eq!(summary["items_failed"], 3);
    assert_eq!(summary["items_processed"], 197);
    assert_eq!(
        summary["sources"][0]["source"],
        format!("s3://import-bucket/{KEY}")
    );
    let emf: serde_json::Value = stdout
        .lines()
        .find(|l| l.contains("CloudWatchMetrics"))
        .map(|l| serde_json::from_str(l).expect("an EMF line is JSON"))
        .unwrap_or_else(|| panic!("no EMF line on stdout: {stdout}"));
    assert_eq!(emf["ItemsFailed"], 3);
    assert_eq!(emf["Table"], "vector_emails_operational");
    assert!(!log.contains('@'), "row values in the log: {log}");

    rt.block_on(async {
        let dynamo = aws_sdk_dynamodb::Client::new(&stand_in_sdk(&dynalite.endpoint).await);
        let scan = dynamo
            .scan()
            .table_name("vector_emails_operational")
            .send()
            .await
            .expect("scan");
        assert_eq!(scan.count(), 197);
        let sentinel = scan.items().iter().any(|i| {
            i.get("vup_id")
                .and_then(|v| v.as_s().ok())
                .is_some_and(|v| v.starts_with("UNRESOLVED#"))
        });
        assert!(sentinel, "sentinel keys are there");
        let listed = client
            .list_objects_v2()
            .bucket("import-bucket")
            .prefix("import-rejects/")
            .send()
            .await
            .expect("list");
        assert_eq!(listed.contents().len(), 1, "one rejects file");
    });
}
