//! Items → Arrow batches with the contract's schema, and the Parquet writer properties every
//! data file uses. Every value lands in its column exactly; one that does not fit is an error,
//! never a NULL in place of a value that was there (the contract rejects such items first).

use std::sync::Arc;

use chrono::NaiveDate;
use datafusion::arrow::array::{
    ArrayBuilder, ArrayRef, BinaryBuilder, BooleanBuilder, Decimal128Builder, Float64Builder,
    Int64Builder, ListBuilder, StringBuilder,
};
use datafusion::arrow::datatypes::SchemaRef;
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::parquet::basic::Compression;
use datafusion::parquet::file::properties::WriterProperties;

use crate::format::contract::{Column, ColumnType, Contract};
use crate::format::item::{AttrValue, Item};
use crate::format::number::{DECIMAL_PRECISION, Decimal};
use crate::{LakeError, Result};

/// The properties of every data file: Snappy pages.
pub fn writer_properties() -> WriterProperties {
    WriterProperties::builder()
        .set_compression(Compression::SNAPPY)
        .build()
}

/// Converts items of one day into a batch with the contract's schema. Every item has passed
/// [`Contract::misfit`], so every value fits its column; one that does not is an error, never a
/// NULL in place of a value that was there.
pub fn to_batch(
    contract: &Contract,
    schema: &SchemaRef,
    items: &[Item],
    day: NaiveDate,
) -> Result<RecordBatch> {
    let day_text = day.format("%Y-%m-%d").to_string();
    let arrays = contract
        .columns
        .iter()
        .map(|col| column_array(col, items, &day_text))
        .collect::<Result<Vec<_>>>()?;
    Ok(RecordBatch::try_new(schema.clone(), arrays)?)
}

/// Fills `builder` with one value per item: `put` appends a value that fits and says whether it
/// did; a missing attribute or NULL is a null.
fn fill<B: ArrayBuilder>(
    col: &Column,
    items: &[Item],
    mut builder: B,
    mut put: impl FnMut(&mut B, &AttrValue) -> bool,
    mut null: impl FnMut(&mut B),
) -> Result<ArrayRef> {
    for item in items {
        match item.get(&col.name) {
            None | Some(AttrValue::Null(_)) => null(&mut builder),
            Some(v) => {
                if !put(&mut builder, v) {
                    return Err(LakeError::InvalidInput(format!(
                        "attribute {:?}: a {} value reached a column of {} (it should have been rejected)",
                        col.name,
                        v.type_name(),
                        col.ty.describe()
                    )));
                }
            }
        }
    }
    Ok(builder.finish())
}

fn column_array(col: &Column, items: &[Item], day_text: &str) -> Result<ArrayRef> {
    if col.derived {
        let mut b = StringBuilder::new();
        items.iter().for_each(|_| b.append_value(day_text));
        return Ok(Arc::new(b.finish()));
    }
    let exact = |n: &str| Decimal::parse(n);
    match col.ty {
        ColumnType::String if col.mixed => fill(
            col,
            items,
            StringBuilder::new(),
            |b, v| v.to_text().map(|t| b.append_value(t)).is_some(),
            |b| b.append_null(),
        ),
        ColumnType::String => fill(
            col,
            items,
            StringBuilder::new(),
            |b, v| matches!(v, AttrValue::S(s) if { b.append_value(s); true }),
            |b| b.append_null(),
        ),
        ColumnType::Json => fill(
            col,
            items,
            StringBuilder::new(),
            |b, v| match v {
                AttrValue::M(_) | AttrValue::L(_) => {
                    b.append_value(v.to_plain_json().to_string());
                    true
                }
                _ => false,
            },
            |b| b.append_null(),
        ),
        ColumnType::Double => fill(
            col,
            items,
            Float64Builder::new(),
            |b, v| match v {
                AttrValue::N(n) => n.trim().parse::<f64>().map(|x| b.append_value(x)).is_ok(),
                _ => false,
            },
            |b| b.append_null(),
        ),
        ColumnType::BigInt => fill(
            col,
            items,
            Int64Builder::new(),
            |b, v| match v {
                AttrValue::N(n) => exact(n)
                    .and_then(|d| d.to_i64())
                    .map(|x| b.append_value(x))
                    .is_some(),
                _ => false,
            },
            |b| b.append_null(),
        ),
        ColumnType::Decimal { scale } => fill(
            col,
            items,
            Decimal128Builder::new().with_precision_and_scale(DECIMAL_PRECISION, scale as i8)?,
            |b, v| match v {
                AttrValue::N(n) => exact(n)
                    .and_then(|d| d.scaled(scale))
                    .map(|x| b.append_value(x))
                    .is_some(),
                _ => false,
            },
            |b| b.append_null(),
        ),
        ColumnType::Boolean => fill(
            col,
            items,
            BooleanBuilder::new(),
            |b, v| matches!(v, AttrValue::Bool(x) if { b.append_value(*x); true }),
            |b| b.append_null(),
        ),
        ColumnType::Binary => fill(
            col,
            items,
            BinaryBuilder::new(),
            |b, v| matches!(v, AttrValue::B(x) if { b.append_value(x); true }),
            |b| b.append_null(),
        ),
        ColumnType::StringList => fill(
            col,
            items,
            ListBuilder::new(StringBuilder::new()),
            |b, v| match v {
                AttrValue::SS(xs) => {
                    xs.iter().for_each(|x| b.values().append_value(x));
                    b.append(true);
                    true
                }
                _ => false,
            },
            |b| b.append(false),
        ),
        ColumnType::DoubleList => fill(
            col,
            items,
            ListBuilder::new(Float64Builder::new()),
            |b, v| match v {
                AttrValue::NS(xs) => {
                    let parsed: Option<Vec<f64>> =
                        xs.iter().map(|x| x.trim().parse::<f64>().ok()).collect();
                    let Some(parsed) = parsed else { return false };
                    parsed.into_iter().for_each(|x| b.values().append_value(x));
                    b.append(true);
                    true
                }
                _ => false,
            },
            |b| b.append(false),
        ),
        ColumnType::BinaryList => fill(
            col,
            items,
            ListBuilder::new(BinaryBuilder::new()),
            |b, v| match v {
                AttrValue::BS(xs) => {
                    xs.iter().for_each(|x| b.values().append_value(x));
                    b.append(true);
                    true
                }
                _ => false,
            },
            |b| b.append(false),
        ),
    }
}
