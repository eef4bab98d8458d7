//! The results table: a report's rows, sortable by any column, paged, with click-to-copy cells (and
//! the CSV panel above it). Sorting and truncation are the plain functions in `crate::table`.

use leptos::prelude::*;

use crate::components::csv_panel::CsvPanel;
use crate::table::{CELL_CHARS, sorted_order, truncate};
use model::ResultView;

/// Rows a table page shows.
const PAGE_ROWS: usize = 100;

/// The result: table (sortable, paged, click-to-copy) and the CSV download.
#[component]
pub fn ResultsTable(
    /// The whole result of the run.
    result: ResultView,
) -> impl IntoView {
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
