//! The browser bundle. With `hydrate` (default) it hydrates the server-rendered dashboard; with
//! `csr` it mounts the app client-side for Trunk's dev server. Built for wasm32 only.
// wasm-bindgen's export glue is unsafe code generated into this crate.
#![allow(unsafe_code)]

use wasm_bindgen::prelude::wasm_bindgen;

/// Called by Leptos' hydration script once the module is loaded.
#[cfg(feature = "hydrate")]
#[wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    app::hydrate();
}

/// Mounts the whole app in the browser (client-only dev build).
#[cfg(all(feature = "csr", not(feature = "hydrate")))]
#[wasm_bindgen(start)]
pub fn start() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(app::App);
}
