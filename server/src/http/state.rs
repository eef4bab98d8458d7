//! What every request may need: the Leptos options and the dashboard's services (the query
//! service, the source line, the jobs feed). Built once by [`crate::wiring`].

use axum::extract::FromRef;
use leptos::prelude::LeptosOptions;

use app::ssr::DashboardState;

use super::auth::AuthMode;

/// Everything a request may need; cheap to clone.
#[derive(Clone)]
pub struct AppState {
    /// Leptos' options (output name, pkg dir).
    pub leptos: LeptosOptions,
    /// What the dashboard and the API query.
    pub dashboard: DashboardState,
    /// Who may use them.
    pub auth: AuthMode,
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos.clone()
    }
}
