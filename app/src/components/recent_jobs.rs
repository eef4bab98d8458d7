//! The "Recent jobs" area: the newest runs from the jobs table, or why there are none.

use leptos::either::EitherOf3;
use leptos::prelude::*;

use model::JobSummary;

/// The newest runs from the jobs table (only shown when the server has one).
#[component]
pub fn RecentJobs(
    /// The runs, newest first, or the one-line reason the jobs table could not be read.
    jobs: Result<Vec<JobSummary>, String>,
) -> impl IntoView {
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
