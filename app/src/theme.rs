//! The four colour themes, kept in localStorage and applied before first paint.

/// The localStorage key (written through gloo-storage, so the value is a JSON string).
pub const STORAGE_KEY: &str = "dynamo-lake.theme";

/// Theme ids and labels, in menu order; the first is the default.
pub const THEMES: [(&str, &str); 4] = [
    ("light", "Light"),
    ("dark", "Dark"),
    ("ocean", "Ocean"),
    ("sunset", "Sunset"),
];

/// Runs in `<head>` before the body is parsed, so the saved theme is in place for the first paint.
pub fn boot_script() -> String {
    let ids: Vec<String> = THEMES.iter().map(|(id, _)| format!("\"{id}\"")).collect();
    format!(
        "(function(){{var t=\"light\";try{{var v=JSON.parse(localStorage.getItem(\"{STORAGE_KEY}\"));if([{}].indexOf(v)>=0)t=v;}}catch(e){{}}document.documentElement.setAttribute(\"data-theme\",t);}})();",
        ids.join(",")
    )
}

/// The saved theme, if any and valid (browser only).
#[cfg(feature = "browser")]
pub fn load() -> Option<String> {
    use gloo_storage::Storage;
    let saved: String = gloo_storage::LocalStorage::get(STORAGE_KEY).ok()?;
    THEMES.iter().any(|(id, _)| *id == saved).then_some(saved)
}

/// Applies a theme to the page and saves it (browser only).
#[cfg(feature = "browser")]
pub fn apply(id: &str) {
    use gloo_storage::Storage;
    if let Some(root) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.document_element())
    {
        let _ = root.set_attribute("data-theme", id);
    }
    let _ = gloo_storage::LocalStorage::set(STORAGE_KEY, id);
}
