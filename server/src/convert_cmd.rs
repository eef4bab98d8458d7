//! `dynamo-lake convert`: an AWS native Export-to-S3 folder into the lake, without reading the table.

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::bail;
use clap::Args;
use lake::dates::DateFormat;
use lake::export::Counters;
use lake::native::ConvertSpec;
use lake::writer::WriteMode;

use crate::export_cmd::{local_lake, print_json, print_summary};

/// Arguments of `convert`.
#[derive(Debug, Args)]
#[command(after_help = "\
The source is what DynamoDB's Export to S3 wrote (DYNAMODB_JSON, full export): the folder AWSDynamoDB/<export-id> \
with manifest-summary.json, manifest-files.json and data/*.json.gz, or a folder holding AWSDynamoDB/ with one \
export. Every data file's item count and MD5 are checked against manifest-files.json before anything is written; \
a mismatch names the file and writes nothing. Incremental exports are refused.")]
pub struct ConvertArgs {
    /// The export folder (local; copy it down with `aws s3 sync` first).
    #[arg(long, value_name = "PATH")]
    pub source: String,
    /// The lake: a local folder (or file:///path).
    #[arg(long, value_name = "PATH")]
    pub lake: String,
    /// The attribute holding the date that picks the day partition.
    #[arg(long)]
    pub sk_attr: String,
    /// How that attribute stores dates: iso, epoch or human (see `export --help`).
    #[arg(long, default_value = "iso")]
    pub date_format: DateFormat,
    /// Add a YYYY-MM-DD column of this name, derived from the date.
    #[arg(long)]
    pub extra_date_column: Option<String>,
    /// overwrite (replace each partition written) or append (add timestamped files).
    #[arg(long, default_value = "overwrite")]
    pub mode: WriteMode,
    /// Data files read at once (default: one per core).
    #[arg(long)]
    pub threads: Option<usize>,
    /// Verify and report what would be written; write nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Print the summary as JSON on standard output.
    #[arg(long)]
    pub json: bool,
}

/// Runs `convert`.
pub async fn run(args: ConvertArgs) -> anyhow::Result<()> {
    if args.source.starts_with("s3://") {
        bail!(
            "--source {}: reading exports from S3 directly is not supported yet; copy the export folder down first",
            args.source
        );
    }
    let lake = local_lake(&args.lake)?;
    let spec = ConvertSpec {
        source: PathBuf::from(args.source.strip_prefix("file://").unwrap_or(&args.source)),
        sk_attr: args.sk_attr.clone(),
        date_format: args.date_format,
        extra_date_column: args.extra_date_column.clone(),
        mode: args.mode,
        dry_run: args.dry_run,
        threads: args.threads.unwrap_or_else(|| {
            std::thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(2)
        }),
    };
    eprintln!(
        "converting {} into {}",
        spec.source.display(),
        lake.display()
    );
    let lake_for_task = lake.clone();
    let report = tokio::task::spawn_blocking(move || {
        lake::native::convert(&spec, &lake_for_task, Arc::new(Counters::default()))
    })
    .await??;
    if args.json {
        print_json(&report)?;
    } else {
        print_summary(&report, &lake);
    }
    Ok(())
}
