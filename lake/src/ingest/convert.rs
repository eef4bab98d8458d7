//! `convert`: an AWS native Export-to-S3 folder ([`super::native`]) verified against its manifests
//! and converted into the lake without reading the table.
//!
//! Every data file's item count and MD5 are checked while it is read; the lake is written only
//! after every file has passed, so a damaged export writes nothing.

use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use chrono::Utc;
use flate2::read::GzDecoder;
use md5::{Digest, Md5};

use super::native::{ManifestFileEntry, NativeExport, fetch_remote};
use crate::format::dates::DateFormat;
use crate::format::item::{base64_bytes, parse_item_line};
use crate::format::number::NumberMode;
use crate::ingest::export::{ExportSpec, ReadPlan};
use crate::ingest::range::TimeRange;
use crate::ingest::staging::{
    Counters, ExportReport, SegmentReader, SegmentResult, StagingDir, commit, contract_of,
    create_staging, lake_manifest,
};
use crate::storage::WriteMode;
use crate::storage::{Lake, Location, S3Config, S3Prefix};
use crate::{LakeError, Result};

/// What to convert.
#[derive(Debug, Clone)]
pub struct ConvertSpec {
    /// The export (folder, or a folder holding `AWSDynamoDB/`).
    pub source: PathBuf,
    /// The attribute holding the date that picks the partition.
    pub sk_attr: String,
    /// How it stores dates.
    pub date_format: DateFormat,
    /// Optional derived `YYYY-MM-DD` column.
    pub extra_date_column: Option<String>,
    /// Overwrite or append.
    pub mode: WriteMode,
    /// How numbers are typed in new columns.
    pub numbers: NumberMode,
    /// Verify and report; write nothing.
    pub dry_run: bool,
    /// Files read at once (default: the machine's cores).
    pub threads: usize,
}

/// Hashes the compressed bytes as they are read.
struct Md5Reader<R> {
    inner: R,
    hasher: Md5,
}

impl<R: Read> Read for Md5Reader<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hasher.update(&buf[..n]);
        Ok(n)
    }
}

/// Verifies and converts a native export into the local lake at `lake`.
pub fn convert(spec: &ConvertSpec, lake: &Path, counters: Arc<Counters>) -> Result<ExportReport> {
    let export = NativeExport::open(&spec.source)?;
    convert_export(&export, spec, lake, counters)
}

/// Verifies and converts the export at `source` (a folder, or an S3 prefix whose data files are
/// fetched one at a time while they are read) into `lake` (local, or S3 once published).
/// `spec.source` is ignored.
pub async fn convert_into(
    spec: ConvertSpec,
    source: &Location,
    s3: &S3Config,
    lake: &Lake,
    counters: Arc<Counters>,
) -> Result<ExportReport> {
    let (export, manifests) = match source {
        Location::Local(path) => (NativeExport::open(path)?, None),
        Location::S3 { bucket, prefix } => {
            let remote = S3Prefix::connect(s3, bucket, prefix).await?;
            let work = tempfile::Builder::new()
                .prefix("dynamo-lake-export-")
                .tempdir()
                .map_err(|e| LakeError::io(std::env::temp_dir(), e))?;
            (
                NativeExport::open_s3(&remote, work.path()).await?,
                Some(work),
            )
        }
    };
    let work = lake.work_dir().to_path_buf();
    let mode = spec.mode;
    let report = tokio::task::spawn_blocking(move || {
        let report = convert_export(&export, &spec, &work, counters);
        drop(manifests);
        report
    })
    .await
    .map_err(|e| LakeError::TaskFailed {
        what: "the conversion".into(),
        reason: e.to_string(),
    })??;
    crate::ingest::staging::publish(report, lake, mode).await
}

fn convert_export(
    export: &NativeExport,
    spec: &ConvertSpec,
    lake: &Path,
    counters: Arc<Counters>,
) -> Result<ExportReport> {
    let started = std::time::Instant::now();
    let run_id = format!(
        "{}-{}",
        Utc::now().format("%Y%m%dT%H%M%S%3fZ"),
        std::process::id()
    );
    let export_spec = ExportSpec {
        table: export.table_name(),
        plan: ReadPlan::Scan { segments: 1 },
        sk_attr: spec.sk_attr.clone(),
        date_format: spec.date_format,
        range: TimeRange::ALL,
        extra_date_column: spec.extra_date_column.clone(),
        mode: spec.mode,
        numbers: spec.numbers,
        dry_run: spec.dry_run,
    };
    let existing = lake_manifest(lake)?;
    let fixed = contract_of(&existing);
    // Staging lives in the lake's metadata folder (same file system: renames are atomic); it is
    // created only for a real run and removed however the run ends.
    let staging = if spec.dry_run {
        None
    } else {
        Some(StagingDir(create_staging(lake, &run_id)?))
    };
    let staging_path = staging.as_ref().map(|s| s.0.clone());

    let next = AtomicUsize::new(0);
    let threads = spec.threads.max(1).min(export.files.len().max(1));
    let results: Vec<Result<Vec<SegmentResult>>> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                scope.spawn(|| {
                    let mut done = Vec::new();
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some(entry) = export.files.get(i) else {
                            break;
                        };
                        let reader = SegmentReader::new(
                            i as u32,
                            staging_path.as_deref(),
                            &export_spec,
                            fixed.clone(),
                            counters.clone(),
                        )?;
                        done.push(read_data_file(export, entry, reader)?);
                    }
                    Ok(done)
                })
            })
            .collect();
        workers
            .into_iter()
            .map(|w| {
                w.join().unwrap_or_else(|_| {
                    Err(LakeError::TaskFailed {
                        what: "a reader thread".into(),
                        reason: "it panicked".into(),
                    })
                })
            })
            .collect()
    });
    let mut segments = Vec::new();
    let mut failures = Vec::new();
    for r in results {
        match r {
            Ok(done) => segments.extend(done),
            Err(e) => failures.push(e),
        }
    }
    if let Some(first) = failures.into_iter().next() {
        return Err(first);
    }
    segments.sort_by_key(|s| s.segment);
    let mut report = commit(
        lake,
        &run_id,
        staging_path.as_deref(),
        segments,
        &export_spec,
        existing,
        &counters,
    )?;
    drop(staging);
    report.seconds = started.elapsed().as_secs_f64();
    Ok(report)
}

fn read_data_file(
    export: &NativeExport,
    entry: &ManifestFileEntry,
    mut reader: SegmentReader,
) -> Result<SegmentResult> {
    let path = export.data_path(entry)?;
    let _fetched = fetch_remote(export, &path)?;
    let name = path
        .strip_prefix(&export.dir)
        .unwrap_or(&path)
        .display()
        .to_string();
    let file = File::open(&path).map_err(|e| LakeError::io(&path, e))?;
    let mut hashing = Md5Reader {
        inner: std::io::BufReader::with_capacity(1 << 16, file),
        hasher: Md5::new(),
    };
    let mut items = 0u64;
    let read = (|| -> Result<()> {
        let decoder = BufReader::with_capacity(1 << 16, GzDecoder::new(&mut hashing));
        for (n, line) in decoder.lines().enumerate() {
            let line = line.map_err(|e| {
                LakeError::InvalidInput(format!("{name}: cannot be decompressed: {e}"))
            })?;
            if line.trim().is_empty() {
                continue;
            }
            let item = parse_item_line(&line)
                .map_err(|e| LakeError::InvalidInput(format!("{name} line {}: {e}", n + 1)))?;
            items += 1;
            reader.item(item)?;
        }
        Ok(())
    })();
    // Hash whatever the decoder left unread (trailing bytes, or the rest after a failure) so the
    // MD5 covers the whole file: a damaged file is reported as such, whatever broke first.
    std::io::copy(&mut hashing, &mut std::io::sink()).map_err(|e| LakeError::io(&path, e))?;
    let md5 = base64_bytes::encode(&hashing.hasher.finalize());
    if md5 != entry.md5_checksum {
        return Err(LakeError::InvalidInput(format!(
            "{name}: its MD5 is {md5} but manifest-files.json says {}: the file is damaged or not the one exported; nothing was written",
            entry.md5_checksum
        )));
    }
    read?;
    if items != entry.item_count {
        return Err(LakeError::InvalidInput(format!(
            "{name}: holds {items} items but manifest-files.json says {}; nothing was written",
            entry.item_count
        )));
    }
    reader.finish()
}
