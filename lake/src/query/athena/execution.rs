//! What Athena says about an execution, read once: its state (with a short failure reason), the
//! bytes it scanned, whether its first page has a header, ids Athena cannot have issued, result
//! locations, polling intervals, and its error codes where they mean more than the shared
//! classification ([`crate::aws::error`]).

use std::time::Duration;

use aws_sdk_athena::config::http::HttpResponse;
use aws_sdk_athena::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_athena::types::{QueryExecution, QueryExecutionState, StatementType};

use crate::error::FailureCause;
use crate::query::{MAX_PAGE_ROWS, QueryState};
use crate::storage::Location;
use crate::{LakeError, Result};

/// The longest wait between two state polls.
pub(crate) const MAX_POLL: Duration = Duration::from_secs(2);
/// Longest failure reason put into [`QueryState::Failed`] (the whole one goes to the log).
pub(crate) const MAX_REASON_CHARS: usize = 300;

/// Whether a result's first page starts with a header row: SELECTs do, DDL and utility
/// statements (SHOW, DESCRIBE) do not.
pub(crate) fn returns_header(exec: &QueryExecution) -> bool {
    !matches!(
        exec.statement_type(),
        Some(StatementType::Ddl | StatementType::Utility)
    )
}

/// MaxResults of a GetQueryResults call: `max_rows` in 1..=1000, one more for a header.
pub(crate) fn max_results(max_rows: usize, header: bool) -> i32 {
    let rows = max_rows.clamp(1, MAX_PAGE_ROWS) + usize::from(header);
    i32::try_from(rows.min(MAX_PAGE_ROWS)).unwrap_or(1000)
}

/// The state of a query execution; a failure carries a short reason (the full one is logged).
pub(crate) fn state_of(exec: &QueryExecution, id: &str) -> QueryState {
    let status = exec.status();
    match status.and_then(|s| s.state()) {
        Some(QueryExecutionState::Queued) => QueryState::Queued,
        Some(QueryExecutionState::Succeeded) => QueryState::Succeeded,
        Some(QueryExecutionState::Cancelled) => QueryState::Cancelled,
        Some(QueryExecutionState::Failed) => {
            let reason = status
                .and_then(|s| s.state_change_reason())
                .or_else(|| status.and_then(|s| s.athena_error()?.error_message()))
                .unwrap_or("no reason given");
            tracing::warn!(query = id, reason, "Athena query failed");
            QueryState::Failed(short_reason(reason))
        }
        // RUNNING, or a state newer than this SDK: keep polling.
        _ => QueryState::Running,
    }
}

/// Why a FAILED execution failed and whose fault it is, from Athena's `AthenaError` (error
/// category 2 is the user's query, 1 and 3 the system; `Retryable` wins); `None` unless FAILED.
pub(crate) fn failure_of(exec: &QueryExecution) -> Option<(String, FailureCause)> {
    let status = exec.status()?;
    if status.state() != Some(&QueryExecutionState::Failed) {
        return None;
    }
    let reason = status
        .state_change_reason()
        .or_else(|| status.athena_error()?.error_message())
        .unwrap_or("no reason given");
    let cause = match status.athena_error() {
        Some(e) if e.retryable() => FailureCause::Transient,
        Some(e) if matches!(e.error_category(), Some(1) | Some(3)) => FailureCause::Service,
        _ => FailureCause::Query,
    };
    Some((short_reason(reason), cause))
}

/// The first line of `reason`, cut to [`MAX_REASON_CHARS`].
pub(crate) fn short_reason(reason: &str) -> String {
    let line = reason.lines().next().unwrap_or("").trim();
    match line.char_indices().nth(MAX_REASON_CHARS) {
        Some((cut, _)) => format!("{}…", &line[..cut]),
        None => line.to_string(),
    }
}

/// Bytes scanned, when Athena reports them.
pub(crate) fn bytes_scanned(exec: &QueryExecution) -> Option<u64> {
    exec.statistics()
        .and_then(|s| s.data_scanned_in_bytes())
        .and_then(|b| u64::try_from(b).ok())
}

/// A state's name as Athena spells it, for messages.
pub(crate) fn state_name(state: &QueryState) -> &'static str {
    match state {
        QueryState::Queued => "QUEUED",
        QueryState::Running => "RUNNING",
        QueryState::Succeeded => "SUCCEEDED",
        QueryState::Failed(_) => "FAILED",
        QueryState::Cancelled => "CANCELLED",
    }
}

/// Refuses ids Athena cannot have issued (they are UUIDs; the API allows 1–128 characters of
/// letters, digits, `-` and `_`) without a call, as not found.
pub(crate) fn check_id(id: &str) -> Result<()> {
    let plausible = (1..=128).contains(&id.len())
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if plausible {
        Ok(())
    } else {
        Err(LakeError::NotFound(format!(
            "no query with id {:?}",
            snippet(id)
        )))
    }
}

/// Bucket and key of an `s3://bucket/key` URL.
pub(crate) fn split_s3_url(url: &str) -> Result<(String, String)> {
    match Location::parse("OutputLocation", url)? {
        Location::S3 { bucket, prefix } if !prefix.is_empty() => Ok((bucket, prefix)),
        _ => Err(LakeError::InvalidInput(format!(
            "the result location {url:?} is not an s3://bucket/key URL"
        ))),
    }
}

/// Whether `sql` is CREATE DATABASE / CREATE SCHEMA.
pub(crate) fn creates_database(sql: &str) -> bool {
    let words: Vec<String> = sql
        .split_whitespace()
        .take(2)
        .map(str::to_ascii_uppercase)
        .collect();
    words.first().is_some_and(|w| w == "CREATE")
        && words
            .get(1)
            .is_some_and(|w| w == "DATABASE" || w == "SCHEMA")
}

/// The start of `text`, for messages.
pub(crate) fn snippet(text: &str) -> String {
    match text.char_indices().nth(80) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_string(),
    }
}

/// Next wait between polls: ×1.5, at most [`MAX_POLL`].
pub(crate) fn next_poll(delay: Duration) -> Duration {
    delay.mul_f64(1.5).min(MAX_POLL)
}

/// Turns an SDK error into a message about the user's input. `about_id`: the call names a query
/// by id, so Athena's "… was not found" means that query does not exist. Athena's own meanings of
/// its codes come first; everything else is classified by [`crate::aws::error`].
pub(crate) fn athena_error<E>(
    service_name: &str,
    what: &str,
    err: SdkError<E, HttpResponse>,
    about_id: bool,
) -> LakeError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    if let SdkError::ServiceError(service) = &err
        && let Some(e) = service_error(
            what,
            service.err().code(),
            service.err().message(),
            about_id,
        )
    {
        return e;
    }
    crate::aws::error::sdk_error(what, service_name, err)
}

/// What Athena means by an error code where it differs from the shared classification; `None`
/// for the rest.
pub(crate) fn service_error(
    what: &str,
    code: Option<&str>,
    message: Option<&str>,
    about_id: bool,
) -> Option<LakeError> {
    let message = message.unwrap_or("no detail");
    Some(match code? {
        // Real Athena: "QueryExecution <id> was not found".
        "InvalidRequestException" if about_id && message.contains("not found") => {
            LakeError::NotFound(format!("{what}: not found"))
        }
        "InvalidRequestException" => LakeError::InvalidInput(format!("{what}: {message}")),
        "ResourceNotFoundException" => LakeError::NotFound(format!("{what}: {message}")),
        _ => return None,
    })
}
