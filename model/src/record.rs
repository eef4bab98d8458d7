//! A stored user record (seed 003's per-user store), summarised for lists.

use serde::{Deserialize, Serialize};

/// One record of a user's store, without its data.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RecordSummary {
    /// The record's id (a UUID).
    pub record_id: String,
    /// Its type (`dataType`).
    pub data_type: String,
    /// When it was created (ISO 8601 UTC).
    pub created_at: String,
    /// When it last changed (ISO 8601 UTC).
    pub updated_at: String,
}
