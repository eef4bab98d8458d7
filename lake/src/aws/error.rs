//! The one classifier of AWS failures. Every SDK call (DynamoDB, Athena) and every object-store
//! call (S3) turns its error into a [`LakeError::Aws`] here, with a [`AwsErrorKind`] that says
//! whether a retry helps: throttling, 5xx answers and timeouts are retryable; a missing resource is
//! not found; access denied and refused credentials are denied, naming the operation.

use aws_sdk_dynamodb::config::http::HttpResponse;
use aws_sdk_dynamodb::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};

use crate::LakeError;
use crate::error::AwsErrorKind;

/// The kind of a service error code (the same codes across DynamoDB, Athena, S3 and STS); `None`
/// for a code this table does not know (then the HTTP status decides).
pub fn kind_of_code(code: &str) -> Option<AwsErrorKind> {
    Some(match code {
        "ThrottlingException"
        | "Throttling"
        | "ThrottledException"
        | "TooManyRequestsException"
        | "ProvisionedThroughputExceededException"
        | "RequestLimitExceeded"
        | "LimitExceededException"
        | "SlowDown" => AwsErrorKind::Throttled,
        "InternalServerError"
        | "InternalServerException"
        | "InternalFailure"
        | "InternalError"
        | "ServiceUnavailable"
        | "ServiceUnavailableException" => AwsErrorKind::Unavailable,
        "ResourceNotFoundException"
        | "NoSuchBucket"
        | "NoSuchKey"
        | "NotFound"
        | "EntityNotFoundException" => AwsErrorKind::NotFound,
        "AccessDeniedException"
        | "AccessDenied"
        | "UnrecognizedClientException"
        | "InvalidSignatureException"
        | "SignatureDoesNotMatch"
        | "ExpiredTokenException"
        | "ExpiredToken"
        | "InvalidClientTokenId"
        | "MissingAuthenticationToken"
        | "InvalidAccessKeyId" => AwsErrorKind::Denied,
        "ValidationException"
        | "InvalidRequestException"
        | "SerializationException"
        | "InvalidParameterValue"
        | "InvalidParameterException" => AwsErrorKind::Invalid,
        "ResourceInUseException"
        | "ConditionalCheckFailedException"
        | "TransactionConflictException"
        | "AlreadyExistsException" => AwsErrorKind::Conflict,
        _ => return None,
    })
}

/// The kind of an HTTP status without a known code.
pub fn kind_of_status(status: u16) -> AwsErrorKind {
    match status {
        429 => AwsErrorKind::Throttled,
        500..=599 => AwsErrorKind::Unavailable,
        401 | 403 => AwsErrorKind::Denied,
        404 => AwsErrorKind::NotFound,
        _ => AwsErrorKind::Other,
    }
}

/// A classified SDK failure, before it becomes a message: the kind, the service's code and
/// message when it answered, and the whole error text for the log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Classified {
    /// How it failed.
    pub kind: AwsErrorKind,
    /// The service's error code, when it answered with one.
    pub code: Option<String>,
    /// The service's message, when it answered with one.
    pub message: Option<String>,
    /// Whether no credentials could be found (the call never left this machine).
    pub no_credentials: bool,
    /// The error with its whole source chain.
    pub detail: String,
}

/// Classifies an SDK error of any AWS SDK crate.
pub fn classify<E>(err: &SdkError<E, HttpResponse>) -> Classified
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    let detail = DisplayErrorContext(err).to_string();
    match err {
        SdkError::ServiceError(service) => {
            let e = service.err();
            let status = service.raw().status().as_u16();
            let kind = e
                .code()
                .and_then(kind_of_code)
                .unwrap_or_else(|| kind_of_status(status));
            Classified {
                kind,
                code: e.code().map(str::to_string),
                message: e.message().map(str::to_string),
                no_credentials: false,
                detail,
            }
        }
        SdkError::DispatchFailure(_) | SdkError::TimeoutError(_) => {
            let no_credentials = detail.contains("credentials");
            Classified {
                kind: if no_credentials {
                    AwsErrorKind::Denied
                } else {
                    AwsErrorKind::Unavailable
                },
                code: None,
                message: None,
                no_credentials,
                detail,
            }
        }
        SdkError::ResponseError(_) => Classified {
            kind: AwsErrorKind::Unavailable,
            code: None,
            message: None,
            no_credentials: false,
            detail,
        },
        _ => Classified {
            kind: AwsErrorKind::Other,
            code: None,
            message: None,
            no_credentials: false,
            detail,
        },
    }
}

/// Turns an SDK error into a [`LakeError::Aws`] whose message is about the user's input: `op`
/// names the operation and resource (`query index "i" of table "t"`), `service` the endpoint
/// (`DynamoDB at http://…`, `Athena in eu-west-1`).
pub fn sdk_error<E>(op: &str, service: &str, err: SdkError<E, HttpResponse>) -> LakeError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    let c = classify(&err);
    let message = describe(op, service, &c);
    LakeError::Aws {
        op: op.to_string(),
        kind: c.kind,
        message,
        source: Some(Box::new(err)),
    }
}

/// The user's message for a classified failure.
pub fn describe(op: &str, service: &str, c: &Classified) -> String {
    let said = c.message.as_deref();
    match (c.kind, c.code.as_deref()) {
        (AwsErrorKind::Denied, _) if c.no_credentials => format!(
            "{op}: no AWS credentials found (set AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, or use a local --endpoint-url)"
        ),
        (AwsErrorKind::Denied, Some(code)) if code.starts_with("AccessDenied") => format!(
            "{op}: access denied ({}); the caller needs permission for this operation on this resource",
            said.unwrap_or("check the IAM policy")
        ),
        (AwsErrorKind::Denied, _) => format!(
            "{op}: the AWS credentials were refused ({})",
            said.unwrap_or("no detail")
        ),
        (AwsErrorKind::NotFound, _) => format!("{op}: not found in {service}"),
        (AwsErrorKind::Throttled, _) => {
            format!("{op}: {service} is throttling requests; try again shortly")
        }
        (AwsErrorKind::Invalid, _) => format!("{op}: {}", said.unwrap_or("invalid request")),
        (AwsErrorKind::Unavailable, None) => format!("{op}: cannot reach {service} ({})", c.detail),
        (_, Some(code)) => format!("{op}: {code}: {}", said.unwrap_or("")),
        (_, None) => format!("{op}: {}", c.detail),
    }
}

/// Turns an object-store (S3) error into a [`LakeError::Aws`] naming the object and the action.
pub fn object_store_error(url: &str, action: &str, e: object_store::Error) -> LakeError {
    let text = e.to_string();
    let (kind, why) = match &e {
        object_store::Error::NotFound { .. } => (AwsErrorKind::NotFound, "not found".to_string()),
        object_store::Error::PermissionDenied { .. } => {
            (AwsErrorKind::Denied, "access denied".to_string())
        }
        object_store::Error::Unauthenticated { .. } => (
            AwsErrorKind::Denied,
            "the credentials were refused".to_string(),
        ),
        object_store::Error::AlreadyExists { .. } | object_store::Error::Precondition { .. } => {
            (AwsErrorKind::Conflict, text.clone())
        }
        _ if text.contains("<Code>NoSuchBucket</Code>") || text.contains("NoSuchBucket") => (
            AwsErrorKind::NotFound,
            "the bucket does not exist".to_string(),
        ),
        _ if http_failure(&e) => (
            AwsErrorKind::Unavailable,
            format!("cannot reach S3 ({text})"),
        ),
        _ if matches!(status_code(&text), Some(429)) || text.contains("<Code>SlowDown</Code>") => (
            AwsErrorKind::Throttled,
            format!("S3 is throttling requests ({text})"),
        ),
        _ if matches!(status_code(&text), Some(500..=599)) => {
            (AwsErrorKind::Unavailable, text.clone())
        }
        _ => (AwsErrorKind::Other, text.clone()),
    };
    LakeError::Aws {
        op: format!("{action} {url}"),
        kind,
        message: format!("cannot {action} {url}: {why}"),
        source: Some(Box::new(e)),
    }
}

/// Whether the request never got an answer (connection, timeout, interrupted): found by the
/// HTTP client's error kind in the source chain, not by reading a message that holds the URL.
fn http_failure(e: &object_store::Error) -> bool {
    use object_store::client::{HttpError, HttpErrorKind};
    let mut source: Option<&(dyn std::error::Error + 'static)> = std::error::Error::source(e);
    while let Some(s) = source {
        if let Some(http) = s.downcast_ref::<HttpError>() {
            return matches!(
                http.kind(),
                HttpErrorKind::Connect
                    | HttpErrorKind::Request
                    | HttpErrorKind::Timeout
                    | HttpErrorKind::Interrupted
            );
        }
        source = s.source();
    }
    false
}

/// The HTTP status S3 answered with, from object_store's "non-2xx status code: NNN" (the part of
/// the message after the URL).
fn status_code(text: &str) -> Option<u16> {
    let (_, rest) = text.rsplit_once("status code: ")?;
    rest.get(..3)?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_classified_once_for_every_service() {
        for (code, kind) in [
            ("ThrottlingException", AwsErrorKind::Throttled),
            (
                "ProvisionedThroughputExceededException",
                AwsErrorKind::Throttled,
            ),
            ("TooManyRequestsException", AwsErrorKind::Throttled),
            ("ResourceNotFoundException", AwsErrorKind::NotFound),
            ("AccessDeniedException", AwsErrorKind::Denied),
            ("ExpiredTokenException", AwsErrorKind::Denied),
            ("ValidationException", AwsErrorKind::Invalid),
            ("ResourceInUseException", AwsErrorKind::Conflict),
            ("InternalServerError", AwsErrorKind::Unavailable),
        ] {
            assert_eq!(kind_of_code(code), Some(kind), "{code}");
        }
        assert_eq!(kind_of_code("SomethingNew"), None);
        assert_eq!(kind_of_status(503), AwsErrorKind::Unavailable);
        assert_eq!(kind_of_status(429), AwsErrorKind::Throttled);
        assert_eq!(kind_of_status(400), AwsErrorKind::Other);
    }

    #[test]
    fn s3_statuses_are_read_after_the_url() {
        let busy = "Error performing GET http://h/b/429-key in 1s - Server returned non-2xx status code: 503 Service Unavailable: ";
        assert_eq!(status_code(busy), Some(503));
        assert_eq!(status_code("GET http://h/b/Connect-429 - not found"), None);
    }

    #[test]
    fn access_denied_names_the_operation() {
        let c = Classified {
            kind: AwsErrorKind::Denied,
            code: Some("AccessDeniedException".into()),
            message: Some("User x is not authorized to perform dynamodb:Scan".into()),
            no_credentials: false,
            detail: String::new(),
        };
        let msg = describe("scan table \"t\"", "DynamoDB in eu-west-1", &c);
        assert!(
            msg.starts_with("scan table \"t\": access denied") && msg.contains("dynamodb:Scan"),
            "{msg}"
        );
    }
}
