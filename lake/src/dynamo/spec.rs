//! The table spec of `tables ensure` and `tables describe`: the JSON `aws dynamodb create-table
//! --cli-input-json` takes (its field names and values), plus three settings CreateTable cannot
//! carry — `TimeToLive`, `PointInTimeRecovery` and `ContributorInsights`. A field left out is not
//! managed: ensure neither sets nor checks it. [`TableDefinition::from_live`] writes the live table
//! in the same shape, so a described table is a spec that ensures to "nothing to change".

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::{LakeError, Result};

/// A table as `tables ensure` wants it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct TableDefinition {
    /// The table's name.
    pub table_name: String,
    /// The types of every key attribute of the table and its indexes.
    #[serde(default)]
    pub attribute_definitions: Vec<AttributeDefinition>,
    /// The table's partition key and optional sort key.
    pub key_schema: Vec<KeyElement>,
    /// Global secondary indexes (added one at a time to an existing table).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub global_secondary_indexes: Vec<IndexDefinition>,
    /// Local secondary indexes (only at creation: DynamoDB cannot add one later).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub local_secondary_indexes: Vec<IndexDefinition>,
    /// `PAY_PER_REQUEST` or `PROVISIONED`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub billing_mode: Option<String>,
    /// Capacity of a `PROVISIONED` table.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provisioned_throughput: Option<Throughput>,
    /// DynamoDB Streams.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stream_specification: Option<StreamSpecification>,
    /// Encryption at rest.
    #[serde(
        default,
        rename = "SSESpecification",
        skip_serializing_if = "Option::is_none"
    )]
    pub sse_specification: Option<SseSpecification>,
    /// `STANDARD` or `STANDARD_INFREQUENT_ACCESS`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub table_class: Option<String>,
    /// Whether DeleteTable is refused.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deletion_protection_enabled: Option<bool>,
    /// Tags (tags on the table that the spec does not name are left alone).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<Tag>,
    /// Time to live (not part of CreateTable).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_to_live: Option<TimeToLive>,
    /// Point-in-time recovery (not part of CreateTable).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub point_in_time_recovery: Option<bool>,
    /// CloudWatch Contributor Insights on the table (not part of CreateTable).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contributor_insights: Option<bool>,
}

/// One attribute's type: `S`, `N` or `B`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct AttributeDefinition {
    /// The attribute.
    pub attribute_name: String,
    /// `S`, `N` or `B`.
    pub attribute_type: String,
}

/// One key element: `HASH` (partition) or `RANGE` (sort).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct KeyElement {
    /// The attribute.
    pub attribute_name: String,
    /// `HASH` or `RANGE`.
    pub key_type: String,
}

/// A secondary index.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct IndexDefinition {
    /// The index's name.
    pub index_name: String,
    /// Its keys.
    pub key_schema: Vec<KeyElement>,
    /// What it holds.
    pub projection: Projection,
    /// Capacity of an index of a `PROVISIONED` table.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provisioned_throughput: Option<Throughput>,
}

/// What an index holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct Projection {
    /// `ALL`, `KEYS_ONLY` or `INCLUDE`.
    pub projection_type: String,
    /// The attributes of an `INCLUDE` projection.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub non_key_attributes: Vec<String>,
}

/// Provisioned capacity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct Throughput {
    /// Read capacity units.
    pub read_capacity_units: i64,
    /// Write capacity units.
    pub write_capacity_units: i64,
}

/// DynamoDB Streams settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct StreamSpecification {
    /// Whether the stream is on.
    pub stream_enabled: bool,
    /// `NEW_IMAGE`, `OLD_IMAGE`, `NEW_AND_OLD_IMAGES` or `KEYS_ONLY`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stream_view_type: Option<String>,
}

/// Encryption at rest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SseSpecification {
    /// `true`: a KMS key (AWS managed or `KMSMasterKeyId`); `false`: the AWS owned key.
    #[serde(rename = "Enabled", default, skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
    /// `KMS`.
    #[serde(rename = "SSEType", default, skip_serializing_if = "Option::is_none")]
    pub sse_type: Option<String>,
    /// A customer managed key (id, ARN or alias).
    #[serde(
        rename = "KMSMasterKeyId",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub kms_master_key_id: Option<String>,
}

/// One tag.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct Tag {
    /// Its key.
    pub key: String,
    /// Its value.
    pub value: String,
}

/// Time to live.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct TimeToLive {
    /// The attribute holding each item's expiry (epoch seconds).
    pub attribute_name: String,
    /// Whether expiry is on.
    pub enabled: bool,
}

/// The key attribute names of a key schema: partition, then sort.
pub fn key_names(schema: &[KeyElement]) -> (Option<&str>, Option<&str>) {
    let find = |t: &str| {
        schema
            .iter()
            .find(|k| k.key_type == t)
            .map(|k| k.attribute_name.as_str())
    };
    (find("HASH"), find("RANGE"))
}

impl TableDefinition {
    /// Reads and checks a spec file; errors name the file and the field.
    pub fn read(path: &Path) -> Result<TableDefinition> {
        let text = std::fs::read_to_string(path).map_err(|e| LakeError::io(path, e))?;
        TableDefinition::parse(&text)
            .map_err(|e| LakeError::InvalidInput(format!("{}: {e}", path.display())))
    }

    /// Parses and checks a spec.
    pub fn parse(text: &str) -> Result<TableDefinition, String> {
        let spec: TableDefinition = serde_json::from_str(text).map_err(|e| {
            format!("not a table spec (the JSON of `aws dynamodb create-table --cli-input-json`, plus TimeToLive, PointInTimeRecovery, ContributorInsights): {e}")
        })?;
        spec.check()?;
        Ok(spec)
    }

    /// The type of a key attribute, from `AttributeDefinitions`.
    pub fn attribute_type(&self, name: &str) -> Option<&str> {
        self.attribute_definitions
            .iter()
            .find(|d| d.attribute_name == name)
            .map(|d| d.attribute_type.as_str())
    }

    /// The billing mode CreateTable would use: as given, else `PROVISIONED` when capacity is
    /// given, else `PAY_PER_REQUEST` (dynamo-lake's default: no capacity to plan).
    pub fn effective_billing(&self) -> &str {
        match (&self.billing_mode, &self.provisioned_throughput) {
            (Some(mode), _) => mode,
            (None, Some(_)) => "PROVISIONED",
            (None, None) => "PAY_PER_REQUEST",
        }
    }

    /// Checks what DynamoDB would refuse, before any call: key schemas, attribute types, names.
    pub fn check(&self) -> Result<(), String> {
        if !valid_name(&self.table_name) {
            return Err(format!(
                "TableName {:?}: 3 to 255 characters of a-z, A-Z, 0-9, '_', '-' and '.'",
                self.table_name
            ));
        }
        for d in &self.attribute_definitions {
            if !matches!(d.attribute_type.as_str(), "S" | "N" | "B") {
                return Err(format!(
                    "AttributeDefinitions: {:?} has type {:?}; key attributes are S, N or B",
                    d.attribute_name, d.attribute_type
                ));
            }
        }
        let check_keys = |what: &str, keys: &[KeyElement]| -> Result<(), String> {
            for k in keys {
                if !matches!(k.key_type.as_str(), "HASH" | "RANGE") {
                    return Err(format!(
                        "{what}: {:?} has KeyType {:?}; expected HASH or RANGE",
                        k.attribute_name, k.key_type
                    ));
                }
                if self.attribute_type(&k.attribute_name).is_none() {
                    return Err(format!(
                        "{what}: key attribute {:?} is not in AttributeDefinitions",
                        k.attribute_name
                    ));
                }
            }
            let hashes = keys.iter().filter(|k| k.key_type == "HASH").count();
            let ranges = keys.iter().filter(|k| k.key_type == "RANGE").count();
            if hashes != 1 || ranges > 1 {
                return Err(format!(
                    "{what}: needs exactly one HASH key and at most one RANGE key"
                ));
            }
            Ok(())
        };
        check_keys("KeySchema", &self.key_schema)?;
        let mut names = BTreeMap::new();
        for index in self
            .global_secondary_indexes
            .iter()
            .chain(&self.local_secondary_indexes)
        {
            if names.insert(index.index_name.clone(), ()).is_some() {
                return Err(format!("index {:?} is named twice", index.index_name));
            }
            if !valid_name(&index.index_name) {
                return Err(format!(
                    "IndexName {:?}: 3 to 255 characters of a-z, A-Z, 0-9, '_', '-' and '.'",
                    index.index_name
                ));
            }
            check_keys(&format!("index {:?}", index.index_name), &index.key_schema)?;
            if !matches!(
                index.projection.projection_type.as_str(),
                "ALL" | "KEYS_ONLY" | "INCLUDE"
            ) {
                return Err(format!(
                    "index {:?}: ProjectionType {:?}; expected ALL, KEYS_ONLY or INCLUDE",
                    index.index_name, index.projection.projection_type
                ));
            }
        }
        for lsi in &self.local_secondary_indexes {
            if key_names(&lsi.key_schema).0 != key_names(&self.key_schema).0 {
                return Err(format!(
                    "local index {:?}: its partition key must be the table's",
                    lsi.index_name
                ));
            }
        }
        let used: Vec<&str> = std::iter::once(&self.key_schema)
            .chain(self.global_secondary_indexes.iter().map(|i| &i.key_schema))
            .chain(self.local_secondary_indexes.iter().map(|i| &i.key_schema))
            .flatten()
            .map(|k| k.attribute_name.as_str())
            .collect();
        if let Some(unused) = self
            .attribute_definitions
            .iter()
            .find(|d| !used.contains(&d.attribute_name.as_str()))
        {
            return Err(format!(
                "AttributeDefinitions: {:?} is not a key of the table or of an index (DynamoDB refuses definitions it does not use)",
                unused.attribute_name
            ));
        }
        match self.billing_mode.as_deref() {
            None | Some("PAY_PER_REQUEST") | Some("PROVISIONED") => {}
            Some(other) => {
                return Err(format!(
                    "BillingMode {other:?}: expected PAY_PER_REQUEST or PROVISIONED"
                ));
            }
        }
        if self.effective_billing() == "PROVISIONED" && self.provisioned_throughput.is_none() {
            return Err("BillingMode PROVISIONED needs ProvisionedThroughput".to_string());
        }
        if let Some(s) = &self.stream_specification
            && s.stream_enabled
        {
            match s.stream_view_type.as_deref() {
                Some("NEW_IMAGE" | "OLD_IMAGE" | "NEW_AND_OLD_IMAGES" | "KEYS_ONLY") => {}
                other => {
                    return Err(format!(
                        "StreamSpecification: StreamViewType {other:?}; expected NEW_IMAGE, OLD_IMAGE, NEW_AND_OLD_IMAGES or KEYS_ONLY"
                    ));
                }
            }
        }
        if let Some(ttl) = &self.time_to_live
            && ttl.attribute_name.is_empty()
        {
            return Err("TimeToLive: AttributeName is empty".to_string());
        }
        Ok(())
    }
}

fn valid_name(name: &str) -> bool {
    (3..=255).contains(&name.len())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
}

#[cfg(test)]
mod tests {
    use super::*;

    const SEED: &str = r#"{
      "TableName": "vector_emails_operational",
      "AttributeDefinitions": [
        {"AttributeName": "vup_id", "AttributeType": "S"},
        {"AttributeName": "hem", "AttributeType": "S"}
      ],
      "KeySchema": [
        {"AttributeName": "vup_id", "KeyType": "HASH"},
        {"AttributeName": "hem", "KeyType": "RANGE"}
      ],
      "GlobalSecondaryIndexes": [{
        "IndexName": "hem-index",
        "KeySchema": [
          {"AttributeName": "hem", "KeyType": "HASH"},
          {"AttributeName": "vup_id", "KeyType": "RANGE"}
        ],
        "Projection": {"ProjectionType": "ALL"}
      }],
      "BillingMode": "PAY_PER_REQUEST",
      "StreamSpecification": {"StreamEnabled": true, "StreamViewType": "NEW_AND_OLD_IMAGES"},
      "SSESpecification": {"Enabled": true, "SSEType": "KMS"},
      "Tags": [{"Key": "Project", "Value": "VectorEmailsV2"}],
      "TimeToLive": {"AttributeName": "ttl", "Enabled": true},
      "PointInTimeRecovery": true,
      "ContributorInsights": true
    }"#;

    #[test]
    fn the_create_table_json_parses_and_writes_back_the_same() {
        let spec = TableDefinition::parse(SEED).expect("valid");
        assert_eq!(spec.global_secondary_indexes[0].index_name, "hem-index");
        assert_eq!(
            spec.sse_specification.as_ref().and_then(|s| s.enabled),
            Some(true)
        );
        let again = serde_json::to_string(&spec).expect("json");
        assert!(again.contains("\"SSESpecification\"") && again.contains("\"SSEType\""));
        assert_eq!(TableDefinition::parse(&again).expect("valid"), spec);
    }

    #[test]
    fn the_specs_shipped_in_the_repo_parse() {
        let seed =
            TableDefinition::parse(include_str!("../../../deploy/tables/vector_emails.json"))
                .expect("deploy/tables/vector_emails.json");
        assert_eq!(seed.table_name, "vector_emails_operational");
        assert_eq!(seed.point_in_time_recovery, Some(true));
        assert_eq!(seed.global_secondary_indexes.len(), 1);
    }

    #[test]
    fn mistakes_are_named_before_any_call() {
        let err = |text: &str| TableDefinition::parse(text).expect_err("invalid");
        let e = err(&SEED.replace("\"BillingMode\"", "\"BilingMode\""));
        assert!(e.contains("BilingMode"), "{e}");
        let e = err(&SEED.replace(
            r#""AttributeType": "S"}
      ],"#,
            r#""AttributeType": "X"}
      ],"#,
        ));
        assert!(e.contains("\"X\""), "{e}");
        let e = err(&SEED.replace(
            r#"{"AttributeName": "hem", "AttributeType": "S"}"#,
            r#"{"AttributeName": "other", "AttributeType": "S"}"#,
        ));
        assert!(e.contains("not in AttributeDefinitions"), "{e}");
        let e = err(&SEED.replace("\"NEW_AND_OLD_IMAGES\"", "\"ALL\""));
        assert!(e.contains("StreamViewType"), "{e}");
        let e = err(&SEED.replace("vector_emails_operational", "a b"));
        assert!(e.contains("TableName"), "{e}");
    }
}
