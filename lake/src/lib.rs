//! The dynamo-lake pipeline: DynamoDB items, their type contract, the partitioned Parquet lake and the
//! query engines. Nothing here knows about the dashboard or about HTTP.
//!
//! One folder per concern, and dependencies point one way (`aws` ← `storage`, `format`, `dynamo` ←
//! `ingest`, `query`):
//! - [`aws`]: SDK configuration, the one error classifier, the one backoff;
//! - [`storage`]: locations (a folder or an S3 prefix), S3, the partition layout, the manifest and
//!   publishing;
//! - [`format`]: items, the type contract, date formats, the Parquet writer;
//! - [`dynamo`]: the DynamoDB client, value conversions, batch writes, table provisioning;
//! - [`ingest`]: staging/spool/commit and the pipelines on it (export, snapshot, convert);
//! - [`query`]: reports, SQL quoting, the guard, the service, results, DataFusion and Athena;
//! - [`sample`]: deterministic contact-center items for the demo, tests and benchmarks.

pub mod aws;
pub mod dynamo;
pub mod error;
pub mod format;
pub mod ingest;
pub mod query;
pub mod sample;
pub mod storage;

pub use error::{LakeError, Result};
