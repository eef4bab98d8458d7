//! DynamoDB access: the client and its errors, conversion of the SDK's values, batch writes, the
//! table spec and its `ensure`/`describe`, and simple provisioning for the demo and tests.

pub mod batch;
pub mod client;
pub mod convert;
pub mod ensure;
pub mod spec;
pub mod tables;

pub use batch::batch_write;
pub use client::{DynamoConfig, KeySchema, client, key_schema, sdk_error};
pub use convert::{from_sdk, item_from_sdk, item_to_sdk, to_sdk};
pub use spec::TableDefinition;
pub use tables::{IndexSpec, KeyAttr, TableSpec, create_table, wait_active};
