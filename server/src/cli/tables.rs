//! `dynamo-lake tables ensure | describe`: a table made to match a spec file (the JSON of
//! `aws dynamodb create-table --cli-input-json` plus TimeToLive, PointInTimeRecovery and
//! ContributorInsights), and the live table printed in that same shape.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Args, Subcommand};
use lake::dynamo::TableDefinition;
use lake::dynamo::ensure::{EnsureOptions, Outcome, Progress};

use super::args::{DynamoArgs, RunArgs, parse_duration};

/// `tables` commands.
#[derive(Debug, Subcommand)]
pub enum TablesCommand {
    /// Create or update a table to match a spec file; a second run on a matching table changes nothing.
    #[command(after_help = "\
The spec is the JSON `aws dynamodb create-table --cli-input-json` takes (TableName, AttributeDefinitions, \
KeySchema, GlobalSecondaryIndexes, LocalSecondaryIndexes, BillingMode, ProvisionedThroughput, StreamSpecification, \
SSESpecification, TableClass, DeletionProtectionEnabled, Tags), plus \"TimeToLive\": {\"AttributeName\": …, \
\"Enabled\": true}, \"PointInTimeRecovery\": true and \"ContributorInsights\": true. A setting left out is not \
managed. `tables describe` prints a live table in this shape.

Order: create the table (with its indexes, stream, encryption and tags), or add each missing global secondary \
index with its own UpdateTable; wait until the table and every index are ACTIVE (--timeout names what is still \
CREATING); then billing, stream, encryption, time to live, point-in-time recovery, contributor insights, tags. \
Differences that cannot be changed in place (the key schema, an index's keys or projection, local indexes, a \
stream's view type, the TTL attribute) are listed and nothing is changed: nothing is ever deleted.

Exit status: 0 done (or nothing to change), 1 refused differences or an error.")]
    Ensure(EnsureArgs),
    /// Print a live table as a spec file (`tables ensure --spec` takes it back unchanged).
    Describe(DescribeArgs),
}

/// Arguments of `tables ensure`.
#[derive(Debug, Args)]
pub struct EnsureArgs {
    /// The spec file (JSON).
    #[arg(long, value_name = "FILE")]
    pub spec: PathBuf,
    /// How long to wait in all for the table and its indexes to become ACTIVE (30s, 10m, 1h).
    #[arg(long, default_value = "30m", value_parser = parse_duration)]
    pub timeout: Duration,
    /// `--dry-run` (print the plan, change nothing) and `--json`.
    #[command(flatten)]
    pub run: RunArgs,
    /// Where DynamoDB is.
    #[command(flatten)]
    pub dynamo: DynamoArgs,
}

/// Arguments of `tables describe`.
#[derive(Debug, Args)]
pub struct DescribeArgs {
    /// The table.
    #[arg(long)]
    pub table: String,
    /// Where DynamoDB is.
    #[command(flatten)]
    pub dynamo: DynamoArgs,
}

/// Runs a `tables` command.
pub async fn run(command: TablesCommand) -> anyhow::Result<ExitCode> {
    match command {
        TablesCommand::Ensure(args) => ensure(args).await,
        TablesCommand::Describe(args) => describe(args).await,
    }
}

async fn ensure(args: EnsureArgs) -> anyhow::Result<ExitCode> {
    let spec = TableDefinition::read(&args.spec)?;
    let cfg = args.dynamo.config();
    let client = lake::dynamo::client(&cfg).await;
    let terminal = std::io::stderr().is_terminal();
    let report = move |p: Progress<'_>| match p {
        Progress::Step(step) => eprintln!("  {step} …"),
        Progress::Waiting(pending) if terminal => {
            eprint!("\r\x1b[K  waiting for {}", pending.join(", "));
        }
        Progress::Waiting(_) => {}
    };
    let outcome = lake::dynamo::ensure::ensure(
        &client,
        &cfg,
        &spec,
        EnsureOptions {
            dry_run: args.run.dry_run,
            timeout: args.timeout,
        },
        &report,
    )
    .await;
    if terminal {
        eprint!("\r\x1b[K");
    }
    let outcome = outcome?;
    if args.run.json {
        println!("{}", serde_json::to_string_pretty(&outcome)?);
    } else {
        print_outcome(&outcome);
    }
    Ok(if outcome.refused.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

fn print_outcome(o: &Outcome) {
    if !o.refused.is_empty() {
        println!(
            "table {:?}: not changed: the spec differs in what cannot be changed in place:",
            o.table
        );
        for r in &o.refused {
            println!("  - {r}");
        }
    } else if o.unchanged {
        println!("table {:?}: matches the spec; nothing to change", o.table);
    } else {
        println!(
            "table {:?}: {} {} change(s) in {:.1} s:",
            o.table,
            if o.dry_run { "would make" } else { "made" },
            o.changes.len(),
            o.seconds
        );
        for c in &o.changes {
            println!("  - {c}");
        }
    }
    for n in &o.notes {
        println!("  note: {n}");
    }
}

async fn describe(args: DescribeArgs) -> anyhow::Result<ExitCode> {
    let cfg = args.dynamo.config();
    let client = lake::dynamo::client(&cfg).await;
    let definition = lake::dynamo::ensure::describe(&client, &cfg, &args.table).await?;
    println!("{}", serde_json::to_string_pretty(&definition)?);
    Ok(ExitCode::SUCCESS)
}
