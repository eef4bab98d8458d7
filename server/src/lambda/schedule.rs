//! The `export` entry: the EventBridge `Scheduled Event` and seed 001's on-demand invocation run one
//! export from DynamoDB into the lake, configured by the function's environment
//! (`DYNAMO_LAKE_EXPORT_TABLE`, `…_INDEX`, `…_PK_ATTR`, `…_PK_VALUE`, `…_SK_ATTR`, `…_DATE_FORMAT`,
//! `…_RANGE`, `…_LOOKBACK_HOURS`, `…_EXTRA_DATE_COLUMN`, `…_MODE`, and `DYNAMO_LAKE_LAKE`). An
//! on-demand payload `{}` runs the same configuration; `{"from": …, "to": …}` or
//! `{"range": …, "lookback_hours": …}` override its range. The answer is the export report.
//! Endpoints come from the SDK's standard variables (`AWS_ENDPOINT_URL_DYNAMODB`,
//! `AWS_ENDPOINT_URL_S3`, …), so the same binary runs against local stand-ins.

use std::sync::Arc;

use aws_lambda_events::event::eventbridge::EventBridgeEvent;
use chrono::{DateTime, Utc};
use lake::dynamo::DynamoConfig;
use lake::format::dates::DateFormat;
use lake::ingest::export::{ExportSpec, ReadPlan, export_into};
use lake::ingest::range::{RangeMode, TimeRange, parse_bound};
use lake::ingest::staging::Counters;
use lake::storage::{Lake, Location, S3Config, WriteMode};
use lambda_http::lambda_runtime::Diagnostic;
use serde_json::Value;

use super::{diagnostic, lake_diagnostic};

/// The export the function runs, from its environment.
#[derive(Debug, Clone)]
pub struct ExportSettings {
    /// The lake (`DYNAMO_LAKE_LAKE`).
    pub lake: Location,
    /// The spec with the configured range mode resolved at invocation time.
    pub spec: ExportSpec,
    /// `…_RANGE` (previous-day, previous-week, last-hours).
    pub range: String,
    /// `…_LOOKBACK_HOURS`.
    pub lookback_hours: Option<u32>,
    /// Athena, when it is the engine: its table follows the lake's contract.
    pub athena: Option<super::custom_resource::SetupSettings>,
}

/// Reads a variable; `None` when unset or empty.
fn var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

fn required(name: &str) -> anyhow::Result<String> {
    var(name).ok_or_else(|| anyhow::anyhow!("{name} is not set: the export function needs it"))
}

impl ExportSettings {
    /// Reads the settings from the environment, with errors that name the variable.
    pub fn from_env() -> anyhow::Result<ExportSettings> {
        let lake = Location::parse("DYNAMO_LAKE_LAKE", &required("DYNAMO_LAKE_LAKE")?)?;
        let plan = match var("DYNAMO_LAKE_EXPORT_INDEX") {
            Some(index) => ReadPlan::Query {
                index,
                pk_attr: required("DYNAMO_LAKE_EXPORT_PK_ATTR")?,
                pk_value: required("DYNAMO_LAKE_EXPORT_PK_VALUE")?,
            },
            None => ReadPlan::Scan { segments: 4 },
        };
        let date_format: DateFormat = var("DYNAMO_LAKE_EXPORT_DATE_FORMAT")
            .unwrap_or_else(|| "iso".into())
            .parse()
            .map_err(|e| anyhow::anyhow!("DYNAMO_LAKE_EXPORT_DATE_FORMAT: {e}"))?;
        let mode: WriteMode = var("DYNAMO_LAKE_EXPORT_MODE")
            .unwrap_or_else(|| "overwrite".into())
            .parse()
            .map_err(|e| anyhow::anyhow!("DYNAMO_LAKE_EXPORT_MODE: {e}"))?;
        let lookback_hours = var("DYNAMO_LAKE_EXPORT_LOOKBACK_HOURS")
            .map(|h| {
                h.parse::<u32>().map_err(|_| {
                    anyhow::anyhow!("DYNAMO_LAKE_EXPORT_LOOKBACK_HOURS {h:?} is not a whole number")
                })
            })
            .transpose()?;
        let range = var("DYNAMO_LAKE_EXPORT_RANGE").unwrap_or_else(|| "previous-day".into());
        // Checked now, so a wrong value fails the cold start, not the first schedule.
        RangeMode::parse(&range, lookback_hours)
            .map_err(|e| anyhow::anyhow!("DYNAMO_LAKE_EXPORT_RANGE: {e}"))?;
        Ok(ExportSettings {
            lake,
            spec: ExportSpec {
                table: required("DYNAMO_LAKE_EXPORT_TABLE")?,
                plan,
                sk_attr: required("DYNAMO_LAKE_EXPORT_SK_ATTR")?,
                date_format,
                range: TimeRange::ALL,
                extra_date_column: var("DYNAMO_LAKE_EXPORT_EXTRA_DATE_COLUMN"),
                mode,
                numbers: Default::default(),
                dry_run: false,
            },
            range,
            lookback_hours,
            athena: None,
        })
    }

    /// The spec for one invocation at `now`: the configured range, or the payload's override.
    pub fn spec_for(&self, payload: &Value, now: DateTime<Utc>) -> Result<ExportSpec, String> {
        let text = |k: &str| payload.get(k).and_then(Value::as_str);
        let range = match (text("from"), text("to")) {
            (Some(from), Some(to)) => TimeRange::new(
                parse_bound("from", from).map_err(|e| e.to_string())?,
                parse_bound("to", to).map_err(|e| e.to_string())?,
            )
            .map_err(|e| e.to_string())?,
            (None, None) => {
                let mode = text("range").unwrap_or(&self.range);
                let hours = payload
                    .get("lookback_hours")
                    .and_then(Value::as_u64)
                    .map(|h| u32::try_from(h).unwrap_or(u32::MAX))
                    .or(self.lookback_hours);
                RangeMode::parse(mode, hours)
                    .map_err(|e| e.to_string())?
                    .resolve(now)
            }
            _ => return Err("give both \"from\" and \"to\", or neither".into()),
        };
        Ok(ExportSpec {
            range,
            ..self.spec.clone()
        })
    }
}

/// What an invocation of the export entry is.
pub enum ExportInvocation {
    /// EventBridge's `Scheduled Event`: the configured range at the event's time.
    Scheduled(Box<EventBridgeEvent>),
    /// A direct invocation: `{}` or a range override.
    OnDemand(Value),
}

impl ExportInvocation {
    /// Classifies a payload for the export entry.
    pub fn classify(payload: Value) -> Result<ExportInvocation, Diagnostic> {
        if payload.get("detail-type").is_some() {
            let event: EventBridgeEvent = serde_json::from_value(payload).map_err(|e| {
                diagnostic("InvalidEvent", format!("not an EventBridge event: {e}"))
            })?;
            if event.detail_type != "Scheduled Event" {
                return Err(diagnostic(
                    "InvalidEvent",
                    format!(
                        "the export function answers EventBridge \"Scheduled Event\"s; it got {:?} from {:?}",
                        event.detail_type, event.source
                    ),
                ));
            }
            return Ok(ExportInvocation::Scheduled(Box::new(event)));
        }
        match payload {
            Value::Object(_) => Ok(ExportInvocation::OnDemand(payload)),
            other => Err(diagnostic(
                "InvalidEvent",
                format!(
                    "the export function takes a Scheduled Event or a JSON object like {{}} or {{\"from\": \"2026-01-01\", \"to\": \"2026-01-02\"}}; it got {other}"
                ),
            )),
        }
    }
}

/// Runs one export and answers its report.
pub async fn handle(settings: &ExportSettings, payload: Value) -> Result<Value, Diagnostic> {
    let (spec, what) = match ExportInvocation::classify(payload)? {
        ExportInvocation::Scheduled(event) => {
            let at = event.time.unwrap_or_else(Utc::now);
            let spec = settings
                .spec_for(&Value::Object(Default::default()), at)
                .map_err(|e| diagnostic(lake::error::ErrorClass::BadInput.as_str(), e))?;
            (spec, "scheduled export")
        }
        ExportInvocation::OnDemand(payload) => {
            let spec = settings
                .spec_for(&payload, Utc::now())
                .map_err(|e| diagnostic(lake::error::ErrorClass::BadInput.as_str(), e))?;
            (spec, "on-demand export")
        }
    };
    let dynamo = DynamoConfig::default();
    let s3 = S3Config {
        endpoint_url: var("AWS_ENDPOINT_URL_S3").or_else(|| var("AWS_ENDPOINT_URL")),
        region: var("AWS_REGION"),
    };
    // The contract before the commit, only when an Athena table follows it.
    let before = match &settings.athena {
        Some(_) => lake::storage::Manifest::read_at(&settings.lake, &s3)
            .await
            .ok()
            .map(|m| m.contract),
        None => None,
    };
    let run = async {
        let lake = Lake::open(settings.lake.clone(), &s3).await?;
        let client = lake::dynamo::client(&dynamo).await;
        export_into(
            &client,
            &dynamo,
            &spec,
            &lake,
            Arc::new(Counters::default()),
        )
        .await
    };
    match run.await {
        Ok(report) => {
            tracing::info!(
                what,
                items = report.items_written,
                rejected = report.items_rejected,
                "export done"
            );
            let mut answer = serde_json::to_value(&report)
                .map_err(|e| diagnostic("Internal", format!("cannot encode the report: {e}")))?;
            if let (Some(athena), false) = (&settings.athena, report.dry_run) {
                // The export is done and committed whatever happens here: a failure is said in
                // the answer and the log, and the next export tries again.
                let synced = async {
                    let after = lake::storage::Manifest::read_at(&settings.lake, &s3).await?;
                    super::athena_table::after_export(
                        &athena.config,
                        athena.years,
                        before.as_ref(),
                        &after.contract,
                    )
                    .await
                };
                match synced.await {
                    Ok(Some(done)) => answer["athena_table"] = done.into(),
                    Ok(None) => {}
                    Err(e) => {
                        tracing::error!(error = %e, "the Athena table could not be updated");
                        answer["athena_table_error"] = e.public_message().into();
                    }
                }
            }
            Ok(answer)
        }
        Err(e) => Err(lake_diagnostic(&e, what)),
    }
}
