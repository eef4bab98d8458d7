//! The shapes every part of dynamo-lake agrees on, written once: the report catalogue, result
//! columns and views, the dashboard's data, job and record summaries, and CSV field escaping.
//! Only serde: it is compiled into the browser bundle as well as the server, so it holds no I/O,
//! no clock and no server-only crate.

pub mod csv;
pub mod dashboard;
pub mod job;
pub mod record;
pub mod report;
pub mod result;

pub use dashboard::{ChartSvgs, DashboardData, DayCount, RangeInput, Slice, StatCards};
pub use job::JobSummary;
pub use record::RecordSummary;
pub use report::{REPORTS, ReportField, ReportInput, ReportKind};
pub use result::{ResultColumn, ResultView};
