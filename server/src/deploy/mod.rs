//! The stack's life from this machine, replacing seed 001's `deploy.py`: the embedded templates,
//! the staging bucket code and large templates go through ([`staging`]), change sets executed
//! while their events print ([`stack`]), and emptying buckets before a delete ([`buckets`]).
//! Clients come from the SDK's standard chain: credentials from profiles, SSO or the environment,
//! endpoints from `AWS_ENDPOINT_URL`/`AWS_ENDPOINT_URL_<SERVICE>` (the tests point them at moto).

pub mod buckets;
pub mod stack;
pub mod staging;

use std::time::Duration;

use aws_config::SdkConfig;
use lake::aws::{Retries, is_loopback_url, sdk_config};

/// The stack template (`dynamo-lake template` prints it).
pub const TEMPLATE: &str = include_str!("../../../deploy/template.yaml");
/// The staging stack's template: one bucket for code zips and large templates.
pub const STAGING_TEMPLATE: &str = include_str!("../../../deploy/staging.yaml");
/// CloudFormation takes a template body up to this size; larger ones go through S3.
pub const MAX_TEMPLATE_BODY: usize = 51_200;

/// The AWS clients of a deployment.
#[derive(Clone)]
pub struct Cloud {
    /// CloudFormation.
    pub cfn: aws_sdk_cloudformation::Client,
    /// S3 (path-style addressing for a local endpoint).
    pub s3: aws_sdk_s3::Client,
    /// The region the clients talk to.
    pub region: String,
    /// The S3 endpoint when it is not AWS's (a template URL must point there).
    pub s3_endpoint: Option<String>,
}

impl Cloud {
    /// Clients for `region` (`None`: the SDK's chain).
    pub async fn connect(region: Option<&str>) -> anyhow::Result<Cloud> {
        let retries = Retries {
            attempts: 5,
            initial_backoff: Duration::from_millis(500),
        };
        let sdk: SdkConfig = sdk_config(None, region, retries).await;
        let region = sdk
            .region()
            .map(|r| r.to_string())
            .ok_or_else(|| anyhow::anyhow!("no AWS region: give --region or set AWS_REGION"))?;
        let s3_endpoint = std::env::var("AWS_ENDPOINT_URL_S3")
            .or_else(|_| std::env::var("AWS_ENDPOINT_URL"))
            .ok()
            .filter(|e| !e.is_empty());
        let local = s3_endpoint.as_deref().is_some_and(is_loopback_url);
        let s3 = aws_sdk_s3::Client::from_conf(
            aws_sdk_s3::config::Builder::from(&sdk)
                .force_path_style(local)
                .build(),
        );
        Ok(Cloud {
            cfn: aws_sdk_cloudformation::Client::new(&sdk),
            s3,
            region,
            s3_endpoint,
        })
    }

    /// The HTTPS URL CloudFormation reads `key` of `bucket` from.
    pub fn object_url(&self, bucket: &str, key: &str) -> String {
        match &self.s3_endpoint {
            Some(endpoint) => format!("{}/{bucket}/{key}", endpoint.trim_end_matches('/')),
            None => format!("https://{bucket}.s3.{}.amazonaws.com/{key}", self.region),
        }
    }
}

/// An SDK error as one line: the service's code and message when it sent them.
pub fn sdk_message<E>(err: &aws_sdk_cloudformation::error::SdkError<E>) -> String
where
    E: aws_sdk_cloudformation::error::ProvideErrorMetadata + std::error::Error + 'static,
{
    match err.as_service_error() {
        Some(e) => match (e.code(), e.message()) {
            (Some(code), Some(message)) => format!("{code}: {message}"),
            (Some(code), None) => code.to_string(),
            _ => format!("{e:?}"),
        },
        None => {
            use std::error::Error;
            let mut text = err.to_string();
            let mut source = err.source();
            while let Some(s) = source {
                text.push_str(&format!(": {s}"));
                source = s.source();
            }
            text
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_templates_are_embedded_and_the_stack_one_fits_a_template_body() {
        assert!(TEMPLATE.starts_with("AWSTemplateFormatVersion"));
        assert!(TEMPLATE.contains("DashboardAuth:"));
        assert!(STAGING_TEMPLATE.contains("BucketName:"));
        // deploy still uploads it when it grows past the limit; this says when that started.
        assert!(
            TEMPLATE.len() < MAX_TEMPLATE_BODY,
            "{} bytes",
            TEMPLATE.len()
        );
    }
}
