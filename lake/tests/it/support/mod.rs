//! The lake tests' stand-ins (from the `test-support` crate): dynalite, s3s-fs and moto, each
//! started once per test binary on a free port and gone when the binary exits; plus tables and
//! buckets named uniquely so test areas share them safely.

#![allow(dead_code)]

use std::path::PathBuf;
use std::sync::{Mutex, OnceLock};

use aws_sdk_dynamodb::types::ScalarAttributeType as T;
use lake::dynamo::{DynamoConfig, TableSpec, batch_write, create_table};
use lake::format::item::Item;
use test_support::StandIn;

static SERVER: OnceLock<Mutex<StandIn>> = OnceLock::new();

/// The local DynamoDB's configuration (fake credentials are applied for loopback endpoints).
pub fn config() -> DynamoConfig {
    let server = SERVER.get_or_init(|| Mutex::new(test_support::dynalite()));
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

struct S3sFs {
    server: StandIn,
    root: tempfile::TempDir,
}

static S3S: OnceLock<S3sFs> = OnceLock::new();

fn s3s() -> &'static S3sFs {
    S3S.get_or_init(|| {
        let root = tempfile::tempdir().expect("temp dir");
        let server = test_support::s3s_fs(root.path());
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
    MOTO.get_or_init(test_support::moto).endpoint.clone()
}
