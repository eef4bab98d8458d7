//! `dynamo-lake athena-ddl`: the Athena setup SQL of an S3 lake (database, table with partition
//! projection), printed or run, with the built-in reports saved as named queries.

use clap::Args;
use lake::query::athena::AthenaEngine;
use lake::query::athena::ddl::{AthenaTable, create_database_sql, create_table_sql};
use lake::query::config::QueryConfig;
use lake::query::reports::{Dialect, ReportRequest};
use lake::storage::{Location, Manifest};
use model::{REPORTS, ReportField, ReportKind};

use super::args::QueryArgs;

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
pub async fn run(args: AthenaDdlArgs) -> anyhow::Result<()> {
    let q = &args.query;
    let config = q.config()?;
    let lake = &config.lake;
    let Location::S3 { .. } = lake else {
        anyhow::bail!(
            "--lake {}: Athena reads from S3; give the lake's s3://bucket/prefix",
            q.lake
        );
    };
    let manifest = Manifest::read_at(lake, &config.s3).await?;
    let table = AthenaTable::new(
        &config.athena.database,
        &config.table.to_lowercase(),
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
        let athena = AthenaEngine::connect(config.athena_config()).await?;
        for s in &statements {
            athena.run_statement(s).await?;
        }
        for (name, sql) in named_queries(&config)? {
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
            table.database, table.table, config.athena.workgroup
        );
    }
    Ok(())
}

/// The built-in reports (every catalogue entry but custom SQL) as Athena SQL with `?`
/// placeholders, for named queries.
pub fn named_queries(config: &QueryConfig) -> anyhow::Result<Vec<(&'static str, String)>> {
    let schema = config.schema();
    REPORTS
        .into_iter()
        .filter(|r| *r != ReportKind::Custom)
        .map(|kind| {
            let mut body = serde_json::Map::new();
            body.insert("query".into(), kind.name().into());
            for field in kind.fields() {
                let example = match field {
                    ReportField::Start | ReportField::End => "2026-01-01",
                    _ => "?",
                };
                body.insert(field.name().into(), example.into());
            }
            let request = ReportRequest::from_json(serde_json::Value::Object(body))?;
            let rendered = request.render(&schema, Dialect::Athena)?;
            Ok((kind.name(), rendered.sql))
        })
        .collect()
}
