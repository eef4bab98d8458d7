//! The local transport: binding an address (refusing a non-loopback one unless asked) and
//! serving the router with `axum::serve` until Ctrl-C.

use std::net::SocketAddr;

use anyhow::{Context, bail};

use super::{AppState, app};

/// Binds `addr`, explaining the usual failures, and refuses a non-loopback address unless allowed.
pub async fn bind(addr: SocketAddr, allow_remote: bool) -> anyhow::Result<tokio::net::TcpListener> {
    if !addr.ip().is_loopback() && !allow_remote {
        bail!(
            "refusing to listen on {addr} without a login: anyone who can reach that address could read the lake. \
             Protect it with --auth token (DYNAMO_LAKE_AUTH_TOKEN), use a loopback address such as 127.0.0.1:{}, \
             or pass --allow-remote if an open dashboard is what you want",
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
    if !super::assets::has_bundle() {
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
