//! The composition root: a [`QueryConfig`] becomes the services a server needs, once per process
//! (the query service, the dashboard's context), whichever transport then serves them.

use std::sync::Arc;

use app::ssr::DashboardState;
use lake::query::config::QueryConfig;
use lake::query::live::LiveQuery;

use crate::http::AppState;
use crate::http::auth::AuthMode;
use crate::http::leptos_options;

/// Opens the services `config` describes and builds the shared state. A lake with no data yet
/// is not an error: the page and the API say so until the first export lands.
pub async fn open_state(config: &QueryConfig) -> anyhow::Result<AppState> {
    let query = Arc::new(LiveQuery::open(config.clone()).await?);
    Ok(AppState {
        leptos: leptos_options(),
        dashboard: DashboardState {
            query,
            source: config.describe(),
            columns: config.columns.clone(),
            jobs: None,
        },
        auth: AuthMode::None,
    })
}
