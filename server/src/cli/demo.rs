//! `dynamo-lake demo`, `sample` and the hidden `native-fixture`: deterministic sample data, the
//! local demo (sample → local DynamoDB → export → lake → dashboard) and benchmark fixtures.

use std::path::PathBuf;

use clap::Args;
use lake::query::config::QueryConfig;

use super::args::{ListenArgs, SampleSpecArgs};
use crate::demo;

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

/// Runs `sample`.
pub fn run_sample(args: SampleArgs) -> anyhow::Result<()> {
    let items = lake::sample::generate(&args.spec.spec());
    demo::write_items(&args.out, &items)
}

/// Runs `native-fixture`: generated in chunks of one data file, so the fixture needs no more
/// memory than that.
pub fn run_native_fixture(args: NativeFixtureArgs) -> anyhow::Result<()> {
    let spec = args.spec.spec();
    let all = (0..spec.items)
        .step_by(args.items_per_file.max(1))
        .flat_map(|start| {
            let n = args.items_per_file.min(spec.items - start);
            let chunk = lake::sample::SampleSpec {
                seed: spec.seed.wrapping_add(start as u64),
                items: n,
                ..spec.clone()
            };
            lake::sample::generate(&chunk)
        });
    let dir = lake::ingest::native_fixture::write_native_export(
        &args.out,
        "01700000000000-bench000",
        "bench",
        all,
        args.items_per_file,
    )?;
    println!("{}", dir.display());
    Ok(())
}

/// Runs `demo`: binds first (when serving), prepares the sample and the lake, then serves.
pub async fn run_demo(args: DemoArgs) -> anyhow::Result<()> {
    let listener = if args.no_serve {
        None
    } else {
        Some(crate::http::listen::bind(args.listen.addr, args.listen.allow_remote).await?)
    };
    let spec = args.spec.spec();
    let lake = match &args.endpoint_url {
        Some(url) => {
            let cfg = lake::dynamo::DynamoConfig {
                endpoint_url: Some(url.clone()),
                region: None,
            };
            if !cfg.is_local() {
                anyhow::bail!(
                    "--endpoint-url {url}: the demo only uses a local DynamoDB (a loopback address)"
                );
            }
            demo::prepare_via_dynamodb(&args.dir, args.lake.clone(), &spec, &cfg).await?
        }
        None => demo::prepare(&args.dir, args.lake.clone(), &spec)?,
    };
    match listener {
        Some(listener) => {
            let config = QueryConfig::local(&lake, &args.table);
            let state = crate::wiring::open_state(&config).await?;
            crate::http::listen::serve(state, listener).await
        }
        None => Ok(()),
    }
}
