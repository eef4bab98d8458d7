//! `import`: files or S3 objects (CSV, JSON lines, DynamoDB JSON; gzip or not) streamed into a
//! DynamoDB table. One blocking thread reads and maps rows ([`source`], [`rows`], [`mapping`]);
//! the async side batches and writes them ([`write`]); rows that cannot be imported go to the
//! rejects file ([`rejects`]) with their reason. Memory is bounded by the channel between the two
//! and the batches in flight, not by the size of the input.
//!
//! Counts: every row read is either *processed* (it became an item) or *failed* (rejected, or
//! refused by DynamoDB); of the processed, *deduplicated* ones were replaced in their batch by a
//! later row with the same key and never sent. Logs carry file names, line numbers, counts and
//! reasons — reasons never quote values — and no row values.

pub mod mapping;
pub mod metrics;
pub mod rejects;
pub mod rows;
pub mod source;
pub mod write;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use serde::Serialize;

use self::mapping::{Mapper, Mapping, TableKeys};
use self::rejects::{Rejects, RejectsTarget};
use self::rows::{Format, Row};
use self::source::{SourceObject, Sources};
use self::write::{Pending, Target, Writer};
use crate::dynamo::DynamoConfig;
use crate::storage::S3Config;
use crate::{LakeError, Result};

/// What to import, and how.
#[derive(Debug, Clone)]
pub struct ImportSpec {
    /// `PATH`, `s3://bucket/key` or `s3://bucket/prefix`, as typed (named in errors as `--source`).
    pub source: String,
    /// The table.
    pub table: String,
    /// The format, when not told by the name or the content.
    pub format: Option<Format>,
    /// The CSV delimiter (default: a tab for `.tsv` files, else a comma).
    pub delimiter: Option<u8>,
    /// How rows become items.
    pub mapping: Mapping,
    /// Batches in flight.
    pub concurrency: usize,
    /// Items a second at most.
    pub rate: Option<f64>,
    /// Where rejected rows go.
    pub rejects: RejectsTarget,
    /// Parse, map and validate; write nothing to the table.
    pub dry_run: bool,
    /// Stop reading at this moment (a Lambda function's deadline, less a margin to finish).
    pub deadline: Option<Instant>,
}

/// The default rejects file name of a run: the table, the time and a random token, so two runs
/// started in the same second (back-to-back Lambda invocations) never write the same file.
pub fn rejects_file_name(table: &str, started: chrono::DateTime<chrono::Utc>) -> String {
    let token = uuid::Uuid::new_v4().simple().to_string();
    format!(
        "{table}-import-{}-{}{}",
        started.format("%Y%m%dT%H%M%SZ"),
        &token[..8],
        source::REJECTS_SUFFIX
    )
}

/// Live counters for a progress bar.
#[derive(Debug, Default)]
pub struct ImportProgress {
    /// Bytes of all sources.
    pub bytes_total: AtomicU64,
    /// Bytes read so far (as stored).
    pub bytes_read: AtomicU64,
    /// Rows read so far.
    pub rows: AtomicU64,
    /// Rows rejected so far.
    pub failed: AtomicU64,
}

/// One source's part of the report.
#[derive(Debug, Clone, Default, Serialize)]
pub struct SourceReport {
    /// The file or object.
    pub source: String,
    /// Its format.
    pub format: Option<Format>,
    /// Its size in bytes.
    pub bytes: u64,
    /// Rows read.
    pub rows: u64,
    /// Rows that became items.
    pub items_processed: u64,
    /// Rows rejected or refused.
    pub items_failed: u64,
    /// Items replaced by a later row with the same key in their batch.
    pub items_deduplicated: u64,
    /// Items written (processed minus deduplicated; 0 in a dry run).
    pub items_written: u64,
}

/// The summary of a run (`--json`, the Lambda's answer).
#[derive(Debug, Clone, Serialize)]
pub struct ImportReport {
    /// 200 when every row was imported, 207 when some failed.
    #[serde(rename = "statusCode")]
    pub status_code: u16,
    /// Rows that became items.
    pub items_processed: u64,
    /// Rows rejected or refused.
    pub items_failed: u64,
    /// Items replaced in their batch by a later row with the same key.
    pub items_deduplicated: u64,
    /// Items written to the table.
    pub items_written: u64,
    /// Rows read.
    pub rows: u64,
    /// Per source, in import order.
    pub sources: Vec<SourceReport>,
    /// Seconds taken.
    pub seconds: f64,
    /// The table.
    pub table: String,
    /// Whether nothing was written.
    pub dry_run: bool,
    /// The rejects file, when any row was rejected.
    pub rejects: Option<String>,
    /// The native export the sources came from, verified against its manifest.
    pub native_export: Option<String>,
}

/// The clients of a run.
#[derive(Debug, Clone)]
pub struct Clients {
    /// DynamoDB.
    pub dynamo: aws_sdk_dynamodb::Client,
    /// Where DynamoDB is (for messages).
    pub dynamo_cfg: DynamoConfig,
    /// S3, for `s3://` sources and rejects.
    pub s3: aws_sdk_s3::Client,
}

impl Clients {
    /// Connects to DynamoDB and S3.
    pub async fn connect(dynamo: &DynamoConfig, s3: &S3Config) -> Clients {
        Clients {
            dynamo: crate::dynamo::client(dynamo).await,
            dynamo_cfg: dynamo.clone(),
            s3: source::s3_client(s3).await,
        }
    }
}

/// Messages between the reader thread and the writer.
enum Batch {
    Items(Vec<Pending>),
    SourceDone {
        source: usize,
        rows: u64,
        failed: u64,
        format: Format,
    },
}

/// Runs an import.
pub async fn import(
    spec: &ImportSpec,
    clients: &Clients,
    progress: Arc<ImportProgress>,
) -> Result<ImportReport> {
    let started = Instant::now();
    let schema =
        crate::dynamo::key_schema(&clients.dynamo, &clients.dynamo_cfg, &spec.table, None).await?;
    let keys = TableKeys::from_schema(&schema);
    let sources = source::list("--source", &spec.source, Some(&clients.s3)).await?;
    import_sources(spec, clients, sources, keys, progress, started).await
}

/// Runs an import of sources already listed (the S3 event entry names its objects itself).
pub async fn import_sources(
    spec: &ImportSpec,
    clients: &Clients,
    sources: Sources,
    keys: TableKeys,
    progress: Arc<ImportProgress>,
    started: Instant,
) -> Result<ImportReport> {
    let now = chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string();
    let mapper = Mapper::new(spec.mapping.clone(), keys.clone(), now);
    progress
        .bytes_total
        .store(sources.total_bytes(), Ordering::Relaxed);
    let runtime = tokio::runtime::Handle::current();
    if let Some(export) = &sources.native_export {
        tracing::info!(export = %export, files = sources.objects.len(), "verifying the native export against its manifest");
        let (objects, s3, rt) = (sources.objects.clone(), clients.s3.clone(), runtime.clone());
        tokio::task::spawn_blocking(move || {
            objects
                .iter()
                .try_for_each(|o| source::verify(o, &rt, Some(&s3)))
        })
        .await
        .map_err(|e| LakeError::TaskFailed {
            what: "verifying the export".into(),
            reason: e.to_string(),
        })??;
    }
    let rejects = Arc::new(Mutex::new(Rejects::new(spec.rejects.clone())?));
    let names: Arc<Vec<String>> =
        Arc::new(sources.objects.iter().map(|o| o.name.clone()).collect());
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Batch>(16);
    let reader = {
        let (objects, s3) = (sources.objects.clone(), clients.s3.clone());
        let (format, delimiter, deadline) = (spec.format, spec.delimiter, spec.deadline);
        let (progress, rejects, runtime) = (progress.clone(), rejects.clone(), runtime.clone());
        tokio::task::spawn_blocking(move || {
            read_all(
                &objects, &runtime, &s3, format, delimiter, deadline, &mapper, &progress, &rejects,
                &tx,
            )
        })
    };
    let target = (!spec.dry_run).then(|| Target {
        client: clients.dynamo.clone(),
        cfg: clients.dynamo_cfg.clone(),
        table: spec.table.clone(),
        concurrency: spec.concurrency,
        rate: spec.rate,
    });
    let on_refused = {
        let (rejects, names) = (rejects.clone(), names.clone());
        Box::new(move |r: &write::Refused| -> Result<()> {
            let source = &names[r.pending.source];
            tracing::warn!(source = %source, line = r.pending.line, "DynamoDB refused an item; kept in the rejects file");
            rejects
                .lock()
                .map_err(|_| LakeError::TaskFailed {
                    what: "the rejects file".into(),
                    reason: "a writer panicked".into(),
                })?
                .item(source, r.pending.line, &r.reason, &r.pending.item)
        })
    };
    let mut writer = Writer::new(target, on_refused);
    let mut reports: Vec<SourceReport> = sources
        .objects
        .iter()
        .map(|o| SourceReport {
            source: o.name.clone(),
            bytes: o.size,
            ..SourceReport::default()
        })
        .collect();
    let mut write_error = None;
    while let Some(message) = rx.recv().await {
        match message {
            Batch::Items(items) => {
                for p in items {
                    reports[p.source].items_processed += 1;
                    if let Err(e) = writer.push(p).await {
                        write_error = Some(e);
                        break;
                    }
                }
                if write_error.is_some() {
                    break;
                }
            }
            Batch::SourceDone {
                source,
                rows,
                failed,
                format,
            } => {
                let r = &mut reports[source];
                r.rows = rows;
                r.items_failed = failed;
                r.format = Some(format);
                tracing::info!(source = %r.source, rows, failed, "read");
            }
        }
    }
    // Stop the reader if the writer gave up (its sends then fail and it returns).
    drop(rx);
    let read = reader.await.map_err(|e| LakeError::TaskFailed {
        what: "reading the sources".into(),
        reason: e.to_string(),
    })?;
    if let Some(e) = write_error {
        return Err(e);
    }
    let written = writer.finish().await?;
    if let Err(e) = read {
        // The rows rejected before the stop are kept (uploaded) all the same.
        if let Ok(rejects) = Arc::try_unwrap(rejects)
            && let Ok(rejects) = rejects.into_inner()
            && let Err(upload) = rejects.finish(Some(&clients.s3)).await
        {
            tracing::error!(error = %upload, "the rejects file of the stopped run could not be saved");
        }
        return Err(e);
    }
    for (source, n) in &written.deduplicated {
        reports[*source].items_deduplicated += n;
    }
    for (source, n) in &written.refused {
        let r = &mut reports[*source];
        r.items_failed += n;
        r.items_processed = r.items_processed.saturating_sub(*n);
    }
    if !spec.dry_run {
        for (source, n) in &written.written {
            reports[*source].items_written += n;
        }
    }
    let rejects = Arc::try_unwrap(rejects)
        .map_err(|_| LakeError::TaskFailed {
            what: "the rejects file".into(),
            reason: "still in use".into(),
        })?
        .into_inner()
        .map_err(|_| LakeError::TaskFailed {
            what: "the rejects file".into(),
            reason: "a writer panicked".into(),
        })?;
    let rejects = rejects.finish(Some(&clients.s3)).await?;
    let sum = |f: fn(&SourceReport) -> u64| reports.iter().map(f).sum::<u64>();
    let items_failed = sum(|r| r.items_failed);
    let report = ImportReport {
        status_code: if items_failed == 0 { 200 } else { 207 },
        items_processed: sum(|r| r.items_processed),
        items_failed,
        items_deduplicated: sum(|r| r.items_deduplicated),
        items_written: sum(|r| r.items_written),
        rows: sum(|r| r.rows),
        seconds: started.elapsed().as_secs_f64(),
        table: spec.table.clone(),
        dry_run: spec.dry_run,
        rejects,
        native_export: sources.native_export.clone(),
        sources: reports,
    };
    tracing::info!(
        table = %report.table,
        processed = report.items_processed,
        failed = report.items_failed,
        deduplicated = report.items_deduplicated,
        written = report.items_written,
        seconds = report.seconds,
        "import finished"
    );
    Ok(report)
}

/// Items handed to the writer at once (one channel message).
const CHUNK: usize = 512;
/// Rejects named in the log one by one (the rest are only counted).
const LOGGED_REJECTS: u64 = 20;

#[allow(clippy::too_many_arguments)]
fn read_all(
    objects: &[SourceObject],
    runtime: &tokio::runtime::Handle,
    s3: &aws_sdk_s3::Client,
    forced: Option<Format>,
    delimiter: Option<u8>,
    deadline: Option<Instant>,
    mapper: &Mapper,
    progress: &ImportProgress,
    rejects: &Mutex<Rejects>,
    tx: &tokio::sync::mpsc::Sender<Batch>,
) -> Result<()> {
    let closed = || LakeError::TaskFailed {
        what: "the import".into(),
        reason: "the writer stopped".into(),
    };
    let counter = Arc::new(AtomicU64::new(0));
    let mut logged = 0u64;
    for (index, object) in objects.iter().enumerate() {
        tracing::info!(source = %object.name, bytes = object.size, "importing");
        let before = counter.load(Ordering::Relaxed);
        let done_before: u64 = objects[..index].iter().map(|o| o.size).sum();
        let raw = source::open_raw(object, runtime, Some(s3), counter.clone())?;
        let mut text = source::decoded(raw, &object.name)?;
        let format = Format::detect(forced, &object.name, &mut *text)?;
        let delimiter = delimiter.unwrap_or_else(|| {
            let lower = object.name.to_ascii_lowercase();
            if lower.ends_with(".tsv") || lower.ends_with(".tsv.gz") {
                b'\t'
            } else {
                b','
            }
        });
        let (mut rows, mut failed) = (0u64, 0u64);
        let mut chunk: Vec<Pending> = Vec::with_capacity(CHUNK);
        let keys = mapper.keys().clone();
        rows::read_rows(text, &object.name, format, delimiter, mapper, &mut |row| {
            rows += 1;
            if rows.is_multiple_of(1024)
                && let Some(deadline) = deadline
                && Instant::now() >= deadline
            {
                return Err(LakeError::TaskFailed {
                    what: format!("the import of {}", object.name),
                    reason: format!(
                        "stopped at row {rows}: the function's time is nearly up. The rows before were written (a retry starts the object again; puts overwrite). Split big objects (UNLOAD … MAXFILESIZE) or import them with the CLI"
                    ),
                });
            }
            progress.rows.fetch_add(1, Ordering::Relaxed);
            progress.bytes_read.store(
                done_before + counter.load(Ordering::Relaxed) - before,
                Ordering::Relaxed,
            );
            match row {
                Row::Item(line, item) => {
                    let key = keys.key_of(&item).ok_or_else(|| {
                        LakeError::InvalidInput(format!("{}: line {line}: no key", object.name))
                    })?;
                    chunk.push(Pending {
                        item,
                        key,
                        source: index,
                        line,
                    });
                    if chunk.len() == CHUNK {
                        let full = std::mem::replace(&mut chunk, Vec::with_capacity(CHUNK));
                        tx.blocking_send(Batch::Items(full)).map_err(|_| closed())?;
                    }
                }
                Row::Rejected(r) => {
                    failed += 1;
                    progress.failed.fetch_add(1, Ordering::Relaxed);
                    if logged < LOGGED_REJECTS {
                        logged += 1;
                        tracing::warn!(source = %object.name, line = r.line, reason = %r.reason, "row rejected");
                    }
                    rejects.lock().map_err(|_| closed())?.row(
                        &object.name,
                        r.line,
                        &r.reason,
                        r.row,
                    )?;
                }
            }
            Ok(())
        })?;
        if !chunk.is_empty() {
            tx.blocking_send(Batch::Items(chunk))
                .map_err(|_| closed())?;
        }
        tx.blocking_send(Batch::SourceDone {
            source: index,
            rows,
            failed,
            format,
        })
        .map_err(|_| closed())?;
    }
    Ok(())
}
