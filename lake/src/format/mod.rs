//! The data's shapes: DynamoDB items (SDK-free) and their JSON encoding, the type contract, date
//! formats, and the Parquet encoding of items (Arrow batches with the contract's schema).

pub mod contract;
pub mod dates;
pub mod infer;
pub mod item;
pub mod number;
pub mod parquet;
