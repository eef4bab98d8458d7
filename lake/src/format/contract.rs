//! The type contract: one column type per attribute for the whole table, never per partition.
//! The writer, the embedded engine and the Athena DDL all read it.

use std::collections::BTreeMap;
use std::sync::Arc;

use datafusion::arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use serde::{Deserialize, Serialize};

use crate::format::item::{AttrValue, Item};
use crate::{LakeError, Result};

/// How DynamoDB numbers (N) are typed in a new column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum NumberMode {
    /// Every number is a DOUBLE (seed 001); numbers a double cannot hold exactly are counted and
    /// named in the summary.
    #[default]
    Double,
    /// Integral attributes that fit become BIGINT, the rest DECIMAL(38, s) with the largest scale
    /// seen; an attribute whose values fit neither is stored as its exact text.
    Exact,
}

impl std::str::FromStr for NumberMode {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        match s.to_ascii_lowercase().as_str() {
            "double" => Ok(NumberMode::Double),
            "exact" => Ok(NumberMode::Exact),
            other => Err(format!(
                "unknown number mode {other:?}: expected double or exact"
            )),
        }
    }
}

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

/// The precision of every DECIMAL column (DynamoDB numbers have at most 38 significant digits).
pub const DECIMAL_PRECISION: u8 = 38;

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

/// Bit of each DynamoDB type in [`Seen::kinds`].
fn kind_bit(value: &AttrValue) -> u16 {
    match value {
        AttrValue::S(_) => 1,
        AttrValue::N(_) => 1 << 1,
        AttrValue::B(_) => 1 << 2,
        AttrValue::Bool(_) => 1 << 3,
        AttrValue::Null(_) => 0,
        AttrValue::SS(_) => 1 << 4,
        AttrValue::NS(_) => 1 << 5,
        AttrValue::BS(_) => 1 << 6,
        AttrValue::M(_) | AttrValue::L(_) => 1 << 7,
    }
}

/// DynamoDB type names of a kinds mask, for messages (`["N", "S"]`).
fn kind_names(mask: u16) -> Vec<&'static str> {
    [
        (1, "S"),
        (1 << 1, "N"),
        (1 << 2, "B"),
        (1 << 3, "BOOL"),
        (1 << 4, "SS"),
        (1 << 5, "NS"),
        (1 << 6, "BS"),
        (1 << 7, "M/L"),
    ]
    .into_iter()
    .filter(|(bit, _)| mask & bit != 0)
    .map(|(_, name)| name)
    .collect()
}

/// What one attribute's values looked like.
#[derive(Debug, Clone, Default)]
struct Seen {
    /// DynamoDB types seen (bits of [`kind_bit`]).
    kinds: u16,
    /// The shape of its N values (for `--numbers exact`).
    numbers: NumberShape,
    /// N values a double cannot hold exactly.
    inexact: u64,
}

/// The shape of an attribute's numbers: whether all are integers within 64 bits, the largest
/// scale and integer part, and whether any cannot be a DECIMAL(38, s) at all.
#[derive(Debug, Clone, Copy)]
struct NumberShape {
    all_i64: bool,
    max_scale: u32,
    max_int_digits: u32,
    unfit: bool,
}

impl Default for NumberShape {
    fn default() -> Self {
        NumberShape {
            all_i64: true,
            max_scale: 0,
            max_int_digits: 0,
            unfit: false,
        }
    }
}

impl NumberShape {
    fn observe(&mut self, text: &str) {
        match Decimal::parse(text) {
            Some(d) => {
                self.all_i64 &= d.to_i64().is_some();
                self.max_scale = self.max_scale.max(d.scale());
                self.max_int_digits = self.max_int_digits.max(d.int_digits());
            }
            None => self.unfit = true,
        }
    }

    fn merge(&mut self, other: NumberShape) {
        self.all_i64 &= other.all_i64;
        self.max_scale = self.max_scale.max(other.max_scale);
        self.max_int_digits = self.max_int_digits.max(other.max_int_digits);
        self.unfit |= other.unfit;
    }

    /// The exact column type for these numbers; `None` when DECIMAL(38, s) cannot hold them all.
    fn exact_type(self) -> Option<ColumnType> {
        if self.all_i64 {
            return Some(ColumnType::BigInt);
        }
        let fits = !self.unfit && self.max_scale + self.max_int_digits <= DECIMAL_PRECISION as u32;
        fits.then_some(ColumnType::Decimal {
            scale: self.max_scale as u8,
        })
    }
}

/// Infers a contract from items. An attribute seen with one DynamoDB type gets that type's
/// column; one seen with several (in this run) becomes a *mixed* string column holding each
/// value's text, so nothing is lost. Columns of an existing contract keep their type: items that
/// disagree with it are rejected by the reader ([`Contract::misfit`]), not written as NULL.
#[derive(Debug, Default)]
pub struct ContractBuilder {
    mode: NumberMode,
    fixed: BTreeMap<String, Column>,
    seen: BTreeMap<String, Seen>,
}

impl ContractBuilder {
    /// An empty builder typing numbers by `mode`.
    pub fn new(mode: NumberMode) -> Self {
        ContractBuilder {
            mode,
            ..Default::default()
        }
    }

    /// Starts from an existing contract (the lake's): its columns keep their types, new
    /// attributes are added.
    pub fn from_contract(contract: &Contract, mode: NumberMode) -> Self {
        let mut b = ContractBuilder::new(mode);
        for c in contract.columns.iter().filter(|c| !c.derived) {
            b.fixed.insert(c.name.clone(), c.clone());
        }
        b
    }

    /// Records the attributes of one item.
    pub fn observe(&mut self, item: &Item) {
        for (name, value) in item {
            let seen = self.seen.entry(name.clone()).or_default();
            seen.kinds |= kind_bit(value);
            if let AttrValue::N(n) = value {
                seen.numbers.observe(n);
                if !Decimal::double_is_exact(n) {
                    seen.inexact += 1;
                }
            }
        }
    }

    /// Adds what another builder saw.
    pub fn merge(&mut self, other: ContractBuilder) {
        for (name, s) in other.seen {
            let seen = self.seen.entry(name).or_default();
            seen.kinds |= s.kinds;
            seen.numbers.merge(s.numbers);
            seen.inexact += s.inexact;
        }
        for (name, c) in other.fixed {
            self.fixed.entry(name).or_insert(c);
        }
    }

    /// Attributes new to the contract that were seen with more than one DynamoDB type, with those
    /// types: they become mixed string columns.
    pub fn mixed(&self) -> BTreeMap<String, Vec<&'static str>> {
        self.seen
            .iter()
            .filter(|(name, s)| !self.fixed.contains_key(*name) && s.kinds.count_ones() > 1)
            .map(|(name, s)| (name.clone(), kind_names(s.kinds)))
            .collect()
    }

    /// Per attribute stored as DOUBLE, how many of its numbers a double cannot hold exactly
    /// (`12345678901234567890`, `0.1000000000000000055511151231257827`).
    pub fn inexact_numbers(&self) -> BTreeMap<String, u64> {
        self.seen
            .iter()
            .filter(|(_, s)| s.inexact > 0)
            .filter(|(name, s)| match self.fixed.get(*name) {
                Some(c) => c.ty == ColumnType::Double,
                None => self.column_type(s).0 == ColumnType::Double,
            })
            .map(|(name, s)| (name.clone(), s.inexact))
            .collect()
    }

    /// The column type and mixed flag of an attribute new to the contract.
    fn column_type(&self, s: &Seen) -> (ColumnType, bool) {
        let n_bit = 1 << 1;
        match s.kinds.count_ones() {
            0 => (ColumnType::String, false),
            1 if s.kinds == n_bit => match self.mode {
                NumberMode::Double => (ColumnType::Double, false),
                NumberMode::Exact => match s.numbers.exact_type() {
                    Some(t) => (t, false),
                    None => (ColumnType::String, true),
                },
            },
            1 => {
                let ty = match s.kinds {
                    1 => ColumnType::String,
                    4 => ColumnType::Binary,
                    8 => ColumnType::Boolean,
                    16 => ColumnType::StringList,
                    32 => ColumnType::DoubleList,
                    64 => ColumnType::BinaryList,
                    _ => ColumnType::Json,
                };
                (ty, false)
            }
            _ => (ColumnType::String, true),
        }
    }

    /// Builds the contract, appending the derived `extra_date_column` when given. Attributes only
    /// ever NULL become strings (never a NULL-typed column).
    pub fn finish(self, extra_date_column: Option<&str>) -> Result<Contract> {
        let mut names: Vec<&String> = self.fixed.keys().chain(self.seen.keys()).collect();
        names.sort();
        names.dedup();
        let mut columns: Vec<Column> = names
            .into_iter()
            .map(|name| match self.fixed.get(name) {
                Some(c) => c.clone(),
                None => {
                    let (ty, mixed) = self
                        .seen
                        .get(name)
                        .map(|s| self.column_type(s))
                        .unwrap_or((ColumnType::String, false));
                    Column {
                        sql_name: name.to_lowercase(),
                        name: name.clone(),
                        ty,
                        derived: false,
                        mixed,
                    }
                }
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
                mixed: false,
            });
        }
        check_case_collisions(&columns)?;
        Ok(Contract { columns })
    }
}

/// A DynamoDB number as exact decimal digits: `value = ±digits × 10^exp`, `digits` without
/// leading or trailing zeros (empty for zero).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decimal {
    /// Whether the number is negative.
    pub negative: bool,
    /// Significant digits.
    pub digits: String,
    /// Power of ten of the last digit.
    pub exp: i64,
}

impl Decimal {
    /// Parses DynamoDB's number text (`-12.50`, `1E+5`, `.5`); `None` for anything else.
    pub fn parse(text: &str) -> Option<Decimal> {
        let t = text.trim();
        let (negative, t) = match t.as_bytes().first()? {
            b'-' => (true, &t[1..]),
            b'+' => (false, &t[1..]),
            _ => (false, t),
        };
        let (mantissa, exp) = match t.find(['e', 'E']) {
            Some(i) => (&t[..i], t[i + 1..].parse::<i64>().ok()?),
            None => (t, 0),
        };
        let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
        if (int.is_empty() && frac.is_empty())
            || !int.bytes().chain(frac.bytes()).all(|b| b.is_ascii_digit())
            || exp.abs() > 1_000_000
        {
            return None;
        }
        let all = format!("{int}{frac}");
        let mut exp = exp - frac.len() as i64;
        let trimmed = all.trim_start_matches('0');
        let digits = trimmed.trim_end_matches('0');
        exp += (trimmed.len() - digits.len()) as i64;
        if digits.is_empty() {
            exp = 0;
        }
        Some(Decimal {
            negative: negative && !digits.is_empty(),
            digits: digits.to_string(),
            exp,
        })
    }

    /// Digits after the decimal point.
    pub fn scale(&self) -> u32 {
        (-self.exp).max(0).min(u32::MAX as i64) as u32
    }

    /// Digits before the decimal point.
    pub fn int_digits(&self) -> u32 {
        (self.digits.len() as i64 + self.exp)
            .max(0)
            .min(u32::MAX as i64) as u32
    }

    /// The value as an i64, when it is an integer within range.
    pub fn to_i64(&self) -> Option<i64> {
        let v = self.scaled(0)?;
        i64::try_from(v).ok()
    }

    /// The value × 10^scale as an i128 within DECIMAL(38)'s digits; `None` when it has more
    /// decimals than `scale` or more digits than 38.
    pub fn scaled(&self, scale: u8) -> Option<i128> {
        if self.digits.is_empty() {
            return Some(0);
        }
        let shift = self.exp + i64::from(scale);
        if shift < 0 || self.digits.len() as i64 + shift > i64::from(DECIMAL_PRECISION) {
            return None;
        }
        let mut v: i128 = self.digits.parse().ok()?;
        for _ in 0..shift {
            v = v.checked_mul(10)?;
        }
        Some(if self.negative { -v } else { v })
    }

    /// Whether a double holds `text` exactly: parsing it and printing the double back gives the
    /// same decimal value (`0.1` does; `12345678901234567890` does not).
    pub fn double_is_exact(text: &str) -> bool {
        let Some(want) = Decimal::parse(text) else {
            return false;
        };
        let Ok(x) = text.trim().parse::<f64>() else {
            return false;
        };
        x.is_finite() && Decimal::parse(&format!("{x:e}")).is_some_and(|got| got == want)
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
