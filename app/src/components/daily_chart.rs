//! The daily chart panel: the server-drawn SVG of rows per day, with the number of days.

use leptos::prelude::*;

/// The "Daily contacts" panel.
#[component]
pub fn DailyChart(
    /// The chart, as SVG drawn by the server.
    svg: String,
    /// How many days the chart covers.
    days: usize,
) -> impl IntoView {
    view! {
        <section class="panel">
            <h2>"Daily contacts" <span class="hint">{format!("{days} days")}</span></h2>
            <div id="daily-chart" class="chart" inner_html=svg></div>
        </section>
    }
}
