//! Athena setup SQL from the lake's type contract and layout: the database, the external table with
//! partition projection, and the `DROP TABLE` a schema change needs. Columns come from the
//! [`Contract`]; partition columns, padding and the location template from [`crate::layout`], the
//! same definitions the writer uses, so the table Athena projects and the folders the writer
//! writes cannot disagree.
//!
//! Quoting. Athena parses DDL with Hive's grammar: identifiers go in backticks, a backtick inside
//! doubled ([`ddl_identifier`]). Hive string literals take backslash escapes (`'\t'`, `\'`) and
//! read `'a''b'` as two adjacent literals (`ab`), so doubling a quote is *not* an escape there: a
//! DDL string value holding a quote, a backslash or a control character is refused instead of
//! escaped, and every value that passes reads the same in Hive and in Trino. Queries (Athena's
//! Trino engine, DataFusion) quote identifiers in double quotes ([`sql_identifier`]) and strings
//! with doubled single quotes ([`sql_string`]).

use std::collections::BTreeSet;
use std::ops::RangeInclusive;

use crate::format::contract::{Column, Contract};
use crate::query::sql::sql_string;
use crate::storage::Location;
use crate::storage::layout::{PAD_DIGITS, PARTITION_COLUMNS, location_template};
use crate::{LakeError, Result};

/// Glue's longest database, table or column name, in bytes.
const MAX_NAME_BYTES: usize = 255;

/// Years a projection may span: four digits, so the writer's zero-padded `{:04}` year and the
/// projection's unpadded year are the same text.
const PROJECTABLE_YEARS: RangeInclusive<i32> = 1000..=9999;

/// Where and what the Athena table is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AthenaTable {
    /// The Glue database (lower case), e.g. `dynamo_lake`.
    pub database: String,
    /// The table (lower case), e.g. `gsi_export`.
    pub table: String,
    /// The lake root, `s3://bucket/prefix/` (the DDL normalises it to exactly one trailing `/`).
    pub location: String,
    /// The years the projection enumerates, inclusive (first ≤ last); include future years.
    pub year_range: (i32, i32),
}

impl AthenaTable {
    /// A table whose names, location and year range are checked, with the location normalised.
    pub fn new(
        database: &str,
        table: &str,
        location: &str,
        year_range: (i32, i32),
    ) -> Result<AthenaTable> {
        let t = AthenaTable {
            database: database.to_string(),
            table: table.to_string(),
            location: normalise_location(location)?,
            year_range,
        };
        qualified_name(&t)?;
        check_year_range(year_range)?;
        Ok(t)
    }
}

/// The `CREATE DATABASE IF NOT EXISTS` statement for `database`.
pub fn create_database_sql(database: &str) -> Result<String> {
    Ok(format!(
        "CREATE DATABASE IF NOT EXISTS {}",
        named_identifier("database", database)?
    ))
}

/// The `CREATE EXTERNAL TABLE IF NOT EXISTS` statement: the contract's columns in contract order,
/// the partition columns, Parquet at the location, and the partition projection properties.
pub fn create_table_sql(table: &AthenaTable, contract: &Contract) -> Result<String> {
    let name = qualified_name(table)?;
    let location = normalise_location(&table.location)?;
    check_year_range(table.year_range)?;
    Ok(format!(
        "CREATE EXTERNAL TABLE IF NOT EXISTS {name} (\n{}\n)\nPARTITIONED BY (\n{}\n)\n\
         STORED AS PARQUET\nLOCATION {}\nTBLPROPERTIES (\n{}\n)",
        column_lines(contract)?,
        partition_lines()?,
        ddl_string("table location", &location)?,
        property_lines(&table_properties(&location, table.year_range)?)?,
    ))
}

/// `DROP TABLE IF EXISTS`, for schema changes: the table is external, so only its definition goes
/// and the files under its location stay.
pub fn drop_table_sql(table: &AthenaTable) -> Result<String> {
    Ok(format!("DROP TABLE IF EXISTS {}", qualified_name(table)?))
}

/// A Hive DDL identifier in backticks (a backtick inside doubled); refuses names Glue cannot store.
pub fn ddl_identifier(name: &str) -> Result<String> {
    named_identifier("name", name)
}

/// `` `database`.`table` ``.
fn qualified_name(table: &AthenaTable) -> Result<String> {
    Ok(format!(
        "{}.{}",
        named_identifier("database", &table.database)?,
        named_identifier("table", &table.table)?
    ))
}

/// The backtick-quoted identifier, or an error naming `what` and the name.
fn named_identifier(what: &str, name: &str) -> Result<String> {
    match identifier_problem(name) {
        Some(why) => Err(LakeError::InvalidInput(format!(
            "{what} {name:?} cannot be an Athena name: {why}"
        ))),
        None => Ok(format!("`{}`", name.replace('`', "``"))),
    }
}

/// Why Glue or Athena would not take `name` as a database, table or column name.
fn identifier_problem(name: &str) -> Option<String> {
    if name.is_empty() {
        return Some("it is empty".to_string());
    }
    if name.len() > MAX_NAME_BYTES {
        return Some(format!(
            "it is {} bytes long; Glue allows at most {MAX_NAME_BYTES}",
            name.len()
        ));
    }
    if let Some(c) = name.chars().find(|&c| is_unprintable(c)) {
        return Some(format!("it contains the control character {c:?}"));
    }
    let lower = name.to_lowercase();
    (lower != name).then(|| format!("Glue stores names in lower case; use {lower:?}"))
}

/// Control characters, and the two code points Glue's single-line pattern also excludes.
fn is_unprintable(c: char) -> bool {
    c.is_control() || matches!(c, '\u{FFFE}' | '\u{FFFF}')
}

/// A DDL string literal of `value`, which must need no escaping (see the module documentation).
fn ddl_string(what: &str, value: &str) -> Result<String> {
    let bad = value
        .chars()
        .find(|&c| c == '\'' || c == '\\' || is_unprintable(c));
    match bad {
        Some(c) => Err(LakeError::InvalidInput(format!(
            "{what} {value:?} contains {c:?}: Athena DDL strings take backslash escapes, so quotes, \
             backslashes and control characters are refused rather than escaped"
        ))),
        None => Ok(sql_string(value)),
    }
}

/// `s3://bucket/prefix/` with exactly one trailing `/`, or an error naming the location.
fn normalise_location(location: &str) -> Result<String> {
    let what = "table location";
    if !location.starts_with("s3://") {
        return Err(LakeError::InvalidInput(format!(
            "{what} {location:?}: Athena reads the lake from S3: expected s3://bucket/prefix/"
        )));
    }
    ddl_string(what, location)?;
    if location.contains('$') {
        return Err(LakeError::InvalidInput(format!(
            "{what} {location:?} contains '$', which storage.location.template would read as a \
             projection placeholder"
        )));
    }
    match Location::parse(what, location)? {
        Location::S3 { bucket, prefix } if prefix.is_empty() => Ok(format!("s3://{bucket}/")),
        Location::S3 { bucket, prefix } => Ok(format!("s3://{bucket}/{prefix}/")),
        Location::Local(_) => Err(LakeError::InvalidInput(format!(
            "{what} {location:?}: expected s3://bucket/prefix/"
        ))),
    }
}

/// Refuses an empty or reversed year range, or years that are not four digits.
fn check_year_range((first, last): (i32, i32)) -> Result<()> {
    if first > last {
        return Err(LakeError::InvalidInput(format!(
            "projection year range {first},{last}: the first year is after the last"
        )));
    }
    if !PROJECTABLE_YEARS.contains(&first) || !PROJECTABLE_YEARS.contains(&last) {
        return Err(LakeError::InvalidInput(format!(
            "projection year range {first},{last}: years must have four digits ({}..={})",
            PROJECTABLE_YEARS.start(),
            PROJECTABLE_YEARS.end()
        )));
    }
    Ok(())
}

/// One `  `name` type` line per contract column, in contract order.
fn column_lines(contract: &Contract) -> Result<String> {
    if contract.columns.is_empty() {
        return Err(LakeError::InvalidInput(
            "the contract has no columns; an Athena table needs at least one".to_string(),
        ));
    }
    let mut seen = BTreeSet::new();
    let lines = contract
        .columns
        .iter()
        .map(|c| {
            Ok(format!(
                "  {} {}",
                column_identifier(c, &mut seen)?,
                c.ty.athena_type()
            ))
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(lines.join(",\n"))
}

/// The column's quoted SQL name; refuses partition names, repeats and names Glue cannot store.
fn column_identifier<'a>(column: &'a Column, seen: &mut BTreeSet<&'a str>) -> Result<String> {
    let (name, sql) = (&column.name, column.sql_name.as_str());
    let why = if PARTITION_COLUMNS.contains(&sql) {
        Some("it is a partition column's name".to_string())
    } else if !seen.insert(sql) {
        Some("another column has the same name".to_string())
    } else {
        identifier_problem(sql)
    };
    match why {
        Some(why) => Err(LakeError::InvalidInput(format!(
            "column {sql:?} (attribute {name:?}) cannot be an Athena column: {why}"
        ))),
        None => ddl_identifier(sql),
    }
}

/// One `  `column` int` line per partition column, outermost first.
fn partition_lines() -> Result<String> {
    let lines = PARTITION_COLUMNS
        .iter()
        .map(|c| Ok(format!("  {} int", ddl_identifier(c)?)))
        .collect::<Result<Vec<_>>>()?;
    Ok(lines.join(",\n"))
}

/// The partition projection (and Parquet) table properties, in DDL order.
fn table_properties(location: &str, years: (i32, i32)) -> Result<Vec<(String, String)>> {
    let mut props = vec![("projection.enabled".to_string(), "true".to_string())];
    for column in PARTITION_COLUMNS {
        let ((low, high), digits) = projection_of(column, years)?;
        props.push((format!("projection.{column}.type"), "integer".to_string()));
        props.push((
            format!("projection.{column}.range"),
            format!("{low},{high}"),
        ));
        if let Some(digits) = digits {
            props.push((format!("projection.{column}.digits"), digits.to_string()));
        }
    }
    props.push((
        "storage.location.template".to_string(),
        location_template(location),
    ));
    props.push(("parquet.compression".to_string(), "SNAPPY".to_string()));
    Ok(props)
}

/// The inclusive range a partition column projects, and its zero-padding width if padded.
fn projection_of(column: &str, years: (i32, i32)) -> Result<((i32, i32), Option<usize>)> {
    match column {
        "year" => Ok((years, None)),
        "month" => Ok(((1, 12), Some(PAD_DIGITS))),
        "day" => Ok(((1, 31), Some(PAD_DIGITS))),
        other => Err(LakeError::InvalidInput(format!(
            "partition column {other:?} has no projection defined"
        ))),
    }
}

/// `  'key'='value'` lines.
fn property_lines(props: &[(String, String)]) -> Result<String> {
    let lines = props
        .iter()
        .map(|(k, v)| Ok(format!("  {}={}", ddl_string(k, k)?, ddl_string(k, v)?)))
        .collect::<Result<Vec<_>>>()?;
    Ok(lines.join(",\n"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::contract::ColumnType;

    fn column(name: &str, ty: ColumnType) -> Column {
        Column {
            name: name.to_string(),
            sql_name: name.to_lowercase(),
            ty,
            derived: false,
            mixed: false,
        }
    }

    fn table(location: &str) -> AthenaTable {
        AthenaTable {
            database: "dynamo_lake".into(),
            table: "gsi_export".into(),
            location: location.into(),
            year_range: (2024, 2030),
        }
    }

    fn err(r: Result<String>) -> String {
        r.expect_err("refused").to_string()
    }

    #[test]
    fn identifiers_are_backticked_and_backticks_doubled() {
        for (name, quoted) in [
            ("date", "`date`"),
            ("user", "`user`"),
            ("first name", "`first name`"),
            ("it's", "`it's`"),
            ("say \"hi\"", "`say \"hi\"`"),
            ("tick`name", "`tick``name`"),
            ("größe", "`größe`"),
            ("名前", "`名前`"),
            ("_id", "`_id`"),
        ] {
            assert_eq!(ddl_identifier(name).expect("valid"), quoted, "{name}");
        }
    }

    #[test]
    fn identifiers_glue_cannot_store_are_refused_with_the_name() {
        let msg = err(ddl_identifier("line\nbreak"));
        assert!(
            msg.contains("\"line\\nbreak\"") && msg.contains("control"),
            "{msg}"
        );
        assert!(err(ddl_identifier("tab\there")).contains("control"));
        assert!(err(ddl_identifier("del\u{7f}")).contains("control"));
        assert!(err(ddl_identifier("")).contains("empty"));
        assert!(err(ddl_identifier(&"x".repeat(256))).contains("255"));
        assert!(ddl_identifier(&"x".repeat(255)).is_ok());
        // 128 two-byte characters: 128 characters, 256 bytes.
        assert!(err(ddl_identifier(&"ß".repeat(128))).contains("bytes"));
        assert!(err(ddl_identifier("Agent")).contains("\"agent\""));
    }

    #[test]
    fn locations_are_normalised_to_one_trailing_slash() {
        for (given, want) in [
            ("s3://b/p", "s3://b/p/"),
            ("s3://b/p/", "s3://b/p/"),
            ("s3://b/p///", "s3://b/p/"),
            ("s3://b", "s3://b/"),
            ("s3://b/", "s3://b/"),
            ("s3://b/a/b", "s3://b/a/b/"),
        ] {
            let t = AthenaTable::new("d", "t", given, (2024, 2030)).expect("valid");
            assert_eq!(t.location, want, "{given}");
        }
    }

    #[test]
    fn only_s3_locations_without_quotes_or_placeholders_pass() {
        let contract = Contract {
            columns: vec![column("a", ColumnType::String)],
        };
        for bad in [
            "gs://b/p",
            "https://b.s3.amazonaws.com/p",
            "/tmp/lake",
            "S3://b/p",
            "s3:///p",
            "s3://Bad_Bucket/p",
            "s3://b/p'x",
            "s3://b/p\\x",
            "s3://b/p\nx",
            "s3://b/${year}",
            "s3://b/a/../p",
        ] {
            let msg = err(create_table_sql(&table(bad), &contract));
            assert!(msg.contains("table location"), "{bad}: {msg}");
            assert!(
                AthenaTable::new("d", "t", bad, (2024, 2030)).is_err(),
                "{bad}"
            );
        }
    }

    #[test]
    fn year_ranges_must_be_ordered_four_digit_years() {
        assert!(AthenaTable::new("d", "t", "s3://b/p", (2024, 2024)).is_ok());
        for bad in [(2030, 2024), (999, 2030), (2024, 10_000), (-1, 2030)] {
            let e = AthenaTable::new("d", "t", "s3://b/p", bad).expect_err("refused");
            assert!(e.to_string().contains("year range"), "{bad:?}: {e}");
        }
    }

    #[test]
    fn database_and_table_names_are_checked_and_named() {
        let mut t = table("s3://b/p");
        t.database = "Reports".into();
        assert!(err(drop_table_sql(&t)).contains("database \"Reports\""));
        t.database = "reports".into();
        t.table = String::new();
        assert!(err(drop_table_sql(&t)).contains("table \"\""));
        assert!(err(create_database_sql("a\0b")).contains("database"));
    }

    #[test]
    fn drop_table_names_the_qualified_table() {
        assert_eq!(
            drop_table_sql(&table("s3://b/p")).expect("valid"),
            "DROP TABLE IF EXISTS `dynamo_lake`.`gsi_export`"
        );
    }

    #[test]
    fn contracts_athena_cannot_take_are_refused_with_the_attribute() {
        let t = table("s3://b/p");
        let empty = Contract { columns: vec![] };
        assert!(err(create_table_sql(&t, &empty)).contains("no columns"));
        let partition = Contract {
            columns: vec![column("Day", ColumnType::Double)],
        };
        let msg = err(create_table_sql(&t, &partition));
        assert!(
            msg.contains("\"Day\"") && msg.contains("partition"),
            "{msg}"
        );
        let twice = Contract {
            columns: vec![
                column("a", ColumnType::String),
                column("A", ColumnType::Double),
            ],
        };
        let msg = err(create_table_sql(&t, &twice));
        assert!(msg.contains("\"A\"") && msg.contains("same name"), "{msg}");
        let control = Contract {
            columns: vec![column("bell\u{7}", ColumnType::String)],
        };
        let msg = err(create_table_sql(&t, &control));
        assert!(msg.contains("attribute \"bell\\u{7}\""), "{msg}");
    }

    #[test]
    fn every_column_type_has_its_athena_type() {
        let columns = [
            ColumnType::String,
            ColumnType::Double,
            ColumnType::Boolean,
            ColumnType::Binary,
            ColumnType::StringList,
            ColumnType::DoubleList,
            ColumnType::BinaryList,
            ColumnType::Json,
        ]
        .iter()
        .enumerate()
        .map(|(i, ty)| column(&format!("c{i}"), *ty))
        .collect();
        let ddl = create_table_sql(&table("s3://b/p"), &Contract { columns }).expect("valid");
        for line in [
            "`c0` string,",
            "`c1` double,",
            "`c2` boolean,",
            "`c3` binary,",
            "`c4` array<string>,",
            "`c5` array<double>,",
            "`c6` array<binary>,",
            "`c7` string\n)",
        ] {
            assert!(ddl.contains(line), "{line} missing from\n{ddl}");
        }
    }

    #[test]
    fn exact_numbers_are_bigint_and_decimal_columns() {
        let columns = vec![
            column("i", ColumnType::BigInt),
            column("d", ColumnType::Decimal { scale: 34 }),
        ];
        let ddl = create_table_sql(&table("s3://b/p"), &Contract { columns }).expect("valid");
        assert!(
            ddl.contains("`i` bigint,") && ddl.contains("`d` decimal(38,34)\n)"),
            "{ddl}"
        );
    }
}
