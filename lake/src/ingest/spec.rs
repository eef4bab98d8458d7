//! What a run reads and how it writes: the spec every pipeline of `ingest` fills (export from
//! DynamoDB; convert and snapshot build one too) and the staging machinery reads.

use super::range::TimeRange;
use crate::format::dates::DateFormat;
use crate::format::number::NumberMode;
use crate::storage::WriteMode;

/// How to read the table.
#[derive(Debug, Clone)]
pub enum ReadPlan {
    /// Query a global secondary index for one partition-key value.
    Query {
        /// The index.
        index: String,
        /// Its partition-key attribute.
        pk_attr: String,
        /// The value to query, as given on the command line.
        pk_value: String,
    },
    /// Scan the whole table with this many parallel segments.
    Scan {
        /// Segments (1 = a plain scan).
        segments: u32,
    },
}

/// What to export.
#[derive(Debug, Clone)]
pub struct ExportSpec {
    /// The table.
    pub table: String,
    /// Query or scan.
    pub plan: ReadPlan,
    /// The attribute holding the date (the GSI sort key for a query).
    pub sk_attr: String,
    /// How that attribute stores dates.
    pub date_format: DateFormat,
    /// The time range; items outside it are skipped.
    pub range: TimeRange,
    /// Adds a `YYYY-MM-DD` column with this name, derived from the date.
    pub extra_date_column: Option<String>,
    /// Overwrite or append.
    pub mode: WriteMode,
    /// How numbers are typed in new columns.
    pub numbers: NumberMode,
    /// Read and count, write nothing.
    pub dry_run: bool,
}
