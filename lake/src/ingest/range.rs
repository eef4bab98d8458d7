//! Export time ranges: the scheduled modes of seed 001 (previous day, previous week, last N hours)
//! and explicit bounds. A range is half-open, `[start, end)`, in UTC: the start is included, the
//! end is not.

use std::fmt;

use chrono::{DateTime, Datelike, Duration, NaiveTime, TimeZone, Utc};
use serde::Serialize;

use crate::{LakeError, Result};

/// A half-open UTC interval `[start, end)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct TimeRange {
    /// First instant included.
    pub start: DateTime<Utc>,
    /// First instant not included.
    pub end: DateTime<Utc>,
}

impl TimeRange {
    /// Every instant: what a conversion of a whole native export keeps.
    pub const ALL: TimeRange = TimeRange {
        start: DateTime::<Utc>::MIN_UTC,
        end: DateTime::<Utc>::MAX_UTC,
    };

    /// A range, refusing an empty or reversed one.
    pub fn new(start: DateTime<Utc>, end: DateTime<Utc>) -> Result<Self> {
        if end <= start {
            return Err(LakeError::InvalidInput(format!(
                "the range is empty: --to ({end}) must be after --from ({start})"
            )));
        }
        Ok(TimeRange { start, end })
    }

    /// Whether an instant falls inside.
    pub fn contains(&self, at: DateTime<Utc>) -> bool {
        at >= self.start && at < self.end
    }
}

impl fmt::Display for TimeRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "[{}, {})",
            self.start.format("%Y-%m-%dT%H:%M:%SZ"),
            self.end.format("%Y-%m-%dT%H:%M:%SZ")
        )
    }
}

/// The scheduled range modes (seed 001's `DateRangeMode`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RangeMode {
    /// Yesterday, 00:00 to 24:00 UTC.
    PreviousDay,
    /// The seven whole days before today (UTC).
    PreviousWeek,
    /// The last N hours up to now.
    LastHours(u32),
}

impl RangeMode {
    /// Parses `previous-day`, `previous-week` or `last-hours` (with the lookback in hours).
    pub fn parse(mode: &str, lookback_hours: Option<u32>) -> Result<Self> {
        match mode.to_ascii_lowercase().replace('_', "-").as_str() {
            "previous-day" => Ok(RangeMode::PreviousDay),
            "previous-week" => Ok(RangeMode::PreviousWeek),
            "last-hours" | "last-n-hours" => match lookback_hours {
                Some(0) => Err(LakeError::InvalidInput(
                    "--lookback-hours must be at least 1".into(),
                )),
                Some(h) => Ok(RangeMode::LastHours(h)),
                None => Err(LakeError::InvalidInput(
                    "--range last-hours needs --lookback-hours N".into(),
                )),
            },
            other => Err(LakeError::InvalidInput(format!(
                "unknown range {other:?}: expected previous-day, previous-week or last-hours"
            ))),
        }
    }

    /// The range this mode means at `now`.
    pub fn resolve(self, now: DateTime<Utc>) -> TimeRange {
        let today = Utc.from_utc_datetime(&now.date_naive().and_time(NaiveTime::MIN));
        match self {
            RangeMode::PreviousDay => TimeRange {
                start: today - Duration::days(1),
                end: today,
            },
            RangeMode::PreviousWeek => TimeRange {
                start: today - Duration::days(7),
                end: today,
            },
            RangeMode::LastHours(h) => TimeRange {
                start: now - Duration::hours(i64::from(h)),
                end: now,
            },
        }
    }
}

/// Parses a `--from`/`--to` bound: an RFC 3339 instant, or a date meaning its midnight UTC.
pub fn parse_bound(flag: &str, text: &str) -> Result<DateTime<Utc>> {
    crate::format::dates::DateFormat::Iso
        .parse_str(text)
        .map_err(|_| {
            LakeError::InvalidInput(format!(
                "{flag}: {text:?} is not a date (YYYY-MM-DD) or an ISO 8601 time"
            ))
        })
}

/// The first day (UTC) of a month and the first day of the next: seed 000's snapshot month.
pub fn month_range(year: i32, month: u32) -> Result<TimeRange> {
    let first = chrono::NaiveDate::from_ymd_opt(year, month, 1).ok_or_else(|| {
        LakeError::InvalidInput(format!("--year {year} --month {month} is not a month"))
    })?;
    let next = if first.month() == 12 {
        chrono::NaiveDate::from_ymd_opt(year + 1, 1, 1)
    } else {
        chrono::NaiveDate::from_ymd_opt(year, month + 1, 1)
    }
    .ok_or_else(|| LakeError::InvalidInput(format!("--year {year} is out of range")))?;
    let at = |d: chrono::NaiveDate| Utc.from_utc_datetime(&d.and_time(NaiveTime::MIN));
    Ok(TimeRange {
        start: at(first),
        end: at(next),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s)
            .expect("valid")
            .with_timezone(&Utc)
    }

    #[test]
    fn modes_resolve_against_a_fixed_clock() {
        let now = t("2026-03-01T10:30:00Z");
        assert_eq!(
            RangeMode::PreviousDay.resolve(now),
            TimeRange {
                start: t("2026-02-28T00:00:00Z"),
                end: t("2026-03-01T00:00:00Z")
            }
        );
        assert_eq!(
            RangeMode::PreviousWeek.resolve(now),
            TimeRange {
                start: t("2026-02-22T00:00:00Z"),
                end: t("2026-03-01T00:00:00Z")
            }
        );
        assert_eq!(
            RangeMode::LastHours(36).resolve(now),
            TimeRange {
                start: t("2026-02-27T22:30:00Z"),
                end: now
            }
        );
    }

    #[test]
    fn the_end_is_excluded_and_the_start_included() {
        let r = RangeMode::PreviousDay.resolve(t("2026-03-01T10:30:00Z"));
        assert!(r.contains(t("2026-02-28T00:00:00Z")));
        assert!(r.contains(t("2026-02-28T23:59:59.999Z")));
        assert!(!r.contains(t("2026-03-01T00:00:00Z")));
    }

    #[test]
    fn mistakes_name_the_flag() {
        assert!(
            RangeMode::parse("last-hours", None)
                .expect_err("needs hours")
                .to_string()
                .contains("--lookback-hours")
        );
        assert!(
            RangeMode::parse("yesterday", None)
                .expect_err("unknown")
                .to_string()
                .contains("\"yesterday\"")
        );
        assert!(
            parse_bound("--from", "01/02/2026")
                .expect_err("bad")
                .to_string()
                .starts_with("--from")
        );
        assert!(TimeRange::new(t("2026-01-02T00:00:00Z"), t("2026-01-01T00:00:00Z")).is_err());
    }

    #[test]
    fn months_roll_over_the_year() {
        let r = month_range(2025, 12).expect("valid");
        assert_eq!(
            (r.start, r.end),
            (t("2025-12-01T00:00:00Z"), t("2026-01-01T00:00:00Z"))
        );
        assert!(month_range(2025, 13).is_err());
    }
}
