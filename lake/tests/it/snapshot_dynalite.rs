//! Monthly snapshots against a real local DynamoDB (dynalite), shaped like seed 000's table.

use crate::support;

use std::collections::BTreeSet;
use std::io::Read;

use aws_sdk_dynamodb::types::ScalarAttributeType as T;
use chrono::{DateTime, Duration, NaiveDate, Utc};
use flate2::read::GzDecoder;
use lake::dynamo::{TableSpec, batch_write, create_table};
use lake::format::item::{AttrValue, Item};
use lake::ingest::snapshot::{SnapshotManifest, SnapshotSpec, snapshot, snapshot_dir};
use sha2::{Digest, Sha256};

/// Seed 000's submissions: user_id + timestamp_utc keys, datum (dd.mm.yyyy) and datum_iso.
fn submissions() -> Vec<Item> {
    let start = NaiveDate::from_ymd_opt(2025, 1, 1).expect("valid");
    (0..600)
        .map(|i| {
            let day = start + Duration::days(i % 90);
            let mut item = Item::new();
            item.insert("user_id".into(), AttrValue::S(format!("user-{}", i % 7)));
            item.insert(
                "timestamp_utc".into(),
                AttrValue::S(format!("{day}T{:02}:{:02}:00Z", i % 24, i % 60)),
            );
            item.insert(
                "datum".into(),
                AttrValue::S(day.format("%d.%m.%Y").to_string()),
            );
            item.insert("datum_iso".into(), AttrValue::S(day.to_string()));
            item.insert("verbrauch".into(), AttrValue::N(format!("{}.5", i % 40)));
            if i % 5 == 0 {
                item.insert(
                    "kommentar".into(),
                    AttrValue::S("Zählerstand \"geschätzt\", bitte prüfen".into()),
                );
            }
            item
        })
        .collect()
}

async fn table(
    name: &str,
) -> (
    aws_sdk_dynamodb::Client,
    lake::dynamo::DynamoConfig,
    String,
    Vec<Item>,
) {
    let cfg = support::config();
    let client = lake::dynamo::client(&cfg).await;
    let table = format!("{name}-{}", std::process::id());
    let spec = TableSpec {
        name: table.clone(),
        hash: ("user_id".into(), T::S),
        range: Some(("timestamp_utc".into(), T::S)),
        indexes: vec![],
    };
    create_table(&client, &cfg, &spec).await.expect("table");
    let items = submissions();
    batch_write(&client, &cfg, &table, &items)
        .await
        .expect("load");
    (client, cfg, table, items)
}

fn spec(table: &str, dest: &std::path::Path, at: DateTime<Utc>) -> SnapshotSpec {
    SnapshotSpec {
        table: table.into(),
        filter_attr: "datum_iso".into(),
        year: 2025,
        month: 2,
        dest: dest.to_path_buf(),
        prefix: "exports".into(),
        name: "submissions".into(),
        segments: 3,
        part_items: 20,
        dry_run: false,
        at,
    }
}

fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s)
        .expect("valid")
        .with_timezone(&Utc)
}

#[tokio::test]
async fn a_month_snapshot_has_exactly_that_month_and_verifiable_parts() {
    let (client, cfg, table, items) = table("snap").await;
    let dest = tempfile::tempdir().expect("tempdir");
    let s = spec(&table, dest.path(), at("2025-03-05T10:11:12Z"));
    let report = snapshot(&client, &cfg, &s).await.expect("snapshot");
    let dir = dest
        .path()
        .join("exports/submissions/year=2025/month=02/snapshot_at=2025-03-05T101112Z");
    assert_eq!(report.dir, dir);

    let want: BTreeSet<String> = items
        .iter()
        .filter(|i| matches!(&i["datum_iso"], AttrValue::S(d) if d.starts_with("2025-02-")))
        .map(|i| match &i["timestamp_utc"] {
            AttrValue::S(t) => t.clone(),
            _ => unreachable!(),
        })
        .collect();
    let manifest: SnapshotManifest =
        serde_json::from_slice(&std::fs::read(dir.join("manifest.json")).expect("manifest"))
            .expect("json");
    assert_eq!(
        manifest.item_count as usize,
        items
            .iter()
            .filter(|i| matches!(&i["datum_iso"], AttrValue::S(d) if d.starts_with("2025-02-")))
            .count()
    );
    assert!(manifest.parts.len() > 1, "part rotation");

    let mut got = BTreeSet::new();
    let mut lines = 0;
    for part in &manifest.parts {
        let bytes = std::fs::read(dir.join(&part.key)).expect("part");
        assert_eq!(bytes.len() as u64, part.bytes, "{} bytes", part.key);
        let digest: String = Sha256::digest(&bytes)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert_eq!(digest, part.sha256, "{} sha256", part.key);
        let mut text = String::new();
        GzDecoder::new(&bytes[..])
            .read_to_string(&mut text)
            .expect("gzip");
        for line in text.lines() {
            let v: serde_json::Value = serde_json::from_str(line).expect("json line");
            assert!(
                v["datum_iso"]
                    .as_str()
                    .expect("datum_iso")
                    .starts_with("2025-02-")
            );
            got.insert(v["timestamp_utc"].as_str().expect("ts").to_string());
            lines += 1;
        }
    }
    assert_eq!(lines as u64, manifest.item_count);
    assert_eq!(got.len(), want.len());
    assert_eq!(
        manifest
            .schema
            .column_by_sql_name("verbrauch")
            .map(|c| c.ty),
        Some(lake::format::contract::ColumnType::Double)
    );
}

#[tokio::test]
async fn snapshots_never_overwrite_each_other_and_dry_runs_write_nothing() {
    let (client, cfg, table, _) = table("snap2").await;
    let dest = tempfile::tempdir().expect("tempdir");
    let first = spec(&table, dest.path(), at("2025-03-01T00:00:00Z"));
    snapshot(&client, &cfg, &first).await.expect("first");
    snapshot(
        &client,
        &cfg,
        &spec(&table, dest.path(), at("2025-03-01T00:00:01Z")),
    )
    .await
    .expect("second");
    let err = snapshot(&client, &cfg, &first)
        .await
        .expect_err("same second again");
    assert!(err.to_string().contains("already exists"), "{err}");
    let month = dest.path().join("exports/submissions/year=2025/month=02");
    assert_eq!(std::fs::read_dir(&month).expect("month").count(), 2);

    let dry_dest = tempfile::tempdir().expect("tempdir");
    let dry = SnapshotSpec {
        dry_run: true,
        ..spec(&table, dry_dest.path(), at("2025-03-02T00:00:00Z"))
    };
    let report = snapshot(&client, &cfg, &dry).await.expect("dry run");
    assert!(report.items > 0);
    assert_eq!(report.dir, dry_dest.path().join(snapshot_dir(&dry)));
    assert_eq!(
        std::fs::read_dir(dry_dest.path()).expect("dest").count(),
        0,
        "a dry run wrote something"
    );
}
