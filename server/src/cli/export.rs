//! `dynamo-lake export`: its arguments, progress on a terminal, and the run.

use std::io::IsTerminal;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use anyhow::Context;
use clap::Args;
use lake::format::dates::DateFormat;
use lake::ingest::export::{ExportSpec, ReadPlan};
use lake::ingest::range::{RangeMode, TimeRange, parse_bound};
use lake::ingest::staging::Counters;
use lake::storage::WriteMode;

use super::args::{DynamoArgs, RunArgs, S3Args, ValueArgs, open_lake};
use super::summary::{exit_status, print_json, print_summary};

/// Arguments of `export`.
#[derive(Debug, Args)]
#[command(after_help = "\
Dates: --date-format iso reads 2026-01-31T08:15:00Z (offset and fraction optional; no offset = UTC) or 2026-01-31; \
epoch reads Unix seconds or milliseconds (Number or numeric String); human reads dd.mm.yyyy, dd.mm.yyyy hh:mm[:ss], \
yyyy-mm-dd hh:mm[:ss] and yyyy/mm/dd [hh:mm[:ss]], all UTC.

Range: [--from, --to) in UTC: --from is included, --to is not. A date alone means its midnight UTC. \
previous-day is yesterday (UTC), previous-week the 7 days before today, last-hours the last --lookback-hours.

Types: one contract per lake. An attribute this run sees with several DynamoDB types becomes a string column \
holding each value's text (numbers exactly as DynamoDB wrote them, booleans as true/false). Once the lake has a \
column, an item whose value does not fit its type goes whole to LAKE/_dynamo_lake/rejected-<run>.jsonl with \
the reason, never a NULL. Exit status: 0 done, 3 done with items in the rejects file (0 with --allow-rejects), \
1 an error stopped the run.

Output: LAKE/year=YYYY/month=MM/day=DD/data.parquet (overwrite: replaced, the same input gives the same file) or \
data-<run>.parquet (append), then LAKE/_dynamo_lake/manifest.json, written last. An s3://bucket/prefix lake is \
written in a local work folder, then each file is uploaded whole (one PUT, or a multipart upload completed only \
when every part is in), replaced files are removed, and the manifest goes last.")]
pub struct ExportArgs {
    /// The table.
    #[arg(long)]
    pub table: String,
    /// Global secondary index to query; without it the whole table is scanned.
    #[arg(long, requires_all = ["pk_attr", "pk_value"])]
    pub index: Option<String>,
    /// The index's partition-key attribute.
    #[arg(long, requires = "index")]
    pub pk_attr: Option<String>,
    /// The partition-key value to export.
    #[arg(long, requires = "index")]
    pub pk_value: Option<String>,
    /// The attribute holding the date that picks the day partition (the index's sort key).
    #[arg(long)]
    pub sk_attr: String,
    /// How the date attribute is stored: iso, epoch or human (see below).
    #[arg(long, default_value = "iso")]
    pub date_format: DateFormat,
    /// A scheduled range: previous-day, previous-week or last-hours.
    #[arg(long, conflicts_with_all = ["from", "to"], required_unless_present = "from")]
    pub range: Option<String>,
    /// Hours to look back with --range last-hours.
    #[arg(long)]
    pub lookback_hours: Option<u32>,
    /// Start of the range (UTC, included): YYYY-MM-DD or an ISO 8601 time.
    #[arg(long, requires = "to")]
    pub from: Option<String>,
    /// End of the range (UTC, excluded): YYYY-MM-DD or an ISO 8601 time.
    #[arg(long, requires = "from")]
    pub to: Option<String>,
    /// Add a YYYY-MM-DD column of this name, derived from the date (e.g. report_date).
    #[arg(long)]
    pub extra_date_column: Option<String>,
    /// overwrite (replace each partition written; idempotent) or append (add timestamped files).
    #[arg(long, default_value = "overwrite")]
    pub mode: WriteMode,
    /// The lake: a local folder, file:///path or s3://bucket/prefix.
    #[arg(long, value_name = "PATH|s3://…")]
    pub lake: String,
    /// Parallel scan segments (scans only).
    #[arg(long, default_value_t = 1, conflicts_with = "index")]
    pub parallel: u32,
    /// How new columns type DynamoDB numbers, and what happens to rejected items.
    #[command(flatten)]
    pub values: ValueArgs,
    /// `--dry-run` and `--json`.
    #[command(flatten)]
    pub run: RunArgs,
    /// Where DynamoDB is.
    #[command(flatten)]
    pub dynamo: DynamoArgs,
    /// Where S3 is.
    #[command(flatten)]
    pub s3: S3Args,
}

impl ExportArgs {
    /// The time range the flags ask for, at `now`.
    pub fn time_range(&self, now: chrono::DateTime<chrono::Utc>) -> anyhow::Result<TimeRange> {
        if let (Some(from), Some(to)) = (&self.from, &self.to) {
            return Ok(TimeRange::new(
                parse_bound("--from", from)?,
                parse_bound("--to", to)?,
            )?);
        }
        let mode = self
            .range
            .as_deref()
            .context("give --range or --from/--to")?;
        Ok(RangeMode::parse(mode, self.lookback_hours)?.resolve(now))
    }

    /// The pipeline's export spec.
    pub fn spec(&self, now: chrono::DateTime<chrono::Utc>) -> anyhow::Result<ExportSpec> {
        let plan = match (&self.index, &self.pk_attr, &self.pk_value) {
            (Some(index), Some(pk_attr), Some(pk_value)) => ReadPlan::Query {
                index: index.clone(),
                pk_attr: pk_attr.clone(),
                pk_value: pk_value.clone(),
            },
            _ => ReadPlan::Scan {
                segments: self.parallel.max(1),
            },
        };
        Ok(ExportSpec {
            table: self.table.clone(),
            plan,
            sk_attr: self.sk_attr.clone(),
            date_format: self.date_format,
            range: self.time_range(now)?,
            extra_date_column: self.extra_date_column.clone(),
            mode: self.mode,
            numbers: self.values.numbers,
            dry_run: self.run.dry_run,
        })
    }
}

/// Runs `export`.
pub async fn run(args: ExportArgs) -> anyhow::Result<ExitCode> {
    let spec = args.spec(chrono::Utc::now())?;
    let cfg = args.dynamo.config();
    let lake = open_lake("--lake", &args.lake, &args.s3.config(cfg.region.clone())).await?;
    let client = lake::dynamo::client(&cfg).await;
    let counters = Arc::new(Counters::default());
    let ticker = std::io::stderr()
        .is_terminal()
        .then(|| tokio::spawn(progress(counters.clone())));
    eprintln!(
        "exporting {} {} into {}",
        args.table,
        spec.range,
        lake.location()
    );
    let result = lake::ingest::export::export_into(&client, &cfg, &spec, &lake, counters).await;
    if let Some(t) = ticker {
        t.abort();
        eprint!("\r\x1b[K");
    }
    let report = result?;
    if args.run.json {
        print_json(&report)?;
    } else {
        print_summary(&report, lake.location());
    }
    Ok(exit_status(&report, &args.values))
}

async fn progress(counters: Arc<Counters>) {
    let started = std::time::Instant::now();
    loop {
        tokio::time::sleep(Duration::from_millis(500)).await;
        let (read, kept, written) = (
            counters.read.load(Ordering::Relaxed),
            counters.kept.load(Ordering::Relaxed),
            counters.written.load(Ordering::Relaxed),
        );
        let rate = read as f64 / started.elapsed().as_secs_f64().max(0.001);
        eprint!("\r\x1b[K  read {read} items ({kept} in range, {rate:.0}/s) · written {written}");
    }
}
