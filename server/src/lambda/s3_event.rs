//! The `import` entry: an S3 `ObjectCreated` notification imports each object it names into the
//! table in `DYNAMO_LAKE_IMPORT_TABLE`, mapped by `DYNAMO_LAKE_IMPORT_TYPES`, `…_FALLBACK` and
//! `…_DEFAULTS` (comma-separated `ATTR=…` lists, as the flags), rejects going to
//! `DYNAMO_LAKE_IMPORT_REJECTS` (`s3://bucket/prefix/`). The answer is the import summary
//! (`statusCode` 200, or 207 when rows were rejected); the run ends with one CloudWatch Embedded
//! Metric Format line per object on standard output. An error that stops the run is an error
//! answer, so S3's asynchronous invocation retries it (puts overwrite: a retry is safe).
//!
//! Object keys arrive URL-encoded (`+` for a space, `%xx` for other bytes) and are decoded here.
//! The objects are taken from the event as they are: the function needs `s3:GetObject` only, no
//! listing.

use std::sync::Arc;
use std::time::{Duration, Instant};

use lake::dynamo::DynamoConfig;
use lake::ingest::import::mapping::{Mapping, TableKeys, split_pairs};
use lake::ingest::import::rejects::RejectsTarget;
use lake::ingest::import::source::{Origin, REJECTS_SUFFIX, SourceObject, Sources};
use lake::ingest::import::{Clients, ImportProgress, ImportSpec, rejects_file_name};
use lake::storage::S3Config;
use lambda_http::lambda_runtime::Diagnostic;
use serde_json::Value;

use super::{diagnostic, lake_diagnostic};

/// Reads a variable; `None` when unset or empty.
fn var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

/// The import the function runs, from its environment.
#[derive(Debug, Clone)]
pub struct ImportSettings {
    /// The table.
    pub table: String,
    /// How rows become items.
    pub mapping: Mapping,
    /// `DYNAMO_LAKE_IMPORT_REJECTS`: a prefix (ending in `/`) or an object.
    pub rejects: Option<String>,
    /// `DYNAMO_LAKE_IMPORT_CONCURRENCY` (default 4).
    pub concurrency: usize,
}

impl ImportSettings {
    /// Reads the settings, with errors that name the variable.
    pub fn from_env() -> anyhow::Result<ImportSettings> {
        let table = var("DYNAMO_LAKE_IMPORT_TABLE").ok_or_else(|| {
            anyhow::anyhow!("DYNAMO_LAKE_IMPORT_TABLE is not set: the import function needs it")
        })?;
        let list = |name: &str| var(name).map(|v| split_pairs(&v)).unwrap_or_default();
        let mapping = Mapping::from_flags(
            &list("DYNAMO_LAKE_IMPORT_TYPES"),
            &list("DYNAMO_LAKE_IMPORT_DEFAULTS"),
            &list("DYNAMO_LAKE_IMPORT_FALLBACK"),
            var("DYNAMO_LAKE_IMPORT_KEEP_EMPTY").is_some_and(|v| v == "true"),
        )
        .map_err(|e| anyhow::anyhow!("the import function's environment: {e}"))?;
        let concurrency = match var("DYNAMO_LAKE_IMPORT_CONCURRENCY") {
            Some(c) => c
                .parse::<usize>()
                .ok()
                .filter(|c| (1..=64).contains(c))
                .ok_or_else(|| {
                    anyhow::anyhow!("DYNAMO_LAKE_IMPORT_CONCURRENCY {c:?}: expected 1 to 64")
                })?,
            None => 4,
        };
        Ok(ImportSettings {
            table,
            mapping,
            rejects: var("DYNAMO_LAKE_IMPORT_REJECTS"),
            concurrency,
        })
    }
}

/// Decodes an S3 event key: `+` is a space, `%xx` a byte; the bytes are UTF-8.
pub fn decode_key(key: &str) -> Result<String, String> {
    crate::http::auth::percent_decode(key)
        .ok_or_else(|| format!("the key {key:?} has a malformed %-escape or is not UTF-8"))
}

/// The objects an S3 notification names (ObjectCreated records only; our own rejects files are
/// skipped).
pub fn objects_of(event: &Value) -> Result<Vec<SourceObject>, String> {
    let records = event
        .get("Records")
        .and_then(Value::as_array)
        .ok_or("not an S3 event notification: no Records")?;
    let mut objects = Vec::new();
    for (i, r) in records.iter().enumerate() {
        if r.get("eventSource").and_then(Value::as_str) != Some("aws:s3") {
            return Err(format!(
                "record {i} is not from S3 (eventSource is not aws:s3)"
            ));
        }
        let name = r.get("eventName").and_then(Value::as_str).unwrap_or("");
        if !name.starts_with("ObjectCreated:") {
            tracing::info!(event = name, "not an ObjectCreated record; skipped");
            continue;
        }
        let bucket = r
            .pointer("/s3/bucket/name")
            .and_then(Value::as_str)
            .ok_or_else(|| format!("record {i} has no s3.bucket.name"))?;
        let raw = r
            .pointer("/s3/object/key")
            .and_then(Value::as_str)
            .ok_or_else(|| format!("record {i} has no s3.object.key"))?;
        let key = decode_key(raw)?;
        if key.ends_with(REJECTS_SUFFIX) || key.ends_with('/') {
            tracing::info!(key = %key, "a rejects file or a folder marker; skipped");
            continue;
        }
        let size = r
            .pointer("/s3/object/size")
            .and_then(Value::as_u64)
            .unwrap_or(0);
        objects.push(SourceObject {
            name: format!("s3://{bucket}/{key}"),
            origin: Origin::S3 {
                bucket: bucket.to_string(),
                key,
            },
            size,
            expected: None,
        });
    }
    Ok(objects)
}

/// Time kept back from the function's deadline to stop reading, wait for the batches in flight
/// and upload the rejects.
const FINISH_MARGIN: Duration = Duration::from_secs(20);

/// Handles one notification; `deadline_ms` is the invocation's deadline (epoch milliseconds).
pub async fn handle(
    settings: &ImportSettings,
    event: Value,
    deadline_ms: u64,
) -> Result<Value, Diagnostic> {
    let started = Instant::now();
    let started_at = chrono::Utc::now();
    // S3 checks a new notification with a test event: nothing to import.
    if event.get("Event").and_then(Value::as_str) == Some("s3:TestEvent") {
        return Ok(
            serde_json::json!({"statusCode": 200, "items_processed": 0, "items_failed": 0,
            "items_deduplicated": 0, "sources": [], "seconds": 0.0, "note": "s3:TestEvent"}),
        );
    }
    let left_ms = i64::try_from(deadline_ms)
        .unwrap_or(i64::MAX)
        .saturating_sub(started_at.timestamp_millis());
    let deadline = (deadline_ms > 0).then(|| {
        started + Duration::from_millis(left_ms.max(0) as u64).saturating_sub(FINISH_MARGIN)
    });
    let objects = objects_of(&event).map_err(|e| diagnostic("InvalidEvent", e))?;
    let first = objects.first().map(|o| o.name.clone());
    let rejects = match (&settings.rejects, &first) {
        (Some(r), _) => RejectsTarget::parse(r, &rejects_file_name(&settings.table, started_at)),
        // Beside the first object, under rejects/ (never the object's own prefix twice).
        (None, Some(name)) => RejectsTarget::parse(
            &format!(
                "{}.{}{REJECTS_SUFFIX}",
                name,
                started_at.format("%Y%m%dT%H%M%SZ")
            ),
            "",
        ),
        (None, None) => RejectsTarget::parse("/tmp/rejects/", "none"),
    }
    .map_err(|e| lake_diagnostic(&e, "import"))?;
    let spec = ImportSpec {
        source: first.clone().unwrap_or_default(),
        table: settings.table.clone(),
        format: None,
        delimiter: None,
        mapping: settings.mapping.clone(),
        concurrency: settings.concurrency,
        rate: None,
        rejects,
        dry_run: false,
        deadline,
    };
    let dynamo = DynamoConfig::default();
    let s3 = S3Config {
        endpoint_url: var("AWS_ENDPOINT_URL_S3").or_else(|| var("AWS_ENDPOINT_URL")),
        region: var("AWS_REGION"),
    };
    let clients = Clients::connect(&dynamo, &s3).await;
    let run = async {
        let schema =
            lake::dynamo::key_schema(&clients.dynamo, &dynamo, &settings.table, None).await?;
        lake::ingest::import::import_sources(
            &spec,
            &clients,
            Sources {
                objects,
                native_export: None,
            },
            TableKeys::from_schema(&schema),
            Arc::new(ImportProgress::default()),
            started,
        )
        .await
    };
    let report = run.await.map_err(|e| lake_diagnostic(&e, "import"))?;
    for line in lake::ingest::import::metrics::emf_lines(&report, started_at.timestamp_millis()) {
        println!("{line}");
    }
    serde_json::to_value(&report).map_err(|e| diagnostic("Internal", e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_decoded_as_s3_encodes_them() {
        assert_eq!(
            decode_key("unload/hem+export+%C3%A9t%C3%A9_000.gz").expect("valid"),
            "unload/hem export été_000.gz"
        );
        assert_eq!(decode_key("a%2Bb%25").expect("valid"), "a+b%");
        assert!(decode_key("bad%zz").is_err());
        assert!(decode_key("cut%4").is_err());
    }

    #[test]
    fn only_object_created_records_are_imported() {
        let event = serde_json::json!({"Records": [
            {"eventSource": "aws:s3", "eventName": "ObjectCreated:Put",
             "s3": {"bucket": {"name": "b"}, "object": {"key": "in/a+b.gz", "size": 10}}},
            {"eventSource": "aws:s3", "eventName": "ObjectRemoved:Delete",
             "s3": {"bucket": {"name": "b"}, "object": {"key": "in/x.gz"}}},
            {"eventSource": "aws:s3", "eventName": "ObjectCreated:Put",
             "s3": {"bucket": {"name": "b"}, "object": {"key": "in/t.rejects.jsonl"}}}
        ]});
        let objects = objects_of(&event).expect("valid");
        assert_eq!(objects.len(), 1);
        assert_eq!(objects[0].name, "s3://b/in/a b.gz");
        assert_eq!(objects[0].size, 10);
        assert!(objects_of(&serde_json::json!({"detail": {}})).is_err());
    }
}
