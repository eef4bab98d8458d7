//! The read-then-commit machinery shared by export, snapshot and convert. Reading streams items
//! into one spool file per segment (memory stays flat whatever the input's size) while the type
//! contract is learned; the commit then merges the segments' contracts on top of the lake's,
//! saves rejected items, replays the spools in segment order into the lake writer and writes the
//! manifest, last. The staging folder lives in the lake's metadata folder (same file system, so
//! renames are atomic) and is removed however the run ends; one a killed run left behind is
//! removed by the next run.

use std::collections::{BTreeMap, HashMap};
use std::fs::{self, File};
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use aws_sdk_dynamodb::types::AttributeValue;
use chrono::NaiveDate;
use serde::Serialize;

use super::range::TimeRange;
use super::spec::ExportSpec;
use super::writer::{LakeWriter, WriteOptions};
use crate::dynamo::convert::item_from_sdk;
use crate::format::contract::Contract;
use crate::format::dates::DateFormat;
use crate::format::infer::ContractBuilder;
use crate::format::item::{Item, item_to_line, parse_item_line, rejected_line};
use crate::storage::layout::META_DIR;
use crate::storage::{Lake, Manifest, WriteMode, process_alive};
use crate::{LakeError, Result};

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
    /// Items kept whole in `rejected_file` instead of the lake: no readable date, or a value the
    /// lake's contract cannot hold (see `type_conflicts`).
    pub items_rejected: u64,
    /// Items written (or, in a dry run, that would be).
    pub items_written: u64,
    /// Items per day partition (`YYYY-MM-DD`).
    pub partitions: BTreeMap<String, u64>,
    /// Data files written, relative to the lake.
    pub files: Vec<String>,
    /// Items rejected because a value's type disagreed with the lake's contract, per attribute.
    pub type_conflicts: BTreeMap<String, u64>,
    /// Attributes new to the lake that this run saw with several DynamoDB types: stored as a
    /// string column holding each value's text (numbers exactly as DynamoDB wrote them).
    pub mixed_types: BTreeMap<String, Vec<&'static str>>,
    /// Numbers stored as DOUBLE that a double cannot hold exactly, per attribute (use
    /// `--numbers exact` to keep them exact).
    pub inexact_numbers: BTreeMap<String, u64>,
    /// Where rejected items were saved.
    pub rejected_file: Option<PathBuf>,
    /// Whether this was a dry run.
    pub dry_run: bool,
    /// Wall time in seconds.
    pub seconds: f64,
    /// Things the user should know (e.g. a date format that forces a full read).
    pub notes: Vec<String>,
}

/// Makes a finished run visible at the lake's location (nothing to do for a dry run or a local
/// lake) and names its files as the user knows them.
pub(crate) async fn publish(
    mut report: ExportReport,
    lake: &Lake,
    mode: WriteMode,
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
    existing: Option<Manifest>,
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
        mixed_types: BTreeMap::new(),
        inexact_numbers: BTreeMap::new(),
        rejected_file: None,
        dry_run: spec.dry_run,
        seconds: 0.0,
        notes: Vec::new(),
    };
    let mut contract = match &existing {
        Some(m) => ContractBuilder::from_contract(&m.contract, spec.numbers),
        None => ContractBuilder::new(spec.numbers),
    };
    let mut spools = Vec::new();
    for seg in segments {
        report.items_read += seg.read;
        report.items_outside_range += seg.outside;
        report.items_rejected += seg.rejected;
        for (day, n) in seg.days {
            *report.partitions.entry(day.to_string()).or_default() += n;
        }
        for (name, n) in seg.misfits {
            *report.type_conflicts.entry(name).or_default() += n;
        }
        contract.merge(seg.contract);
        spools.push((seg.spool, seg.rejected_spool));
    }
    report.items_written = report.partitions.values().sum();
    report.mixed_types = contract.mixed();
    report.inexact_numbers = contract.inexact_numbers();
    let contract = contract.finish(spec.extra_date_column.as_deref())?;

    if staging.is_some() {
        report.rejected_file = save_rejected(lake, run_id, &spools)?;
        let mut options = WriteOptions::new(spec.sk_attr.clone(), spec.date_format);
        options.mode = spec.mode;
        options.run_id = run_id.to_string();
        let mut writer = LakeWriter::create_with(lake, contract, options, existing)?;
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
        // The reader already rejected what the contract cannot hold; anything the writer still
        // refused is kept in its own rejects file and counted, never lost.
        for (name, n) in summary.type_conflicts {
            *report.type_conflicts.entry(name).or_default() += n;
        }
        if summary.rejected > 0 {
            report.items_rejected += summary.rejected;
            report.items_written -= summary.rejected.min(report.items_written);
            if report.rejected_file.is_none() {
                report.rejected_file = summary.rejected_file;
            }
        }
    }
    Ok(report)
}

/// The lake's manifest when a run starts (`None`: a new lake), read once per run: its contract
/// is what the readers check items against ([`contract_of`]) and the commit extends. A manifest
/// that exists but cannot be read or parsed stops the run here, before anything is read or written.
pub(crate) fn lake_manifest(lake: &Path) -> Result<Option<Manifest>> {
    Manifest::read_if_exists(lake)
}

/// The contract of a lake's manifest, shared by the segment readers.
pub(crate) fn contract_of(manifest: &Option<Manifest>) -> Option<Arc<Contract>> {
    manifest.as_ref().map(|m| Arc::new(m.contract.clone()))
}

/// Creates this run's staging folder under the lake's metadata folder, first removing folders
/// that runs which no longer exist (killed ones) left behind. Run ids end in the process id.
pub(crate) fn create_staging(lake: &Path, run_id: &str) -> Result<PathBuf> {
    let root = lake.join(META_DIR).join("staging");
    if let Ok(entries) = fs::read_dir(&root) {
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().to_string();
            let pid = name.rsplit('-').next().and_then(|p| p.parse::<u32>().ok());
            if pid.is_some_and(|p| !process_alive(p)) {
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
    /// The lake's contract when the run started: an item it cannot hold is rejected here.
    fixed: Option<Arc<Contract>>,
    misfits: BTreeMap<String, u64>,
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
    misfits: BTreeMap<String, u64>,
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
        fixed: Option<Arc<Contract>>,
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
            contract: ContractBuilder::new(spec.numbers),
            fixed,
            misfits: BTreeMap::new(),
            days: BTreeMap::new(),
            read: 0,
            outside: 0,
            rejected_count: 0,
            counters,
        })
    }

    pub(crate) fn page(&mut self, items: &[HashMap<String, AttributeValue>]) -> Result<()> {
        for raw in items {
            self.item(item_from_sdk(raw)?)?;
        }
        Ok(())
    }

    /// Takes one item: rejected without a readable date or with a value the lake's contract cannot
    /// hold, skipped outside the range, spooled otherwise.
    pub(crate) fn item(&mut self, item: Item) -> Result<()> {
        self.read += 1;
        self.counters.read.fetch_add(1, Ordering::Relaxed);
        let at = match item.get(&self.sk_attr) {
            None => Err(format!("no attribute {:?}", self.sk_attr)),
            Some(v) => self.format.parse_value(v).map_err(|e| e.to_string()),
        };
        let misfit = match &at {
            Ok(at) if self.range.contains(*at) => self.fixed.as_ref().and_then(|c| c.misfit(&item)),
            _ => None,
        };
        if let Some((attr, why)) = misfit {
            *self.misfits.entry(attr).or_default() += 1;
            return self.reject(&item, &why);
        }
        match at {
            Err(reason) => self.reject(&item, &reason)?,
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

    fn reject(&mut self, item: &Item, reason: &str) -> Result<()> {
        self.rejected_count += 1;
        if let (Some(w), Some(p)) = (self.rejected.as_mut(), self.rejected_path.as_ref()) {
            writeln!(w, "{}", rejected_line(reason, item)).map_err(|e| LakeError::io(p, e))?;
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
            misfits: self.misfits,
            days: self.days,
            read: self.read,
            outside: self.outside,
            rejected: self.rejected_count,
        })
    }
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
