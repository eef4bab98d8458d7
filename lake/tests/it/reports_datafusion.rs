//! Every built-in report on the embedded engine against a generated lake, compared with what the
//! test computes from the items themselves; date ranges read only their partitions; hostile values
//! are parameters; results live outside the service instance.

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::NaiveDate;
use lake::format::dates::DateFormat;
use lake::format::infer::ContractBuilder;
use lake::format::item::{AttrValue, Item};
use lake::ingest::writer::{LakeWriter, WriteOptions};
use lake::query::datafusion::{DayRange, LakeEngine};
use lake::query::reports::{ReportRequest, ReportSchema};
use lake::query::results::ResultStore;
use lake::query::service::{Backend, Download, QueryService};
use lake::sample::{SORT_KEY_ATTR, SampleSpec, generate};
use serde_json::{Value, json};

struct Fixture {
    items: Vec<Item>,
    lake: tempfile::TempDir,
    results: tempfile::TempDir,
}

fn fixture() -> Fixture {
    let mut items = generate(&SampleSpec {
        seed: 33,
        items: 4_000,
        days: 40,
        end: NaiveDate::from_ymd_opt(2026, 3, 5).expect("valid"),
    });
    // Values that would change a query if they were pasted into it.
    let hostile = [
        "O'Brien",
        "x' OR '1'='1",
        "a; DROP TABLE gsi_export; --",
        "Zoë ✓ \"q\"",
    ];
    for (n, item) in items.iter_mut().enumerate().take(hostile.len() * 3) {
        item.insert(
            "Agent".into(),
            AttrValue::S(hostile[n % hostile.len()].into()),
        );
    }
    let lake = tempfile::tempdir().expect("tempdir");
    let mut builder = ContractBuilder::default();
    items.iter().for_each(|i| builder.observe(i));
    let contract = builder.finish(Some("report_date")).expect("contract");
    let mut writer = LakeWriter::create(
        lake.path(),
        contract,
        WriteOptions::new(SORT_KEY_ATTR, DateFormat::Iso),
    )
    .expect("writer");
    for i in &items {
        writer.write(i.clone()).expect("write");
    }
    writer.finish().expect("finish");
    Fixture {
        items,
        lake,
        results: tempfile::tempdir().expect("tempdir"),
    }
}

fn schema() -> ReportSchema {
    ReportSchema {
        table: "gsi_export".into(),
        agent: "agent".into(),
        contact: "contactid".into(),
        channel: "channel".into(),
        time: Some("initiationtimestamp".into()),
        max_limit: 100_000,
    }
}

async fn service(f: &Fixture) -> QueryService {
    let engine = LakeEngine::open(f.lake.path(), "gsi_export")
        .await
        .expect("engine");
    QueryService::new(
        Backend::DataFusion {
            engine: Arc::new(engine),
            results: ResultStore::Local(f.results.path().to_path_buf()),
        },
        schema(),
        None,
    )
}

fn request(v: Value) -> ReportRequest {
    ReportRequest::from_json(v).expect("request")
}

fn text<'a>(item: &'a Item, attr: &str) -> Option<&'a str> {
    match item.get(attr) {
        Some(AttrValue::S(s)) => Some(s),
        _ => None,
    }
}

fn day_of(item: &Item) -> NaiveDate {
    DateFormat::Iso
        .parse_value(&item[SORT_KEY_ATTR])
        .expect("date")
        .date_naive()
}

fn column(page: &lake::query::ResultPage, name: &str) -> usize {
    page.columns
        .iter()
        .position(|c| c.name == name)
        .unwrap_or_else(|| panic!("no column {name} in {:?}", page.columns))
}

#[tokio::test]
async fn every_report_equals_what_the_items_say() {
    let f = fixture();
    let svc = service(&f).await;

    // all_records: newest first, exactly the limit.
    let page = svc
        .run(&request(json!({"query": "all_records", "limit": 25})))
        .await
        .expect("runs");
    assert_eq!(page.rows.len(), 25);
    let mut newest: Vec<(&str, &str)> = f
        .items
        .iter()
        .map(|i| {
            (
                text(i, SORT_KEY_ATTR).expect("time"),
                text(i, "ContactId").expect("id"),
            )
        })
        .collect();
    newest.sort_by(|a, b| b.0.cmp(a.0).then(a.1.cmp(b.1)));
    let ids = column(&page, "contactid");
    let got: Vec<&str> = page
        .rows
        .iter()
        .map(|r| r[ids].as_str().expect("id"))
        .collect();
    let want: Vec<&str> = newest.iter().take(25).map(|x| x.1).collect();
    assert_eq!(got, want);

    // by_date_range: every row of those days.
    let (from, to) = (
        NaiveDate::from_ymd_opt(2026, 2, 10).expect("d"),
        NaiveDate::from_ymd_opt(2026, 2, 14).expect("d"),
    );
    let page = svc
        .run(&request(
            json!({"query": "by_date_range", "start": "2026-02-10", "end": "2026-02-14"}),
        ))
        .await
        .expect("runs");
    let want = f
        .items
        .iter()
        .filter(|i| (from..=to).contains(&day_of(i)))
        .count();
    assert_eq!(page.rows.len(), want);

    // by_contact_id: that row only.
    let target = text(&f.items[1234], "ContactId").expect("id").to_string();
    let page = svc
        .run(&request(
            json!({"query": "by_contact_id", "contactId": target}),
        ))
        .await
        .expect("runs");
    assert_eq!(page.rows.len(), 1);
    assert_eq!(page.rows[0][column(&page, "contactid")], json!(target));

    // daily_by_agent and daily_by_channel: counts per (day, value).
    for (report, attr, alias) in [
        ("daily_by_agent", "Agent", "agent"),
        ("daily_by_channel", "Channel", "channel"),
    ] {
        let page = svc
            .run(&request(
                json!({"query": report, "start": "2026-02-01", "end": "2026-02-20"}),
            ))
            .await
            .expect("runs");
        let mut want: BTreeMap<(String, String), u64> = BTreeMap::new();
        let (a, b) = (
            NaiveDate::from_ymd_opt(2026, 2, 1).expect("d"),
            NaiveDate::from_ymd_opt(2026, 2, 20).expect("d"),
        );
        for i in f.items.iter().filter(|i| (a..=b).contains(&day_of(i))) {
            if let Some(v) = text(i, attr) {
                *want
                    .entry((day_of(i).to_string(), v.to_string()))
                    .or_default() += 1;
            }
        }
        let (d, v, n) = (
            column(&page, "report_day"),
            column(&page, alias),
            column(&page, "contacts"),
        );
        let mut got: BTreeMap<(String, String), u64> = BTreeMap::new();
        for r in &page.rows {
            if r[v].is_null() {
                continue;
            }
            got.insert(
                (
                    r[d].as_str().expect("day").into(),
                    r[v].as_str().expect("v").into(),
                ),
                r[n].as_u64().expect("count"),
            );
        }
        assert_eq!(got, want, "{report}");
    }

    // agents: the distinct agents, ordered.
    let mut want: Vec<String> = f
        .items
        .iter()
        .filter_map(|i| text(i, "Agent").map(str::to_string))
        .collect();
    want.sort();
    want.dedup();
    assert_eq!(svc.agents().await.expect("agents"), want);

    // daily: rows per day.
    let range = DayRange::new(from, to).expect("range");
    let daily = svc.daily(Some(range)).await.expect("daily");
    let total: u64 = daily.iter().map(|d| d.rows).sum();
    assert_eq!(
        total as usize,
        f.items
            .iter()
            .filter(|i| (from..=to).contains(&day_of(i)))
            .count()
    );
}

#[tokio::test]
async fn hostile_values_are_values_not_sql() {
    let f = fixture();
    let svc = service(&f).await;
    for agent in [
        "O'Brien",
        "x' OR '1'='1",
        "a; DROP TABLE gsi_export; --",
        "Zoë ✓ \"q\"",
    ] {
        let page = svc
            .run(&request(json!({"query": "by_agent", "agent": agent})))
            .await
            .expect("runs");
        let want = f
            .items
            .iter()
            .filter(|i| text(i, "Agent") == Some(agent))
            .count();
        assert_eq!(page.rows.len(), want, "{agent}");
        assert!(want > 0);
        let col = column(&page, "agent");
        assert!(page.rows.iter().all(|r| r[col] == json!(agent)));
    }
    for contact in ["' OR 1=1 --", "x'; DELETE FROM gsi_export; --", "ü\u{0}"] {
        let page = svc
            .run(&request(
                json!({"query": "by_contact_id", "contact_id": contact}),
            ))
            .await
            .expect("runs");
        assert!(page.rows.is_empty(), "{contact}");
    }
    // The table is still whole.
    let page = svc
        .run(&request(json!({"query": "all_records"})))
        .await
        .expect("runs");
    assert_eq!(page.rows.len(), f.items.len());
}

#[tokio::test]
async fn a_date_range_reads_only_its_partitions() {
    let f = fixture();
    let engine = LakeEngine::open(f.lake.path(), "gsi_export")
        .await
        .expect("engine");
    let rendered =
        request(json!({"query": "by_date_range", "start": "2026-02-27", "end": "2026-03-02"}))
            .render(&schema(), lake::query::reports::Dialect::DataFusion)
            .expect("renders");
    let out = engine
        .query(&rendered.sql, &rendered.params)
        .await
        .expect("runs");
    let mut days: Vec<String> = out
        .plan
        .match_indices("day=")
        .map(|(i, _)| out.plan[i - 19..i + 6].to_string())
        .collect();
    days.sort();
    days.dedup();
    assert_eq!(
        days,
        vec![
            "year=2026/month=02/day=27",
            "year=2026/month=02/day=28",
            "year=2026/month=03/day=01",
            "year=2026/month=03/day=02",
        ],
        "plan:\n{}",
        out.plan
    );
    assert!(out.bytes_scanned.is_some_and(|b| b > 0));
}

#[tokio::test]
async fn results_page_download_and_survive_the_instance() {
    let f = fixture();
    let svc = service(&f).await;
    let started = svc
        .submit(&request(json!({"query": "all_records", "limit": 23})))
        .await
        .expect("starts");
    let id = started.query_execution_id;
    let mut rows = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let page = svc.results(&id, token.as_deref(), 10).await.expect("page");
        assert!(page.rows.len() <= 10);
        rows.extend(page.rows);
        token = page.next_token;
        if token.is_none() {
            break;
        }
    }
    assert_eq!(rows.len(), 23);

    // Another instance over the same results folder answers for the same id.
    let other = service(&f).await;
    let page = other.results(&id, None, 1000).await.expect("page");
    assert_eq!(page.rows, rows);
    let Download::Csv(csv) = other.download(&id).await.expect("csv") else {
        panic!("the embedded engine streams CSV");
    };
    let text = String::from_utf8(csv).expect("utf-8");
    assert!(
        text.starts_with("agent,") || text.contains("contactid"),
        "{text}"
    );

    let missing = svc
        .results("0f8fad5b-d9cb-469f-a165-70867728950e", None, 10)
        .await
        .expect_err("unknown");
    assert!(matches!(missing, lake::LakeError::NotFound(_)), "{missing}");
    let traversal = svc.download("../../etc/passwd").await.expect_err("refused");
    assert!(matches!(traversal, lake::LakeError::NotFound(_)));
    let bad_token = svc
        .results(&id, Some("x"), 10)
        .await
        .expect_err("bad token");
    assert!(bad_token.to_string().contains("nextToken"), "{bad_token}");
}

#[tokio::test]
async fn breakdowns_count_rows_per_value_most_first() {
    let f = fixture();
    let svc = service(&f).await;
    let (from, to) = (
        NaiveDate::from_ymd_opt(2026, 2, 1).expect("d"),
        NaiveDate::from_ymd_opt(2026, 2, 28).expect("d"),
    );
    let got = svc
        .breakdown(Some(DayRange::new(from, to).expect("range")), "channel")
        .await
        .expect("breakdown");
    let mut want: BTreeMap<Option<String>, u64> = BTreeMap::new();
    for i in f.items.iter().filter(|i| (from..=to).contains(&day_of(i))) {
        *want
            .entry(text(i, "Channel").map(str::to_string))
            .or_default() += 1;
    }
    let as_map: BTreeMap<Option<String>, u64> = got.iter().cloned().collect();
    assert_eq!(as_map, want);
    assert!(
        got.windows(2).all(|w| w[0].1 >= w[1].1),
        "most first: {got:?}"
    );
}

#[tokio::test]
async fn custom_sql_that_runs_in_athena_runs_here_and_hostile_sql_is_refused() {
    let f = fixture();
    let svc = service(&f).await;
    // Glue lower-cases column names, so Athena users write them in any case.
    let page = svc
        .run(&request(json!({
            "query": "custom",
            "sql": "SELECT Channel, count(*) AS n FROM gsi_export GROUP BY channel ORDER BY n DESC, channel"
        })))
        .await
        .expect("runs");
    let mut want: BTreeMap<String, u64> = BTreeMap::new();
    for i in &f.items {
        if let Some(c) = text(i, "Channel") {
            *want.entry(c.to_string()).or_default() += 1;
        }
    }
    let got: BTreeMap<String, u64> = page
        .rows
        .iter()
        .filter(|r| !r[0].is_null())
        .map(|r| {
            (
                r[0].as_str().expect("channel").to_string(),
                r[1].as_u64().expect("n"),
            )
        })
        .collect();
    assert_eq!(got, want);

    // The limit is applied to custom SQL too.
    let page = svc
        .run(&request(
            json!({"query": "custom", "sql": "SELECT * FROM gsi_export", "limit": 5}),
        ))
        .await
        .expect("runs");
    assert_eq!(page.rows.len(), 5);

    for sql in [
        "DROP TABLE gsi_export",
        "SELECT * FROM gsi_export; DELETE FROM gsi_export",
        "SELECT * FROM __dynamo_lake_files",
        "SELECT * FROM read_parquet('/etc/passwd')",
    ] {
        let err = svc
            .run(&request(json!({"query": "custom", "sql": sql})))
            .await
            .expect_err("refused")
            .to_string();
        assert!(err.contains("refused"), "{sql}: {err}");
    }
}
