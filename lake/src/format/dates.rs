//! Sort-key dates: the three formats a table may store them in, parsed to UTC instants.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};

use crate::format::item::AttrValue;
use crate::{LakeError, Result};

/// How the sort key stores its date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DateFormat {
    /// ISO 8601 / RFC 3339: `2026-01-31T08:15:00Z`, with or without offset or fraction, or `2026-01-31`.
    /// Without an offset the time is taken as UTC.
    #[default]
    Iso,
    /// Unix epoch as a Number or a numeric String, in seconds (or milliseconds above 10^11).
    Epoch,
    /// Human-readable: `dd.mm.yyyy`, `dd.mm.yyyy hh:mm[:ss]`, `yyyy-mm-dd hh:mm[:ss]`, `yyyy/mm/dd[ hh:mm[:ss]]`; UTC.
    Human,
}

impl FromStr for DateFormat {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.to_ascii_lowercase().as_str() {
            "iso" => Ok(DateFormat::Iso),
            "epoch" => Ok(DateFormat::Epoch),
            "human" | "human_readable" => Ok(DateFormat::Human),
            other => Err(format!(
                "unknown date format {other:?}: expected iso, epoch or human"
            )),
        }
    }
}

impl fmt::Display for DateFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            DateFormat::Iso => "iso",
            DateFormat::Epoch => "epoch",
            DateFormat::Human => "human",
        })
    }
}

impl DateFormat {
    /// Parses a sort-key attribute value into a UTC instant.
    pub fn parse_value(self, value: &AttrValue) -> Result<DateTime<Utc>> {
        match value {
            AttrValue::S(s) => self.parse_str(s),
            AttrValue::N(n) if self == DateFormat::Epoch => self.parse_str(n),
            other => Err(LakeError::InvalidInput(format!(
                "a {self} date must be stored as {}, found type {}",
                if self == DateFormat::Epoch {
                    "N or S"
                } else {
                    "S"
                },
                other.type_name()
            ))),
        }
    }

    /// Parses a sort-key text into a UTC instant.
    pub fn parse_str(self, text: &str) -> Result<DateTime<Utc>> {
        let t = text.trim();
        let parsed = match self {
            DateFormat::Iso => parse_iso(t),
            DateFormat::Epoch => parse_epoch(t),
            DateFormat::Human => parse_human(t),
        };
        parsed.ok_or_else(|| LakeError::InvalidInput(format!("{text:?} is not a {self} date")))
    }

    /// Formats an instant the way this format stores it, for key conditions on the sort key.
    pub fn format(self, at: DateTime<Utc>) -> String {
        match self {
            DateFormat::Iso => at.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
            DateFormat::Epoch => at.timestamp().to_string(),
            DateFormat::Human => at.format("%Y-%m-%d %H:%M:%S").to_string(),
        }
    }
}

fn parse_iso(t: &str) -> Option<DateTime<Utc>> {
    if let Ok(dt) = DateTime::parse_from_rfc3339(t) {
        return Some(dt.with_timezone(&Utc));
    }
    for fmt in [
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%d %H:%M:%S%.f",
    ] {
        if let Ok(naive) = NaiveDateTime::parse_from_str(t, fmt) {
            return Some(Utc.from_utc_datetime(&naive));
        }
    }
    NaiveDate::parse_from_str(t, "%Y-%m-%d").ok().map(midnight)
}

fn parse_epoch(t: &str) -> Option<DateTime<Utc>> {
    let n: f64 = t.parse().ok()?;
    if !n.is_finite() {
        return None;
    }
    // Seconds until the year 5138; above that the value is milliseconds.
    let millis = if n.abs() < 1e11 { n * 1000.0 } else { n };
    DateTime::from_timestamp_millis(millis.round() as i64)
}

fn parse_human(t: &str) -> Option<DateTime<Utc>> {
    const DATE_TIMES: [&str; 6] = [
        "%d.%m.%Y %H:%M:%S",
        "%d.%m.%Y %H:%M",
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%d %H:%M",
        "%Y/%m/%d %H:%M:%S",
        "%Y/%m/%d %H:%M",
    ];
    for fmt in DATE_TIMES {
        if let Ok(naive) = NaiveDateTime::parse_from_str(t, fmt) {
            return Some(Utc.from_utc_datetime(&naive));
        }
    }
    for fmt in ["%d.%m.%Y", "%Y-%m-%d", "%Y/%m/%d"] {
        if let Ok(d) = NaiveDate::parse_from_str(t, fmt) {
            return Some(midnight(d));
        }
    }
    None
}

fn midnight(d: NaiveDate) -> DateTime<Utc> {
    Utc.from_utc_datetime(&d.and_time(NaiveTime::MIN))
}

/// Parses a `YYYY-MM-DD` date given by a user, naming the parameter when it is wrong.
pub fn parse_day(name: &str, text: &str) -> Result<NaiveDate> {
    NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d").map_err(|_| {
        LakeError::InvalidInput(format!(
            "{name}: {text:?} is not a date of the form YYYY-MM-DD"
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s)
            .expect("valid")
            .with_timezone(&Utc)
    }

    #[test]
    fn iso_accepts_offsets_fractions_and_plain_dates() {
        let f = DateFormat::Iso;
        assert_eq!(
            f.parse_str("2026-01-31T23:30:00Z").ok(),
            Some(utc("2026-01-31T23:30:00Z"))
        );
        assert_eq!(
            f.parse_str("2026-02-01T01:30:00+02:00").ok(),
            Some(utc("2026-01-31T23:30:00Z"))
        );
        assert_eq!(
            f.parse_str("2026-01-31T23:30:00.123").ok(),
            Some(utc("2026-01-31T23:30:00.123Z"))
        );
        assert_eq!(
            f.parse_str("2026-01-31").ok(),
            Some(utc("2026-01-31T00:00:00Z"))
        );
        assert!(f.parse_str("31.01.2026").is_err());
    }

    #[test]
    fn epoch_accepts_seconds_and_millis() {
        let f = DateFormat::Epoch;
        assert_eq!(
            f.parse_str("1769902200").ok(),
            Some(utc("2026-01-31T23:30:00Z"))
        );
        assert_eq!(
            f.parse_str("1769902200000").ok(),
            Some(utc("2026-01-31T23:30:00Z"))
        );
        assert_eq!(
            f.parse_value(&AttrValue::N("1769902200".into())).ok(),
            Some(utc("2026-01-31T23:30:00Z"))
        );
        assert!(f.parse_str("soon").is_err());
    }

    #[test]
    fn human_accepts_the_documented_forms() {
        let f = DateFormat::Human;
        assert_eq!(
            f.parse_str("03.01.2025").ok(),
            Some(utc("2025-01-03T00:00:00Z"))
        );
        assert_eq!(
            f.parse_str("03.01.2025 14:05").ok(),
            Some(utc("2025-01-03T14:05:00Z"))
        );
        assert_eq!(
            f.parse_str("2025-01-03 14:05:09").ok(),
            Some(utc("2025-01-03T14:05:09Z"))
        );
        assert_eq!(
            f.parse_str("2025/01/03").ok(),
            Some(utc("2025-01-03T00:00:00Z"))
        );
        let err = f.parse_str("Jan 3rd").expect_err("not accepted");
        assert!(
            err.to_string().contains("\"Jan 3rd\" is not a human date"),
            "{err}"
        );
    }
}
