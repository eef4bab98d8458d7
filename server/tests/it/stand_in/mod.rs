//! The CLI tests' stand-ins: the `test-support` crate's, one per test (each stops when dropped).

pub use test_support::{StandIn, dynalite, moto, s3s_fs};
