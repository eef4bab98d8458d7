//! The day-range filter: from and to dates, applied together or cleared to all days.

use leptos::prelude::*;

use model::RangeInput;

/// The From/To inputs with Apply and "All days". Typing changes nothing until Apply; the page
/// reloads its numbers whenever `range` changes.
#[component]
pub fn RangeFilter(
    /// The range the page shows; set on Apply and on "All days".
    range: RwSignal<RangeInput>,
) -> impl IntoView {
    let from = RwSignal::new(String::new());
    let to = RwSignal::new(String::new());
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
        <section class="filters" aria-label="Date range">
            <label>"From" <input id="from" type="date" prop:value=from on:input=move |ev| from.set(event_target_value(&ev))/></label>
            <label>"To" <input id="to" type="date" prop:value=to on:input=move |ev| to.set(event_target_value(&ev))/></label>
            <button id="apply" on:click=apply>"Apply"</button>
            <button id="clear" class="secondary" on:click=clear>"All days"</button>
        </section>
    }
}
