//! Which lake and which engine answer reports: the flags (and, in Lambda, the environment
//! variables) shared by `serve`, `query`, `athena-ddl` and the Lambda entry; and the `query` and
//! `athena-ddl` commands.

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use clap::{Args, ValueEnum};
use lake::query::athena::ddl::{AthenaTable, create_database_sql, create_table_sql};
use lake::query::athena::{AthenaConfig, AthenaEngine};
use lake::query::datafusion::{DEFAULT_TABLE, LakeEngine, ReportColumns};
use lake::query::reports::{ReportRequest, ReportSchema};
use lake::query::results::ResultStore;
use lake::query::service::{Backend, QueryService};
use lake::storage::Manifest;
use lake::storage::{Location, S3Config, S3Prefix};

use crate::export_cmd::S3Args;

/// Which engine runs reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum EngineKind {
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
    pub engine: EngineKind,
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
    /// AWS region (default: from the environment or profile).
    #[arg(long, env = "AWS_REGION")]
    pub region: Option<String>,
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
    /// A local lake with every other option at its default (the demo's).
    pub fn local(lake: &std::path::Path, table: &str) -> QueryArgs {
        use clap::Parser;
        #[derive(Parser)]
        struct Wrapper {
            #[command(flatten)]
            args: QueryArgs,
        }
        let mut w = Wrapper::parse_from(["dynamo-lake", "--lake", "."]);
        w.args.lake = lake.display().to_string();
        w.args.table = table.to_string();
        w.args.engine = EngineKind::Datafusion;
        w.args.results = None;
        w.args
    }

    /// The S3 configuration for s3:// locations.
    pub fn s3(&self) -> S3Config {
        self.s3_args.config(self.region.clone())
    }

    /// The lake's location.
    pub fn location(&self) -> anyhow::Result<Location> {
        Ok(Location::parse("--lake", &self.lake)?)
    }

    /// The stat-card columns.
    pub fn columns(&self) -> ReportColumns {
        ReportColumns {
            contact: self.contact_column.to_lowercase(),
            channel: self.channel_column.to_lowercase(),
            agent: self.agent_column.to_lowercase(),
            initiation: self.initiation_column.to_lowercase(),
        }
    }

    fn athena_config(&self) -> AthenaConfig {
        AthenaConfig {
            endpoint_url: self.athena.athena_endpoint_url.clone(),
            region: self.region.clone(),
            workgroup: self.athena.athena_workgroup.clone(),
            database: self.athena.athena_database.clone(),
            output_location: self.athena.athena_output.clone(),
            timeout: Duration::from_secs(self.athena.athena_timeout.max(1)),
            s3: self.s3(),
        }
    }

    async fn result_store(&self, lake: &Location) -> anyhow::Result<ResultStore> {
        let location = match &self.results {
            Some(r) => Location::parse("--results", r)?,
            None => match lake {
                Location::Local(p) => Location::Local(p.join("_dynamo_lake/results")),
                Location::S3 { bucket, prefix } => Location::S3 {
                    bucket: bucket.clone(),
                    prefix: format!("{prefix}/_dynamo_lake/results")
                        .trim_start_matches('/')
                        .to_string(),
                },
            },
        };
        Ok(match location {
            Location::Local(p) => ResultStore::Local(p),
            Location::S3 { bucket, prefix } => {
                ResultStore::S3(S3Prefix::connect(&self.s3(), &bucket, &prefix).await?)
            }
        })
    }

    /// Opens the query service these flags describe.
    pub async fn open(&self) -> anyhow::Result<QueryService> {
        let lake = self.location()?;
        let columns = self.columns();
        let mut schema = ReportSchema {
            table: self.table.to_lowercase(),
            agent: columns.agent.clone(),
            contact: columns.contact.clone(),
            channel: columns.channel.clone(),
            time: None,
            max_limit: self.max_rows.max(1),
        };
        match self.engine {
            EngineKind::Datafusion => {
                let engine = LakeEngine::open_at(&lake, &self.s3(), &schema.table)
                    .await
                    .with_context(|| format!("cannot open the lake at {lake}"))?;
                schema.time = Some(engine.sort_key().to_string());
                let results = self.result_store(&lake).await?;
                Ok(QueryService::new(
                    Backend::DataFusion {
                        engine: Arc::new(engine),
                        results,
                    },
                    schema,
                    None,
                ))
            }
            EngineKind::Athena => {
                let athena = AthenaEngine::connect(self.athena_config()).await?;
                Ok(QueryService::new(
                    Backend::Athena(Arc::new(athena)),
                    schema,
                    Some(self.athena.athena_database.clone()),
                ))
            }
        }
    }
}

/// Arguments of `query`.
#[derive(Debug, Args)]
#[command(after_help = "\
Reports: all_records, by_date_range (--param start=YYYY-MM-DD --param end=YYYY-MM-DD), by_agent (--param agent=NAME), \
by_contact_id (--param contact_id=ID), daily_by_agent and daily_by_channel (start, end), custom (--param sql='SELECT …'). \
Values are passed to the engine as parameters, never pasted into the SQL. Custom SQL must be one SELECT on the lake's \
table; a LIMIT is added or capped at --max-rows.")]
pub struct QueryCmdArgs {
    /// The report to run.
    #[arg(long)]
    pub report: String,
    /// A report parameter, NAME=VALUE (repeatable).
    #[arg(long = "param", value_name = "NAME=VALUE")]
    pub params: Vec<String>,
    /// Rows at most.
    #[arg(long)]
    pub limit: Option<u64>,
    /// Print CSV instead of JSON.
    #[arg(long)]
    pub csv: bool,
    /// The lake and the engine.
    #[command(flatten)]
    pub query: QueryArgs,
}

/// Runs `query`.
pub async fn run_query(args: QueryCmdArgs) -> anyhow::Result<()> {
    let mut body = serde_json::Map::new();
    body.insert("query".into(), args.report.clone().into());
    for p in &args.params {
        let (k, v) = p
            .split_once('=')
            .with_context(|| format!("--param {p:?}: expected NAME=VALUE"))?;
        body.insert(k.to_string(), v.into());
    }
    if let Some(l) = args.limit {
        body.insert("limit".into(), l.into());
    }
    let request = ReportRequest::from_json(serde_json::Value::Object(body))?;
    let service = args.query.open().await?;
    let page = service.run(&request).await?;
    if args.csv {
        let stored = lake::query::results::StoredResult {
            columns: page.columns,
            rows: page.rows,
            bytes_scanned: page.bytes_scanned,
        };
        print!("{}", lake::query::results::to_csv(&stored));
    } else {
        println!(
            "{}",
            serde_json::to_string_pretty(&serde_json::json!({
                "report": request.name(),
                "columns": page.columns,
                "rows": page.rows,
                "count": page.rows.len(),
                "bytesScanned": page.bytes_scanned,
            }))?
        );
    }
    Ok(())
}

/// Arguments of `athena-ddl`.
#[derive(Debug, Args)]
#[command(after_help = "\
Prints CREATE DATABASE and CREATE EXTERNAL TABLE … STORED AS PARQUET with partition projection (year/month/day \
integers, zero-padded month and day, storage.location.template) generated from the lake's manifest: the same \
contract and layout the writer used. --run executes them in Athena (with --athena-* options).")]
pub struct AthenaDdlArgs {
    /// Run the statements in Athena instead of only printing them.
    #[arg(long)]
    pub run: bool,
    /// The lake and Athena options.
    #[command(flatten)]
    pub query: QueryArgs,
}

/// Runs `athena-ddl`.
pub async fn run_athena_ddl(args: AthenaDdlArgs) -> anyhow::Result<()> {
    let q = &args.query;
    let lake = q.location()?;
    let Location::S3 { .. } = &lake else {
        anyhow::bail!(
            "--lake {}: Athena reads from S3; give the lake's s3://bucket/prefix",
            q.lake
        );
    };
    let manifest = Manifest::read_at(&lake, &q.s3()).await?;
    let table = AthenaTable::new(
        &q.athena.athena_database,
        &q.table.to_lowercase(),
        &lake.to_string(),
        q.athena.projection_years,
    )?;
    let statements = [
        create_database_sql(&table.database)?,
        create_table_sql(&table, &manifest.contract)?,
    ];
    for s in &statements {
        println!("{s};\n");
    }
    if args.run {
        let athena = AthenaEngine::connect(q.athena_config()).await?;
        for s in &statements {
            athena.run_statement(s).await?;
        }
        for (name, sql) in named_queries(q)? {
            athena
                .create_named_query(
                    &format!("dynamo-lake {name}"),
                    &format!("dynamo-lake built-in report {name}; ? are its parameters"),
                    &sql,
                )
                .await?;
        }
        eprintln!(
            "created {}.{} and the built-in reports as named queries in workgroup {}",
            table.database, table.table, q.athena.athena_workgroup
        );
    }
    Ok(())
}

/// The built-in reports as Athena SQL with `?` placeholders, for named queries.
pub fn named_queries(q: &QueryArgs) -> anyhow::Result<Vec<(&'static str, String)>> {
    let columns = q.columns();
    let schema = ReportSchema {
        table: q.table.to_lowercase(),
        agent: columns.agent,
        contact: columns.contact,
        channel: columns.channel,
        time: None,
        max_limit: q.max_rows.max(1),
    };
    let (day, text) = ("2026-01-01".to_string(), "?".to_string());
    let reports = [
        ReportRequest::AllRecords { limit: None },
        ReportRequest::ByDateRange {
            start: day.clone(),
            end: day.clone(),
            limit: None,
        },
        ReportRequest::ByAgent {
            agent: text.clone(),
            limit: None,
        },
        ReportRequest::ByContactId {
            contact_id: text,
            limit: None,
        },
        ReportRequest::DailyByAgent {
            start: day.clone(),
            end: day.clone(),
            limit: None,
        },
        ReportRequest::DailyByChannel {
            start: day.clone(),
            end: day,
            limit: None,
        },
    ];
    reports
        .iter()
        .map(|r| {
            let rendered = r.render(&schema, lake::query::reports::Dialect::Athena)?;
            Ok((r.name(), rendered.sql))
        })
        .collect()
}

/// Arguments of the hidden `bench-queries` command.
#[derive(Debug, Args)]
pub struct BenchQueriesArgs {
    /// Runs of each query.
    #[arg(long, default_value_t = 20)]
    pub runs: usize,
    /// The lake and the engine.
    #[command(flatten)]
    pub query: QueryArgs,
}

/// Times `stats`, `daily` and `by_agent` through the query service; prints p50/p90 in ms as JSON.
pub async fn run_bench_queries(args: BenchQueriesArgs) -> anyhow::Result<()> {
    let service = args.query.open().await?;
    let columns = args.query.columns();
    let agent = service
        .agents()
        .await?
        .into_iter()
        .next()
        .context("the lake has no agents to query")?;
    let days = service.daily(None).await?;
    let (first, last) = match (days.first(), days.last()) {
        (Some(a), Some(b)) => (
            lake::format::dates::parse_day("first day", &a.day)?,
            lake::format::dates::parse_day("last day", &b.day)?,
        ),
        _ => anyhow::bail!("the lake is empty"),
    };
    let range = lake::query::datafusion::DayRange::new(first, last)?;
    let mut out = serde_json::Map::new();
    let rows = service.stats(None, &columns).await?.total_rows;
    out.insert("rows".into(), rows.into());
    for name in ["stats", "daily", "by_agent"] {
        let mut times = Vec::with_capacity(args.runs);
        for _ in 0..args.runs.max(1) {
            let started = std::time::Instant::now();
            let answered = match name {
                "stats" => service.stats(None, &columns).await?.total_rows as usize,
                "daily" => service.daily(Some(range)).await?.len(),
                _ => service
                    .run(&ReportRequest::ByAgent {
                        agent: agent.clone(),
                        limit: Some(100),
                    })
                    .await?
                    .rows
                    .len(),
            };
            anyhow::ensure!(answered > 0, "{name} answered nothing");
            times.push(started.elapsed().as_secs_f64() * 1000.0);
        }
        times.sort_by(f64::total_cmp);
        let at = |q: f64| times[((times.len() - 1) as f64 * q).round() as usize];
        out.insert(
            name.into(),
            serde_json::json!({"p50_ms": at(0.5), "p90_ms": at(0.9), "runs": times.len()}),
        );
    }
    println!("{}", serde_json::Value::Object(out));
    Ok(())
}
