//! Flag groups shared by the commands, each declared once: where DynamoDB and S3 are, the AWS
//! region, `--dry-run/--json`, value typing and rejects, the lake and engine of the query
//! commands, listening, and what sample data to make. They only fill the library's
//! configurations (`DynamoConfig`, `S3Config`, `QueryConfig`, `SampleSpec`).

use std::net::SocketAddr;
use std::time::Duration;

use chrono::NaiveDate;
use clap::{Args, ValueEnum};
use lake::dynamo::DynamoConfig;
use lake::format::number::NumberMode;
use lake::query::config::{AthenaSettings, EngineKind, QueryConfig};
use lake::query::datafusion::{DEFAULT_TABLE, ReportColumns};
use lake::sample::SampleSpec;
use lake::storage::{Lake, Location, S3Config};

/// Where DynamoDB is.
#[derive(Debug, Clone, Args)]
pub struct DynamoArgs {
    /// DynamoDB endpoint, e.g. http://127.0.0.1:8000 for a local DynamoDB (which always gets fake
    /// credentials). Without it: AWS, with the usual credential chain (environment, profile, SSO, role).
    #[arg(long, env = "DYNAMO_LAKE_ENDPOINT_URL")]
    pub endpoint_url: Option<String>,
    /// The AWS region.
    #[command(flatten)]
    pub region: RegionArgs,
}

impl DynamoArgs {
    /// The pipeline's view of these flags.
    pub fn config(&self) -> DynamoConfig {
        DynamoConfig {
            endpoint_url: self.endpoint_url.clone(),
            region: self.region.region.clone(),
        }
    }
}

/// The AWS region, declared once for every command that talks to AWS.
#[derive(Debug, Clone, Default, Args)]
pub struct RegionArgs {
    /// AWS region (default: from the environment or profile).
    #[arg(long, env = "AWS_REGION")]
    pub region: Option<String>,
}

/// `--dry-run` and `--json`, declared once for every pipeline command.
#[derive(Debug, Clone, Args)]
pub struct RunArgs {
    /// Read and report what would be written; write nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Print the summary as JSON on standard output.
    #[arg(long)]
    pub json: bool,
}

/// Where S3 is, for `s3://` locations.
#[derive(Debug, Clone, Args)]
pub struct S3Args {
    /// S3 endpoint for s3:// locations, e.g. http://127.0.0.1:9000 for a local S3-compatible
    /// server (which always gets fake credentials). Without it: AWS S3.
    #[arg(long, env = "AWS_ENDPOINT_URL_S3", value_name = "URL")]
    pub s3_endpoint_url: Option<String>,
}

impl S3Args {
    /// The pipeline's view of these flags, in `region`.
    pub fn config(&self, region: Option<String>) -> S3Config {
        S3Config {
            endpoint_url: self.s3_endpoint_url.clone(),
            region,
        }
    }
}

/// Parses a location flag and opens it for writing.
pub async fn open_lake(flag: &str, value: &str, s3: &S3Config) -> anyhow::Result<Lake> {
    Ok(Lake::open(Location::parse(flag, value)?, s3).await?)
}

/// How values are typed and what a run with rejected items reports, shared by every pipeline
/// command.
#[derive(Debug, Clone, Args)]
pub struct ValueArgs {
    /// How new columns type DynamoDB numbers: double (every number a DOUBLE; numbers a double
    /// cannot hold exactly are named in the summary) or exact (integral attributes that fit become
    /// BIGINT, the rest DECIMAL(38, s); a column's type never changes once the lake has it).
    #[arg(long, default_value = "double", value_name = "double|exact")]
    pub numbers: NumberMode,
    /// Exit 0 even when some items went to the rejects file (default: exit 3).
    #[arg(long)]
    pub allow_rejects: bool,
}

/// Which engine runs reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum EngineArg {
    /// Apache DataFusion inside this process, reading the lake's Parquet directly.
    Datafusion,
    /// Amazon Athena, over the table `athena-ddl` creates.
    Athena,
}

/// The lake, the engine and the report columns.
#[derive(Debug, Clone, Args)]
pub struct QueryArgs {
    /// The lake: a local folder written by dynamo-lake, file:///path or s3://bucket/prefix.
    #[arg(long, env = "DYNAMO_LAKE_LAKE", value_name = "PATH|s3://…")]
    pub lake: String,
    /// SQL name of the lake's table.
    #[arg(long, env = "DYNAMO_LAKE_TABLE", default_value = DEFAULT_TABLE)]
    pub table: String,
    /// Engine: datafusion (embedded; the default) or athena.
    #[arg(
        long,
        env = "DYNAMO_LAKE_ENGINE",
        value_enum,
        default_value = "datafusion"
    )]
    pub engine: EngineArg,
    /// Where the embedded engine keeps results, so any instance can page and download them
    /// (a folder or s3:// prefix; default: LAKE/_dynamo_lake/results).
    #[arg(long, env = "DYNAMO_LAKE_RESULTS", value_name = "PATH|s3://…")]
    pub results: Option<String>,
    /// Rows at most in any report (also the default limit).
    #[arg(long, env = "DYNAMO_LAKE_MAX_ROWS", default_value_t = 10_000)]
    pub max_rows: u64,
    /// Column counted as agents (SQL name, lower case).
    #[arg(long, env = "DYNAMO_LAKE_AGENT_COLUMN", default_value = "agent")]
    pub agent_column: String,
    /// Column of contact ids.
    #[arg(long, env = "DYNAMO_LAKE_CONTACT_COLUMN", default_value = "contactid")]
    pub contact_column: String,
    /// Column of channels.
    #[arg(long, env = "DYNAMO_LAKE_CHANNEL_COLUMN", default_value = "channel")]
    pub channel_column: String,
    /// Column of initiation methods (the dashboard's pie chart).
    #[arg(
        long,
        env = "DYNAMO_LAKE_INITIATION_COLUMN",
        default_value = "initiationmethod"
    )]
    pub initiation_column: String,
    /// Athena options.
    #[command(flatten)]
    pub athena: AthenaArgs,
    /// The AWS region.
    #[command(flatten)]
    pub region: RegionArgs,
    /// Where S3 is.
    #[command(flatten)]
    pub s3_args: S3Args,
}

/// How to reach Athena.
#[derive(Debug, Clone, Args)]
pub struct AthenaArgs {
    /// Athena workgroup (use one with an enforced results location and a bytes-scanned limit).
    #[arg(long, env = "DYNAMO_LAKE_ATHENA_WORKGROUP", default_value = "primary")]
    pub athena_workgroup: String,
    /// Athena database holding the table.
    #[arg(
        long,
        env = "DYNAMO_LAKE_ATHENA_DATABASE",
        default_value = "dynamo_lake"
    )]
    pub athena_database: String,
    /// Query results location (s3://bucket/prefix/); default: the workgroup's.
    #[arg(long, env = "DYNAMO_LAKE_ATHENA_OUTPUT", value_name = "s3://…")]
    pub athena_output: Option<String>,
    /// Seconds to wait for a query before giving up (its id stays valid).
    #[arg(long, env = "DYNAMO_LAKE_ATHENA_TIMEOUT", default_value_t = 60)]
    pub athena_timeout: u64,
    /// Athena endpoint (for a local stand-in).
    #[arg(long, env = "DYNAMO_LAKE_ATHENA_ENDPOINT_URL", value_name = "URL")]
    pub athena_endpoint_url: Option<String>,
    /// First and last year of the table's partition projection.
    #[arg(long, env = "DYNAMO_LAKE_PROJECTION_YEARS", default_value = "2024,2035", value_parser = parse_years)]
    pub projection_years: (i32, i32),
}

fn parse_years(s: &str) -> Result<(i32, i32), String> {
    let (a, b) = s
        .split_once(',')
        .ok_or_else(|| format!("{s:?}: expected FIRST,LAST (e.g. 2024,2035)"))?;
    let year = |t: &str| {
        t.trim()
            .parse::<i32>()
            .map_err(|_| format!("{t:?} is not a year"))
    };
    Ok((year(a)?, year(b)?))
}

impl QueryArgs {
    /// The S3 configuration for s3:// locations.
    pub fn s3(&self) -> S3Config {
        self.s3_args.config(self.region.region.clone())
    }

    /// The lake's location.
    pub fn location(&self) -> anyhow::Result<Location> {
        Ok(Location::parse("--lake", &self.lake)?)
    }

    /// The query layer's configuration these flags describe (clap only fills it).
    pub fn config(&self) -> anyhow::Result<QueryConfig> {
        Ok(QueryConfig {
            lake: self.location()?,
            table: self.table.clone(),
            engine: match self.engine {
                EngineArg::Datafusion => EngineKind::DataFusion,
                EngineArg::Athena => EngineKind::Athena,
            },
            results: self
                .results
                .as_deref()
                .map(|r| Location::parse("--results", r))
                .transpose()?,
            max_rows: self.max_rows,
            columns: ReportColumns {
                contact: self.contact_column.to_lowercase(),
                channel: self.channel_column.to_lowercase(),
                agent: self.agent_column.to_lowercase(),
                initiation: self.initiation_column.to_lowercase(),
            },
            athena: AthenaSettings {
                workgroup: self.athena.athena_workgroup.clone(),
                database: self.athena.athena_database.clone(),
                output: self.athena.athena_output.clone(),
                timeout: Duration::from_secs(self.athena.athena_timeout.max(1)),
                endpoint_url: self.athena.athena_endpoint_url.clone(),
            },
            region: self.region.region.clone(),
            s3: self.s3(),
        })
    }
}
/// Where and how to serve.
#[derive(Debug, Clone, Args)]
pub struct ListenArgs {
    /// Address to listen on. Only loopback addresses are allowed unless --allow-remote is given.
    #[arg(long, env = "DYNAMO_LAKE_ADDR", default_value = "127.0.0.1:3000")]
    pub addr: SocketAddr,
    /// Listen on a non-loopback address although the dashboard has no login: anyone who can reach
    /// the address can read the lake. Put a proxy with authentication in front instead if you can.
    #[arg(long)]
    pub allow_remote: bool,
}

/// Who may use the dashboard and the API (the same settings as the Lambda function's).
#[derive(Debug, Clone, Args)]
pub struct AuthArgs {
    /// none (no check: only on a loopback address, or with --allow-remote), token (a shared
    /// secret: `Authorization: Bearer` for API clients, a sign-in page and a signed session cookie
    /// for people) or iam (AWS checks each request before it reaches a Lambda Function URL; not
    /// for `serve`).
    #[arg(
        long,
        env = "DYNAMO_LAKE_AUTH",
        default_value = "none",
        value_name = "none|token|iam"
    )]
    pub auth: String,
    /// The shared token for --auth token (at least 16 characters; keep it out of shell history:
    /// prefer the environment variable).
    #[arg(long, env = "DYNAMO_LAKE_AUTH_TOKEN", hide_env_values = true)]
    pub auth_token: Option<String>,
    /// Read the token for --auth token from this AWS Secrets Manager secret instead (once, at
    /// start; what the deployed function does).
    #[arg(
        long,
        env = "DYNAMO_LAKE_AUTH_SECRET_ARN",
        value_name = "ARN",
        conflicts_with = "auth_token"
    )]
    pub auth_secret_arn: Option<String>,
}

impl AuthArgs {
    /// The mode these settings describe, with the token read from Secrets Manager when a secret
    /// is named.
    pub async fn mode(&self) -> anyhow::Result<crate::http::auth::AuthMode> {
        let token = match &self.auth_secret_arn {
            Some(arn) => Some(crate::secrets::read_token(arn).await?),
            None => self.auth_token.clone(),
        };
        crate::http::auth::AuthMode::from_settings(&self.auth, token.as_deref())
    }
}

/// What sample data to make.
#[derive(Debug, Clone, Args)]
pub struct SampleSpecArgs {
    /// Number of items.
    #[arg(long, default_value_t = 5_000)]
    pub items: usize,
    /// Number of days the items spread over.
    #[arg(long, default_value_t = 90)]
    pub days: u32,
    /// Generator seed: the same seed gives the same items.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Last day of the data, YYYY-MM-DD (default: yesterday, UTC).
    #[arg(long, value_parser = parse_date)]
    pub end: Option<NaiveDate>,
}

impl SampleSpecArgs {
    /// The generator's spec; the last day defaults to yesterday (UTC).
    pub fn spec(&self) -> SampleSpec {
        SampleSpec {
            seed: self.seed,
            items: self.items,
            days: self.days,
            end: self
                .end
                .unwrap_or_else(|| chrono::Utc::now().date_naive() - chrono::Duration::days(1)),
        }
    }
}

fn parse_date(s: &str) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .map_err(|_| format!("{s:?} is not a date of the form YYYY-MM-DD"))
}

/// Parses a duration: `90s`, `10m`, `1h`, `2d`, or plain seconds.
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    let t = s.trim();
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (n, unit) = t.split_at(split);
    let n: u64 = n
        .parse()
        .map_err(|_| format!("{s:?} is not a duration (expected e.g. 90s, 10m, 1h, 2d)"))?;
    let secs = match unit.trim() {
        "" | "s" => n,
        "m" => n * 60,
        "h" => n * 3600,
        "d" => n * 86_400,
        other => {
            return Err(format!(
                "{s:?}: unknown unit {other:?} (expected s, m, h or d)"
            ));
        }
    };
    Ok(Duration::from_secs(secs))
}
