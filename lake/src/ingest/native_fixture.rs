//! Writes items as AWS writes a full native export, for tests, benchmarks and the
//! `native-fixture` command.

use std::fs::{self, File};
use std::io::Write;
use std::path::{Path, PathBuf};

use flate2::Compression;
use flate2::write::GzEncoder;
use md5::{Digest, Md5};

use super::native::{ManifestFileEntry, ManifestSummary};
use crate::format::item::{Item, base64_bytes, item_to_line};
use crate::{LakeError, Result};

/// Writes items as AWS writes a full native export (DYNAMODB_JSON): `dir/AWSDynamoDB/<id>/` with
/// gzip data files of `{"Item": …}` lines, `manifest-files.json` and `manifest-summary.json`.
/// For tests and benchmarks.
pub fn write_native_export(
    dir: &Path,
    export_id: &str,
    table: &str,
    items: impl IntoIterator<Item = Item>,
    items_per_file: usize,
) -> Result<PathBuf> {
    let root = dir.join("AWSDynamoDB").join(export_id);
    let data = root.join("data");
    fs::create_dir_all(&data).map_err(|e| LakeError::io(&data, e))?;
    let mut entries = Vec::new();
    let mut current: Option<(PathBuf, GzEncoder<File>, u64)> = None;
    let mut total = 0u64;
    let close =
        |c: (PathBuf, GzEncoder<File>, u64), entries: &mut Vec<ManifestFileEntry>| -> Result<()> {
            let (path, enc, n) = c;
            enc.finish().map_err(|e| LakeError::io(&path, e))?;
            let bytes = fs::read(&path).map_err(|e| LakeError::io(&path, e))?;
            let name = path
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or_default()
                .to_string();
            entries.push(ManifestFileEntry {
                item_count: n,
                md5_checksum: base64_bytes::encode(&Md5::digest(&bytes)),
                etag: None,
                data_file_s3_key: format!("exports/AWSDynamoDB/{export_id}/data/{name}"),
            });
            Ok(())
        };
    for item in items {
        let full = current
            .as_ref()
            .is_some_and(|c| c.2 as usize >= items_per_file.max(1));
        if full && let Some(c) = current.take() {
            close(c, &mut entries)?;
        }
        if current.is_none() {
            let path = data.join(format!("{:04}-{export_id}.json.gz", entries.len()));
            let file = File::create(&path).map_err(|e| LakeError::io(&path, e))?;
            current = Some((path, GzEncoder::new(file, Compression::fast()), 0));
        }
        if let Some((path, enc, n)) = current.as_mut() {
            writeln!(enc, "{{\"Item\":{}}}", item_to_line(&item))
                .map_err(|e| LakeError::io(&*path, e))?;
            *n += 1;
        }
        total += 1;
    }
    if let Some(c) = current.take() {
        close(c, &mut entries)?;
    }
    let files_text: String = entries
        .iter()
        .map(|e| format!("{}\n", serde_json::to_string(e).unwrap_or_default()))
        .collect();
    fs::write(root.join("manifest-files.json"), files_text).map_err(|e| LakeError::io(&root, e))?;
    let summary = ManifestSummary {
        version: Some("2020-06-30".into()),
        export_arn: Some(format!(
            "arn:aws:dynamodb:us-east-1:123456789012:table/{table}/export/{export_id}"
        )),
        table_arn: Some(format!(
            "arn:aws:dynamodb:us-east-1:123456789012:table/{table}"
        )),
        item_count: Some(total),
        output_format: Some("DYNAMODB_JSON".into()),
        export_type: Some("FULL_EXPORT".into()),
        manifest_files_s3_key: Some(format!(
            "exports/AWSDynamoDB/{export_id}/manifest-files.json"
        )),
    };
    fs::write(
        root.join("manifest-summary.json"),
        serde_json::to_vec(&summary)?,
    )
    .map_err(|e| LakeError::io(&root, e))?;
    Ok(root)
}
