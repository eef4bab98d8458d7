//! The local demo: deterministic sample data, written into a local lake, then served.

use std::fs::{self, File};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use chrono::{Duration, Utc};
use lake::contract::ContractBuilder;
use lake::dates::DateFormat;
use lake::item::{Item, item_to_line};
use lake::layout::MANIFEST;
use lake::sample::{SORT_KEY_ATTR, SampleSpec, generate};
use lake::writer::{LakeWriter, WriteOptions, WriteSummary};

use crate::cli::SampleSpecArgs;

/// The derived date column the demo adds (seed 001's `ExtraDateColumn`).
pub const EXTRA_DATE_COLUMN: &str = "report_date";

/// Turns the command-line spec into a generator spec.
pub fn spec(args: &SampleSpecArgs) -> SampleSpec {
    let end = args
        .end
        .unwrap_or_else(|| (Utc::now() - Duration::days(1)).date_naive());
    SampleSpec {
        seed: args.seed,
        items: args.items,
        days: args.days,
        end,
    }
}

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

/// Replaces the lake at `lake` with `items`. An existing folder must be empty or a dynamo-lake lake:
/// the demo never deletes anything else.
pub fn write_lake(lake: &Path, items: Vec<Item>) -> anyhow::Result<WriteSummary> {
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

/// Prepares the demo's files and returns the lake's path.
pub fn prepare(dir: &Path, lake: Option<PathBuf>, spec: &SampleSpec) -> anyhow::Result<PathBuf> {
    let lake = lake.unwrap_or_else(|| dir.join("lake"));
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
    let summary = write_lake(&lake, items)?;
    println!(
        "lake: {} items in {} day partitions → {}",
        summary.items,
        summary.partitions,
        lake.display()
    );
    Ok(lake)
}
