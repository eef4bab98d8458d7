//! A direct invocation (`aws lambda invoke`, Step Functions, another function): a report request
//! in (`{"query": "all_records", "limit": 10}`, the body of `POST /api/query`), its rows out as
//! `{report, columns, rows, count, bytesScanned}`, through the same query service as the API.

use lambda_http::lambda_runtime::Diagnostic;
use serde_json::{Value, json};

use super::{diagnostic, lake_diagnostic};
use crate::http::AppState;

/// A direct invocation: a report request in, `{report, columns, rows, count}` out.
pub async fn report(state: &AppState, payload: Value) -> Result<Value, Diagnostic> {
    if payload.get("query").is_none() {
        let shape = match &payload {
            Value::Object(m) if m.contains_key("detail-type") => "an EventBridge event".to_string(),
            Value::Object(m) if m.contains_key("Records") => "an S3/SQS/SNS event".to_string(),
            Value::Object(m) => format!(
                "an object with keys {:?}",
                m.keys().take(8).collect::<Vec<_>>()
            ),
            other => format!("a JSON {}", json_kind(other)),
        };
        return Err(diagnostic(
            lake::error::ErrorClass::BadInput.as_str(),
            format!(
                "this function answers Function URL requests and report requests like {{\"query\": \"all_records\", \"limit\": 10}}; it got {shape}"
            ),
        ));
    }
    let request = lake::query::reports::ReportRequest::from_json(payload)
        .map_err(|e| lake_diagnostic(&e, "report request"))?;
    let service =
        (state.dashboard.query.service().await).map_err(|e| lake_diagnostic(&e, request.name()))?;
    let page = (service.run(&request).await).map_err(|e| lake_diagnostic(&e, request.name()))?;
    let answer = json!({
        "report": request.name(),
        "columns": page.columns,
        "rows": page.rows,
        "count": page.rows.len(),
        "bytesScanned": page.bytes_scanned,
    });
    let size = serde_json::to_vec(&answer).map_or(usize::MAX, |b| b.len());
    if size > super::MAX_RESPONSE_BYTES {
        return Err(diagnostic(
            lake::error::ErrorClass::BadInput.as_str(),
            format!(
                "the {} result is {size} bytes as JSON ({} rows), more than a Lambda answer may be (6 MB): lower \"limit\", or start it with POST /api/query on the Function URL and read it in pages from /api/results",
                request.name(),
                page.rows.len()
            ),
        ));
    }
    Ok(answer)
}

fn json_kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}
