//! The `athena-setup` entry: the CloudFormation custom resource that creates the Athena database,
//! the lake's table with partition projection (when the lake already has a contract; otherwise the
//! first export creates it) and the built-in reports as named queries. Create and Update run the
//! setup; Delete removes nothing (the data stays). Whatever happens — success, an error, a panic
//! caught as an error, or time running out — the presigned `ResponseURL` is answered (PUT, empty
//! Content-Type, a body under 4 096 bytes) before the function's deadline, so a stack never hangs.

use std::time::{Duration, SystemTime};

use aws_lambda_events::event::cloudformation::{
    CloudFormationCustomResourceRequest, CloudFormationCustomResourceResponse,
    CloudFormationCustomResourceResponseStatus,
};
use lake::query::athena::AthenaEngine;
use lake::query::config::QueryConfig;
use lake::storage::Manifest;
use lambda_http::lambda_runtime::{Context, Diagnostic};
use serde_json::Value;

use super::diagnostic;

/// Time kept back before the deadline to answer CloudFormation.
const ANSWER_MARGIN: Duration = Duration::from_secs(5);
/// CloudFormation's limit on the response body.
const MAX_BODY: usize = 4096;

/// What the setup needs: the lake, the table name and Athena, and the projection's years.
#[derive(Debug, Clone)]
pub struct SetupSettings {
    /// The query configuration (`DYNAMO_LAKE_LAKE`, `DYNAMO_LAKE_TABLE`, `DYNAMO_LAKE_ATHENA_*`).
    pub config: QueryConfig,
    /// First and last year of the partition projection (`DYNAMO_LAKE_PROJECTION_YEARS`).
    pub years: (i32, i32),
}

/// Handles one custom-resource event: runs the setup within the deadline and always answers the
/// ResponseURL; the invocation itself succeeds once CloudFormation has its answer.
pub async fn handle(
    settings: &SetupSettings,
    payload: Value,
    context: &Context,
) -> Result<Value, Diagnostic> {
    let request: CloudFormationCustomResourceRequest = match serde_json::from_value(payload.clone())
    {
        Ok(r) => r,
        Err(e) => {
            let why = format!("not a CloudFormation custom resource request: {e}");
            // Still answer CloudFormation when the event says where: a stack must never
            // wait an hour for a request this function could not read.
            if let Some(url) = payload.get("ResponseURL").and_then(Value::as_str) {
                let text = |k: &str| {
                    payload
                        .get(k)
                        .and_then(Value::as_str)
                        .unwrap_or_default()
                        .to_string()
                };
                let mut response = CloudFormationCustomResourceResponse::default();
                response.status = CloudFormationCustomResourceResponseStatus::Failed;
                response.reason = Some(cut(&why, 1000));
                response.stack_id = text("StackId");
                response.request_id = text("RequestId");
                response.logical_resource_id = text("LogicalResourceId");
                response.physical_resource_id = match text("PhysicalResourceId") {
                    id if id.is_empty() => {
                        format!("dynamo-lake-athena-{}", text("LogicalResourceId"))
                    }
                    id => id,
                };
                answer(url, &response).await?;
            }
            return Err(diagnostic("InvalidEvent", why));
        }
    };
    let (kind, url, stack_id, request_id, logical_id, physical_id) = match &request {
        CloudFormationCustomResourceRequest::Create(r) => (
            "Create",
            r.response_url.clone(),
            r.stack_id.clone(),
            r.request_id.clone(),
            r.logical_resource_id.clone(),
            None,
        ),
        CloudFormationCustomResourceRequest::Update(r) => (
            "Update",
            r.response_url.clone(),
            r.stack_id.clone(),
            r.request_id.clone(),
            r.logical_resource_id.clone(),
            Some(r.physical_resource_id.clone()),
        ),
        CloudFormationCustomResourceRequest::Delete(r) => (
            "Delete",
            r.response_url.clone(),
            r.stack_id.clone(),
            r.request_id.clone(),
            r.logical_resource_id.clone(),
            Some(r.physical_resource_id.clone()),
        ),
        _ => {
            return Err(diagnostic(
                "InvalidEvent",
                "unknown custom resource RequestType",
            ));
        }
    };
    let physical_id = physical_id.unwrap_or_else(|| {
        format!(
            "dynamo-lake-athena-{}.{}",
            settings.config.athena.database, settings.config.table
        )
    });
    let budget = time_left(context).saturating_sub(ANSWER_MARGIN);
    let outcome = match kind {
        // Delete removes no data and no table: the lake outlives the stack.
        "Delete" => Ok("nothing deleted: the data and the Athena table stay".to_string()),
        // In a task of its own, so even a panic becomes a FAILED answer.
        _ => {
            let settings = settings.clone();
            let task = tokio::spawn(async move { setup(&settings).await });
            match tokio::time::timeout(budget, task).await {
                Ok(Ok(result)) => result,
                Ok(Err(e)) => Err(format!("the Athena setup stopped: {e}")),
                Err(_) => Err(format!(
                    "the Athena setup did not finish within {} s",
                    budget.as_secs()
                )),
            }
        }
    };
    let mut response = CloudFormationCustomResourceResponse::default();
    response.physical_resource_id = physical_id;
    response.stack_id = stack_id;
    response.request_id = request_id;
    response.logical_resource_id = logical_id;
    match &outcome {
        Ok(done) => {
            response.status = CloudFormationCustomResourceResponseStatus::Success;
            response.data.insert("Result".into(), done.clone());
        }
        Err(why) => {
            tracing::error!(kind, reason = %why, "Athena setup failed");
            response.status = CloudFormationCustomResourceResponseStatus::Failed;
            response.reason = Some(cut(why, 1000));
        }
    }
    answer(&url, &response).await?;
    Ok(serde_json::json!({
        "requestType": kind,
        "status": if outcome.is_ok() { "SUCCESS" } else { "FAILED" },
    }))
}

/// Creates the database, the table when the lake has a contract, and the named queries.
async fn setup(settings: &SetupSettings) -> Result<String, String> {
    let config = &settings.config;
    let table = super::athena_table::table_of(config, settings.years).map_err(|e| e.to_string())?;
    let athena = AthenaEngine::connect(config.athena_config())
        .await
        .map_err(|e| e.to_string())?;
    super::athena_table::create_database(&athena, &table)
        .await
        .map_err(|e| e.to_string())?;
    let manifest = match Manifest::read_at(&config.lake, &config.s3).await {
        Ok(m) => Some(m),
        Err(lake::LakeError::NoLake { .. }) => None,
        Err(e) => return Err(e.to_string()),
    };
    if let Some(m) = &manifest {
        // An update may follow a change of the lake's columns: the definition is replaced.
        super::athena_table::define(&athena, &table, &m.contract, true)
            .await
            .map_err(|e| e.to_string())?;
    }
    for (name, sql) in crate::cli::athena_ddl::named_queries(config).map_err(|e| e.to_string())? {
        athena
            .create_named_query(
                &format!("dynamo-lake {name}"),
                &format!("dynamo-lake built-in report {name}; ? are its parameters"),
                &sql,
            )
            .await
            .map_err(|e| e.to_string())?;
    }
    Ok(match manifest {
        Some(_) => format!(
            "created {}.{} and the named queries",
            table.database, table.table
        ),
        None => format!(
            "created {} and the named queries; the lake has no data yet, so the first export creates the table",
            table.database
        ),
    })
}

/// PUTs the response to the presigned URL: an empty Content-Type (the URL was signed without
/// one), the body cut to CloudFormation's limit.
async fn answer(
    url: &str,
    response: &CloudFormationCustomResourceResponse,
) -> Result<(), Diagnostic> {
    let mut body = serde_json::to_vec(response)
        .map_err(|e| diagnostic("Internal", format!("cannot encode the answer: {e}")))?;
    if body.len() > MAX_BODY {
        let mut shorter = response.clone();
        shorter.reason = shorter.reason.map(|r| cut(&r, 200));
        shorter.data.clear();
        body = serde_json::to_vec(&shorter)
            .map_err(|e| diagnostic("Internal", format!("cannot encode the answer: {e}")))?;
    }
    let sent = reqwest::Client::new()
        .put(url)
        .header(reqwest::header::CONTENT_TYPE, "")
        .body(body)
        .timeout(Duration::from_secs(10))
        .send()
        .await
        .map_err(|e| diagnostic("Retryable", format!("cannot answer CloudFormation: {e}")))?;
    if !sent.status().is_success() {
        return Err(diagnostic(
            "Retryable",
            format!("CloudFormation's ResponseURL answered {}", sent.status()),
        ));
    }
    Ok(())
}

fn cut(text: &str, max_chars: usize) -> String {
    match text.char_indices().nth(max_chars) {
        Some((i, _)) => format!("{}…", &text[..i]),
        None => text.to_string(),
    }
}

/// Time until the invocation's deadline.
fn time_left(context: &Context) -> Duration {
    let deadline = SystemTime::UNIX_EPOCH + Duration::from_millis(context.deadline);
    deadline
        .duration_since(SystemTime::now())
        .unwrap_or(Duration::ZERO)
}
