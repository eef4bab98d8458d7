//! The lake writer: items → one Parquet file per day partition (encoded by [`crate::format::parquet`]),
//! every file with the contract's schema. Files are written under temporary names and renamed into
//! place at the end, and the manifest is written last: a reader never sees a partial file as data.

use std::collections::BTreeMap;
use std::fs::{self, File};
use std::io::Write;
use std::path::{Path, PathBuf};

use chrono::{NaiveDate, Utc};
use datafusion::arrow::datatypes::SchemaRef;
use datafusion::parquet::arrow::ArrowWriter;
use serde::Serialize;

use crate::format::contract::Contract;
use crate::format::dates::DateFormat;
use crate::format::item::{Item, rejected_line};
use crate::format::parquet::{to_batch, writer_properties};
use crate::storage::layout::{MANIFEST, META_DIR, partition_path};
use crate::storage::{Manifest, ManifestFile, WriteMode, process_alive};
use crate::{LakeError, Result};

/// The data file name inside a partition folder when overwriting.
pub const DATA_FILE: &str = "data.parquet";

/// What the writer needs to know about the items.
#[derive(Debug, Clone)]
pub struct WriteOptions {
    /// The attribute holding the date that decides the partition (the GSI sort key).
    pub sort_key: String,
    /// How that attribute stores its date.
    pub date_format: DateFormat,
    /// Items buffered across all partitions before the largest buffer is flushed to a row group.
    pub buffer_items: usize,
    /// Overwrite or append.
    pub mode: WriteMode,
    /// Names this write's files in append mode (`data-<run_id>.parquet`).
    pub run_id: String,
}

impl WriteOptions {
    /// Options with the default buffer size.
    pub fn new(sort_key: impl Into<String>, date_format: DateFormat) -> Self {
        WriteOptions {
            sort_key: sort_key.into(),
            date_format,
            buffer_items: 65_536,
            mode: WriteMode::Overwrite,
            run_id: Utc::now().format("%Y%m%dT%H%M%S%3fZ").to_string(),
        }
    }
}
/// What a write did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct WriteSummary {
    /// Items written.
    pub items: u64,
    /// Partitions written.
    pub partitions: u64,
    /// Items not written (no or unreadable sort key), kept in `rejected_file`.
    pub rejected: u64,
    /// Where rejected items were saved, if any.
    pub rejected_file: Option<PathBuf>,
    /// Items rejected because a value did not fit the contract's type, per attribute (kept whole
    /// in `rejected_file`, never written as NULL).
    pub type_conflicts: BTreeMap<String, u64>,
    /// Data files written, relative to the lake root.
    pub files: Vec<String>,
}

/// Removes `.<name>.<pid>.tmp` files a killed writer left in a partition folder.
fn remove_stale_temp_files(dir: &Path) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().to_string();
        let Some(rest) = name.strip_prefix('.').and_then(|n| n.strip_suffix(".tmp")) else {
            continue;
        };
        let pid = rest.rsplit('.').next().and_then(|p| p.parse::<u32>().ok());
        if pid.is_some_and(|p| p != std::process::id() && !process_alive(p)) {
            let _ = fs::remove_file(entry.path());
        }
    }
}

/// In overwrite mode the new `data.parquet` replaces the partition: other data files there go.
fn remove_other_data_files(kept: &Path, kept_relative: &str) -> Result<Vec<String>> {
    let Some(dir) = kept.parent() else {
        return Ok(Vec::new());
    };
    let prefix = kept_relative.rsplit_once('/').map(|(p, _)| p).unwrap_or("");
    let mut removed = Vec::new();
    for entry in fs::read_dir(dir).map_err(|e| LakeError::io(dir, e))? {
        let path = entry.map_err(|e| LakeError::io(dir, e))?.path();
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("")
            .to_string();
        if path != kept && name.ends_with(".parquet") && !name.starts_with('.') {
            fs::remove_file(&path).map_err(|e| LakeError::io(&path, e))?;
            removed.push(format!("{prefix}/{name}"));
        }
    }
    Ok(removed)
}

struct PartitionFile {
    temp: PathBuf,
    final_path: PathBuf,
    relative: String,
    writer: ArrowWriter<File>,
    buffer: Vec<Item>,
    rows: u64,
}

/// Writes items into the lake at a local root.
pub struct LakeWriter {
    root: PathBuf,
    contract: Contract,
    schema: SchemaRef,
    options: WriteOptions,
    partitions: BTreeMap<NaiveDate, PartitionFile>,
    buffered: usize,
    summary: WriteSummary,
    rejected: Option<File>,
    /// The lake's manifest when the write started (`None`: a new lake).
    existing: Option<Manifest>,
}

impl LakeWriter {
    /// Starts a write into `root`, creating it if needed.
    /// The lake's manifest is read here, once: a manifest that exists but cannot be read or parsed
    /// stops the write before anything is written.
    pub fn create(root: &Path, contract: Contract, options: WriteOptions) -> Result<Self> {
        let existing = Manifest::read_if_exists(root)?;
        LakeWriter::create_with(root, contract, options, existing)
    }

    /// Starts a write into `root` whose manifest the caller has read (`None`: a new lake).
    pub fn create_with(
        root: &Path,
        contract: Contract,
        options: WriteOptions,
        existing: Option<Manifest>,
    ) -> Result<Self> {
        fs::create_dir_all(root.join(META_DIR)).map_err(|e| LakeError::io(root, e))?;
        let schema = contract.arrow_schema();
        Ok(LakeWriter {
            root: root.to_path_buf(),
            contract,
            schema,
            options,
            partitions: BTreeMap::new(),
            buffered: 0,
            summary: WriteSummary::default(),
            rejected: None,
            existing,
        })
    }

    /// Adds one item to its day's partition.
    pub fn write(&mut self, item: Item) -> Result<()> {
        let day = match item.get(&self.options.sort_key) {
            None => Err(format!("no sort key attribute {:?}", self.options.sort_key)),
            Some(v) => self
                .options
                .date_format
                .parse_value(v)
                .map(|t| t.date_naive())
                .map_err(|e| e.to_string()),
        };
        let day = match day {
            Ok(day) => day,
            Err(why) => return self.reject(&item, &why),
        };
        if let Some((attr, why)) = self.contract.misfit(&item) {
            *self.summary.type_conflicts.entry(attr).or_default() += 1;
            return self.reject(&item, &why);
        }
        if !self.partitions.contains_key(&day) {
            let file = self.open_partition(day)?;
            self.partitions.insert(day, file);
        }
        if let Some(p) = self.partitions.get_mut(&day) {
            p.buffer.push(item);
        }
        self.buffered += 1;
        if self.buffered >= self.options.buffer_items {
            self.flush_largest()?;
        }
        Ok(())
    }

    fn reject(&mut self, item: &Item, why: &str) -> Result<()> {
        if self.rejected.is_none() {
            // This run's rejects file (the one the reader's rejects went to, if any): appended to,
            // so no earlier line of it (or of another run's file) is overwritten.
            let path = self
                .root
                .join(META_DIR)
                .join(format!("rejected-{}.jsonl", self.options.run_id));
            let file = fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(&path)
                .map_err(|e| LakeError::io(&path, e))?;
            self.summary.rejected_file = Some(path);
            self.rejected = Some(file);
        }
        if let (Some(file), Some(path)) =
            (self.rejected.as_mut(), self.summary.rejected_file.as_ref())
        {
            writeln!(file, "{}", rejected_line(why, item)).map_err(|e| LakeError::io(path, e))?;
        }
        self.summary.rejected += 1;
        Ok(())
    }

    fn open_partition(&self, day: NaiveDate) -> Result<PartitionFile> {
        let relative_dir = partition_path(day);
        let dir = self.root.join(&relative_dir);
        fs::create_dir_all(&dir).map_err(|e| LakeError::io(&dir, e))?;
        remove_stale_temp_files(&dir);
        let name = match self.options.mode {
            WriteMode::Overwrite => DATA_FILE.to_string(),
            WriteMode::Append => format!("data-{}.parquet", self.options.run_id),
        };
        let temp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
        let file = File::create(&temp).map_err(|e| LakeError::io(&temp, e))?;
        let writer = ArrowWriter::try_new(file, self.schema.clone(), Some(writer_properties()))?;
        Ok(PartitionFile {
            temp,
            final_path: dir.join(&name),
            relative: format!("{relative_dir}/{name}"),
            writer,
            buffer: Vec::new(),
            rows: 0,
        })
    }

    fn flush_largest(&mut self) -> Result<()> {
        let largest = self
            .partitions
            .iter()
            .max_by_key(|(_, p)| p.buffer.len())
            .map(|(d, _)| *d);
        if let Some(day) = largest {
            self.flush(day)?;
        }
        Ok(())
    }

    fn flush(&mut self, day: NaiveDate) -> Result<()> {
        let Some(p) = self.partitions.get_mut(&day) else {
            return Ok(());
        };
        if p.buffer.is_empty() {
            return Ok(());
        }
        let items = std::mem::take(&mut p.buffer);
        let batch = to_batch(&self.contract, &self.schema, &items, day)?;
        p.writer.write(&batch)?;
        p.writer.flush()?;
        p.rows += items.len() as u64;
        self.buffered -= items.len();
        self.summary.items += items.len() as u64;
        Ok(())
    }

    /// Flushes every partition, moves the files into place and writes the manifest last.
    pub fn finish(mut self) -> Result<WriteSummary> {
        let days: Vec<NaiveDate> = self.partitions.keys().copied().collect();
        for day in days {
            self.flush(day)?;
        }
        let mut files = Vec::new();
        let mut replaced = Vec::new();
        for (_, p) in std::mem::take(&mut self.partitions) {
            p.writer.close()?;
            fs::rename(&p.temp, &p.final_path).map_err(|e| LakeError::io(&p.final_path, e))?;
            let bytes = fs::metadata(&p.final_path)
                .map_err(|e| LakeError::io(&p.final_path, e))?
                .len();
            if self.options.mode == WriteMode::Overwrite {
                replaced.extend(remove_other_data_files(&p.final_path, &p.relative)?);
            }
            files.push(ManifestFile {
                path: p.relative,
                rows: p.rows,
                bytes,
            });
        }
        self.summary.partitions = files.len() as u64;
        self.summary.files = files.iter().map(|f| f.path.clone()).collect();
        self.write_manifest(files, &replaced)?;
        Ok(self.summary)
    }

    fn write_manifest(&self, written: Vec<ManifestFile>, removed: &[String]) -> Result<()> {
        // Earlier files stay listed: the contract only ever gains columns, and Parquet is read by
        // column name, so older files read with NULLs for the newer columns.
        let mut files: BTreeMap<String, ManifestFile> = self
            .existing
            .iter()
            .flat_map(|old| old.files.iter())
            .map(|f| (f.path.clone(), f.clone()))
            .collect();
        for r in removed {
            files.remove(r);
        }
        if self.options.mode == WriteMode::Overwrite {
            // The partition now holds only the new file, also where the old files were not on
            // this disk (an S3 lake's work folder holds only the manifest).
            for f in &written {
                if let Some((dir, _)) = f.path.rsplit_once('/') {
                    let dir = format!("{dir}/");
                    files.retain(|path, _| !path.starts_with(&dir) || path == &f.path);
                }
            }
        }
        for f in written {
            files.insert(f.path.clone(), f);
        }
        let manifest = Manifest {
            writer: concat!("dynamo-lake ", env!("CARGO_PKG_VERSION")).to_string(),
            written_at: Utc::now(),
            sort_key: self.options.sort_key.clone(),
            date_format: self.options.date_format,
            contract: self.contract.clone(),
            files: files.into_values().collect(),
        };
        let path = self.root.join(MANIFEST);
        let temp = path.with_extension("json.tmp");
        fs::write(&temp, serde_json::to_vec_pretty(&manifest)?)
            .map_err(|e| LakeError::io(&temp, e))?;
        fs::rename(&temp, &path).map_err(|e| LakeError::io(&path, e))
    }
}
