//! The agent picker of the By Agent report: a select filled from the server's list of agents.

use leptos::prelude::*;

use crate::api::list_agents;
use model::ReportInput;

/// The agent select; the list loads in the browser, and the choice goes into `input.agent`.
#[component]
pub fn AgentPicker(
    /// The report input the choice is written to.
    input: RwSignal<ReportInput>,
) -> impl IntoView {
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
