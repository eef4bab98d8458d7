//! The theme switcher in the page header: a select over the four themes, applied and saved in the
//! browser (the themes themselves and their storage are in `crate::theme`).

use leptos::prelude::*;

use crate::theme::THEMES;

/// The theme select. It renders the default theme on the server and shows the saved one once
/// hydrated.
#[component]
pub fn ThemeSwitcher() -> impl IntoView {
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
