//! The breakdown charts: contacts by channel, by agent and by initiation method, side by side.

use leptos::prelude::*;

/// The row of three breakdown charts (SVG drawn by the server).
#[component]
pub fn BreakdownCharts(
    /// The channel doughnut.
    channel: String,
    /// The agent top-N bars.
    agent: String,
    /// The initiation-method pie.
    initiation: String,
) -> impl IntoView {
    view! {
        <section class="charts">
            <div class="panel"><div id="channel-chart" class="chart" inner_html=channel></div></div>
            <div class="panel"><div id="agent-chart" class="chart" inner_html=agent></div></div>
            <div class="panel"><div id="initiation-chart" class="chart" inner_html=initiation></div></div>
        </section>
    }
}
