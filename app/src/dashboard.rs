//! The dashboard page: header with the source and theme switcher, a day-range filter, the stat
//! cards and the daily chart, all fed by one server function.

use leptos::either::{Either, EitherOf3};
use leptos::prelude::*;

use crate::api::load_dashboard;
use crate::theme::THEMES;
use model::{DashboardData, JobSummary, RangeInput, StatCards};

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
    let from = RwSignal::new(String::new());
    let to = RwSignal::new(String::new());
    let data = Resource::new(move || range.get(), load_dashboard);
    let hydrated = RwSignal::new(false);
    Effect::new(move |_| hydrated.set(true));

    let apply = move |_| {
        range.set(RangeInput {
            from: from.get_untracked(),
            to: to.get_untracked(),
        })
    };
    let clear = move |_| {
        from.set(String::new());
        to.set(String::new());
        range.set(RangeInput::default());
    };

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
            <section class="filters" aria-label="Date range">
                <label>"From" <input id="from" type="date" prop:value=from on:input=move |ev| from.set(event_target_value(&ev))/></label>
                <label>"To" <input id="to" type="date" prop:value=to on:input=move |ev| to.set(event_target_value(&ev))/></label>
                <button id="apply" on:click=apply>"Apply"</button>
                <button id="clear" class="secondary" on:click=clear>"All days"</button>
            </section>
            <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match data.await {
                        Ok(d) => Either::Left(view! { <Overview data=d/> }),
                        Err(e) => Either::Right(view! { <p class="error" role="alert">{short_error(&e)}</p> }),
                    }
                })}
            </Transition>
            <crate::report::ReportPanel/>
        </div>
    }
}

/// A server function error as one short line for the page.
pub(crate) fn short_error(e: &ServerFnError) -> String {
    match e {
        ServerFnError::ServerError(msg) => msg.clone(),
        _ => "The server could not be reached. Try again.".to_string(),
    }
}

#[component]
fn Overview(data: DashboardData) -> impl IntoView {
    let chart = data.charts.daily;
    let days = data.daily.len();
    let (channels, agents, initiation) = (
        data.charts.channel,
        data.charts.agent,
        data.charts.initiation,
    );
    let jobs = data.jobs.map(|jobs| view! { <RecentJobs jobs/> });
    view! {
        <StatCardRow stats=data.stats/>
        <section class="panel">
            <h2>"Daily contacts" <span class="hint">{format!("{days} days")}</span></h2>
            <div id="daily-chart" class="chart" inner_html=chart></div>
        </section>
        <section class="charts">
            <div class="panel"><div id="channel-chart" class="chart" inner_html=channels></div></div>
            <div class="panel"><div id="agent-chart" class="chart" inner_html=agents></div></div>
            <div class="panel"><div id="initiation-chart" class="chart" inner_html=initiation></div></div>
        </section>
        {jobs}
    }
}

/// The newest runs from the jobs table (only shown when the server has one).
#[component]
pub(crate) fn RecentJobs(jobs: Result<Vec<JobSummary>, String>) -> impl IntoView {
    let body = match jobs {
        Err(e) => EitherOf3::A(
            view! { <p class="error" role="alert">{format!("Cannot read the jobs table: {e}")}</p> },
        ),
        Ok(list) if list.is_empty() => {
            EitherOf3::B(view! { <p class="hint">"No runs recorded yet."</p> })
        }
        Ok(list) => EitherOf3::C(view! {
            <div class="table-wrap">
                <table class="jobs">
                    <thead><tr><th>"Started"</th><th>"Job"</th><th>"Status"</th><th>"Detail"</th></tr></thead>
                    <tbody>
                        {list
                            .into_iter()
                            .map(|j| view! {
                                <tr>
                                    <td>{j.created_at}</td>
                                    <td title=j.job_id>{j.job_type}</td>
                                    <td class=format!("job-status {}", j.status)>{j.status.clone()}</td>
                                    <td>{j.detail}</td>
                                </tr>
                            })
                            .collect_view()}
                    </tbody>
                </table>
            </div>
        }),
    };
    view! {
        <section class="panel" id="recent-jobs" aria-labelledby="recent-jobs-title">
            <h2 id="recent-jobs-title">"Recent jobs"</h2>
            {body}
        </section>
    }
}

#[component]
fn StatCardRow(stats: StatCards) -> impl IntoView {
    let show = |v: Option<u64>| v.map(|n| n.to_string()).unwrap_or_else(|| "–".to_string());
    let cards = [
        ("total-rows", "Total rows", stats.total_rows.to_string()),
        (
            "unique-contacts",
            "Unique contacts",
            show(stats.unique_contacts),
        ),
        ("channels", "Channels", show(stats.channels)),
        ("agents", "Agents", show(stats.agents)),
    ];
    view! {
        <section class="cards">
            {cards
                .into_iter()
                .map(|(id, label, value)| {
                    view! {
                        <div class="card" id=format!("card-{id}")>
                            <div class="label">{label}</div>
                            <div class="value">{value}</div>
                        </div>
                    }
                })
                .collect_view()}
        </section>
    }
}

#[component]
fn ThemeSwitcher() -> impl IntoView {
    // Starts as the server rendered it; the saved theme is read once hydrated.
    let theme = RwSignal::new(THEMES[0].0.to_string());
    #[cfg(feature = "browser")]
    Effect::new(move |_| {
        if let Some(saved) = crate::theme::load() {
            theme.set(saved);
        }
    });
    let choose = move |ev| {
        let id = event_target_value(&ev);
        #[cfg(feature = "browser")]
        crate::theme::apply(&id);
        theme.set(id);
    };
    view! {
        <label class="theme">
            "Theme "
            <select id="theme" on:change=choose prop:value=move || theme.get()>
                {THEMES
                    .iter()
                    .map(|(id, label)| view! { <option value=*id>{*label}</option> })
                    .collect_view()}
            </select>
        </label>
    }
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::*;

    fn render(jobs: Result<Vec<JobSummary>, String>) -> String {
        let owner = Owner::new();
        owner.with(|| view! { <RecentJobs jobs/> }.to_html())
    }

    #[test]
    fn recent_jobs_lists_each_run_escaped() {
        let html = render(Ok(vec![
            JobSummary {
                job_id: "j-1".into(),
                job_type: "export".into(),
                status: "completed".into(),
                created_at: "2026-11-22T10:00:00Z".into(),
                detail: "1 200 items written".into(),
            },
            JobSummary {
                job_id: "j-2".into(),
                job_type: "import".into(),
                status: "failed".into(),
                created_at: "2026-11-22T09:00:00Z".into(),
                detail: "<script>alert(1)</script>".into(),
            },
        ]));
        assert_eq!(html.matches("<tr>").count(), 3, "{html}");
        assert!(html.contains("1 200 items written"), "{html}");
        assert!(html.contains("job-status failed"), "{html}");
        assert!(html.contains("title=\"j-2\""), "{html}");
        assert!(!html.contains("<script>"), "detail must be escaped: {html}");
    }

    #[test]
    fn recent_jobs_says_when_empty_or_unreadable() {
        assert!(render(Ok(vec![])).contains("No runs recorded yet."));
        let html = render(Err("AccessDenied on table jobs".into()));
        assert!(
            html.contains("Cannot read the jobs table: AccessDenied on table jobs"),
            "{html}"
        );
        assert!(html.contains("role=\"alert\""), "{html}");
    }
}
