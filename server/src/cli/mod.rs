//! The command line: `dynamo-lake <command> --help` explains each command. One file per command
//! (each only translates its flags into library calls), the shared flag groups in [`args`], and
//! how pipeline runs report in [`summary`].

pub mod args;
pub mod athena_ddl;
pub mod bench;
pub mod convert;
pub mod demo;
pub mod deploy;
pub mod export;
pub mod import;
pub mod open;
pub mod query;
pub mod serve;
pub mod snapshot;
pub mod summary;
pub mod tables;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

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
    Demo(demo::DemoArgs),
    /// Serve the dashboard and the REST API over a lake.
    Serve(serve::ServeArgs),
    /// Write deterministic sample contact-center items as DynamoDB JSON, one item a line.
    Sample(demo::SampleArgs),
    /// Export a DynamoDB table (GSI query or scan) into day-partitioned Parquet.
    Export(export::ExportArgs),
    /// Convert an AWS native Export-to-S3 folder into the lake (verified against its manifests).
    Convert(convert::ConvertArgs),
    /// Write a generated AWS native export (DYNAMODB_JSON) of sample items, for benchmarks.
    #[command(hide = true)]
    NativeFixture(demo::NativeFixtureArgs),
    /// Stream CSV, JSON lines or DynamoDB JSON files (local or S3; gzip or not) into a DynamoDB table.
    Import(import::ImportArgs),
    /// Create or update a table from a spec file (`ensure`), or print a live table as one (`describe`).
    #[command(subcommand)]
    Tables(tables::TablesCommand),
    /// Snapshot one month of a table (Scan + filter on a YYYY-MM-DD attribute) as gzip JSON lines.
    Snapshot(snapshot::SnapshotArgs),
    /// Open an IAM-protected dashboard (DashboardAuth=IAM) through a local proxy that signs each
    /// request with your AWS credentials.
    #[command(long_about = open::LONG_ABOUT)]
    Open(open::OpenArgs),
    /// Print the CloudFormation template (deploy/template.yaml, embedded).
    Template,
    /// Deploy or update the stack: uploads the Lambda zip and the template to a staging bucket,
    /// makes a change set, executes it while printing the stack's events, then prints the outputs.
    Deploy(deploy::DeployArgs),
    /// Delete the stack: empties its results bucket; keeps the data bucket unless --purge-data.
    Delete(deploy::DeleteArgs),
    /// The stack's state and its last events.
    Status(deploy::ShowArgs),
    /// The stack's outputs (the dashboard URL, buckets, Athena names).
    Outputs(deploy::ShowArgs),
    /// Run a built-in report (or guarded custom SQL) and print the rows.
    Query(query::QueryCmdArgs),
    /// Print (or run) the Athena DDL for a lake: database and table with partition projection.
    AthenaDdl(athena_ddl::AthenaDdlArgs),
    /// Time stats, daily and by_agent on a lake (p50/p90), for benchmarks.
    #[command(hide = true)]
    BenchQueries(bench::BenchQueriesArgs),
}

/// Runs a command: 0 done, 3 done with items in the rejects file (pipelines), 1 an error.
pub async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let done = |r: anyhow::Result<()>| r.map(|()| ExitCode::SUCCESS);
    match cli.command {
        Command::Demo(args) => done(demo::run_demo(args).await),
        Command::Serve(args) => done(serve::run(args).await),
        Command::Sample(args) => done(demo::run_sample(args)),
        Command::Export(args) => export::run(args).await,
        Command::Convert(args) => convert::run(args).await,
        Command::NativeFixture(args) => done(demo::run_native_fixture(args)),
        Command::Snapshot(args) => done(snapshot::run(args).await),
        Command::Import(args) => import::run(args).await,
        Command::Tables(command) => tables::run(command).await,
        Command::Open(args) => done(open::run(args).await),
        Command::Template => done(deploy::template()),
        Command::Deploy(args) => done(deploy::deploy(args).await),
        Command::Delete(args) => done(deploy::delete(args).await),
        Command::Status(args) => done(deploy::status(args).await),
        Command::Outputs(args) => done(deploy::outputs(args).await),
        Command::Query(args) => done(query::run(args).await),
        Command::AthenaDdl(args) => done(athena_ddl::run(args).await),
        Command::BenchQueries(args) => done(bench::run(args).await),
    }
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
