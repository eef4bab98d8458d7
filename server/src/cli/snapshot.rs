//! `dynamo-lake snapshot`: seed 000's monthly snapshot of a table.

use clap::Args;
use lake::ingest::snapshot::{SnapshotReport, SnapshotSpec, snapshot_dir};

use super::args::{DynamoArgs, RunArgs, S3Args, open_lake};

/// Arguments of `snapshot`.
#[derive(Debug, Args)]
#[command(after_help = "\
Writes DEST/PREFIX/NAME/year=YYYY/month=MM/snapshot_at=YYYY-MM-DDTHHMMSSZ/part-000.jsonl.gz (more parts for large \
months) and manifest.json (table, filter, item count, bytes and sha256 of each part, schema, start and finish \
times, tool version), written last. Each line is one item as plain JSON. Every run gets its own snapshot_at \
folder: nothing is overwritten.")]
pub struct SnapshotArgs {
    /// The table.
    #[arg(long)]
    pub table: String,
    /// The attribute holding YYYY-MM-DD dates to filter on.
    #[arg(long, default_value = "datum_iso")]
    pub filter_attr: String,
    /// Year of the month to snapshot.
    #[arg(long)]
    pub year: i32,
    /// Month to snapshot (1-12).
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=12))]
    pub month: u32,
    /// Destination root: a local folder, file:///path or s3://bucket[/prefix].
    #[arg(long, value_name = "PATH|s3://…")]
    pub dest: String,
    /// Prefix under the destination.
    #[arg(long, default_value = "exports")]
    pub prefix: String,
    /// Dataset name under the prefix (default: the table's name).
    #[arg(long)]
    pub name: Option<String>,
    /// Parallel scan segments.
    #[arg(long, default_value_t = 1)]
    pub parallel: u32,
    /// Items per part file.
    #[arg(long, default_value_t = 1_000_000)]
    pub part_items: u64,
    /// `--dry-run` (scan and report what would be written; write nothing) and `--json`.
    #[command(flatten)]
    pub run: RunArgs,
    /// Where DynamoDB is.
    #[command(flatten)]
    pub dynamo: DynamoArgs,
    /// Where S3 is.
    #[command(flatten)]
    pub s3: S3Args,
}

/// Runs `snapshot`.
pub async fn run(args: SnapshotArgs) -> anyhow::Result<()> {
    let cfg = args.dynamo.config();
    let dest = open_lake("--dest", &args.dest, &args.s3.config(cfg.region.clone())).await?;
    let spec = SnapshotSpec {
        table: args.table.clone(),
        filter_attr: args.filter_attr.clone(),
        year: args.year,
        month: args.month,
        dest: dest.work_dir().to_path_buf(),
        prefix: args.prefix.clone(),
        name: args.name.clone().unwrap_or_else(|| args.table.clone()),
        segments: args.parallel.max(1),
        part_items: args.part_items,
        dry_run: args.run.dry_run,
        at: chrono::Utc::now(),
    };
    let client = lake::dynamo::client(&cfg).await;
    eprintln!(
        "snapshot of {} for {:04}-{:02} (filter on {})",
        spec.table, spec.year, spec.month, spec.filter_attr
    );
    let report = lake::ingest::snapshot::snapshot_into(&client, &cfg, spec.clone(), &dest).await?;
    if args.run.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print_summary(&report, &spec, dest.location());
    }
    Ok(())
}

fn print_summary(r: &SnapshotReport, spec: &SnapshotSpec, dest: &lake::storage::Location) {
    if r.items == 0 && r.scanned > 0 {
        println!(
            "note: none of the {} items scanned has {:?} starting with {:04}-{:02}-: check --filter-attr (it must hold YYYY-MM-DD dates)",
            r.scanned, spec.filter_attr, spec.year, spec.month
        );
    }
    if r.dry_run {
        let folder = format!(
            "{}/{}",
            dest.to_string().trim_end_matches('/'),
            snapshot_dir(spec).display()
        );
        println!(
            "would write {} items (of {} scanned) to {folder}/part-000.jsonl.gz … and manifest.json",
            r.items, r.scanned
        );
        return;
    }
    println!(
        "wrote {} items (of {} scanned) in {} parts to {}",
        r.items,
        r.scanned,
        r.parts.len(),
        r.dir.display()
    );
    for p in &r.parts {
        println!(
            "  {}: {} items, {} bytes, sha256 {}",
            p.key, p.items, p.bytes, p.sha256
        );
    }
}
