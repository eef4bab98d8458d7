//! `dynamo-lake`: the command-line entry. Inside AWS Lambda it serves Function URL requests instead.

#![recursion_limit = "256"]

use std::process::ExitCode;

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use clap::Parser;
use server::cli::{Cli, Command};
use server::{demo, serve};

fn main() -> ExitCode {
    init_logging();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    if std::env::var_os("AWS_LAMBDA_RUNTIME_API").is_some() {
        return match runtime.block_on(lambda_main()) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("error: {e}");
                ExitCode::FAILURE
            }
        };
    }
    let cli = Cli::parse();
    match runtime.block_on(run(cli)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// Runs a command: 0 done, 3 done with items in the rejects file (pipelines), 1 an error.
async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let done = |r: anyhow::Result<()>| r.map(|()| ExitCode::SUCCESS);
    match cli.command {
        Command::Serve(args) => {
            // Bind first: a busy port is reported before any work.
            let listener = serve::bind(args.listen.addr, args.listen.allow_remote).await?;
            let state = serve::open_state(&args.query).await?;
            done(serve::serve(state, listener).await)
        }
        Command::Export(args) => server::export_cmd::run(args).await,
        Command::NativeFixture(args) => {
            let spec = demo::spec(&args.spec);
            // Generated in chunks of one data file, so the fixture needs no more memory than that.
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
            Ok(ExitCode::SUCCESS)
        }
        Command::Convert(args) => server::convert_cmd::run(args).await,
        Command::Snapshot(args) => done(server::snapshot_cmd::run(args).await),
        Command::Query(args) => done(server::query_cmd::run_query(args).await),
        Command::AthenaDdl(args) => done(server::query_cmd::run_athena_ddl(args).await),
        Command::BenchQueries(args) => done(server::query_cmd::run_bench_queries(args).await),
        Command::Sample(args) => {
            let items = lake::sample::generate(&demo::spec(&args.spec));
            done(demo::write_items(&args.out, &items))
        }
        Command::Demo(args) => {
            let listener = if args.no_serve {
                None
            } else {
                Some(serve::bind(args.listen.addr, args.listen.allow_remote).await?)
            };
            let spec = demo::spec(&args.spec);
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
                    let query = server::query_cmd::QueryArgs::local(&lake, &args.table);
                    done(serve::serve(serve::open_state(&query).await?, listener).await)
                }
                None => Ok(ExitCode::SUCCESS),
            }
        }
    }
}

/// In Lambda the configuration comes from the environment (the same names as the flags'
/// `env`: DYNAMO_LAKE_LAKE, DYNAMO_LAKE_ENGINE, DYNAMO_LAKE_ATHENA_*, …).
async fn lambda_main() -> Result<(), lambda_http::Error> {
    use clap::Parser;
    #[derive(Parser)]
    struct FromEnv {
        #[command(flatten)]
        query: server::query_cmd::QueryArgs,
    }
    let env = FromEnv::try_parse_from(["dynamo-lake"])
        .map_err(|e| format!("the Lambda environment is incomplete: {e}"))?;
    let state = serve::open_state(&env.query)
        .await
        .map_err(|e| format!("{e:#}"))?;
    serve::run_lambda(state).await
}

fn init_logging() {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_env("DYNAMO_LAKE_LOG")
        .unwrap_or_else(|_| EnvFilter::new("warn,server=info,lake=info"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();
}
