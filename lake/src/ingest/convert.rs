//! AWS native Export-to-S3 folders (`AWSDynamoDB/<export-id>/`): verified against their manifests
//! and converted into the lake without reading the table.
//!
//! Every data file's item count and MD5 are checked while it is read; the lake is written only
//! after every file has passed, so a damaged export writes nothing.

use std::fs::{self, File};
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use chrono::Utc;
use flate2::read::GzDecoder;
use md5::{Digest, Md5};
use serde::{Deserialize, Serialize};

use crate::format::contract::NumberMode;
use crate::format::dates::DateFormat;
use crate::format::item::{base64_bytes, parse_item_line};
use crate::ingest::export::{ExportSpec, ReadPlan};
use crate::ingest::range::TimeRange;
use crate::ingest::staging::{
    Counters, ExportReport, SegmentReader, SegmentResult, StagingDir, commit, create_staging,
    lake_contract,
};
use crate::storage::WriteMode;
use crate::storage::{Lake, Location, S3Config, S3Prefix};
use crate::{LakeError, Result};

/// `manifest-summary.json` (the fields dynamo-lake reads).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ManifestSummary {
    /// Format version.
    #[serde(default)]
    pub version: Option<String>,
    /// The export's ARN.
    #[serde(default)]
    pub export_arn: Option<String>,
    /// The table's ARN.
    #[serde(default)]
    pub table_arn: Option<String>,
    /// Items in the whole export.
    #[serde(default)]
    pub item_count: Option<u64>,
    /// `DYNAMODB_JSON` or `ION`.
    #[serde(default)]
    pub output_format: Option<String>,
    /// `FULL_EXPORT` or `INCREMENTAL_EXPORT`.
    #[serde(default)]
    pub export_type: Option<String>,
    /// Key of `manifest-files.json`.
    #[serde(default)]
    pub manifest_files_s3_key: Option<String>,
}

/// One line of `manifest-files.json`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ManifestFileEntry {
    /// Items in the data file.
    pub item_count: u64,
    /// Base64 MD5 of the (gzip) data file.
    pub md5_checksum: String,
    /// The S3 ETag.
    #[serde(default)]
    pub etag: Option<String>,
    /// The data file's S3 key.
    pub data_file_s3_key: String,
}

/// A native export on local disk.
#[derive(Debug, Clone)]
pub struct NativeExport {
    /// The export folder (`…/AWSDynamoDB/<export-id>`).
    pub dir: PathBuf,
    /// Its summary.
    pub summary: ManifestSummary,
    /// Its data files, in manifest order.
    pub files: Vec<ManifestFileEntry>,
    /// For an export in S3: where its data files are fetched from, one at a time, as they are read.
    remote: Option<RemoteFiles>,
}

/// The S3 folder of an export whose manifests were copied into `dir`.
#[derive(Debug, Clone)]
struct RemoteFiles {
    prefix: S3Prefix,
    runtime: tokio::runtime::Handle,
}

impl NativeExport {
    /// Opens an export: `source` is its folder, or a folder holding `AWSDynamoDB/<one export-id>/`.
    pub fn open(source: &Path) -> Result<NativeExport> {
        let dir = locate(source)?;
        let summary_path = dir.join("manifest-summary.json");
        let summary: ManifestSummary = serde_json::from_slice(
            &fs::read(&summary_path).map_err(|e| LakeError::io(&summary_path, e))?,
        )
        .map_err(|e| {
            LakeError::InvalidInput(format!(
                "{}: not an export summary: {e}",
                summary_path.display()
            ))
        })?;
        if let Some(ty) = &summary.export_type
            && ty != "FULL_EXPORT"
        {
            return Err(LakeError::InvalidInput(format!(
                "{}: exportType {ty}: only full exports can be converted; incremental exports (changes with Keys/NewImage/OldImage) are refused rather than half-applied",
                summary_path.display()
            )));
        }
        if let Some(fmt) = &summary.output_format
            && fmt != "DYNAMODB_JSON"
        {
            return Err(LakeError::InvalidInput(format!(
                "{}: outputFormat {fmt}: only DYNAMODB_JSON exports can be converted",
                summary_path.display()
            )));
        }
        let files_path = dir.join("manifest-files.json");
        let text = fs::read_to_string(&files_path).map_err(|e| LakeError::io(&files_path, e))?;
        let files = text
            .lines()
            .enumerate()
            .filter(|(_, l)| !l.trim().is_empty())
            .map(|(n, l)| {
                serde_json::from_str(l).map_err(|e| {
                    LakeError::InvalidInput(format!(
                        "{} line {}: not a file entry: {e}",
                        files_path.display(),
                        n + 1
                    ))
                })
            })
            .collect::<Result<Vec<ManifestFileEntry>>>()?;
        let listed: u64 = files.iter().map(|f| f.item_count).sum();
        if let Some(total) = summary.item_count
            && total != listed
        {
            return Err(LakeError::InvalidInput(format!(
                "{}: itemCount {total} does not match the {listed} items listed in manifest-files.json",
                summary_path.display()
            )));
        }
        Ok(NativeExport {
            dir,
            summary,
            files,
            remote: None,
        })
    }

    /// Opens an export in S3 (`prefix` is its folder, or holds `AWSDynamoDB/<one export-id>/`):
    /// its two manifests are copied into `work`; data files are fetched while they are read, one
    /// per reader thread at a time, and deleted once read.
    pub async fn open_s3(prefix: &S3Prefix, work: &Path) -> Result<NativeExport> {
        let export = locate_s3(prefix).await?;
        let dir = work.join("native-export");
        for name in ["manifest-summary.json", "manifest-files.json"] {
            if !export.download(name, &dir.join(name)).await? {
                return Err(LakeError::InvalidInput(format!(
                    "{}: missing; is this a DynamoDB export folder?",
                    export.url(name)
                )));
            }
        }
        let mut opened = NativeExport::open(&dir)?;
        opened.remote = Some(RemoteFiles {
            prefix: export,
            runtime: tokio::runtime::Handle::current(),
        });
        Ok(opened)
    }

    /// What to call the export in messages.
    pub fn describe(&self) -> String {
        match &self.remote {
            Some(r) => r.prefix.url(""),
            None => self.dir.display().to_string(),
        }
    }

    /// The local path of a data file named by its S3 key.
    pub fn data_path(&self, entry: &ManifestFileEntry) -> Result<PathBuf> {
        let key = &entry.data_file_s3_key;
        let relative = key
            .find("/data/")
            .map(|i| &key[i + 1..])
            .or_else(|| key.strip_prefix("data/").map(|_| key.as_str()))
            .ok_or_else(|| {
                LakeError::InvalidInput(format!(
                    "manifest-files.json: data file key {key:?} is not under data/"
                ))
            })?;
        if relative.split('/').any(|p| p == "..") {
            return Err(LakeError::InvalidInput(format!(
                "manifest-files.json: data file key {key:?} leaves the export"
            )));
        }
        Ok(self.dir.join(relative))
    }

    /// The table's name, from its ARN.
    pub fn table_name(&self) -> String {
        self.summary
            .table_arn
            .as_deref()
            .and_then(|a| a.rsplit('/').next())
            .unwrap_or("native-export")
            .to_string()
    }
}

/// Finds the export folder under an S3 prefix, as [`locate`] does on disk.
async fn locate_s3(prefix: &S3Prefix) -> Result<S3Prefix> {
    let mut candidates: Vec<String> = Vec::new();
    for key in prefix.list("").await? {
        if let Some(dir) = key.strip_suffix("manifest-summary.json") {
            let dir = dir.trim_end_matches('/');
            if dir.is_empty() || dir.starts_with("AWSDynamoDB/") {
                candidates.push(dir.to_string());
            }
        }
    }
    let url = prefix.url("");
    match candidates.as_slice() {
        [one] => Ok(S3Prefix {
            prefix: if one.is_empty() {
                prefix.prefix.clone()
            } else {
                prefix.key(one).to_string()
            },
            ..prefix.clone()
        }),
        [] => Err(LakeError::InvalidInput(format!(
            "{url}: no manifest-summary.json here or under AWSDynamoDB/<export-id>/: point --source at the export folder"
        ))),
        many => Err(LakeError::InvalidInput(format!(
            "{url} holds {} exports ({}): choose one with --source {url}/AWSDynamoDB/<export-id>",
            many.len(),
            many.join(", ")
        ))),
    }
}

fn locate(source: &Path) -> Result<PathBuf> {
    if source.join("manifest-summary.json").exists() {
        return Ok(source.to_path_buf());
    }
    let root = source.join("AWSDynamoDB");
    let entries = fs::read_dir(&root).map_err(|_| {
        LakeError::InvalidInput(format!(
            "{}: no manifest-summary.json and no AWSDynamoDB/ folder: point --source at the export folder (AWSDynamoDB/<export-id>)",
            source.display()
        ))
    })?;
    let exports: Vec<PathBuf> = entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.join("manifest-summary.json").exists())
        .collect();
    match exports.as_slice() {
        [one] => Ok(one.clone()),
        [] => Err(LakeError::InvalidInput(format!(
            "{}: no export with a manifest-summary.json",
            root.display()
        ))),
        many => Err(LakeError::InvalidInput(format!(
            "{} holds {} exports: choose one with --source {}/<export-id>",
            root.display(),
            many.len(),
            root.display()
        ))),
    }
}

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
    .map_err(|e| LakeError::InvalidInput(format!("the conversion stopped: {e}")))??;
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
    let fixed = lake_contract(lake)?;
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
                    Err(LakeError::InvalidInput("a reader thread panicked".into()))
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

/// Deletes a fetched data file when its reader is done with it.
struct FetchedFile(PathBuf);

impl Drop for FetchedFile {
    fn drop(&mut self) {
        let _ = fs::remove_file(&self.0);
    }
}

/// For an export in S3, downloads the data file that belongs at `path` (its place in the work
/// folder); nothing for a local export.
fn fetch_remote(export: &NativeExport, path: &Path) -> Result<Option<FetchedFile>> {
    let Some(remote) = &export.remote else {
        return Ok(None);
    };
    let relative = path
        .strip_prefix(&export.dir)
        .map(|p| p.to_string_lossy().to_string())
        .unwrap_or_default();
    let found = remote
        .runtime
        .block_on(remote.prefix.download(&relative, path))?;
    if !found {
        return Err(LakeError::InvalidInput(format!(
            "{}: listed in manifest-files.json but not found",
            remote.prefix.url(&relative)
        )));
    }
    Ok(Some(FetchedFile(path.to_path_buf())))
}
