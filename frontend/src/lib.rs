//! The browser bundle: hydrates the server-rendered dashboard. Built for wasm32 only.
// wasm-bindgen's export glue is unsafe code generated into this crate.
#![allow(unsafe_code)]

use wasm_bindgen::prelude::wasm_bindgen;

/// Called by Leptos' hydration script once the module is loaded.
#[wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    app::hydrate();
}
