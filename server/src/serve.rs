//! Running the router: locally with `axum::serve`, in AWS Lambda with `lambda_http`.

use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::{Context, bail};
use clap::ValueEnum;

use crate::query_cmd::QueryArgs;

use crate::router::{AppState, app, leptos_options};
use app::ssr::DashboardState;

/// Opens the query service the flags describe and builds the shared state.
pub async fn open_state(args: &QueryArgs) -> anyhow::Result<AppState> {
    let query = Arc::new(args.open().await?);
    Ok(AppState {
        leptos: leptos_options(),
        dashboard: DashboardState {
            query,
            source: format!(
                "lake {} · table {} · {}",
                args.lake,
                args.table,
                args.engine
                    .to_possible_value()
                    .map(|v| v.get_name().to_string())
                    .unwrap_or_default()
            ),
            columns: args.columns(),
            jobs: None,
        },
    })
}

/// Binds `addr`, explaining the usual failures, and refuses a non-loopback address unless allowed.
pub async fn bind(addr: SocketAddr, allow_remote: bool) -> anyhow::Result<tokio::net::TcpListener> {
    if !addr.ip().is_loopback() && !allow_remote {
        bail!(
            "refusing to listen on {addr}: the dashboard has no login, so anyone who can reach that address could read the lake. \
             Use a loopback address such as 127.0.0.1:{}, or pass --allow-remote if that is what you want",
            addr.port()
        );
    }
    tokio::net::TcpListener::bind(addr).await.map_err(|e| match e.kind() {
        std::io::ErrorKind::AddrInUse => anyhow::anyhow!(
            "port {} on {} is already in use: stop the program using it or choose another with --addr {}:PORT",
            addr.port(),
            addr.ip(),
            addr.ip()
        ),
        std::io::ErrorKind::PermissionDenied => {
            anyhow::anyhow!("not allowed to listen on port {} ({addr}): choose a port above 1023 with --addr", addr.port())
        }
        std::io::ErrorKind::AddrNotAvailable => anyhow::anyhow!("{} is not an address of this machine", addr.ip()),
        _ => anyhow::anyhow!("cannot listen on {addr}: {e}"),
    })
}

/// Serves until Ctrl-C.
pub async fn serve(state: AppState, listener: tokio::net::TcpListener) -> anyhow::Result<()> {
    let addr = listener.local_addr()?;
    if !crate::assets::has_bundle() {
        tracing::warn!(
            "this binary has no dashboard bundle embedded: pages render but do not hydrate (build with ./dev build)"
        );
    }
    println!("dashboard: http://{addr}/  (Ctrl-C stops)");
    axum::serve(listener, app(state))
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
        .context("the server stopped with an error")
}

/// Runs inside AWS Lambda: Function URL requests go through the same router, direct invocations
/// (`{"query": …}`) through the same query service.
pub async fn run_lambda(state: AppState) -> Result<(), lambda_http::Error> {
    let router = app(state.clone());
    lambda_http::lambda_runtime::run(lambda_http::service_fn(
        move |event: lambda_http::LambdaEvent<serde_json::Value>| {
            let (router, state) = (router.clone(), state.clone());
            async move { crate::lambda::handle(&router, &state, event).await }
        },
    ))
    .await
}
