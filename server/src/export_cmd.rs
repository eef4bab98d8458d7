//! `dynamo-lake export`: arguments, progress on a terminal, and the summary (text or `--json`).

use std::io::IsTerminal;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use anyhow::Context;
use clap::Args;
use lake::dynamo::DynamoConfig;
use lake::format::contract::NumberMode;
use lake::format::dates::DateFormat;
use lake::ingest::export::{ExportSpec, ReadPlan};
use lake::ingest::range::{RangeMode, TimeRange, parse_bound};
use lake::ingest::staging::{Counters, ExportReport};
use lake::storage::WriteMode;
use lake::storage::{Lake, Location, S3Config};

/// Where DynamoDB is.
#[derive(Debug, Clone, Args)]
pub struct DynamoArgs {
    /// DynamoDB endpoint, e.g. http://127.0.0.1:8000 for a local DynamoDB (which always gets fake
    /// credentials). Without it: AWS, with the usual credential chain (environment, profile, SSO, role).
    #[arg(long, env = "DYNAMO_LAKE_ENDPOINT_URL")]
    pub endpoint_url: Option<String>,
    /// AWS region (default: from the environment or profile).
    #[arg(long, env = "AWS_REGION")]
    pub region: Option<String>,
}

impl DynamoArgs {
    /// The pipeline's view of these flags.
    pub fn config(&self) -> DynamoConfig {
        DynamoConfig {
            endpoint_url: self.endpoint_url.clone(),
            region: self.region.clone(),
        }
    }
}

/// Where S3 is, for `s3://` locations.
#[derive(Debug, Clone, Args)]
pub struct S3Args {
    /// S3 endpoint for s3:// locations, e.g. http://127.0.0.1:9000 for a local S3-compatible
    /// server (which always gets fake credentials). Without it: AWS S3.
    #[arg(long, env = "AWS_ENDPOINT_URL_S3", value_name = "URL")]
    pub s3_endpoint_url: Option<String>,
}

impl S3Args {
    /// The pipeline's view of these flags, in `region`.
    pub fn config(&self, region: Option<String>) -> S3Config {
        S3Config {
            endpoint_url: self.s3_endpoint_url.clone(),
            region,
        }
    }
}

/// Parses a location flag and opens it for writing.
pub async fn open_lake(flag: &str, value: &str, s3: &S3Config) -> anyhow::Result<Lake> {
    Ok(Lake::open(Location::parse(flag, value)?, s3).await?)
}

/// How values are typed and what a run with rejected items reports, shared by every pipeline
/// command.
#[derive(Debug, Clone, Args)]
pub struct ValueArgs {
    /// How new columns type DynamoDB numbers: double (every number a DOUBLE; numbers a double
    /// cannot hold exactly are named in the summary) or exact (integral attributes that fit become
    /// BIGINT, the rest DECIMAL(38, s); a column's type never changes once the lake has it).
    #[arg(long, default_value = "double", value_name = "double|exact")]
    pub numbers: NumberMode,
    /// Exit 0 even when some items went to the rejects file (default: exit 3).
    #[arg(long)]
    pub allow_rejects: bool,
}

/// The exit status of a pipeline run that finished: 0, or 3 when items went to the rejects file
/// (unless `--allow-rejects`). An error that stopped the run exits 1.
pub fn exit_status(report: &ExportReport, values: &ValueArgs) -> ExitCode {
    if report.items_rejected > 0 && !values.allow_rejects {
        ExitCode::from(REJECTS_EXIT)
    } else {
        ExitCode::SUCCESS
    }
}

/// The exit status of a run that finished with items in the rejects file.
pub const REJECTS_EXIT: u8 = 3;

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
    /// Read and report what would be written; write nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Print the summary as JSON on standard output.
    #[arg(long)]
    pub json: bool,
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
            dry_run: self.dry_run,
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
    if args.json {
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

/// The process's peak resident memory (VmHWM) in bytes, where /proc tells it.
pub fn peak_rss_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

/// Prints a report as JSON, with the rate and the peak memory of this process.
pub fn print_json(report: &ExportReport) -> anyhow::Result<()> {
    let mut value = serde_json::to_value(report)?;
    value["items_per_second"] =
        serde_json::json!((report.items_read as f64 / report.seconds.max(1e-9)).round());
    value["peak_rss_bytes"] = serde_json::json!(peak_rss_bytes());
    println!("{}", serde_json::to_string_pretty(&value)?);
    Ok(())
}

/// Prints an export report for people.
pub fn print_summary(r: &ExportReport, lake: &Location) {
    let verb = if r.dry_run { "would write" } else { "wrote" };
    println!(
        "{verb} {} items in {} day partitions ({} read, {} outside the range, {} rejected) in {:.1}s",
        r.items_written,
        r.partitions.len(),
        r.items_read,
        r.items_outside_range,
        r.items_rejected,
        r.seconds
    );
    if r.dry_run {
        for (day, n) in &r.partitions {
            println!(
                "  {day}: {n} items → {}/{}",
                lake.to_string().trim_end_matches('/'),
                lake::storage::layout::partition_path(day.parse().unwrap_or_default())
            );
        }
    }
    for (attr, n) in &r.type_conflicts {
        println!(
            "  rejected: {n} items whose {attr:?} does not fit the lake's column type (kept whole in the rejects file)"
        );
    }
    for (attr, kinds) in &r.mixed_types {
        println!(
            "  note: {attr:?} holds {} values: stored as a string column with each value's exact text",
            kinds.join(", ")
        );
    }
    for (attr, n) in &r.inexact_numbers {
        println!(
            "  warning: {n} numbers of {attr:?} cannot be held exactly by a DOUBLE (rounded); --numbers exact keeps them exact"
        );
    }
    if let Some(f) = &r.rejected_file {
        println!(
            "  {} rejected items (each with its reason) saved in {}",
            r.items_rejected,
            f.display()
        );
    }
    for note in &r.notes {
        println!("  note: {note}");
    }
}
