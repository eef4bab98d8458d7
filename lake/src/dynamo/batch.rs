//! BatchWriteItem in requests of 25, `UnprocessedItems` retried with the one backoff
//! ([`crate::aws::backoff`]).

use aws_sdk_dynamodb::Client;

use super::client::{DynamoConfig, sdk_error};
use super::convert::item_to_sdk;
use crate::aws::backoff::full_jitter;
use crate::error::AwsErrorKind;
use crate::format::item::Item;
use crate::{LakeError, Result};

/// backoff and jitter. Returns the number written.
pub async fn batch_write(
    client: &Client,
    cfg: &DynamoConfig,
    table: &str,
    items: &[Item],
) -> Result<u64> {
    use aws_sdk_dynamodb::types::{PutRequest, WriteRequest};
    let mut written = 0u64;
    for chunk in items.chunks(25) {
        let mut pending: Vec<WriteRequest> = chunk
            .iter()
            .map(|item| {
                let put = PutRequest::builder()
                    .set_item(Some(item_to_sdk(item)))
                    .build()
                    .map_err(|e| {
                        LakeError::InvalidInput(format!(
                            "an item for table {table:?} cannot be written: {e}"
                        ))
                    })?;
                Ok(WriteRequest::builder().put_request(put).build())
            })
            .collect::<Result<_>>()?;
        let mut attempt = 0u32;
        while !pending.is_empty() {
            let sent = pending.len() as u64;
            let out = client
                .batch_write_item()
                .request_items(table, std::mem::take(&mut pending))
                .send()
                .await
                .map_err(|e| sdk_error(cfg, &format!("write to table {table:?}"), e))?;
            pending = out
                .unprocessed_items()
                .and_then(|m| m.get(table))
                .cloned()
                .unwrap_or_default();
            written += sent - pending.len() as u64;
            if !pending.is_empty() {
                attempt += 1;
                if attempt > 10 {
                    return Err(LakeError::aws(
                        format!("write to table {table:?}"),
                        AwsErrorKind::Throttled,
                        format!(
                            "table {table:?} kept {} items unprocessed after 10 retries (throttled): try again later or raise its capacity",
                            pending.len()
                        ),
                    ));
                }
                tokio::time::sleep(full_jitter(attempt)).await;
            }
        }
    }
    Ok(written)
}
