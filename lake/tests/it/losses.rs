//! Nothing is lost without a word: a corrupt manifest stops a run (the files it listed stay), an
//! attribute of several types keeps every value, a value the lake's contract cannot hold sends its
//! item to the rejects file, exact numbers stay exact, and no user string panics the pipeline.

use crate::support;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use datafusion::arrow::array::{Array, AsArray};
use datafusion::arrow::datatypes::{DataType, Decimal128Type};
use datafusion::parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use lake::LakeError;
use lake::format::contract::ColumnType;
use lake::format::dates::DateFormat;
use lake::format::item::{AttrValue, Item, parse_item_line};
use lake::format::number::{Decimal, NumberMode};
use lake::ingest::convert::{ConvertSpec, convert};
use lake::ingest::export::{ExportSpec, ReadPlan, export};
use lake::ingest::native_fixture::write_native_export;
use lake::ingest::range::TimeRange;
use lake::ingest::staging::Counters;
use lake::query::datafusion::{DEFAULT_TABLE, LakeEngine};
use lake::query::results::rows_of;
use lake::storage::layout::MANIFEST;
use lake::storage::{Manifest, WriteMode};

fn item(json: &str) -> Item {
    parse_item_line(json).expect("valid item")
}

/// Items of one day whose `x` is a number in some and a string (or a boolean) in others.
fn mixed_items() -> Vec<Item> {
    (0..40)
        .map(|i| {
            let x = match i % 4 {
                0 => format!(r#"{{"S":"text {i} é"}}"#),
                1 => r#"{"N":"12345678901234567890"}"#.to_string(),
                2 => r#"{"BOOL":true}"#.to_string(),
                _ => format!(r#"{{"N":"{i}.50"}}"#),
            };
            item(&format!(
                r#"{{"ContactId":{{"S":"c{i:03}"}},"RecordType":{{"S":"CTR"}},"InitiationTimestamp":{{"S":"2026-01-{:02}T10:00:00Z"}},"x":{x}}}"#,
                1 + i % 3
            ))
        })
        .collect()
}

/// The text a mixed column must hold for `x` of `item`.
fn expected_text(item: &Item) -> String {
    match &item["x"] {
        AttrValue::S(s) | AttrValue::N(s) => s.clone(),
        AttrValue::Bool(b) => b.to_string(),
        other => panic!("unexpected {other:?}"),
    }
}

fn convert_spec(source: &Path, numbers: NumberMode) -> ConvertSpec {
    ConvertSpec {
        source: source.to_path_buf(),
        sk_attr: "InitiationTimestamp".into(),
        date_format: DateFormat::Iso,
        extra_date_column: None,
        mode: WriteMode::Overwrite,
        numbers,
        dry_run: false,
        threads: 2,
    }
}

fn native(dir: &Path, items: Vec<Item>) -> PathBuf {
    write_native_export(dir, "01700000000000-loss0000", "losses", items, 7).expect("fixture")
}

/// Every `(ContactId, column)` value of the lake's Parquet files, as text (NULL as `None`).
fn read_column(lake: &Path, column: &str) -> Vec<(String, Option<String>)> {
    let manifest = Manifest::read(lake).expect("manifest");
    let mut out = Vec::new();
    for f in &manifest.files {
        let file = std::fs::File::open(lake.join(&f.path)).expect("data file");
        let reader = ParquetRecordBatchReaderBuilder::try_new(file)
            .expect("parquet")
            .build()
            .expect("reader");
        for batch in reader {
            let batch = batch.expect("batch");
            let ids = batch.column_by_name("ContactId").expect("ContactId");
            let ids = ids.as_string::<i32>();
            let values = batch.column_by_name(column).expect("column");
            for row in 0..batch.num_rows() {
                let value = (!values.is_null(row)).then(|| match values.data_type() {
                    DataType::Utf8 => values.as_string::<i32>().value(row).to_string(),
                    DataType::Decimal128(_, _) => {
                        values.as_primitive::<Decimal128Type>().value_as_string(row)
                    }
                    DataType::Int64 => values
                        .as_primitive::<datafusion::arrow::datatypes::Int64Type>()
                        .value(row)
                        .to_string(),
                    other => panic!("unexpected type {other}"),
                });
                out.push((ids.value(row).to_string(), value));
            }
        }
    }
    out.sort();
    out
}

fn parquet_files(lake: &Path) -> Vec<PathBuf> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            let p = e.path();
            if p.is_dir() {
                walk(&p, out);
            } else if p.extension().is_some_and(|x| x == "parquet") {
                out.push(p);
            }
        }
    }
    let mut out = Vec::new();
    walk(lake, &mut out);
    out.sort();
    out
}

#[test]
fn a_corrupt_manifest_stops_the_run_and_the_files_it_listed_stay() {
    let dir = tempfile::tempdir().expect("tempdir");
    let lake = dir.path().join("lake");
    let first = native(&dir.path().join("one"), mixed_items());
    convert(
        &convert_spec(&first, NumberMode::Double),
        &lake,
        Arc::default(),
    )
    .expect("first run");
    let manifest_path = lake.join(MANIFEST);
    let good = std::fs::read(&manifest_path).expect("manifest");
    let listed = Manifest::read(&lake).expect("manifest").files;
    let files_before = parquet_files(&lake);
    assert!(!listed.is_empty());

    // A manifest cut short (a full disk, a bad copy).
    let corrupt = good[..good.len() / 2].to_vec();
    std::fs::write(&manifest_path, &corrupt).expect("corrupt it");
    let more: Vec<Item> = mixed_items()
        .into_iter()
        .map(|mut i| {
            i.insert(
                "ContactId".into(),
                AttrValue::S(format!("new-{}", expected_text(&i))),
            );
            i
        })
        .collect();
    let second = native(&dir.path().join("two"), more);
    let err = convert(
        &convert_spec(&second, NumberMode::Double),
        &lake,
        Arc::default(),
    )
    .expect_err("a corrupt manifest is refused");
    assert!(matches!(err, LakeError::CorruptManifest { .. }), "{err:?}");
    assert!(
        err.to_string()
            .contains(&manifest_path.display().to_string()),
        "{err}"
    );
    assert_eq!(
        std::fs::read(&manifest_path).expect("manifest"),
        corrupt,
        "left as it was"
    );
    assert_eq!(
        parquet_files(&lake),
        files_before,
        "no data file written or removed"
    );
    assert!(
        !lake.join("_dynamo_lake/staging").exists(),
        "no staging left behind"
    );
    // Readers refuse it too, rather than seeing an empty lake.
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let open = rt.block_on(LakeEngine::open(&lake, DEFAULT_TABLE));
    assert!(
        matches!(open, Err(LakeError::CorruptManifest { .. })),
        "{:?}",
        open.err()
    );

    // Restored, it lists every earlier file, each still there.
    std::fs::write(&manifest_path, &good).expect("restore");
    let again = Manifest::read(&lake).expect("manifest");
    assert_eq!(again.files, listed);
    for f in &again.files {
        assert!(lake.join(&f.path).exists(), "{} is gone", f.path);
    }
}

#[test]
fn an_attribute_of_several_types_keeps_every_value_as_text() {
    let dir = tempfile::tempdir().expect("tempdir");
    let lake = dir.path().join("lake");
    let items = mixed_items();
    let source = native(&dir.path().join("src"), items.clone());
    let report = convert(
        &convert_spec(&source, NumberMode::Double),
        &lake,
        Arc::default(),
    )
    .expect("converts");
    assert_eq!(report.items_rejected, 0);
    assert_eq!(report.items_written, items.len() as u64);
    assert_eq!(
        report.mixed_types.get("x"),
        Some(&vec!["S", "N", "BOOL"]),
        "{:?}",
        report.mixed_types
    );
    let contract = Manifest::read(&lake).expect("manifest").contract;
    let x = contract.column_by_sql_name("x").expect("x");
    assert!(x.ty == ColumnType::String && x.mixed, "{x:?}");
    let mut want: Vec<(String, Option<String>)> = items
        .iter()
        .map(|i| {
            let AttrValue::S(id) = &i["ContactId"] else {
                panic!("id")
            };
            (id.clone(), Some(expected_text(i)))
        })
        .collect();
    want.sort();
    assert_eq!(read_column(&lake, "x"), want, "every value, none NULL");
}

#[tokio::test]
async fn against_a_double_column_the_string_items_are_rejected_whole() {
    // The same mixed table, exported from DynamoDB into a lake whose contract already made `x`
    // a DOUBLE.
    let dir = tempfile::tempdir().expect("tempdir");
    let lake = dir.path().join("lake");
    let numbers: Vec<Item> = (0..5)
        .map(|i| {
            item(&format!(
                r#"{{"ContactId":{{"S":"n{i}"}},"RecordType":{{"S":"CTR"}},"InitiationTimestamp":{{"S":"2025-12-0{}T00:00:00Z"}},"x":{{"N":"{i}"}}}}"#,
                i + 1
            ))
        })
        .collect();
    let source = native(&dir.path().join("src"), numbers);
    convert(
        &convert_spec(&source, NumberMode::Double),
        &lake,
        Arc::default(),
    )
    .expect("first");
    let items = mixed_items();
    let (client, cfg, table) = support::sample_table("losses", &items).await;
    let spec = ExportSpec {
        table,
        plan: ReadPlan::Scan { segments: 2 },
        sk_attr: "InitiationTimestamp".into(),
        date_format: DateFormat::Iso,
        range: TimeRange::ALL,
        extra_date_column: None,
        mode: WriteMode::Overwrite,
        numbers: NumberMode::Double,
        dry_run: false,
    };
    let report = export(&client, &cfg, &spec, &lake, Arc::new(Counters::default()))
        .await
        .expect("export runs");
    let strings: Vec<&Item> = items
        .iter()
        .filter(|i| !matches!(i["x"], AttrValue::N(_)))
        .collect();
    assert_eq!(report.items_rejected, strings.len() as u64);
    assert_eq!(
        report.type_conflicts.get("x"),
        Some(&(strings.len() as u64))
    );
    assert_eq!(report.items_written, (items.len() - strings.len()) as u64);
    assert!(
        report.mixed_types.is_empty(),
        "a fixed column never turns mixed"
    );
    let rejected = report.rejected_file.expect("a rejects file");
    let lines: Vec<serde_json::Value> = std::fs::read_to_string(&rejected)
        .expect("rejects")
        .lines()
        .map(|l| serde_json::from_str(l).expect("json line"))
        .collect();
    assert_eq!(lines.len(), strings.len());
    let mut got: Vec<Item> = lines
        .iter()
        .map(|l| {
            let reason = l["reason"].as_str().expect("reason");
            assert!(
                reason.contains("\"x\"") && reason.contains("double"),
                "{reason}"
            );
            serde_json::from_value(l["item"].clone()).expect("whole item")
        })
        .collect();
    got.sort_by_key(|i| format!("{:?}", i["ContactId"]));
    let mut want: Vec<Item> = strings.into_iter().cloned().collect();
    want.sort_by_key(|i| format!("{:?}", i["ContactId"]));
    assert_eq!(got, want, "each rejected item is kept whole");
    // Written numbers are numbers; nothing became NULL.
    let contract = Manifest::read(&lake).expect("manifest").contract;
    assert_eq!(
        contract.column_by_sql_name("x").expect("x").ty,
        ColumnType::Double
    );

    // The same table into a new lake: one mixed column, every value readable back as its text
    // (DynamoDB may normalise a number's spelling, `3.50` → `3.5`, never its value).
    let fresh = dir.path().join("fresh");
    let report = export(&client, &cfg, &spec, &fresh, Arc::new(Counters::default()))
        .await
        .expect("export runs");
    assert_eq!(report.items_rejected, 0);
    assert_eq!(report.items_written, items.len() as u64);
    let got = read_column(&fresh, "x");
    assert_eq!(got.len(), items.len());
    for (id, text) in got {
        let original = items
            .iter()
            .find(|i| i["ContactId"] == AttrValue::S(id.clone()))
            .expect("an item of the table");
        let text = text.unwrap_or_else(|| panic!("{id}: NULL in place of a value"));
        match &original["x"] {
            AttrValue::N(n) => assert_eq!(Decimal::parse(&text), Decimal::parse(n), "{id}"),
            _ => assert_eq!(text, expected_text(original), "{id}"),
        }
    }
}

#[tokio::test]
async fn exact_numbers_read_back_exactly() {
    let dir = tempfile::tempdir().expect("tempdir");
    let lake = dir.path().join("lake");
    let items: Vec<Item> = (0..3)
        .map(|i| {
            item(&format!(
                r#"{{"ContactId":{{"S":"e{i}"}},"InitiationTimestamp":{{"S":"2026-03-0{}T00:00:00Z"}},"big":{{"N":"12345678901234567890"}},"tiny":{{"N":"0.1000000000000000055511151231257827"}},"count":{{"N":"{i}"}}}}"#,
                i + 1
            ))
        })
        .collect();
    let source = native(&dir.path().join("src"), items.clone());
    // By default both are doubles, named in the summary as not exact.
    let doubles = dir.path().join("doubles");
    let report = convert(
        &convert_spec(&source, NumberMode::Double),
        &doubles,
        Arc::default(),
    )
    .expect("converts");
    assert_eq!(report.inexact_numbers.get("big"), Some(&3));
    assert_eq!(report.inexact_numbers.get("tiny"), Some(&3));
    assert!(!report.inexact_numbers.contains_key("count"));

    let report = convert(
        &convert_spec(&source, NumberMode::Exact),
        &lake,
        Arc::default(),
    )
    .expect("converts");
    assert!(
        report.inexact_numbers.is_empty(),
        "{:?}",
        report.inexact_numbers
    );
    let contract = Manifest::read(&lake).expect("manifest").contract;
    let ty = |c: &str| contract.column_by_sql_name(c).expect("column").ty;
    assert_eq!(ty("big"), ColumnType::Decimal { scale: 0 });
    assert_eq!(ty("tiny"), ColumnType::Decimal { scale: 34 });
    assert_eq!(ty("count"), ColumnType::BigInt);
    // Through the parquet crate (what DuckDB-like readers see)…
    for (column, want) in [
        ("big", "12345678901234567890"),
        ("tiny", "0.1000000000000000055511151231257827"),
    ] {
        let values = read_column(&lake, column);
        assert_eq!(values.len(), 3);
        for (_, v) in values {
            assert_eq!(v.as_deref(), Some(want), "{column}");
        }
    }
    // …and through the embedded engine.
    let engine = LakeEngine::open(&lake, DEFAULT_TABLE).await.expect("opens");
    let out = engine
        .query(
            "SELECT big, tiny, count, big + 1 AS next FROM gsi_export ORDER BY count",
            &[],
        )
        .await
        .expect("query");
    let rows = rows_of(&out.batches).expect("rows");
    assert_eq!(rows.len(), 3);
    for (i, row) in rows.iter().enumerate() {
        assert_eq!(row[0], serde_json::json!("12345678901234567890"));
        assert_eq!(
            row[1],
            serde_json::json!("0.1000000000000000055511151231257827")
        );
        assert_eq!(row[2], serde_json::json!(i));
        assert_eq!(row[3], serde_json::json!("12345678901234567891"));
    }
}

#[tokio::test]
async fn a_corrupt_manifest_in_s3_is_named_by_its_url_and_nothing_is_written() {
    let (s3, bucket) = support::s3_bucket("corrupt");
    let location =
        lake::storage::Location::parse("--lake", &format!("s3://{bucket}/lake")).expect("location");
    let dir = tempfile::tempdir().expect("tempdir");
    let source = native(&dir.path().join("src"), mixed_items());
    let lake = lake::storage::Lake::open(location.clone(), &s3)
        .await
        .expect("opens");
    lake::ingest::convert::convert_into(
        convert_spec(&source, NumberMode::Double),
        &lake::storage::Location::Local(source.clone()),
        &s3,
        &lake,
        Arc::default(),
    )
    .await
    .expect("first run");
    let root = support::s3_bucket_dir(&bucket).join("lake");
    let manifest = root.join(MANIFEST);
    let good = std::fs::read(&manifest).expect("manifest");
    std::fs::write(&manifest, &good[..good.len() / 3]).expect("corrupt it");
    let before = parquet_files(&root);
    let err = lake::storage::Lake::open(location, &s3)
        .await
        .expect_err("refused");
    assert!(matches!(err, LakeError::CorruptManifest { .. }), "{err:?}");
    assert!(
        err.to_string()
            .contains(&format!("s3://{bucket}/lake/{MANIFEST}")),
        "{err}"
    );
    assert_eq!(parquet_files(&root), before);
}

#[test]
fn numbers_inside_maps_lists_and_sets_keep_every_digit() {
    let dir = tempfile::tempdir().expect("tempdir");
    let items: Vec<Item> = (0..4)
        .map(|i| {
            item(&format!(
                r#"{{"ContactId":{{"S":"m{i}"}},"InitiationTimestamp":{{"S":"2026-04-0{}T00:00:00Z"}},"m":{{"M":{{"tiny":{{"N":"0.1000000000000000055511151231257827"}},"ok":{{"N":"1.5"}}}}}},"l":{{"L":[{{"N":"12345678901234567890"}},{{"N":"7"}}]}},"ns":{{"NS":["12345678901234567890","2"]}}}}"#,
                i + 1
            ))
        })
        .collect();
    let source = native(&dir.path().join("src"), items);
    for (mode, lake) in [(NumberMode::Double, "double"), (NumberMode::Exact, "exact")] {
        let lake = dir.path().join(lake);
        let report =
            convert(&convert_spec(&source, mode), &lake, Arc::default()).expect("converts");
        assert_eq!(report.items_rejected, 0);
        for (_, text) in read_column(&lake, "m") {
            let text = text.expect("not NULL");
            assert!(
                text.contains("0.1000000000000000055511151231257827"),
                "{text}"
            );
            assert!(text.contains("1.5"), "{text}");
        }
        for (_, text) in read_column(&lake, "l") {
            assert!(text.expect("not NULL").contains("12345678901234567890"));
        }
        let contract = Manifest::read(&lake).expect("manifest").contract;
        let ns = contract.column_by_sql_name("ns").expect("ns");
        match mode {
            // A DOUBLE list rounds the big element: said in the summary.
            NumberMode::Double => {
                assert_eq!(ns.ty, ColumnType::DoubleList);
                assert_eq!(report.inexact_numbers.get("ns"), Some(&4));
            }
            // Exact: the set is kept as its exact text.
            NumberMode::Exact => {
                assert!(ns.ty == ColumnType::String && ns.mixed, "{ns:?}");
                assert_eq!(report.mixed_types.get("ns"), Some(&vec!["NS"]));
                for (_, text) in read_column(&lake, "ns") {
                    assert!(text.expect("not NULL").contains("12345678901234567890"));
                }
            }
        }
    }
}
