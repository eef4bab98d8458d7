//! The dynamo-lake pipeline: DynamoDB items, their type contract, the partitioned Parquet lake and the
//! embedded query engine. Nothing here knows about the dashboard or about HTTP.

pub mod athena;
pub mod athena_ddl;
pub mod aws;
pub mod contract;
pub mod dates;
pub mod dynamo;
pub mod engine;
pub mod error;
pub mod export;
pub mod item;
pub mod layout;
pub mod native;
pub mod query;
pub mod range;
pub mod sample;
pub mod snapshot;
pub mod sqlguard;
pub mod store;
pub mod writer;

pub use error::{LakeError, Result};
