//! Results of the embedded engine, kept outside the process (a local folder or an S3 prefix) so
//! that `results` and `download` work whichever instance answers: `<id>.csv` is the download,
//! `<id>/<n>.json` the rows in pages (at most [`MAX_PAGE_ROWS`] rows and [`MAX_PAGE_BYTES`] of
//! JSON each, so a request reads one page, not the whole result), and `<id>.json` the columns and
//! the page count, written last (it makes the result visible). Arrow values become JSON and CSV
//! here.

use std::path::PathBuf;

use datafusion::arrow::array::{Array, ArrayRef, AsArray, RecordBatch};
use datafusion::arrow::datatypes::{
    DataType, Float32Type, Float64Type, Int8Type, Int16Type, Int32Type, Int64Type, UInt8Type,
    UInt16Type, UInt32Type, UInt64Type,
};
use datafusion::arrow::util::display::{ArrayFormatter, FormatOptions};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{MAX_PAGE_BYTES, MAX_PAGE_ROWS, ResultColumn};
use crate::format::item::base64_bytes;
use crate::storage::S3Prefix;
use crate::{LakeError, Result};

/// Where results are kept.
#[derive(Debug, Clone)]
pub enum ResultStore {
    /// A local folder.
    Local(PathBuf),
    /// An S3 prefix.
    S3(S3Prefix),
}

/// A finished result as stored.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StoredResult {
    /// Columns.
    pub columns: Vec<ResultColumn>,
    /// Rows.
    pub rows: Vec<Vec<Value>>,
    /// Bytes of Parquet read, from the plan's metrics.
    pub bytes_scanned: Option<u64>,
}

/// What `<id>.json` holds: everything about a stored result but its rows.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ResultHeader {
    /// Columns.
    pub columns: Vec<ResultColumn>,
    /// Bytes of Parquet read.
    pub bytes_scanned: Option<u64>,
    /// Rows in all.
    pub rows: usize,
    /// Pages the rows are stored in.
    pub pages: usize,
}

/// Whether `id` can be a query id of ours (a UUID): anything else is refused before it is used
/// in a path or key.
pub fn valid_id(id: &str) -> bool {
    id.len() == 36 && id.chars().all(|c| c.is_ascii_hexdigit() || c == '-')
}

impl ResultStore {
    async fn put(&self, name: &str, bytes: Vec<u8>) -> Result<()> {
        match self {
            ResultStore::Local(dir) => {
                let path = dir.join(name);
                let parent = path.parent().unwrap_or(dir);
                std::fs::create_dir_all(parent).map_err(|e| LakeError::io(parent, e))?;
                let file = path.file_name().map(|f| f.to_string_lossy().to_string());
                let temp = parent.join(format!(".{}.tmp", file.unwrap_or_default()));
                std::fs::write(&temp, bytes).map_err(|e| LakeError::io(&temp, e))?;
                std::fs::rename(&temp, &path).map_err(|e| LakeError::io(&path, e))
            }
            ResultStore::S3(prefix) => prefix.put(name, bytes).await,
        }
    }

    async fn get(&self, name: &str) -> Result<Option<Vec<u8>>> {
        match self {
            ResultStore::Local(dir) => {
                let path = dir.join(name);
                match std::fs::read(&path) {
                    Ok(b) => Ok(Some(b)),
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
                    Err(e) => Err(LakeError::io(path, e)),
                }
            }
            ResultStore::S3(prefix) => prefix.get(name).await,
        }
    }

    /// Saves a finished result: the CSV first, then the pages, the header (which makes the result
    /// visible) last.
    pub async fn save(&self, id: &str, result: &StoredResult) -> Result<()> {
        self.put(&format!("{id}.csv"), to_csv(result).into_bytes())
            .await?;
        // Each row is encoded once: its JSON both decides where a page ends and is the page.
        let mut pages = 0usize;
        let (mut page, mut rows_in_page) = (Vec::new(), 0usize);
        for row in &result.rows {
            let encoded = serde_json::to_vec(row)?;
            if rows_in_page > 0
                && (rows_in_page == MAX_PAGE_ROWS
                    || page.len() + encoded.len() + 2 > MAX_PAGE_BYTES)
            {
                self.put_page(id, pages, page).await?;
                pages += 1;
                (page, rows_in_page) = (Vec::new(), 0);
            }
            page.push(if rows_in_page == 0 { b'[' } else { b',' });
            page.extend_from_slice(&encoded);
            rows_in_page += 1;
        }
        if rows_in_page > 0 {
            self.put_page(id, pages, page).await?;
            pages += 1;
        }
        let header = ResultHeader {
            columns: result.columns.clone(),
            bytes_scanned: result.bytes_scanned,
            rows: result.rows.len(),
            pages,
        };
        self.put(&format!("{id}.json"), serde_json::to_vec(&header)?)
            .await
    }

    async fn put_page(&self, id: &str, n: usize, mut json: Vec<u8>) -> Result<()> {
        json.push(b']');
        self.put(&format!("{id}/{n}.json"), json).await
    }

    /// A result's columns and size; `NotFound` for an unknown id.
    pub async fn header(&self, id: &str) -> Result<ResultHeader> {
        if !valid_id(id) {
            return Err(LakeError::NotFound(format!("no query {id:?}")));
        }
        match self.get(&format!("{id}.json")).await? {
            Some(bytes) => Ok(serde_json::from_slice(&bytes)?),
            None => Err(LakeError::NotFound(format!("no query {id}"))),
        }
    }

    /// The rows of page `n` of a result whose header is `header`.
    pub async fn page(&self, id: &str, header: &ResultHeader, n: usize) -> Result<Vec<Vec<Value>>> {
        if n >= header.pages {
            return Ok(Vec::new());
        }
        let name = format!("{id}/{n}.json");
        match self.get(&name).await? {
            Some(bytes) => Ok(serde_json::from_slice(&bytes)?),
            None => Err(LakeError::NotFound(format!(
                "page {n} of query {id} is missing from the results store"
            ))),
        }
    }

    /// Where the CSV of a result can be fetched without passing through this process: a
    /// presigned URL when results live in S3, `None` for a local folder. `NotFound` for an
    /// unknown id.
    pub async fn csv_link(
        &self,
        id: &str,
        expires_in: std::time::Duration,
    ) -> Result<Option<String>> {
        if !valid_id(id) {
            return Err(LakeError::NotFound(format!("no query {id:?}")));
        }
        match self {
            ResultStore::Local(_) => Ok(None),
            ResultStore::S3(prefix) => prefix
                .presigned_get(&format!("{id}.csv"), expires_in)
                .await?
                .map(Some)
                .ok_or_else(|| LakeError::NotFound(format!("no query {id}"))),
        }
    }

    /// The CSV of a result; `NotFound` for an unknown id.
    pub async fn csv(&self, id: &str) -> Result<Vec<u8>> {
        if !valid_id(id) {
            return Err(LakeError::NotFound(format!("no query {id:?}")));
        }
        self.get(&format!("{id}.csv"))
            .await?
            .ok_or_else(|| LakeError::NotFound(format!("no query {id}")))
    }
}

/// Columns of a batch schema, with Athena's type names.
pub fn columns_of(schema: &datafusion::arrow::datatypes::Schema) -> Vec<ResultColumn> {
    schema
        .fields()
        .iter()
        .map(|f| ResultColumn {
            name: f.name().clone(),
            ty: type_name(f.data_type()),
        })
        .collect()
}

fn type_name(t: &DataType) -> String {
    match t {
        DataType::Int8 => "tinyint".into(),
        DataType::Int16 | DataType::UInt8 => "smallint".into(),
        DataType::Int32 | DataType::UInt16 => "integer".into(),
        DataType::Int64 | DataType::UInt32 | DataType::UInt64 => "bigint".into(),
        DataType::Float32 => "real".into(),
        DataType::Float64 => "double".into(),
        DataType::Decimal128(_, _) | DataType::Decimal256(_, _) => "decimal".into(),
        DataType::Boolean => "boolean".into(),
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => "varchar".into(),
        DataType::Binary | DataType::LargeBinary | DataType::BinaryView => "varbinary".into(),
        DataType::Date32 | DataType::Date64 => "date".into(),
        DataType::Timestamp(_, _) => "timestamp".into(),
        DataType::List(f) | DataType::LargeList(f) | DataType::ListView(f) => {
            format!("array({})", type_name(f.data_type()))
        }
        other => other.to_string().to_lowercase(),
    }
}

/// The rows of `batches` as JSON values.
pub fn rows_of(batches: &[RecordBatch]) -> Result<Vec<Vec<Value>>> {
    let mut rows = Vec::new();
    for batch in batches {
        let columns: Vec<&ArrayRef> = batch.columns().iter().collect();
        for row in 0..batch.num_rows() {
            rows.push(
                columns
                    .iter()
                    .map(|c| json_value(c, row))
                    .collect::<Result<Vec<_>>>()?,
            );
        }
    }
    Ok(rows)
}

fn number(x: f64) -> Value {
    serde_json::Number::from_f64(x)
        .map(Value::Number)
        .unwrap_or_else(|| Value::String(x.to_string()))
}

fn json_value(array: &ArrayRef, row: usize) -> Result<Value> {
    if array.is_null(row) {
        return Ok(Value::Null);
    }
    Ok(match array.data_type() {
        DataType::Int8 => array.as_primitive::<Int8Type>().value(row).into(),
        DataType::Int16 => array.as_primitive::<Int16Type>().value(row).into(),
        DataType::Int32 => array.as_primitive::<Int32Type>().value(row).into(),
        DataType::Int64 => array.as_primitive::<Int64Type>().value(row).into(),
        DataType::UInt8 => array.as_primitive::<UInt8Type>().value(row).into(),
        DataType::UInt16 => array.as_primitive::<UInt16Type>().value(row).into(),
        DataType::UInt32 => array.as_primitive::<UInt32Type>().value(row).into(),
        DataType::UInt64 => array.as_primitive::<UInt64Type>().value(row).into(),
        DataType::Float32 => number(array.as_primitive::<Float32Type>().value(row) as f64),
        DataType::Float64 => number(array.as_primitive::<Float64Type>().value(row)),
        DataType::Boolean => array.as_boolean().value(row).into(),
        DataType::Utf8 => array.as_string::<i32>().value(row).into(),
        DataType::LargeUtf8 => array.as_string::<i64>().value(row).into(),
        DataType::Utf8View => array.as_string_view().value(row).into(),
        DataType::Binary => base64_bytes::encode(array.as_binary::<i32>().value(row)).into(),
        DataType::BinaryView => base64_bytes::encode(array.as_binary_view().value(row)).into(),
        DataType::List(_) => {
            let values = array.as_list::<i32>().value(row);
            Value::Array(
                (0..values.len())
                    .map(|i| json_value(&values, i))
                    .collect::<Result<_>>()?,
            )
        }
        _ => {
            let formatter = ArrayFormatter::try_new(array.as_ref(), &FormatOptions::default())?;
            Value::String(formatter.value(row).to_string())
        }
    })
}

/// RFC 4180 CSV with a header row: fields with `,`, `"`, CR or LF are quoted, `"` doubled; NULL is
/// an empty field; arrays are written as JSON.
pub fn to_csv(result: &StoredResult) -> String {
    let mut out = String::new();
    let header: Vec<String> = result.columns.iter().map(|c| csv_field(&c.name)).collect();
    out.push_str(&header.join(","));
    out.push_str("\r\n");
    for row in &result.rows {
        let fields: Vec<String> = row
            .iter()
            .map(|v| match v {
                Value::Null => String::new(),
                Value::String(s) => csv_field(s),
                other => csv_field(&other.to_string()),
            })
            .collect();
        out.push_str(&fields.join(","));
        out.push_str("\r\n");
    }
    out
}

use model::csv::field as csv_field;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_quotes_what_needs_quoting() {
        let r = StoredResult {
            columns: vec![
                ResultColumn {
                    name: "a".into(),
                    ty: "varchar".into(),
                },
                ResultColumn {
                    name: "b, c".into(),
                    ty: "double".into(),
                },
            ],
            rows: vec![
                vec![Value::from("x\"y"), Value::from(1.5)],
                vec![Value::Null, Value::from("line\nbreak")],
            ],
            bytes_scanned: None,
        };
        assert_eq!(
            to_csv(&r),
            "a,\"b, c\"\r\n\"x\"\"y\",1.5\r\n,\"line\nbreak\"\r\n"
        );
    }

    #[tokio::test]
    async fn results_are_stored_in_pages_within_the_byte_budget() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = ResultStore::Local(dir.path().to_path_buf());
        let id = "0f8fad5b-d9cb-469f-a165-70867728950e";
        let big = |i: usize| vec![Value::from(i), Value::from("x".repeat(300_000))];
        let mut rows: Vec<Vec<Value>> = (0..10).map(big).collect();
        rows.extend((10..2_010).map(|i| vec![Value::from(i), Value::from("y")]));
        let result = StoredResult {
            columns: vec![ResultColumn {
                name: "n".into(),
                ty: "bigint".into(),
            }],
            rows: rows.clone(),
            bytes_scanned: Some(7),
        };
        store.save(id, &result).await.expect("saved");
        let header = store.header(id).await.expect("header");
        assert_eq!(header.rows, rows.len());
        let mut back = Vec::new();
        for n in 0..header.pages {
            let file = dir.path().join(id).join(format!("{n}.json"));
            let size = std::fs::metadata(&file).expect("page").len() as usize;
            assert!(size <= MAX_PAGE_BYTES, "page {n}: {size} bytes");
            let page = store.page(id, &header, n).await.expect("page");
            assert!(!page.is_empty() && page.len() <= MAX_PAGE_ROWS);
            back.extend(page);
        }
        assert_eq!(back, rows, "every row, in order");
        // Three 300 KB rows fill a page (three pages); the tenth shares a page with 999 small
        // rows (1 000 rows at most), and the 1 001 small rows left take two more.
        assert_eq!(header.pages, 3 + 1 + 2);
    }

    #[test]
    fn ids_are_uuids_only() {
        assert!(valid_id("0f8fad5b-d9cb-469f-a165-70867728950e"));
        assert!(!valid_id("../../etc/passwd"));
        assert!(!valid_id("0f8fad5b-d9cb-469f-a165-70867728950e/"));
        assert!(!valid_id(""));
    }
}
