//! The dashboard page: the header with the source and theme switcher, the day-range filter, the
//! overview (stat cards, charts, recent jobs) fed by one server function, and the report panel.
//! The parts are in `crate::components`; this module only lays them out.

use leptos::either::Either;
use leptos::prelude::*;

use crate::api::load_dashboard;
use crate::components::breakdown_charts::BreakdownCharts;
use crate::components::daily_chart::DailyChart;
use crate::components::range_filter::RangeFilter;
use crate::components::recent_jobs::RecentJobs;
use crate::components::report_panel::ReportPanel;
use crate::components::stat_cards::StatCardRow;
use crate::components::theme_switcher::ThemeSwitcher;
use crate::error::short_error;
use model::{DashboardData, RangeInput};

/// The application root: the one page (the server answers other paths with 404 itself, so the
/// bundle carries no client-side router).
#[component]
pub fn App() -> impl IntoView {
    view! { <Dashboard/> }
}

/// The dashboard page.
#[component]
fn Dashboard() -> impl IntoView {
    let range = RwSignal::new(RangeInput::default());
    let data = Resource::new(move || range.get(), load_dashboard);
    let hydrated = RwSignal::new(false);
    Effect::new(move |_| hydrated.set(true));

    view! {
        <div class="page" data-hydrated=move || hydrated.get().to_string()>
            <header class="top">
                <div>
                    <h1>"dynamo-lake"</h1>
                    <p class="source">
                        <Suspense fallback=|| "…">
                            {move || Suspend::new(async move {
                                data.await.map(|d| d.source).unwrap_or_default()
                            })}
                        </Suspense>
                    </p>
                </div>
                <ThemeSwitcher/>
            </header>
            <RangeFilter range/>
            <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match data.await {
                        Ok(d) => Either::Left(view! { <Overview data=d/> }),
                        Err(e) => Either::Right(view! { <p class="error" role="alert">{short_error(&e)}</p> }),
                    }
                })}
            </Transition>
            <ReportPanel/>
        </div>
    }
}

/// What the server computed for the range: stat cards, the daily chart, the three breakdowns and,
/// when the server has a jobs table, the recent jobs.
#[component]
fn Overview(data: DashboardData) -> impl IntoView {
    let charts = data.charts;
    let days = data.daily.len();
    let jobs = data.jobs.map(|jobs| view! { <RecentJobs jobs/> });
    view! {
        <StatCardRow stats=data.stats/>
        <DailyChart svg=charts.daily days/>
        <BreakdownCharts channel=charts.channel agent=charts.agent initiation=charts.initiation/>
        {jobs}
    }
}
