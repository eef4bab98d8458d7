//! `dynamo-lake import` end to end, the real binary against dynalite (and s3s-fs): a generated
//! Redshift-UNLOAD-style CSV of 100 000 rows in two gzip parts — quoted delimiters, quotes and
//! newlines, unicode, padded values, empty partition values (the sharded sentinel), adjacent
//! duplicate keys and 1 % bad rows of five kinds — must land exactly: every good row in the table
//! with exactly its values (a full scan compared with the test's own mapping), every bad row in the
//! rejects file with its line and reason, the summary's counts equal to the test's, exit status 3,
//! and no e-mail address in the logs. The same files from an S3 prefix, and through a proxy that
//! throttles and returns UnprocessedItems, give the same table.

use std::collections::{BTreeMap, HashMap};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

use lake::format::item::{AttrValue, Item};

use crate::common::stand_in_sdk;
use crate::stand_in;

const BIN: &str = env!("CARGO_BIN_EXE_dynamo-lake");
const HEADER: [&str; 8] = [
    "hem",
    "vup_id",
    "email",
    "domain",
    "last_verified",
    "source",
    "updated_at",
    "score",
];

/// A small deterministic generator (no RNG dependency).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }
    fn hex(&mut self, n: usize) -> String {
        (0..n)
            .map(|_| char::from(b"0123456789abcdef"[(self.next() % 16) as usize]))
            .collect()
    }
}

/// The kinds of bad rows, and the words their reason starts with.
const BAD: [(&str, &str); 5] = [
    ("no hem", "the sort key hem is missing"),
    ("score", "score: not a number"),
    ("fields", "the row has 7 fields, the header has 8"),
    ("utf8", "domain: not UTF-8 text"),
    (
        "sentinel",
        "vup_id is missing and its fallback cannot be built",
    ),
];

struct Generated {
    files: Vec<PathBuf>,
    /// Good rows in file order: (file index, mapped item).
    good: Vec<(usize, Item)>,
    /// Bad rows: (file index, line) → the start of the reason.
    bad: BTreeMap<(usize, u64), &'static str>,
}

fn field(text: &str) -> Vec<u8> {
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\"")).into_bytes()
    } else {
        text.as_bytes().to_vec()
    }
}

/// What the test expects a good row to become (independently of the product's mapper).
fn expected_item(values: &[String]) -> Item {
    let mut item = Item::new();
    for (name, raw) in HEADER.iter().zip(values) {
        let v = raw.trim();
        if v.is_empty() {
            continue;
        }
        let value = if *name == "score" {
            AttrValue::N(v.to_string())
        } else {
            AttrValue::S(v.to_string())
        };
        item.insert(name.to_string(), value);
    }
    if !item.contains_key("vup_id")
        && let Some(AttrValue::S(hem)) = item.get("hem")
    {
        let shard: String = hem.chars().take(2).collect();
        item.insert("vup_id".into(), AttrValue::S(format!("UNRESOLVED#{shard}")));
    }
    item.entry("source".into())
        .or_insert_with(|| AttrValue::S("unknown".into()));
    item
}

fn generate(dir: &Path, rows: usize) -> Generated {
    let mut rng = Lcg(20260104);
    let mut out = Generated {
        files: Vec::new(),
        good: Vec::new(),
        bad: BTreeMap::new(),
    };
    let per_file = rows / 2;
    let mut n = 0usize;
    // The keys of the last good rows, newest last.
    let mut recent: std::collections::VecDeque<(String, String)> = Default::default();
    for part in 0..2 {
        let path = dir.join(format!("hem_export_{part:03}.gz"));
        let file = std::fs::File::create(&path).expect("create");
        let mut gz = flate2::write::GzEncoder::new(file, flate2::Compression::fast());
        gz.write_all(HEADER.join(",").as_bytes()).expect("write");
        gz.write_all(b"\n").expect("write");
        let mut line = 2u64;
        for _ in 0..per_file {
            n += 1;
            let mut hem = rng.hex(64);
            let mut vup = if n % 10 == 3 {
                String::new()
            } else {
                format!("vup-{}", rng.next() % 40_000)
            };
            let bad = (n % 100 == 50).then(|| BAD[(n / 100) % BAD.len()]);
            // Duplicate keys, the later row must win: every 97th row repeats the row just before
            // (same batch: replaced there), every 89th the row 60 good rows back (another batch,
            // which may still be in flight).
            let back = if n.is_multiple_of(97) {
                Some(1)
            } else if n.is_multiple_of(89) {
                Some(60)
            } else {
                None
            };
            if let Some(back) = back
                && bad.is_none()
                && recent.len() >= back
                && let Some((h, v)) = recent.get(recent.len() - back)
            {
                hem = h.clone();
                vup = v.clone();
            }
            let email = match n % 7 {
                0 => format!("\"Smith, J\" <j.smith{n}@example.com>"),
                1 => format!("  user{n}@exämple.org  "),
                _ => format!("user{n}@example{}.com", n % 13),
            };
            let domain = match n % 11 {
                0 => String::new(),
                1 => "漢字.example".to_string(),
                _ => format!(" example{}.com ", n % 13),
            };
            let source = match n % 5 {
                0 => String::new(),
                1 => "line one\nline two, with a comma".to_string(),
                _ => format!("crm-{}", n % 3),
            };
            let mut values = vec![
                hem.clone(),
                vup.clone(),
                email,
                domain,
                format!("2026-01-{:02}T10:00:00Z", n % 28 + 1),
                source,
                "2026-02-01T00:00:00Z".to_string(),
                format!("{}", n % 1000),
            ];
            let mut record: Vec<u8>;
            match bad.map(|b| b.0) {
                Some("no hem") => values[0] = "   ".into(),
                Some("score") => values[7] = format!("{n}-not-a-number"),
                Some("sentinel") => {
                    values[0] = String::new();
                    values[1] = String::new();
                }
                _ => {}
            }
            record = values
                .iter()
                .map(|v| field(v))
                .collect::<Vec<_>>()
                .join(&b","[..]);
            match bad.map(|b| b.0) {
                Some("fields") => {
                    values.pop();
                    record = values
                        .iter()
                        .map(|v| field(v))
                        .collect::<Vec<_>>()
                        .join(&b","[..]);
                }
                Some("utf8") => {
                    values[3] = "bad".into();
                    let mut r: Vec<Vec<u8>> = values.iter().map(|v| field(v)).collect();
                    r[3] = b"caf\xe9.example".to_vec();
                    record = r.join(&b","[..]);
                }
                _ => {}
            }
            let newlines = record.iter().filter(|b| **b == b'\n').count() as u64;
            gz.write_all(&record).expect("write");
            gz.write_all(b"\n").expect("write");
            match bad {
                Some((_, reason)) => {
                    out.bad.insert((part, line), reason);
                }
                None => {
                    recent.push_back((hem, vup));
                    if recent.len() > 100 {
                        recent.pop_front();
                    }
                    out.good.push((part, expected_item(&values)));
                }
            }
            line += 1 + newlines;
        }
        gz.finish().expect("finish");
        out.files.push(path);
    }
    out
}

fn key(item: &Item) -> (String, String) {
    let text = |a: &str| match item.get(a) {
        Some(AttrValue::S(s)) => s.clone(),
        other => panic!("{a}: {other:?}"),
    };
    (text("vup_id"), text("hem"))
}

/// The batches `import` forms: a row whose key is in the open batch replaces it; a batch is sent
/// when a 26th distinct key arrives. Returns the rows replaced.
fn deduplicated(good: &[(usize, Item)]) -> u64 {
    let mut open: HashMap<(String, String), ()> = HashMap::new();
    let mut replaced = 0;
    for (_, item) in good {
        let k = key(item);
        if open.contains_key(&k) {
            replaced += 1;
            continue;
        }
        if open.len() == 25 {
            open.clear();
        }
        open.insert(k, ());
    }
    replaced
}

async fn create_table(endpoint: &str, name: &str) {
    use aws_sdk_dynamodb::types::ScalarAttributeType::S;
    let cfg = lake::dynamo::DynamoConfig {
        endpoint_url: Some(endpoint.to_string()),
        region: Some("us-east-1".into()),
    };
    let client = lake::dynamo::client(&cfg).await;
    lake::dynamo::create_table(
        &client,
        &cfg,
        &lake::dynamo::TableSpec {
            name: name.into(),
            hash: ("vup_id".into(), S),
            range: Some(("hem".into(), S)),
            indexes: vec![],
        },
    )
    .await
    .expect("create table");
}

async fn scan(endpoint: &str, table: &str) -> BTreeMap<(String, String), Item> {
    let client = aws_sdk_dynamodb::Client::new(&stand_in_sdk(endpoint).await);
    let mut out = BTreeMap::new();
    let mut start = None;
    loop {
        let page = client
            .scan()
            .table_name(table)
            .set_exclusive_start_key(start.take())
            .send()
            .await
            .expect("scan");
        for raw in page.items() {
            let item = lake::dynamo::item_from_sdk(raw).expect("item");
            out.insert(key(&item), item);
        }
        match page.last_evaluated_key() {
            Some(k) if !k.is_empty() => start = Some(k.clone()),
            _ => break,
        }
    }
    out
}

struct Run {
    code: i32,
    summary: serde_json::Value,
    log: String,
}

fn import(source: &str, table: &str, dynamo: &str, extra: &[&str]) -> Run {
    let out = Command::new(BIN)
        .args([
            "import",
            "--source",
            source,
            "--table",
            table,
            "--endpoint-url",
            dynamo,
            "--type",
            "score=N",
            "--fallback",
            "vup_id=UNRESOLVED#{hem:0:2}",
            "--default",
            "source=unknown",
            "--json",
        ])
        .args(extra)
        .env("DYNAMO_LAKE_LOG", "info,lake=debug,server=debug")
        .env("AWS_ACCESS_KEY_ID", lake::aws::LOCAL_KEY)
        .env("AWS_SECRET_ACCESS_KEY", lake::aws::LOCAL_KEY)
        .output()
        .expect("the binary runs");
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    let log = String::from_utf8_lossy(&out.stderr).to_string();
    let summary = serde_json::from_str(&stdout)
        .unwrap_or_else(|e| panic!("the summary is not JSON ({e}): {stdout}\n{log}"));
    Run {
        code: out.status.code().unwrap_or(-1),
        summary,
        log,
    }
}

#[test]
fn an_unload_csv_lands_exactly_with_every_bad_row_kept() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("unload");
    std::fs::create_dir(&data).expect("dir");
    let generated = generate(&data, 100_000);
    let dynalite = stand_in::dynalite();
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    rt.block_on(create_table(&dynalite.endpoint, "vector_emails"));

    let rejects = dir.path().join("rejects.jsonl");
    let run = import(
        data.to_str().expect("utf-8"),
        "vector_emails",
        &dynalite.endpoint,
        &["--rejects", rejects.to_str().expect("utf-8")],
    );
    assert_eq!(run.code, 3, "207 exits 3: {}\n{}", run.summary, run.log);

    // The table holds the last row of every key, with exactly its values.
    let mut expected: BTreeMap<(String, String), Item> = BTreeMap::new();
    for (_, item) in &generated.good {
        expected.insert(key(item), item.clone());
    }
    let table = rt.block_on(scan(&dynalite.endpoint, "vector_emails"));
    assert_eq!(table.len(), expected.len());
    for (k, want) in &expected {
        assert_eq!(table.get(k), Some(want), "item {k:?}");
    }
    assert!(
        table.keys().any(|(v, _)| v.starts_with("UNRESOLVED#")),
        "sentinel keys are there"
    );

    // Counts: the test's own.
    let s = &run.summary;
    assert_eq!(s["statusCode"], 207);
    assert_eq!(s["items_processed"], generated.good.len() as u64);
    assert_eq!(s["items_failed"], generated.bad.len() as u64);
    assert_eq!(s["items_deduplicated"], deduplicated(&generated.good));
    assert_eq!(s["sources"].as_array().map(Vec::len), Some(2));
    assert!(
        generated.bad.len() >= 1000 && deduplicated(&generated.good) > 500,
        "the fixture has what it claims"
    );

    // Every bad row is in the rejects file, in order, with its line and reason.
    let text = std::fs::read_to_string(&rejects).expect("the rejects file");
    let lines: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect();
    assert_eq!(lines.len(), generated.bad.len());
    for (entry, ((part, line), reason)) in lines.iter().zip(&generated.bad) {
        let file = generated.files[*part].display().to_string();
        assert_eq!(entry["source"], file.as_str());
        assert_eq!(entry["line"], *line, "{entry}");
        let got = entry["reason"].as_str().unwrap_or("");
        assert!(
            got.starts_with(reason),
            "line {line}: {got:?}, expected {reason:?}"
        );
        assert!(
            entry["row"].is_object() || entry["row"].is_array(),
            "{entry}"
        );
    }

    // No row values in the logs: the rows are full of e-mail addresses.
    assert!(run.log.contains("import finished"), "{}", run.log);
    assert!(
        !run.log.contains('@'),
        "an e-mail address reached the log:\n{}",
        run.log
    );

    // A dry run counts the same and writes nothing.
    rt.block_on(create_table(&dynalite.endpoint, "dry"));
    let dry = import(
        data.to_str().expect("utf-8"),
        "dry",
        &dynalite.endpoint,
        &[
            "--dry-run",
            "--rejects",
            dir.path().join("dry.jsonl").to_str().expect("utf-8"),
        ],
    );
    assert_eq!(dry.code, 3);
    for field in ["items_processed", "items_failed", "items_deduplicated"] {
        assert_eq!(dry.summary[field], s[field], "{field}");
    }
    assert!(rt.block_on(scan(&dynalite.endpoint, "dry")).is_empty());
    assert_eq!(
        std::fs::read_to_string(dir.path().join("dry.jsonl"))
            .expect("dry-run rejects")
            .lines()
            .count(),
        generated.bad.len()
    );

    // The same parts under an S3 key prefix (UNLOAD's `…/hem_export_`) give the same table.
    let s3_root = tempfile::tempdir().expect("tempdir");
    let s3 = stand_in::s3s_fs(s3_root.path());
    rt.block_on(async {
        let sdk = stand_in_sdk(&s3.endpoint).await;
        let client = aws_sdk_s3::Client::from_conf(
            aws_sdk_s3::config::Builder::from(&sdk)
                .force_path_style(true)
                .build(),
        );
        client
            .create_bucket()
            .bucket("exports")
            .send()
            .await
            .expect("bucket");
        for f in &generated.files {
            let name = f.file_name().and_then(|n| n.to_str()).expect("name");
            client
                .put_object()
                .bucket("exports")
                .key(format!("vector-emails/v2/{name}"))
                .body(std::fs::read(f).expect("read").into())
                .send()
                .await
                .expect("put");
        }
        create_table(&dynalite.endpoint, "from_s3").await;
    });
    let from_s3 = Command::new(BIN)
        .args([
            "import",
            "--source",
            "s3://exports/vector-emails/v2/hem_export_",
            "--table",
            "from_s3",
            "--endpoint-url",
            &dynalite.endpoint,
            "--s3-endpoint-url",
            &s3.endpoint,
            "--type",
            "score=N",
            "--fallback",
            "vup_id=UNRESOLVED#{hem:0:2}",
            "--default",
            "source=unknown",
            "--rejects",
            "s3://exports/rejects/",
            "--json",
        ])
        .output()
        .expect("runs");
    let summary: serde_json::Value = serde_json::from_slice(&from_s3.stdout).expect("summary json");
    assert_eq!(from_s3.status.code(), Some(3), "{summary}");
    assert_eq!(summary["items_failed"], generated.bad.len() as u64);
    assert_eq!(
        summary["sources"][0]["source"],
        "s3://exports/vector-emails/v2/hem_export_000.gz"
    );
    assert_eq!(rt.block_on(scan(&dynalite.endpoint, "from_s3")), table);
    let uploaded = summary["rejects"].as_str().expect("rejects in S3");
    assert!(uploaded.starts_with("s3://exports/rejects/"), "{uploaded}");

    // 10 000 rows through a proxy that throttles 12 requests in a row out of every 30 (more than
    // the SDK's own 8 tries, so the import's backoff must carry it) and holds back half of the
    // others as UnprocessedItems, with 8 requests in flight: nothing is lost, and every key's
    // last row wins over the earlier ones still in flight.
    let small_dir = dir.path().join("small");
    std::fs::create_dir(&small_dir).expect("dir");
    let small = generate(&small_dir, 10_000);
    let proxy = test_support::FaultyDynamo::with_bursts(&dynalite.endpoint, 30, 12);
    rt.block_on(create_table(&dynalite.endpoint, "faulty"));
    let faulty = import(
        small_dir.to_str().expect("utf-8"),
        "faulty",
        &proxy.endpoint,
        &[
            "--concurrency",
            "8",
            "--rejects",
            dir.path().join("f.jsonl").to_str().expect("utf-8"),
        ],
    );
    assert_eq!(faulty.code, 3, "{}\n{}", faulty.summary, faulty.log);
    let small_expected: BTreeMap<_, _> = small
        .good
        .iter()
        .map(|(_, item)| (key(item), item.clone()))
        .collect();
    assert_eq!(
        rt.block_on(scan(&dynalite.endpoint, "faulty")),
        small_expected
    );
    assert!(
        faulty.log.contains("backing off"),
        "the import's own backoff never ran:\n{}",
        faulty.log
    );
    use std::sync::atomic::Ordering::SeqCst;
    assert!(
        proxy.faults.throttled.load(SeqCst) > 0,
        "nothing was throttled"
    );
    assert!(
        proxy.faults.held_back.load(SeqCst) > 0,
        "nothing was held back"
    );
    assert!(proxy.faults.largest_batch.load(SeqCst) <= 25);
}

/// A missing table is an error that stops the run (exit 1) naming it, not a report of failed
/// rows.
#[test]
fn a_missing_table_stops_the_run_with_its_name() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("rows.jsonl");
    std::fs::write(&file, "{\"vup_id\": \"a\", \"hem\": \"b\"}\n").expect("write");
    let dynalite = stand_in::dynalite();
    let out = Command::new(BIN)
        .args([
            "import",
            "--source",
            file.to_str().expect("utf-8"),
            "--table",
            "no_such_table",
            "--endpoint-url",
            &dynalite.endpoint,
        ])
        .output()
        .expect("runs");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("no_such_table") && err.contains("not found"),
        "{err}"
    );
}

/// An item DynamoDB itself refuses (here a GSI key of the wrong type, which only the table knows)
/// is isolated from its batch and kept in the rejects file; the rest of its batch is written.
#[test]
fn items_dynamodb_refuses_are_isolated_and_kept() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("rows.jsonl");
    let mut text = String::new();
    for n in 0..63 {
        // Three rows carry the index key as a string; the index wants a number.
        let score = if n % 21 == 7 {
            format!("\"n/a {n}\"")
        } else {
            n.to_string()
        };
        text.push_str(&format!("{{\"id\": \"row-{n}\", \"score\": {score}}}\n"));
    }
    std::fs::write(&file, text).expect("write");
    let dynalite = stand_in::dynalite();
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    rt.block_on(async {
        use aws_sdk_dynamodb::types::ScalarAttributeType::{N, S};
        let cfg = lake::dynamo::DynamoConfig {
            endpoint_url: Some(dynalite.endpoint.clone()),
            region: Some("us-east-1".into()),
        };
        let client = lake::dynamo::client(&cfg).await;
        lake::dynamo::create_table(
            &client,
            &cfg,
            &lake::dynamo::TableSpec {
                name: "scores".into(),
                hash: ("id".into(), S),
                range: None,
                indexes: vec![lake::dynamo::IndexSpec {
                    name: "by-score".into(),
                    hash: ("score".into(), N),
                    range: None,
                }],
            },
        )
        .await
        .expect("table");
    });
    let rejects = dir.path().join("r.jsonl");
    let out = Command::new(BIN)
        .args([
            "import",
            "--source",
            file.to_str().expect("utf-8"),
            "--table",
            "scores",
            "--endpoint-url",
            &dynalite.endpoint,
            "--rejects",
            rejects.to_str().expect("utf-8"),
            "--json",
        ])
        .output()
        .expect("runs");
    let summary: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(out.status.code(), Some(3), "{summary}");
    assert_eq!(summary["items_failed"], 3);
    assert_eq!(summary["items_processed"], 60);
    assert_eq!(summary["items_written"], 60);
    let count = rt.block_on(async {
        let client = aws_sdk_dynamodb::Client::new(&stand_in_sdk(&dynalite.endpoint).await);
        client
            .scan()
            .table_name("scores")
            .send()
            .await
            .expect("scan")
            .count()
    });
    assert_eq!(count, 60);
    let lines: Vec<serde_json::Value> = std::fs::read_to_string(&rejects)
        .expect("rejects")
        .lines()
        .map(|l| serde_json::from_str(l).expect("json"))
        .collect();
    assert_eq!(lines.len(), 3);
    let mut got: Vec<u64> = lines.iter().filter_map(|l| l["line"].as_u64()).collect();
    got.sort();
    assert_eq!(got, [8, 29, 50]);
    for l in &lines {
        assert!(
            l["reason"]
                .as_str()
                .is_some_and(|r| r.contains("DynamoDB refused the item")),
            "{l}"
        );
        assert!(l["item"]["id"]["S"].is_string(), "{l}");
    }
}
