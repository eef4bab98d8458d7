//! How every AWS client of the pipeline is configured: one loader for DynamoDB, Athena and the S3
//! credential chain. Local endpoints (an emulator on this machine) always get fixed fake
//! credentials, so a developer's real ones never reach them; AWS endpoints use aws-config's chain
//! (environment, profile, SSO, web identity, container and instance roles).

use std::time::Duration;

use aws_config::BehaviorVersion;
use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{Region, SdkConfig};
use aws_sdk_dynamodb::config::Credentials;

/// The fake credentials every local endpoint gets.
pub const LOCAL_KEY: &str = "dynamo-lake-local";

/// Whether `url` points at this machine (an emulator).
pub fn is_loopback_url(url: &str) -> bool {
    let rest = url.split("://").nth(1).unwrap_or(url);
    let host = rest.split(['/', '?']).next().unwrap_or("");
    let host = if host.starts_with('[') {
        host.split(']').next().unwrap_or("").trim_start_matches('[')
    } else {
        host.rsplit_once(':').map(|(h, _)| h).unwrap_or(host)
    };
    host == "localhost"
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// Standard retries (exponential backoff with jitter) of at most `attempts` tries.
#[derive(Debug, Clone, Copy)]
pub struct Retries {
    /// Tries in all.
    pub attempts: u32,
    /// The first backoff.
    pub initial_backoff: Duration,
}

/// Loads the SDK configuration for a client of `endpoint_url` (`None`: AWS) in `region` (`None`:
/// from the environment or profile; `us-east-1` for local endpoints).
pub async fn sdk_config(
    endpoint_url: Option<&str>,
    region: Option<&str>,
    retries: Retries,
) -> SdkConfig {
    let mut loader = aws_config::defaults(BehaviorVersion::latest())
        .retry_config(
            RetryConfig::standard()
                .with_max_attempts(retries.attempts)
                .with_initial_backoff(retries.initial_backoff),
        )
        .timeout_config(
            TimeoutConfig::builder()
                .connect_timeout(Duration::from_secs(5))
                .build(),
        );
    if let Some(region) = region {
        loader = loader.region(Region::new(region.to_string()));
    }
    if let Some(url) = endpoint_url {
        loader = loader.endpoint_url(url);
        if is_loopback_url(url) {
            loader = loader
                .credentials_provider(Credentials::new(LOCAL_KEY, LOCAL_KEY, None, None, "local"));
            if region.is_none() {
                loader = loader.region(Region::new("us-east-1"));
            }
        }
    }
    loader.load().await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_urls() {
        assert!(is_loopback_url("http://127.0.0.1:9000"));
        assert!(is_loopback_url("http://localhost:9000/"));
        assert!(is_loopback_url("http://[::1]:9000"));
        assert!(!is_loopback_url("https://s3.eu-west-1.amazonaws.com"));
        assert!(!is_loopback_url("https://dynamodb.us-east-1.amazonaws.com"));
    }
}
