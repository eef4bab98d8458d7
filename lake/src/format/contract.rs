//! The type contract: one column type per attribute for the whole table, never per partition.
//! The writer, the embedded engine and the Athena DDL all read it.

use std::collections::BTreeMap;
use std::sync::Arc;

use datafusion::arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use serde::{Deserialize, Serialize};

use super::number::{DECIMAL_PRECISION, Decimal};
use crate::format::item::{AttrValue, Item};
use crate::{LakeError, Result};

/// The lake type of one column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ColumnType {
    /// DynamoDB S (and, for a mixed column, the text of every value).
    String,
    /// DynamoDB N (as in the seed: every number is a DOUBLE).
    Double,
    /// DynamoDB N, integral and within 64 bits (`--numbers exact`).
    BigInt,
    /// DynamoDB N with at most `scale` decimals, DECIMAL(38, scale) (`--numbers exact`).
    Decimal {
        /// Digits after the decimal point.
        scale: u8,
    },
    /// DynamoDB BOOL.
    Boolean,
    /// DynamoDB B.
    Binary,
    /// DynamoDB SS.
    StringList,
    /// DynamoDB NS.
    DoubleList,
    /// DynamoDB BS.
    BinaryList,
    /// DynamoDB M or L, as a JSON string.
    Json,
}

impl ColumnType {
    /// The column type a value asks for in [`NumberMode::Double`]; `None` for NULL, which fits
    /// every type.
    pub fn of(value: &AttrValue) -> Option<ColumnType> {
        Some(match value {
            AttrValue::S(_) => ColumnType::String,
            AttrValue::N(_) => ColumnType::Double,
            AttrValue::B(_) => ColumnType::Binary,
            AttrValue::Bool(_) => ColumnType::Boolean,
            AttrValue::Null(_) => return None,
            AttrValue::SS(_) => ColumnType::StringList,
            AttrValue::NS(_) => ColumnType::DoubleList,
            AttrValue::BS(_) => ColumnType::BinaryList,
            AttrValue::M(_) | AttrValue::L(_) => ColumnType::Json,
        })
    }

    /// The Arrow type written to Parquet.
    pub fn arrow_type(self) -> DataType {
        let list = |inner: DataType| DataType::List(Arc::new(Field::new("item", inner, true)));
        match self {
            ColumnType::String | ColumnType::Json => DataType::Utf8,
            ColumnType::Double => DataType::Float64,
            ColumnType::BigInt => DataType::Int64,
            ColumnType::Decimal { scale } => DataType::Decimal128(DECIMAL_PRECISION, scale as i8),
            ColumnType::Boolean => DataType::Boolean,
            ColumnType::Binary => DataType::Binary,
            ColumnType::StringList => list(DataType::Utf8),
            ColumnType::DoubleList => list(DataType::Float64),
            ColumnType::BinaryList => list(DataType::Binary),
        }
    }

    /// The Athena (Hive DDL) type name.
    pub fn athena_type(self) -> String {
        match self {
            ColumnType::String | ColumnType::Json => "string".into(),
            ColumnType::Double => "double".into(),
            ColumnType::BigInt => "bigint".into(),
            ColumnType::Decimal { scale } => format!("decimal({DECIMAL_PRECISION},{scale})"),
            ColumnType::Boolean => "boolean".into(),
            ColumnType::Binary => "binary".into(),
            ColumnType::StringList => "array<string>".into(),
            ColumnType::DoubleList => "array<double>".into(),
            ColumnType::BinaryList => "array<binary>".into(),
        }
    }

    /// How the column type is named in messages.
    pub fn describe(self) -> String {
        match self {
            ColumnType::String => "a string (S)".into(),
            ColumnType::Double => "a double (N)".into(),
            ColumnType::BigInt => "a bigint (integral N)".into(),
            ColumnType::Decimal { scale } => {
                format!("a decimal({DECIMAL_PRECISION},{scale}) (N with at most {scale} decimals)")
            }
            ColumnType::Boolean => "a boolean (BOOL)".into(),
            ColumnType::Binary => "binary (B)".into(),
            ColumnType::StringList => "a string set (SS)".into(),
            ColumnType::DoubleList => "a number set (NS)".into(),
            ColumnType::BinaryList => "a binary set (BS)".into(),
            ColumnType::Json => "a map or list (M/L, as JSON)".into(),
        }
    }
}

/// One column of the contract.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Column {
    /// The DynamoDB attribute name, also the Parquet field name.
    pub name: String,
    /// The name Athena (and the embedded engine) show: the attribute name in lower case.
    pub sql_name: String,
    /// The column's type.
    #[serde(rename = "type")]
    pub ty: ColumnType,
    /// Whether the column is derived by dynamo-lake rather than read from the item.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub derived: bool,
    /// A string column whose attribute was seen with several DynamoDB types: every value is stored
    /// as its text ([`AttrValue::to_text`]), so any type fits.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub mixed: bool,
}

impl Column {
    /// Whether `value` can be stored in this column exactly; `Err` says why not.
    pub fn accepts(&self, value: &AttrValue) -> std::result::Result<(), String> {
        if matches!(value, AttrValue::Null(_)) || (self.mixed && self.ty == ColumnType::String) {
            return Ok(());
        }
        let fits = match (self.ty, value) {
            (ColumnType::String, AttrValue::S(_))
            | (ColumnType::Boolean, AttrValue::Bool(_))
            | (ColumnType::Binary, AttrValue::B(_))
            | (ColumnType::StringList, AttrValue::SS(_))
            | (ColumnType::BinaryList, AttrValue::BS(_))
            | (ColumnType::Json, AttrValue::M(_) | AttrValue::L(_)) => true,
            (ColumnType::Double, AttrValue::N(n)) => n.trim().parse::<f64>().is_ok(),
            (ColumnType::DoubleList, AttrValue::NS(xs)) => {
                xs.iter().all(|x| x.trim().parse::<f64>().is_ok())
            }
            (ColumnType::BigInt, AttrValue::N(n)) => {
                Decimal::parse(n).and_then(|d| d.to_i64()).is_some()
            }
            (ColumnType::Decimal { scale }, AttrValue::N(n)) => {
                Decimal::parse(n).and_then(|d| d.scaled(scale)).is_some()
            }
            _ => false,
        };
        if fits {
            return Ok(());
        }
        let what = match value {
            AttrValue::N(n) => format!("the number {n} ({})", value.type_name()),
            other => format!("a {} value", other.type_name()),
        };
        Err(format!(
            "attribute {:?} holds {what}, but the lake's contract makes it {}; the item is kept here whole instead of writing NULL",
            self.name,
            self.ty.describe()
        ))
    }
}

/// The whole table's type contract.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Contract {
    /// Columns in file order: item attributes sorted by name, then derived columns.
    pub columns: Vec<Column>,
}

impl Contract {
    /// The Arrow schema of every data file.
    pub fn arrow_schema(&self) -> SchemaRef {
        Arc::new(Schema::new(
            self.columns
                .iter()
                .map(|c| Field::new(&c.name, c.ty.arrow_type(), true))
                .collect::<Vec<_>>(),
        ))
    }

    /// Looks a column up by its SQL (lower-case) name.
    pub fn column_by_sql_name(&self, sql_name: &str) -> Option<&Column> {
        self.columns.iter().find(|c| c.sql_name == sql_name)
    }

    /// The first attribute of `item` whose value this contract cannot store exactly, and why;
    /// `None` when the whole item fits (attributes new to the contract always fit: they add columns).
    pub fn misfit(&self, item: &Item) -> Option<(String, String)> {
        self.columns.iter().filter(|c| !c.derived).find_map(|c| {
            let value = item.get(&c.name)?;
            c.accepts(value).err().map(|why| (c.name.clone(), why))
        })
    }
}

/// Partition columns are reserved: an attribute may not take their names.
pub const RESERVED: [&str; 3] = ["year", "month", "day"];

pub(crate) fn check_case_collisions(columns: &[Column]) -> Result<()> {
    let mut by_lower: BTreeMap<&str, &str> = BTreeMap::new();
    for c in columns {
        if RESERVED.contains(&c.sql_name.as_str()) {
            return Err(LakeError::InvalidInput(format!(
                "attribute {:?} would collide with the partition column {:?}",
                c.name, c.sql_name
            )));
        }
        if let Some(first) = by_lower.insert(&c.sql_name, &c.name) {
            return Err(LakeError::CaseCollision {
                first: first.to_string(),
                second: c.name.clone(),
                lower: c.sql_name.clone(),
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::infer::ContractBuilder;
    use crate::format::item::parse_item_line;
    use crate::format::number::NumberMode;

    fn build(lines: &[&str], extra: Option<&str>) -> Result<Contract> {
        let mut b = ContractBuilder::default();
        for l in lines {
            b.observe(&parse_item_line(l).expect("valid"));
        }
        b.finish(extra)
    }

    #[test]
    fn types_follow_dynamodb_and_nulls_never_make_null_columns() {
        let c = build(
            &[
                r#"{"a":{"NULL":true},"n":{"N":"1"},"m":{"M":{}},"s":{"SS":["x"]}}"#,
                r#"{"a":{"NULL":true}}"#,
            ],
            Some("report_date"),
        )
        .expect("builds");
        let types: Vec<_> = c.columns.iter().map(|c| (c.name.as_str(), c.ty)).collect();
        assert_eq!(
            types,
            vec![
                ("a", ColumnType::String),
                ("m", ColumnType::Json),
                ("n", ColumnType::Double),
                ("s", ColumnType::StringList),
                ("report_date", ColumnType::String)
            ]
        );
    }

    #[test]
    fn case_collisions_name_both_attributes() {
        let err = build(&[r#"{"Agent":{"S":"a"},"agent":{"S":"b"}}"#], None).expect_err("collides");
        let msg = err.to_string();
        assert!(
            msg.contains("\"Agent\"") && msg.contains("\"agent\""),
            "{msg}"
        );
    }

    #[test]
    fn an_attribute_of_several_types_becomes_a_mixed_string_column() {
        let mut b = ContractBuilder::default();
        for l in [
            r#"{"x":{"N":"1"}}"#,
            r#"{"x":{"S":"one"}}"#,
            r#"{"x":{"BOOL":true},"y":{"N":"2"}}"#,
        ] {
            b.observe(&parse_item_line(l).expect("valid"));
        }
        assert_eq!(b.mixed().get("x"), Some(&vec!["S", "N", "BOOL"]));
        let c = b.finish(None).expect("builds");
        let x = c.column_by_sql_name("x").expect("x");
        assert!(x.ty == ColumnType::String && x.mixed, "{x:?}");
        assert_eq!(c.column_by_sql_name("y").expect("y").ty, ColumnType::Double);
        // A mixed column takes any type later; a plain one only its own.
        assert!(x.accepts(&AttrValue::N("5".into())).is_ok());
        let y = c.column_by_sql_name("y").expect("y");
        let why = y
            .accepts(&AttrValue::S("five".into()))
            .expect_err("S in a double");
        assert!(why.contains("\"y\"") && why.contains("double"), "{why}");
    }

    #[test]
    fn the_lakes_contract_keeps_its_types_and_names_misfits() {
        let mut first = ContractBuilder::default();
        first.observe(&parse_item_line(r#"{"x":{"N":"1"}}"#).expect("valid"));
        let lake = first.finish(None).expect("builds");
        let mut next = ContractBuilder::from_contract(&lake, NumberMode::Double);
        let item = parse_item_line(r#"{"x":{"S":"one"},"z":{"S":"new"}}"#).expect("valid");
        next.observe(&item);
        assert!(next.mixed().is_empty(), "a fixed column never turns mixed");
        let (attr, why) = lake.misfit(&item).expect("S does not fit a double");
        assert_eq!(attr, "x");
        assert!(why.contains("S value"), "{why}");
        let grown = next.finish(None).expect("builds");
        assert_eq!(
            grown.column_by_sql_name("x").expect("x").ty,
            ColumnType::Double
        );
        assert_eq!(
            grown.column_by_sql_name("z").expect("z").ty,
            ColumnType::String
        );
    }

    #[test]
    fn decimals_parse_exactly() {
        let d = Decimal::parse("-12.500").expect("number");
        assert_eq!((d.negative, d.digits.as_str(), d.exp), (true, "125", -1));
        assert_eq!(
            Decimal::parse("1E+5").expect("number").to_i64(),
            Some(100_000)
        );
        assert_eq!(Decimal::parse("0.000").expect("number").scaled(2), Some(0));
        assert_eq!(Decimal::parse(".5").expect("number").scaled(1), Some(5));
        assert_eq!(Decimal::parse("1.25").expect("number").scaled(1), None);
        assert_eq!(
            Decimal::parse("12345678901234567890")
                .expect("number")
                .to_i64(),
            None
        );
        for bad in ["", "-", ".", "1.2.3", "abc", "1e", "١٢"] {
            assert!(Decimal::parse(bad).is_none(), "{bad:?}");
        }
    }

    #[test]
    fn numbers_a_double_cannot_hold_are_found() {
        for exact in ["0", "1", "0.1", "-2.5", "1E+3", "123456789012345", "1e-130"] {
            assert!(Decimal::double_is_exact(exact), "{exact}");
        }
        for inexact in [
            "12345678901234567890",
            "0.1000000000000000055511151231257827",
            "9007199254740993",
        ] {
            assert!(!Decimal::double_is_exact(inexact), "{inexact}");
        }
        let mut b = ContractBuilder::default();
        b.observe(
            &parse_item_line(r#"{"big":{"N":"12345678901234567890"},"ok":{"N":"2"}}"#)
                .expect("valid"),
        );
        assert_eq!(
            b.inexact_numbers().into_iter().collect::<Vec<_>>(),
            vec![("big".to_string(), 1)]
        );
    }

    #[test]
    fn exact_numbers_are_bigint_or_decimal() {
        let mut b = ContractBuilder::new(NumberMode::Exact);
        for l in [
            r#"{"i":{"N":"12345678901234567890"},"j":{"N":"7"},"d":{"N":"0.1000000000000000055511151231257827"},"huge":{"N":"1E+100"}}"#,
            r#"{"i":{"N":"1"},"j":{"N":"-9"},"d":{"N":"2.5"},"huge":{"N":"1"}}"#,
        ] {
            b.observe(&parse_item_line(l).expect("valid"));
        }
        assert!(
            b.inexact_numbers().is_empty(),
            "nothing is stored as a double"
        );
        let c = b.finish(None).expect("builds");
        let ty = |n: &str| c.column_by_sql_name(n).expect("column").ty;
        assert_eq!(ty("j"), ColumnType::BigInt);
        assert_eq!(ty("i"), ColumnType::Decimal { scale: 0 });
        assert_eq!(ty("d"), ColumnType::Decimal { scale: 34 });
        let huge = c.column_by_sql_name("huge").expect("huge");
        assert!(huge.ty == ColumnType::String && huge.mixed, "{huge:?}");
    }

    #[test]
    fn partition_names_are_reserved() {
        let err = build(&[r#"{"Year":{"N":"2026"}}"#], None).expect_err("reserved");
        assert!(err.to_string().contains("partition column"), "{err}");
    }
}
