//! Table provisioning: create a table with its global secondary indexes and wait until the table
//! and every index are ACTIVE (no SDK waiter covers the indexes).

use std::collections::BTreeMap;
use std::time::Duration;

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::error::ProvideErrorMetadata;
use aws_sdk_dynamodb::types::{KeyType, ScalarAttributeType};

use super::client::{DynamoConfig, sdk_error};
use crate::{LakeError, Result};

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
            .map_err(|e| LakeError::InvalidInput(format!("table {:?}: {e}", spec.name)))
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
                .map_err(|e| LakeError::InvalidInput(format!("table {:?}: {e}", spec.name)))?,
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
        req = req.global_secondary_indexes(
            g.build()
                .map_err(|e| LakeError::InvalidInput(format!("table {:?}: {e}", spec.name)))?,
        );
    }
    match req.send().await {
        Ok(_) => {}
        Err(e) if e.as_service_error().and_then(|s| s.code()) == Some("ResourceInUseException") => {
        }
        Err(e) => return Err(sdk_error(cfg, &format!("create table {:?}", spec.name), e)),
    }
    wait_active(client, cfg, &spec.name).await
}

/// Waits until the table and all its GSIs are ACTIVE (there is no SDK waiter for GSIs), at most
/// 30 minutes: [`super::ensure::wait_ready`] without progress reports.
pub async fn wait_active(client: &Client, cfg: &DynamoConfig, table: &str) -> Result<()> {
    let deadline = std::time::Instant::now() + Duration::from_secs(30 * 60);
    super::ensure::wait_ready(client, cfg, table, deadline, &|_| {})
        .await
        .map(|_| ())
}
