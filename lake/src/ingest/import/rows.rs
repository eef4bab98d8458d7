//! Reading a decoded source as rows: CSV (RFC 4180 by the `csv` crate: a header row, quoted
//! fields holding delimiters, quotes and newlines), JSON lines (one object a line), or DynamoDB
//! JSON (native-export lines `{"Item": …}` or bare typed items). Each row is mapped by the
//! [`Mapper`] and handed on with its line number, or rejected with its reason and its values as
//! read, so a rejects file holds everything needed to fix and replay it.

use std::io::{BufRead, Read};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use serde_json::{Map, Value};

use super::mapping::{INEXACT, Mapper, RowValues, inexact_json_number};
use crate::format::item::{Item, parse_item_line};
use crate::{LakeError, Result};

/// A source format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Format {
    /// Comma- (or `--delimiter`-) separated values with a header row.
    Csv,
    /// One JSON object a line.
    Jsonl,
    /// One DynamoDB JSON item a line (`{"Item": {...}}` or `{"attr": {"S": "…"}}`).
    DynamodbJson,
}

impl std::str::FromStr for Format {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Format, String> {
        match s.to_ascii_lowercase().as_str() {
            "csv" => Ok(Format::Csv),
            "jsonl" | "ndjson" | "json" => Ok(Format::Jsonl),
            "dynamodb-json" | "ddb-json" => Ok(Format::DynamodbJson),
            other => Err(format!(
                "unknown format {other:?}: expected csv, jsonl or dynamodb-json"
            )),
        }
    }
}

impl Format {
    /// The format a name's extension says (`.csv`, `.tsv`, `.jsonl`, `.ndjson`; `.gz` looked
    /// through); `None` when the name does not say (UNLOAD's `…_000.gz`, `.json`).
    pub fn from_name(name: &str) -> Option<Format> {
        let base = name.rsplit('/').next().unwrap_or(name).to_ascii_lowercase();
        let base = base
            .strip_suffix(".gz")
            .or_else(|| base.strip_suffix(".gzip"))
            .unwrap_or(&base);
        let ext = base.rsplit_once('.').map(|(_, e)| e)?;
        match ext {
            "csv" | "tsv" | "txt" => Some(Format::Csv),
            "jsonl" | "ndjson" => Some(Format::Jsonl),
            _ => None,
        }
    }

    /// Guesses from the first bytes: a line that is a DynamoDB JSON item → dynamodb-json, another
    /// JSON object → jsonl, anything else → csv.
    pub fn sniff(head: &[u8]) -> Format {
        let text = String::from_utf8_lossy(head);
        let first = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
        if !first.trim_start().starts_with('{') {
            return Format::Csv;
        }
        if first.trim_start().starts_with("{\"Item\"") || parse_item_line(first).is_ok() {
            Format::DynamodbJson
        } else {
            Format::Jsonl
        }
    }

    /// The format of a source: forced, else by name, else by its first bytes.
    pub fn detect(forced: Option<Format>, name: &str, reader: &mut dyn BufRead) -> Result<Format> {
        if let Some(f) = forced.or_else(|| Format::from_name(name)) {
            return Ok(f);
        }
        let head = reader
            .fill_buf()
            .map_err(|e| LakeError::InvalidInput(format!("{name}: cannot read: {e}")))?;
        Ok(Format::sniff(head))
    }
}

/// A row that could not become an item.
#[derive(Debug, Clone)]
pub struct Rejected {
    /// The line it starts on (1 is a CSV file's header).
    pub line: u64,
    /// Why (names attributes, never values).
    pub reason: String,
    /// The row as read: an object of its columns, or its text when it could not be parsed.
    pub row: Value,
}

/// What reading one row gave.
pub enum Row {
    /// An item, with the line it starts on.
    Item(u64, Item),
    /// A rejected row.
    Rejected(Rejected),
}

/// Reads every row of `reader` in `format`, mapping each and passing it to `emit` (which may stop
/// the read with an error). An error that makes the rest of the file unreadable (a broken gzip
/// stream, a header that is not UTF-8) stops with an error naming the file.
pub fn read_rows(
    reader: Box<dyn BufRead + Send>,
    name: &str,
    format: Format,
    delimiter: u8,
    mapper: &Mapper,
    emit: &mut dyn FnMut(Row) -> Result<()>,
) -> Result<()> {
    match format {
        Format::Csv => read_csv(reader, name, delimiter, mapper, emit),
        Format::Jsonl | Format::DynamodbJson => read_lines(reader, name, format, mapper, emit),
    }
}

/// The longest record or line read (an unclosed quote would otherwise make the rest of a file one
/// record in memory); far above DynamoDB's 400 KB item limit.
pub const MAX_RECORD_BYTES: u64 = 8 * 1024 * 1024;

/// A reader that refuses to go more than [`MAX_RECORD_BYTES`] past the end of the last record.
struct Capped<R> {
    inner: R,
    read: u64,
    record_end: Arc<AtomicU64>,
}

impl<R: Read> Read for Capped<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self
            .read
            .saturating_sub(self.record_end.load(Ordering::Relaxed))
            > MAX_RECORD_BYTES
        {
            return Err(std::io::Error::other(format!(
                "a record longer than {} MiB (an unclosed quote?)",
                MAX_RECORD_BYTES >> 20
            )));
        }
        let n = self.inner.read(buf)?;
        self.read += n as u64;
        Ok(n)
    }
}

fn read_csv(
    reader: Box<dyn BufRead + Send>,
    name: &str,
    delimiter: u8,
    mapper: &Mapper,
    emit: &mut dyn FnMut(Row) -> Result<()>,
) -> Result<()> {
    let broken = |e: csv::Error| LakeError::InvalidInput(format!("{name}: cannot read CSV: {e}"));
    let record_end = Arc::new(AtomicU64::new(0));
    let mut csv = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(true)
        .flexible(true)
        .from_reader(Capped {
            inner: reader,
            read: 0,
            record_end: record_end.clone(),
        });
    let headers: Vec<String> = csv
        .byte_headers()
        .map_err(broken)?
        .iter()
        .enumerate()
        .map(|(i, h)| {
            let h = std::str::from_utf8(h).map_err(|_| {
                LakeError::InvalidInput(format!("{name}: header column {} is not UTF-8", i + 1))
            })?;
            let h = h.trim_start_matches('\u{feff}').trim();
            if h.is_empty() {
                return Err(LakeError::InvalidInput(format!(
                    "{name}: header column {} has no name (every column needs one: it becomes the attribute name)",
                    i + 1
                )));
            }
            Ok(h.to_string())
        })
        .collect::<Result<_>>()?;
    if headers.is_empty() {
        return Ok(());
    }
    for (i, h) in headers.iter().enumerate() {
        if headers[..i].contains(h) {
            return Err(LakeError::InvalidInput(format!(
                "{name}: column {h:?} appears twice in the header"
            )));
        }
    }
    let mut record = csv::ByteRecord::new();
    loop {
        if !csv.read_byte_record(&mut record).map_err(broken)? {
            return Ok(());
        }
        record_end.store(csv.position().byte(), Ordering::Relaxed);
        let line = record.position().map(|p| p.line()).unwrap_or(0);
        if record.len() == 1 && record[0].is_empty() {
            continue;
        }
        let as_object = |record: &csv::ByteRecord| -> Value {
            if record.len() == headers.len() {
                Value::Object(
                    headers
                        .iter()
                        .zip(record.iter())
                        .map(|(h, v)| {
                            (
                                h.clone(),
                                Value::String(String::from_utf8_lossy(v).to_string()),
                            )
                        })
                        .collect(),
                )
            } else {
                Value::Array(
                    record
                        .iter()
                        .map(|v| Value::String(String::from_utf8_lossy(v).to_string()))
                        .collect(),
                )
            }
        };
        if record.len() != headers.len() {
            emit(Row::Rejected(Rejected {
                line,
                reason: format!(
                    "the row has {} fields, the header has {}",
                    record.len(),
                    headers.len()
                ),
                row: as_object(&record),
            }))?;
            continue;
        }
        let mut cols: Vec<(&str, &str)> = Vec::with_capacity(headers.len());
        let mut bad_utf8 = None;
        for (h, v) in headers.iter().zip(record.iter()) {
            match std::str::from_utf8(v) {
                Ok(v) => cols.push((h.as_str(), v)),
                Err(_) => {
                    bad_utf8 = Some(h.as_str());
                    break;
                }
            }
        }
        if let Some(h) = bad_utf8 {
            emit(Row::Rejected(Rejected {
                line,
                reason: format!("{h}: not UTF-8 text"),
                row: as_object(&record),
            }))?;
            continue;
        }
        let mapped = mapper.map(RowValues::Text(&cols));
        drop(cols);
        match mapped {
            Ok(item) => emit(Row::Item(line, item))?,
            Err(reason) => emit(Row::Rejected(Rejected {
                line,
                reason,
                row: as_object(&record),
            }))?,
        }
    }
}

fn read_lines(
    mut reader: Box<dyn BufRead + Send>,
    name: &str,
    format: Format,
    mapper: &Mapper,
    emit: &mut dyn FnMut(Row) -> Result<()>,
) -> Result<()> {
    let mut buf = Vec::new();
    let mut line = 0u64;
    loop {
        buf.clear();
        line += 1;
        let n = read_line_capped(&mut *reader, &mut buf).map_err(|e| {
            LakeError::InvalidInput(format!("{name}: line {line}: cannot read: {e}"))
        })?;
        if n == 0 {
            return Ok(());
        }
        let Ok(text) = std::str::from_utf8(&buf) else {
            emit(Row::Rejected(Rejected {
                line,
                reason: "the line is not UTF-8 text".to_string(),
                row: Value::String(String::from_utf8_lossy(&buf).trim_end().to_string()),
            }))?;
            continue;
        };
        let text = text.trim();
        if text.is_empty() {
            continue;
        }
        let raw = || Value::String(text.to_string());
        let row = match format {
            Format::DynamodbJson => match parse_item_line(text) {
                Ok(item) => match mapper.map(RowValues::Typed(item)) {
                    Ok(item) => Row::Item(line, item),
                    Err(reason) => Row::Rejected(Rejected {
                        line,
                        reason,
                        row: raw(),
                    }),
                },
                Err(_) => Row::Rejected(Rejected {
                    line,
                    reason: "not a DynamoDB JSON item".to_string(),
                    row: raw(),
                }),
            },
            _ => match serde_json::from_str::<Map<String, Value>>(text) {
                Ok(_) if inexact_json_number(text) => Row::Rejected(Rejected {
                    line,
                    reason: INEXACT.to_string(),
                    row: raw(),
                }),
                Ok(object) => match mapper.map(RowValues::Json(&object)) {
                    Ok(item) => Row::Item(line, item),
                    Err(reason) => Row::Rejected(Rejected {
                        line,
                        reason,
                        row: Value::Object(object),
                    }),
                },
                Err(e) => Row::Rejected(Rejected {
                    line,
                    reason: format!("not a JSON object ({})", json_problem(&e)),
                    row: raw(),
                }),
            },
        };
        emit(row)?;
    }
}

/// `read_until(b'\n')` that stops with an error past [`MAX_RECORD_BYTES`] (a file without
/// newlines is not JSON lines, and must not be read into memory whole).
fn read_line_capped(reader: &mut dyn BufRead, buf: &mut Vec<u8>) -> std::io::Result<usize> {
    loop {
        let available = reader.fill_buf()?;
        if available.is_empty() {
            return Ok(buf.len());
        }
        match available.iter().position(|b| *b == b'\n') {
            Some(i) => {
                buf.extend_from_slice(&available[..=i]);
                reader.consume(i + 1);
                return Ok(buf.len());
            }
            None => {
                let n = available.len();
                buf.extend_from_slice(available);
                reader.consume(n);
                if buf.len() as u64 > MAX_RECORD_BYTES {
                    return Err(std::io::Error::other(format!(
                        "longer than {} MiB without a newline (not JSON lines?)",
                        MAX_RECORD_BYTES >> 20
                    )));
                }
            }
        }
    }
}

/// serde_json's complaint without the input it quotes (it can quote a value).
fn json_problem(e: &serde_json::Error) -> String {
    use serde_json::error::Category;
    let what = match e.classify() {
        Category::Syntax => "invalid JSON syntax",
        Category::Eof => "the line ends inside a value",
        Category::Data => "not an object",
        Category::Io => "unreadable",
    };
    format!("{what} at column {}", e.column())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::import::mapping::{AttrType, Mapping, TableKeys};

    fn mapper() -> Mapper {
        Mapper::new(
            Mapping::default(),
            TableKeys {
                hash: ("id".into(), AttrType::S),
                range: None,
            },
            "now".into(),
        )
    }

    fn rows(text: &str, format: Format) -> Vec<Result<(u64, Item), Rejected>> {
        let mut out = Vec::new();
        let reader: Box<dyn BufRead + Send> =
            Box::new(std::io::Cursor::new(text.as_bytes().to_vec()));
        read_rows(reader, "t.csv", format, b',', &mapper(), &mut |row| {
            out.push(match row {
                Row::Item(line, item) => Ok((line, item)),
                Row::Rejected(r) => Err(r),
            });
            Ok(())
        })
        .expect("reads");
        out
    }

    #[test]
    fn csv_fields_hold_delimiters_quotes_and_newlines() {
        let text = "id,note\n1,\"a, \"\"quoted\"\"\nline\"\n2,plain\n3\n\n4,é\n";
        let got = rows(text, Format::Csv);
        let (line, item) = got[0].as_ref().expect("row 1");
        assert_eq!(*line, 2);
        assert_eq!(
            item["note"],
            crate::format::item::AttrValue::S("a, \"quoted\"\nline".into())
        );
        assert_eq!(
            got[1].as_ref().expect("row 2").0,
            4,
            "line numbers count the embedded newline"
        );
        let bad = got[2].as_ref().expect_err("short row");
        assert_eq!(
            (bad.line, bad.reason.as_str()),
            (5, "the row has 1 fields, the header has 2")
        );
        assert_eq!(got.len(), 4, "the blank line is skipped");
    }

    #[test]
    fn an_unclosed_quote_or_a_file_without_newlines_stops_instead_of_filling_memory() {
        let big = "a".repeat((MAX_RECORD_BYTES + 1024) as usize);
        for (text, format) in [
            (format!("id,note\n1,\"{big}\n"), Format::Csv),
            (format!("{{\"id\": \"{big}\"}}"), Format::Jsonl),
        ] {
            let reader: Box<dyn BufRead + Send> = Box::new(std::io::Cursor::new(text.into_bytes()));
            let e = read_rows(reader, "big", format, b',', &mapper(), &mut |_| Ok(()))
                .expect_err("refused")
                .to_string();
            assert!(e.contains("big") && e.contains("MiB"), "{e}");
        }
    }

    #[test]
    fn formats_are_told_by_name_or_content() {
        assert_eq!(Format::from_name("s3://b/x/part.csv.gz"), Some(Format::Csv));
        assert_eq!(Format::from_name("hem_export_000.gz"), None);
        assert_eq!(Format::sniff(b"hem,vup_id\n"), Format::Csv);
        assert_eq!(
            Format::sniff(b"{\"Item\":{\"a\":{\"S\":\"x\"}}}\n"),
            Format::DynamodbJson
        );
        assert_eq!(Format::sniff(b"{\"a\": 1}\n"), Format::Jsonl);
    }

    #[test]
    fn json_lines_are_rejected_without_quoting_them() {
        let got = rows(
            "{\"id\": \"1\"}\n{\"id\": \"secret@example.com\n[1]\n",
            Format::Jsonl,
        );
        assert!(got[0].is_ok());
        let bad = got[1].as_ref().expect_err("broken");
        assert!(!bad.reason.contains("secret"), "{}", bad.reason);
        assert_eq!(
            bad.row,
            Value::String("{\"id\": \"secret@example.com".into())
        );
        assert_eq!(got[2].as_ref().expect_err("array").line, 3);
    }
}
