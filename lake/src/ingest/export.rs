//! Export from DynamoDB into the lake: a GSI Query for one partition value and a sort-key date range,
//! or a (parallel) Scan, written as day partitions.
//!
//! Reading and writing are two phases. Reading streams pages into one spool file per scan segment
//! (memory stays flat whatever the table's size) while the type contract is learned; writing then
//! replays the spools in segment order, so the same table gives the same files every time.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::AttributeValue;
use chrono::{DateTime, Duration, Utc};

use super::staging::{
    Counters, ExportReport, SegmentReader, SegmentResult, StagingDir, commit, contract_of,
    create_staging, lake_manifest, publish,
};
use crate::dynamo::{DynamoConfig, KeySchema, from_sdk, key_schema, sdk_error};
use crate::format::dates::DateFormat;
use crate::format::item::AttrValue;
use crate::storage::Lake;
use crate::{LakeError, Result};

pub use super::spec::{ExportSpec, ReadPlan};

/// Runs an export into the local lake at `lake`.
pub async fn export(
    client: &Client,
    cfg: &DynamoConfig,
    spec: &ExportSpec,
    lake: &Path,
    counters: Arc<Counters>,
) -> Result<ExportReport> {
    let started = Instant::now();
    let run_id = format!(
        "{}-{}",
        Utc::now().format("%Y%m%dT%H%M%S%3fZ"),
        std::process::id()
    );
    // Created once the table and keys check out, so a mistake leaves nothing behind.
    let mut staging: Option<StagingDir> = None;
    let open_staging = |staging: &mut Option<StagingDir>| -> Result<Option<PathBuf>> {
        if !spec.dry_run && staging.is_none() {
            *staging = Some(StagingDir(create_staging(lake, &run_id)?));
        }
        Ok(staging.as_ref().map(|s| s.0.clone()))
    };
    let mut notes = Vec::new();
    let existing = lake_manifest(lake)?;
    let fixed = contract_of(&existing);

    let segments = match &spec.plan {
        ReadPlan::Query {
            index,
            pk_attr,
            pk_value,
        } => {
            let schema = key_schema(client, cfg, &spec.table, Some(index)).await?;
            let pk = check_query_keys(
                &spec.table,
                index,
                &schema,
                pk_attr,
                pk_value,
                &spec.sk_attr,
            )?;
            let sk_type = schema
                .range
                .as_ref()
                .map(|(_, t)| t.clone())
                .unwrap_or_else(|| "S".into());
            let bounds =
                sk_bounds(client, cfg, spec, index, pk_attr, &pk, &sk_type, &mut notes).await?;
            let dir = open_staging(&mut staging)?;
            let reader =
                SegmentReader::new(0, dir.as_deref(), spec, fixed.clone(), counters.clone())?;
            vec![query_segment(client, cfg, spec, index, pk_attr, pk, bounds, reader).await?]
        }
        ReadPlan::Scan { segments } => {
            key_schema(client, cfg, &spec.table, None).await?;
            let dir = open_staging(&mut staging)?;
            let total = (*segments).max(1);
            let mut tasks = tokio::task::JoinSet::new();
            for seg in 0..total {
                let reader =
                    SegmentReader::new(seg, dir.as_deref(), spec, fixed.clone(), counters.clone())?;
                let (client, cfg, table) = (client.clone(), cfg.clone(), spec.table.clone());
                tasks.spawn(async move {
                    scan_segment(&client, &cfg, &table, seg, total, reader).await
                });
            }
            let mut done = Vec::new();
            while let Some(joined) = tasks.join_next().await {
                let seg = joined.map_err(|e| LakeError::TaskFailed {
                    what: "a scan segment".into(),
                    reason: e.to_string(),
                })??;
                done.push(seg);
            }
            done.sort_by_key(|s| s.segment);
            done
        }
    };

    let mut report = commit(
        lake,
        &run_id,
        staging.as_ref().map(|s| s.0.as_path()),
        segments,
        spec,
        existing,
        &counters,
    )?;
    report.notes.extend(notes);
    drop(staging);
    report.seconds = started.elapsed().as_secs_f64();
    Ok(report)
}

/// Runs an export into `lake` (local, or S3: written in the lake's work folder, then published).
pub async fn export_into(
    client: &Client,
    cfg: &DynamoConfig,
    spec: &ExportSpec,
    lake: &Lake,
    counters: Arc<Counters>,
) -> Result<ExportReport> {
    let report = export(client, cfg, spec, lake.work_dir(), counters).await?;
    publish(report, lake, spec.mode).await
}

fn check_query_keys(
    table: &str,
    index: &str,
    schema: &KeySchema,
    pk_attr: &str,
    pk_value: &str,
    sk_attr: &str,
) -> Result<AttributeValue> {
    let (hash, hash_type) = &schema.hash;
    if hash != pk_attr {
        return Err(LakeError::InvalidInput(format!(
            "--pk-attr {pk_attr:?} is not the partition key of index {index:?} on table {table:?}: its partition key is {hash:?}"
        )));
    }
    match &schema.range {
        Some((range, _)) if range != sk_attr => {
            return Err(LakeError::InvalidInput(format!(
                "--sk-attr {sk_attr:?} is not the sort key of index {index:?} on table {table:?}: its sort key is {range:?}"
            )));
        }
        None => {
            return Err(LakeError::InvalidInput(format!(
                "index {index:?} on table {table:?} has no sort key: a date range needs one (or export with a scan, without --index)"
            )));
        }
        _ => {}
    }
    match hash_type.as_str() {
        "S" => Ok(AttributeValue::S(pk_value.to_string())),
        "N" => {
            pk_value.trim().parse::<f64>().map_err(|_| {
                LakeError::InvalidInput(format!(
                    "--pk-value {pk_value:?} is not a number, but the partition key {hash:?} of index {index:?} is a Number (N)"
                ))
            })?;
            Ok(AttributeValue::N(pk_value.trim().to_string()))
        }
        other => Err(LakeError::InvalidInput(format!(
            "the partition key {hash:?} of index {index:?} has type {other}: only S and N partition keys can be given with --pk-value"
        ))),
    }
}

/// The sort-key condition for a query: a range a day wider than the export's on each side (so
/// offsets and fractions cannot hide an item), or none when the stored format does not sort
/// chronologically. The exact range is applied to each item after reading.
#[allow(clippy::too_many_arguments)]
async fn sk_bounds(
    client: &Client,
    cfg: &DynamoConfig,
    spec: &ExportSpec,
    index: &str,
    pk_attr: &str,
    pk: &AttributeValue,
    sk_type: &str,
    notes: &mut Vec<String>,
) -> Result<Option<(AttributeValue, AttributeValue)>> {
    let lo = spec.range.start - Duration::days(1);
    let hi = spec.range.end + Duration::days(1);
    let day = |t: DateTime<Utc>, sep: &str| t.format(&format!("%Y{sep}%m{sep}%d")).to_string();
    let typed = |text: String| {
        if sk_type == "N" {
            AttributeValue::N(text)
        } else {
            AttributeValue::S(text)
        }
    };
    match spec.date_format {
        DateFormat::Iso if sk_type == "S" => Ok(Some((typed(day(lo, "-")), typed(day(hi, "-"))))),
        DateFormat::Iso => Err(LakeError::InvalidInput(format!(
            "--date-format iso needs a String sort key, but {:?} is a Number: use --date-format epoch",
            spec.sk_attr
        ))),
        DateFormat::Epoch | DateFormat::Human => {
            // Look at the newest item of the partition to learn how values are written.
            let newest = client
                .query()
                .table_name(&spec.table)
                .index_name(index)
                .key_condition_expression("#pk = :pk")
                .expression_attribute_names("#pk", pk_attr)
                .expression_attribute_values(":pk", pk.clone())
                .scan_index_forward(false)
                .limit(1)
                .send()
                .await
                .map_err(|e| {
                    sdk_error(
                        cfg,
                        &format!("query index {index:?} of table {:?}", spec.table),
                        e,
                    )
                })?;
            let sample = newest
                .items()
                .first()
                .and_then(|i| i.get(&spec.sk_attr))
                .map(from_sdk)
                .transpose()?;
            let sample_text = match &sample {
                Some(AttrValue::S(s)) | Some(AttrValue::N(s)) => s.trim().to_string(),
                _ => return Ok(None),
            };
            if spec.date_format == DateFormat::Epoch {
                let millis = sample_text.parse::<f64>().is_ok_and(|v| v.abs() >= 1e11);
                let as_epoch = |t: DateTime<Utc>| {
                    if millis {
                        t.timestamp_millis()
                    } else {
                        t.timestamp()
                    }
                    .to_string()
                };
                return Ok(Some((typed(as_epoch(lo)), typed(as_epoch(hi)))));
            }
            if let Some(sep) = year_first_separator(&sample_text) {
                Ok(Some((typed(day(lo, sep)), typed(day(hi, sep)))))
            } else {
                notes.push(format!(
                    "{:?} holds dates like {sample_text:?}, which do not sort by time: the whole partition was read and filtered",
                    spec.sk_attr
                ));
                Ok(None)
            }
        }
    }
}

/// The separator of a `yyyy-mm-dd…` or `yyyy/mm/dd…` value (which sorts by time), or `None` for
/// anything else. Looks at bytes, so a value with multibyte characters anywhere is no problem.
pub fn year_first_separator(sample: &str) -> Option<&'static str> {
    let b = sample.as_bytes();
    let year_first = b.len() >= 5 && b[..4].iter().all(u8::is_ascii_digit);
    match b.get(4) {
        Some(b'-') if year_first => Some("-"),
        Some(b'/') if year_first => Some("/"),
        _ => None,
    }
}

#[allow(clippy::too_many_arguments)]
async fn query_segment(
    client: &Client,
    cfg: &DynamoConfig,
    spec: &ExportSpec,
    index: &str,
    pk_attr: &str,
    pk: AttributeValue,
    bounds: Option<(AttributeValue, AttributeValue)>,
    mut reader: SegmentReader,
) -> Result<SegmentResult> {
    let mut request = client
        .query()
        .table_name(&spec.table)
        .index_name(index)
        .expression_attribute_names("#pk", pk_attr)
        .expression_attribute_values(":pk", pk);
    request = match bounds {
        Some((lo, hi)) => request
            .key_condition_expression("#pk = :pk AND #sk BETWEEN :lo AND :hi")
            .expression_attribute_names("#sk", &spec.sk_attr)
            .expression_attribute_values(":lo", lo)
            .expression_attribute_values(":hi", hi),
        None => request.key_condition_expression("#pk = :pk"),
    };
    let mut pages = request.into_paginator().send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| {
            sdk_error(
                cfg,
                &format!("query index {index:?} of table {:?}", spec.table),
                e,
            )
        })?;
        reader.page(page.items())?;
    }
    reader.finish()
}

async fn scan_segment(
    client: &Client,
    cfg: &DynamoConfig,
    table: &str,
    segment: u32,
    total: u32,
    mut reader: SegmentReader,
) -> Result<SegmentResult> {
    let mut request = client.scan().table_name(table);
    if total > 1 {
        request = request.segment(segment as i32).total_segments(total as i32);
    }
    let mut pages = request.into_paginator().send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| sdk_error(cfg, &format!("scan table {table:?}"), e))?;
        reader.page(page.items())?;
    }
    reader.finish()
}
