//! DynamoDB access: the client (retries with backoff and jitter, fake credentials for local
//! endpoints), conversion between the SDK's values and [`AttrValue`], table and index checks, and
//! errors that say what is wrong in the user's terms.

use std::time::Duration;

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::config::http::HttpResponse;
use aws_sdk_dynamodb::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_dynamodb::types::{KeyType, ScalarAttributeType, TableDescription};

use crate::aws::{Retries, is_loopback_url, sdk_config};
use crate::error::AwsErrorKind;
use crate::{LakeError, Result};

/// Where DynamoDB is and how to reach it.
#[derive(Debug, Clone, Default)]
pub struct DynamoConfig {
    /// A local or custom endpoint (`http://127.0.0.1:8000`); `None` for AWS.
    pub endpoint_url: Option<String>,
    /// The region; `None` takes it from the environment or profile.
    pub region: Option<String>,
}

impl DynamoConfig {
    /// Whether the endpoint is on this machine (dynalite, DynamoDB Local, moto).
    pub fn is_local(&self) -> bool {
        self.endpoint_url.as_deref().is_some_and(is_loopback_url)
    }

    /// A short description for messages.
    pub fn describe(&self) -> String {
        match &self.endpoint_url {
            Some(url) => format!("DynamoDB at {url}"),
            None => format!(
                "DynamoDB in {}",
                self.region.as_deref().unwrap_or("the configured region")
            ),
        }
    }
}

/// Builds a client. Local endpoints always get fixed fake credentials, so a developer's real AWS
/// credentials are never sent to an emulator; AWS endpoints use the normal credential chain.
pub async fn client(cfg: &DynamoConfig) -> Client {
    let retries = Retries {
        attempts: 8,
        initial_backoff: Duration::from_millis(50),
    };
    Client::new(&sdk_config(cfg.endpoint_url.as_deref(), cfg.region.as_deref(), retries).await)
}

/// Turns an SDK error into a [`LakeError::Aws`] about the user's input (classified once, by
/// [`crate::aws::error`]).
pub fn sdk_error<E>(cfg: &DynamoConfig, what: &str, err: SdkError<E, HttpResponse>) -> LakeError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    crate::aws::error::sdk_error(what, &cfg.describe(), err)
}

/// The key attributes of a table or an index, with their DynamoDB types.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeySchema {
    /// Partition key name and type (`S`, `N` or `B`).
    pub hash: (String, String),
    /// Sort key name and type, if any.
    pub range: Option<(String, String)>,
}

/// Reads the key schema of a table, or of one of its global secondary indexes, refusing an index
/// that does not exist (naming the ones that do) or that is not ACTIVE.
pub async fn key_schema(
    client: &Client,
    cfg: &DynamoConfig,
    table: &str,
    index: Option<&str>,
) -> Result<KeySchema> {
    let described = client
        .describe_table()
        .table_name(table)
        .send()
        .await
        .map_err(|e| sdk_error(cfg, &format!("table {table:?}"), e))?;
    let desc = described.table.ok_or_else(|| {
        LakeError::aws(
            format!("describe table {table:?}"),
            AwsErrorKind::Other,
            format!("table {table:?}: no description returned"),
        )
    })?;
    let type_of = |name: &str| attribute_type(&desc, name);
    let keys = match index {
        None => desc.key_schema(),
        Some(index) => {
            let gsis = desc.global_secondary_indexes();
            let Some(gsi) = gsis.iter().find(|g| g.index_name() == Some(index)) else {
                let names: Vec<&str> = gsis.iter().filter_map(|g| g.index_name()).collect();
                return Err(LakeError::InvalidInput(format!(
                    "table {table:?} has no global secondary index {index:?} (it has: {})",
                    if names.is_empty() {
                        "none".to_string()
                    } else {
                        names.join(", ")
                    }
                )));
            };
            if let Some(status) = gsi.index_status()
                && status.as_str() != "ACTIVE"
            {
                return Err(LakeError::InvalidInput(format!(
                    "index {index:?} of table {table:?} is {} (not ACTIVE yet): try again when it is",
                    status.as_str()
                )));
            }
            gsi.key_schema()
        }
    };
    let mut hash = None;
    let mut range = None;
    for k in keys {
        let name = k.attribute_name().to_string();
        let ty = type_of(&name);
        match k.key_type() {
            KeyType::Hash => hash = Some((name, ty)),
            KeyType::Range => range = Some((name, ty)),
            _ => {}
        }
    }
    let hash = hash.ok_or_else(|| {
        LakeError::aws(
            format!("describe table {table:?}"),
            AwsErrorKind::Other,
            format!("table {table:?}: no partition key in its key schema"),
        )
    })?;
    Ok(KeySchema { hash, range })
}

fn attribute_type(desc: &TableDescription, name: &str) -> String {
    desc.attribute_definitions()
        .iter()
        .find(|d| d.attribute_name() == name)
        .map(|d| match d.attribute_type() {
            ScalarAttributeType::S => "S".to_string(),
            ScalarAttributeType::N => "N".to_string(),
            ScalarAttributeType::B => "B".to_string(),
            other => other.as_str().to_string(),
        })
        .unwrap_or_else(|| "S".to_string())
}
