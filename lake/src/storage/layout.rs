//! Where data lives in the lake: the Hive partition path of a day. The writer, the engines and the
//! Athena projection template all take it from here, so paths and DDL cannot disagree.

use chrono::{Datelike, NaiveDate};

/// Month and day are written zero-padded to this many digits (`month=01`); Athena's
/// `projection.month.digits` must say the same.
pub const PAD_DIGITS: usize = 2;

/// The name of the folder (under the lake root) that holds dynamo-lake's own metadata.
pub const META_DIR: &str = "_dynamo_lake";

/// The lake manifest, relative to the lake root: written last, it is the commit marker.
pub const MANIFEST: &str = "_dynamo_lake/manifest.json";

/// Where the embedded engine keeps query results by default, relative to the lake root.
pub const RESULTS_DIR: &str = "_dynamo_lake/results";

/// The partition columns, outermost first.
pub const PARTITION_COLUMNS: [&str; 3] = ["year", "month", "day"];

/// The relative folder of one day: `year=2026/month=01/day=31`.
pub fn partition_path(day: NaiveDate) -> String {
    format!(
        "year={:04}/month={:0w$}/day={:0w$}",
        day.year(),
        day.month(),
        day.day(),
        w = PAD_DIGITS
    )
}

/// Athena's `storage.location.template` for a lake rooted at `location` (ends with `/`).
pub fn location_template(location: &str) -> String {
    let base = location.trim_end_matches('/');
    format!("{base}/year=${{year}}/month=${{month}}/day=${{day}}/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_are_zero_padded() {
        let d = NaiveDate::from_ymd_opt(2026, 1, 5).expect("valid");
        assert_eq!(partition_path(d), "year=2026/month=01/day=05");
    }

    #[test]
    fn template_names_every_partition_column() {
        let t = location_template("s3://b/p/");
        assert_eq!(t, "s3://b/p/year=${year}/month=${month}/day=${day}/");
        for c in PARTITION_COLUMNS {
            assert!(t.contains(&format!("{c}=${{{c}}}")));
        }
    }
}
