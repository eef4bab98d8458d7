//! What an import reads: a local file, every file of a local folder in name order, one S3 object,
//! or every object under an S3 key prefix in key order (Redshift UNLOAD writes `…_000.gz`,
//! `…_001.gz`, … under a prefix that is not a folder). A native Export-to-S3 folder is recognised
//! by its `manifest-summary.json` and its data files are verified against `manifest-files.json`
//! (item count and MD5) before anything is written, as `convert` does.
//!
//! Objects stream: S3 bodies arrive in chunks through a bounded channel into a blocking reader,
//! gzip is recognised by its magic bytes (multi-member files too) and a UTF-8 BOM is skipped, so
//! memory stays flat whatever the size.

use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use flate2::read::MultiGzDecoder;
use md5::{Digest, Md5};

use crate::ingest::native::NativeExport;
use crate::storage::{Location, S3Config};
use crate::{LakeError, Result};

/// Where one source object is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// A local file.
    Local(PathBuf),
    /// An S3 object (the key exactly as S3 holds it).
    S3 {
        /// The bucket.
        bucket: String,
        /// The key.
        key: String,
    },
}

/// One object to import.
#[derive(Debug, Clone)]
pub struct SourceObject {
    /// Its name in messages, reports and rejects (`s3://bucket/key` or the path).
    pub name: String,
    /// Where it is.
    pub origin: Origin,
    /// Its size in bytes (as stored, compressed or not).
    pub size: u64,
    /// For a native export's data file: the items and base64 MD5 its manifest lists.
    pub expected: Option<(u64, String)>,
}

/// The objects of one run, in import order.
#[derive(Debug, Clone)]
pub struct Sources {
    /// The objects.
    pub objects: Vec<SourceObject>,
    /// When the source is a native export: its description.
    pub native_export: Option<String>,
}

impl Sources {
    /// Bytes in all.
    pub fn total_bytes(&self) -> u64 {
        self.objects.iter().map(|o| o.size).sum()
    }
}

/// Our own rejects files are never imported (a rejects prefix under the import prefix would
/// otherwise feed itself).
pub const REJECTS_SUFFIX: &str = ".rejects.jsonl";

/// Names a folder or prefix listing leaves out: folder markers, dotfiles, our rejects files and
/// the manifest Redshift's `UNLOAD … MANIFEST` writes beside its parts (`…manifest`).
fn skipped(name: &str) -> bool {
    let base = name.rsplit('/').next().unwrap_or(name);
    base.is_empty()
        || base.starts_with('.')
        || base.ends_with(REJECTS_SUFFIX)
        || base.ends_with("manifest")
}

/// Lists what `source` (as the user typed it, for `flag`) names.
pub async fn list(flag: &str, source: &str, s3: Option<&aws_sdk_s3::Client>) -> Result<Sources> {
    match Location::parse(flag, source)? {
        Location::Local(path) => list_local(&path),
        Location::S3 { bucket, .. } => {
            let client = s3.ok_or_else(|| {
                LakeError::InvalidInput(format!("{flag} {source}: no S3 client configured"))
            })?;
            // The key exactly as typed (Location trims slashes, which matter for a prefix).
            let raw = source
                .strip_prefix("s3://")
                .and_then(|r| r.split_once('/'))
                .map(|(_, k)| k)
                .unwrap_or("");
            list_s3(client, &bucket, raw).await
        }
    }
}

fn list_local(path: &Path) -> Result<Sources> {
    let meta = std::fs::metadata(path).map_err(|e| LakeError::io(path, e))?;
    if meta.is_file() {
        return Ok(Sources {
            objects: vec![local_object(path, meta.len())],
            native_export: None,
        });
    }
    if path.join("manifest-summary.json").exists() || path.join("AWSDynamoDB").is_dir() {
        let export = NativeExport::open(path)?;
        let mut objects = Vec::new();
        for entry in &export.files {
            let file = export.data_path(entry)?;
            let size = std::fs::metadata(&file)
                .map_err(|e| LakeError::io(&file, e))?
                .len();
            let mut object = local_object(&file, size);
            object.expected = Some((entry.item_count, entry.md5_checksum.clone()));
            objects.push(object);
        }
        return Ok(Sources {
            objects,
            native_export: Some(export.describe()),
        });
    }
    let mut files: Vec<(String, PathBuf, u64)> = Vec::new();
    for entry in std::fs::read_dir(path).map_err(|e| LakeError::io(path, e))? {
        let entry = entry.map_err(|e| LakeError::io(path, e))?;
        let meta = entry
            .metadata()
            .map_err(|e| LakeError::io(entry.path(), e))?;
        let name = entry.file_name().to_string_lossy().to_string();
        if meta.is_file() && !skipped(&name) {
            files.push((name, entry.path(), meta.len()));
        }
    }
    files.sort();
    if files.is_empty() {
        return Err(LakeError::InvalidInput(format!(
            "{}: the folder holds no files to import",
            path.display()
        )));
    }
    Ok(Sources {
        objects: files
            .into_iter()
            .map(|(_, p, size)| local_object(&p, size))
            .collect(),
        native_export: None,
    })
}

fn local_object(path: &Path, size: u64) -> SourceObject {
    SourceObject {
        name: path.display().to_string(),
        origin: Origin::Local(path.to_path_buf()),
        size,
        expected: None,
    }
}

fn s3_failure<E>(
    url: &str,
    action: &str,
    e: aws_sdk_s3::error::SdkError<E, aws_sdk_s3::config::http::HttpResponse>,
) -> LakeError
where
    E: aws_sdk_s3::error::ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    crate::aws::error::sdk_error(&format!("{action} {url}"), "S3", e)
}

async fn list_s3(client: &aws_sdk_s3::Client, bucket: &str, key: &str) -> Result<Sources> {
    let url = format!("s3://{bucket}/{key}");
    let mut objects: Vec<(String, u64)> = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let out = client
            .list_objects_v2()
            .bucket(bucket)
            .prefix(key)
            .set_continuation_token(token.take())
            .send()
            .await
            .map_err(|e| s3_failure(&url, "list", e))?;
        for o in out.contents() {
            if let Some(k) = o.key() {
                objects.push((k.to_string(), o.size().unwrap_or(0).max(0) as u64));
            }
        }
        match out.next_continuation_token() {
            Some(t) if out.is_truncated() == Some(true) => token = Some(t.to_string()),
            _ => break,
        }
    }
    objects.sort();
    // An exact key names one object, even when other keys start with it (a key ending in `/` is
    // a folder marker, never the object meant).
    if let Some(exact) = objects
        .iter()
        .find(|(k, _)| k == key && !k.ends_with('/') && !k.is_empty())
        .cloned()
    {
        return Ok(Sources {
            objects: vec![s3_object(bucket, &exact.0, exact.1)],
            native_export: None,
        });
    }
    let summaries: Vec<&str> = objects
        .iter()
        .filter_map(|(k, _)| k.strip_suffix("manifest-summary.json"))
        .collect();
    if !summaries.is_empty() {
        return native_s3(client, bucket, &url, &summaries, &objects).await;
    }
    let objects: Vec<SourceObject> = objects
        .iter()
        .filter(|(k, _)| !k.ends_with('/') && !skipped(k))
        .map(|(k, size)| s3_object(bucket, k, *size))
        .collect();
    if objects.is_empty() {
        return Err(LakeError::InvalidInput(format!(
            "{url}: no objects have this key or start with it"
        )));
    }
    Ok(Sources {
        objects,
        native_export: None,
    })
}

fn s3_object(bucket: &str, key: &str, size: u64) -> SourceObject {
    SourceObject {
        name: format!("s3://{bucket}/{key}"),
        origin: Origin::S3 {
            bucket: bucket.to_string(),
            key: key.to_string(),
        },
        size,
        expected: None,
    }
}

async fn native_s3(
    client: &aws_sdk_s3::Client,
    bucket: &str,
    url: &str,
    summaries: &[&str],
    objects: &[(String, u64)],
) -> Result<Sources> {
    let [dir] = summaries else {
        return Err(LakeError::InvalidInput(format!(
            "{url} holds {} native exports ({}): choose one",
            summaries.len(),
            summaries.join(", ")
        )));
    };
    let work = tempfile::Builder::new()
        .prefix("dynamo-lake-import-")
        .tempdir()
        .map_err(|e| LakeError::io(std::env::temp_dir(), e))?;
    for name in ["manifest-summary.json", "manifest-files.json"] {
        let key = format!("{dir}{name}");
        let body = get_all(client, bucket, &key).await?;
        let path = work.path().join(name);
        std::fs::write(&path, body).map_err(|e| LakeError::io(&path, e))?;
    }
    let export = NativeExport::open(work.path())?;
    let mut out = Vec::new();
    for entry in &export.files {
        let relative = export
            .data_path(entry)?
            .strip_prefix(work.path())
            .map(|p| p.to_string_lossy().to_string())
            .unwrap_or_default();
        let key = format!("{dir}{relative}");
        let size = objects
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, s)| *s)
            .ok_or_else(|| {
                LakeError::InvalidInput(format!(
                    "s3://{bucket}/{key}: listed in manifest-files.json but not found"
                ))
            })?;
        let mut object = s3_object(bucket, &key, size);
        object.expected = Some((entry.item_count, entry.md5_checksum.clone()));
        out.push(object);
    }
    Ok(Sources {
        objects: out,
        native_export: Some(format!("s3://{bucket}/{}", dir.trim_end_matches('/'))),
    })
}

async fn get_all(client: &aws_sdk_s3::Client, bucket: &str, key: &str) -> Result<Vec<u8>> {
    let url = format!("s3://{bucket}/{key}");
    let out = client
        .get_object()
        .bucket(bucket)
        .key(key)
        .send()
        .await
        .map_err(|e| s3_failure(&url, "read", e))?;
    let bytes = out.body.collect().await.map_err(|e| {
        LakeError::aws(
            format!("read {url}"),
            crate::error::AwsErrorKind::Unavailable,
            format!("cannot read {url}: {e}"),
        )
    })?;
    Ok(bytes.into_bytes().to_vec())
}

/// A blocking reader of an S3 body fed, chunk by chunk, by a task on the runtime.
struct ChannelReader {
    rx: tokio::sync::mpsc::Receiver<std::io::Result<bytes::Bytes>>,
    current: bytes::Bytes,
}

impl Read for ChannelReader {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        while self.current.is_empty() {
            match self.rx.blocking_recv() {
                Some(chunk) => self.current = chunk?,
                None => return Ok(0),
            }
        }
        let n = buf.len().min(self.current.len());
        buf[..n].copy_from_slice(&self.current[..n]);
        bytes::Buf::advance(&mut self.current, n);
        Ok(n)
    }
}

/// Counts the bytes read (as stored), for progress.
struct Counted<R> {
    inner: R,
    counter: Arc<AtomicU64>,
}

impl<R: Read> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.counter.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

/// Opens an object's stored bytes (blocking; call from a blocking thread). S3 bodies are pulled
/// by a task on `runtime`.
pub fn open_raw(
    object: &SourceObject,
    runtime: &tokio::runtime::Handle,
    s3: Option<&aws_sdk_s3::Client>,
    counter: Arc<AtomicU64>,
) -> Result<Box<dyn Read + Send>> {
    let inner: Box<dyn Read + Send> = match &object.origin {
        Origin::Local(path) => Box::new(File::open(path).map_err(|e| LakeError::io(path, e))?),
        Origin::S3 { bucket, key } => {
            let client = s3
                .ok_or_else(|| LakeError::InvalidInput(format!("{}: no S3 client", object.name)))?
                .clone();
            let (tx, rx) = tokio::sync::mpsc::channel(8);
            let (bucket, key, url) = (bucket.clone(), key.clone(), object.name.clone());
            let first = runtime.block_on(async {
                client
                    .get_object()
                    .bucket(&bucket)
                    .key(&key)
                    .send()
                    .await
                    .map_err(|e| s3_failure(&url, "read", e))
            })?;
            runtime.spawn(async move {
                let mut body = first.body;
                loop {
                    match body.next().await {
                        Some(Ok(chunk)) => {
                            if tx.send(Ok(chunk)).await.is_err() {
                                return;
                            }
                        }
                        Some(Err(e)) => {
                            let _ = tx
                                .send(Err(std::io::Error::other(format!(
                                    "{url}: the download broke off: {e}"
                                ))))
                                .await;
                            return;
                        }
                        None => return,
                    }
                }
            });
            Box::new(ChannelReader {
                rx,
                current: bytes::Bytes::new(),
            })
        }
    };
    Ok(Box::new(Counted { inner, counter }))
}

/// The decoded text stream of an object: gunzipped when it starts with gzip's magic bytes, a
/// UTF-8 byte order mark skipped.
pub fn decoded(raw: Box<dyn Read + Send>, name: &str) -> Result<Box<dyn BufRead + Send>> {
    let mut buffered = BufReader::with_capacity(256 * 1024, raw);
    let head = buffered
        .fill_buf()
        .map_err(|e| LakeError::InvalidInput(format!("{name}: cannot read: {e}")))?;
    let gz = head.starts_with(&[0x1f, 0x8b]);
    let mut text: Box<dyn BufRead + Send> = if gz {
        Box::new(BufReader::with_capacity(
            256 * 1024,
            MultiGzDecoder::new(buffered),
        ))
    } else {
        Box::new(buffered)
    };
    let head = text
        .fill_buf()
        .map_err(|e| LakeError::InvalidInput(format!("{name}: cannot read: {e}")))?;
    if head.starts_with(&[0xEF, 0xBB, 0xBF]) {
        text.consume(3);
    }
    Ok(text)
}

/// Checks a native export's data file against its manifest entry: MD5 of the stored bytes and
/// the number of items (non-empty lines).
pub fn verify(
    object: &SourceObject,
    runtime: &tokio::runtime::Handle,
    s3: Option<&aws_sdk_s3::Client>,
) -> Result<()> {
    let Some((items, md5)) = &object.expected else {
        return Ok(());
    };
    struct Hashing<R> {
        inner: R,
        hasher: Md5,
    }
    impl<R: Read> Read for Hashing<R> {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            let n = self.inner.read(buf)?;
            self.hasher.update(&buf[..n]);
            Ok(n)
        }
    }
    let raw = open_raw(object, runtime, s3, Arc::new(AtomicU64::new(0)))?;
    let mut hashing = Hashing {
        inner: raw,
        hasher: Md5::new(),
    };
    let mut lines = 0u64;
    {
        let mut text = BufReader::with_capacity(256 * 1024, MultiGzDecoder::new(&mut hashing));
        let mut line = Vec::new();
        loop {
            line.clear();
            let n = text.read_until(b'\n', &mut line).map_err(|e| {
                LakeError::InvalidInput(format!(
                    "{}: not a readable gzip data file: {e}",
                    object.name
                ))
            })?;
            if n == 0 {
                break;
            }
            if line.iter().any(|b| !b.is_ascii_whitespace()) {
                lines += 1;
            }
        }
    }
    // Whatever gzip did not read still counts for the checksum.
    std::io::copy(&mut hashing, &mut std::io::sink())
        .map_err(|e| LakeError::InvalidInput(format!("{}: cannot read: {e}", object.name)))?;
    let got = crate::format::item::base64_bytes::encode(&hashing.hasher.finalize());
    if &got != md5 {
        return Err(LakeError::InvalidInput(format!(
            "{}: MD5 {got} does not match manifest-files.json ({md5}); the export is damaged or incomplete, nothing was imported",
            object.name
        )));
    }
    if lines != *items {
        return Err(LakeError::InvalidInput(format!(
            "{}: {lines} items, manifest-files.json lists {items}; nothing was imported",
            object.name
        )));
    }
    Ok(())
}

/// The S3 client of an import (path-style addressing for custom endpoints; fixed fake
/// credentials for local ones).
pub async fn s3_client(cfg: &S3Config) -> aws_sdk_s3::Client {
    let retries = crate::aws::Retries {
        attempts: 5,
        initial_backoff: std::time::Duration::from_millis(100),
    };
    let sdk =
        crate::aws::sdk_config(cfg.endpoint_url.as_deref(), cfg.region.as_deref(), retries).await;
    aws_sdk_s3::Client::from_conf(
        aws_sdk_s3::config::Builder::from(&sdk)
            .force_path_style(cfg.endpoint_url.is_some())
            .build(),
    )
}
