//! The local demo's data: deterministic sample items, written into a local lake directly or
//! through a local DynamoDB and `export` (the `demo` command serves it; tests use it too).

use std::fs::{self, File};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use chrono::Duration;
use lake::format::dates::DateFormat;
use lake::format::infer::ContractBuilder;
use lake::format::item::{Item, item_to_line};
use lake::ingest::writer::{LakeWriter, WriteOptions, WriteSummary};
use lake::sample::{SORT_KEY_ATTR, SampleSpec, generate};
use lake::storage::layout::MANIFEST;

/// The derived date column the demo adds (seed 001's `ExtraDateColumn`).
pub const EXTRA_DATE_COLUMN: &str = "report_date";

/// Writes items as DynamoDB JSON lines to `out` (`-` = standard output).
pub fn write_items(out: &Path, items: &[Item]) -> anyhow::Result<()> {
    let sink: Box<dyn Write> = if out == Path::new("-") {
        Box::new(std::io::stdout().lock())
    } else {
        if let Some(parent) = out.parent().filter(|p| !p.as_os_str().is_empty()) {
            fs::create_dir_all(parent)
                .with_context(|| format!("cannot create {}", parent.display()))?;
        }
        Box::new(File::create(out).with_context(|| format!("cannot write {}", out.display()))?)
    };
    let mut w = BufWriter::new(sink);
    for item in items {
        writeln!(w, "{}", item_to_line(item))
            .with_context(|| format!("cannot write {}", out.display()))?;
    }
    w.flush()
        .with_context(|| format!("cannot write {}", out.display()))
}

/// Empties the demo's lake folder. An existing folder must be empty or a dynamo-lake lake: the
/// demo never deletes anything else.
fn prepare_lake_folder(lake: &Path) -> anyhow::Result<()> {
    if lake.exists() {
        let is_lake = lake.join(MANIFEST).exists();
        let empty = fs::read_dir(lake)
            .with_context(|| format!("cannot read {}", lake.display()))?
            .next()
            .is_none();
        if !is_lake && !empty {
            bail!(
                "{} exists and is not a dynamo-lake lake: choose an empty or new folder with --lake",
                lake.display()
            );
        }
        if is_lake {
            fs::remove_dir_all(lake)
                .with_context(|| format!("cannot replace the lake at {}", lake.display()))?;
        }
    }
    Ok(())
}

/// Replaces the lake at `lake` with `items`, written directly (no DynamoDB).
pub fn write_lake(lake: &Path, items: Vec<Item>) -> anyhow::Result<WriteSummary> {
    prepare_lake_folder(lake)?;
    let mut contract = ContractBuilder::default();
    items.iter().for_each(|i| contract.observe(i));
    let contract = contract.finish(Some(EXTRA_DATE_COLUMN))?;
    let mut writer = LakeWriter::create(
        lake,
        contract,
        WriteOptions::new(SORT_KEY_ATTR, DateFormat::Iso),
    )
    .with_context(|| format!("cannot write the lake at {}", lake.display()))?;
    for item in items {
        writer
            .write(item)
            .with_context(|| format!("cannot write the lake at {}", lake.display()))?;
    }
    writer
        .finish()
        .with_context(|| format!("cannot write the lake at {}", lake.display()))
}

/// Generates the sample and saves it as `DIR/sample.jsonl` (the browser tests read it there).
fn write_sample(dir: &Path, spec: &SampleSpec) -> anyhow::Result<Vec<Item>> {
    let items = generate(spec);
    let sample = dir.join("sample.jsonl");
    write_items(&sample, &items)?;
    println!(
        "sample data: {} items over {} days ending {} → {}",
        items.len(),
        spec.days,
        spec.end,
        sample.display()
    );
    Ok(items)
}

/// Prepares the demo's files and returns the lake's path.
pub fn prepare(dir: &Path, lake: Option<PathBuf>, spec: &SampleSpec) -> anyhow::Result<PathBuf> {
    let lake = lake.unwrap_or_else(|| dir.join("lake"));
    let items = write_sample(dir, spec)?;
    let summary = write_lake(&lake, items)?;
    println!(
        "lake: {} items in {} day partitions → {}",
        summary.items,
        summary.partitions,
        lake.display()
    );
    Ok(lake)
}

/// The demo table: keyed by contact and time, with the GSI the export queries.
pub const DEMO_TABLE: &str = "dynamo-lake-demo";
/// The demo table's GSI (partition `RecordType`, sort `InitiationTimestamp`).
pub const DEMO_INDEX: &str = "RecordType-InitiationTimestamp-index";

/// Prepares the demo through DynamoDB: sample items are loaded into the table at `cfg`, then
/// exported with the same code as `dynamo-lake export` (GSI query over the sample's days).
pub async fn prepare_via_dynamodb(
    dir: &Path,
    lake: Option<PathBuf>,
    spec: &SampleSpec,
    cfg: &lake::dynamo::DynamoConfig,
) -> anyhow::Result<PathBuf> {
    use aws_sdk_dynamodb::types::ScalarAttributeType as T;
    use lake::dynamo::{IndexSpec, TableSpec, batch_write, create_table};
    use lake::ingest::export::{ExportSpec, ReadPlan, export};
    use lake::ingest::range::TimeRange;
    use lake::ingest::staging::Counters;
    use lake::sample::{GSI_PK_ATTR, GSI_PK_VALUE};

    let lake = lake.unwrap_or_else(|| dir.join("lake"));
    prepare_lake_folder(&lake)?;
    let items = write_sample(dir, spec)?;

    let client = lake::dynamo::client(cfg).await;
    let table = TableSpec {
        name: DEMO_TABLE.into(),
        hash: ("ContactId".into(), T::S),
        range: Some((SORT_KEY_ATTR.into(), T::S)),
        indexes: vec![IndexSpec {
            name: DEMO_INDEX.into(),
            hash: (GSI_PK_ATTR.into(), T::S),
            range: Some((SORT_KEY_ATTR.into(), T::S)),
        }],
    };
    create_table(&client, cfg, &table).await?;
    let loaded = batch_write(&client, cfg, DEMO_TABLE, &items).await?;
    println!(
        "loaded {loaded} items into table {DEMO_TABLE} ({})",
        cfg.describe()
    );

    let first = spec.end - Duration::days(i64::from(spec.days.max(1)) - 1);
    let at = |d: chrono::NaiveDate| {
        d.and_hms_opt(0, 0, 0)
            .map(|t| t.and_utc())
            .context("valid midnight")
    };
    let export_spec = ExportSpec {
        table: DEMO_TABLE.into(),
        plan: ReadPlan::Query {
            index: DEMO_INDEX.into(),
            pk_attr: GSI_PK_ATTR.into(),
            pk_value: GSI_PK_VALUE.into(),
        },
        sk_attr: SORT_KEY_ATTR.into(),
        date_format: DateFormat::Iso,
        range: TimeRange::new(at(first)?, at(spec.end + Duration::days(1))?)?,
        extra_date_column: Some(EXTRA_DATE_COLUMN.into()),
        mode: lake::storage::WriteMode::Overwrite,
        numbers: Default::default(),
        dry_run: false,
    };
    let report = export(
        &client,
        cfg,
        &export_spec,
        &lake,
        std::sync::Arc::new(Counters::default()),
    )
    .await
    .with_context(|| format!("cannot export into the lake at {}", lake.display()))?;
    println!(
        "exported {} items in {} day partitions → {} ({:.1}s)",
        report.items_written,
        report.partitions.len(),
        lake.display(),
        report.seconds
    );
    Ok(lake)
}
