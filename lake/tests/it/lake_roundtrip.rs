//! Sample items → lake → embedded engine: the numbers the engine reports equal the ones computed
//! here from the items themselves, and a day range reads only its partitions.

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;
use datafusion::physical_plan::displayable;
use lake::format::dates::DateFormat;
use lake::format::infer::ContractBuilder;
use lake::format::item::{AttrValue, Item};
use lake::ingest::writer::{LakeWriter, WriteOptions};
use lake::query::datafusion::{DEFAULT_TABLE, DayRange, LakeEngine, ReportColumns};
use lake::sample::{SORT_KEY_ATTR, SampleSpec, generate};

fn day(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("valid day")
}

fn text<'a>(item: &'a Item, attr: &str) -> Option<&'a str> {
    match item.get(attr) {
        Some(AttrValue::S(s)) => Some(s),
        _ => None,
    }
}

fn write_lake(dir: &std::path::Path, items: &[Item], buffer_items: usize) {
    let mut builder = ContractBuilder::default();
    items.iter().for_each(|i| builder.observe(i));
    let contract = builder.finish(Some("report_date")).expect("contract");
    let mut options = WriteOptions::new(SORT_KEY_ATTR, DateFormat::Iso);
    options.buffer_items = buffer_items;
    let mut writer = LakeWriter::create(dir, contract, options).expect("writer");
    for item in items {
        writer.write(item.clone()).expect("write");
    }
    let summary = writer.finish().expect("finish");
    assert_eq!(summary.items, items.len() as u64);
    assert_eq!(summary.rejected, 0);
}

#[tokio::test]
async fn engine_numbers_equal_the_items() {
    let spec = SampleSpec {
        seed: 11,
        items: 3_000,
        days: 20,
        end: day("2026-03-10"),
    };
    let items = generate(&spec);
    let dir = tempfile::tempdir().expect("tempdir");
    // A small buffer forces many row groups per file.
    write_lake(dir.path(), &items, 500);

    let engine = LakeEngine::open(dir.path(), DEFAULT_TABLE)
        .await
        .expect("open");
    let stats = engine
        .stats(None, &ReportColumns::default())
        .await
        .expect("stats");
    let distinct = |attr: &str| {
        items
            .iter()
            .filter_map(|i| text(i, attr))
            .collect::<BTreeSet<_>>()
            .len() as u64
    };
    assert_eq!(stats.total_rows, items.len() as u64);
    assert_eq!(stats.unique_contacts, Some(distinct("ContactId")));
    assert_eq!(stats.channels, Some(distinct("Channel")));
    assert_eq!(stats.agents, Some(distinct("Agent")));
    assert!(
        stats.unique_contacts < Some(stats.total_rows),
        "some contacts have several segments"
    );

    let mut per_day: BTreeMap<NaiveDate, u64> = BTreeMap::new();
    for i in &items {
        let ts = text(i, SORT_KEY_ATTR).expect("timestamp");
        *per_day.entry(day(&ts[..10])).or_default() += 1;
    }
    let daily = engine.daily(None).await.expect("daily");
    let got: BTreeMap<NaiveDate, u64> = daily.iter().map(|d| (day(&d.day), d.rows)).collect();
    assert_eq!(got, per_day);

    let range = DayRange::new(day("2026-03-01"), day("2026-03-03")).expect("range");
    let in_range = engine.daily(Some(range)).await.expect("daily in range");
    assert_eq!(in_range.len(), 3);
    assert!(
        in_range
            .iter()
            .all(|d| day(&d.day) >= range.from && day(&d.day) <= range.to)
    );
    let ranged_stats = engine
        .stats(Some(range), &ReportColumns::default())
        .await
        .expect("stats");
    assert_eq!(
        ranged_stats.total_rows,
        in_range.iter().map(|d| d.rows).sum::<u64>()
    );
}

#[tokio::test]
async fn a_day_range_reads_only_its_partitions() {
    let spec = SampleSpec {
        seed: 5,
        items: 600,
        days: 30,
        end: day("2026-01-15"),
    };
    let items = generate(&spec);
    let dir = tempfile::tempdir().expect("tempdir");
    write_lake(dir.path(), &items, 65_536);
    let engine = LakeEngine::open(dir.path(), DEFAULT_TABLE)
        .await
        .expect("open");
    // Across a month boundary and a year boundary.
    let range = DayRange::new(day("2025-12-31"), day("2026-01-02")).expect("range");
    let df = engine
        .context()
        .table(DEFAULT_TABLE)
        .await
        .expect("table")
        .filter(range.partition_predicate())
        .expect("filter");
    let plan = df.create_physical_plan().await.expect("plan");
    let shown = displayable(plan.as_ref()).indent(true).to_string();
    let files = shown.matches("data.parquet").count();
    assert_eq!(files, 3, "expected 3 files in the plan:\n{shown}");
    for p in [
        "year=2025/month=12/day=31",
        "year=2026/month=01/day=01",
        "year=2026/month=01/day=02",
    ] {
        assert!(shown.contains(p), "missing {p}:\n{shown}");
    }
}

#[tokio::test]
async fn sql_sees_lower_case_names_like_athena() {
    let spec = SampleSpec {
        seed: 2,
        items: 200,
        days: 3,
        end: day("2026-02-01"),
    };
    let items = generate(&spec);
    let dir = tempfile::tempdir().expect("tempdir");
    write_lake(dir.path(), &items, 65_536);
    let engine = LakeEngine::open(dir.path(), DEFAULT_TABLE)
        .await
        .expect("open");
    // Unquoted identifiers in any case resolve, as in Athena.
    let batches = engine
        .sql("SELECT Channel, count(*) AS n FROM gsi_export GROUP BY channel ORDER BY channel")
        .await
        .expect("query runs");
    let rows: usize = batches.iter().map(|b| b.num_rows()).sum();
    let channels = items
        .iter()
        .filter_map(|i| text(i, "Channel"))
        .collect::<BTreeSet<_>>()
        .len();
    assert_eq!(rows, channels);
}

#[test]
fn items_without_a_readable_date_are_kept_whole_in_the_rejected_file() {
    let mut good = Item::new();
    good.insert(
        SORT_KEY_ATTR.into(),
        AttrValue::S("2026-01-02T03:04:05Z".into()),
    );
    good.insert("Agent".into(), AttrValue::S("a".into()));
    let mut no_date = Item::new();
    no_date.insert("Agent".into(), AttrValue::S("O'Brien, \"Z\"".into()));
    let mut bad_date = good.clone();
    bad_date.insert(SORT_KEY_ATTR.into(), AttrValue::S("yesterday".into()));

    let mut builder = ContractBuilder::default();
    [&good, &no_date, &bad_date]
        .iter()
        .for_each(|i| builder.observe(i));
    let dir = tempfile::tempdir().expect("tempdir");
    let options = WriteOptions::new(SORT_KEY_ATTR, DateFormat::Iso);
    let mut writer =
        LakeWriter::create(dir.path(), builder.finish(None).expect("contract"), options)
            .expect("writer");
    for i in [&good, &no_date, &bad_date] {
        writer.write(i.clone()).expect("write");
    }
    let summary = writer.finish().expect("finish");
    assert_eq!((summary.items, summary.rejected), (1, 2));
    let text =
        std::fs::read_to_string(summary.rejected_file.expect("rejected file")).expect("read");
    let lines: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).expect("json"))
        .collect();
    assert_eq!(lines.len(), 2);
    assert!(
        lines[0]["reason"]
            .as_str()
            .expect("reason")
            .contains("no sort key")
    );
    assert!(
        lines[1]["reason"]
            .as_str()
            .expect("reason")
            .contains("\"yesterday\"")
    );
    let back: Item = serde_json::from_value(lines[0]["item"].clone()).expect("item");
    assert_eq!(back, no_date);
}
