//! The CSV download: a column picker remembered per report, a byte-order-mark option, the file made
//! in the browser from the table's current order, and a link to the server's full CSV.

use leptos::prelude::*;

use model::ResultView;

/// The CSV download: a column picker (remembered per report), a BOM option, the browser-made file,
/// and the server's full CSV.
#[component]
pub fn CsvPanel(
    /// The result being shown.
    result: StoredValue<ResultView>,
    /// The table's row order (as sorted), which the file keeps.
    order: Memo<Vec<usize>>,
) -> impl IntoView {
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
