//! A real local DynamoDB (dynalite, from tests/node_modules) for the tests: started once per test
//! binary on a free port, in memory, and gone when the test binary exits (it watches its stdin).

#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::{Mutex, OnceLock};

use aws_sdk_dynamodb::types::ScalarAttributeType as T;
use lake::dynamo::{DynamoConfig, TableSpec, batch_write, create_table};
use lake::format::item::Item;

struct Dynalite {
    endpoint: String,
    _child: Child,
    _stdin: ChildStdin,
}

static SERVER: OnceLock<Mutex<Dynalite>> = OnceLock::new();

fn node_modules() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/node_modules")
}

fn start() -> Dynalite {
    let modules = node_modules();
    assert!(
        modules.join("dynalite").exists(),
        "dynalite is not installed: run ./dev bootstrap"
    );
    let mut child = Command::new("node")
        .arg(modules.join("../dynalite.js"))
        .args(["0", "--until-stdin-closes"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("node starts dynalite");
    let stdin = child.stdin.take().expect("stdin");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("dynalite prints its port");
    let port = line
        .trim()
        .strip_prefix("port ")
        .expect("port line")
        .to_string();
    Dynalite {
        endpoint: format!("http://127.0.0.1:{port}"),
        _child: child,
        _stdin: stdin,
    }
}

/// The local DynamoDB's configuration (fake credentials are applied for loopback endpoints).
pub fn config() -> DynamoConfig {
    let server = SERVER.get_or_init(|| Mutex::new(start()));
    let endpoint = server.lock().expect("not poisoned").endpoint.clone();
    DynamoConfig {
        endpoint_url: Some(endpoint),
        region: Some("us-east-1".into()),
    }
}

/// A fresh, uniquely named table shaped like the sample's (pk ContactId, sk InitiationTimestamp,
/// GSI `by-type` on RecordType + InitiationTimestamp), loaded with `items`.
pub async fn sample_table(
    prefix: &str,
    items: &[Item],
) -> (aws_sdk_dynamodb::Client, DynamoConfig, String) {
    let cfg = config();
    let client = lake::dynamo::client(&cfg).await;
    let name = format!(
        "{prefix}-{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
    );
    let spec = TableSpec {
        name: name.clone(),
        hash: ("ContactId".into(), T::S),
        range: Some(("InitiationTimestamp".into(), T::S)),
        indexes: vec![lake::dynamo::IndexSpec {
            name: "by-type".into(),
            hash: ("RecordType".into(), T::S),
            range: Some(("InitiationTimestamp".into(), T::S)),
        }],
    };
    create_table(&client, &cfg, &spec)
        .await
        .expect("table created");
    batch_write(&client, &cfg, &name, items)
        .await
        .expect("items loaded");
    (client, cfg, name)
}

static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// A stand-in started by `tests/stand-in.py`: it stops when this process exits (its stdin closes).
struct StandIn {
    endpoint: String,
    _child: Child,
    _stdin: ChildStdin,
}

fn start_stand_in(args: &[&str]) -> StandIn {
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/stand-in.py");
    let mut child = Command::new("python3")
        .arg(&script)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("python3 runs tests/stand-in.py");
    let stdin = child.stdin.take().expect("stdin");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("the stand-in prints its port");
    let port = line
        .trim()
        .strip_prefix("port ")
        .unwrap_or_else(|| panic!("{args:?} did not start (see its message above)"))
        .to_string();
    StandIn {
        endpoint: format!("http://127.0.0.1:{port}"),
        _child: child,
        _stdin: stdin,
    }
}

struct S3sFs {
    server: StandIn,
    root: tempfile::TempDir,
}

static S3S: OnceLock<S3sFs> = OnceLock::new();

fn s3s() -> &'static S3sFs {
    S3S.get_or_init(|| {
        let root = tempfile::tempdir().expect("temp dir");
        let server = start_stand_in(&["s3s-fs", &root.path().to_string_lossy()]);
        S3sFs { server, root }
    })
}

/// A local S3 (s3s-fs, real SigV4 checks) with a fresh, empty bucket; returns its configuration
/// and the bucket's name.
pub fn s3_bucket(prefix: &str) -> (lake::storage::S3Config, String) {
    let s3 = s3s();
    let bucket = format!(
        "{prefix}-{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
    );
    // s3s-fs keeps each bucket as a folder of its root.
    std::fs::create_dir_all(s3.root.path().join(&bucket)).expect("bucket folder");
    (
        lake::storage::S3Config {
            endpoint_url: Some(s3.server.endpoint.clone()),
            region: Some("us-east-1".into()),
        },
        bucket,
    )
}

/// The folder where s3s-fs keeps `bucket`'s objects (to check what a test wrote).
pub fn s3_bucket_dir(bucket: &str) -> PathBuf {
    s3s().root.path().join(bucket)
}

static MOTO: OnceLock<StandIn> = OnceLock::new();

/// A moto server's endpoint (started once per test binary).
pub fn moto_endpoint() -> String {
    MOTO.get_or_init(|| start_stand_in(&["moto"]))
        .endpoint
        .clone()
}
