//! The one router: dashboard pages, server functions, REST API and static files. Built once and
//! run by either transport.

use axum::Router;
use axum::extract::FromRef;
use axum::routing::{any, get, post};
use leptos::prelude::*;
use leptos_axum::{LeptosRoutes, generate_route_list};

use app::ssr::DashboardState;

/// Everything a request may need; cheap to clone.
#[derive(Clone)]
pub struct AppState {
    /// Leptos' options (output name, pkg dir).
    pub leptos: LeptosOptions,
    /// What the dashboard and the API query.
    pub dashboard: DashboardState,
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos.clone()
    }
}

/// Leptos options matching how the bundle is built (`LEPTOS_OUTPUT_NAME=dynamo_lake`, `/pkg`).
pub fn leptos_options() -> LeptosOptions {
    LeptosOptions::builder()
        .output_name("dynamo_lake")
        .site_pkg_dir("pkg")
        .build()
}

/// Builds the router.
pub fn app(state: AppState) -> Router {
    let routes = generate_route_list(app::App);
    let context_state = state.dashboard.clone();
    let provide = move || provide_context(context_state.clone());
    let options = state.leptos.clone();
    Router::new()
        .route("/api/stats", get(crate::api::stats))
        .route("/api/query", post(crate::api::query))
        .route("/api/results", get(crate::api::results))
        .route("/api/download", get(crate::api::download))
        .route("/api/daily", get(crate::api::daily))
        .route("/api/agents", get(crate::api::agents))
        .route("/api/{*rest}", any(crate::api::unknown))
        .route("/pkg/{*file}", get(crate::assets::serve))
        .route("/favicon.svg", get(crate::assets::serve))
        .leptos_routes_with_context(&state, routes, provide, move || app::shell(options.clone()))
        .with_state(state)
}
