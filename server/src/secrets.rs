//! The dashboard's shared token from AWS Secrets Manager (`DYNAMO_LAKE_AUTH_SECRET_ARN`): read once
//! per process (a Lambda cold start), never logged. The template's secret holds the token as its
//! whole string; a JSON object with a `token` field is accepted too (a secret made by hand).

use anyhow::Context;
use lake::aws::{Retries, sdk_config};

/// The token the secret `arn` holds. Endpoints and credentials come from the SDK's standard
/// chain (`AWS_ENDPOINT_URL_SECRETS_MANAGER` for a local stand-in).
pub async fn read_token(arn: &str) -> anyhow::Result<String> {
    let retries = Retries {
        attempts: 3,
        initial_backoff: std::time::Duration::from_millis(200),
    };
    let sdk = sdk_config(None, None, retries).await;
    let client = aws_sdk_secretsmanager::Client::new(&sdk);
    let out = client
        .get_secret_value()
        .secret_id(arn)
        .send()
        .await
        .map_err(|e| lake::aws::error::sdk_error("read the dashboard token", "Secrets Manager", e))
        .with_context(|| format!("cannot read the dashboard token from secret {arn}"))?;
    let text = out.secret_string().with_context(|| {
        format!("secret {arn} has no string value (a binary secret cannot be a token)")
    })?;
    token_of(text).with_context(|| format!("secret {arn}"))
}

/// The token in a secret's string: the string itself, or the `token` field of a JSON object.
fn token_of(text: &str) -> anyhow::Result<String> {
    let trimmed = text.trim();
    if trimmed.starts_with('{') {
        let value: serde_json::Value = serde_json::from_str(trimmed)
            .context("the value looks like JSON but does not parse")?;
        return value
            .get("token")
            .and_then(|t| t.as_str())
            .map(str::to_string)
            .context("the JSON value has no string field \"token\"");
    }
    Ok(trimmed.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_secret_is_the_token_or_an_object_holding_it() {
        assert_eq!(token_of(" abc123 \n").expect("plain"), "abc123");
        assert_eq!(token_of(r#"{"token": "s3cr3t"}"#).expect("json"), "s3cr3t");
        assert!(token_of(r#"{"password": "x"}"#).is_err());
        assert!(token_of("{not json").is_err());
    }
}
