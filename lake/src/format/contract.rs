//! The type contract: one column type per attribute for the whole table, never per partition.
//! The writer, the embedded engine and the Athena DDL all read it.

use std::collections::BTreeMap;
use std::sync::Arc;

use datafusion::arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use serde::{Deserialize, Serialize};

use crate::format::item::{AttrValue, Item};
use crate::{LakeError, Result};

/// The lake type of one column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ColumnType {
    /// DynamoDB S.
    String,
    /// DynamoDB N (as in the seed: every number is a DOUBLE).
    Double,
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
    /// The column type a value asks for; `None` for NULL, which fits every type.
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
            ColumnType::Boolean => DataType::Boolean,
            ColumnType::Binary => DataType::Binary,
            ColumnType::StringList => list(DataType::Utf8),
            ColumnType::DoubleList => list(DataType::Float64),
            ColumnType::BinaryList => list(DataType::Binary),
        }
    }

    /// The Athena (Hive DDL) type name.
    pub fn athena_type(self) -> &'static str {
        match self {
            ColumnType::String | ColumnType::Json => "string",
            ColumnType::Double => "double",
            ColumnType::Boolean => "boolean",
            ColumnType::Binary => "binary",
            ColumnType::StringList => "array<string>",
            ColumnType::DoubleList => "array<double>",
            ColumnType::BinaryList => "array<binary>",
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
}

/// Infers a contract from items: the first non-NULL type seen for an attribute wins, and
/// values of another type are counted as conflicts.
#[derive(Debug, Default)]
pub struct ContractBuilder {
    seen: BTreeMap<String, Option<ColumnType>>,
    conflicts: BTreeMap<String, u64>,
}

impl ContractBuilder {
    /// Records the attributes of one item.
    pub fn observe(&mut self, item: &Item) {
        for (name, value) in item {
            let ty = ColumnType::of(value);
            let slot = self.seen.entry(name.clone()).or_insert(None);
            match (*slot, ty) {
                (None, Some(t)) => *slot = Some(t),
                (Some(have), Some(t)) if have != t => {
                    *self.conflicts.entry(name.clone()).or_default() += 1
                }
                _ => {}
            }
        }
    }

    /// Starts from an existing contract (the lake's): its types win, new attributes are added.
    pub fn from_contract(contract: &Contract) -> Self {
        let mut b = ContractBuilder::default();
        for c in contract.columns.iter().filter(|c| !c.derived) {
            b.seen.insert(c.name.clone(), Some(c.ty));
        }
        b
    }

    /// Adds what another builder saw, after what this one saw (first type still wins).
    pub fn merge(&mut self, other: ContractBuilder) {
        for (name, ty) in other.seen {
            let slot = self.seen.entry(name.clone()).or_insert(None);
            match (*slot, ty) {
                (None, t) => *slot = t,
                (Some(have), Some(t)) if have != t => *self.conflicts.entry(name).or_default() += 1,
                _ => {}
            }
        }
        for (name, n) in other.conflicts {
            *self.conflicts.entry(name).or_default() += n;
        }
    }

    /// Attributes with values of more than one type, and how many values disagreed with the first.
    pub fn conflicts(&self) -> &BTreeMap<String, u64> {
        &self.conflicts
    }

    /// Builds the contract, appending the derived `extra_date_column` when given. Attributes only
    /// ever NULL become strings (never a NULL-typed column).
    pub fn finish(self, extra_date_column: Option<&str>) -> Result<Contract> {
        let mut columns: Vec<Column> = self
            .seen
            .into_iter()
            .map(|(name, ty)| Column {
                sql_name: name.to_lowercase(),
                name,
                ty: ty.unwrap_or(ColumnType::String),
                derived: false,
            })
            .collect();
        if let Some(extra) = extra_date_column {
            if let Some(existing) = columns.iter().find(|c| c.name == extra) {
                return Err(LakeError::InvalidInput(format!(
                    "the extra date column {extra:?} is already an attribute of the items ({:?})",
                    existing.name
                )));
            }
            columns.push(Column {
                name: extra.to_string(),
                sql_name: extra.to_lowercase(),
                ty: ColumnType::String,
                derived: true,
            });
        }
        check_case_collisions(&columns)?;
        Ok(Contract { columns })
    }
}

/// Partition columns are reserved: an attribute may not take their names.
pub const RESERVED: [&str; 3] = ["year", "month", "day"];

fn check_case_collisions(columns: &[Column]) -> Result<()> {
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
    use crate::format::item::parse_item_line;

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
    fn conflicting_types_are_counted() {
        let mut b = ContractBuilder::default();
        for l in [
            r#"{"x":{"N":"1"}}"#,
            r#"{"x":{"S":"one"}}"#,
            r#"{"x":{"S":"two"}}"#,
        ] {
            b.observe(&parse_item_line(l).expect("valid"));
        }
        assert_eq!(b.conflicts().get("x"), Some(&2));
    }

    #[test]
    fn partition_names_are_reserved() {
        let err = build(&[r#"{"Year":{"N":"2026"}}"#], None).expect_err("reserved");
        assert!(err.to_string().contains("partition column"), "{err}");
    }
}
