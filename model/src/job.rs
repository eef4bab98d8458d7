//! A run of a pipeline as the jobs table records it, summarised for lists.

use serde::{Deserialize, Serialize};

/// One run from the jobs table, as the "Recent jobs" area lists it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobSummary {
    /// The job's id.
    pub job_id: String,
    /// What ran (`export`, `convert`, `import`, …).
    pub job_type: String,
    /// `pending`, `processing`, `completed` or `failed`.
    pub status: String,
    /// When it started (ISO 8601).
    pub created_at: String,
    /// One line on the outcome (items written, or the error).
    pub detail: String,
}
