//! `dynamo-lake import`: CSV, JSON lines or DynamoDB JSON files — local, one S3 object, or every
//! object under an S3 prefix — streamed into a DynamoDB table, with a progress bar on a terminal,
//! a summary (`--json` for scripts) and the exit status 0 (every row imported), 3 (some rows in
//! the rejects file) or 1 (an error stopped the run).

use std::io::IsTerminal;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use clap::{Args, ValueEnum};
use lake::ingest::import::mapping::{Mapping, split_pairs};
use lake::ingest::import::rejects::RejectsTarget;
use lake::ingest::import::rows::Format;
use lake::ingest::import::{Clients, ImportProgress, ImportReport, ImportSpec, rejects_file_name};

use super::args::{DynamoArgs, RunArgs, S3Args};
use super::summary::REJECTS_EXIT;

/// How a run reports metrics.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum MetricsArg {
    /// CloudWatch Embedded Metric Format lines on standard output (what the Lambda prints).
    Emf,
}

/// Arguments of `import`.
#[derive(Debug, Args)]
#[command(after_help = "\
Sources: a file; a folder (every file in name order, dotfiles and *.rejects.jsonl skipped); s3://bucket/key (one \
object); s3://bucket/prefix (every object whose key starts with it, in key order, as Redshift UNLOAD writes \
…_000.gz, …_001.gz); a native Export-to-S3 folder (AWSDynamoDB/<id>/, its data files checked against \
manifest-files.json before anything is written). Gzip is recognised by its magic bytes; the format by --format, \
else the extension (.csv, .tsv, .jsonl, .ndjson), else the content. CSV is RFC 4180 with a header row (quoted \
fields may hold the delimiter, quotes and newlines), UTF-8 with or without a BOM.

Mapping: each CSV column (or JSON attribute) becomes an attribute of the same name. Values are trimmed and empty \
ones omitted (--keep-empty keeps them as empty strings). --type ATTR=N|S|BOOL|SS|NS|JSON types a column (default S; \
key attributes take the table's key types); a value that does not parse as its type rejects the row. \
--fallback ATTR=TEMPLATE fills a missing attribute from other columns: {col}, {col:start:length} (characters), \
{now}; seed 002's sharded sentinel is --fallback 'vup_id=UNRESOLVED#{hem:0:2}'. --default ATTR=TEMPLATE fills a \
missing attribute after the fallbacks (--default 'updated_at={now}', UTC ISO 8601 with Z). A row without the \
table's keys after mapping is rejected.

Writes: BatchWriteItem, 25 items a request; a later row for a key already in the batch replaces it (counted as \
deduplicated); with --concurrency requests in flight a later row for a key still lands after an earlier one. \
UnprocessedItems and throttling are retried with exponential backoff and full jitter.

Rejects: every row that is not imported is a JSON line {\"source\", \"line\", \"reason\", \"row\"} in the rejects file \
(default: ./<table>-import-<time>.rejects.jsonl, created only when a row is rejected); reasons never quote values \
and the log never holds row values.

Exit status: 0 every row imported, 3 some rows rejected (statusCode 207), 1 an error stopped the run.")]
pub struct ImportArgs {
    /// What to import: PATH, s3://bucket/key or s3://bucket/prefix.
    #[arg(long, value_name = "PATH|s3://…")]
    pub source: String,
    /// The table to write (its key schema is read with DescribeTable).
    #[arg(long)]
    pub table: String,
    /// The format, when the name does not say: csv, jsonl or dynamodb-json.
    #[arg(long)]
    pub format: Option<Format>,
    /// The CSV delimiter: one character, or `tab` (default: a tab for .tsv files, else a comma).
    #[arg(long, value_parser = parse_delimiter)]
    pub delimiter: Option<u8>,
    /// The type of a column: ATTR=N|S|BOOL|SS|NS|JSON (repeat, or comma-separate).
    #[arg(long = "type", value_name = "ATTR=TYPE")]
    pub types: Vec<String>,
    /// A value for a missing attribute, after fallbacks: ATTR=TEMPLATE ({now}, {col}).
    #[arg(long = "default", value_name = "ATTR=TEMPLATE")]
    pub defaults: Vec<String>,
    /// A value for a missing attribute built from other columns: ATTR=TEMPLATE.
    #[arg(long = "fallback", value_name = "ATTR=TEMPLATE")]
    pub fallbacks: Vec<String>,
    /// Keep empty values (as empty strings) instead of omitting them.
    #[arg(long)]
    pub keep_empty: bool,
    /// BatchWriteItem requests in flight.
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u16).range(1..=64))]
    pub concurrency: u16,
    /// Items a second at most (default: as fast as the table takes them).
    #[arg(long, value_name = "ITEMS/S")]
    pub rate: Option<f64>,
    /// Where rejected rows go: a file, a folder, s3://bucket/key or s3://bucket/prefix/.
    #[arg(long, value_name = "PATH|s3://…")]
    pub rejects: Option<String>,
    /// Print CloudWatch Embedded Metric Format lines at the end (on standard output, so not
    /// with --json).
    #[arg(long, value_enum, conflicts_with = "json")]
    pub metrics: Option<MetricsArg>,
    /// `--dry-run` (parse, map and validate everything, write nothing to the table; rejects are
    /// still written) and `--json`.
    #[command(flatten)]
    pub run: RunArgs,
    /// Where DynamoDB is.
    #[command(flatten)]
    pub dynamo: DynamoArgs,
    /// Where S3 is.
    #[command(flatten)]
    pub s3: S3Args,
}

fn parse_delimiter(s: &str) -> Result<u8, String> {
    match s {
        "tab" | "\\t" | "\t" => Ok(b'\t'),
        _ if s.len() == 1 && s.is_ascii() => Ok(s.as_bytes()[0]),
        _ => Err(format!(
            "{s:?}: the delimiter is one ASCII character (or `tab`)"
        )),
    }
}

/// Splits repeated and comma-separated `ATTR=…` flags.
pub fn pairs(values: &[String]) -> Vec<String> {
    values.iter().flat_map(|v| split_pairs(v)).collect()
}

/// Runs `import`.
pub async fn run(args: ImportArgs) -> anyhow::Result<ExitCode> {
    let started = chrono::Utc::now();
    let mapping = Mapping::from_flags(
        &pairs(&args.types),
        &pairs(&args.defaults),
        &pairs(&args.fallbacks),
        args.keep_empty,
    )?;
    let file_name = rejects_file_name(&args.table, started);
    let rejects = match &args.rejects {
        Some(r) => RejectsTarget::parse(r, &file_name)?,
        None => RejectsTarget::Local(file_name.into()),
    };
    if let Some(rate) = args.rate
        && !(rate > 0.0 && rate.is_finite())
    {
        anyhow::bail!("--rate {rate}: give a number of items a second above 0");
    }
    let spec = ImportSpec {
        source: args.source.clone(),
        table: args.table.clone(),
        format: args.format,
        delimiter: args.delimiter,
        mapping,
        concurrency: usize::from(args.concurrency),
        rate: args.rate,
        rejects,
        dry_run: args.run.dry_run,
        deadline: None,
    };
    let dynamo = args.dynamo.config();
    let clients = Clients::connect(&dynamo, &args.s3.config(dynamo.region.clone())).await;
    let progress = Arc::new(ImportProgress::default());
    let bar = std::io::stderr()
        .is_terminal()
        .then(|| tokio::spawn(progress_bar(progress.clone())));
    eprintln!(
        "{} {} into table {}",
        if spec.dry_run {
            "checking"
        } else {
            "importing"
        },
        spec.source,
        spec.table
    );
    let result = lake::ingest::import::import(&spec, &clients, progress).await;
    if let Some(bar) = bar {
        bar.abort();
        eprint!("\r\x1b[K");
    }
    let report = result?;
    if args.metrics == Some(MetricsArg::Emf) {
        for line in lake::ingest::import::metrics::emf_lines(&report, started.timestamp_millis()) {
            println!("{line}");
        }
    }
    if args.run.json {
        let mut value = serde_json::to_value(&report)?;
        value["rows_per_second"] =
            serde_json::json!((report.rows as f64 / report.seconds.max(1e-9)).round());
        value["peak_rss_bytes"] = serde_json::json!(super::summary::peak_rss_bytes());
        println!("{}", serde_json::to_string_pretty(&value)?);
    } else {
        print_summary(&report);
    }
    Ok(exit_status(&report))
}

/// 0 for 200, [`REJECTS_EXIT`] for 207.
pub fn exit_status(report: &ImportReport) -> ExitCode {
    if report.status_code == 200 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(REJECTS_EXIT)
    }
}

fn print_summary(r: &ImportReport) {
    let verb = if r.dry_run {
        "would import"
    } else {
        "imported"
    };
    println!(
        "{verb} {} rows into table {} ({} failed, {} replaced by a later row with the same key) from {} source(s) in {:.1} s ({:.0} rows/s)",
        r.items_processed,
        r.table,
        r.items_failed,
        r.items_deduplicated,
        r.sources.len(),
        r.seconds,
        r.rows as f64 / r.seconds.max(1e-9)
    );
    if let Some(export) = &r.native_export {
        println!("  native export {export}: every data file matched its manifest");
    }
    if r.sources.len() > 1 {
        for s in &r.sources {
            println!(
                "  {}: {} rows, {} failed, {} deduplicated",
                s.source, s.rows, s.items_failed, s.items_deduplicated
            );
        }
    }
    if let Some(rejects) = &r.rejects {
        println!(
            "  {} rejected rows (each with its reason) in {rejects}",
            r.items_failed
        );
    }
}

async fn progress_bar(p: Arc<ImportProgress>) {
    use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
    let bar = ProgressBar::with_draw_target(
        Some(p.bytes_total.load(Ordering::Relaxed)),
        ProgressDrawTarget::stderr(),
    );
    if let Ok(style) = ProgressStyle::with_template(
        "{spinner} {elapsed_precise} [{wide_bar}] {bytes}/{total_bytes} · {msg} · ETA {eta}",
    ) {
        bar.set_style(style.progress_chars("=> "));
    }
    let started = std::time::Instant::now();
    loop {
        tokio::time::sleep(Duration::from_millis(200)).await;
        bar.set_length(p.bytes_total.load(Ordering::Relaxed));
        bar.set_position(p.bytes_read.load(Ordering::Relaxed));
        let rows = p.rows.load(Ordering::Relaxed);
        let rate = rows as f64 / started.elapsed().as_secs_f64().max(1e-3);
        bar.set_message(format!(
            "{rows} rows ({rate:.0}/s), {} rejected",
            p.failed.load(Ordering::Relaxed)
        ));
    }
}
