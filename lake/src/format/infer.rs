//! Inferring a contract from items: an attribute seen with one DynamoDB type gets that type's
//! column, one seen with several becomes a mixed string column (each value's text), numbers are
//! typed by the [`NumberMode`], and the columns of an existing contract keep their types.

use std::collections::BTreeMap;

use super::contract::{Column, ColumnType, Contract, check_case_collisions};
use super::number::{DECIMAL_PRECISION, Decimal, NumberMode};
use crate::format::item::{AttrValue, Item};
use crate::{LakeError, Result};

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
    /// N values (and NS elements) a double cannot hold exactly.
    inexact: u64,
    /// NS values with an element a double cannot hold exactly.
    inexact_sets: u64,
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
    fn observe(&mut self, parsed: Option<&Decimal>) {
        match parsed {
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
            match value {
                AttrValue::N(n) => {
                    // Parsed once for both: the exact column's shape and whether a double holds it.
                    let parsed = Decimal::parse(n);
                    seen.numbers.observe(parsed.as_ref());
                    if !parsed.is_some_and(|d| d.round_trips(n)) {
                        seen.inexact += 1;
                    }
                }
                AttrValue::NS(ns) => {
                    let inexact = ns.iter().filter(|n| !Decimal::double_is_exact(n)).count();
                    seen.inexact += inexact as u64;
                    seen.inexact_sets += u64::from(inexact > 0);
                }
                _ => {}
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
            seen.inexact_sets += s.inexact_sets;
        }
        for (name, c) in other.fixed {
            self.fixed.entry(name).or_insert(c);
        }
    }

    /// Attributes new to the contract that become mixed string columns (each value's exact
    /// text), with the DynamoDB types seen: several types, or (`--numbers exact`) numbers that
    /// no BIGINT or DECIMAL(38, s) column can hold.
    pub fn mixed(&self) -> BTreeMap<String, Vec<&'static str>> {
        self.seen
            .iter()
            .filter(|(name, s)| {
                !self.fixed.contains_key(*name) && s.kinds != 0 && self.column_type(s).1
            })
            .map(|(name, s)| (name.clone(), kind_names(s.kinds)))
            .collect()
    }

    /// Per attribute stored as DOUBLE, how many of its numbers a double cannot hold exactly
    /// (`12345678901234567890`, `0.1000000000000000055511151231257827`).
    pub fn inexact_numbers(&self) -> BTreeMap<String, u64> {
        self.seen
            .iter()
            .filter(|(_, s)| s.inexact > 0)
            .filter(|(name, s)| {
                let ty = match self.fixed.get(*name) {
                    Some(c) => c.ty,
                    None => self.column_type(s).0,
                };
                matches!(ty, ColumnType::Double | ColumnType::DoubleList)
            })
            .map(|(name, s)| (name.clone(), s.inexact))
            .collect()
    }

    /// The column type and mixed flag of an attribute new to the contract.
    fn column_type(&self, s: &Seen) -> (ColumnType, bool) {
        let n_bit = 1 << 1;
        let ns_bit = 1 << 5;
        match s.kinds.count_ones() {
            // Only ever NULL: a string column that takes any later value as its text.
            0 => (ColumnType::String, true),
            1 if s.kinds == ns_bit && self.mode == NumberMode::Exact && s.inexact_sets > 0 => {
                (ColumnType::String, true)
            }
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
                        .unwrap_or((ColumnType::String, true));
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
