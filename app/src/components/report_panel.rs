//! The report panel: the report type select, the chosen report's inputs (from the catalogue in
//! `model`), the Run button, the run's status line, and the result once it arrives: its first
//! server page, then the next ones on "Load more rows" (pages are capped by rows and bytes, so each
//! answer fits in a Lambda response).

use leptos::prelude::*;

use crate::api::{fetch_result, start_report};
use crate::components::agent_picker::AgentPicker;
use crate::components::results_table::ResultsTable;
use crate::error::short_error;
use model::{REPORTS, ReportField, ReportInput, ReportKind, ResultView};

/// The example the custom SQL editor loads.
pub const EXAMPLE_SQL: &str = "SELECT channel, count(*) AS contacts\nFROM gsi_export\nGROUP BY channel\nORDER BY contacts DESC";

/// What the last run did.
#[derive(Debug, Clone, PartialEq)]
enum Outcome {
    Done { ms: f64 },
    Failed(String),
}

/// Milliseconds for the "elapsed" figure (0 outside the browser, where nothing runs a report).
fn now_ms() -> f64 {
    #[cfg(feature = "browser")]
    {
        crate::browser::now_ms()
    }
    #[cfg(not(feature = "browser"))]
    {
        0.0
    }
}

/// Starts a report, waits for its result and says how long that took.
async fn run(input: ReportInput) -> (Option<ResultView>, Outcome) {
    let started = now_ms();
    let result = async {
        let id = start_report(input.clone()).await?;
        fetch_result(id, input.query.clone(), None).await
    }
    .await;
    match result {
        Ok(r) => (
            Some(r),
            Outcome::Done {
                ms: now_ms() - started,
            },
        ),
        Err(e) => (None, Outcome::Failed(short_error(&e))),
    }
}

/// The report panel: the form, the status line, the error if the run failed, and the result.
#[component]
pub fn ReportPanel() -> impl IntoView {
    let input = RwSignal::new(ReportInput {
        query: "all_records".into(),
        limit: "100".into(),
        ..Default::default()
    });
    let result = RwSignal::new(None::<ResultView>);
    let outcome = RwSignal::new(None::<Outcome>);
    let action = Action::new_local(move |i: &ReportInput| run(i.clone()));
    Effect::new(move |_| {
        if let Some((r, o)) = action.value().get() {
            result.set(r);
            outcome.set(Some(o));
        }
    });
    // The next server page, appended to the rows shown.
    let more = Action::new_local(move |shown: &ResultView| {
        let (id, report, token) = (
            shown.id.clone(),
            shown.report.clone(),
            shown.next_token.clone(),
        );
        async move { fetch_result(id, report, token).await }
    });
    Effect::new(move |_| match more.value().get() {
        Some(Ok(page)) => result.update(|r| {
            if let Some(r) = r.as_mut().filter(|r| r.id == page.id) {
                r.rows.extend(page.rows);
                r.next_token = page.next_token;
            }
        }),
        Some(Err(e)) => outcome.set(Some(Outcome::Failed(short_error(&e)))),
        None => {}
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        outcome.set(None);
        action.dispatch(input.get_untracked());
    };
    let query = move || input.with(|i| i.query.clone());
    // What the chosen report takes, from the catalogue.
    let kind = move || ReportKind::from_name(&query());
    let takes = move |field: ReportField| kind().is_some_and(|k| k.fields().contains(&field));

    view! {
        <section class="panel" id="reports">
            <h2>"Reports"</h2>
            <form class="report-form" on:submit=submit>
                <label>
                    "Report "
                    <select id="report-type" prop:value=query
                        on:change=move |ev| input.update(|i| i.query = event_target_value(&ev))>
                        {REPORTS.iter().map(|r| view! { <option value=r.name()>{r.label()}</option> }).collect_view()}
                    </select>
                </label>
                <Show when=move || takes(ReportField::Start)>
                    <label>"Start " <input id="report-start" type="date" prop:value=move || input.with(|i| i.start.clone())
                        on:input=move |ev| input.update(|i| i.start = event_target_value(&ev))/></label>
                    <label>"End " <input id="report-end" type="date" prop:value=move || input.with(|i| i.end.clone())
                        on:input=move |ev| input.update(|i| i.end = event_target_value(&ev))/></label>
                </Show>
                <Show when=move || takes(ReportField::Agent)>
                    <AgentPicker input=input/>
                </Show>
                <Show when=move || takes(ReportField::ContactId)>
                    <label>"Contact ID " <input id="report-contact" type="text" prop:value=move || input.with(|i| i.contact_id.clone())
                        on:input=move |ev| input.update(|i| i.contact_id = event_target_value(&ev))/></label>
                </Show>
                <Show when=move || kind().is_none_or(ReportKind::takes_limit)>
                    <label>"Limit " <input id="report-limit" type="number" min="1" prop:value=move || input.with(|i| i.limit.clone())
                        on:input=move |ev| input.update(|i| i.limit = event_target_value(&ev))/></label>
                </Show>
                <Show when=move || takes(ReportField::Sql)>
                    <div class="sql-editor">
                        <label for="report-sql">"SQL"</label>
                        <textarea id="report-sql" rows="6" spellcheck="false" prop:value=move || input.with(|i| i.sql.clone())
                            on:input=move |ev| input.update(|i| i.sql = event_target_value(&ev))></textarea>
                        <div class="row">
                            <button type="button" id="sql-example" class="secondary"
                                on:click=move |_| input.update(|i| i.sql = EXAMPLE_SQL.to_string())>"Load Example"</button>
                            <button type="button" id="sql-clear" class="secondary"
                                on:click=move |_| input.update(|i| i.sql.clear())>"Clear"</button>
                        </div>
                    </div>
                </Show>
                <button type="submit" id="run-report" prop:disabled=move || action.pending().get()>"Run"</button>
            </form>
            <p id="report-status" class="status" role="status" aria-live="polite">
                {move || {
                    if action.pending().get() {
                        return "Running…".to_string();
                    }
                    match (outcome.get(), result.get()) {
                        (Some(Outcome::Done { ms }), Some(r)) => format!(
                            "{}{} rows in {} ms{}",
                            r.rows.len(),
                            if r.next_token.is_some() { "+" } else { "" },
                            ms.max(0.0).round() as u64,
                            r.bytes_scanned.map(|b| format!(" · {} scanned", bytes(b))).unwrap_or_default()
                        ),
                        _ => String::new(),
                    }
                }}
            </p>
            {move || match outcome.get() {
                Some(Outcome::Failed(msg)) => Some(view! { <p id="report-error" class="error" role="alert">{msg}</p> }),
                _ => None,
            }}
            {move || result.get().map(|r| view! { <ResultsTable result=r/> })}
            {move || result.with(|r| r.as_ref().is_some_and(|r| r.next_token.is_some())).then(|| view! {
                <p class="row more">
                    <button type="button" id="load-more" class="secondary"
                        prop:disabled=move || more.pending().get()
                        on:click=move |_| {
                            if let Some(r) = result.get_untracked() {
                                more.dispatch(r);
                            }
                        }>"Load more rows"</button>
                    <span class="hint">"More rows are on the server; the CSV link has them all."</span>
                </p>
            })}
        </section>
    }
}

/// A byte count for people, to one decimal (integer arithmetic: float formatting would add
/// ~15 KB to the bundle).
fn bytes(b: u64) -> String {
    let (unit, name) = match b {
        b if b >= 1 << 30 => (1u64 << 30, "GB"),
        b if b >= 1 << 20 => (1 << 20, "MB"),
        b if b >= 1 << 10 => (1 << 10, "KB"),
        b => return format!("{b} B"),
    };
    let tenths = (u128::from(b) * 10 + u128::from(unit) / 2) / u128::from(unit);
    format!("{}.{} {name}", tenths / 10, tenths % 10)
}

#[cfg(test)]
mod tests {
    #[test]
    fn bytes_are_rounded_to_one_decimal() {
        assert_eq!(super::bytes(0), "0 B");
        assert_eq!(super::bytes(1023), "1023 B");
        assert_eq!(super::bytes(1024), "1.0 KB");
        assert_eq!(super::bytes(1536), "1.5 KB");
        assert_eq!(super::bytes(1024 * 1024 - 1), "1024.0 KB");
        assert_eq!(super::bytes(5 * (1 << 20) + (1 << 20) / 4), "5.3 MB");
        assert_eq!(super::bytes(u64::MAX), "17179869184.0 GB");
    }
}
