//! Where a lake (or a snapshot, or a native export) lives: a local folder or an S3 prefix, behind
//! one interface.
//!
//! The pipeline always writes into a local folder. For a local lake that folder is the lake; for
//! an S3 lake it is a private work folder that first receives the lake's current manifest, and
//! [`Lake::publish`] then uploads what the run wrote: each data file as one object (a single PUT,
//! or a multipart upload completed only when every part is in, so no reader ever sees part of a
//! file), then removes the files an overwrite replaced, then writes the manifest, last, as the
//! commit marker. Memory stays bounded: files stream from disk in 8 MiB parts.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use aws_sdk_dynamodb::config::{ProvideCredentials, SharedCredentialsProvider};
use futures::StreamExt;
use object_store::aws::{AmazonS3, AmazonS3Builder, AwsCredential};
use object_store::path::Path as ObjectPath;
use object_store::{ObjectStore, ObjectStoreExt, PutPayload, WriteMultipart};
use tokio::io::AsyncReadExt;

use crate::layout::{MANIFEST, META_DIR};
use crate::writer::WriteMode;
use crate::{LakeError, Result};

/// Objects up to this size go up in one PUT; larger ones as a multipart upload.
const SINGLE_PUT_MAX: u64 = 16 * 1024 * 1024;
/// Part size of multipart uploads (S3's minimum is 5 MiB).
const PART_SIZE: usize = 8 * 1024 * 1024;

/// How to reach S3.
#[derive(Debug, Clone, Default)]
pub struct S3Config {
    /// An S3-compatible endpoint (`http://127.0.0.1:9000`); `None` for AWS.
    pub endpoint_url: Option<String>,
    /// The region; `None` takes it from the environment or profile.
    pub region: Option<String>,
}

/// A parsed location: `PATH`, `file:///PATH` or `s3://bucket/prefix`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    /// A local folder.
    Local(PathBuf),
    /// A prefix in an S3 bucket (no leading or trailing `/`; empty for the bucket's root).
    S3 {
        /// The bucket.
        bucket: String,
        /// The key prefix.
        prefix: String,
    },
}

impl Location {
    /// Parses `value`, given as the option `flag` (named in errors).
    pub fn parse(flag: &str, value: &str) -> Result<Location> {
        if let Some(rest) = value.strip_prefix("s3://") {
            let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
            if bucket.is_empty() {
                return Err(LakeError::InvalidInput(format!(
                    "{flag} {value}: no bucket name: expected s3://bucket/prefix"
                )));
            }
            if !bucket
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '.')
            {
                return Err(LakeError::InvalidInput(format!(
                    "{flag} {value}: {bucket:?} is not a valid bucket name (lower-case letters, digits, '-' and '.')"
                )));
            }
            let prefix = prefix.trim_matches('/');
            if prefix.split('/').any(|p| p == "." || p == "..") {
                return Err(LakeError::InvalidInput(format!(
                    "{flag} {value}: '.' and '..' are not allowed in the prefix"
                )));
            }
            return Ok(Location::S3 {
                bucket: bucket.to_string(),
                prefix: prefix.to_string(),
            });
        }
        if value.contains("://") && !value.starts_with("file://") {
            let scheme = value.split("://").next().unwrap_or("");
            return Err(LakeError::InvalidInput(format!(
                "{flag} {value}: {scheme}:// is not supported: give a folder, file:///folder or s3://bucket/prefix"
            )));
        }
        let path = value.strip_prefix("file://").unwrap_or(value);
        if path.is_empty() {
            return Err(LakeError::InvalidInput(format!(
                "{flag} is empty: give a folder or s3://bucket/prefix"
            )));
        }
        Ok(Location::Local(PathBuf::from(path)))
    }

    /// Whether this is an S3 location.
    pub fn is_s3(&self) -> bool {
        matches!(self, Location::S3 { .. })
    }
}

impl std::fmt::Display for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Location::Local(p) => write!(f, "{}", p.display()),
            Location::S3 { bucket, prefix } if prefix.is_empty() => write!(f, "s3://{bucket}"),
            Location::S3 { bucket, prefix } => write!(f, "s3://{bucket}/{prefix}"),
        }
    }
}

/// An S3 prefix and the client that reaches it.
#[derive(Debug, Clone)]
pub struct S3Prefix {
    /// The bucket.
    pub bucket: String,
    /// The key prefix (no leading or trailing `/`).
    pub prefix: String,
    /// The client.
    pub store: Arc<AmazonS3>,
}

impl S3Prefix {
    /// Connects to `bucket` with the credentials of `cfg` (fixed fake ones for local endpoints).
    pub async fn connect(cfg: &S3Config, bucket: &str, prefix: &str) -> Result<S3Prefix> {
        let store = s3_client(cfg, bucket).await?;
        Ok(S3Prefix {
            bucket: bucket.to_string(),
            prefix: prefix.trim_matches('/').to_string(),
            store: Arc::new(store),
        })
    }

    /// The object path of `relative` under the prefix.
    pub fn key(&self, relative: &str) -> ObjectPath {
        let relative = relative.trim_start_matches('/');
        if self.prefix.is_empty() {
            ObjectPath::from(relative)
        } else {
            ObjectPath::from(format!("{}/{relative}", self.prefix))
        }
    }

    /// `s3://bucket/prefix/relative`, for messages.
    pub fn url(&self, relative: &str) -> String {
        format!("s3://{}/{}", self.bucket, self.key(relative))
    }

    /// Checks that the bucket exists and can be listed (a clear error instead of a first write
    /// failing later).
    pub async fn check(&self) -> Result<()> {
        let prefix = self.key("");
        match self.store.list_with_delimiter(Some(&prefix)).await {
            Ok(_) => Ok(()),
            Err(object_store::Error::NotFound { .. }) => Err(LakeError::Aws(format!(
                "{}: the bucket {:?} does not exist (or is not visible to these credentials)",
                self.url(""),
                self.bucket
            ))),
            Err(e) => Err(s3_error(&self.url(""), "list", e)),
        }
    }

    /// Downloads `relative` into `dest`; `Ok(false)` when there is no such object.
    pub async fn download(&self, relative: &str, dest: &Path) -> Result<bool> {
        let got = match self.store.get(&self.key(relative)).await {
            Ok(got) => got,
            Err(object_store::Error::NotFound { .. }) => return Ok(false),
            Err(e) => return Err(s3_error(&self.url(relative), "read", e)),
        };
        if let Some(parent) = dest.parent() {
            std::fs::create_dir_all(parent).map_err(|e| LakeError::io(parent, e))?;
        }
        let mut file = tokio::fs::File::create(dest)
            .await
            .map_err(|e| LakeError::io(dest, e))?;
        let mut stream = got.into_stream();
        while let Some(chunk) = stream.next().await {
            let chunk = chunk.map_err(|e| s3_error(&self.url(relative), "read", e))?;
            tokio::io::AsyncWriteExt::write_all(&mut file, &chunk)
                .await
                .map_err(|e| LakeError::io(dest, e))?;
        }
        tokio::io::AsyncWriteExt::flush(&mut file)
            .await
            .map_err(|e| LakeError::io(dest, e))?;
        Ok(true)
    }

    /// Reads `relative` whole; `Ok(None)` when there is no such object.
    pub async fn get(&self, relative: &str) -> Result<Option<Vec<u8>>> {
        let url = self.url(relative);
        match self.store.get(&self.key(relative)).await {
            Ok(got) => Ok(Some(
                got.bytes()
                    .await
                    .map_err(|e| s3_error(&url, "read", e))?
                    .to_vec(),
            )),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(s3_error(&url, "read", e)),
        }
    }

    /// Uploads the local file `source` as `relative`: one PUT when small, otherwise a multipart
    /// upload that is completed only when every part is in (and aborted on failure).
    pub async fn upload(&self, source: &Path, relative: &str) -> Result<u64> {
        let key = self.key(relative);
        let url = self.url(relative);
        let size = tokio::fs::metadata(source)
            .await
            .map_err(|e| LakeError::io(source, e))?
            .len();
        if size <= SINGLE_PUT_MAX {
            let bytes = tokio::fs::read(source)
                .await
                .map_err(|e| LakeError::io(source, e))?;
            self.store
                .put(&key, PutPayload::from(bytes))
                .await
                .map_err(|e| s3_error(&url, "write", e))?;
            return Ok(size);
        }
        let upload = self
            .store
            .put_multipart(&key)
            .await
            .map_err(|e| s3_error(&url, "start a multipart upload of", e))?;
        let mut writer = WriteMultipart::new_with_chunk_size(upload, PART_SIZE);
        let mut file = tokio::fs::File::open(source)
            .await
            .map_err(|e| LakeError::io(source, e))?;
        let mut buf = vec![0u8; PART_SIZE];
        loop {
            let n = match file.read(&mut buf).await {
                Ok(n) => n,
                Err(e) => {
                    let _ = writer.abort().await;
                    return Err(LakeError::io(source, e));
                }
            };
            if n == 0 {
                break;
            }
            // At most two parts in flight: memory stays at a few part sizes.
            if let Err(e) = writer.wait_for_capacity(2).await {
                let _ = writer.abort().await;
                return Err(s3_error(&url, "upload a part of", e));
            }
            writer.write(&buf[..n]);
        }
        writer
            .finish()
            .await
            .map_err(|e| s3_error(&url, "complete the multipart upload of", e))?;
        Ok(size)
    }

    /// Writes `bytes` as `relative` in one PUT.
    pub async fn put(&self, relative: &str, bytes: Vec<u8>) -> Result<()> {
        self.store
            .put(&self.key(relative), PutPayload::from(bytes))
            .await
            .map_err(|e| s3_error(&self.url(relative), "write", e))?;
        Ok(())
    }

    /// Relative paths of the objects under `relative_dir`.
    pub async fn list(&self, relative_dir: &str) -> Result<Vec<String>> {
        let dir = self.key(relative_dir);
        let base = format!("{}/", self.key(""));
        let base = base.trim_start_matches('/');
        let mut stream = self.store.list(Some(&dir));
        let mut out = Vec::new();
        while let Some(meta) = stream.next().await {
            let meta = meta.map_err(|e| s3_error(&self.url(relative_dir), "list", e))?;
            let key = meta.location.to_string();
            let rel = if base.is_empty() {
                key.as_str()
            } else {
                key.strip_prefix(base).unwrap_or(&key)
            };
            out.push(rel.to_string());
        }
        out.sort();
        Ok(out)
    }

    /// Deletes `relative`.
    pub async fn delete(&self, relative: &str) -> Result<()> {
        match self.store.delete(&self.key(relative)).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(s3_error(&self.url(relative), "delete", e)),
        }
    }
}

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
                remote
                    .download(MANIFEST, &work.path().join(MANIFEST))
                    .await?;
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

pub use crate::aws::{LOCAL_KEY, is_loopback_url};

/// Builds the S3 client for `bucket`. AWS endpoints use aws-config's credential chain
/// (environment, profile, SSO, web identity, container and instance roles); local ones fixed fake
/// credentials.
pub async fn s3_client(cfg: &S3Config, bucket: &str) -> Result<AmazonS3> {
    let local = cfg.endpoint_url.as_deref().is_some_and(is_loopback_url);
    let mut builder = AmazonS3Builder::new().with_bucket_name(bucket);
    if local {
        builder = builder
            .with_region(cfg.region.as_deref().unwrap_or("us-east-1"))
            .with_access_key_id(LOCAL_KEY)
            .with_secret_access_key(LOCAL_KEY);
    } else {
        let retries = crate::aws::Retries {
            attempts: 3,
            initial_backoff: std::time::Duration::from_millis(100),
        };
        let sdk = crate::aws::sdk_config(None, cfg.region.as_deref(), retries).await;
        let region = sdk
            .region()
            .map(|r| r.to_string())
            .unwrap_or_else(|| "us-east-1".to_string());
        builder = builder.with_region(region);
        if let Some(provider) = sdk.credentials_provider() {
            builder = builder.with_credentials(Arc::new(SdkCredentials(provider)));
        }
    }
    if let Some(url) = &cfg.endpoint_url {
        builder = builder
            .with_endpoint(url.trim_end_matches('/'))
            .with_allow_http(url.starts_with("http://"))
            .with_virtual_hosted_style_request(false);
    }
    builder
        .build()
        .map_err(|e| LakeError::Aws(format!("s3://{bucket}: cannot set up the S3 client: {e}")))
}

/// aws-config's credential chain, as object_store's credential provider.
#[derive(Debug)]
struct SdkCredentials(SharedCredentialsProvider);

#[async_trait::async_trait]
impl object_store::CredentialProvider for SdkCredentials {
    type Credential = AwsCredential;

    async fn get_credential(&self) -> object_store::Result<Arc<AwsCredential>> {
        let c = self
            .0
            .provide_credentials()
            .await
            .map_err(|e| object_store::Error::Generic {
                store: "S3",
                source: format!(
                    "no AWS credentials found ({e}); set AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY"
                )
                .into(),
            })?;
        Ok(Arc::new(AwsCredential {
            key_id: c.access_key_id().to_string(),
            secret_key: c.secret_access_key().to_string(),
            token: c.session_token().map(str::to_string),
        }))
    }
}

/// An object_store error as a message naming the object and the action.
pub fn s3_error(url: &str, action: &str, e: object_store::Error) -> LakeError {
    let why = match &e {
        object_store::Error::NotFound { .. } => "not found".to_string(),
        object_store::Error::PermissionDenied { .. } => "access denied".to_string(),
        object_store::Error::Unauthenticated { .. } => "the credentials were refused".to_string(),
        other => {
            let text = other.to_string();
            if text.contains("NoSuchBucket") {
                "the bucket does not exist".to_string()
            } else if text.contains("error sending request") || text.contains("Connect") {
                format!("cannot reach S3 ({text})")
            } else {
                text
            }
        }
    };
    LakeError::Aws(format!("cannot {action} {url}: {why}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locations_parse_and_errors_name_the_flag() {
        assert_eq!(
            Location::parse("--lake", "s3://bucket/a/b/").expect("valid"),
            Location::S3 {
                bucket: "bucket".into(),
                prefix: "a/b".into()
            }
        );
        assert_eq!(
            Location::parse("--lake", "s3://bucket")
                .expect("valid")
                .to_string(),
            "s3://bucket"
        );
        assert_eq!(
            Location::parse("--lake", "file:///tmp/x").expect("valid"),
            Location::Local("/tmp/x".into())
        );
        let e = Location::parse("--lake", "s3:///x")
            .expect_err("invalid")
            .to_string();
        assert!(e.contains("--lake") && e.contains("no bucket"), "{e}");
        let e = Location::parse("--lake", "gs://b/x")
            .expect_err("invalid")
            .to_string();
        assert!(e.contains("gs://"), "{e}");
        let e = Location::parse("--lake", "s3://Bad_Bucket/x")
            .expect_err("invalid")
            .to_string();
        assert!(e.contains("Bad_Bucket"), "{e}");
        assert!(Location::parse("--lake", "s3://b/a/../x").is_err());
        assert!(Location::parse("--lake", "").is_err());
    }
}
