//! The command line: `dynamo-lake <command> --help` explains each command.

use std::net::SocketAddr;
use std::path::PathBuf;

use chrono::NaiveDate;
use clap::{Args, Parser, Subcommand};

/// dynamo-lake: DynamoDB → Parquet lake on S3 → Athena/DataFusion reports → dashboard.
#[derive(Debug, Parser)]
#[command(name = "dynamo-lake", version, about, long_about = None, propagate_version = true)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the local demo: sample data → local lake → dashboard on localhost. Needs no AWS account.
    Demo(DemoArgs),
    /// Serve the dashboard and the REST API over a lake.
    Serve(ServeArgs),
    /// Write deterministic sample contact-center items as DynamoDB JSON, one item a line.
    Sample(SampleArgs),
    /// Export a DynamoDB table (GSI query or scan) into day-partitioned Parquet.
    Export(crate::export_cmd::ExportArgs),
    /// Convert an AWS native Export-to-S3 folder into the lake (verified against its manifests).
    Convert(crate::convert_cmd::ConvertArgs),
    /// Write a generated AWS native export (DYNAMODB_JSON) of sample items, for benchmarks.
    #[command(hide = true)]
    NativeFixture(NativeFixtureArgs),
    /// Snapshot one month of a table (Scan + filter on a YYYY-MM-DD attribute) as gzip JSON lines.
    Snapshot(crate::snapshot_cmd::SnapshotArgs),
    /// Run a built-in report (or guarded custom SQL) and print the rows.
    Query(crate::query_cmd::QueryCmdArgs),
    /// Print (or run) the Athena DDL for a lake: database and table with partition projection.
    AthenaDdl(crate::query_cmd::AthenaDdlArgs),
    /// Time stats, daily and by_agent on a lake (p50/p90), for benchmarks.
    #[command(hide = true)]
    BenchQueries(crate::query_cmd::BenchQueriesArgs),
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

/// Arguments of `serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// The lake and the engine.
    #[command(flatten)]
    pub query: crate::query_cmd::QueryArgs,
    /// Listening options.
    #[command(flatten)]
    pub listen: ListenArgs,
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

/// Arguments of `sample`.
#[derive(Debug, Args)]
pub struct SampleArgs {
    /// Output file; `-` for standard output.
    #[arg(long, default_value = "-")]
    pub out: PathBuf,
    /// What to generate.
    #[command(flatten)]
    pub spec: SampleSpecArgs,
}

/// Arguments of `native-fixture`.
#[derive(Debug, Args)]
pub struct NativeFixtureArgs {
    /// Folder to write `AWSDynamoDB/<id>/` into.
    #[arg(long)]
    pub out: PathBuf,
    /// Items per data file.
    #[arg(long, default_value_t = 100_000)]
    pub items_per_file: usize,
    /// What to generate.
    #[command(flatten)]
    pub spec: SampleSpecArgs,
}

/// Arguments of `demo`.
#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Folder for the demo's files (sample data, lake).
    #[arg(long, default_value = ".demo")]
    pub dir: PathBuf,
    /// Where to write the lake (default: DIR/lake). An existing folder must be a dynamo-lake lake.
    #[arg(long, value_name = "PATH")]
    pub lake: Option<PathBuf>,
    /// What to generate.
    #[command(flatten)]
    pub spec: SampleSpecArgs,
    /// Prepare the data and the lake, then stop instead of serving.
    #[arg(long)]
    pub no_serve: bool,
    /// A local DynamoDB (dynalite, DynamoDB Local) to go through: the sample is loaded into a table
    /// there and exported from it, as `export` would. `./dev demo` starts dynalite and passes this.
    /// Without it the sample is written into the lake directly. Only loopback addresses are accepted.
    #[arg(long, env = "DYNAMO_LAKE_DEMO_ENDPOINT_URL")]
    pub endpoint_url: Option<String>,
    /// SQL name of the lake's table.
    #[arg(long, default_value = lake::query::datafusion::DEFAULT_TABLE)]
    pub table: String,
    /// Listening options.
    #[command(flatten)]
    pub listen: ListenArgs,
}

fn parse_date(s: &str) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .map_err(|_| format!("{s:?} is not a date of the form YYYY-MM-DD"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_cli_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn every_command_has_help() {
        for sub in Cli::command().get_subcommands() {
            assert!(sub.get_about().is_some(), "{} has no help", sub.get_name());
        }
    }

    #[test]
    fn a_bad_date_names_the_value() {
        let err = Cli::try_parse_from(["dynamo-lake", "sample", "--end", "31.12.2026"])
            .expect_err("bad date");
        assert!(
            err.to_string().contains("\"31.12.2026\" is not a date"),
            "{err}"
        );
    }
}
