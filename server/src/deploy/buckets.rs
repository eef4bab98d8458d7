//! Emptying the stack's versioned buckets: every object version and delete marker, 1 000 a
//! request (CloudFormation cannot delete a bucket that holds anything).

use aws_sdk_s3::types::{Delete, ObjectIdentifier};

use super::{Cloud, sdk_message};

/// Deletes every version and delete marker in `bucket`; returns how many. A bucket that does not
/// exist is already empty.
pub async fn empty(cloud: &Cloud, bucket: &str) -> anyhow::Result<u64> {
    let mut deleted = 0u64;
    let (mut key_marker, mut version_marker): (Option<String>, Option<String>) = (None, None);
    loop {
        let page = cloud
            .s3
            .list_object_versions()
            .bucket(bucket)
            .set_key_marker(key_marker.clone())
            .set_version_id_marker(version_marker.clone())
            .send()
            .await;
        let page = match page {
            Ok(p) => p,
            Err(e) if sdk_message(&e).contains("NoSuchBucket") => return Ok(deleted),
            Err(e) => anyhow::bail!("list versions in s3://{bucket}: {}", sdk_message(&e)),
        };
        let mut batch: Vec<ObjectIdentifier> = Vec::new();
        let versions = page
            .versions()
            .iter()
            .map(|v| (v.key(), v.version_id()))
            .chain(
                page.delete_markers()
                    .iter()
                    .map(|m| (m.key(), m.version_id())),
            );
        for (key, version) in versions {
            let Some(key) = key else { continue };
            batch.push(
                ObjectIdentifier::builder()
                    .key(key)
                    .set_version_id(version.map(str::to_string))
                    .build()?,
            );
        }
        if !batch.is_empty() {
            let n = batch.len() as u64;
            let out = cloud
                .s3
                .delete_objects()
                .bucket(bucket)
                .delete(
                    Delete::builder()
                        .set_objects(Some(batch))
                        .quiet(true)
                        .build()?,
                )
                .send()
                .await
                .map_err(|e| {
                    anyhow::anyhow!("delete objects in s3://{bucket}: {}", sdk_message(&e))
                })?;
            if let Some(first) = out.errors().first() {
                anyhow::bail!(
                    "s3://{bucket}: {} objects could not be deleted (first: {} — {})",
                    out.errors().len(),
                    first.key().unwrap_or(""),
                    first.message().unwrap_or("")
                );
            }
            deleted += n;
        }
        if page.is_truncated() != Some(true) {
            return Ok(deleted);
        }
        key_marker = page.next_key_marker().map(str::to_string);
        version_marker = page.next_version_id_marker().map(str::to_string);
    }
}

/// Deletes an empty bucket (one the stack keeps on deletion).
pub async fn delete(cloud: &Cloud, bucket: &str) -> anyhow::Result<()> {
    cloud
        .s3
        .delete_bucket()
        .bucket(bucket)
        .send()
        .await
        .map_err(|e| anyhow::anyhow!("delete bucket {bucket}: {}", sdk_message(&e)))?;
    Ok(())
}
