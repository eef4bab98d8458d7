//! Exports against a real local DynamoDB (dynalite): GSI queries and scans, every date format and
//! range mode, overwrite and append, dry runs, and the Parquet read back value by value.

use crate::support;

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::{DateTime, NaiveDate, Utc};
use datafusion::arrow::array::{Array, AsArray};
use datafusion::arrow::datatypes::Float64Type;
use datafusion::parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use lake::format::dates::DateFormat;
use lake::format::item::{AttrValue, Item};
use lake::ingest::export::{ExportSpec, ReadPlan, export};
use lake::ingest::range::{RangeMode, TimeRange};
use lake::ingest::staging::{Counters, ExportReport};
use lake::sample::{SampleSpec, generate};
use lake::storage::{Manifest, WriteMode};

fn t(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s)
        .expect("valid")
        .with_timezone(&Utc)
}

fn sample(items: usize, days: u32, seed: u64) -> Vec<Item> {
    generate(&SampleSpec {
        seed,
        items,
        days,
        end: NaiveDate::from_ymd_opt(2026, 2, 28).expect("valid"),
    })
}

fn query_spec(table: &str, range: TimeRange) -> ExportSpec {
    ExportSpec {
        table: table.into(),
        plan: ReadPlan::Query {
            index: "by-type".into(),
            pk_attr: "RecordType".into(),
            pk_value: "CTR".into(),
        },
        sk_attr: "InitiationTimestamp".into(),
        date_format: DateFormat::Iso,
        range,
        extra_date_column: Some("report_date".into()),
        mode: WriteMode::Overwrite,
        numbers: Default::default(),
        dry_run: false,
    }
}

fn per_day(
    items: &[Item],
    range: TimeRange,
    attr: &str,
    format: DateFormat,
) -> BTreeMap<String, u64> {
    let mut out = BTreeMap::new();
    for i in items {
        let at = format.parse_value(&i[attr]).expect("date");
        if range.contains(at) {
            *out.entry(at.date_naive().to_string()).or_default() += 1;
        }
    }
    out
}

async fn run(
    client: &aws_sdk_dynamodb::Client,
    cfg: &lake::dynamo::DynamoConfig,
    spec: &ExportSpec,
    lake: &std::path::Path,
) -> ExportReport {
    export(client, cfg, spec, lake, Arc::new(Counters::default()))
        .await
        .expect("export runs")
}

fn files_under(dir: &std::path::Path) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).expect("readable") {
            let p = e.expect("entry").path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "parquet") {
                out.push((
                    p.strip_prefix(dir).expect("inside").display().to_string(),
                    std::fs::read(&p).expect("read"),
                ));
            }
        }
    }
    out.sort();
    out
}

#[tokio::test]
async fn gsi_query_exports_exactly_the_range_by_day() {
    let items = sample(2_000, 30, 1);
    let (client, cfg, table) = support::sample_table("query", &items).await;
    let range =
        TimeRange::new(t("2026-02-10T00:00:00Z"), t("2026-02-20T00:00:00Z")).expect("range");
    let dir = tempfile::tempdir().expect("tempdir");
    let report = run(&client, &cfg, &query_spec(&table, range), dir.path()).await;
    let want = per_day(&items, range, "InitiationTimestamp", DateFormat::Iso);
    assert_eq!(report.range, Some(range));
    assert_eq!(report.partitions, want);
    assert_eq!(report.items_written, want.values().sum::<u64>());
    assert_eq!(report.files.len(), 10);
    let manifest = Manifest::read(dir.path()).expect("manifest");
    assert_eq!(
        manifest.files.iter().map(|f| f.rows).sum::<u64>(),
        report.items_written
    );
}

#[tokio::test]
async fn overwrite_twice_gives_identical_files_and_append_twice_gives_two() {
    let items = sample(800, 6, 2);
    let (client, cfg, table) = support::sample_table("idem", &items).await;
    let range =
        TimeRange::new(t("2026-02-23T00:00:00Z"), t("2026-03-01T00:00:00Z")).expect("range");
    let dir = tempfile::tempdir().expect("tempdir");
    let spec = query_spec(&table, range);
    run(&client, &cfg, &spec, dir.path()).await;
    let first = files_under(dir.path());
    run(&client, &cfg, &spec, dir.path()).await;
    assert_eq!(
        files_under(dir.path()),
        first,
        "overwrite is not idempotent"
    );

    let append_dir = tempfile::tempdir().expect("tempdir");
    let spec = ExportSpec {
        mode: WriteMode::Append,
        ..spec
    };
    run(&client, &cfg, &spec, append_dir.path()).await;
    run(&client, &cfg, &spec, append_dir.path()).await;
    let files = files_under(append_dir.path());
    let days = per_day(&items, range, "InitiationTimestamp", DateFormat::Iso).len();
    assert_eq!(
        files.len(),
        2 * days,
        "{:?}",
        files.iter().map(|f| &f.0).collect::<Vec<_>>()
    );
    assert_eq!(
        Manifest::read(append_dir.path())
            .expect("manifest")
            .files
            .len(),
        2 * days
    );
}

#[tokio::test]
async fn parallel_scan_reads_every_item_exactly_once() {
    let items = sample(1_500, 10, 3);
    let (client, cfg, table) = support::sample_table("scan", &items).await;
    let range =
        TimeRange::new(t("2000-01-01T00:00:00Z"), t("2100-01-01T00:00:00Z")).expect("range");
    let dir = tempfile::tempdir().expect("tempdir");
    let spec = ExportSpec {
        plan: ReadPlan::Scan { segments: 4 },
        ..query_spec(&table, range)
    };
    let report = run(&client, &cfg, &spec, dir.path()).await;
    assert_eq!(report.items_read, items.len() as u64);
    let engine = lake::query::datafusion::LakeEngine::open(dir.path(), "t")
        .await
        .expect("open");
    let batches = engine
        .sql(
            "SELECT count(*) AS n, count(DISTINCT contactid || initiationtimestamp) AS keys FROM t",
        )
        .await
        .expect("sql");
    let n = batches[0]
        .column(0)
        .as_primitive::<datafusion::arrow::datatypes::Int64Type>()
        .value(0);
    let keys = batches[0]
        .column(1)
        .as_primitive::<datafusion::arrow::datatypes::Int64Type>()
        .value(0);
    assert_eq!((n, keys), (items.len() as i64, items.len() as i64));
}

#[tokio::test]
async fn a_dry_run_writes_nothing() {
    let items = sample(300, 5, 4);
    let (client, cfg, table) = support::sample_table("dry", &items).await;
    let range = RangeMode::PreviousWeek.resolve(t("2026-03-01T12:00:00Z"));
    let dir = tempfile::tempdir().expect("tempdir");
    let lake = dir.path().join("lake");
    let report = run(
        &client,
        &cfg,
        &ExportSpec {
            dry_run: true,
            ..query_spec(&table, range)
        },
        &lake,
    )
    .await;
    assert_eq!(report.items_written, items.len() as u64);
    assert!(!lake.exists(), "a dry run created {}", lake.display());
}

#[tokio::test]
async fn range_modes_with_a_fixed_clock() {
    let items = sample(1_000, 14, 5);
    let (client, cfg, table) = support::sample_table("modes", &items).await;
    let now = t("2026-02-27T06:00:00Z");
    for mode in [
        RangeMode::PreviousDay,
        RangeMode::PreviousWeek,
        RangeMode::LastHours(30),
    ] {
        let range = mode.resolve(now);
        let dir = tempfile::tempdir().expect("tempdir");
        let report = run(&client, &cfg, &query_spec(&table, range), dir.path()).await;
        assert_eq!(
            report.partitions,
            per_day(&items, range, "InitiationTimestamp", DateFormat::Iso),
            "{mode:?}"
        );
        assert!(report.items_written > 0, "{mode:?}");
    }
}

/// The same items with the date stored as epoch seconds, epoch millis (Number) and the two human forms.
#[tokio::test]
async fn every_date_format_partitions_by_the_utc_day() {
    use aws_sdk_dynamodb::types::ScalarAttributeType as T;
    let base = sample(400, 6, 6);
    type Encode = fn(DateTime<Utc>) -> AttrValue;
    let cases: [(&str, DateFormat, T, Encode); 4] = [
        ("epoch-s", DateFormat::Epoch, T::N, |d| {
            AttrValue::N(d.timestamp().to_string())
        }),
        ("epoch-ms", DateFormat::Epoch, T::N, |d| {
            AttrValue::N(d.timestamp_millis().to_string())
        }),
        ("human-dmy", DateFormat::Human, T::S, |d| {
            AttrValue::S(d.format("%d.%m.%Y %H:%M").to_string())
        }),
        ("human-ymd", DateFormat::Human, T::S, |d| {
            AttrValue::S(d.format("%Y-%m-%d %H:%M:%S").to_string())
        }),
    ];
    let range =
        TimeRange::new(t("2026-02-24T00:00:00Z"), t("2026-02-27T00:00:00Z")).expect("range");
    for (name, format, ty, encode) in cases {
        let items: Vec<Item> = base
            .iter()
            .map(|i| {
                let mut i = i.clone();
                let at = DateFormat::Iso
                    .parse_value(&i["InitiationTimestamp"])
                    .expect("iso");
                i.insert("When".into(), encode(at));
                i
            })
            .collect();
        let cfg = support::config();
        let client = lake::dynamo::client(&cfg).await;
        let table = format!("fmt-{name}-{}", std::process::id());
        let spec = lake::dynamo::TableSpec {
            name: table.clone(),
            hash: ("ContactId".into(), T::S),
            range: Some(("InitiationTimestamp".into(), T::S)),
            indexes: vec![lake::dynamo::IndexSpec {
                name: "by-when".into(),
                hash: ("RecordType".into(), T::S),
                range: Some(("When".into(), ty)),
            }],
        };
        lake::dynamo::create_table(&client, &cfg, &spec)
            .await
            .expect("table");
        lake::dynamo::batch_write(&client, &cfg, &table, &items)
            .await
            .expect("load");
        let export_spec = ExportSpec {
            plan: ReadPlan::Query {
                index: "by-when".into(),
                pk_attr: "RecordType".into(),
                pk_value: "CTR".into(),
            },
            sk_attr: "When".into(),
            date_format: format,
            ..query_spec(&table, range)
        };
        let dir = tempfile::tempdir().expect("tempdir");
        let report = run(&client, &cfg, &export_spec, dir.path()).await;
        assert_eq!(
            report.partitions,
            per_day(&items, range, "When", format),
            "{name}"
        );
        assert_eq!(report.partitions.len(), 3, "{name}");
        assert_eq!(
            report.notes.is_empty(),
            name != "human-dmy",
            "{name}: {:?}",
            report.notes
        );
    }
}

#[tokio::test]
async fn clear_errors_for_wrong_inputs() {
    let items = sample(20, 2, 7);
    let (client, cfg, table) = support::sample_table("errs", &items).await;
    let range = RangeMode::PreviousDay.resolve(t("2026-03-01T00:00:00Z"));
    let dir = tempfile::tempdir().expect("tempdir");
    let check = |spec: ExportSpec, needle: &'static str| {
        let (client, cfg, lake) = (client.clone(), cfg.clone(), dir.path().to_path_buf());
        async move {
            let err = export(&client, &cfg, &spec, &lake, Arc::new(Counters::default()))
                .await
                .expect_err(needle);
            assert!(
                err.to_string().contains(needle),
                "expected {needle:?} in: {err}"
            );
        }
    };
    check(
        ExportSpec {
            table: "no-such-table".into(),
            ..query_spec(&table, range)
        },
        "\"no-such-table\": not found",
    )
    .await;
    let wrong_index = ReadPlan::Query {
        index: "nope".into(),
        pk_attr: "RecordType".into(),
        pk_value: "CTR".into(),
    };
    check(
        ExportSpec {
            plan: wrong_index,
            ..query_spec(&table, range)
        },
        "no global secondary index \"nope\" (it has: by-type)",
    )
    .await;
    let wrong_pk = ReadPlan::Query {
        index: "by-type".into(),
        pk_attr: "Channel".into(),
        pk_value: "CTR".into(),
    };
    check(
        ExportSpec {
            plan: wrong_pk,
            ..query_spec(&table, range)
        },
        "its partition key is \"RecordType\"",
    )
    .await;
    check(
        ExportSpec {
            sk_attr: "Queue".into(),
            ..query_spec(&table, range)
        },
        "its sort key is \"InitiationTimestamp\"",
    )
    .await;
    let unreachable = lake::dynamo::DynamoConfig {
        endpoint_url: Some("http://127.0.0.1:9".into()),
        region: Some("us-east-1".into()),
    };
    let client2 = lake::dynamo::client(&unreachable).await;
    let err = export(
        &client2,
        &unreachable,
        &query_spec(&table, range),
        dir.path(),
        Arc::new(Counters::default()),
    )
    .await
    .expect_err("unreachable");
    assert!(
        err.to_string()
            .contains("cannot reach DynamoDB at http://127.0.0.1:9"),
        "{err}"
    );
    assert!(
        !dir.path().join("_dynamo_lake").exists(),
        "a failed export left files in the lake"
    );
}

/// ≥ 10 000 items with sparse attributes, sets, maps, NULLs, unicode and quotes: every value read
/// back from the Parquet files equals the source.
#[tokio::test]
async fn round_trip_every_value() {
    let items = sample(10_000, 20, 8);
    let (client, cfg, table) = support::sample_table("roundtrip", &items).await;
    let range =
        TimeRange::new(t("2000-01-01T00:00:00Z"), t("2100-01-01T00:00:00Z")).expect("range");
    let dir = tempfile::tempdir().expect("tempdir");
    let spec = ExportSpec {
        plan: ReadPlan::Scan { segments: 3 },
        ..query_spec(&table, range)
    };
    run(&client, &cfg, &spec, dir.path()).await;

    let manifest = Manifest::read(dir.path()).expect("manifest");
    let by_key: BTreeMap<(String, String), &Item> = items
        .iter()
        .map(|i| {
            let s = |a: &str| match &i[a] {
                AttrValue::S(s) => s.clone(),
                _ => panic!("key"),
            };
            ((s("ContactId"), s("InitiationTimestamp")), i)
        })
        .collect();
    let mut seen = 0usize;
    for f in &manifest.files {
        let file = std::fs::File::open(dir.path().join(&f.path)).expect("file");
        let reader = ParquetRecordBatchReaderBuilder::try_new(file).expect("parquet");
        assert_eq!(
            reader.schema().as_ref(),
            manifest.contract.arrow_schema().as_ref(),
            "{} schema",
            f.path
        );
        for batch in reader.build().expect("reader") {
            let batch = batch.expect("batch");
            for row in 0..batch.num_rows() {
                let col = |name: &str| batch.column_by_name(name).expect("column");
                let key = (
                    col("ContactId").as_string::<i32>().value(row).to_string(),
                    col("InitiationTimestamp")
                        .as_string::<i32>()
                        .value(row)
                        .to_string(),
                );
                let source = by_key[&key];
                for c in &manifest.contract.columns {
                    let array = col(&c.name);
                    let expected = source.get(&c.name);
                    let got_null = array.is_null(row);
                    match expected {
                        _ if c.derived => {
                            assert_eq!(array.as_string::<i32>().value(row), &key.1[..10])
                        }
                        None | Some(AttrValue::Null(_)) => {
                            assert!(got_null, "{} should be NULL", c.name)
                        }
                        Some(AttrValue::S(s)) => assert_eq!(array.as_string::<i32>().value(row), s),
                        Some(AttrValue::N(n)) => {
                            assert_eq!(
                                array.as_primitive::<Float64Type>().value(row),
                                n.parse::<f64>().expect("n")
                            )
                        }
                        Some(AttrValue::Bool(b)) => assert_eq!(array.as_boolean().value(row), *b),
                        Some(AttrValue::SS(v)) => {
                            let list = array.as_list::<i32>().value(row);
                            let got: Vec<&str> = list
                                .as_string::<i32>()
                                .iter()
                                .map(|x| x.expect("value"))
                                .collect();
                            let mut want: Vec<&str> = v.iter().map(String::as_str).collect();
                            want.sort();
                            let mut got = got;
                            got.sort();
                            assert_eq!(got, want);
                        }
                        Some(v @ AttrValue::M(_)) => {
                            let text = array.as_string::<i32>().value(row);
                            let parsed: serde_json::Value =
                                serde_json::from_str(text).expect("json");
                            assert_eq!(parsed, v.to_plain_json());
                        }
                        Some(other) => panic!("sample has no {other:?}"),
                    }
                }
                seen += 1;
            }
        }
    }
    assert_eq!(seen, items.len());
}
