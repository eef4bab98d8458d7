//! The pipeline's error type. Every variant names the input that was wrong.

use std::path::PathBuf;

/// Errors of the pipeline and the embedded engine.
#[derive(Debug, thiserror::Error)]
pub enum LakeError {
    /// A file or folder could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The path that failed.
        path: PathBuf,
        /// What the operating system said.
        source: std::io::Error,
    },
    /// The input data is malformed (a bad item, a bad date, a bad line).
    #[error("{0}")]
    InvalidInput(String),
    /// Two attributes would become the same column (Athena/Glue lower-case column names).
    #[error(
        "attributes {first:?} and {second:?} differ only by case; Athena would see one column {lower:?}"
    )]
    CaseCollision {
        /// The first attribute name seen.
        first: String,
        /// The second attribute name seen.
        second: String,
        /// The column name both map to.
        lower: String,
    },
    /// The lake folder holds no data or no manifest.
    #[error("no lake at {0}: expected {1}")]
    NoLake(String, String),
    /// An AWS call failed; the message says which input and why.
    #[error("{0}")]
    Aws(String),
    /// The query engine failed.
    #[error("query engine: {0}")]
    Engine(#[from] datafusion::error::DataFusionError),
    /// Writing Parquet failed.
    #[error("parquet: {0}")]
    Parquet(#[from] datafusion::parquet::errors::ParquetError),
    /// Building Arrow data failed.
    #[error("arrow: {0}")]
    Arrow(#[from] datafusion::arrow::error::ArrowError),
    /// A JSON document could not be read or written.
    #[error("json: {0}")]
    Json(#[from] serde_json::Error),
    /// What was asked for (a query id, a result) does not exist; the HTTP layer answers 404.
    #[error("{0}")]
    NotFound(String),
    /// A query did not finish within the wait; it keeps running and can be asked for again by id.
    #[error("query {id} is still running after {:.1} s; ask for its state again later", .waited.as_secs_f64())]
    StillRunning {
        /// The query's id.
        id: String,
        /// How long was waited.
        waited: std::time::Duration,
    },
}

impl LakeError {
    /// Wraps an I/O error with the path it concerns.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        LakeError::Io {
            path: path.into(),
            source,
        }
    }
}

/// Result alias of the pipeline.
pub type Result<T, E = LakeError> = std::result::Result<T, E>;
