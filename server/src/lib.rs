//! The dynamo-lake server: one axum router for the dashboard and the REST API, run by `axum::serve`
//! locally and by `lambda_http` inside AWS Lambda, plus the command-line tool around it.
//!
//! - [`cli`]: one file per command; they only translate flags into library calls;
//! - [`wiring`]: configuration → services, once;
//! - [`http`]: the router, its state, errors, the REST API and the embedded bundle;
//! - [`lambda`]: the Lambda entry, one file per kind of invocation;
//! - [`demo`]: the demo's sample data and lake;
//! - [`deploy`]: the CloudFormation stack from this machine (`deploy`, `delete`, `status`, `outputs`);
//! - [`secrets`]: the dashboard token from Secrets Manager.

pub mod cli;
pub mod demo;
pub mod deploy;
pub mod http;
pub mod lambda;
pub mod secrets;
pub mod wiring;

pub use http::{AppState, app};
