//! The dashboard's static files, embedded at build time (see `build.rs`).

use std::path::PathBuf;
use std::sync::OnceLock;

use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/assets.rs"));
}

/// Whether the WASM bundle was embedded (without it the page renders but does not hydrate).
pub fn has_bundle() -> bool {
    embedded::FILES
        .iter()
        .any(|(path, _, _)| path.ends_with(".wasm"))
}

/// Looks up an embedded file by URL path.
pub fn find(path: &str) -> Option<(&'static [u8], &'static [u8])> {
    embedded::FILES
        .iter()
        .find(|(p, _, _)| *p == path)
        .map(|(_, raw, gz)| (*raw, *gz))
}

/// Under `cargo leptos watch` (which sets `LEPTOS_SITE_ROOT`), files are read from the site folder
/// it keeps rebuilding, so a new bundle needs no new server binary.
fn from_site_root(path: &str) -> Option<Vec<u8>> {
    static ROOT: OnceLock<Option<PathBuf>> = OnceLock::new();
    let root = ROOT
        .get_or_init(|| std::env::var_os("LEPTOS_SITE_ROOT").map(PathBuf::from))
        .as_ref()?;
    let relative = path.trim_start_matches('/');
    if relative
        .split('/')
        .any(|part| part == ".." || part.is_empty())
    {
        return None;
    }
    std::fs::read(root.join(relative)).ok()
}

/// Serves an embedded file, gzip-compressed when the client accepts it.
pub async fn serve(uri: Uri, headers: HeaderMap) -> Response {
    let mime = mime_guess::from_path(uri.path()).first_or_octet_stream();
    if let Some(bytes) = from_site_root(uri.path()) {
        return ([(header::CONTENT_TYPE, mime.to_string())], bytes).into_response();
    }
    let Some((raw, gz)) = find(uri.path()) else {
        return (StatusCode::NOT_FOUND, "not found").into_response();
    };
    let accepts_gzip = headers
        .get_all(header::ACCEPT_ENCODING)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(|v| v.split(',').any(|enc| enc.trim().starts_with("gzip")));
    let mut response = if accepts_gzip {
        gz.to_vec().into_response()
    } else {
        raw.to_vec().into_response()
    };
    let h = response.headers_mut();
    if let Ok(v) = HeaderValue::from_str(mime.as_ref()) {
        h.insert(header::CONTENT_TYPE, v);
    }
    if accepts_gzip {
        h.insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
    }
    h.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    response
}
