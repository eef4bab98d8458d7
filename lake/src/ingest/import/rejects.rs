//! The rejects file of an import: one JSON line per row that did not become an item,
//! `{"source", "line", "reason", "row"}`, in the order the rows were read. An item DynamoDB itself
//! refuses (rare: the mapping checks keys, types and the 400 KB limit first) is known only when its
//! batch returns, so its line `{"source", "line", "reason", "item"}` (the item as DynamoDB JSON)
//! comes when it is known, after the rows read by then. Local files are written as the run goes; an
//! `s3://` target is written to a local file (Lambda's /tmp) and uploaded when the run ends.
//! The file is created at the first reject, so a clean run leaves none behind.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::PathBuf;

use serde_json::{Value, json};

use crate::format::item::Item;
use crate::{LakeError, Result};

/// Where rejects go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RejectsTarget {
    /// A local file.
    Local(PathBuf),
    /// An S3 object.
    S3 {
        /// The bucket.
        bucket: String,
        /// The key.
        key: String,
    },
}

impl RejectsTarget {
    /// Parses `--rejects` (a file, a folder ending in `/` or existing, `s3://bucket/key`, or
    /// `s3://bucket/prefix/`); `file_name` names the file inside a folder or prefix.
    pub fn parse(value: &str, file_name: &str) -> Result<RejectsTarget> {
        if let Some(rest) = value.strip_prefix("s3://") {
            let (bucket, key) = rest.split_once('/').unwrap_or((rest, ""));
            if bucket.is_empty() {
                return Err(LakeError::InvalidInput(format!(
                    "--rejects {value}: no bucket name: expected s3://bucket/key or s3://bucket/prefix/"
                )));
            }
            let key = if key.is_empty() || key.ends_with('/') {
                format!("{key}{file_name}")
            } else {
                key.to_string()
            };
            return Ok(RejectsTarget::S3 {
                bucket: bucket.to_string(),
                key,
            });
        }
        let path = PathBuf::from(value);
        Ok(RejectsTarget::Local(
            if value.ends_with('/') || path.is_dir() {
                path.join(file_name)
            } else {
                path
            },
        ))
    }
}

impl std::fmt::Display for RejectsTarget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RejectsTarget::Local(p) => write!(f, "{}", p.display()),
            RejectsTarget::S3 { bucket, key } => write!(f, "s3://{bucket}/{key}"),
        }
    }
}

/// The open rejects file.
pub struct Rejects {
    target: RejectsTarget,
    local: PathBuf,
    file: Option<BufWriter<File>>,
    _temp: Option<tempfile::TempDir>,
    /// Lines written.
    pub count: u64,
}

impl Rejects {
    /// Prepares the file (nothing is created before the first reject).
    pub fn new(target: RejectsTarget) -> Result<Rejects> {
        let (local, temp) = match &target {
            RejectsTarget::Local(p) => (p.clone(), None),
            RejectsTarget::S3 { .. } => {
                let dir = tempfile::Builder::new()
                    .prefix("dynamo-lake-rejects-")
                    .tempdir()
                    .map_err(|e| LakeError::io(std::env::temp_dir(), e))?;
                (dir.path().join("rejects.jsonl"), Some(dir))
            }
        };
        Ok(Rejects {
            target,
            local,
            file: None,
            _temp: temp,
            count: 0,
        })
    }

    /// Where the file is (or would be).
    pub fn target(&self) -> &RejectsTarget {
        &self.target
    }

    fn write(&mut self, line: Value) -> Result<()> {
        if self.file.is_none() {
            if let Some(parent) = self.local.parent().filter(|p| !p.as_os_str().is_empty()) {
                std::fs::create_dir_all(parent).map_err(|e| LakeError::io(parent, e))?;
            }
            let file = File::create(&self.local).map_err(|e| LakeError::io(&self.local, e))?;
            self.file = Some(BufWriter::new(file));
        }
        if let Some(file) = self.file.as_mut() {
            serde_json::to_writer(&mut *file, &line)?;
            file.write_all(b"\n")
                .map_err(|e| LakeError::io(&self.local, e))?;
        }
        self.count += 1;
        Ok(())
    }

    /// A row that did not map.
    pub fn row(&mut self, source: &str, line: u64, reason: &str, row: Value) -> Result<()> {
        self.write(json!({"source": source, "line": line, "reason": reason, "row": row}))
    }

    /// An item DynamoDB refused.
    pub fn item(&mut self, source: &str, line: u64, reason: &str, item: &Item) -> Result<()> {
        self.write(json!({"source": source, "line": line, "reason": reason, "item": item}))
    }

    /// Flushes the file and, for an S3 target, uploads it. Returns its location when there is one.
    pub async fn finish(mut self, s3: Option<&aws_sdk_s3::Client>) -> Result<Option<String>> {
        let Some(mut file) = self.file.take() else {
            return Ok(None);
        };
        file.flush().map_err(|e| LakeError::io(&self.local, e))?;
        drop(file);
        if let RejectsTarget::S3 { bucket, key } = &self.target {
            let url = self.target.to_string();
            let client = s3.ok_or_else(|| {
                LakeError::InvalidInput(format!("--rejects {url}: no S3 client configured"))
            })?;
            let body = aws_sdk_s3::primitives::ByteStream::from_path(&self.local)
                .await
                .map_err(|e| LakeError::InvalidInput(format!("{}: {e}", self.local.display())))?;
            client
                .put_object()
                .bucket(bucket)
                .key(key)
                .content_type("application/x-ndjson")
                .body(body)
                .send()
                .await
                .map_err(|e| crate::aws::error::sdk_error(&format!("write {url}"), "S3", e))?;
        }
        Ok(Some(self.target.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_name_a_file_inside_folders_and_prefixes() {
        assert_eq!(
            RejectsTarget::parse("s3://b/rejects/", "x.rejects.jsonl").expect("valid"),
            RejectsTarget::S3 {
                bucket: "b".into(),
                key: "rejects/x.rejects.jsonl".into()
            }
        );
        assert_eq!(
            RejectsTarget::parse("s3://b/r.jsonl", "x")
                .expect("valid")
                .to_string(),
            "s3://b/r.jsonl"
        );
        let dir = tempfile::tempdir().expect("dir");
        let inside =
            RejectsTarget::parse(&dir.path().display().to_string(), "x.jsonl").expect("valid");
        assert_eq!(inside, RejectsTarget::Local(dir.path().join("x.jsonl")));
        assert!(RejectsTarget::parse("s3:///k", "x").is_err());
    }
}
