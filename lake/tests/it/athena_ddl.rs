//! The Athena setup SQL: the whole text against reviewed snapshots, parsed back with a Hive-dialect
//! parser, and — the test that catches a padding mismatch — the partition projection read back out
//! of the DDL text finding every folder a real lake write produced.

use std::collections::BTreeMap;
use std::fs::File;
use std::path::Path;
use std::sync::Arc;

use chrono::{Datelike, NaiveDate};
use datafusion::arrow::array::{ArrayRef, AsArray, Int64Array, RecordBatch};
use datafusion::arrow::datatypes::{DataType, Field, Int64Type, Schema};
use datafusion::datasource::MemTable;
use datafusion::parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use datafusion::prelude::SessionContext;
use datafusion::sql::sqlparser::ast::{
    CreateTableOptions, Expr, HiveDistributionStyle, SqlOption, Statement, Value,
};
use datafusion::sql::sqlparser::dialect::{GenericDialect, HiveDialect};
use datafusion::sql::sqlparser::parser::Parser;
use lake::format::contract::Contract;
use lake::format::dates::DateFormat;
use lake::format::infer::ContractBuilder;
use lake::format::item::{AttrValue, Item, parse_item_line};
use lake::ingest::writer::{LakeWriter, WriteOptions};
use lake::query::athena::ddl::{
    AthenaTable, create_database_sql, create_table_sql, ddl_identifier, drop_table_sql,
};
use lake::query::sql::{sql_identifier, sql_string};
use lake::storage::Manifest;

const SNAPSHOT_ITEMS: [&str; 2] = [
    r#"{"pk":{"S":"c-1"},"ts":{"S":"2026-01-02T03:04:05Z"},"Agent":{"S":"ann"},"duration":{"N":"12.5"},"resolved":{"BOOL":true},"tags":{"SS":["a","b"]},"scores":{"NS":["1","2.5"]},"details":{"M":{"k":{"S":"v"}}},"steps":{"L":[{"S":"x"},{"N":"1"}]},"blob":{"B":"AAEC"},"note":{"NULL":true},"date":{"S":"2026-01-02"},"user":{"S":"u1"},"Order":{"N":"3"}}"#,
    r#"{"pk":{"S":"c-2"},"ts":{"S":"2026-01-03T00:00:00Z"},"blobs":{"BS":["AA=="]},"first name":{"S":"Bo"},"note":{"NULL":true}}"#,
];

fn contract_of(lines: &[&str]) -> Contract {
    let mut builder = ContractBuilder::default();
    for line in lines {
        builder.observe(&parse_item_line(line).expect("valid item"));
    }
    builder.finish(Some("report_date")).expect("contract")
}

fn seed_table(location: &str) -> AthenaTable {
    AthenaTable::new("dynamo_lake", "gsi_export", location, (2024, 2030)).expect("valid table")
}

/// Compares `actual` with the reviewed file `tests/snapshots/<file>` (one trailing newline), and on
/// a mismatch shows the lines side by side and the whole generated text.
fn assert_snapshot(file: &str, actual: &str) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/snapshots")
        .join(file);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let expected = text.strip_suffix('\n').unwrap_or(&text);
    if expected == actual {
        return;
    }
    let want: Vec<&str> = expected.lines().collect();
    let got: Vec<&str> = actual.lines().collect();
    let diff = line_diff(&want, &got);
    panic!(
        "generated SQL differs from {} (- snapshot, + generated):\n{diff}\n\
         --- generated ---\n{actual}\n--- end ---",
        path.display()
    );
}

/// A line diff through the longest common subsequence: `  ` same, `- ` only in `want`, `+ ` only
/// in `got`.
fn line_diff(want: &[&str], got: &[&str]) -> String {
    let (n, m) = (want.len(), got.len());
    let mut lcs = vec![vec![0usize; m + 1]; n + 1];
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            lcs[i][j] = if want[i] == got[j] {
                lcs[i + 1][j + 1] + 1
            } else {
                lcs[i + 1][j].max(lcs[i][j + 1])
            };
        }
    }
    let (mut i, mut j, mut out) = (0, 0, String::new());
    while i < n || j < m {
        if i < n && j < m && want[i] == got[j] {
            out.push_str(&format!("  {}\n", want[i]));
            (i, j) = (i + 1, j + 1);
        } else if j < m && (i == n || lcs[i][j + 1] >= lcs[i + 1][j]) {
            out.push_str(&format!("+ {}\n", got[j]));
            j += 1;
        } else {
            out.push_str(&format!("- {}\n", want[i]));
            i += 1;
        }
    }
    out
}

/// What a Hive-dialect parser reads back out of a `CREATE EXTERNAL TABLE`.
struct ParsedTable {
    name: Vec<String>,
    columns: Vec<(String, String)>,
    partitions: Vec<(String, String)>,
    parquet: bool,
    location: String,
    properties: BTreeMap<String, String>,
}

fn parse_one(sql: &str) -> Statement {
    let mut statements = Parser::parse_sql(&HiveDialect {}, sql)
        .unwrap_or_else(|e| panic!("Hive parser refused it: {e}\n{sql}"));
    assert_eq!(statements.len(), 1, "one statement expected:\n{sql}");
    statements.remove(0)
}

fn parse_create_table(ddl: &str) -> ParsedTable {
    let Statement::CreateTable(t) = parse_one(ddl) else {
        panic!("not a CREATE TABLE:\n{ddl}");
    };
    assert!(t.external && t.if_not_exists, "{ddl}");
    let defs = |cols: &[datafusion::sql::sqlparser::ast::ColumnDef]| {
        cols.iter()
            .map(|c| (c.name.value.clone(), c.data_type.to_string().to_lowercase()))
            .collect::<Vec<_>>()
    };
    let HiveDistributionStyle::PARTITIONED { columns: parts } = &t.hive_distribution else {
        panic!("no PARTITIONED BY:\n{ddl}");
    };
    let CreateTableOptions::TableProperties(props) = &t.table_options else {
        panic!("no TBLPROPERTIES:\n{ddl}");
    };
    let properties = props
        .iter()
        .map(|p| match p {
            SqlOption::KeyValue { key, value } => (key.value.clone(), string_value(value)),
            other => panic!("unexpected property {other}"),
        })
        .collect();
    ParsedTable {
        name: t.name.0.iter().map(|p| p.to_string()).collect(),
        columns: defs(&t.columns),
        partitions: defs(parts),
        parquet: t.file_format.map(|f| f.to_string()) == Some("PARQUET".to_string()),
        location: t.location.clone().expect("LOCATION"),
        properties,
    }
}

fn string_value(e: &Expr) -> String {
    match e {
        Expr::Value(v) => match &v.value {
            Value::SingleQuotedString(s) => s.clone(),
            other => panic!("not a string literal: {other}"),
        },
        other => panic!("not a literal: {other}"),
    }
}

/// One partition column's projection as the DDL states it.
struct Projection {
    low: i64,
    high: i64,
    digits: Option<usize>,
}

impl Projection {
    fn from_ddl(properties: &BTreeMap<String, String>, column: &str) -> Projection {
        let prop = |key: &str| properties.get(&format!("projection.{column}.{key}"));
        assert_eq!(
            prop("type").map(String::as_str),
            Some("integer"),
            "{column}"
        );
        let range = prop("range").unwrap_or_else(|| panic!("no range for {column}"));
        let (low, high) = range
            .split_once(',')
            .unwrap_or_else(|| panic!("range {range:?} is not min,max"));
        let int = |s: &str| {
            s.parse::<i64>()
                .unwrap_or_else(|e| panic!("{range:?}: {e}"))
        };
        Projection {
            low: int(low),
            high: int(high),
            digits: prop("digits").map(|d| d.parse().expect("digits")),
        }
    }

    /// The text Athena puts in the path for `value`.
    fn format(&self, value: i64) -> String {
        match self.digits {
            Some(w) => format!("{value:0w$}"),
            None => value.to_string(),
        }
    }

    fn covers(&self, value: i64) -> bool {
        (self.low..=self.high).contains(&value)
    }
}

/// The day a data file holds, read from its own `report_date` column (not from its path).
fn day_in_file(path: &Path) -> NaiveDate {
    let file = File::open(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let reader = ParquetRecordBatchReaderBuilder::try_new(file)
        .and_then(|b| b.build())
        .expect("parquet reader");
    let mut days = std::collections::BTreeSet::new();
    for batch in reader {
        let batch = batch.expect("batch");
        let col = batch.column_by_name("report_date").expect("report_date");
        days.extend(
            col.as_string::<i32>()
                .iter()
                .map(|d| d.expect("a day").to_string()),
        );
    }
    assert_eq!(days.len(), 1, "{}: {days:?}", path.display());
    let day = days.pop_first().expect("one day");
    NaiveDate::parse_from_str(&day, "%Y-%m-%d").expect("a date")
}

fn item_on(day: &str, n: usize) -> Item {
    let line = format!(
        r#"{{"pk":{{"S":"c-{day}-{n}"}},"ts":{{"S":"{day}T{:02}:15:00Z"}},"amount":{{"N":"{n}.5"}}}}"#,
        n * 7
    );
    parse_item_line(&line).expect("valid item")
}

fn substitute(template: &str, values: &[(&str, String)]) -> String {
    let mut out = template.to_string();
    for (column, text) in values {
        out = out.replace(&format!("${{{column}}}"), text);
    }
    assert!(!out.contains("${"), "placeholder left in {out}");
    out
}

/// The value the projection enumerates for `column` on `day`.
fn partition_value(column: &str, day: NaiveDate) -> i64 {
    match column {
        "year" => day.year().into(),
        "month" => day.month().into(),
        "day" => day.day().into(),
        other => panic!("unknown partition column {other:?}"),
    }
}

fn projection_named<'a>(projections: &'a [(&str, Projection)], column: &str) -> &'a Projection {
    projections
        .iter()
        .find(|(c, _)| *c == column)
        .map(|(_, p)| p)
        .unwrap_or_else(|| panic!("no projection for {column}"))
}

#[test]
fn create_table_matches_the_reviewed_snapshot() {
    let contract = contract_of(&SNAPSHOT_ITEMS);
    let ddl = create_table_sql(
        &seed_table("s3://example-bucket/lake/gsi_export"),
        &contract,
    )
    .expect("ddl");
    assert_snapshot("athena_create_table.sql", &ddl);
}

#[test]
fn create_database_matches_the_reviewed_snapshot() {
    let sql = create_database_sql("dynamo_lake").expect("sql");
    assert_snapshot("athena_create_database.sql", &sql);
}

#[test]
fn the_ddl_parses_back_to_the_contract_with_every_kind_of_name() {
    let names = [
        "date",
        "user",
        "timestamp",
        "Order",
        "first name",
        "it's",
        "say \"hi\"",
        "tick`name",
        "Größe",
        "名前",
        "_id",
        "123abc",
        "a.b",
        "x-y",
    ];
    let mut item = Item::new();
    for (i, n) in names.iter().enumerate() {
        item.insert(n.to_string(), AttrValue::N(i.to_string()));
    }
    let mut builder = ContractBuilder::default();
    builder.observe(&item);
    let contract = builder.finish(Some("report_date")).expect("contract");
    let ddl = create_table_sql(&seed_table("s3://b/p/"), &contract).expect("ddl");
    let parsed = parse_create_table(&ddl);

    let want: Vec<(String, String)> = contract
        .columns
        .iter()
        .map(|c| (c.sql_name.clone(), c.ty.athena_type().to_string()))
        .collect();
    assert_eq!(parsed.columns, want, "{ddl}");
    assert_eq!(parsed.name, ["`dynamo_lake`", "`gsi_export`"]);
    let partitions: Vec<(String, String)> = ["year", "month", "day"]
        .iter()
        .map(|c| (c.to_string(), "int".to_string()))
        .collect();
    assert_eq!(parsed.partitions, partitions);
    assert!(parsed.parquet, "{ddl}");
    assert_eq!(parsed.location, "s3://b/p/");
    assert_eq!(parsed.properties["projection.enabled"], "true");
    assert_eq!(parsed.properties["parquet.compression"], "SNAPPY");
}

#[test]
fn backtick_identifiers_read_back_as_the_name() {
    for name in ["tick`name", "``", "a``b`", "it's", "名前", "order"] {
        let quoted = ddl_identifier(name).expect("valid");
        let ident = Parser::new(&HiveDialect {})
            .try_with_sql(&quoted)
            .and_then(|mut p| p.parse_identifier())
            .unwrap_or_else(|e| panic!("{quoted}: {e}"));
        assert_eq!(ident.value, name, "{quoted}");
    }
}

#[test]
fn a_name_with_a_control_character_is_refused_naming_the_attribute() {
    let mut item = Item::new();
    item.insert("ok".into(), AttrValue::S("x".into()));
    item.insert("Line\nBreak".into(), AttrValue::S("x".into()));
    let mut builder = ContractBuilder::default();
    builder.observe(&item);
    let contract = builder.finish(None).expect("contract");
    let e = create_table_sql(&seed_table("s3://b/p/"), &contract).expect_err("refused");
    let msg = e.to_string();
    assert!(
        msg.contains("\"Line\\nBreak\"") && msg.contains("control character"),
        "{msg}"
    );
    assert!(ddl_identifier("nul\0").is_err());
}

#[test]
fn database_and_drop_statements_parse() {
    let Statement::CreateDatabase {
        db_name,
        if_not_exists,
        ..
    } = parse_one(&create_database_sql("dynamo_lake").expect("sql"))
    else {
        panic!("not CREATE DATABASE");
    };
    assert!(if_not_exists);
    assert_eq!(db_name.to_string(), "`dynamo_lake`");
    let drop = drop_table_sql(&seed_table("s3://b/p")).expect("sql");
    assert_eq!(drop, "DROP TABLE IF EXISTS `dynamo_lake`.`gsi_export`");
    assert!(matches!(
        parse_one(&drop),
        Statement::Drop {
            if_exists: true,
            ..
        }
    ));
}

#[test]
fn hostile_locations_are_refused_not_escaped() {
    let contract = contract_of(&SNAPSHOT_ITEMS);
    for hostile in [
        "s3://b/p'; DROP TABLE x; --",
        "s3://b/p\\'; DROP TABLE x; --",
        "s3://b/p';\nDROP TABLE x; --",
        "s3://b/p/${year}",
    ] {
        let e = AthenaTable::new("dynamo_lake", "gsi_export", hostile, (2024, 2030))
            .expect_err("refused");
        assert!(e.to_string().contains("table location"), "{hostile}: {e}");
        // Built by hand, the fields are public: the generator checks again.
        let table = AthenaTable {
            database: "dynamo_lake".into(),
            table: "gsi_export".into(),
            location: hostile.into(),
            year_range: (2024, 2030),
        };
        let e = create_table_sql(&table, &contract).expect_err("refused");
        assert!(e.to_string().contains("table location"), "{hostile}: {e}");
    }
}

#[test]
fn query_literals_and_identifiers_read_back_exactly() {
    let dialect = GenericDialect {};
    for value in ["x'; DROP TABLE y; --", "O'Brien", "''", "plain"] {
        let literal = sql_string(value);
        let expr = Parser::new(&dialect)
            .try_with_sql(&literal)
            .and_then(|mut p| p.parse_expr())
            .unwrap_or_else(|e| panic!("{literal}: {e}"));
        assert_eq!(string_value(&expr), value, "{literal}");
    }
    for name in ["date", "a\"b", "\"", "first name", "größe"] {
        let quoted = sql_identifier(name);
        let ident = Parser::new(&dialect)
            .try_with_sql(&quoted)
            .and_then(|mut p| p.parse_identifier())
            .unwrap_or_else(|e| panic!("{quoted}: {e}"));
        assert_eq!(ident.value, name, "{quoted}");
    }
}

#[tokio::test]
async fn datafusion_resolves_quoted_column_names() {
    let names = ["date", "user", "a\"b", "first name", "größe", "order"];
    let fields: Vec<Field> = names
        .iter()
        .map(|n| Field::new(*n, DataType::Int64, false))
        .collect();
    let columns: Vec<ArrayRef> = (0..names.len() as i64)
        .map(|i| Arc::new(Int64Array::from(vec![i])) as ArrayRef)
        .collect();
    let schema = Arc::new(Schema::new(fields));
    let batch = RecordBatch::try_new(schema.clone(), columns).expect("batch");
    let ctx = SessionContext::new();
    let table = MemTable::try_new(schema, vec![vec![batch]]).expect("table");
    ctx.register_table("t", Arc::new(table)).expect("register");
    for (i, name) in names.iter().enumerate() {
        let sql = format!("SELECT {} FROM t", sql_identifier(name));
        let df = ctx.sql(&sql).await.unwrap_or_else(|e| panic!("{sql}: {e}"));
        let batches = df.collect().await.unwrap_or_else(|e| panic!("{sql}: {e}"));
        let got = batches[0].column(0).as_primitive::<Int64Type>();
        assert_eq!(got.value(0), i as i64, "{sql}");
    }
}

#[test]
fn the_projection_in_the_ddl_finds_every_folder_the_writer_wrote() {
    // Across a year and a month boundary, with one-digit months and days.
    let days = [
        "2025-12-30",
        "2025-12-31",
        "2026-01-01",
        "2026-01-02",
        "2026-02-03",
        "2026-10-09",
        "2026-11-20",
    ];
    let items: Vec<Item> = days
        .iter()
        .flat_map(|d| (0..3).map(move |n| item_on(d, n)))
        .collect();
    let dir = tempfile::tempdir().expect("tempdir");
    let mut builder = ContractBuilder::default();
    items.iter().for_each(|i| builder.observe(i));
    let contract = builder.finish(Some("report_date")).expect("contract");
    let options = WriteOptions::new("ts", DateFormat::Iso);
    let mut writer = LakeWriter::create(dir.path(), contract, options).expect("writer");
    items
        .into_iter()
        .for_each(|i| writer.write(i).expect("write"));
    writer.finish().expect("finish");
    let manifest = Manifest::read(dir.path()).expect("manifest");
    assert_eq!(manifest.files.len(), days.len());

    let ddl =
        create_table_sql(&seed_table("s3://example-bucket/lake"), &manifest.contract).expect("ddl");
    let parsed = parse_create_table(&ddl);
    let template = &parsed.properties["storage.location.template"];
    assert!(template.starts_with(&parsed.location), "{template}");
    let projections: Vec<(&str, Projection)> = parsed
        .partitions
        .iter()
        .map(|(c, _)| (c.as_str(), Projection::from_ddl(&parsed.properties, c)))
        .collect();

    let mut padding_mattered = false;
    for file in &manifest.files {
        let path = dir.path().join(&file.path);
        assert!(
            path.is_file(),
            "{} is in the manifest but not on disk",
            file.path
        );
        let day = day_in_file(&path);
        let (folder, _) = file.path.rsplit_once('/').expect("a folder");
        let actual = format!("{}{folder}/", parsed.location);
        let mut padded = Vec::new();
        let mut unpadded = Vec::new();
        for (column, p) in &projections {
            let v = partition_value(column, day);
            assert!(
                p.covers(v),
                "{column}={v} of {day} is outside {}..={}",
                p.low,
                p.high
            );
            padded.push((*column, p.format(v)));
            unpadded.push((*column, v.to_string()));
        }
        let projected = substitute(template, &padded);
        assert_eq!(
            projected, actual,
            "{day}: projection and writer disagree\n{ddl}"
        );
        padding_mattered |= substitute(template, &unpadded) != actual;
    }
    assert!(
        padding_mattered,
        "no day had a one-digit month or day: the test proves nothing"
    );

    // Every calendar day of the projected years is inside every partition column's range.
    let years = projection_named(&projections, "year");
    let first = NaiveDate::from_ymd_opt(years.low as i32, 1, 1).expect("first day");
    let last = NaiveDate::from_ymd_opt(years.high as i32, 12, 31).expect("last day");
    for d in first.iter_days().take_while(|d| *d <= last) {
        for (column, p) in &projections {
            assert!(p.covers(partition_value(column, d)), "{column} of {d}");
        }
    }
}
