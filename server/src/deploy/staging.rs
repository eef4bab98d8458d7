//! The staging bucket: made once per account and region by a small stack of its own
//! (`deploy/staging.yaml`: versioned, encrypted, public access blocked, TLS only), so no bucket is
//! ever created by hand. Artifacts go under content-hash keys: the same zip is uploaded once, and
//! a changed zip gets a new key, which is what makes CloudFormation update the functions.

use sha2::{Digest, Sha256};

use super::Cloud;
use super::stack::{self, Settled};

/// The staging stack's default name.
pub const STAGING_STACK: &str = "dynamo-lake-staging";

/// The staging bucket's name, creating its stack first when there is none.
pub async fn bucket(cloud: &Cloud, stack_name: &str) -> anyhow::Result<String> {
    if let Some(found) = stack::describe(cloud, stack_name).await? {
        if found.status.ends_with("_COMPLETE") && !found.status.starts_with("DELETE") {
            return output(&found.outputs, stack_name);
        }
        anyhow::bail!(
            "the staging stack {stack_name} is {}: fix or delete it (or give --staging-stack)",
            found.status
        );
    }
    eprintln!("creating the staging stack {stack_name} (one bucket for code and templates)");
    cloud
        .cfn
        .create_stack()
        .stack_name(stack_name)
        .template_body(super::STAGING_TEMPLATE)
        .send()
        .await
        .map_err(|e| anyhow::anyhow!("create stack {stack_name}: {}", super::sdk_message(&e)))?;
    match stack::follow(cloud, stack_name, None).await? {
        Settled::Done(found) => output(&found.outputs, stack_name),
        Settled::Failed(status) => {
            anyhow::bail!("the staging stack {stack_name} ended {status}")
        }
        Settled::Gone => {
            anyhow::bail!("the staging stack {stack_name} was deleted while it was made")
        }
    }
}

fn output(outputs: &[(String, String)], stack_name: &str) -> anyhow::Result<String> {
    outputs
        .iter()
        .find(|(k, _)| k == "BucketName")
        .map(|(_, v)| v.clone())
        .ok_or_else(|| anyhow::anyhow!("the staging stack {stack_name} has no BucketName output"))
}

/// The content-hash key of `bytes` under `folder` (`code/<sha256>.zip`).
pub fn key_of(folder: &str, bytes: &[u8], extension: &str) -> String {
    let digest = Sha256::digest(bytes);
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    format!("{folder}/{hex}.{extension}")
}

/// Uploads `bytes` as `key` unless an object is already there (same key, same content).
pub async fn upload(
    cloud: &Cloud,
    bucket: &str,
    key: &str,
    bytes: Vec<u8>,
) -> anyhow::Result<bool> {
    let present = cloud.s3.head_object().bucket(bucket).key(key).send().await;
    match present {
        Ok(_) => return Ok(false),
        Err(e) if e.as_service_error().is_some_and(|s| s.is_not_found()) => {}
        Err(e) => {
            anyhow::bail!("check s3://{bucket}/{key}: {}", super::sdk_message(&e));
        }
    }
    cloud
        .s3
        .put_object()
        .bucket(bucket)
        .key(key)
        .body(bytes.into())
        .send()
        .await
        .map_err(|e| anyhow::anyhow!("upload s3://{bucket}/{key}: {}", super::sdk_message(&e)))?;
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_follow_the_content() {
        let a = key_of("code", b"zip one", "zip");
        assert!(a.starts_with("code/") && a.ends_with(".zip") && a.len() == 5 + 64 + 4);
        assert_eq!(a, key_of("code", b"zip one", "zip"));
        assert_ne!(a, key_of("code", b"zip two", "zip"));
    }
}
