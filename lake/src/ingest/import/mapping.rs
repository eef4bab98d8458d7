//! How a source row becomes a DynamoDB item: each value typed by `--type` (default `S`; key
//! attributes take the table's key types), empty values omitted after trimming (unless
//! `--keep-empty`), `--fallback` templates for missing values built from other columns
//! (`UNRESOLVED#{hem:0:2}`), `--default` values (`{now}`), then the table's keys checked.
//!
//! A row that cannot be mapped is rejected with a reason that names the attribute and what is
//! wrong, but never the value: reasons are logged, and rows hold personal data.

use std::collections::BTreeMap;

use crate::format::item::{AttrValue, Item};
use crate::format::number::Decimal;
use crate::{LakeError, Result};

/// The type a value is given.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttrType {
    /// String.
    S,
    /// Number (DynamoDB's rules: at most 38 significant digits, magnitude 1e-130 to 1e126).
    N,
    /// Binary, from base64 text (only key attributes of type B get it).
    B,
    /// Boolean: true/false, t/f, yes/no, 1/0 (any case).
    Bool,
    /// String set: a JSON array of strings, or comma-separated text.
    SS,
    /// Number set: a JSON array, or comma-separated numbers.
    NS,
    /// Any JSON: objects become maps, arrays lists, numbers N, strings S, null NULL.
    Json,
}

impl std::str::FromStr for AttrType {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<AttrType, String> {
        Ok(match s.trim().to_ascii_uppercase().as_str() {
            "S" => AttrType::S,
            "N" => AttrType::N,
            "B" => AttrType::B,
            "BOOL" => AttrType::Bool,
            "SS" => AttrType::SS,
            "NS" => AttrType::NS,
            "JSON" => AttrType::Json,
            other => {
                return Err(format!(
                    "unknown type {other:?}: expected N, S, BOOL, SS, NS or JSON"
                ));
            }
        })
    }
}

/// One piece of a template.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Part {
    Text(String),
    /// `{col}` or `{col:start:len}` (characters, not bytes).
    Column {
        name: String,
        start: usize,
        len: Option<usize>,
    },
    /// `{now}`: the run's start, UTC, ISO 8601 with `Z`.
    Now,
}

/// A value built from other columns: `UNRESOLVED#{hem:0:2}`, `{now}`, `{first} {last}`. `{{` and
/// `}}` are literal braces.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template {
    parts: Vec<Part>,
    text: String,
}

impl Template {
    /// Parses a template; errors say what is malformed.
    pub fn parse(text: &str) -> std::result::Result<Template, String> {
        let mut parts = Vec::new();
        let mut literal = String::new();
        let mut chars = text.chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                '{' if chars.peek() == Some(&'{') => {
                    chars.next();
                    literal.push('{');
                }
                '}' if chars.peek() == Some(&'}') => {
                    chars.next();
                    literal.push('}');
                }
                '{' => {
                    let mut inner = String::new();
                    loop {
                        match chars.next() {
                            Some('}') => break,
                            Some(c) => inner.push(c),
                            None => return Err(format!("{text:?}: a '{{' is not closed")),
                        }
                    }
                    if !literal.is_empty() {
                        parts.push(Part::Text(std::mem::take(&mut literal)));
                    }
                    parts.push(placeholder(text, &inner)?);
                }
                '}' => {
                    return Err(format!(
                        "{text:?}: a '}}' has no '{{' (write '}}}}' for a brace)"
                    ));
                }
                c => literal.push(c),
            }
        }
        if !literal.is_empty() {
            parts.push(Part::Text(literal));
        }
        Ok(Template {
            parts,
            text: text.to_string(),
        })
    }

    /// The columns the template reads.
    pub fn columns(&self) -> impl Iterator<Item = &str> {
        self.parts.iter().filter_map(|p| match p {
            Part::Column { name, .. } => Some(name.as_str()),
            _ => None,
        })
    }

    /// Builds the value from a row's (trimmed, non-empty) texts; `Err` names the column missing.
    pub fn render(
        &self,
        text_of: &dyn Fn(&str) -> Option<String>,
        now: &str,
    ) -> std::result::Result<String, String> {
        let mut out = String::new();
        for part in &self.parts {
            match part {
                Part::Text(t) => out.push_str(t),
                Part::Now => out.push_str(now),
                Part::Column { name, start, len } => {
                    let value = text_of(name).ok_or_else(|| format!("column {name:?} is empty"))?;
                    let taken: String = match len {
                        Some(n) => value.chars().skip(*start).take(*n).collect(),
                        None => value.chars().skip(*start).collect(),
                    };
                    out.push_str(&taken);
                }
            }
        }
        Ok(out)
    }
}

impl std::fmt::Display for Template {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.text)
    }
}

fn placeholder(text: &str, inner: &str) -> std::result::Result<Part, String> {
    if inner == "now" {
        return Ok(Part::Now);
    }
    let mut pieces = inner.split(':');
    let name = pieces.next().unwrap_or("").trim();
    if name.is_empty() {
        return Err(format!(
            "{text:?}: an empty {{}} (expected {{column}}, {{column:start:length}} or {{now}})"
        ));
    }
    let number = |p: Option<&str>, what: &str| -> std::result::Result<Option<usize>, String> {
        match p {
            None => Ok(None),
            Some(p) => p.trim().parse::<usize>().map(Some).map_err(|_| {
                format!("{text:?}: in {{{inner}}} the {what} {p:?} is not a whole number")
            }),
        }
    };
    let start = number(pieces.next(), "start")?.unwrap_or(0);
    let len = number(pieces.next(), "length")?;
    if pieces.next().is_some() {
        return Err(format!(
            "{text:?}: {{{inner}}} has too many ':' (expected {{column:start:length}})"
        ));
    }
    Ok(Part::Column {
        name: name.to_string(),
        start,
        len,
    })
}

/// Splits `A=x,B=y` (an environment variable's list) into pairs; a comma belongs to the value
/// unless what follows it starts a new `NAME=`.
pub fn split_pairs(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for piece in text.split(',') {
        let starts_pair = piece
            .split_once('=')
            .is_some_and(|(name, _)| !name.trim().is_empty() && !name.contains(['{', '}', ' ']));
        match out.last_mut() {
            Some(last) if !starts_pair => {
                last.push(',');
                last.push_str(piece);
            }
            _ if piece.trim().is_empty() => {}
            _ => out.push(piece.to_string()),
        }
    }
    out
}

/// Parses `ATTR=VALUE`, naming the flag in errors.
pub fn parse_pair(flag: &str, text: &str) -> Result<(String, String)> {
    match text.split_once('=') {
        Some((name, value)) if !name.trim().is_empty() => {
            Ok((name.trim().to_string(), value.to_string()))
        }
        _ => Err(LakeError::InvalidInput(format!(
            "{flag} {text:?}: expected ATTR=VALUE"
        ))),
    }
}

/// The mapping of one run.
#[derive(Debug, Clone, Default)]
pub struct Mapping {
    /// `--type ATTR=T`.
    pub types: BTreeMap<String, AttrType>,
    /// `--keep-empty`: empty values are kept (as empty strings, or NULL for JSON nulls).
    pub keep_empty: bool,
    /// `--default ATTR=TEMPLATE`, used when the attribute is missing.
    pub defaults: Vec<(String, Template)>,
    /// `--fallback ATTR=TEMPLATE`, used when the attribute is missing (before defaults).
    pub fallbacks: Vec<(String, Template)>,
}

impl Mapping {
    /// Builds a mapping from the flags' texts (`ATTR=T`, `ATTR=TEMPLATE`).
    pub fn from_flags(
        types: &[String],
        defaults: &[String],
        fallbacks: &[String],
        keep_empty: bool,
    ) -> Result<Mapping> {
        let mut mapping = Mapping {
            keep_empty,
            ..Mapping::default()
        };
        for t in types {
            let (name, ty) = parse_pair("--type", t)?;
            let ty = ty
                .parse()
                .map_err(|e| LakeError::InvalidInput(format!("--type {t:?}: {e}")))?;
            mapping.types.insert(name, ty);
        }
        for (flag, list, into) in [
            ("--default", defaults, &mut mapping.defaults),
            ("--fallback", fallbacks, &mut mapping.fallbacks),
        ] {
            for d in list {
                let (name, value) = parse_pair(flag, d)?;
                let template = Template::parse(&value)
                    .map_err(|e| LakeError::InvalidInput(format!("{flag} {d:?}: {e}")))?;
                into.push((name, template));
            }
        }
        Ok(mapping)
    }
}

/// The table's keys, as DescribeTable says them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableKeys {
    /// Partition key name and type (`S`, `N`, `B`).
    pub hash: (String, AttrType),
    /// Sort key name and type.
    pub range: Option<(String, AttrType)>,
}

impl TableKeys {
    /// From the key schema [`crate::dynamo::key_schema`] reads.
    pub fn from_schema(schema: &crate::dynamo::KeySchema) -> TableKeys {
        let ty = |t: &str| match t {
            "N" => AttrType::N,
            "B" => AttrType::B,
            _ => AttrType::S,
        };
        TableKeys {
            hash: (schema.hash.0.clone(), ty(&schema.hash.1)),
            range: schema.range.as_ref().map(|(n, t)| (n.clone(), ty(t))),
        }
    }

    /// The item's key as one string (numbers in canonical form, so `1` and `1.0` are one key);
    /// `None` if a key attribute is missing.
    pub fn key_of(&self, item: &Item) -> Option<String> {
        let part = |name: &str| -> Option<String> {
            Some(match item.get(name)? {
                AttrValue::S(s) => format!("S{s}"),
                AttrValue::N(n) => format!("N{}", canonical_number(n)?),
                AttrValue::B(b) => format!("B{}", crate::format::item::base64_bytes::encode(b)),
                _ => return None,
            })
        };
        let mut key = part(&self.hash.0)?;
        if let Some((range, _)) = &self.range {
            key.push('\u{1f}');
            key.push_str(&part(range)?);
        }
        Some(key)
    }
}

/// A number in one spelling per value (`1`, `1.0` and `1e0` alike), if DynamoDB accepts it.
pub fn canonical_number(text: &str) -> Option<String> {
    let d = valid_number(text)?;
    Some(if d.digits.is_empty() {
        "0".to_string()
    } else {
        format!(
            "{}{}e{}",
            if d.negative { "-" } else { "" },
            d.digits,
            d.exp
        )
    })
}

/// Parses a number by DynamoDB's rules: at most 38 significant digits, magnitude between 1e-130
/// and under 1e126.
fn valid_number(text: &str) -> Option<Decimal> {
    let t = text.trim();
    if t.is_empty()
        || !t
            .bytes()
            .all(|b| b.is_ascii_digit() || b"+-.eE".contains(&b))
    {
        return None;
    }
    let d = Decimal::parse(t)?;
    if d.digits.is_empty() {
        return Some(d);
    }
    let leading = d.exp + d.digits.len() as i64 - 1;
    (d.digits.len() <= 38 && (-130..=125).contains(&leading)).then_some(d)
}

/// A typed value from text, or why not (never quoting the value).
pub fn typed(text: &str, ty: AttrType) -> std::result::Result<AttrValue, String> {
    Ok(match ty {
        AttrType::S => AttrValue::S(text.to_string()),
        AttrType::N => {
            valid_number(text).ok_or("not a number DynamoDB accepts")?;
            AttrValue::N(text.trim().to_string())
        }
        AttrType::B => AttrValue::B(
            crate::format::item::base64_bytes::decode(text.trim())
                .map_err(|_| "not base64".to_string())?,
        ),
        AttrType::Bool => AttrValue::Bool(match text.trim().to_ascii_lowercase().as_str() {
            "true" | "t" | "yes" | "y" | "1" => true,
            "false" | "f" | "no" | "n" | "0" => false,
            _ => return Err("not a boolean (true/false, t/f, yes/no, 1/0)".to_string()),
        }),
        AttrType::SS | AttrType::NS => {
            let elements: Vec<String> = if text.trim_start().starts_with('[') {
                let values: Vec<serde_json::Value> =
                    serde_json::from_str(text).map_err(|_| "not a JSON array".to_string())?;
                values
                    .into_iter()
                    .map(|v| match v {
                        serde_json::Value::String(s) => Ok(s),
                        serde_json::Value::Number(n) if ty == AttrType::NS => Ok(n.to_string()),
                        _ => Err("a set element is not a string".to_string()),
                    })
                    .collect::<std::result::Result<_, _>>()?
            } else {
                text.split(',').map(|s| s.trim().to_string()).collect()
            };
            set(elements, ty == AttrType::NS)?
        }
        AttrType::Json => {
            if inexact_json_number(text) {
                return Err(INEXACT.to_string());
            }
            let value: serde_json::Value =
                serde_json::from_str(text).map_err(|_| "not valid JSON".to_string())?;
            from_json(&value)?
        }
    })
}

fn set(elements: Vec<String>, numbers: bool) -> std::result::Result<AttrValue, String> {
    if elements.is_empty() || elements.iter().any(|e| e.is_empty()) {
        return Err("a set cannot be empty or hold an empty element".to_string());
    }
    let mut seen = std::collections::HashSet::new();
    for e in &elements {
        let key = if numbers {
            canonical_number(e).ok_or("a set element is not a number DynamoDB accepts")?
        } else {
            e.clone()
        };
        if !seen.insert(key) {
            return Err("a set holds the same element twice (DynamoDB refuses it)".to_string());
        }
    }
    Ok(if numbers {
        AttrValue::NS(elements.into_iter().map(|e| e.trim().to_string()).collect())
    } else {
        AttrValue::SS(elements)
    })
}

/// Why a JSON text whose numbers would be rounded is refused.
pub const INEXACT: &str = "a JSON number has more digits than JSON parsing keeps exactly (beyond 64-bit integers or a double's precision); quote it and type it with --type ATTR=N";

/// Whether a JSON text holds a number literal that parsing would round: an integer beyond 64
/// bits, or a decimal a double does not hold exactly. Strings are skipped.
pub fn inexact_json_number(text: &str) -> bool {
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'"' => {
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
                i += 1;
            }
            b'-' | b'0'..=b'9' => {
                let start = i;
                while i < bytes.len()
                    && matches!(bytes[i], b'-' | b'+' | b'.' | b'e' | b'E' | b'0'..=b'9')
                {
                    i += 1;
                }
                if !exact_in_json(&text[start..i]) {
                    return true;
                }
            }
            _ => i += 1,
        }
    }
    false
}

fn exact_in_json(token: &str) -> bool {
    if !token.contains(['.', 'e', 'E']) {
        return token.parse::<i64>().is_ok() || token.parse::<u64>().is_ok();
    }
    let Ok(double) = token.parse::<f64>() else {
        return false;
    };
    double.is_finite() && Decimal::parse(token) == Decimal::parse(&format!("{double:e}"))
}

/// Plain JSON as a DynamoDB value: objects → M, arrays → L, strings → S, numbers → N (exactly
/// as written when `serde_json` kept them exact), booleans → BOOL, null → NULL.
pub fn from_json(value: &serde_json::Value) -> std::result::Result<AttrValue, String> {
    use serde_json::Value;
    Ok(match value {
        Value::Null => AttrValue::Null(true),
        Value::Bool(b) => AttrValue::Bool(*b),
        Value::Number(n) => {
            let text = n.to_string();
            valid_number(&text).ok_or("a number DynamoDB does not accept")?;
            AttrValue::N(text)
        }
        Value::String(s) => AttrValue::S(s.clone()),
        Value::Array(a) => AttrValue::L(
            a.iter()
                .map(from_json)
                .collect::<std::result::Result<_, _>>()?,
        ),
        Value::Object(o) => AttrValue::M(
            o.iter()
                .map(|(k, v)| Ok((k.clone(), from_json(v)?)))
                .collect::<std::result::Result<_, String>>()?,
        ),
    })
}

/// DynamoDB's item size limit.
pub const MAX_ITEM_BYTES: usize = 400 * 1024;

/// An item's size as DynamoDB counts it (names plus values; numbers about one byte per two
/// digits), to refuse an item over 400 KB before a batch fails on it.
pub fn item_size(item: &Item) -> usize {
    fn value(v: &AttrValue) -> usize {
        match v {
            AttrValue::S(s) => s.len(),
            AttrValue::N(n) => n.len().div_ceil(2) + 1,
            AttrValue::B(b) => b.len(),
            AttrValue::Bool(_) | AttrValue::Null(_) => 1,
            AttrValue::SS(v) => v.iter().map(String::len).sum(),
            AttrValue::NS(v) => v.iter().map(|n| n.len().div_ceil(2) + 1).sum(),
            AttrValue::BS(v) => v.iter().map(Vec::len).sum(),
            AttrValue::M(m) => 3 + m.iter().map(|(k, v)| k.len() + 1 + value(v)).sum::<usize>(),
            AttrValue::L(l) => 3 + l.iter().map(|v| 1 + value(v)).sum::<usize>(),
        }
    }
    item.iter().map(|(k, v)| k.len() + value(v)).sum()
}

/// Maps rows to items for one table.
#[derive(Debug, Clone)]
pub struct Mapper {
    mapping: Mapping,
    keys: TableKeys,
    now: String,
}

/// A row's values before typing.
pub enum RowValues<'a> {
    /// Text columns (CSV): name → text.
    Text(&'a [(&'a str, &'a str)]),
    /// A JSON object (JSON lines).
    Json(&'a serde_json::Map<String, serde_json::Value>),
    /// An item already typed (DynamoDB JSON).
    Typed(Item),
}

impl Mapper {
    /// A mapper for a table with these keys; `now` is the run's start for `{now}`.
    pub fn new(mapping: Mapping, keys: TableKeys, now: String) -> Mapper {
        Mapper { mapping, keys, now }
    }

    /// The table's keys.
    pub fn keys(&self) -> &TableKeys {
        &self.keys
    }

    fn type_of(&self, name: &str) -> AttrType {
        self.mapping
            .types
            .get(name)
            .copied()
            .or_else(|| self.key_type(name))
            .unwrap_or(AttrType::S)
    }

    /// Maps one row; `Err` is the reason it is rejected (names attributes, never values).
    pub fn map(&self, row: RowValues<'_>) -> std::result::Result<Item, String> {
        // A typed item needs no copy unless templates read its original values.
        let row = match row {
            RowValues::Typed(item)
                if self.mapping.fallbacks.is_empty() && self.mapping.defaults.is_empty() =>
            {
                return self.checked(item);
            }
            row => row,
        };
        let mut item = Item::new();
        let text_of = |name: &str| row_text(&row, name);
        match &row {
            RowValues::Text(cols) => {
                for (name, raw) in cols.iter() {
                    let text = raw.trim();
                    if text.is_empty() {
                        if self.mapping.keep_empty {
                            item.insert(name.to_string(), AttrValue::S(String::new()));
                        }
                        continue;
                    }
                    let value =
                        typed(text, self.type_of(name)).map_err(|why| format!("{name}: {why}"))?;
                    item.insert(name.to_string(), value);
                }
            }
            RowValues::Json(map) => {
                for (name, v) in map.iter() {
                    if let Some(value) = self.json_value(name, v)? {
                        item.insert(name.clone(), value);
                    }
                }
            }
            RowValues::Typed(typed_item) => item = typed_item.clone(),
        }
        // An empty value kept by --keep-empty still counts as missing for fallbacks and defaults.
        let missing = |item: &Item, name: &str| match item.get(name) {
            None | Some(AttrValue::Null(_)) => true,
            Some(AttrValue::S(s)) => s.is_empty(),
            Some(_) => false,
        };
        for (name, template) in &self.mapping.fallbacks {
            if missing(&item, name) {
                let text = template.render(&text_of, &self.now).map_err(|why| {
                    format!("{name} is missing and its fallback cannot be built: {why}")
                })?;
                let value = typed(&text, self.type_of(name))
                    .map_err(|why| format!("{name} (fallback): {why}"))?;
                item.insert(name.clone(), value);
            }
        }
        for (name, template) in &self.mapping.defaults {
            if missing(&item, name) {
                let text = template.render(&text_of, &self.now).map_err(|why| {
                    format!("{name} is missing and its default cannot be built: {why}")
                })?;
                let value = typed(&text, self.type_of(name))
                    .map_err(|why| format!("{name} (default): {why}"))?;
                item.insert(name.clone(), value);
            }
        }
        self.checked(item)
    }

    /// The item if it has the table's keys and fits DynamoDB's item limit.
    fn checked(&self, item: Item) -> std::result::Result<Item, String> {
        self.check_keys(&item)?;
        let size = item_size(&item);
        if size > MAX_ITEM_BYTES {
            return Err(format!(
                "the item is {size} bytes, over DynamoDB's 400 KB item limit"
            ));
        }
        Ok(item)
    }

    fn key_type(&self, name: &str) -> Option<AttrType> {
        if self.keys.hash.0 == name {
            return Some(self.keys.hash.1);
        }
        match &self.keys.range {
            Some((r, t)) if r == name => Some(*t),
            _ => None,
        }
    }

    fn json_value(
        &self,
        name: &str,
        v: &serde_json::Value,
    ) -> std::result::Result<Option<AttrValue>, String> {
        use serde_json::Value;
        let ty = self
            .mapping
            .types
            .get(name)
            .copied()
            .or_else(|| self.key_type(name));
        let refused = |kind: &str| Err(format!("a JSON {kind} cannot be {}", type_label(ty)));
        let value = match v {
            Value::Null => return Ok(self.mapping.keep_empty.then_some(AttrValue::Null(true))),
            Value::String(s) if s.trim().is_empty() => {
                return Ok(self.mapping.keep_empty.then(|| AttrValue::S(s.clone())));
            }
            Value::String(s) => typed(s.trim(), ty.unwrap_or(AttrType::S)),
            Value::Number(n) => match ty {
                Some(AttrType::S) => Ok(AttrValue::S(n.to_string())),
                None | Some(AttrType::N | AttrType::Json) => from_json(v),
                Some(_) => refused("number"),
            },
            Value::Bool(b) => match ty {
                Some(AttrType::S) => Ok(AttrValue::S(b.to_string())),
                None | Some(AttrType::Bool | AttrType::Json) => Ok(AttrValue::Bool(*b)),
                Some(_) => refused("boolean"),
            },
            Value::Array(_) => match ty {
                Some(t @ (AttrType::SS | AttrType::NS)) => typed(&v.to_string(), t),
                None | Some(AttrType::Json) => from_json(v),
                Some(_) => refused("array"),
            },
            Value::Object(_) => match ty {
                None | Some(AttrType::Json) => from_json(v),
                Some(_) => refused("object"),
            },
        };
        value.map(Some).map_err(|why| format!("{name}: {why}"))
    }

    fn check_keys(&self, item: &Item) -> std::result::Result<(), String> {
        let check = |name: &str, ty: AttrType, role: &str| -> std::result::Result<(), String> {
            match (item.get(name), ty) {
                (None, _) => Err(format!("the {role} key {name} is missing")),
                (Some(AttrValue::S(s)), AttrType::S) if s.is_empty() => {
                    Err(format!("the {role} key {name} is empty"))
                }
                (Some(AttrValue::S(_)), AttrType::S)
                | (Some(AttrValue::N(_)), AttrType::N)
                | (Some(AttrValue::B(_)), AttrType::B) => Ok(()),
                (Some(v), _) => Err(format!(
                    "the {role} key {name} is {} but the table's key is {:?}",
                    v.type_name(),
                    ty
                )),
            }
        };
        check(&self.keys.hash.0, self.keys.hash.1, "partition")?;
        if let Some((name, ty)) = &self.keys.range {
            check(name, *ty, "sort")?;
        }
        Ok(())
    }
}

/// A column's trimmed text, `None` when missing or empty (what templates read).
fn row_text(row: &RowValues<'_>, name: &str) -> Option<String> {
    let text = match row {
        RowValues::Text(cols) => cols
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.trim().to_string()),
        RowValues::Json(map) => match map.get(name)? {
            serde_json::Value::String(s) => Some(s.trim().to_string()),
            serde_json::Value::Null => None,
            other => Some(other.to_string()),
        },
        RowValues::Typed(item) => item.get(name).and_then(|v| v.to_text()),
    };
    text.filter(|t| !t.is_empty())
}

fn type_label(ty: Option<AttrType>) -> &'static str {
    match ty {
        Some(AttrType::S) => "a string",
        Some(AttrType::N) => "a number",
        Some(AttrType::B) => "binary",
        Some(AttrType::Bool) => "a boolean",
        Some(AttrType::SS) => "a string set",
        Some(AttrType::NS) => "a number set",
        Some(AttrType::Json) | None => "JSON",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mapper(mapping: Mapping) -> Mapper {
        Mapper::new(
            mapping,
            TableKeys {
                hash: ("vup_id".into(), AttrType::S),
                range: Some(("hem".into(), AttrType::S)),
            },
            "2026-01-01T00:00:00Z".into(),
        )
    }

    fn seed() -> Mapping {
        Mapping::from_flags(
            &["score=N".into(), "active=BOOL".into(), "tags=SS".into()],
            &["updated_at={now}".into()],
            &["vup_id=UNRESOLVED#{hem:0:2}".into()],
            false,
        )
        .expect("valid")
    }

    #[test]
    fn rows_are_typed_trimmed_and_completed() {
        let m = mapper(seed());
        let row = [
            ("hem", " a1b2c3 "),
            ("vup_id", "  "),
            ("email", "x@example.com"),
            ("score", "12.50"),
            ("active", "t"),
            ("tags", r#"["a","b"]"#),
            ("domain", ""),
        ];
        let item = m.map(RowValues::Text(&row)).expect("maps");
        assert_eq!(item["vup_id"], AttrValue::S("UNRESOLVED#a1".into()));
        assert_eq!(item["hem"], AttrValue::S("a1b2c3".into()));
        assert_eq!(item["score"], AttrValue::N("12.50".into()));
        assert_eq!(item["active"], AttrValue::Bool(true));
        assert_eq!(item["tags"], AttrValue::SS(vec!["a".into(), "b".into()]));
        assert_eq!(
            item["updated_at"],
            AttrValue::S("2026-01-01T00:00:00Z".into())
        );
        assert!(!item.contains_key("domain"), "empty values are omitted");
    }

    #[test]
    fn bad_rows_are_rejected_without_their_values() {
        let m = mapper(seed());
        let secret = "alice@example.com";
        for (row, want) in [
            (
                vec![("hem", "ab"), ("score", secret)],
                "score: not a number",
            ),
            (
                vec![("email", secret)],
                "vup_id is missing and its fallback cannot be built",
            ),
            (
                vec![("hem", "ab"), ("active", secret)],
                "active: not a boolean",
            ),
            (
                vec![("hem", "ab"), ("tags", "a,a")],
                "tags: a set holds the same element twice",
            ),
        ] {
            let why = m.map(RowValues::Text(&row)).expect_err("rejected");
            assert!(why.starts_with(want), "{why}");
            assert!(!why.contains(secret), "a reason quotes the value: {why}");
        }
    }

    #[test]
    fn numbers_follow_dynamodbs_rules() {
        for ok in [
            "0",
            "-1.5",
            "1e125",
            "1E-130",
            "12345678901234567890123456789012345678",
        ] {
            assert!(valid_number(ok).is_some(), "{ok}");
        }
        for bad in [
            "",
            "abc",
            "1e126",
            "1e-131",
            "NaN",
            "inf",
            "123456789012345678901234567890123456789",
            "1.2.3",
        ] {
            assert!(valid_number(bad).is_none(), "{bad}");
        }
        assert_eq!(canonical_number("1.0"), canonical_number("1"));
        assert_eq!(canonical_number("10e-1"), canonical_number("1"));
    }

    #[test]
    fn json_numbers_that_would_be_rounded_are_found() {
        for exact in [
            r#"{"a": 1}"#,
            r#"{"a": -9223372036854775808, "b": 18446744073709551615}"#,
            r#"{"a": 0.1, "b": 1.5e3, "c": "123456789012345678901234"}"#,
        ] {
            assert!(!inexact_json_number(exact), "{exact}");
        }
        for inexact in [
            r#"{"a": 123456789012345678901234}"#,
            r#"{"a": 3.14159265358979323846}"#,
            r#"{"s": "x\"", "a": [1, 0.30000000000000000001]}"#,
        ] {
            assert!(inexact_json_number(inexact), "{inexact}");
        }
    }

    #[test]
    fn templates_parse_and_name_their_mistakes() {
        let t = Template::parse("UNRESOLVED#{hem:0:2}").expect("valid");
        assert_eq!(t.columns().collect::<Vec<_>>(), ["hem"]);
        let text_of = |n: &str| (n == "hem").then(|| "é5f3e".to_string());
        assert_eq!(t.render(&text_of, "now").expect("renders"), "UNRESOLVED#é5");
        assert!(Template::parse("{hem").is_err());
        assert!(
            Template::parse("{hem:x}")
                .expect_err("bad")
                .contains("\"x\"")
        );
        assert_eq!(
            Template::parse("{{literal}}")
                .expect("valid")
                .render(&text_of, "")
                .expect("ok"),
            "{literal}"
        );
        assert_eq!(split_pairs("a=N,b=S"), ["a=N", "b=S"]);
        assert_eq!(split_pairs("x=one,two,y={now}"), ["x=one,two", "y={now}"]);
    }

    #[test]
    fn json_rows_keep_their_types_and_keys_are_checked() {
        let m = mapper(Mapping::default());
        let row: serde_json::Map<String, serde_json::Value> = serde_json::from_str(
            r#"{"vup_id": "v", "hem": "h", "n": 3, "nested": {"a": [1, "x", null]}, "gone": null}"#,
        )
        .expect("json");
        let item = m.map(RowValues::Json(&row)).expect("maps");
        assert_eq!(item["n"], AttrValue::N("3".into()));
        assert!(matches!(item["nested"], AttrValue::M(_)));
        assert!(!item.contains_key("gone"));
        let keyless: serde_json::Map<String, serde_json::Value> =
            serde_json::from_str(r#"{"hem": "h"}"#).expect("json");
        assert_eq!(
            m.map(RowValues::Json(&keyless)).expect_err("no key"),
            "the partition key vup_id is missing"
        );
    }
}
