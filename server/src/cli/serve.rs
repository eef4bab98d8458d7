//! `dynamo-lake serve`: the dashboard and the REST API over a lake, on a local address.

use clap::Args;

use super::args::{ListenArgs, QueryArgs};

/// Arguments of `serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// The lake and the engine.
    #[command(flatten)]
    pub query: QueryArgs,
    /// Listening options.
    #[command(flatten)]
    pub listen: ListenArgs,
}

/// Runs `serve`: binds first (a busy port is reported before any work), then opens the lake.
pub async fn run(args: ServeArgs) -> anyhow::Result<()> {
    let listener = crate::http::listen::bind(args.listen.addr, args.listen.allow_remote).await?;
    let state = crate::wiring::open_state(&args.query.config()?).await?;
    crate::http::listen::serve(state, listener).await
}
