//! A real local DynamoDB (dynalite, from tests/node_modules) for the tests: started once per test
//! binary on a free port, in memory, and gone when the test binary exits (it watches its stdin).

#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::{Mutex, OnceLock};

use aws_sdk_dynamodb::types::ScalarAttributeType as T;
use lake::dynamo::{DynamoConfig, TableSpec, batch_write, create_table};
use lake::item::Item;

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
