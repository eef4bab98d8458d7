//! DynamoDB items as plain data, independent of any SDK, with the DynamoDB JSON encoding
//! (`{"S": "x"}`, `{"N": "1"}`, …) used by the CLI, by native exports and by the sample generator.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::{LakeError, Result};

/// One DynamoDB attribute value, exactly as DynamoDB types it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum AttrValue {
    /// String.
    S(String),
    /// Number, kept as DynamoDB's decimal text until a column type is chosen.
    N(String),
    /// Binary (base64 in DynamoDB JSON).
    B(#[serde(with = "base64_bytes")] Vec<u8>),
    /// Boolean.
    #[serde(rename = "BOOL")]
    Bool(bool),
    /// Null.
    #[serde(rename = "NULL")]
    Null(bool),
    /// String set.
    SS(Vec<String>),
    /// Number set.
    NS(Vec<String>),
    /// Binary set.
    BS(#[serde(with = "base64_vec")] Vec<Vec<u8>>),
    /// Map.
    M(BTreeMap<String, AttrValue>),
    /// List.
    L(Vec<AttrValue>),
}

/// A DynamoDB item: attribute name to value.
pub type Item = BTreeMap<String, AttrValue>;

impl AttrValue {
    /// DynamoDB's type descriptor (`S`, `N`, `BOOL`, …).
    pub fn type_name(&self) -> &'static str {
        match self {
            AttrValue::S(_) => "S",
            AttrValue::N(_) => "N",
            AttrValue::B(_) => "B",
            AttrValue::Bool(_) => "BOOL",
            AttrValue::Null(_) => "NULL",
            AttrValue::SS(_) => "SS",
            AttrValue::NS(_) => "NS",
            AttrValue::BS(_) => "BS",
            AttrValue::M(_) => "M",
            AttrValue::L(_) => "L",
        }
    }

    /// The value as text, for a column that holds values of several types: strings as they are,
    /// numbers as DynamoDB's exact decimal text, booleans as `true`/`false`, binary as base64,
    /// sets, maps and lists as plain JSON ([`AttrValue::to_plain_json`]); NULL as `None`.
    pub fn to_text(&self) -> Option<String> {
        Some(match self {
            AttrValue::S(s) | AttrValue::N(s) => s.clone(),
            AttrValue::Bool(b) => b.to_string(),
            AttrValue::B(b) => base64_bytes::encode(b),
            AttrValue::Null(_) => return None,
            other => other.to_plain_json().to_string(),
        })
    }

    /// The value as plain JSON (numbers as JSON numbers where they fit, binary as base64), the form
    /// Maps and Lists take in the lake.
    pub fn to_plain_json(&self) -> serde_json::Value {
        use serde_json::Value;
        match self {
            AttrValue::S(s) => Value::String(s.clone()),
            AttrValue::N(n) => plain_number(n),
            AttrValue::B(b) => Value::String(base64_bytes::encode(b)),
            AttrValue::Bool(b) => Value::Bool(*b),
            AttrValue::Null(_) => Value::Null,
            AttrValue::SS(v) => Value::Array(v.iter().cloned().map(Value::String).collect()),
            AttrValue::NS(v) => Value::Array(v.iter().map(|n| plain_number(n)).collect()),
            AttrValue::BS(v) => Value::Array(
                v.iter()
                    .map(|b| Value::String(base64_bytes::encode(b)))
                    .collect(),
            ),
            AttrValue::M(m) => Value::Object(
                m.iter()
                    .map(|(k, v)| (k.clone(), v.to_plain_json()))
                    .collect(),
            ),
            AttrValue::L(l) => Value::Array(l.iter().map(AttrValue::to_plain_json).collect()),
        }
    }
}

/// A number as a JSON number when that number means exactly the same value (an integer within
/// 64 bits, or a decimal a double round-trips); otherwise its exact DynamoDB text as a JSON
/// string, so no digit is lost (`0.1000000000000000055511151231257827` stays itself).
fn plain_number(n: &str) -> serde_json::Value {
    let t = n.trim();
    let exact = t.parse::<i64>().is_ok()
        || t.parse::<u64>().is_ok()
        || crate::format::number::Decimal::double_is_exact(t);
    match serde_json::from_str::<serde_json::Number>(t) {
        Ok(number) if exact => serde_json::Value::Number(number),
        _ => serde_json::Value::String(n.to_string()),
    }
}

/// Parses one line of DynamoDB JSON: either an item map, or a native-export line `{"Item": {...}}`.
pub fn parse_item_line(line: &str) -> Result<Item> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Line {
        Wrapped {
            #[serde(rename = "Item")]
            item: Item,
        },
        Bare(Item),
    }
    match serde_json::from_str::<Line>(line) {
        Ok(Line::Wrapped { item }) | Ok(Line::Bare(item)) => Ok(item),
        Err(e) => Err(LakeError::InvalidInput(format!(
            "not a DynamoDB JSON item: {e}"
        ))),
    }
}

/// One line of a `rejected-*.jsonl` file: why the item was not placed, and the whole item (DynamoDB
/// JSON), so nothing is lost.
pub fn rejected_line(reason: &str, item: &Item) -> String {
    serde_json::json!({ "reason": reason, "item": item }).to_string()
}

/// Encodes an item as one line of DynamoDB JSON.
pub fn item_to_line(item: &Item) -> String {
    // Serializing a map of plain enums cannot fail.
    serde_json::to_string(item).unwrap_or_default()
}

pub(crate) mod base64_bytes {
    use serde::{Deserialize, Deserializer, Serializer};

    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

    pub fn encode(bytes: &[u8]) -> String {
        let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
        for chunk in bytes.chunks(3) {
            let b = [
                chunk[0],
                *chunk.get(1).unwrap_or(&0),
                *chunk.get(2).unwrap_or(&0),
            ];
            let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
            for i in 0..4 {
                if i <= chunk.len() {
                    out.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
                } else {
                    out.push('=');
                }
            }
        }
        out
    }

    pub fn decode(text: &str) -> Result<Vec<u8>, String> {
        let mut out = Vec::with_capacity(text.len() / 4 * 3);
        let mut acc = 0u32;
        let mut bits = 0;
        for c in text.bytes().filter(|c| !c.is_ascii_whitespace()) {
            if c == b'=' {
                break;
            }
            let v = ALPHABET
                .iter()
                .position(|&a| a == c)
                .ok_or_else(|| format!("invalid base64 character {:?}", c as char))?;
            acc = (acc << 6) | v as u32;
            bits += 6;
            if bits >= 8 {
                bits -= 8;
                out.push((acc >> bits) as u8);
                acc &= (1 << bits) - 1;
            }
        }
        Ok(out)
    }

    pub fn serialize<S: Serializer>(bytes: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&encode(bytes))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        let text = String::deserialize(d)?;
        decode(&text).map_err(serde::de::Error::custom)
    }
}

mod base64_vec {
    use serde::{Deserialize, Deserializer, Serializer, ser::SerializeSeq};

    pub fn serialize<S: Serializer>(v: &[Vec<u8>], s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(Some(v.len()))?;
        for b in v {
            seq.serialize_element(&super::base64_bytes::encode(b))?;
        }
        seq.end()
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Vec<u8>>, D::Error> {
        Vec::<String>::deserialize(d)?
            .iter()
            .map(|t| super::base64_bytes::decode(t).map_err(serde::de::Error::custom))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dynamodb_json_round_trips_every_type() {
        let line = r#"{"a":{"S":"x\"y"},"b":{"N":"1.5"},"c":{"B":"aGVsbG8="},"d":{"BOOL":true},"e":{"NULL":true},"f":{"SS":["p","q"]},"g":{"NS":["1","2"]},"h":{"BS":["AQI="]},"i":{"M":{"k":{"S":"v"}}},"j":{"L":[{"N":"3"},{"S":"z"}]}}"#;
        let item = parse_item_line(line).expect("parses");
        assert_eq!(item["c"], AttrValue::B(b"hello".to_vec()));
        assert_eq!(item["h"], AttrValue::BS(vec![vec![1, 2]]));
        let again = parse_item_line(&item_to_line(&item)).expect("parses again");
        assert_eq!(item, again);
    }

    #[test]
    fn native_export_lines_are_unwrapped() {
        let item = parse_item_line(r#"{"Item":{"id":{"S":"1"}}}"#).expect("parses");
        assert_eq!(item["id"], AttrValue::S("1".into()));
    }

    #[test]
    fn bad_lines_say_what_is_wrong() {
        let err = parse_item_line(r#"{"id":{"X":"1"}}"#).expect_err("unknown type");
        assert!(
            err.to_string().contains("not a DynamoDB JSON item"),
            "{err}"
        );
    }

    #[test]
    fn base64_matches_known_vectors() {
        for (raw, enc) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(base64_bytes::encode(raw.as_bytes()), enc);
            assert_eq!(base64_bytes::decode(enc).expect("decodes"), raw.as_bytes());
        }
    }
}
