//! The server's integration tests, one test binary: each binary links the whole server (DataFusion,
//! the AWS SDK, Leptos; hundreds of MB in a debug build), so one binary instead of five keeps a test
//! run's disk use and link time down. Run one area with `cargo test -p server --test it routes::`.

mod common;
mod stand_in;

mod auth;
mod cli;
mod custom_resource;
mod deploy_moto;
mod import;
mod kill;
mod lambda;
mod lambda_cold_start;
mod lambda_import;
mod lambda_report;
mod lambda_runtime;
mod lambda_smoke;
mod open_proxy;
mod query_api;
mod routes;
