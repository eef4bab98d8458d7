//! HTTP: the one router (dashboard page, server functions, REST API, static files), built once
//! and run by either transport — [`listen`] locally, the Lambda entry in AWS. The state lives in
//! [`state`], the API's routes in [`api`], errors in [`error`], the embedded bundle in [`assets`].

pub mod api;
pub mod assets;
pub mod auth;
pub mod error;
pub mod listen;
pub mod state;

pub use state::AppState;

use axum::Router;
use axum::body::Body;
use axum::http::{Method, Request};
use axum::routing::{MethodRouter, get, post};
use leptos::prelude::*;
use leptos::server_fn;
use leptos_axum::{handle_server_fns_with_context, render_app_to_stream_with_context};

/// Leptos options matching how the bundle is built (`LEPTOS_OUTPUT_NAME=dynamo_lake`, `/pkg`).
pub fn leptos_options() -> LeptosOptions {
    LeptosOptions::builder()
        .output_name("dynamo_lake")
        .site_pkg_dir("pkg")
        .build()
}

/// Builds the router.
pub fn app(state: AppState) -> Router {
    // Leptos spawns resource loads on its global executor; an error only means it is already set.
    let _ = any_spawner::Executor::init_tokio();
    let context_state = state.dashboard.clone();
    let provide = move || provide_context(context_state.clone());
    let options = state.leptos.clone();
    let page =
        render_app_to_stream_with_context(provide.clone(), move || app::shell(options.clone()));
    // The dashboard's server functions (`/_sfn/<name>`).
    let mut router = Router::new();
    for (path, method) in server_fn::axum::server_fn_paths() {
        let provide = provide.clone();
        let handler = move |req: Request<Body>| handle_server_fns_with_context(provide, req);
        let route: MethodRouter<AppState> = match method {
            Method::GET => get(handler),
            _ => post(handler),
        };
        router = router.route(path, route);
    }
    router
        .route("/", get(move |req: Request<Body>| page(req)))
        .merge(api::routes())
        .route("/pkg/{*file}", get(assets::serve))
        .route("/favicon.svg", get(assets::serve))
        .route(auth::SIGN_IN, get(auth::sign_in_form).post(auth::sign_in))
        .route("/auth/sign-out", post(auth::sign_out))
        .fallback(not_found)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            auth::require,
        ))
        .layer(axum::middleware::from_fn(auth::security_headers))
        .with_state(state)
}

/// Any other path: the dashboard is one page.
async fn not_found() -> (axum::http::StatusCode, &'static str) {
    (
        axum::http::StatusCode::NOT_FOUND,
        "Page not found. The dashboard is at /.",
    )
}
