//! Lakes, snapshots and native exports in S3, against a real S3-compatible server with signature
//! checks (s3s-fs): what lands in the bucket is read back from the server's folder.

use crate::support;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::{DateTime, NaiveDate, Utc};
use datafusion::parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use lake::format::dates::DateFormat;
use lake::format::item::Item;
use lake::ingest::convert::{ConvertSpec, convert_into};
use lake::ingest::export::{ExportSpec, ReadPlan, export_into};
use lake::ingest::native_fixture::write_native_export;
use lake::ingest::range::TimeRange;
use lake::ingest::staging::Counters;
use lake::sample::{SORT_KEY_ATTR, SampleSpec, generate};
use lake::storage::{Lake, Location, S3Prefix};
use lake::storage::{Manifest, WriteMode};

fn sample(items: usize, seed: u64) -> Vec<Item> {
    generate(&SampleSpec {
        seed,
        items,
        days: 20,
        end: NaiveDate::from_ymd_opt(2026, 3, 10).expect("valid"),
    })
}

fn t(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s)
        .expect("valid")
        .with_timezone(&Utc)
}

fn everything() -> TimeRange {
    TimeRange::new(t("2000-01-01T00:00:00Z"), t("2100-01-01T00:00:00Z")).expect("range")
}

fn s3_location(bucket: &str, prefix: &str) -> Location {
    Location::parse("--lake", &format!("s3://{bucket}/{prefix}")).expect("location")
}

fn scan_spec(table: &str, mode: WriteMode) -> ExportSpec {
    ExportSpec {
        table: table.into(),
        plan: ReadPlan::Scan { segments: 2 },
        sk_attr: SORT_KEY_ATTR.into(),
        date_format: DateFormat::Iso,
        range: everything(),
        extra_date_column: Some("report_date".into()),
        mode,
        numbers: Default::default(),
        dry_run: false,
    }
}

/// Every object under `dir` (the bucket's folder on the server's disk), relative, sorted.
fn objects(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(p.strip_prefix(dir).expect("inside").display().to_string());
            }
        }
    }
    out.sort();
    out
}

fn data_objects(dir: &Path) -> Vec<String> {
    objects(dir)
        .into_iter()
        .filter(|o| o.ends_with(".parquet"))
        .collect()
}

/// Rows per `year=/month=/day=` folder, read from the Parquet objects themselves.
fn rows_per_day(dir: &Path) -> BTreeMap<String, u64> {
    let mut out = BTreeMap::new();
    for o in data_objects(dir) {
        let file = std::fs::File::open(dir.join(&o)).expect("object");
        let reader = ParquetRecordBatchReaderBuilder::try_new(file)
            .expect("parquet")
            .build()
            .expect("reader");
        let rows: usize = reader.map(|b| b.expect("batch").num_rows()).sum();
        let parts: Vec<&str> = o.split('/').collect();
        let day = format!(
            "{}-{}-{}",
            &parts[0]["year=".len()..],
            &parts[1]["month=".len()..],
            &parts[2]["day=".len()..]
        );
        *out.entry(day).or_default() += rows as u64;
    }
    out
}

fn want_per_day(items: &[Item]) -> BTreeMap<String, u64> {
    let mut out = BTreeMap::new();
    for i in items {
        let at = DateFormat::Iso
            .parse_value(&i[SORT_KEY_ATTR])
            .expect("date");
        *out.entry(at.date_naive().to_string()).or_default() += 1;
    }
    out
}

fn manifest(dir: &Path) -> Manifest {
    serde_json::from_slice(
        &std::fs::read(dir.join("_dynamo_lake/manifest.json")).expect("manifest"),
    )
    .expect("manifest json")
}

#[tokio::test]
async fn export_to_s3_writes_every_partition_and_the_manifest_last() {
    let items = sample(3_000, 5);
    let (client, cfg, table) = support::sample_table("s3-export", &items).await;
    let (s3, bucket) = support::s3_bucket("lake");
    let lake = Lake::open(s3_location(&bucket, "exports/ctr"), &s3)
        .await
        .expect("lake opens");
    let report = export_into(
        &client,
        &cfg,
        &scan_spec(&table, WriteMode::Overwrite),
        &lake,
        Arc::new(Counters::default()),
    )
    .await
    .expect("export runs");
    let root = support::s3_bucket_dir(&bucket).join("exports/ctr");
    assert_eq!(rows_per_day(&root), want_per_day(&items));
    assert_eq!(report.items_written, items.len() as u64);

    // The manifest lists exactly the data objects in the bucket, with their sizes.
    let m = manifest(&root);
    let listed: Vec<String> = m.files.iter().map(|f| f.path.clone()).collect();
    assert_eq!(listed, data_objects(&root));
    for f in &m.files {
        let size = std::fs::metadata(root.join(&f.path)).expect("object").len();
        assert_eq!(size, f.bytes, "{}", f.path);
    }
    // The embedded engine reads the S3 lake directly, results going to an S3 prefix too.
    let engine = lake::query::datafusion::LakeEngine::open_at(lake.location(), &s3, "gsi_export")
        .await
        .expect("engine over s3");
    let daily = engine.daily(None).await.expect("daily");
    let got: BTreeMap<String, u64> = daily.iter().map(|d| (d.day.to_string(), d.rows)).collect();
    assert_eq!(got, want_per_day(&items));
    let results = lake::query::results::ResultStore::S3(
        S3Prefix::connect(&s3, &bucket, "results")
            .await
            .expect("client"),
    );
    let service = lake::query::service::QueryService::new(
        lake::query::service::Backend::DataFusion {
            engine: Arc::new(engine),
            results,
        },
        lake::query::reports::ReportSchema {
            table: "gsi_export".into(),
            agent: "agent".into(),
            contact: "contactid".into(),
            channel: "channel".into(),
            time: None,
            max_limit: 100,
        },
        None,
    );
    let started = service
        .submit(&lake::query::reports::ReportRequest::AllRecords { limit: Some(7) })
        .await
        .expect("query runs");
    let page = service
        .results(&started.query_execution_id, None, 100)
        .await
        .expect("results from S3");
    assert_eq!(page.rows.len(), 7);
    assert!(
        support::s3_bucket_dir(&bucket)
            .join(format!("results/{}.csv", started.query_execution_id))
            .exists()
    );

    // Nothing of the local work folder leaks into the bucket.
    assert!(
        objects(&root)
            .iter()
            .all(|o| !o.contains("staging") && !o.ends_with(".tmp")),
        "{:?}",
        objects(&root)
    );
}

#[tokio::test]
async fn overwrite_to_s3_is_idempotent_and_append_adds_files() {
    let items = sample(1_500, 6);
    let (client, cfg, table) = support::sample_table("s3-modes", &items).await;
    let (s3, bucket) = support::s3_bucket("modes");
    let root = support::s3_bucket_dir(&bucket).join("lake");
    let run = |mode| {
        let (client, cfg, table, s3, bucket) = (
            client.clone(),
            cfg.clone(),
            table.clone(),
            s3.clone(),
            bucket.clone(),
        );
        async move {
            let lake = Lake::open(s3_location(&bucket, "lake"), &s3)
                .await
                .expect("lake opens");
            export_into(
                &client,
                &cfg,
                &scan_spec(&table, mode),
                &lake,
                Arc::new(Counters::default()),
            )
            .await
            .expect("export runs")
        }
    };
    run(WriteMode::Overwrite).await;
    let first: Vec<(String, Vec<u8>)> = data_objects(&root)
        .into_iter()
        .map(|o| (o.clone(), std::fs::read(root.join(&o)).expect("read")))
        .collect();
    run(WriteMode::Overwrite).await;
    let second: Vec<(String, Vec<u8>)> = data_objects(&root)
        .into_iter()
        .map(|o| (o.clone(), std::fs::read(root.join(&o)).expect("read")))
        .collect();
    assert_eq!(first, second, "overwrite twice gives the same objects");
    let days = first.len();

    run(WriteMode::Append).await;
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    run(WriteMode::Append).await;
    // Every partition: data.parquet plus two appended files; counts triple.
    assert_eq!(data_objects(&root).len(), days * 3);
    let want: BTreeMap<String, u64> = want_per_day(&items)
        .into_iter()
        .map(|(d, n)| (d, n * 3))
        .collect();
    assert_eq!(rows_per_day(&root), want);
    assert_eq!(manifest(&root).files.len(), days * 3);

    // Overwriting again removes the appended objects and their manifest entries.
    run(WriteMode::Overwrite).await;
    assert_eq!(data_objects(&root).len(), days);
    assert_eq!(rows_per_day(&root), want_per_day(&items));
    let listed: Vec<String> = manifest(&root).files.into_iter().map(|f| f.path).collect();
    assert_eq!(listed, data_objects(&root));
}

#[tokio::test]
async fn large_files_go_up_as_completed_multipart_uploads() {
    let (s3, bucket) = support::s3_bucket("multipart");
    let prefix = S3Prefix::connect(&s3, &bucket, "big")
        .await
        .expect("client");
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("big.bin");
    // 21 MiB of non-repeating bytes: three parts of 8 MiB (the last one short).
    let mut state = 7u64;
    let bytes: Vec<u8> = (0..21 * 1024 * 1024)
        .map(|_| {
            state = state.wrapping_mul(6364136223846793005).wrapping_add(1);
            (state >> 56) as u8
        })
        .collect();
    std::fs::write(&path, &bytes).expect("write");
    let size = prefix.upload(&path, "x/big.bin").await.expect("uploads");
    assert_eq!(size, bytes.len() as u64);
    let stored = std::fs::read(support::s3_bucket_dir(&bucket).join("big/x/big.bin"))
        .expect("object exists");
    assert!(stored == bytes, "the object equals the file");
}

async fn upload_folder(prefix: &S3Prefix, dir: &Path, base: &Path) {
    for entry in std::fs::read_dir(dir).expect("dir").flatten() {
        let p = entry.path();
        if p.is_dir() {
            Box::pin(upload_folder(prefix, &p, base)).await;
        } else {
            let rel = p.strip_prefix(base).expect("inside").display().to_string();
            prefix.upload(&p, &rel).await.expect("upload");
        }
    }
}

fn convert_spec() -> ConvertSpec {
    ConvertSpec {
        source: PathBuf::new(),
        sk_attr: SORT_KEY_ATTR.into(),
        date_format: DateFormat::Iso,
        extra_date_column: None,
        mode: WriteMode::Overwrite,
        numbers: Default::default(),
        dry_run: false,
        threads: 2,
    }
}

#[tokio::test]
async fn a_native_export_in_s3_converts_into_an_s3_lake() {
    let items = sample(4_000, 8);
    let local = tempfile::tempdir().expect("tempdir");
    write_native_export(
        local.path(),
        "01700000000000-abcdef12",
        "t",
        items.clone(),
        700,
    )
    .expect("fixture");
    let (s3, bucket) = support::s3_bucket("native");
    let source = S3Prefix::connect(&s3, &bucket, "ddb-exports")
        .await
        .expect("client");
    upload_folder(&source, local.path(), local.path()).await;

    let lake = Lake::open(s3_location(&bucket, "lake"), &s3)
        .await
        .expect("lake opens");
    let report = convert_into(
        convert_spec(),
        &Location::parse("--source", &format!("s3://{bucket}/ddb-exports")).expect("source"),
        &s3,
        &lake,
        Arc::new(Counters::default()),
    )
    .await
    .expect("converts");
    assert_eq!(report.items_read, items.len() as u64);
    let root = support::s3_bucket_dir(&bucket).join("lake");
    assert_eq!(rows_per_day(&root), want_per_day(&items));
}

#[tokio::test]
async fn a_damaged_export_in_s3_is_refused_and_nothing_is_written() {
    let items = sample(1_000, 9);
    let local = tempfile::tempdir().expect("tempdir");
    let export = write_native_export(local.path(), "exp-bad", "t", items, 300).expect("fixture");
    // Damage one data file after its MD5 was recorded.
    let data = export.join("data");
    let victim = std::fs::read_dir(&data)
        .expect("data")
        .flatten()
        .map(|e| e.path())
        .min()
        .expect("a data file");
    let mut bytes = std::fs::read(&victim).expect("read");
    let last = bytes.len() - 1;
    bytes[last] ^= 0xff;
    std::fs::write(&victim, bytes).expect("write");
    let (s3, bucket) = support::s3_bucket("damaged");
    let source = S3Prefix::connect(&s3, &bucket, "x").await.expect("client");
    upload_folder(&source, local.path(), local.path()).await;

    let lake = Lake::open(s3_location(&bucket, "lake"), &s3)
        .await
        .expect("lake opens");
    let err = convert_into(
        convert_spec(),
        &Location::parse("--source", &format!("s3://{bucket}/x/AWSDynamoDB/exp-bad"))
            .expect("source"),
        &s3,
        &lake,
        Arc::new(Counters::default()),
    )
    .await
    .expect_err("refused")
    .to_string();
    let name = victim
        .file_name()
        .expect("name")
        .to_string_lossy()
        .to_string();
    assert!(err.contains(&name) && err.contains("MD5"), "{err}");
    assert!(objects(&support::s3_bucket_dir(&bucket).join("lake")).is_empty());
}

#[tokio::test]
async fn s3_errors_name_the_location() {
    let (s3, _) = support::s3_bucket("errors");
    let err = Lake::open(s3_location("no-such-bucket-here", "lake"), &s3)
        .await
        .expect_err("no bucket")
        .to_string();
    assert!(err.contains("s3://no-such-bucket-here/lake"), "{err}");

    let unreachable = lake::storage::S3Config {
        endpoint_url: Some("http://127.0.0.1:9".into()),
        region: Some("us-east-1".into()),
    };
    let err = Lake::open(s3_location("b", "p"), &unreachable)
        .await
        .expect_err("unreachable")
        .to_string();
    assert!(
        err.contains("s3://b/p") && err.contains("cannot reach"),
        "{err}"
    );
}

#[tokio::test]
async fn a_snapshot_goes_to_s3_with_its_manifest() {
    let mut items = sample(800, 10);
    for (n, i) in items.iter_mut().enumerate() {
        let day = 1 + (n % 28) as u32;
        i.insert(
            "datum_iso".into(),
            lake::format::item::AttrValue::S(format!("2026-02-{day:02}")),
        );
    }
    let (client, cfg, table) = support::sample_table("s3-snap", &items).await;
    let (s3, bucket) = support::s3_bucket("snap");
    let dest = Lake::open(
        Location::parse("--dest", &format!("s3://{bucket}")).expect("dest"),
        &s3,
    )
    .await
    .expect("dest opens");
    let spec = lake::ingest::snapshot::SnapshotSpec {
        table: table.clone(),
        filter_attr: "datum_iso".into(),
        year: 2026,
        month: 2,
        dest: PathBuf::new(),
        prefix: "exports".into(),
        name: "contacts".into(),
        segments: 2,
        part_items: 300,
        dry_run: false,
        at: t("2026-03-01T02:03:04Z"),
    };
    let report = lake::ingest::snapshot::snapshot_into(&client, &cfg, spec, &dest)
        .await
        .expect("snapshot");
    assert_eq!(report.items, items.len() as u64);
    let folder = "exports/contacts/year=2026/month=02/snapshot_at=2026-03-01T020304Z";
    assert_eq!(
        report.dir.display().to_string(),
        format!("s3://{bucket}/{folder}")
    );
    let dir = support::s3_bucket_dir(&bucket).join(folder);
    let m: lake::ingest::snapshot::SnapshotManifest =
        serde_json::from_slice(&std::fs::read(dir.join("manifest.json")).expect("manifest"))
            .expect("json");
    assert_eq!(m.item_count, items.len() as u64);
    assert_eq!(m.parts.len(), 3);
    for p in &m.parts {
        let bytes = std::fs::read(dir.join(&p.key)).expect("part");
        assert_eq!(bytes.len() as u64, p.bytes);
        use sha2::Digest;
        let sum: String = sha2::Sha256::digest(&bytes)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert_eq!(sum, p.sha256, "{}", p.key);
    }
}
