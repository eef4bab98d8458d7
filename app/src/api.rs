//! Server functions: the page's calls to the server. Their bodies run on the server only.
// The macro generates argument structs whose fields cannot carry docs.
#![allow(missing_docs)]

use leptos::prelude::*;

use crate::model::{DashboardData, RangeInput};

/// Loads the dashboard's numbers for a day range.
#[server(prefix = "/_sfn", endpoint = "dashboard")]
pub async fn load_dashboard(range: RangeInput) -> Result<DashboardData, ServerFnError> {
    crate::ssr::dashboard_data(range).await
}
