//! The lake manifest, `_dynamo_lake/manifest.json`: the commit marker that lists every data file
//! and the type contract. It is written last by every commit. Only a *missing* manifest means a
//! new lake: one that cannot be read or parsed stops the run, so no commit can forget the files
//! an earlier one listed.

use std::fs;
use std::path::Path;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::layout::MANIFEST;
use super::location::{Location, S3Config};
use super::s3::S3Prefix;
use crate::format::contract::Contract;
use crate::format::dates::DateFormat;
use crate::{LakeError, Result};

/// How a write treats partitions that already hold data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum WriteMode {
    /// Each partition written is replaced by `data.parquet`: running the same export twice gives
    /// the same files.
    #[default]
    Overwrite,
    /// Each write adds `data-<run id>.parquet` beside what is there.
    Append,
}

impl std::str::FromStr for WriteMode {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        match s.to_ascii_lowercase().as_str() {
            "overwrite" => Ok(WriteMode::Overwrite),
            "append" => Ok(WriteMode::Append),
            other => Err(format!(
                "unknown mode {other:?}: expected overwrite or append"
            )),
        }
    }
}

/// One data file listed in the manifest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ManifestFile {
    /// Path relative to the lake root.
    pub path: String,
    /// Rows in the file.
    pub rows: u64,
    /// Bytes of the file.
    pub bytes: u64,
}

/// The lake manifest: the commit marker, listing every data file and the contract.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    /// The tool and version that wrote it.
    pub writer: String,
    /// When it was written.
    pub written_at: DateTime<Utc>,
    /// The attribute the partitions come from.
    pub sort_key: String,
    /// Its date format.
    pub date_format: DateFormat,
    /// The type contract of every file.
    pub contract: Contract,
    /// Every data file of the lake.
    pub files: Vec<ManifestFile>,
}

impl Manifest {
    /// Reads the manifest of the lake at `root`; `Ok(None)` only when there is none (a new lake).
    /// A manifest that cannot be read or parsed is an error naming the file: treating it as
    /// missing would make the next commit forget every file it lists.
    pub fn read_if_exists(root: &Path) -> Result<Option<Manifest>> {
        let path = root.join(MANIFEST);
        match fs::read(&path) {
            Ok(bytes) => Manifest::parse(&bytes, &path.display().to_string()).map(Some),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(LakeError::io(&path, e)),
        }
    }

    /// Reads the manifest of the lake at `root`; a missing one is [`LakeError::NoLake`].
    pub fn read(root: &Path) -> Result<Manifest> {
        Manifest::read_if_exists(root)?.ok_or_else(|| LakeError::NoLake {
            location: root.display().to_string(),
            expected: format!("{MANIFEST} (run an export first)"),
        })
    }

    /// Reads the manifest of the lake under an S3 prefix.
    pub async fn read_s3(remote: &S3Prefix) -> Result<Manifest> {
        let bytes = remote
            .get(MANIFEST)
            .await?
            .ok_or_else(|| LakeError::NoLake {
                location: remote.url(""),
                expected: format!("{MANIFEST} (run an export first)"),
            })?;
        Manifest::parse(&bytes, &remote.url(MANIFEST))
    }

    /// Reads the manifest of the lake at `location` (a folder or an S3 prefix).
    pub async fn read_at(location: &Location, s3: &S3Config) -> Result<Manifest> {
        match location {
            Location::Local(root) => Manifest::read(root),
            Location::S3 { bucket, prefix } => {
                Manifest::read_s3(&S3Prefix::connect(s3, bucket, prefix).await?).await
            }
        }
    }

    /// Parses manifest bytes read from `source` (named in the error).
    pub fn parse(bytes: &[u8], source: &str) -> Result<Manifest> {
        serde_json::from_slice(bytes).map_err(|e| LakeError::CorruptManifest {
            path: source.to_string(),
            reason: e.to_string(),
        })
    }
}
