//! The few browser APIs the page uses directly: the clock, the clipboard, file downloads and the
//! saved column choice. Compiled only into the browser bundle.

use wasm_bindgen::JsCast;

/// Milliseconds from the page's time origin (for "elapsed" figures; `Instant` is not in WASM).
pub fn now_ms() -> f64 {
    web_sys::window()
        .and_then(|w| w.performance())
        .map(|p| p.now())
        .unwrap_or(0.0)
}

/// Today's date in the browser's time zone, `YYYY-MM-DD`.
pub fn today() -> String {
    let d = js_sys::Date::new_0();
    format!(
        "{:04}-{:02}-{:02}",
        d.get_full_year(),
        d.get_month() + 1,
        d.get_date()
    )
}

/// Copies `text` to the clipboard: the Clipboard API where the page may use it, otherwise a hidden
/// text area and `execCommand("copy")`. Returns whether it worked.
pub async fn copy_text(text: &str) -> bool {
    let Some(window) = web_sys::window() else {
        return false;
    };
    let navigator = window.navigator();
    let has_api = js_sys::Reflect::get(&navigator, &"clipboard".into())
        .map(|v| !v.is_undefined() && !v.is_null())
        .unwrap_or(false);
    if has_api {
        let promise = navigator.clipboard().write_text(text);
        if wasm_bindgen_futures::JsFuture::from(promise).await.is_ok() {
            return true;
        }
    }
    copy_with_text_area(&window, text)
}

fn copy_with_text_area(window: &web_sys::Window, text: &str) -> bool {
    let Some(document) = window.document() else {
        return false;
    };
    let Ok(area) = document.create_element("textarea") else {
        return false;
    };
    let Ok(area) = area.dyn_into::<web_sys::HtmlTextAreaElement>() else {
        return false;
    };
    area.set_value(text);
    let _ = area.set_attribute("style", "position:fixed;opacity:0");
    let Some(body) = document.body() else {
        return false;
    };
    let _ = body.append_child(&area);
    area.select();
    let copied = document
        .dyn_ref::<web_sys::HtmlDocument>()
        .and_then(|d| d.exec_command("copy").ok())
        .unwrap_or(false);
    area.remove();
    copied
}

/// Offers `text` as a file download named `name`.
pub fn download_text(name: &str, text: &str, mime: &str) -> Result<(), String> {
    let fail = |e: wasm_bindgen::JsValue| format!("{e:?}");
    let parts = js_sys::Array::of1(&text.into());
    let options = web_sys::BlobPropertyBag::new();
    options.set_type(mime);
    let blob = web_sys::Blob::new_with_str_sequence_and_options(&parts, &options).map_err(fail)?;
    let url = web_sys::Url::create_object_url_with_blob(&blob).map_err(fail)?;
    let document = web_sys::window()
        .and_then(|w| w.document())
        .ok_or("no document")?;
    let anchor: web_sys::HtmlAnchorElement = document
        .create_element("a")
        .map_err(fail)?
        .dyn_into()
        .map_err(|_| "not an anchor".to_string())?;
    anchor.set_href(&url);
    anchor.set_download(name);
    anchor.click();
    web_sys::Url::revoke_object_url(&url).map_err(fail)
}

const COLUMNS_KEY: &str = "dynamo-lake.csv-columns.";

/// The columns the user left out of the CSV of `report` last time.
pub fn load_excluded(report: &str) -> Vec<String> {
    use gloo_storage::Storage;
    gloo_storage::LocalStorage::get(format!("{COLUMNS_KEY}{report}")).unwrap_or_default()
}

/// Remembers the columns left out of the CSV of `report`.
pub fn save_excluded(report: &str, excluded: &[String]) {
    use gloo_storage::Storage;
    let _ = gloo_storage::LocalStorage::set(format!("{COLUMNS_KEY}{report}"), excluded);
}
