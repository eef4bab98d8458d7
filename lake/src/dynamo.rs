//! DynamoDB access: the client (retries with backoff and jitter, fake credentials for local
//! endpoints), conversion between the SDK's values and [`AttrValue`], table and index checks, and
//! errors that say what is wrong in the user's terms.

use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_sdk_dynamodb::primitives::Blob;
use aws_sdk_dynamodb::types::{AttributeValue, KeyType, ScalarAttributeType, TableDescription};

use crate::aws::{Retries, is_loopback_url, sdk_config};
use crate::item::{AttrValue, Item};
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

/// Turns an SDK error into a message about the user's input.
pub fn sdk_error<E, R>(cfg: &DynamoConfig, what: &str, err: SdkError<E, R>) -> LakeError
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug,
{
    let detail = DisplayErrorContext(&err).to_string();
    let msg = match &err {
        SdkError::ServiceError(service) => {
            let e = service.err();
            match e.code() {
                Some("ResourceNotFoundException") => {
                    format!("{what}: not found in {}", cfg.describe())
                }
                Some("ValidationException") => {
                    format!("{what}: {}", e.message().unwrap_or("invalid request"))
                }
                Some(
                    "UnrecognizedClientException"
                    | "InvalidSignatureException"
                    | "ExpiredTokenException",
                ) => {
                    format!(
                        "{what}: the AWS credentials were refused ({})",
                        e.message().unwrap_or("no detail")
                    )
                }
                Some("AccessDeniedException") => {
                    format!(
                        "{what}: access denied ({})",
                        e.message().unwrap_or("check the IAM policy")
                    )
                }
                Some(code) => format!("{what}: {code}: {}", e.message().unwrap_or("")),
                None => format!("{what}: {detail}"),
            }
        }
        SdkError::DispatchFailure(_) | SdkError::TimeoutError(_)
            if detail.contains("credentials") =>
        {
            format!(
                "{what}: no AWS credentials found (set AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, or use --endpoint-url for a local DynamoDB)"
            )
        }
        SdkError::DispatchFailure(_) | SdkError::TimeoutError(_) => {
            format!("{what}: cannot reach {} ({detail})", cfg.describe())
        }
        _ => format!("{what}: {detail}"),
    };
    LakeError::Aws(msg)
}

/// Converts an SDK value.
pub fn from_sdk(value: &AttributeValue) -> Result<AttrValue> {
    Ok(match value {
        AttributeValue::S(s) => AttrValue::S(s.clone()),
        AttributeValue::N(n) => AttrValue::N(n.clone()),
        AttributeValue::B(b) => AttrValue::B(b.as_ref().to_vec()),
        AttributeValue::Bool(b) => AttrValue::Bool(*b),
        AttributeValue::Null(b) => AttrValue::Null(*b),
        AttributeValue::Ss(v) => AttrValue::SS(v.clone()),
        AttributeValue::Ns(v) => AttrValue::NS(v.clone()),
        AttributeValue::Bs(v) => AttrValue::BS(v.iter().map(|b| b.as_ref().to_vec()).collect()),
        AttributeValue::M(m) => AttrValue::M(
            m.iter()
                .map(|(k, v)| Ok((k.clone(), from_sdk(v)?)))
                .collect::<Result<_>>()?,
        ),
        AttributeValue::L(l) => AttrValue::L(l.iter().map(from_sdk).collect::<Result<_>>()?),
        other => {
            return Err(LakeError::InvalidInput(format!(
                "unsupported DynamoDB value {other:?}"
            )));
        }
    })
}

/// Converts an SDK item.
pub fn item_from_sdk(item: &HashMap<String, AttributeValue>) -> Result<Item> {
    item.iter()
        .map(|(k, v)| Ok((k.clone(), from_sdk(v)?)))
        .collect()
}

/// Converts a value for the SDK.
pub fn to_sdk(value: &AttrValue) -> AttributeValue {
    match value {
        AttrValue::S(s) => AttributeValue::S(s.clone()),
        AttrValue::N(n) => AttributeValue::N(n.clone()),
        AttrValue::B(b) => AttributeValue::B(Blob::new(b.clone())),
        AttrValue::Bool(b) => AttributeValue::Bool(*b),
        AttrValue::Null(b) => AttributeValue::Null(*b),
        AttrValue::SS(v) => AttributeValue::Ss(v.clone()),
        AttrValue::NS(v) => AttributeValue::Ns(v.clone()),
        AttrValue::BS(v) => AttributeValue::Bs(v.iter().map(|b| Blob::new(b.clone())).collect()),
        AttrValue::M(m) => {
            AttributeValue::M(m.iter().map(|(k, v)| (k.clone(), to_sdk(v))).collect())
        }
        AttrValue::L(l) => AttributeValue::L(l.iter().map(to_sdk).collect()),
    }
}

/// Converts an item for the SDK.
pub fn item_to_sdk(item: &Item) -> HashMap<String, AttributeValue> {
    item.iter().map(|(k, v)| (k.clone(), to_sdk(v))).collect()
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
    let desc = described
        .table
        .ok_or_else(|| LakeError::Aws(format!("table {table:?}: no description returned")))?;
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
        LakeError::Aws(format!(
            "table {table:?}: no partition key in its key schema"
        ))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_endpoints_are_recognised() {
        for url in [
            "http://127.0.0.1:8000",
            "http://localhost:4567/",
            "http://[::1]:9000",
        ] {
            assert!(is_loopback_url(url), "{url}");
        }
        for url in [
            "https://dynamodb.eu-central-1.amazonaws.com",
            "http://10.0.0.5:8000",
            "http://127.example.com",
        ] {
            assert!(!is_loopback_url(url), "{url}");
        }
    }

    #[test]
    fn values_round_trip_through_the_sdk_types() {
        let line = r#"{"a":{"S":"x"},"b":{"N":"1.5"},"c":{"B":"aGk="},"d":{"BOOL":false},"e":{"NULL":true},"f":{"SS":["p"]},"g":{"NS":["1"]},"h":{"BS":["AQ=="]},"i":{"M":{"k":{"L":[{"N":"3"}]}}}}"#;
        let item = crate::item::parse_item_line(line).expect("valid");
        assert_eq!(item_from_sdk(&item_to_sdk(&item)).expect("converts"), item);
    }
}

/// Writes items with BatchWriteItem: 25 a request, `UnprocessedItems` retried with exponential
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
                    return Err(LakeError::Aws(format!(
                        "table {table:?} kept {} items unprocessed after 10 retries (throttled): try again later or raise its capacity",
                        pending.len()
                    )));
                }
                tokio::time::sleep(backoff(attempt)).await;
            }
        }
    }
    Ok(written)
}

/// Exponential backoff with full jitter: a random wait up to 50 ms × 2^attempt, at most 5 s.
pub fn backoff(attempt: u32) -> Duration {
    let cap = (50u64 << attempt.min(7)).min(5_000);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    let jitter = (u64::from(nanos).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 11) % (cap + 1);
    Duration::from_millis(jitter)
}

/// A key attribute: name and DynamoDB type.
pub type KeyAttr = (String, ScalarAttributeType);

/// A global secondary index to create (all attributes projected).
#[derive(Debug, Clone)]
pub struct IndexSpec {
    /// Index name.
    pub name: String,
    /// Its partition key.
    pub hash: KeyAttr,
    /// Its sort key.
    pub range: Option<KeyAttr>,
}

/// A table to create: partition and optional sort key, optional GSIs, on demand.
#[derive(Debug, Clone)]
pub struct TableSpec {
    /// Table name.
    pub name: String,
    /// Partition key.
    pub hash: KeyAttr,
    /// Sort key.
    pub range: Option<KeyAttr>,
    /// Global secondary indexes.
    pub indexes: Vec<IndexSpec>,
}

/// Creates a table (if it does not exist) and waits until it and every GSI are ACTIVE.
pub async fn create_table(client: &Client, cfg: &DynamoConfig, spec: &TableSpec) -> Result<()> {
    use aws_sdk_dynamodb::types::{
        AttributeDefinition, BillingMode, GlobalSecondaryIndex, KeySchemaElement, Projection,
        ProjectionType,
    };
    let key = |name: &str, kt: KeyType| {
        KeySchemaElement::builder()
            .attribute_name(name)
            .key_type(kt)
            .build()
            .map_err(|e| LakeError::Aws(e.to_string()))
    };
    let mut defs: BTreeMap<String, ScalarAttributeType> = BTreeMap::new();
    let mut add = |k: &(String, ScalarAttributeType)| {
        defs.insert(k.0.clone(), k.1.clone());
    };
    add(&spec.hash);
    if let Some(r) = &spec.range {
        add(r);
    }
    for index in &spec.indexes {
        add(&index.hash);
        if let Some(r) = &index.range {
            add(r);
        }
    }
    let mut req = client
        .create_table()
        .table_name(&spec.name)
        .billing_mode(BillingMode::PayPerRequest);
    for (name, ty) in defs {
        req = req.attribute_definitions(
            AttributeDefinition::builder()
                .attribute_name(name)
                .attribute_type(ty)
                .build()
                .map_err(|e| LakeError::Aws(e.to_string()))?,
        );
    }
    req = req.key_schema(key(&spec.hash.0, KeyType::Hash)?);
    if let Some(r) = &spec.range {
        req = req.key_schema(key(&r.0, KeyType::Range)?);
    }
    for index in &spec.indexes {
        let mut g = GlobalSecondaryIndex::builder()
            .index_name(&index.name)
            .key_schema(key(&index.hash.0, KeyType::Hash)?)
            .projection(
                Projection::builder()
                    .projection_type(ProjectionType::All)
                    .build(),
            );
        if let Some(r) = &index.range {
            g = g.key_schema(key(&r.0, KeyType::Range)?);
        }
        req = req.global_secondary_indexes(g.build().map_err(|e| LakeError::Aws(e.to_string()))?);
    }
    match req.send().await {
        Ok(_) => {}
        Err(e) if e.as_service_error().and_then(|s| s.code()) == Some("ResourceInUseException") => {
        }
        Err(e) => return Err(sdk_error(cfg, &format!("create table {:?}", spec.name), e)),
    }
    wait_active(client, cfg, &spec.name).await
}

/// Polls DescribeTable until the table and all its GSIs are ACTIVE (there is no SDK waiter for GSIs).
pub async fn wait_active(client: &Client, cfg: &DynamoConfig, table: &str) -> Result<()> {
    let deadline = std::time::Instant::now() + Duration::from_secs(30 * 60);
    let mut wait = Duration::from_millis(50);
    loop {
        let out = client
            .describe_table()
            .table_name(table)
            .send()
            .await
            .map_err(|e| sdk_error(cfg, &format!("table {table:?}"), e))?;
        let Some(desc) = out.table else {
            return Err(LakeError::Aws(format!("table {table:?}: no description")));
        };
        let table_active = desc
            .table_status()
            .map(|s| s.as_str() == "ACTIVE")
            .unwrap_or(false);
        let gsis_active = desc.global_secondary_indexes().iter().all(|g| {
            g.index_status()
                .map(|s| s.as_str() == "ACTIVE")
                .unwrap_or(false)
        });
        if table_active && gsis_active {
            return Ok(());
        }
        if std::time::Instant::now() > deadline {
            return Err(LakeError::Aws(format!(
                "table {table:?} or one of its indexes is still not ACTIVE after 30 minutes"
            )));
        }
        tokio::time::sleep(wait).await;
        wait = (wait * 2).min(Duration::from_secs(10));
    }
}
