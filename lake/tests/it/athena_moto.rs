//! The Athena engine against moto (Athena's request flow; it does not run SQL, so results are
//! seeded) and s3s-fs (presigned URLs with real signature checks).
//!
//! moto's seeded results and its state transitions are global to the server, so the tests that
//! talk to moto take turns ([`MOTO`]) and each sets the transition it needs.

use crate::support;

use std::io::{Read, Write};
use std::time::{Duration, Instant};

use aws_sdk_athena::config::{BehaviorVersion, Credentials, Region};
use lake::LakeError;
use lake::aws::LOCAL_KEY;
use lake::query::athena::{AthenaConfig, AthenaEngine};
use lake::query::{QueryState, ResultColumn, SqlParam};
use lake::storage::{S3Config, S3Prefix};
use serde_json::{Value, json};

/// Serialises the tests that use moto's global state.
static MOTO: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

const DATABASE: &str = "lake_db";

/// An engine on moto in the `primary` workgroup.
async fn engine(output_location: Option<String>, s3: S3Config, timeout: Duration) -> AthenaEngine {
    AthenaEngine::connect(AthenaConfig {
        endpoint_url: Some(support::moto_endpoint()),
        region: Some("us-east-1".into()),
        workgroup: "primary".into(),
        database: DATABASE.into(),
        output_location,
        timeout,
        s3,
    })
    .await
    .expect("engine connects")
}

/// A plain SDK client on moto, to see what the engine sent.
fn sdk() -> aws_sdk_athena::Client {
    let conf = aws_sdk_athena::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .endpoint_url(support::moto_endpoint())
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new(LOCAL_KEY, LOCAL_KEY, None, None, "test"))
        .build();
    aws_sdk_athena::Client::from_conf(conf)
}

/// One HTTP/1.1 request over a fresh connection: status and (de-chunked) body.
fn http_blocking(method: &str, url: &str, body: &[u8]) -> (u16, Vec<u8>) {
    let rest = url.strip_prefix("http://").expect("an http:// URL");
    let (host, target) = rest.find('/').map_or((rest, "/"), |i| rest.split_at(i));
    let mut stream = std::net::TcpStream::connect(host).expect("connects");
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .expect("timeout set");
    let head = format!(
        "{method} {target} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).expect("request head");
    stream.write_all(body).expect("request body");
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).expect("response");
    let end = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("response headers end");
    let head = String::from_utf8_lossy(&raw[..end]).to_ascii_lowercase();
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .expect("status code");
    let body = raw[end + 4..].to_vec();
    if head.contains("transfer-encoding: chunked") {
        (status, dechunk(&body))
    } else {
        (status, body)
    }
}

/// The payload of a chunked body.
fn dechunk(mut body: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let line_end = body
            .windows(2)
            .position(|w| w == b"\r\n")
            .expect("chunk size line");
        let size_text = String::from_utf8_lossy(&body[..line_end]).to_string();
        let size = usize::from_str_radix(size_text.split(';').next().unwrap_or("").trim(), 16)
            .expect("hex chunk size");
        if size == 0 {
            return out;
        }
        let start = line_end + 2;
        out.extend_from_slice(&body[start..start + size]);
        body = &body[start + size + 2..];
    }
}

/// [`http_blocking`] off the async runtime's threads.
async fn http(method: &'static str, url: String, body: Vec<u8>) -> (u16, Vec<u8>) {
    tokio::task::spawn_blocking(move || http_blocking(method, &url, &body))
        .await
        .expect("request thread")
}

/// POSTs JSON to one of moto's own endpoints.
async fn moto_api(path: &str, body: Value) {
    let url = format!("{}{path}", support::moto_endpoint());
    let (status, text) = http("POST", url, body.to_string().into_bytes()).await;
    assert!(
        (200..300).contains(&status),
        "{path}: {status} {}",
        String::from_utf8_lossy(&text)
    );
}

/// Makes new and existing executions go QUEUED → RUNNING → SUCCEEDED, one step every `times`
/// GetQueryExecution calls; `None`: straight to SUCCEEDED (moto's default).
async fn set_transition(times: Option<u64>) {
    match times {
        Some(times) => {
            moto_api(
                "/moto-api/state-manager/set-transition",
                json!({"model_name": "athena::execution",
                       "transition": {"progression": "manual", "times": times}}),
            )
            .await
        }
        None => {
            moto_api(
                "/moto-api/state-manager/unset-transition",
                json!({"model_name": "athena::execution"}),
            )
            .await
        }
    }
}

/// What Athena (moto) recorded about a query: its SQL, parameters, database and workgroup.
async fn execution(id: &str) -> aws_sdk_athena::types::QueryExecution {
    sdk()
        .get_query_execution()
        .query_execution_id(id)
        .send()
        .await
        .expect("described")
        .query_execution
        .expect("execution")
}

/// Queues the result of the next query started: the header row (as Athena returns it) and
/// `rows` (`None` = NULL, i.e. no VarCharValue).
async fn seed_results(columns: &[(&str, &str)], rows: &[Vec<Option<&str>>]) {
    let datum = |v: Option<&str>| v.map_or_else(|| json!({}), |s| json!({"VarCharValue": s}));
    let header = json!({"Data": columns.iter().map(|(n, _)| datum(Some(n))).collect::<Vec<_>>()});
    let mut all = vec![header];
    all.extend(
        rows.iter()
            .map(|r| json!({"Data": r.iter().map(|v| datum(*v)).collect::<Vec<_>>()})),
    );
    let info: Vec<Value> = columns
        .iter()
        .map(|(name, ty)| {
            json!({"CatalogName": "hive", "SchemaName": "", "TableName": "", "Name": name,
                   "Label": name, "Type": ty, "Precision": 0, "Scale": 0,
                   "Nullable": "UNKNOWN", "CaseSensitive": *ty == "varchar"})
        })
        .collect();
    moto_api(
        "/moto-api/static/athena/query-results",
        json!({"region": "us-east-1", "results": [{"rows": all, "column_info": info}]}),
    )
    .await;
}

#[tokio::test]
async fn a_select_is_polled_to_success_and_read_as_typed_rows() {
    let _turn = MOTO.lock().await;
    set_transition(Some(2)).await;
    let columns = [
        ("agent", "varchar"),
        ("score", "double"),
        ("calls", "bigint"),
        ("active", "boolean"),
        ("note", "varchar"),
    ];
    seed_results(
        &columns,
        &[
            vec![
                Some("O'Brien"),
                Some("1.5"),
                Some("9007199254740993"),
                Some("true"),
                None,
            ],
            vec![
                Some("Zoë"),
                Some("NaN"),
                Some("-3"),
                Some("false"),
                Some(""),
            ],
        ],
    )
    .await;
    let engine = engine(None, S3Config::default(), Duration::from_secs(10)).await;
    let id = engine
        .start("SELECT agent, score, calls, active, note FROM calls", &[])
        .await
        .expect("started");

    assert_eq!(
        engine.state(&id).await.expect("state").0,
        QueryState::Queued
    );
    assert_eq!(
        engine.state(&id).await.expect("state").0,
        QueryState::Running
    );
    let started = Instant::now();
    assert_eq!(
        engine.wait(&id).await.expect("waited"),
        QueryState::Succeeded
    );
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );

    let page = engine.page(&id, None, 100).await.expect("page");
    assert_eq!(page.state, QueryState::Succeeded);
    let want_columns: Vec<ResultColumn> = columns
        .iter()
        .map(|(name, ty)| ResultColumn {
            name: name.to_string(),
            ty: ty.to_string(),
        })
        .collect();
    assert_eq!(page.columns, want_columns);
    assert_eq!(
        page.rows,
        vec![
            vec![
                json!("O'Brien"),
                json!(1.5),
                json!(9_007_199_254_740_993_i64),
                json!(true),
                Value::Null
            ],
            vec![
                json!("Zoë"),
                json!("NaN"),
                json!(-3),
                json!(false),
                json!("")
            ],
        ]
    );
    assert_eq!(page.next_token, None);
    // moto reports DataScannedInBytes as 0.
    assert_eq!(page.bytes_scanned, Some(0));
}

#[tokio::test]
async fn parameters_reach_athena_as_one_literal_each_and_the_sql_is_unchanged() {
    let _turn = MOTO.lock().await;
    set_transition(None).await;
    let engine = engine(None, S3Config::default(), Duration::from_secs(10)).await;
    let sql = "SELECT count(*) FROM calls WHERE agent = ? AND queue_id = ?";
    let hostile = "O'Brien'); DROP TABLE calls; -- Zoë ✓ \\ \"x\"";
    let id = engine
        .start(sql, &[SqlParam::Str(hostile.into()), SqlParam::Int(-7)])
        .await
        .expect("started");

    let exec = execution(&id).await;
    assert_eq!(exec.query(), Some(sql));
    assert_eq!(
        exec.execution_parameters(),
        [
            "'O''Brien''); DROP TABLE calls; -- Zoë ✓ \\ \"x\"'".to_string(),
            "-7".to_string()
        ]
    );
    assert_eq!(
        exec.query_execution_context().and_then(|c| c.database()),
        Some(DATABASE)
    );
    assert_eq!(exec.work_group(), Some("primary"));

    // No parameters: none are sent.
    let id = engine.start("SELECT 1", &[]).await.expect("started");
    let exec = execution(&id).await;
    assert!(exec.execution_parameters().is_empty());
}

#[tokio::test]
async fn waiting_gives_up_at_the_timeout_and_names_the_query() {
    let _turn = MOTO.lock().await;
    set_transition(Some(1_000_000)).await;
    let timeout = Duration::from_millis(800);
    let engine = engine(None, S3Config::default(), timeout).await;
    let id = engine.start("SELECT 1", &[]).await.expect("started");

    let started = Instant::now();
    let err = engine.wait(&id).await.expect_err("times out");
    let waited = started.elapsed();
    assert!(
        waited >= timeout && waited < timeout + Duration::from_millis(700),
        "{waited:?}"
    );
    match &err {
        LakeError::StillRunning { id: got, .. } => assert_eq!(got, &id),
        other => panic!("expected StillRunning, got {other:?}"),
    }
    let message = err.to_string();
    assert!(
        message.contains(&id) && message.contains("still running"),
        "{message}"
    );

    // Meanwhile a page has the state and no rows, and there is no file to download.
    let page = engine.page(&id, None, 10).await.expect("page");
    assert_eq!(page.state, QueryState::Queued);
    assert!(page.rows.is_empty() && page.columns.is_empty());
    let err = engine
        .download_url(&id, Duration::from_secs(60))
        .await
        .expect_err("not ready")
        .to_string();
    assert!(err.contains("QUEUED") && err.contains("not ready"), "{err}");
}

#[tokio::test]
async fn the_download_url_presigns_the_result_object_named_by_athena() {
    let (s3, bucket) = support::s3_bucket("athena-results");
    let s3_endpoint = s3.endpoint_url.clone().expect("s3s-fs endpoint");
    let _turn = MOTO.lock().await;
    set_transition(None).await;
    let engine = engine(
        Some(format!("s3://{bucket}/results/")),
        s3.clone(),
        Duration::from_secs(10),
    )
    .await;
    let id = engine
        .start("SELECT agent FROM calls", &[])
        .await
        .expect("started");
    assert_eq!(
        engine.wait(&id).await.expect("waited"),
        QueryState::Succeeded
    );
    // moto keeps results in its own S3; put the CSV where the real Athena would write it.
    let csv = "\"agent\"\n\"O'Brien\"\n\"Zoë\"\n";
    S3Prefix::connect(&s3, &bucket, "results")
        .await
        .expect("s3s-fs")
        .put(&format!("{id}.csv"), csv.as_bytes().to_vec())
        .await
        .expect("uploaded");

    let url = engine
        .download_url(&id, Duration::from_secs(300))
        .await
        .expect("presigned");
    assert!(
        url.starts_with(&format!("{s3_endpoint}/{bucket}/results/{id}.csv?")),
        "{url}"
    );
    assert!(
        url.contains("X-Amz-Signature=") && url.contains("X-Amz-Expires=300"),
        "{url}"
    );
    let (status, body) = http("GET", url.clone(), Vec::new()).await;
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
    assert_eq!(String::from_utf8_lossy(&body), csv);

    let (status, _) = http("GET", tamper(&url), Vec::new()).await;
    assert_eq!(status, 403, "a tampered signature is refused");

    // Without an output location moto's `primary` workgroup has none: a clear error.
    let bare = engine_without_location().await;
    let id = bare.start("SELECT 1", &[]).await.expect("started");
    let err = bare
        .download_url(&id, Duration::from_secs(60))
        .await
        .expect_err("no location")
        .to_string();
    assert!(err.contains("no result location"), "{err}");
    let err = bare
        .download_url(&id, Duration::from_secs(8 * 24 * 3600))
        .await
        .expect_err("too long");
    assert!(matches!(err, LakeError::InvalidInput(_)), "{err:?}");
}

/// An engine with no output location of its own.
async fn engine_without_location() -> AthenaEngine {
    engine(None, S3Config::default(), Duration::from_secs(10)).await
}

/// `url` with the last hex digit of its signature changed.
fn tamper(url: &str) -> String {
    let at = url.find("X-Amz-Signature=").expect("signature") + "X-Amz-Signature=".len();
    let end = url[at..].find('&').map_or(url.len(), |i| at + i);
    let flipped = if &url[end - 1..end] == "0" { "1" } else { "0" };
    format!("{}{flipped}{}", &url[..end - 1], &url[end..])
}

#[tokio::test]
async fn an_unknown_query_id_is_not_found() {
    // Ids Athena cannot have issued are refused before any call. (moto answers a well-formed
    // unknown id with HTTP 500; real Athena's "QueryExecution … was not found" is covered by the
    // unit tests of the error classification.)
    let engine = engine_without_location().await;
    for id in ["no such query", "../../etc/passwd", ""] {
        let err = engine.state(id).await.expect_err("unknown");
        assert!(matches!(err, LakeError::NotFound(_)), "{err:?}");
        let err = engine.page(id, None, 10).await.expect_err("unknown");
        assert!(matches!(err, LakeError::NotFound(_)), "{err:?}");
        let err = engine
            .download_url(id, Duration::from_secs(60))
            .await
            .expect_err("unknown");
        assert!(matches!(err, LakeError::NotFound(_)), "{err:?}");
    }
}

#[tokio::test]
async fn statements_run_to_completion_and_named_queries_are_created() {
    let _turn = MOTO.lock().await;
    set_transition(None).await;
    let engine = engine_without_location().await;
    engine
        .run_statement("CREATE DATABASE IF NOT EXISTS lake_statement_test")
        .await
        .expect("DDL ran");
    let db = sdk()
        .get_database()
        .catalog_name("AwsDataCatalog")
        .database_name("lake_statement_test")
        .send()
        .await
        .expect("the database exists");
    assert_eq!(db.database().map(|d| d.name()), Some("lake_statement_test"));

    let first = engine
        .create_named_query("calls by day", "Calls per day", "SELECT 1")
        .await
        .expect("created");
    let second = engine
        .create_named_query("calls by agent", "", "SELECT 2")
        .await
        .expect("created");
    assert_ne!(first, second);
    // Creating a name that exists again updates it (UpdateNamedQuery), which moto does not
    // implement: that path runs only against real Athena.
    let got = sdk()
        .get_named_query()
        .named_query_id(&first)
        .send()
        .await
        .expect("named query")
        .named_query
        .expect("present");
    assert_eq!(got.name(), "calls by day");
    assert_eq!(got.description(), Some("Calls per day"));
    assert_eq!(got.query_string(), "SELECT 1");
    assert_eq!(got.database(), DATABASE);
    assert_eq!(got.work_group(), Some("primary"));
}

#[tokio::test]
async fn the_query_service_runs_reports_on_athena_with_parameters() {
    use lake::query::reports::{ReportRequest, ReportSchema};
    use lake::query::service::{Backend, Download, QueryService};
    let (s3, bucket) = support::s3_bucket("athena-service");
    let _turn = MOTO.lock().await;
    set_transition(None).await;
    let athena = engine(
        Some(format!("s3://{bucket}/results/")),
        s3.clone(),
        Duration::from_secs(10),
    )
    .await;
    let service = QueryService::new(
        Backend::Athena(std::sync::Arc::new(athena)),
        ReportSchema {
            table: "gsi_export".into(),
            agent: "agent".into(),
            contact: "contactid".into(),
            channel: "channel".into(),
            time: None,
            max_limit: 500,
        },
        Some(DATABASE.into()),
    );
    seed_results(
        &[
            ("contactid", "varchar"),
            ("agent", "varchar"),
            ("duration", "double"),
        ],
        &[vec![Some("c-1"), Some("O'Brien"), Some("12.5")]],
    )
    .await;
    let hostile = "O'Brien'; DROP TABLE gsi_export; --";
    let started = service
        .submit(&ReportRequest::ByAgent {
            agent: hostile.into(),
            limit: Some(9999),
        })
        .await
        .expect("started");
    let id = started.query_execution_id;
    let exec = execution(&id).await;
    let sql = exec.query().expect("sql");
    assert!(
        sql.contains("\"agent\" = ?") && !sql.contains("Brien"),
        "{sql}"
    );
    assert!(sql.ends_with("LIMIT 500"), "the limit is capped: {sql}");
    assert_eq!(
        exec.execution_parameters(),
        ["'O''Brien''; DROP TABLE gsi_export; --'".to_string()]
    );
    // The page: typed, header dropped.
    let page = loop {
        let page = service.results(&id, None, 100).await.expect("page");
        if page.state.is_done() {
            break page;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(
        page.rows,
        vec![vec![json!("c-1"), json!("O'Brien"), json!(12.5)]]
    );
    // Download: a presigned redirect to Athena's result object.
    let Download::Redirect(url) = service.download(&id).await.expect("download") else {
        panic!("Athena downloads redirect");
    };
    assert!(
        url.contains(&format!("/{bucket}/results/{id}.csv?")),
        "{url}"
    );

    // Custom SQL passes the guard (qualified with the Athena database) and gets a limit.
    let started = service
        .submit(&ReportRequest::Custom {
            sql: format!("SELECT channel, count(*) FROM {DATABASE}.gsi_export GROUP BY channel"),
            limit: None,
        })
        .await
        .expect("custom SQL accepted");
    let exec = execution(&started.query_execution_id).await;
    assert!(exec.query().expect("sql").ends_with("LIMIT 500"));
}
