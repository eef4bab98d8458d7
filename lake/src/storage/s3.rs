//! S3 access for lakes, snapshots and native exports: one client per bucket (aws-config's
//! credential chain for AWS, fixed fake credentials for local endpoints), whole-object uploads
//! (a single PUT, or a multipart upload completed only when every part is in), streaming
//! downloads, listings and deletes, with errors that name the object and the action. Memory stays
//! bounded: files stream from disk in 8 MiB parts.
use std::path::Path;
use std::sync::Arc;

use aws_sdk_dynamodb::config::{ProvideCredentials, SharedCredentialsProvider};
use futures::StreamExt;
use object_store::aws::{AmazonS3, AmazonS3Builder, AwsCredential};
use object_store::path::Path as ObjectPath;
use object_store::{ObjectStore, ObjectStoreExt, PutPayload, WriteMultipart};
use tokio::io::AsyncReadExt;

use super::location::S3Config;
use crate::aws::{LOCAL_KEY, is_loopback_url};
use crate::error::AwsErrorKind;
use crate::{LakeError, Result};

/// Objects up to this size go up in one PUT; larger ones as a multipart upload.
const SINGLE_PUT_MAX: u64 = 16 * 1024 * 1024;
/// Part size of multipart uploads (S3's minimum is 5 MiB).
const PART_SIZE: usize = 8 * 1024 * 1024;

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
            Err(object_store::Error::NotFound { .. }) => Err(LakeError::aws(
                format!("list {}", self.url("")),
                AwsErrorKind::NotFound,
                format!(
                    "{}: the bucket {:?} does not exist (or is not visible to these credentials)",
                    self.url(""),
                    self.bucket
                ),
            )),
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

    /// A presigned GET URL of `relative`, valid for `expires_in`; `Ok(None)` when there is no
    /// such object (checked first: a link to nothing would only fail in the browser).
    pub async fn presigned_get(
        &self,
        relative: &str,
        expires_in: std::time::Duration,
    ) -> Result<Option<String>> {
        use object_store::signer::Signer;
        let url = self.url(relative);
        match self.store.head(&self.key(relative)).await {
            Ok(_) => {}
            Err(object_store::Error::NotFound { .. }) => return Ok(None),
            Err(e) => return Err(s3_error(&url, "read", e)),
        }
        // object_store takes an `http::Method` without re-exporting it; its default is GET.
        let signed = self
            .store
            .signed_url(Default::default(), &self.key(relative), expires_in)
            .await
            .map_err(|e| s3_error(&url, "presign", e))?;
        Ok(Some(signed.to_string()))
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
    builder.build().map_err(|e| {
        LakeError::InvalidInput(format!("s3://{bucket}: cannot set up the S3 client: {e}"))
    })
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

/// An object_store error as a message naming the object and the action (classified by
/// [`crate::aws::error::object_store_error`]).
pub fn s3_error(url: &str, action: &str, e: object_store::Error) -> LakeError {
    crate::aws::error::object_store_error(url, action, e)
}
