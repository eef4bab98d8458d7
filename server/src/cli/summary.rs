//! How a pipeline run reports: the summary for people, `--json` for scripts, and the exit status
//! (0 done, 3 done with items in the rejects file, 1 an error stopped the run).

use std::process::ExitCode;

use lake::ingest::staging::ExportReport;
use lake::storage::Location;

use super::args::ValueArgs;

/// The exit status of a run that finished with items in the rejects file.
pub const REJECTS_EXIT: u8 = 3;

/// The exit status of a pipeline run that finished: 0, or [`REJECTS_EXIT`] when items went to
/// the rejects file (unless `--allow-rejects`). An error that stopped the run exits 1.
pub fn exit_status(report: &ExportReport, values: &ValueArgs) -> ExitCode {
    if report.items_rejected > 0 && !values.allow_rejects {
        ExitCode::from(REJECTS_EXIT)
    } else {
        ExitCode::SUCCESS
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
