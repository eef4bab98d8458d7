//! Export from DynamoDB into the lake: a GSI Query for one partition value and a sort-key date range,
//! or a (parallel) Scan, written as day partitions.
//!
//! Reading and writing are two phases. Reading streams pages into one spool file per scan segment
//! (memory stays flat whatever the table's size) while the type contract is learned; writing then
//! replays the spools in segment order, so the same table gives the same files every time.

use std::collections::{BTreeMap, HashMap};
use std::fs::{self, File};
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::AttributeValue;
use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::Serialize;

use crate::contract::ContractBuilder;
use crate::dates::DateFormat;
use crate::dynamo::{DynamoConfig, KeySchema, from_sdk, item_from_sdk, key_schema, sdk_error};
use crate::item::{AttrValue, item_to_line, parse_item_line, rejected_line};
use crate::layout::META_DIR;
use crate::range::TimeRange;
use crate::store::Lake;
use crate::writer::{LakeWriter, Manifest, WriteMode, WriteOptions};
use crate::{LakeError, Result};

/// How to read the table.
#[derive(Debug, Clone)]
pub enum ReadPlan {
    /// Query a global secondary index for one partition-key value.
    Query {
        /// The index.
        index: String,
        /// Its partition-key attribute.
        pk_attr: String,
        /// The value to query, as given on the command line.
        pk_value: String,
    },
    /// Scan the whole table with this many parallel segments.
    Scan {
        /// Segments (1 = a plain scan).
        segments: u32,
    },
}

/// What to export.
#[derive(Debug, Clone)]
pub struct ExportSpec {
    /// The table.
    pub table: String,
    /// Query or scan.
    pub plan: ReadPlan,
    /// The attribute holding the date (the GSI sort key for a query).
    pub sk_attr: String,
    /// How that attribute stores dates.
    pub date_format: DateFormat,
    /// The time range; items outside it are skipped.
    pub range: TimeRange,
    /// Adds a `YYYY-MM-DD` column with this name, derived from the date.
    pub extra_date_column: Option<String>,
    /// Overwrite or append.
    pub mode: WriteMode,
    /// Read and count, write nothing.
    pub dry_run: bool,
}

/// Live counters, for progress output.
#[derive(Debug, Default)]
pub struct Counters {
    /// Items read from DynamoDB.
    pub read: AtomicU64,
    /// Items inside the range.
    pub kept: AtomicU64,
    /// Items written to the lake.
    pub written: AtomicU64,
}

/// What an export did (or, with `dry_run`, would do).
#[derive(Debug, Clone, Serialize)]
pub struct ExportReport {
    /// The table.
    pub table: String,
    /// The range exported; absent for a conversion, which keeps every item of the export.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub range: Option<TimeRange>,
    /// Items read from DynamoDB.
    pub items_read: u64,
    /// Items outside the range (read because the sort key cannot narrow the read precisely).
    pub items_outside_range: u64,
    /// Items without a readable date, kept in `rejected_file`.
    pub items_rejected: u64,
    /// Items written (or, in a dry run, that would be).
    pub items_written: u64,
    /// Items per day partition (`YYYY-MM-DD`).
    pub partitions: BTreeMap<String, u64>,
    /// Data files written, relative to the lake.
    pub files: Vec<String>,
    /// Values that did not fit the contract's type (written as NULL), per attribute.
    pub type_conflicts: BTreeMap<String, u64>,
    /// Where rejected items were saved.
    pub rejected_file: Option<PathBuf>,
    /// Whether this was a dry run.
    pub dry_run: bool,
    /// Wall time in seconds.
    pub seconds: f64,
    /// Things the user should know (e.g. a date format that forces a full read).
    pub notes: Vec<String>,
}

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
            let reader = SegmentReader::new(0, dir.as_deref(), spec, counters.clone())?;
            vec![query_segment(client, cfg, spec, index, pk_attr, pk, bounds, reader).await?]
        }
        ReadPlan::Scan { segments } => {
            key_schema(client, cfg, &spec.table, None).await?;
            let dir = open_staging(&mut staging)?;
            let total = (*segments).max(1);
            let mut tasks = tokio::task::JoinSet::new();
            for seg in 0..total {
                let reader = SegmentReader::new(seg, dir.as_deref(), spec, counters.clone())?;
                let (client, cfg, table) = (client.clone(), cfg.clone(), spec.table.clone());
                tasks.spawn(async move {
                    scan_segment(&client, &cfg, &table, seg, total, reader).await
                });
            }
            let mut done = Vec::new();
            while let Some(joined) = tasks.join_next().await {
                let seg = joined
                    .map_err(|e| LakeError::Aws(format!("a scan segment stopped: {e}")))??;
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

/// Makes a finished run visible at the lake's location (nothing to do for a dry run or a local
/// lake) and names its files as the user knows them.
pub(crate) async fn publish(
    mut report: ExportReport,
    lake: &Lake,
    mode: crate::writer::WriteMode,
) -> Result<ExportReport> {
    if !report.dry_run {
        lake.publish(&report.files, mode).await?;
    }
    report.rejected_file = report
        .rejected_file
        .map(|p| PathBuf::from(lake.display_path(&p)));
    Ok(report)
}

/// The write phase, shared with `convert`: merges what the segments saw into the contract (on top
/// of the lake's), saves rejected items, replays the spools into the lake and writes the manifest.
/// With no staging folder (a dry run) it only reports.
pub(crate) fn commit(
    lake: &Path,
    run_id: &str,
    staging: Option<&Path>,
    segments: Vec<SegmentResult>,
    spec: &ExportSpec,
    counters: &Counters,
) -> Result<ExportReport> {
    let mut report = ExportReport {
        table: spec.table.clone(),
        range: (spec.range != TimeRange::ALL).then_some(spec.range),
        items_read: 0,
        items_outside_range: 0,
        items_rejected: 0,
        items_written: 0,
        partitions: BTreeMap::new(),
        files: Vec::new(),
        type_conflicts: BTreeMap::new(),
        rejected_file: None,
        dry_run: spec.dry_run,
        seconds: 0.0,
        notes: Vec::new(),
    };
    let existing = Manifest::read(lake).ok();
    let mut contract = existing
        .as_ref()
        .map(|m| ContractBuilder::from_contract(&m.contract))
        .unwrap_or_default();
    let mut spools = Vec::new();
    for seg in segments {
        report.items_read += seg.read;
        report.items_outside_range += seg.outside;
        report.items_rejected += seg.rejected;
        for (day, n) in seg.days {
            *report.partitions.entry(day.to_string()).or_default() += n;
        }
        contract.merge(seg.contract);
        spools.push((seg.spool, seg.rejected_spool));
    }
    report.items_written = report.partitions.values().sum();
    for (name, n) in contract.conflicts() {
        report.type_conflicts.insert(name.clone(), *n);
    }
    let contract = contract.finish(spec.extra_date_column.as_deref())?;

    if staging.is_some() {
        report.rejected_file = save_rejected(lake, run_id, &spools)?;
        let mut options = WriteOptions::new(spec.sk_attr.clone(), spec.date_format);
        options.mode = spec.mode;
        options.run_id = run_id.to_string();
        let mut writer = LakeWriter::create(lake, contract, options)?;
        for (spool, _) in &spools {
            let Some(spool) = spool else { continue };
            let file = File::open(spool).map_err(|e| LakeError::io(spool, e))?;
            for line in BufReader::new(file).lines() {
                let line = line.map_err(|e| LakeError::io(spool, e))?;
                writer.write(parse_item_line(&line)?)?;
                counters.written.fetch_add(1, Ordering::Relaxed);
            }
        }
        let summary = writer.finish()?;
        report.files = summary.files;
        for (name, n) in summary.type_conflicts {
            *report.type_conflicts.entry(name).or_default() += n;
        }
    }
    Ok(report)
}

/// Creates this run's staging folder under the lake's metadata folder, first removing folders
/// that runs which no longer exist (killed ones) left behind. Run ids end in the process id.
pub(crate) fn create_staging(lake: &Path, run_id: &str) -> Result<PathBuf> {
    let root = lake.join(META_DIR).join("staging");
    if let Ok(entries) = fs::read_dir(&root) {
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().to_string();
            let pid = name.rsplit('-').next().and_then(|p| p.parse::<u32>().ok());
            if pid.is_some_and(|p| !crate::writer::process_alive(p)) {
                let _ = fs::remove_dir_all(entry.path());
            }
        }
    }
    let dir = root.join(run_id);
    fs::create_dir_all(&dir).map_err(|e| LakeError::io(&dir, e))?;
    Ok(dir)
}

/// Removes the staging folder when the export ends, however it ends.
pub(crate) struct StagingDir(pub(crate) PathBuf);

impl Drop for StagingDir {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
        // The parent `staging/` goes too once no other export uses it.
        if let Some(parent) = self.0.parent() {
            let _ = fs::remove_dir(parent);
        }
    }
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
            let year_first =
                sample_text.len() >= 5 && sample_text[..4].bytes().all(|b| b.is_ascii_digit());
            let sep = &sample_text.get(4..5).unwrap_or("-").to_string();
            if year_first && (sep == "-" || sep == "/") {
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

pub(crate) struct SegmentReader {
    segment: u32,
    spool_path: Option<PathBuf>,
    spool: Option<BufWriter<File>>,
    rejected_path: Option<PathBuf>,
    rejected: Option<BufWriter<File>>,
    sk_attr: String,
    format: DateFormat,
    range: TimeRange,
    contract: ContractBuilder,
    days: BTreeMap<NaiveDate, u64>,
    read: u64,
    outside: u64,
    rejected_count: u64,
    counters: Arc<Counters>,
}

/// What one segment read.
pub(crate) struct SegmentResult {
    pub(crate) segment: u32,
    spool: Option<PathBuf>,
    rejected_spool: Option<PathBuf>,
    contract: ContractBuilder,
    days: BTreeMap<NaiveDate, u64>,
    read: u64,
    outside: u64,
    rejected: u64,
}

impl SegmentReader {
    pub(crate) fn new(
        segment: u32,
        staging: Option<&Path>,
        spec: &ExportSpec,
        counters: Arc<Counters>,
    ) -> Result<Self> {
        let open = |name: String| -> Result<(Option<PathBuf>, Option<BufWriter<File>>)> {
            match staging {
                None => Ok((None, None)),
                Some(dir) => {
                    let path = dir.join(name);
                    let file = File::create(&path).map_err(|e| LakeError::io(&path, e))?;
                    Ok((Some(path), Some(BufWriter::new(file))))
                }
            }
        };
        let (spool_path, spool) = open(format!("segment-{segment:05}.jsonl"))?;
        let (rejected_path, rejected) = open(format!("rejected-{segment:05}.jsonl"))?;
        Ok(SegmentReader {
            segment,
            spool_path,
            spool,
            rejected_path,
            rejected,
            sk_attr: spec.sk_attr.clone(),
            format: spec.date_format,
            range: spec.range,
            contract: ContractBuilder::default(),
            days: BTreeMap::new(),
            read: 0,
            outside: 0,
            rejected_count: 0,
            counters,
        })
    }

    fn page(&mut self, items: &[HashMap<String, AttributeValue>]) -> Result<()> {
        for raw in items {
            self.item(item_from_sdk(raw)?)?;
        }
        Ok(())
    }

    /// Takes one item: rejected without a readable date, skipped outside the range, spooled otherwise.
    pub(crate) fn item(&mut self, item: crate::item::Item) -> Result<()> {
        self.read += 1;
        self.counters.read.fetch_add(1, Ordering::Relaxed);
        let at = match item.get(&self.sk_attr) {
            None => Err(format!("no attribute {:?}", self.sk_attr)),
            Some(v) => self.format.parse_value(v).map_err(|e| e.to_string()),
        };
        match at {
            Err(reason) => {
                self.rejected_count += 1;
                if let (Some(w), Some(p)) = (self.rejected.as_mut(), self.rejected_path.as_ref()) {
                    writeln!(w, "{}", rejected_line(&reason, &item))
                        .map_err(|e| LakeError::io(p, e))?;
                }
            }
            Ok(at) if !self.range.contains(at) => self.outside += 1,
            Ok(at) => {
                self.contract.observe(&item);
                *self.days.entry(at.date_naive()).or_default() += 1;
                self.counters.kept.fetch_add(1, Ordering::Relaxed);
                if let (Some(w), Some(p)) = (self.spool.as_mut(), self.spool_path.as_ref()) {
                    writeln!(w, "{}", item_to_line(&item)).map_err(|e| LakeError::io(p, e))?;
                }
            }
        }
        Ok(())
    }

    pub(crate) fn finish(self) -> Result<SegmentResult> {
        for (w, p) in [
            (self.spool, &self.spool_path),
            (self.rejected, &self.rejected_path),
        ] {
            if let (Some(mut w), Some(p)) = (w, p) {
                w.flush().map_err(|e| LakeError::io(p, e))?;
            }
        }
        Ok(SegmentResult {
            segment: self.segment,
            spool: self.spool_path,
            rejected_spool: self.rejected_path,
            contract: self.contract,
            days: self.days,
            read: self.read,
            outside: self.outside,
            rejected: self.rejected_count,
        })
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

fn save_rejected(
    lake: &Path,
    run_id: &str,
    spools: &[(Option<PathBuf>, Option<PathBuf>)],
) -> Result<Option<PathBuf>> {
    let mut out: Option<(PathBuf, File)> = None;
    for (_, rejected) in spools {
        let Some(path) = rejected else { continue };
        if fs::metadata(path).map(|m| m.len()).unwrap_or(0) == 0 {
            continue;
        }
        if out.is_none() {
            let target = lake.join(META_DIR).join(format!("rejected-{run_id}.jsonl"));
            let file = File::create(&target).map_err(|e| LakeError::io(&target, e))?;
            out = Some((target, file));
        }
        if let Some((target, file)) = out.as_mut() {
            let mut src = File::open(path).map_err(|e| LakeError::io(path, e))?;
            std::io::copy(&mut src, file).map_err(|e| LakeError::io(&*target, e))?;
        }
    }
    Ok(out.map(|(p, _)| p))
}
