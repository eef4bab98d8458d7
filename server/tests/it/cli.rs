//! User mistakes at the command line end in one clear message naming the input, never a panic.

use std::process::Command;

use crate::stand_in;

fn run(args: &[&str]) -> (i32, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_dynamo-lake"))
        .args(args)
        .output()
        .expect("binary runs");
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    assert!(!stderr.contains("panicked"), "panic for {args:?}: {stderr}");
    assert!(
        !stderr.contains("RUST_BACKTRACE"),
        "backtrace hint for {args:?}: {stderr}"
    );
    (out.status.code().unwrap_or(-1), stderr)
}

#[test]
fn a_busy_port_is_named() {
    let busy = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = busy.local_addr().expect("addr").port();
    let dir = tempfile::tempdir().expect("tempdir");
    let addr = format!("127.0.0.1:{port}");
    let (code, err) = run(&[
        "demo",
        "--dir",
        dir.path().to_str().expect("utf-8"),
        "--items",
        "10",
        "--addr",
        &addr,
    ]);
    assert_eq!(code, 1);
    assert!(
        err.contains(&format!("port {port} on 127.0.0.1 is already in use")),
        "{err}"
    );
}

#[test]
fn an_unwritable_lake_path_is_named() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (code, err) = run(&[
        "demo",
        "--dir",
        dir.path().to_str().expect("utf-8"),
        "--lake",
        "/proc/dynamo-lake-test/lake",
        "--items",
        "10",
        "--no-serve",
    ]);
    assert_eq!(code, 1);
    assert!(err.contains("/proc/dynamo-lake-test/lake"), "{err}");
}

#[test]
fn a_missing_lake_is_named() {
    let (code, err) = run(&[
        "serve",
        "--lake",
        "/nonexistent/lake",
        "--addr",
        "127.0.0.1:0",
    ]);
    assert_eq!(code, 1);
    assert!(err.contains("/nonexistent/lake"), "{err}");
    assert!(err.contains("run an export first"), "{err}");
}

#[test]
fn a_public_address_needs_consent() {
    let (code, err) = run(&[
        "serve",
        "--lake",
        "/nonexistent/lake",
        "--addr",
        "0.0.0.0:0",
    ]);
    assert_eq!(code, 1);
    assert!(err.contains("--allow-remote"), "{err}");
}

#[test]
fn a_folder_that_is_not_a_lake_is_left_alone() {
    let dir = tempfile::tempdir().expect("tempdir");
    let precious = dir.path().join("precious.txt");
    std::fs::write(&precious, "keep me").expect("write");
    let (code, err) = run(&[
        "demo",
        "--dir",
        dir.path().to_str().expect("utf-8"),
        "--lake",
        dir.path().to_str().expect("utf-8"),
        "--no-serve",
    ]);
    assert_eq!(code, 1);
    assert!(err.contains("is not a dynamo-lake lake"), "{err}");
    assert!(precious.exists());
}

#[test]
fn help_explains_every_command() {
    for cmd in ["demo", "serve", "sample"] {
        let out = Command::new(env!("CARGO_BIN_EXE_dynamo-lake"))
            .args([cmd, "--help"])
            .output()
            .expect("runs");
        assert!(out.status.success());
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(text.contains("Usage: dynamo-lake"), "{cmd}: {text}");
    }
}

#[test]
fn help_explains_the_pipeline_commands() {
    for cmd in ["export", "snapshot", "convert"] {
        let out = Command::new(env!("CARGO_BIN_EXE_dynamo-lake"))
            .args([cmd, "--help"])
            .output()
            .expect("runs");
        assert!(out.status.success());
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(text.contains("s3://"), "{cmd} --help mentions S3: {text}");
    }
}

#[test]
fn bad_locations_are_named() {
    let (code, err) = run(&[
        "convert",
        "--source",
        "gs://x/y",
        "--lake",
        "/tmp/l",
        "--sk-attr",
        "a",
    ]);
    assert_eq!(code, 1);
    assert!(err.contains("--source gs://x/y"), "{err}");
    let (code, err) = run(&[
        "convert",
        "--source",
        "/tmp/x",
        "--lake",
        "s3://",
        "--sk-attr",
        "a",
    ]);
    assert_eq!(code, 1);
    assert!(
        err.contains("--lake s3://") && err.contains("bucket"),
        "{err}"
    );
}

/// A local S3 (s3s-fs) and the folder holding its buckets; it stops when the test ends.
struct LocalS3 {
    endpoint: String,
    root: tempfile::TempDir,
    _server: stand_in::StandIn,
}

fn local_s3() -> LocalS3 {
    let root = tempfile::tempdir().expect("tempdir");
    let server = stand_in::s3s_fs(root.path());
    LocalS3 {
        endpoint: server.endpoint.clone(),
        root,
        _server: server,
    }
}

#[test]
fn convert_writes_an_s3_lake_from_the_command_line() {
    let s3 = local_s3();
    std::fs::create_dir(s3.root.path().join("lake-bucket")).expect("bucket");
    let work = tempfile::tempdir().expect("tempdir");
    let export = work.path().join("export");
    let out = Command::new(env!("CARGO_BIN_EXE_dynamo-lake"))
        .args(["native-fixture", "--items", "500", "--days", "5", "--out"])
        .arg(&export)
        .output()
        .expect("fixture");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = Command::new(env!("CARGO_BIN_EXE_dynamo-lake"))
        .args([
            "convert",
            "--sk-attr",
            "InitiationTimestamp",
            "--json",
            "--source",
        ])
        .arg(&export)
        .args(["--lake", "s3://lake-bucket/contacts", "--s3-endpoint-url"])
        .arg(&s3.endpoint)
        .env_remove("AWS_ENDPOINT_URL_S3")
        .output()
        .expect("convert runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(report["items_written"], 500);
    assert!(
        report.get("range").is_none(),
        "a conversion keeps every item; it has no range to report: {report}"
    );
    let lake = s3.root.path().join("lake-bucket/contacts");
    let manifest: serde_json::Value = serde_json::from_slice(
        &std::fs::read(lake.join("_dynamo_lake/manifest.json")).expect("manifest in the bucket"),
    )
    .expect("json");
    let files = manifest["files"].as_array().expect("files");
    assert!(!files.is_empty());
    for f in files {
        let path = lake.join(f["path"].as_str().expect("path"));
        assert!(path.exists(), "{} is in the bucket", path.display());
    }
}

#[test]
fn query_runs_a_report_from_the_command_line() {
    let work = tempfile::tempdir().expect("tempdir");
    let out = Command::new(env!("CARGO_BIN_EXE_dynamo-lake"))
        .args([
            "demo",
            "--items",
            "400",
            "--days",
            "10",
            "--no-serve",
            "--dir",
        ])
        .arg(work.path())
        .output()
        .expect("demo runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let items: Vec<serde_json::Value> = std::fs::read_to_string(work.path().join("sample.jsonl"))
        .expect("sample")
        .lines()
        .map(|l| serde_json::from_str(l).expect("item"))
        .collect();
    let agent = "O'Brien, Seán";
    let want = items.iter().filter(|i| i["Agent"]["S"] == agent).count();
    let lake = work.path().join("lake");
    let out = Command::new(env!("CARGO_BIN_EXE_dynamo-lake"))
        .args(["query", "--report", "by_agent", "--param"])
        .arg(format!("agent={agent}"))
        .arg("--lake")
        .arg(&lake)
        .env_remove("DYNAMO_LAKE_ENGINE")
        .output()
        .expect("query runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(report["count"], want);

    let (code, err) = run(&[
        "query",
        "--report",
        "custom",
        "--param",
        "sql=DROP TABLE gsi_export",
        "--lake",
        &lake.display().to_string(),
    ]);
    assert_eq!(code, 1);
    assert!(err.contains("refused"), "{err}");
    let (code, err) = run(&[
        "query", "--report", "by_agent", "--param", "agent", "--lake", "x",
    ]);
    assert_eq!(code, 1);
    assert!(err.contains("NAME=VALUE"), "{err}");
}

#[test]
fn athena_ddl_is_generated_from_an_s3_lake() {
    let s3 = local_s3();
    std::fs::create_dir(s3.root.path().join("ddl-bucket")).expect("bucket");
    let work = tempfile::tempdir().expect("tempdir");
    let export = work.path().join("export");
    let out = Command::new(env!("CARGO_BIN_EXE_dynamo-lake"))
        .args(["native-fixture", "--items", "300", "--days", "3", "--out"])
        .arg(&export)
        .output()
        .expect("fixture");
    assert!(out.status.success());
    let status = Command::new(env!("CARGO_BIN_EXE_dynamo-lake"))
        .args(["convert", "--sk-attr", "InitiationTimestamp", "--source"])
        .arg(&export)
        .args([
            "--lake",
            "s3://ddl-bucket/contacts",
            "--s3-endpoint-url",
            &s3.endpoint,
        ])
        .output()
        .expect("convert");
    assert!(
        status.status.success(),
        "{}",
        String::from_utf8_lossy(&status.stderr)
    );
    let out = Command::new(env!("CARGO_BIN_EXE_dynamo-lake"))
        .args([
            "athena-ddl",
            "--lake",
            "s3://ddl-bucket/contacts",
            "--s3-endpoint-url",
            &s3.endpoint,
        ])
        .output()
        .expect("athena-ddl");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let ddl = String::from_utf8_lossy(&out.stdout);
    assert!(
        ddl.contains("CREATE DATABASE IF NOT EXISTS `dynamo_lake`"),
        "{ddl}"
    );
    assert!(
        ddl.contains("CREATE EXTERNAL TABLE IF NOT EXISTS `dynamo_lake`.`gsi_export`"),
        "{ddl}"
    );
    assert!(ddl.contains("`agent` string"), "{ddl}");
    assert!(
        ddl.contains("'storage.location.template'='s3://ddl-bucket/contacts/year=${year}/month=${month}/day=${day}/'"),
        "{ddl}"
    );
    let (code, err) = run(&["athena-ddl", "--lake", "/tmp/local-lake"]);
    assert_eq!(code, 1);
    assert!(err.contains("s3://"), "{err}");
}

fn typed_items(values: &[&str]) -> Vec<lake::format::item::Item> {
    values
        .iter()
        .enumerate()
        .map(|(i, x)| {
            lake::format::item::parse_item_line(&format!(
                r#"{{"ContactId":{{"S":"c{i}"}},"InitiationTimestamp":{{"S":"2026-02-0{}T09:00:00Z"}},"x":{x}}}"#,
                i % 5 + 1
            ))
            .expect("item")
        })
        .collect()
}

#[test]
fn items_the_contract_cannot_hold_exit_3_with_the_rejects_named() {
    let dir = tempfile::tempdir().expect("tempdir");
    let write = |name: &str, values: &[&str]| {
        lake::ingest::native_fixture::write_native_export(
            &dir.path().join(name),
            "01700000000000-cli00000",
            "cli",
            typed_items(values),
            3,
        )
        .expect("fixture")
    };
    let numbers = write(
        "numbers",
        &[r#"{"N":"1"}"#, r#"{"N":"2.5"}"#, r#"{"N":"3"}"#],
    );
    let mixed = write(
        "mixed",
        &[
            r#"{"N":"4"}"#,
            r#"{"S":"four"}"#,
            r#"{"N":"5"}"#,
            r#"{"BOOL":false}"#,
        ],
    );
    let lake = dir.path().join("lake");
    let convert_into = |lake: &std::path::Path, source: &std::path::Path, extra: &[&str]| {
        let out = Command::new(env!("CARGO_BIN_EXE_dynamo-lake"))
            .args([
                "convert",
                "--sk-attr",
                "InitiationTimestamp",
                "--json",
                "--source",
            ])
            .arg(source)
            .arg("--lake")
            .arg(lake)
            .args(extra)
            .output()
            .expect("runs");
        let json: serde_json::Value = serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
        (out.status.code().unwrap_or(-1), json)
    };
    let convert = |source: &std::path::Path, extra: &[&str]| convert_into(&lake, source, extra);
    let (code, first) = convert(&numbers, &[]);
    assert_eq!(code, 0, "{first}");
    assert_eq!(first["items_rejected"], 0);

    // The lake's contract made x a double: the S and BOOL items are kept whole, the run says so.
    let (code, second) = convert(&mixed, &[]);
    assert_eq!(code, 3, "finished with rejects: {second}");
    assert_eq!(second["items_rejected"], 2);
    assert_eq!(second["items_written"], 2);
    assert_eq!(second["type_conflicts"]["x"], 2);
    let rejects = second["rejected_file"].as_str().expect("a rejects file");
    let lines = std::fs::read_to_string(rejects).expect("rejects");
    assert_eq!(lines.lines().count(), 2);
    assert!(
        lines.contains(r#""S":"four""#) && lines.contains(r#""BOOL":false"#),
        "{lines}"
    );
    assert!(lines.contains("double"), "each line says why: {lines}");

    // --allow-rejects: the same outcome, exit 0.
    let (code, third) = convert(&mixed, &["--allow-rejects"]);
    assert_eq!(code, 0, "{third}");
    assert_eq!(third["items_rejected"], 2);

    // A new lake that sees both types in one run keeps every value as text: nothing rejected.
    let (code, json) = convert_into(&dir.path().join("fresh"), &mixed, &[]);
    assert_eq!(code, 0, "{json}");
    assert_eq!(json["items_written"], 4);
    assert_eq!(
        json["mixed_types"]["x"],
        serde_json::json!(["S", "N", "BOOL"])
    );
}
