//! The pipeline's error type. Every variant names the input that was wrong, and every error has a
//! [`ErrorClass`]: what a caller can do about it. The HTTP layer, the server functions, the direct
//! Lambda answer and the CLI's exit status all map from [`LakeError::class`], in one place each.

use std::path::PathBuf;

/// What a caller can do about an error; the one mapping every edge (HTTP status, Lambda
/// `errorType`, exit status) starts from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorClass {
    /// The request or the data is wrong; the message says what to change. Retrying cannot help.
    BadInput,
    /// What was asked for does not exist.
    NotFound,
    /// The thing exists but is in a state that refuses the change (already exists, changed since).
    Conflict,
    /// A passing condition (throttling, a 5xx, a timeout, a query still running): retry later.
    Retryable,
    /// The credentials were refused or lack a permission; the message names the operation.
    Denied,
    /// Anything else: a bug, a damaged lake, an unexpected answer. Details belong in the log.
    Internal,
}

impl ErrorClass {
    /// A stable name for machines (`errorType` of a Lambda answer, `--json` output).
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorClass::BadInput => "InvalidRequest",
            ErrorClass::NotFound => "NotFound",
            ErrorClass::Conflict => "Conflict",
            ErrorClass::Retryable => "Retryable",
            ErrorClass::Denied => "Denied",
            ErrorClass::Internal => "Internal",
        }
    }

    /// Whether trying the same call again later can succeed.
    pub fn is_retryable(self) -> bool {
        self == ErrorClass::Retryable
    }
}

/// What kind of failure an AWS call had, classified once by [`crate::aws::error`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AwsErrorKind {
    /// Throttling (`ThrottlingException`, `TooManyRequestsException`, …, HTTP 429).
    Throttled,
    /// The service could not be reached or failed (timeouts, connection errors, HTTP 5xx).
    Unavailable,
    /// The resource does not exist (`ResourceNotFoundException`, `NoSuchBucket`, …).
    NotFound,
    /// The caller lacks a permission (`AccessDenied…`), or its credentials are missing or refused.
    Denied,
    /// The request was refused as invalid (`ValidationException`, `InvalidRequestException`).
    Invalid,
    /// The resource is in a state that refuses the call (`ResourceInUseException`,
    /// `ConditionalCheckFailedException`).
    Conflict,
    /// Anything else.
    Other,
}

impl AwsErrorKind {
    /// The class of errors of this kind.
    pub fn class(self) -> ErrorClass {
        match self {
            AwsErrorKind::Throttled | AwsErrorKind::Unavailable => ErrorClass::Retryable,
            AwsErrorKind::NotFound => ErrorClass::NotFound,
            AwsErrorKind::Denied => ErrorClass::Denied,
            AwsErrorKind::Invalid => ErrorClass::BadInput,
            AwsErrorKind::Conflict => ErrorClass::Conflict,
            AwsErrorKind::Other => ErrorClass::Internal,
        }
    }
}

/// Why a query that ran failed, as its engine tells it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailureCause {
    /// The query itself (a column that does not exist, a type mismatch, bad syntax).
    Query,
    /// The engine or what it reads (a damaged file, a refused bucket, an internal error).
    Service,
    /// A passing condition the engine says a retry can get past.
    Transient,
}

/// The underlying error of an AWS call, kept for the log (`{:#}` / the source chain).
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// Errors of the pipeline and the query engines.
#[derive(Debug, thiserror::Error)]
pub enum LakeError {
    /// A file or folder could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The path that failed.
        path: PathBuf,
        /// What the operating system said.
        #[source]
        source: std::io::Error,
    },
    /// The input is malformed (a bad item, a bad date, a bad flag value); the message says which.
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
    /// The location holds no lake (no manifest).
    #[error("no lake at {location}: expected {expected}")]
    NoLake {
        /// The lake's location, as the user gave it.
        location: String,
        /// What was looked for.
        expected: String,
    },
    /// The lake has no data yet (a new deployment before its first export).
    #[error(
        "no data yet: the lake at {location} has no export; the first export creates it (run `dynamo-lake export`, or wait for the scheduled one)"
    )]
    NoData {
        /// The lake's location.
        location: String,
    },
    /// The lake's manifest exists but cannot be parsed: the run stops and writes nothing.
    #[error(
        "{path}: the lake manifest cannot be read ({reason}); nothing was written. Restore it (for example from S3 versioning or a backup) or move it away to start a new lake"
    )]
    CorruptManifest {
        /// The manifest's path or URL.
        path: String,
        /// What is wrong with it.
        reason: String,
    },
    /// An AWS call failed; the message names the operation and the resource.
    #[error("{message}")]
    Aws {
        /// What failed (`query index "i" of table "t"`).
        op: String,
        /// How it failed.
        kind: AwsErrorKind,
        /// The message for the user.
        message: String,
        /// The SDK's error, for the log.
        #[source]
        source: Option<BoxError>,
    },
    /// A query ran and failed in its engine (Athena's FAILED state); the reason is short and safe to show.
    #[error("the query failed in {engine}: {reason}")]
    QueryFailed {
        /// `athena` or `datafusion`.
        engine: &'static str,
        /// Why, as the engine said it (shortened).
        reason: String,
        /// Whose fault, which decides the class.
        cause: FailureCause,
    },
    /// The embedded query engine failed.
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
    /// What was asked for (a query id, a result) does not exist.
    #[error("{0}")]
    NotFound(String),
    /// The change conflicts with the current state (exists already, changed since it was read).
    #[error("{0}")]
    Conflict(String),
    /// A query did not finish within the wait; it keeps running and can be asked for again by id.
    #[error("query {id} is still running after {:.1} s; ask for its state again later", .waited.as_secs_f64())]
    StillRunning {
        /// The query's id.
        id: String,
        /// How long was waited.
        waited: std::time::Duration,
    },
    /// A task of the run stopped (panicked or was cancelled).
    #[error("{what} stopped: {reason}")]
    TaskFailed {
        /// Which task.
        what: String,
        /// What was reported.
        reason: String,
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

    /// An AWS failure that has no SDK error behind it (an answer missing a field, a wait that ran out).
    pub fn aws(op: impl Into<String>, kind: AwsErrorKind, message: impl Into<String>) -> Self {
        LakeError::Aws {
            op: op.into(),
            kind,
            message: message.into(),
            source: None,
        }
    }

    /// What a caller can do about this error.
    pub fn class(&self) -> ErrorClass {
        match self {
            LakeError::InvalidInput(_)
            | LakeError::CaseCollision { .. }
            | LakeError::QueryFailed {
                cause: FailureCause::Query,
                ..
            } => ErrorClass::BadInput,
            LakeError::QueryFailed {
                cause: FailureCause::Transient,
                ..
            } => ErrorClass::Retryable,
            LakeError::QueryFailed {
                cause: FailureCause::Service,
                ..
            } => ErrorClass::Internal,
            LakeError::NoLake { .. } | LakeError::NoData { .. } | LakeError::NotFound(_) => {
                ErrorClass::NotFound
            }
            LakeError::Conflict(_) => ErrorClass::Conflict,
            LakeError::StillRunning { .. } => ErrorClass::Retryable,
            LakeError::Aws { kind, .. } => kind.class(),
            LakeError::Io { source, .. } => match source.kind() {
                std::io::ErrorKind::PermissionDenied | std::io::ErrorKind::ReadOnlyFilesystem => {
                    ErrorClass::Denied
                }
                _ => ErrorClass::Internal,
            },
            LakeError::CorruptManifest { .. }
            | LakeError::Engine(_)
            | LakeError::Parquet(_)
            | LakeError::Arrow(_)
            | LakeError::Json(_)
            | LakeError::TaskFailed { .. } => ErrorClass::Internal,
        }
    }

    /// What a client (a browser, an API caller, a Lambda invoker) is told: the message itself
    /// when it is about the request (bad input, not found, conflict, retry later), otherwise one
    /// short line; the whole error belongs in the log.
    pub fn public_message(&self) -> String {
        if let LakeError::Aws { kind, .. } = self {
            // The whole AWS error (endpoints, ARNs, keys) belongs in the log, not in an answer.
            return match kind {
                AwsErrorKind::Throttled => {
                    "an AWS service is throttling requests; try again shortly".to_string()
                }
                AwsErrorKind::Unavailable => {
                    "an AWS service is unavailable or did not answer in time; try again shortly"
                        .to_string()
                }
                AwsErrorKind::NotFound => {
                    "a resource the server needs does not exist; see the server log".to_string()
                }
                AwsErrorKind::Conflict => {
                    "the change conflicts with the resource's current state; try again".to_string()
                }
                AwsErrorKind::Invalid => {
                    "AWS refused the request as invalid; see the server log".to_string()
                }
                AwsErrorKind::Denied => DENIED.to_string(),
                AwsErrorKind::Other => INTERNAL.to_string(),
            };
        }
        match self.class() {
            ErrorClass::BadInput
            | ErrorClass::NotFound
            | ErrorClass::Conflict
            | ErrorClass::Retryable => self.to_string(),
            ErrorClass::Denied => DENIED.to_string(),
            ErrorClass::Internal => INTERNAL.to_string(),
        }
    }
}

/// What a client is told of a denied operation.
const DENIED: &str = "the server is not allowed to do this (a missing permission or refused credentials); see the server log";
/// What a client is told of an internal error.
const INTERNAL: &str = "internal error; see the server log";

/// Result alias of the pipeline.
pub type Result<T, E = LakeError> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classes_follow_the_category() {
        assert_eq!(
            LakeError::InvalidInput("x".into()).class(),
            ErrorClass::BadInput
        );
        assert_eq!(
            LakeError::NotFound("x".into()).class(),
            ErrorClass::NotFound
        );
        let throttled = LakeError::aws("scan", AwsErrorKind::Throttled, "slow down");
        assert!(throttled.class().is_retryable());
        let denied = LakeError::aws(
            "scan",
            AwsErrorKind::Denied,
            "arn:aws:iam::123456789012:role/x is not authorized",
        );
        assert_eq!(denied.class(), ErrorClass::Denied);
        let corrupt = LakeError::CorruptManifest {
            path: "m.json".into(),
            reason: "EOF".into(),
        };
        assert_eq!(corrupt.class(), ErrorClass::Internal);
        assert!(corrupt.to_string().contains("m.json"));
        let failed = LakeError::QueryFailed {
            engine: "athena",
            reason: "COLUMN_NOT_FOUND".into(),
            cause: FailureCause::Query,
        };
        let broken = LakeError::QueryFailed {
            engine: "athena",
            reason: "HIVE_CANNOT_OPEN_SPLIT s3://bucket/key".into(),
            cause: FailureCause::Service,
        };
        assert_eq!(broken.class(), ErrorClass::Internal);
        assert!(!broken.public_message().contains("s3://"));
        assert_eq!(failed.class(), ErrorClass::BadInput);
        // Only messages about the request reach a client.
        assert!(failed.public_message().contains("COLUMN_NOT_FOUND"));
        assert!(!corrupt.public_message().contains("m.json"));
        assert!(!denied.public_message().contains("arn:aws"));
        assert!(!throttled.public_message().contains("scan"));
        assert!(throttled.public_message().contains("try again"));
    }
}
