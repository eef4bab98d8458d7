//! An export killed mid-run (SIGKILL, no chance to clean up) leaves no data file that the
//! manifest does not list, and running it again gives a complete, correct lake.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::stand_in;

const BIN: &str = env!("CARGO_BIN_EXE_dynamo-lake");

fn data_files(lake: &Path) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut stack = vec![lake.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in entries.flatten() {
            let p = e.path();
            let name = e.file_name().to_string_lossy().to_string();
            if p.is_dir() {
                stack.push(p);
            } else if name.ends_with(".parquet") && !name.starts_with('.') {
                out.insert(p.strip_prefix(lake).expect("inside").display().to_string());
            }
        }
    }
    out
}

fn has_partition_temp_file(lake: &Path) -> bool {
    let mut stack = vec![lake.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in entries.flatten() {
            let name = e.file_name().to_string_lossy().to_string();
            if e.path().is_dir() && name != "_dynamo_lake" {
                stack.push(e.path());
            } else if name.starts_with('.') && name.ends_with(".tmp") {
                return true;
            }
        }
    }
    false
}

fn manifest_files(lake: &Path) -> BTreeSet<String> {
    match lake::storage::Manifest::read(lake) {
        Ok(m) => m.files.into_iter().map(|f| f.path).collect(),
        Err(lake::LakeError::NoLake { .. }) => BTreeSet::new(),
        Err(e) => panic!("a kill left a manifest that cannot be read: {e}"),
    }
}

/// Starts `command` once per delay, kills it (SIGKILL) that long after its staging folder appears,
/// and checks that no data file is visible without a manifest entry. Returns how many kills hit a
/// run that was still going (a kill after the run finished tests nothing).
fn kill_at(delays_ms: &[u64], command: impl Fn() -> Command, lake: &Path) -> usize {
    let staging = lake.join("_dynamo_lake/staging");
    let mut hits = 0;
    for &delay_ms in delays_ms {
        let mut child = command().spawn().expect("the run starts");
        let started = Instant::now();
        while !staging.exists() && started.elapsed() < Duration::from_secs(20) {
            assert!(
                child.try_wait().expect("status").is_none() || staging.exists(),
                "the run ended before its staging folder appeared"
            );
            std::thread::sleep(Duration::from_millis(2));
        }
        assert!(staging.exists(), "the run never reached its staging phase");
        std::thread::sleep(Duration::from_millis(delay_ms));
        let finished = child.try_wait().expect("status").is_some();
        child.kill().expect("kill");
        child.wait().expect("reaped");
        if !finished {
            hits += 1;
        }
        let unlisted: Vec<_> = data_files(lake)
            .difference(&manifest_files(lake))
            .cloned()
            .collect();
        assert!(
            unlisted.is_empty(),
            "after a kill at {delay_ms} ms (finished: {finished}): files without a manifest entry: {unlisted:?}"
        );
    }
    hits
}

fn convert(source: &Path, lake: &Path) -> Command {
    let mut c = Command::new(BIN);
    c.args([
        "convert",
        "--sk-attr",
        "InitiationTimestamp",
        "--threads",
        "1",
        "--source",
    ])
    .arg(source)
    .arg("--lake")
    .arg(lake)
    .stdout(Stdio::null())
    .stderr(Stdio::null());
    c
}

#[test]
fn a_killed_convert_leaves_nothing_unlisted_and_a_rerun_completes() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = Command::new(BIN)
        .args([
            "native-fixture",
            "--items",
            "60000",
            "--items-per-file",
            "5000",
            "--days",
            "30",
            "--end",
            "2026-06-30",
            "--out",
        ])
        .arg(dir.path())
        .output()
        .expect("fixture");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let lake = dir.path().join("lake");
    let staging = lake.join("_dynamo_lake/staging");

    // Kill at several points of the run: while reading, and later while writing.
    let hits = kill_at(&[0, 400, 1_500], || convert(dir.path(), &lake), &lake);
    assert!(hits >= 1, "no kill of the series hit a running convert");

    // And once while Parquet files are being written: as soon as a partition's temp file appears.
    let mut child = convert(dir.path(), &lake).spawn().expect("convert starts");
    let started = Instant::now();
    let mut writing = false;
    while !writing && started.elapsed() < Duration::from_secs(60) {
        writing = has_partition_temp_file(&lake);
        if !writing {
            std::thread::sleep(Duration::from_millis(2));
        }
    }
    assert!(writing, "never saw the write phase");
    assert!(
        child.try_wait().expect("status").is_none(),
        "the convert finished before it could be killed while writing"
    );
    child.kill().expect("kill");
    child.wait().expect("reaped");
    let unlisted: Vec<_> = data_files(&lake)
        .difference(&manifest_files(&lake))
        .cloned()
        .collect();
    assert!(
        unlisted.is_empty(),
        "after a kill while writing: files without a manifest entry: {unlisted:?}"
    );

    let status = convert(dir.path(), &lake).status().expect("rerun");
    assert!(status.success());
    let visible = data_files(&lake);
    assert_eq!(visible, manifest_files(&lake));
    assert!(!staging.exists(), "stale staging left behind");
    assert!(
        !has_partition_temp_file(&lake),
        "stale temp files left behind"
    );

    // Complete and correct: the lake's rows per day equal the fixture's.
    let manifest = lake::storage::Manifest::read(&lake).expect("manifest");
    let mut per_day: BTreeMap<String, u64> = BTreeMap::new();
    for f in &manifest.files {
        let day = f.path.split('/').take(3).collect::<Vec<_>>().join("/");
        *per_day.entry(day).or_default() += f.rows;
    }
    assert_eq!(per_day.values().sum::<u64>(), 60_000);
    assert_eq!(per_day.len(), 30);
}

#[test]
fn a_killed_export_leaves_nothing_unlisted_and_a_rerun_completes() {
    let dir = tempfile::tempdir().expect("tempdir");
    let dynalite = stand_in::dynalite();
    let endpoint = dynalite.endpoint.clone();
    // The demo loads its sample into a table of the local DynamoDB (and exports it once).
    let out = Command::new(BIN)
        .args([
            "demo",
            "--items",
            "20000",
            "--days",
            "20",
            "--no-serve",
            "--dir",
        ])
        .arg(dir.path().join("demo"))
        .args(["--endpoint-url", &endpoint])
        .output()
        .expect("demo");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let lake = dir.path().join("lake");
    let staging = lake.join("_dynamo_lake/staging");
    let export = || {
        let mut c = Command::new(BIN);
        c.args([
            "export",
            "--table",
            "dynamo-lake-demo",
            "--sk-attr",
            "InitiationTimestamp",
            "--parallel",
            "2",
            "--from",
            "2000-01-01",
            "--to",
            "2100-01-01",
            "--endpoint-url",
            &endpoint,
            "--lake",
        ])
        .arg(&lake)
        .stdout(Stdio::null())
        .stderr(Stdio::null());
        c
    };
    let hits = kill_at(&[0, 300, 1_000], export, &lake);
    assert!(hits >= 1, "no kill of the series hit a running export");
    let status = export().status().expect("rerun");
    assert!(status.success());
    assert_eq!(data_files(&lake), manifest_files(&lake));
    assert!(!staging.exists(), "stale staging left behind");
    let manifest = lake::storage::Manifest::read(&lake).expect("manifest");
    assert_eq!(manifest.files.iter().map(|f| f.rows).sum::<u64>(), 20_000);
}
