//! CloudWatch Embedded Metric Format: one JSON line per source on standard output, which
//! CloudWatch Logs turns into the metrics `ItemsProcessed`, `ItemsFailed` and
//! `ItemsDeduplicated` (namespace `dynamo-lake/Import`, dimensions `Table` and `Table`+`Source`),
//! so no PutMetricData call or permission is needed.

use serde_json::{Value, json};

use super::ImportReport;

/// The metrics namespace.
pub const NAMESPACE: &str = "dynamo-lake/Import";

/// The EMF lines of a finished run, one per source, stamped `timestamp_ms`.
pub fn emf_lines(report: &ImportReport, timestamp_ms: i64) -> Vec<String> {
    report
        .sources
        .iter()
        .map(|s| {
            let line: Value = json!({
                "_aws": {
                    "Timestamp": timestamp_ms,
                    "CloudWatchMetrics": [{
                        "Namespace": NAMESPACE,
                        "Dimensions": [["Table"], ["Table", "Source"]],
                        "Metrics": [
                            {"Name": "ItemsProcessed", "Unit": "Count"},
                            {"Name": "ItemsFailed", "Unit": "Count"},
                            {"Name": "ItemsDeduplicated", "Unit": "Count"}
                        ]
                    }]
                },
                "Table": report.table,
                "Source": s.source,
                "ItemsProcessed": s.items_processed,
                "ItemsFailed": s.items_failed,
                "ItemsDeduplicated": s.items_deduplicated,
            });
            line.to_string()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::import::SourceReport;

    #[test]
    fn one_line_per_source_with_its_counts() {
        let report = ImportReport {
            status_code: 207,
            items_processed: 3,
            items_failed: 1,
            items_deduplicated: 0,
            items_written: 3,
            rows: 4,
            sources: vec![SourceReport {
                source: "s3://b/part_000.gz".into(),
                items_processed: 3,
                items_failed: 1,
                ..SourceReport::default()
            }],
            seconds: 1.0,
            table: "t".into(),
            dry_run: false,
            rejects: None,
            native_export: None,
        };
        let lines = emf_lines(&report, 1_700_000_000_000);
        assert_eq!(lines.len(), 1);
        let v: Value = serde_json::from_str(&lines[0]).expect("json");
        assert_eq!(v["ItemsFailed"], 1);
        assert_eq!(v["Source"], "s3://b/part_000.gz");
        assert_eq!(v["_aws"]["CloudWatchMetrics"][0]["Namespace"], NAMESPACE);
        let names: Vec<&str> = v["_aws"]["CloudWatchMetrics"][0]["Metrics"]
            .as_array()
            .expect("metrics")
            .iter()
            .filter_map(|m| m["Name"].as_str())
            .collect();
        assert_eq!(
            names,
            ["ItemsProcessed", "ItemsFailed", "ItemsDeduplicated"]
        );
    }
}
