//! Everything that brings data into the lake: the lake writer (day partitions and the manifest),
//! the staging/spool/commit machinery and the pipelines built on it — `export` (DynamoDB Query or Scan), `snapshot` (monthly JSONL.gz with a
//! manifest) and `convert` (AWS native Export-to-S3 folders) — plus time ranges; and the way back,
//! `import` (files and S3 objects streamed into a DynamoDB table).

pub mod convert;
pub mod export;
pub mod import;
pub mod native;
pub mod native_fixture;
pub mod range;
pub mod snapshot;
pub mod spec;
pub mod staging;
pub mod writer;

pub use export::{ExportSpec, ReadPlan, export, export_into};
pub use staging::{Counters, ExportReport};
