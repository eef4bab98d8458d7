//! The dashboard's parts, one component per file. The page (`crate::dashboard`) composes them; a
//! part depends only on the parts it contains (the report panel holds the agent picker and the
//! results table, which holds the CSV panel), never on the page.

pub mod agent_picker;
pub mod breakdown_charts;
pub mod csv_panel;
pub mod daily_chart;
pub mod range_filter;
pub mod recent_jobs;
pub mod report_panel;
pub mod results_table;
pub mod stat_cards;
pub mod theme_switcher;
