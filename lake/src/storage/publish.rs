//! Publishing a finished write. The pipeline always writes into a local folder. For a local lake
//! that folder is the lake; for an S3 lake it is a private work folder that first receives the
//! lake's current manifest, and [`Lake::publish`] then uploads what the run wrote: each data file
//! as one object (a single PUT, or a multipart upload completed only when every part is in, so no
//! reader ever sees part of a file), then removes the files an overwrite replaced, then writes the
//! manifest, last, as the commit marker.

use std::path::{Path, PathBuf};

use super::layout::{MANIFEST, META_DIR};
use super::location::{Location, S3Config};
use super::manifest::{Manifest, WriteMode};
use super::s3::S3Prefix;
use crate::{LakeError, Result};

/// A lake being written: the local folder the pipeline writes into, and where it is published.
#[derive(Debug)]
pub struct Lake {
    location: Location,
    work: PathBuf,
    s3: Option<(S3Prefix, tempfile::TempDir)>,
}

impl Lake {
    /// Opens the lake at `location` for writing. For S3 this makes a private work folder and
    /// copies the lake's manifest into it (if there is one), so the new write extends the
    /// existing contract and file list.
    pub async fn open(location: Location, s3: &S3Config) -> Result<Lake> {
        match &location {
            Location::Local(path) => Ok(Lake {
                work: path.clone(),
                location,
                s3: None,
            }),
            Location::S3 { bucket, prefix } => {
                let remote = S3Prefix::connect(s3, bucket, prefix).await?;
                remote.check().await?;
                let work = tempfile::Builder::new()
                    .prefix("dynamo-lake-work-")
                    .tempdir()
                    .map_err(|e| LakeError::io(std::env::temp_dir(), e))?;
                // The lake's manifest, checked here so an unreadable one is named by its URL
                // (and refused before anything is read or written).
                if let Some(bytes) = remote.get(MANIFEST).await? {
                    Manifest::parse(&bytes, &remote.url(MANIFEST))?;
                    let local = work.path().join(MANIFEST);
                    if let Some(dir) = local.parent() {
                        std::fs::create_dir_all(dir).map_err(|e| LakeError::io(dir, e))?;
                    }
                    std::fs::write(&local, bytes).map_err(|e| LakeError::io(&local, e))?;
                }
                Ok(Lake {
                    work: work.path().to_path_buf(),
                    location,
                    s3: Some((remote, work)),
                })
            }
        }
    }

    /// The local folder the pipeline writes into (the lake itself when it is local).
    pub fn work_dir(&self) -> &Path {
        &self.work
    }

    /// Where the lake is.
    pub fn location(&self) -> &Location {
        &self.location
    }

    /// Turns a path inside the work folder into what the user should see (an `s3://` URL for S3).
    pub fn display_path(&self, path: &Path) -> String {
        match (&self.s3, path.strip_prefix(&self.work)) {
            (Some((remote, _)), Ok(rel)) => remote.url(&rel.to_string_lossy()),
            _ => path.display().to_string(),
        }
    }

    /// Makes a finished local write visible at the lake's location. Local lakes are already in
    /// place. For S3: every written file (relative paths), then — when overwriting — deletion of
    /// the other data files in the partitions written, then any `_dynamo_lake/rejected-*` file,
    /// then the manifest, last.
    pub async fn publish(&self, written: &[String], mode: WriteMode) -> Result<PublishSummary> {
        let Some((remote, _)) = &self.s3 else {
            return Ok(PublishSummary::default());
        };
        let mut summary = PublishSummary::default();
        for relative in written {
            summary.bytes += remote.upload(&self.work.join(relative), relative).await?;
            summary.uploaded += 1;
        }
        if mode == WriteMode::Overwrite {
            for relative in written {
                let Some((dir, _)) = relative.rsplit_once('/') else {
                    continue;
                };
                for other in remote.list(dir).await? {
                    let name = other.rsplit('/').next().unwrap_or("");
                    if &other != relative && name.ends_with(".parquet") {
                        remote.delete(&other).await?;
                        summary.removed += 1;
                    }
                }
            }
        }
        let meta = self.work.join(META_DIR);
        if let Ok(entries) = std::fs::read_dir(&meta) {
            for entry in entries.flatten() {
                let name = entry.file_name().to_string_lossy().to_string();
                if name.starts_with("rejected-") && entry.path().is_file() {
                    remote
                        .upload(&entry.path(), &format!("{META_DIR}/{name}"))
                        .await?;
                }
            }
        }
        let manifest = self.work.join(MANIFEST);
        if manifest.exists() {
            remote.upload(&manifest, MANIFEST).await?;
        }
        Ok(summary)
    }
}

impl Lake {
    /// Uploads the files of one folder written in the work folder (`relative_dir`), the file
    /// named `last` (its manifest) after all others. Nothing to do for a local destination.
    pub async fn publish_folder(&self, relative_dir: &str, last: &str) -> Result<()> {
        let Some((remote, _)) = &self.s3 else {
            return Ok(());
        };
        let dir = self.work.join(relative_dir);
        let mut names: Vec<String> = std::fs::read_dir(&dir)
            .map_err(|e| LakeError::io(&dir, e))?
            .flatten()
            .filter(|e| e.path().is_file())
            .map(|e| e.file_name().to_string_lossy().to_string())
            .collect();
        names.sort_by_key(|n| (n == last, n.clone()));
        for name in names {
            remote
                .upload(&dir.join(&name), &format!("{relative_dir}/{name}"))
                .await?;
        }
        Ok(())
    }
}

/// What [`Lake::publish`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PublishSummary {
    /// Objects uploaded (data files).
    pub uploaded: u64,
    /// Their bytes.
    pub bytes: u64,
    /// Data files removed because an overwrite replaced their partition.
    pub removed: u64,
}
