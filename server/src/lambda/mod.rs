//! The Lambda entry. Every payload is first classified as one [`Invocation`] (the events this
//! function understands), then handled by the file for its kind: a Function URL request goes
//! through the same axum router as local requests ([`http`]), a direct report request through the
//! same query service ([`direct`]). Anything else gets an `InvalidRequest` error that says what
//! was expected. Error answers carry an `errorType` saying whether a retry can help.

pub mod athena_table;
pub mod custom_resource;
pub mod direct;
pub mod http;
pub mod s3_event;
pub mod schedule;

use axum::Router;
use lambda_http::LambdaEvent;
use lambda_http::lambda_runtime::Diagnostic;
use lambda_http::request::LambdaRequest;
use serde_json::Value;

use crate::http::{AppState, app};

/// The largest answer this function gives: Lambda refuses a synchronous (and a buffered Function
/// URL) response over 6 MB (6 291 556 bytes); a little is left for the envelope.
pub const MAX_RESPONSE_BYTES: usize = 6_000_000;

/// What an invocation is, by the shape of its payload.
#[derive(Debug)]
pub enum Invocation {
    /// A Function URL (API Gateway v2-shaped) HTTP request.
    FunctionUrl(Box<LambdaRequest>),
    /// A direct invocation with a payload that is not an HTTP event (a report request, or
    /// something [`direct::report`] explains it does not take).
    Direct(Value),
}

/// Whether `payload` is an HTTP event (Function URL / API Gateway v2) rather than a direct call.
pub fn is_http_event(payload: &Value) -> bool {
    payload
        .get("requestContext")
        .is_some_and(|c| c.get("http").is_some())
        || payload.get("rawPath").is_some()
}

impl Invocation {
    /// Classifies a payload.
    pub fn classify(payload: Value) -> Result<Invocation, Diagnostic> {
        if is_http_event(&payload) {
            let request: LambdaRequest = serde_json::from_value(payload).map_err(|e| {
                diagnostic(
                    "InvalidEvent",
                    format!("not a Function URL event this function can read: {e}"),
                )
            })?;
            return Ok(Invocation::FunctionUrl(Box::new(request)));
        }
        Ok(Invocation::Direct(payload))
    }
}

pub(crate) fn diagnostic(kind: &str, message: impl Into<String>) -> Diagnostic {
    Diagnostic {
        error_type: kind.to_string(),
        error_message: message.into(),
    }
}

/// A pipeline error as a Lambda error answer: `errorType` is its class (`InvalidRequest`,
/// `NotFound`, `Retryable`, …, see [`lake::error::ErrorClass::as_str`]), so an invoker can tell
/// whether a retry helps; the message is the public one, the whole error goes to the log.
pub fn lake_diagnostic(e: &lake::LakeError, what: &str) -> Diagnostic {
    let class = e.class();
    if class != lake::error::ErrorClass::BadInput {
        tracing::error!(error = %e, class = class.as_str(), what, "invocation failed");
    }
    diagnostic(class.as_str(), e.public_message())
}

/// Handles one invocation.
pub async fn handle(
    router: &Router,
    state: &AppState,
    event: LambdaEvent<Value>,
) -> Result<Value, Diagnostic> {
    let LambdaEvent { payload, context } = event;
    match Invocation::classify(payload)? {
        Invocation::FunctionUrl(request) => http::function_url(router, *request, context).await,
        Invocation::Direct(payload) => direct::report(state, payload).await,
    }
}

/// A direct invocation: a report request in, `{report, columns, rows, count}` out.
pub async fn direct(state: &AppState, payload: Value) -> Result<Value, Diagnostic> {
    direct::report(state, payload).await
}

/// Which entry a function is: its `Handler` property, which Lambda passes to the binary as
/// `_HANDLER`. The same zip serves every function.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Entry {
    /// Function URL requests and direct report invocations.
    Report,
    /// EventBridge schedules and on-demand exports.
    Export,
    /// The CloudFormation custom resource that sets up Athena.
    AthenaSetup,
    /// S3 ObjectCreated notifications: each object imported into a DynamoDB table.
    Import,
}

impl Entry {
    /// The entry `_HANDLER` names; unset means `report` unless the environment configures an
    /// export (`DYNAMO_LAKE_EXPORT_TABLE`) and no query engine.
    pub fn from_env() -> Result<Entry, String> {
        match std::env::var("_HANDLER").ok().as_deref().map(str::trim) {
            Some("report") => Ok(Entry::Report),
            Some("export") => Ok(Entry::Export),
            Some("athena-setup") => Ok(Entry::AthenaSetup),
            Some("import") => Ok(Entry::Import),
            Some("") | None => Ok(
                if std::env::var_os("DYNAMO_LAKE_EXPORT_TABLE").is_some()
                    && std::env::var_os("DYNAMO_LAKE_ENGINE").is_none()
                {
                    Entry::Export
                } else {
                    Entry::Report
                },
            ),
            Some(other) => Err(format!(
                "_HANDLER {other:?} is not an entry of this function: expected report, export, athena-setup or import"
            )),
        }
    }
}

/// Runs inside AWS Lambda as the entry `_HANDLER` names: the configuration comes from the
/// environment and the services are opened once per cold start.
pub async fn run() -> Result<(), lambda_http::Error> {
    match Entry::from_env()? {
        Entry::Report => run_report().await,
        Entry::Export => {
            let mut settings =
                schedule::ExportSettings::from_env().map_err(|e| format!("{e:#}"))?;
            // With Athena as the engine, a commit that makes the lake or grows its columns
            // (re)defines the Athena table.
            if std::env::var("DYNAMO_LAKE_ENGINE").is_ok_and(|e| e.eq_ignore_ascii_case("athena")) {
                settings.athena = Some(setup_settings()?);
            }
            lambda_http::lambda_runtime::run(lambda_http::service_fn(
                move |event: LambdaEvent<Value>| {
                    let settings = settings.clone();
                    async move { schedule::handle(&settings, event.payload).await }
                },
            ))
            .await
        }
        Entry::Import => {
            let settings = s3_event::ImportSettings::from_env().map_err(|e| format!("{e:#}"))?;
            lambda_http::lambda_runtime::run(lambda_http::service_fn(
                move |event: LambdaEvent<Value>| {
                    let settings = settings.clone();
                    async move {
                        s3_event::handle(&settings, event.payload, event.context.deadline).await
                    }
                },
            ))
            .await
        }
        Entry::AthenaSetup => {
            let settings = setup_settings()?;
            lambda_http::lambda_runtime::run(lambda_http::service_fn(
                move |event: LambdaEvent<Value>| {
                    let settings = settings.clone();
                    async move {
                        custom_resource::handle(&settings, event.payload, &event.context).await
                    }
                },
            ))
            .await
        }
    }
}

/// The settings the function reads from its environment: the flags' `env` names
/// (`DYNAMO_LAKE_LAKE`, `DYNAMO_LAKE_ENGINE`, `DYNAMO_LAKE_ATHENA_*`, `DYNAMO_LAKE_AUTH`, …), read by
/// clap with no arguments.
#[derive(clap::Parser)]
struct FromEnv {
    #[command(flatten)]
    query: crate::cli::args::QueryArgs,
    #[command(flatten)]
    auth: crate::cli::args::AuthArgs,
}

impl FromEnv {
    fn read() -> Result<FromEnv, lambda_http::Error> {
        use clap::Parser;
        Ok(FromEnv::try_parse_from(["dynamo-lake"])
            .map_err(|e| format!("the Lambda environment is incomplete: {e}"))?)
    }
}

/// The Athena setup's settings, from the same environment variables as the report entry's.
fn setup_settings() -> Result<custom_resource::SetupSettings, lambda_http::Error> {
    let env = FromEnv::read()?;
    Ok(custom_resource::SetupSettings {
        config: env.query.config().map_err(|e| format!("{e:#}"))?,
        years: env.query.athena.projection_years,
    })
}

/// The report entry: the configuration comes from the environment (the same names as the
/// flags' `env`: DYNAMO_LAKE_LAKE, DYNAMO_LAKE_ENGINE, DYNAMO_LAKE_ATHENA_*, …); every invocation
/// is handled by [`handle`].
async fn run_report() -> Result<(), lambda_http::Error> {
    let env = FromEnv::read()?;
    let config = env.query.config().map_err(|e| format!("{e:#}"))?;
    let mut state = crate::wiring::open_state(&config)
        .await
        .map_err(|e| format!("{e:#}"))?;
    // Fail closed: without DYNAMO_LAKE_AUTH the function serves only IAM-signed Function URL
    // requests (a URL created with AuthType NONE then answers 401, never data).
    state.auth = if std::env::var_os("DYNAMO_LAKE_AUTH").is_some() {
        env.auth.mode().await.map_err(|e| format!("{e:#}"))?
    } else {
        crate::http::auth::AuthMode::Iam
    };
    let router = app(state.clone());
    lambda_http::lambda_runtime::run(lambda_http::service_fn(move |event: LambdaEvent<Value>| {
        let (router, state) = (router.clone(), state.clone());
        async move { handle(&router, &state, event).await }
    }))
    .await
}
