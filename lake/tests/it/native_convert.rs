//! Converting AWS native Export-to-S3 folders (generated here in AWS's format) into the lake.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use chrono::NaiveDate;
use datafusion::parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use lake::format::dates::DateFormat;
use lake::format::item::{AttrValue, Item};
use lake::ingest::convert::{ConvertSpec, convert};
use lake::ingest::native_fixture::write_native_export;
use lake::ingest::staging::Counters;
use lake::sample::{SORT_KEY_ATTR, SampleSpec, generate};
use lake::storage::{Manifest, WriteMode};

fn items(n: usize) -> Vec<Item> {
    generate(&SampleSpec {
        seed: 21,
        items: n,
        days: 60,
        end: NaiveDate::from_ymd_opt(2026, 6, 30).expect("valid"),
    })
}

fn spec(source: &Path) -> ConvertSpec {
    ConvertSpec {
        source: source.to_path_buf(),
        sk_attr: SORT_KEY_ATTR.into(),
        date_format: DateFormat::Iso,
        extra_date_column: Some("report_date".into()),
        mode: WriteMode::Overwrite,
        numbers: Default::default(),
        dry_run: false,
        threads: 2,
    }
}

fn parquet_files(lake: &Path) -> usize {
    if !lake.exists() {
        return 0;
    }
    let mut n = 0;
    let mut stack = vec![lake.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).expect("dir").flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "parquet") {
                n += 1;
            }
        }
    }
    n
}

#[test]
fn a_100k_item_export_converts_with_the_same_counts_per_day() {
    let source = items(100_000);
    let dir = tempfile::tempdir().expect("tempdir");
    write_native_export(
        dir.path(),
        "01700000000000-abcdef12",
        "contacts",
        source.clone(),
        20_000,
    )
    .expect("fixture");
    let lake = dir.path().join("lake");
    // Point at the folder holding AWSDynamoDB/, as an S3 prefix would be copied down.
    let report =
        convert(&spec(dir.path()), &lake, Arc::new(Counters::default())).expect("converts");

    let mut want: BTreeMap<String, u64> = BTreeMap::new();
    for i in &source {
        let AttrValue::S(ts) = &i[SORT_KEY_ATTR] else {
            panic!("timestamp")
        };
        *want.entry(ts[..10].to_string()).or_default() += 1;
    }
    assert_eq!(report.partitions, want);
    assert_eq!(report.items_read, 100_000);
    assert_eq!(report.table, "contacts");

    let manifest = Manifest::read(&lake).expect("manifest");
    assert_eq!(manifest.files.len(), want.len());
    let schema = manifest.contract.arrow_schema();
    for f in &manifest.files {
        let file = std::fs::File::open(lake.join(&f.path)).expect("file");
        let builder = ParquetRecordBatchReaderBuilder::try_new(file).expect("parquet");
        assert_eq!(
            builder.schema().as_ref(),
            schema.as_ref(),
            "{} differs from the contract",
            f.path
        );
        assert_eq!(builder.metadata().file_metadata().num_rows() as u64, f.rows);
    }
}

fn rewrite_manifest_line(export: &Path, index: usize, edit: impl Fn(&mut serde_json::Value)) {
    let path = export.join("manifest-files.json");
    let text = std::fs::read_to_string(&path).expect("manifest");
    let lines: Vec<String> = text
        .lines()
        .enumerate()
        .map(|(i, l)| {
            let mut v: serde_json::Value = serde_json::from_str(l).expect("json");
            if i == index {
                edit(&mut v);
            }
            v.to_string()
        })
        .collect();
    std::fs::write(&path, lines.join("\n") + "\n").expect("write");
}

fn refused(dir: &Path, needle: &str) {
    let lake = dir.join("lake");
    let err = convert(&spec(dir), &lake, Arc::new(Counters::default())).expect_err("refused");
    let msg = err.to_string();
    assert!(msg.contains(needle), "expected {needle:?} in: {msg}");
    assert_eq!(parquet_files(&lake), 0, "something was written");
    assert!(!lake.join("_dynamo_lake/manifest.json").exists());
}

#[test]
fn a_wrong_md5_is_refused_naming_the_file_and_nothing_is_written() {
    let dir = tempfile::tempdir().expect("tempdir");
    let export =
        write_native_export(dir.path(), "exp-md5", "t", items(3_000), 1_000).expect("fixture");
    rewrite_manifest_line(&export, 1, |v| {
        v["md5Checksum"] = "AAAAAAAAAAAAAAAAAAAAAA==".into()
    });
    refused(dir.path(), "data/0001-exp-md5.json.gz: its MD5 is");
}

#[test]
fn a_wrong_item_count_is_refused_naming_the_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let export =
        write_native_export(dir.path(), "exp-count", "t", items(3_000), 1_000).expect("fixture");
    rewrite_manifest_line(&export, 2, |v| v["itemCount"] = 999.into());
    // The summary's total no longer matches either; fix it so the per-file check is what fails.
    let summary = export.join("manifest-summary.json");
    let mut s: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&summary).expect("read")).expect("json");
    s["itemCount"] = 2_999.into();
    std::fs::write(&summary, s.to_string()).expect("write");
    refused(
        dir.path(),
        "data/0002-exp-count.json.gz: holds 1000 items but manifest-files.json says 999",
    );
}

#[test]
fn a_damaged_data_file_is_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let export =
        write_native_export(dir.path(), "exp-bad", "t", items(2_000), 1_000).expect("fixture");
    let data = export.join("data/0000-exp-bad.json.gz");
    let mut bytes = std::fs::read(&data).expect("read");
    let mid = bytes.len() / 2;
    bytes[mid] ^= 0xff;
    std::fs::write(&data, bytes).expect("write");
    refused(dir.path(), "data/0000-exp-bad.json.gz");
}

#[test]
fn incremental_exports_are_refused_with_a_reason() {
    let dir = tempfile::tempdir().expect("tempdir");
    let export = write_native_export(dir.path(), "exp-inc", "t", items(10), 10).expect("fixture");
    let summary = export.join("manifest-summary.json");
    let mut s: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&summary).expect("read")).expect("json");
    s["exportType"] = "INCREMENTAL_EXPORT".into();
    std::fs::write(&summary, s.to_string()).expect("write");
    refused(dir.path(), "only full exports can be converted");
}

#[test]
fn a_folder_without_an_export_says_where_to_point() {
    let dir = tempfile::tempdir().expect("tempdir");
    refused(dir.path(), "point --source at the export folder");
}
