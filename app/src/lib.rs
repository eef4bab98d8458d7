//! The dynamo-lake dashboard: components and server functions shared by the server (`ssr`) and the
//! browser bundle (`hydrate`). Server-only code lives behind the `ssr` feature.

// Leptos view types nest deeply; the dashboard page needs more than the default 128.
#![recursion_limit = "256"]

pub mod api;
#[cfg(feature = "browser")]
pub mod browser;
#[cfg(feature = "ssr")]
pub mod charts;
pub mod components;
pub mod dashboard;
pub mod error;
#[cfg(feature = "ssr")]
pub mod shell;
pub mod table;
pub mod theme;

#[cfg(feature = "ssr")]
pub mod ssr;

pub use dashboard::App;
#[cfg(feature = "ssr")]
pub use shell::shell;

/// The browser entry: hydrates the server-rendered page.
#[cfg(feature = "hydrate")]
pub fn hydrate() {
    leptos::mount::hydrate_body(App);
}
