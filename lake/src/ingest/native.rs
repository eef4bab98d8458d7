//! AWS native Export-to-S3 folders (`AWSDynamoDB/<export-id>/`, DYNAMODB_JSON, full exports):
//! their two manifests, finding the export under a folder or an S3 prefix, and the data files
//! (fetched from S3 one at a time while they are read, deleted once read).

use std::fs;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::storage::S3Prefix;
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

/// Deletes a fetched data file when its reader is done with it.
pub(crate) struct FetchedFile(PathBuf);

impl Drop for FetchedFile {
    fn drop(&mut self) {
        let _ = fs::remove_file(&self.0);
    }
}

/// For an export in S3, downloads the data file that belongs at `path` (its place in the work
/// folder); nothing for a local export.
pub(crate) fn fetch_remote(export: &NativeExport, path: &Path) -> Result<Option<FetchedFile>> {
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
