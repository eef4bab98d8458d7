//! Monthly snapshots (seed 000): Scan + FilterExpression on a `YYYY-MM-DD` attribute, written as
//! gzip JSON lines under `PREFIX/NAME/year=YYYY/month=MM/snapshot_at=YYYY-MM-DDTHHMMSSZ/` with a
//! `manifest.json` (counts, bytes and sha256 of every part, the schema, times) written last.
//! Every snapshot gets its own folder: several in a month never overwrite each other.

use std::fs::{self, File};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::AttributeValue;
use chrono::{DateTime, Utc};
use flate2::Compression;
use flate2::write::GzEncoder;
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::dynamo::{DynamoConfig, item_from_sdk, key_schema, sdk_error};
use crate::format::contract::Contract;
use crate::format::infer::ContractBuilder;
use crate::{LakeError, Result};

/// What to snapshot.
#[derive(Debug, Clone)]
pub struct SnapshotSpec {
    /// The table.
    pub table: String,
    /// The attribute holding `YYYY-MM-DD` dates (seed 000: `datum_iso`).
    pub filter_attr: String,
    /// Year of the month.
    pub year: i32,
    /// Month (1–12).
    pub month: u32,
    /// Root folder (a bucket's stand-in).
    pub dest: PathBuf,
    /// Prefix under the root (seed 000: `exports`).
    pub prefix: String,
    /// Dataset name under the prefix (default: the table's name).
    pub name: String,
    /// Parallel scan segments.
    pub segments: u32,
    /// Items per part file.
    pub part_items: u64,
    /// Count and report; write nothing.
    pub dry_run: bool,
    /// The snapshot's time (names its folder).
    pub at: DateTime<Utc>,
}

/// One part file in the manifest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct SnapshotPart {
    /// File name, in the snapshot folder.
    pub key: String,
    /// Items in it.
    pub items: u64,
    /// Its size in bytes.
    pub bytes: u64,
    /// SHA-256 of its bytes, hex.
    pub sha256: String,
}

/// The snapshot manifest.
#[derive(Debug, Clone, Serialize, serde::Deserialize)]
pub struct SnapshotManifest {
    /// Tool and version.
    pub tool: String,
    /// Source table.
    pub table: String,
    /// The filter, as run.
    pub filter: serde_json::Value,
    /// Items in all parts.
    pub item_count: u64,
    /// The parts.
    pub parts: Vec<SnapshotPart>,
    /// Attribute types seen (the same contract the lake uses).
    pub schema: Contract,
    /// Attributes seen with several DynamoDB types (their values are kept as they were: the
    /// parts are DynamoDB JSON; `schema` types them as mixed strings).
    #[serde(default)]
    pub mixed_types: std::collections::BTreeMap<String, Vec<String>>,
    /// When reading started.
    pub started_at: DateTime<Utc>,
    /// When the manifest was written.
    pub finished_at: DateTime<Utc>,
}

/// What a snapshot did (or would do).
#[derive(Debug, Clone, Serialize)]
pub struct SnapshotReport {
    /// The snapshot folder.
    pub dir: PathBuf,
    /// Items written (or that would be).
    pub items: u64,
    /// Items scanned.
    pub scanned: u64,
    /// Part files written.
    pub parts: Vec<SnapshotPart>,
    /// Whether nothing was written.
    pub dry_run: bool,
}

/// The folder of a snapshot, relative to the root.
pub fn snapshot_dir(spec: &SnapshotSpec) -> PathBuf {
    Path::new(&spec.prefix)
        .join(&spec.name)
        .join(format!("year={:04}", spec.year))
        .join(format!("month={:02}", spec.month))
        .join(format!(
            "snapshot_at={}",
            spec.at.format("%Y-%m-%dT%H%M%SZ")
        ))
}

struct PartWriter {
    dir: PathBuf,
    index: usize,
    encoder: Option<GzEncoder<HashingWriter>>,
    items: u64,
    done: Vec<SnapshotPart>,
}

/// Counts and hashes the bytes on their way to the file.
struct HashingWriter {
    file: BufWriter<File>,
    hasher: Sha256,
    bytes: u64,
}

impl Write for HashingWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.file.write(buf)?;
        self.hasher.update(&buf[..n]);
        self.bytes += n as u64;
        Ok(n)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.file.flush()
    }
}

impl PartWriter {
    fn path(&self, index: usize) -> PathBuf {
        self.dir.join(format!("part-{index:03}.jsonl.gz"))
    }

    fn line(&mut self, line: &str) -> Result<()> {
        if self.encoder.is_none() {
            let path = self.path(self.index);
            let file = File::create(&path).map_err(|e| LakeError::io(&path, e))?;
            let inner = HashingWriter {
                file: BufWriter::new(file),
                hasher: Sha256::new(),
                bytes: 0,
            };
            self.encoder = Some(GzEncoder::new(inner, Compression::default()));
        }
        if let Some(enc) = self.encoder.as_mut() {
            enc.write_all(line.as_bytes())
                .and_then(|_| enc.write_all(b"\n"))
                .map_err(|e| LakeError::io(&self.dir, e))?;
        }
        self.items += 1;
        Ok(())
    }

    fn close_part(&mut self) -> Result<()> {
        let Some(enc) = self.encoder.take() else {
            return Ok(());
        };
        let path = self.path(self.index);
        let mut inner = enc.finish().map_err(|e| LakeError::io(&path, e))?;
        inner.file.flush().map_err(|e| LakeError::io(&path, e))?;
        self.done.push(SnapshotPart {
            key: format!("part-{:03}.jsonl.gz", self.index),
            items: self.items,
            bytes: inner.bytes,
            sha256: hex(&inner.hasher.finalize()),
        });
        self.index += 1;
        self.items = 0;
        Ok(())
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Takes a snapshot into `dest` (a local folder, or S3: written in its work folder, then the
/// parts uploaded and `manifest.json` last). `spec.dest` is ignored.
pub async fn snapshot_into(
    client: &Client,
    cfg: &DynamoConfig,
    mut spec: SnapshotSpec,
    dest: &crate::storage::Lake,
) -> Result<SnapshotReport> {
    spec.dest = dest.work_dir().to_path_buf();
    let mut report = snapshot(client, cfg, &spec).await?;
    if !report.dry_run {
        let relative = snapshot_dir(&spec).to_string_lossy().to_string();
        dest.publish_folder(&relative, "manifest.json").await?;
    }
    report.dir = PathBuf::from(dest.display_path(&report.dir));
    Ok(report)
}

/// Takes a snapshot.
pub async fn snapshot(
    client: &Client,
    cfg: &DynamoConfig,
    spec: &SnapshotSpec,
) -> Result<SnapshotReport> {
    if !(1..=12).contains(&spec.month) {
        return Err(LakeError::InvalidInput(format!(
            "--month {} is not a month (1-12)",
            spec.month
        )));
    }
    key_schema(client, cfg, &spec.table, None).await?;
    let relative = snapshot_dir(spec);
    let dir = spec.dest.join(&relative);
    let prefix_value = format!("{:04}-{:02}-", spec.year, spec.month);
    let mut parts = None;
    if !spec.dry_run {
        if let Some(parent) = dir.parent() {
            fs::create_dir_all(parent).map_err(|e| LakeError::io(parent, e))?;
        }
        // create_dir (not _all) claims the folder: an existing snapshot is never overwritten.
        fs::create_dir(&dir).map_err(|e| {
            if e.kind() == std::io::ErrorKind::AlreadyExists {
                LakeError::InvalidInput(format!(
                    "{} already exists: snapshots are never overwritten",
                    dir.display()
                ))
            } else {
                LakeError::io(&dir, e)
            }
        })?;
        parts = Some(PartWriter {
            dir: dir.clone(),
            index: 0,
            encoder: None,
            items: 0,
            done: Vec::new(),
        });
    }

    let (tx, mut rx) = tokio::sync::mpsc::channel::<Result<(u64, Vec<String>, ContractBuilder)>>(8);
    let total = spec.segments.max(1);
    let mut tasks = tokio::task::JoinSet::new();
    for seg in 0..total {
        let (client, cfg, table, attr, value, tx) = (
            client.clone(),
            cfg.clone(),
            spec.table.clone(),
            spec.filter_attr.clone(),
            prefix_value.clone(),
            tx.clone(),
        );
        tasks.spawn(async move {
            let mut req = client
                .scan()
                .table_name(&table)
                .filter_expression("begins_with(#d, :month)")
                .expression_attribute_names("#d", &attr)
                .expression_attribute_values(":month", AttributeValue::S(value));
            if total > 1 {
                req = req.segment(seg as i32).total_segments(total as i32);
            }
            let mut pages = req.into_paginator().send();
            while let Some(page) = pages.next().await {
                let page = match page {
                    Ok(p) => p,
                    Err(e) => {
                        let _ = tx
                            .send(Err(sdk_error(&cfg, &format!("scan table {table:?}"), e)))
                            .await;
                        return;
                    }
                };
                let mut contract = ContractBuilder::default();
                let lines: Result<Vec<String>> = page
                    .items()
                    .iter()
                    .map(|raw| {
                        let item = item_from_sdk(raw)?;
                        contract.observe(&item);
                        let plain: serde_json::Map<String, serde_json::Value> = item
                            .iter()
                            .map(|(k, v)| (k.clone(), v.to_plain_json()))
                            .collect();
                        Ok(serde_json::Value::Object(plain).to_string())
                    })
                    .collect();
                let msg = lines.map(|l| (page.scanned_count().max(0) as u64, l, contract));
                if tx.send(msg).await.is_err() {
                    return;
                }
            }
        });
    }
    drop(tx);

    let started_at = Utc::now();
    let mut contract = ContractBuilder::default();
    let (mut items, mut scanned) = (0u64, 0u64);
    let mut failure = None;
    while let Some(msg) = rx.recv().await {
        match msg {
            Err(e) => {
                failure = Some(e);
                break;
            }
            Ok((n, lines, seen)) => {
                scanned += n;
                contract.merge(seen);
                for line in lines {
                    items += 1;
                    if let Some(p) = parts.as_mut() {
                        p.line(&line)?;
                        if p.items >= spec.part_items.max(1) {
                            p.close_part()?;
                        }
                    }
                }
            }
        }
    }
    tasks.abort_all();
    if let Some(e) = failure {
        if !spec.dry_run {
            let _ = fs::remove_dir_all(&dir);
        }
        return Err(e);
    }
    let mut written = Vec::new();
    if let Some(mut p) = parts {
        p.close_part()?;
        written = p.done;
        let mixed = contract
            .mixed()
            .into_iter()
            .map(|(name, kinds)| (name, kinds.into_iter().map(str::to_string).collect()))
            .collect();
        let manifest = SnapshotManifest {
            tool: concat!("dynamo-lake ", env!("CARGO_PKG_VERSION")).to_string(),
            table: spec.table.clone(),
            filter: serde_json::json!({
                "attribute": spec.filter_attr,
                "expression": format!("begins_with({}, :month)", spec.filter_attr),
                "month": prefix_value.trim_end_matches('-'),
            }),
            item_count: items,
            parts: written.clone(),
            schema: contract.finish(None)?,
            mixed_types: mixed,
            started_at,
            finished_at: Utc::now(),
        };
        let path = dir.join("manifest.json");
        let temp = dir.join(".manifest.json.tmp");
        fs::write(&temp, serde_json::to_vec_pretty(&manifest)?)
            .map_err(|e| LakeError::io(&temp, e))?;
        fs::rename(&temp, &path).map_err(|e| LakeError::io(&path, e))?;
    }
    Ok(SnapshotReport {
        dir,
        items,
        scanned,
        parts: written,
        dry_run: spec.dry_run,
    })
}
