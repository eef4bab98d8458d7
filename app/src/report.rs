//! The report panel: the seven query types with their inputs, the query's state, and the result
//! as a sortable, paged table with click-to-copy cells and a CSV download with a column picker.

use leptos::prelude::*;

use crate::api::{fetch_result, list_agents, start_report};
use crate::table::{CELL_CHARS, sorted_order, truncate};
use model::{REPORTS, ReportField, ReportInput, ReportKind, ResultView};

/// The example the custom SQL editor loads.
pub const EXAMPLE_SQL: &str = "SELECT channel, count(*) AS contacts\nFROM gsi_export\nGROUP BY channel\nORDER BY contacts DESC";

/// Rows a table page shows.
const PAGE_ROWS: usize = 100;

/// What the last run did.
#[derive(Debug, Clone, PartialEq)]
enum Outcome {
    Done { ms: f64 },
    Failed(String),
}

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

async fn run(input: ReportInput) -> (Option<ResultView>, Outcome) {
    let started = now_ms();
    let result = async {
        let id = start_report(input.clone()).await?;
        fetch_result(id, input.query.clone()).await
    }
    .await;
    match result {
        Ok(r) => (
            Some(r),
            Outcome::Done {
                ms: now_ms() - started,
            },
        ),
        Err(e) => (None, Outcome::Failed(crate::dashboard::short_error(&e))),
    }
}

/// The report panel.
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
                            "{} rows in {} ms{}",
                            r.rows.len(),
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
        </section>
    }
}

/// A byte count for people, to one decimal (integer arithmetic: float formatting would add
/// ~15 KB to the bundle).
pub(crate) fn bytes(b: u64) -> String {
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

#[component]
fn AgentPicker(input: RwSignal<ReportInput>) -> impl IntoView {
    let agents = LocalResource::new(list_agents);
    view! {
        <label>
            "Agent "
            <select id="report-agent" prop:value=move || input.with(|i| i.agent.clone())
                on:change=move |ev| input.update(|i| i.agent = event_target_value(&ev))>
                <option value="">"Choose an agent"</option>
                <Suspense fallback=|| view! { <option disabled=true>"Loading…"</option> }>
                    {move || Suspend::new(async move {
                        agents.await.unwrap_or_default().into_iter()
                            .map(|a| view! { <option value=a.clone()>{a.clone()}</option> })
                            .collect_view()
                    })}
                </Suspense>
            </select>
        </label>
    }
}

/// The result: table (sortable, paged, click-to-copy) and the CSV download.
#[component]
fn ResultsTable(result: ResultView) -> impl IntoView {
    let result = StoredValue::new(result);
    let sort = RwSignal::new(None::<(usize, bool)>);
    let page = RwSignal::new(0usize);
    let copied = RwSignal::new(None::<(usize, usize)>);
    let order = Memo::new(move |_| {
        result.with_value(|r| match sort.get() {
            Some((col, asc)) => sorted_order(r, col, asc),
            None => (0..r.rows.len()).collect(),
        })
    });
    let total = result.with_value(|r| r.rows.len());
    let pages = total.div_ceil(PAGE_ROWS).max(1);
    let columns = result.with_value(|r| r.columns.clone());

    let header = columns
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let name = c.name.clone();
            let click = move |_| {
                sort.update(|s| {
                    *s = match *s {
                        Some((col, true)) if col == i => Some((i, false)),
                        _ => Some((i, true)),
                    }
                });
                page.set(0);
            };
            let mark = move || match sort.get() {
                Some((col, true)) if col == i => " ▲",
                Some((col, false)) if col == i => " ▼",
                _ => "",
            };
            let aria = move || match sort.get() {
                Some((col, true)) if col == i => "ascending",
                Some((col, false)) if col == i => "descending",
                _ => "none",
            };
            view! {
                <th aria-sort=aria>
                    <button type="button" class="sort" on:click=click>{name}{mark}</button>
                </th>
            }
        })
        .collect_view();

    let body = move || {
        let start = page.get() * PAGE_ROWS;
        order.with(|order| {
            result.with_value(|r| {
                order
                    .iter()
                    .skip(start)
                    .take(PAGE_ROWS)
                    .map(|&row| {
                        let cells = r.rows[row]
                            .iter()
                            .enumerate()
                            .map(|(col, cell)| {
                                let full = cell.clone().unwrap_or_default();
                                let shown = cell
                                    .as_deref()
                                    .map(|v| truncate(v, CELL_CHARS))
                                    .unwrap_or_else(|| "NULL".to_string());
                                let is_null = cell.is_none();
                                let value = full.clone();
                                let copy = move |_: ()| {
                                    let value = value.clone();
                                    copied.set(Some((row, col)));
                                    #[cfg(feature = "browser")]
                                    leptos::task::spawn_local(async move {
                                        if !crate::browser::copy_text(&value).await {
                                            copied.set(None);
                                        }
                                    });
                                    #[cfg(not(feature = "browser"))]
                                    let _ = value;
                                };
                                let class = move || {
                                    let mut c = String::from("cell");
                                    if is_null {
                                        c.push_str(" null");
                                    }
                                    if copied.get() == Some((row, col)) {
                                        c.push_str(" copied");
                                    }
                                    c
                                };
                                let key_copy = copy.clone();
                                let on_key = move |ev: leptos::ev::KeyboardEvent| {
                                    if ev.key() == "Enter" || ev.key() == " " {
                                        ev.prevent_default();
                                        key_copy(());
                                    }
                                };
                                view! {
                                    <td class=class title=full tabindex="0"
                                        on:click=move |_| copy(()) on:keydown=on_key>{shown}</td>
                                }
                            })
                            .collect_view();
                        view! { <tr>{cells}</tr> }
                    })
                    .collect_view()
            })
        })
    };

    view! {
        <div class="result" data-rows=total>
            <CsvPanel result=result order=order/>
            <p class="hint">
                "Click a cell to copy its value. "
                {move || copied.get().map(|_| view! { <span id="copy-note" class="copy-note">"Copied"</span> })}
            </p>
            <div class="table-wrap">
                <table id="results-table">
                    <thead><tr>{header}</tr></thead>
                    <tbody>{body}</tbody>
                </table>
            </div>
            <nav class="pager" aria-label="Result pages">
                <button type="button" id="page-prev" class="secondary" prop:disabled=move || page.get() == 0
                    on:click=move |_| page.update(|p| *p = p.saturating_sub(1))>"Previous"</button>
                <span id="page-info">{move || format!("Page {} of {pages} · {total} rows", page.get() + 1)}</span>
                <button type="button" id="page-next" class="secondary" prop:disabled=move || { page.get() + 1 >= pages }
                    on:click=move |_| page.update(|p| *p = (*p + 1).min(pages - 1))>"Next"</button>
            </nav>
        </div>
    }
}

/// The CSV download: a column picker (remembered per report), a BOM option, the browser-made file,
/// and the server's full CSV.
#[component]
fn CsvPanel(result: StoredValue<ResultView>, order: Memo<Vec<usize>>) -> impl IntoView {
    let (report, id, names) = result.with_value(|r| {
        (
            r.report.clone(),
            r.id.clone(),
            r.columns.iter().map(|c| c.name.clone()).collect::<Vec<_>>(),
        )
    });
    let chosen = RwSignal::new(vec![true; names.len()]);
    let bom = RwSignal::new(false);
    let note = RwSignal::new(String::new());
    #[cfg(feature = "browser")]
    {
        let (report, names) = (report.clone(), names.clone());
        Effect::new(move |_| {
            let excluded = crate::browser::load_excluded(&report);
            chosen.set(names.iter().map(|n| !excluded.contains(n)).collect());
        });
    }
    let remember = {
        let (report, names) = (report.clone(), names.clone());
        move || {
            let excluded: Vec<String> = chosen.with_untracked(|c| {
                names
                    .iter()
                    .zip(c)
                    .filter(|(_, on)| !**on)
                    .map(|(n, _)| n.clone())
                    .collect()
            });
            #[cfg(feature = "browser")]
            crate::browser::save_excluded(&report, &excluded);
            let _ = (&report, excluded);
        }
    };
    let boxes = names
        .iter()
        .enumerate()
        .map(|(i, name)| {
            let remember = remember.clone();
            view! {
                <label class="column-choice">
                    <input type="checkbox" data-column=name.clone()
                        prop:checked=move || chosen.with(|c| c.get(i).copied().unwrap_or(true))
                        on:change=move |ev| {
                            let on = event_target_checked(&ev);
                            chosen.update(|c| if let Some(x) = c.get_mut(i) { *x = on });
                            remember();
                        }/>
                    {name.clone()}
                </label>
            }
        })
        .collect_view();
    let set_all = {
        let remember = remember.clone();
        move |on: bool| {
            chosen.update(|c| c.iter_mut().for_each(|x| *x = on));
            remember();
        }
    };
    let (all, none) = (set_all.clone(), set_all);
    let download = move |_| {
        let csv = result.with_value(|r| {
            chosen.with_untracked(|c| {
                order.with_untracked(|o| crate::table::to_csv(r, c, o, bom.get_untracked()))
            })
        });
        #[cfg(feature = "browser")]
        {
            let name = crate::table::file_name(&report, &crate::browser::today());
            match crate::browser::download_text(&name, &csv, "text/csv;charset=utf-8") {
                Ok(()) => note.set(format!("Saved {name}")),
                Err(e) => note.set(format!("Could not save the file: {e}")),
            }
        }
        #[cfg(not(feature = "browser"))]
        let _ = (csv, &report);
    };
    view! {
        <details class="csv" id="csv-panel">
            <summary>"CSV download"</summary>
            <div class="columns">{boxes}</div>
            <div class="row">
                <button type="button" id="csv-all" class="secondary" on:click=move |_| all(true)>"Select all"</button>
                <button type="button" id="csv-none" class="secondary" on:click=move |_| none(false)>"Select none"</button>
                <label><input type="checkbox" id="csv-bom" prop:checked=move || bom.get()
                    on:change=move |ev| bom.set(event_target_checked(&ev))/>" UTF-8 BOM (for spreadsheets)"</label>
                <button type="button" id="csv-download" on:click=download>"Download CSV"</button>
                <a id="csv-server" href=format!("/api/download?queryExecutionId={id}")>"Full result from the server"</a>
                <span class="hint">{move || note.get()}</span>
            </div>
        </details>
    }
}
