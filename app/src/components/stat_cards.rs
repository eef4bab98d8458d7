//! The stat cards: total rows, unique contacts, channels and agents for the chosen range.

use leptos::prelude::*;

use model::StatCards;

/// The row of four stat cards; a count the source cannot give shows as `–`.
#[component]
pub fn StatCardRow(
    /// The counts for the chosen range.
    stats: StatCards,
) -> impl IntoView {
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
