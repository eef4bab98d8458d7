//! The lake's integration tests, one test binary: each binary links DataFusion and the AWS SDK
//! (hundreds of MB in a debug build), so one binary instead of nine keeps a test run's disk use and
//! link time down. Run one area with `cargo test -p lake --test it export_dynalite::`.
//!
//! The stand-ins in [`support`] (dynalite, s3s-fs, moto) start once for the whole binary; tests
//! name their tables and buckets uniquely, so areas share them safely.

mod support;

mod athena_ddl;
mod athena_moto;
mod batch_retry;
mod export_dynalite;
mod hostile_values;
mod lake_roundtrip;
mod losses;
mod native_convert;
mod reports_datafusion;
mod s3_lake;
mod snapshot_dynalite;
mod tables_ensure;
