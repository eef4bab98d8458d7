//! How a failed server call reads on the page: one short line, shared by the dashboard page and the
//! report panel.

use leptos::prelude::ServerFnError;

/// A server function error as one short line for the page: the server's message when it sent one
/// (already safe to show), otherwise a hint that the server could not be reached.
pub fn short_error(e: &ServerFnError) -> String {
    match e {
        ServerFnError::ServerError(msg) => msg.clone(),
        _ => "The server could not be reached. Try again.".to_string(),
    }
}
