//! `dynamo-lake query`: run a built-in report (or guarded custom SQL) and print the rows.

use anyhow::Context;
use clap::Args;
use lake::query::reports::ReportRequest;
use lake::query::service::QueryService;

use super::args::QueryArgs;

/// Arguments of `query`.
#[derive(Debug, Args)]
#[command(after_help = "\
Reports: all_records, by_date_range (--param start=YYYY-MM-DD --param end=YYYY-MM-DD), by_agent (--param agent=NAME), \
by_contact_id (--param contact_id=ID), daily_by_agent and daily_by_channel (start, end), custom (--param sql='SELECT …'). \
Values are passed to the engine as parameters, never pasted into the SQL. Custom SQL must be one SELECT on the lake's \
table; a LIMIT is added or capped at --max-rows.")]
pub struct QueryCmdArgs {
    /// The report to run.
    #[arg(long)]
    pub report: String,
    /// A report parameter, NAME=VALUE (repeatable).
    #[arg(long = "param", value_name = "NAME=VALUE")]
    pub params: Vec<String>,
    /// Rows at most.
    #[arg(long)]
    pub limit: Option<u64>,
    /// Print CSV instead of JSON.
    #[arg(long)]
    pub csv: bool,
    /// The lake and the engine.
    #[command(flatten)]
    pub query: QueryArgs,
}

/// Runs `query`.
pub async fn run(args: QueryCmdArgs) -> anyhow::Result<()> {
    let mut body = serde_json::Map::new();
    body.insert("query".into(), args.report.clone().into());
    for p in &args.params {
        let (k, v) = p
            .split_once('=')
            .with_context(|| format!("--param {p:?}: expected NAME=VALUE"))?;
        body.insert(k.to_string(), v.into());
    }
    if let Some(l) = args.limit {
        body.insert("limit".into(), l.into());
    }
    let request = ReportRequest::from_json(serde_json::Value::Object(body))?;
    let service = QueryService::open(&args.query.config()?).await?;
    let page = service.run(&request).await?;
    if args.csv {
        let stored = lake::query::results::StoredResult {
            columns: page.columns,
            rows: page.rows,
            bytes_scanned: page.bytes_scanned,
        };
        print!("{}", lake::query::results::to_csv(&stored));
    } else {
        println!(
            "{}",
            serde_json::to_string_pretty(&serde_json::json!({
                "report": request.name(),
                "columns": page.columns,
                "rows": page.rows,
                "count": page.rows.len(),
                "bytesScanned": page.bytes_scanned,
            }))?
        );
    }
    Ok(())
}
