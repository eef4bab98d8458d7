//! Amazon Athena: the engine (start, poll, typed pages, presigned downloads, DDL, named queries)
//! and the setup DDL (database, table with partition projection).

pub mod ddl;
pub mod engine;
pub mod execution;
pub mod values;

pub use engine::{AthenaConfig, AthenaEngine};
