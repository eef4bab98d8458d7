//! The dynamo-lake server: one axum router for the dashboard and the REST API, run by `axum::serve`
//! locally and by `lambda_http` inside AWS Lambda, plus the command-line tool around it.

pub mod api;
pub mod assets;
pub mod cli;
pub mod convert_cmd;
pub mod demo;
pub mod error;
pub mod export_cmd;
pub mod lambda;
pub mod query_cmd;
pub mod router;
pub mod serve;
pub mod snapshot_cmd;

pub use router::{AppState, app};
