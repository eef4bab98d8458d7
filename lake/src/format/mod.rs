//! The data's shapes: DynamoDB items (SDK-free) and their JSON encoding, the type contract, date
//! formats, and the Parquet writer that turns items into day partitions.

pub mod contract;
pub mod dates;
pub mod item;
pub mod parquet;
