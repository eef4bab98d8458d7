//! `dynamo-lake convert`: an AWS native Export-to-S3 folder into the lake, without reading the table.

use std::path::PathBuf;
use std::sync::Arc;

use clap::Args;
use lake::format::dates::DateFormat;
use lake::ingest::convert::ConvertSpec;
use lake::ingest::staging::Counters;
use lake::storage::Location;
use lake::storage::WriteMode;

use super::args::{RegionArgs, RunArgs, S3Args, ValueArgs, open_lake};
use super::summary::{exit_status, print_json, print_summary};

/// Arguments of `convert`.
#[derive(Debug, Args)]
#[command(after_help = "\
The source is what DynamoDB's Export to S3 wrote (DYNAMODB_JSON, full export): the folder AWSDynamoDB/<export-id> \
with manifest-summary.json, manifest-files.json and data/*.json.gz, or a folder holding AWSDynamoDB/ with one \
export. Every data file's item count and MD5 are checked against manifest-files.json before anything is written; \
a mismatch names the file and writes nothing. Incremental exports are refused.

Types: as for export (see `export --help`): an attribute seen with several types becomes a string column of each \
value's exact text; an item whose value the lake's column type cannot hold goes whole to the rejects file with \
its reason. Exit status: 0 done, 3 done with items in the rejects file (0 with --allow-rejects), 1 an error.")]
pub struct ConvertArgs {
    /// The export: a local folder or s3://bucket/prefix (data files are fetched one at a time).
    #[arg(long, value_name = "PATH|s3://…")]
    pub source: String,
    /// The lake: a local folder, file:///path or s3://bucket/prefix.
    #[arg(long, value_name = "PATH|s3://…")]
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
    /// How new columns type DynamoDB numbers, and what happens to rejected items.
    #[command(flatten)]
    pub values: ValueArgs,
    /// `--dry-run` (verify and report what would be written; write nothing) and `--json`.
    #[command(flatten)]
    pub run: RunArgs,
    /// The AWS region of the S3 buckets.
    #[command(flatten)]
    pub region: RegionArgs,
    /// Where S3 is.
    #[command(flatten)]
    pub s3: S3Args,
}

/// Runs `convert`.
pub async fn run(args: ConvertArgs) -> anyhow::Result<std::process::ExitCode> {
    let s3 = args.s3.config(args.region.region.clone());
    let source = Location::parse("--source", &args.source)?;
    let lake = open_lake("--lake", &args.lake, &s3).await?;
    let spec = ConvertSpec {
        source: PathBuf::new(),
        sk_attr: args.sk_attr.clone(),
        date_format: args.date_format,
        extra_date_column: args.extra_date_column.clone(),
        mode: args.mode,
        numbers: args.values.numbers,
        dry_run: args.run.dry_run,
        threads: args.threads.unwrap_or_else(|| {
            std::thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(2)
        }),
    };
    eprintln!("converting {source} into {}", lake.location());
    let report = lake::ingest::convert::convert_into(
        spec,
        &source,
        &s3,
        &lake,
        Arc::new(Counters::default()),
    )
    .await?;
    if args.run.json {
        print_json(&report)?;
    } else {
        print_summary(&report, lake.location());
    }
    Ok(exit_status(&report, &args.values))
}
