//! The hidden `bench-queries` command: times stats, daily and by_agent through the query service
//! (for `./dev bench`).

use anyhow::Context;
use clap::Args;
use lake::query::reports::ReportRequest;
use lake::query::service::QueryService;

use super::args::QueryArgs;

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
pub async fn run(args: BenchQueriesArgs) -> anyhow::Result<()> {
    let config = args.query.config()?;
    let service = QueryService::open(&config).await?;
    let columns = config.columns.clone();
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
