//! What every AWS client of the crate shares: one SDK configuration loader, the one error
//! classifier and the one backoff.

pub mod backoff;
pub mod config;
pub mod error;

pub use config::{LOCAL_KEY, Retries, is_loopback_url, sdk_config};
