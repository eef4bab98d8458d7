//! Embeds the dashboard's static files in the binary so that `dynamo-lake serve` (and the Lambda
//! function) need nothing beside them: the wasm bundle and its JS glue from the site folder that
//! `scripts/build-wasm` fills, the stylesheet from `style/`, and everything in `public/`.
//! Each file is also stored gzip-compressed. A missing bundle is not an error: the page is then
//! served without hydration, and the server says so when it starts.

use std::env;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

fn main() {
    let manifest_dir =
        PathBuf::from(env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    let root = manifest_dir
        .parent()
        .expect("server/ is inside the workspace")
        .to_path_buf();
    println!("cargo:rerun-if-env-changed=DYNAMO_LAKE_SITE");
    let site = env::var("DYNAMO_LAKE_SITE")
        .map(PathBuf::from)
        .unwrap_or_else(|_| root.join("target/site"));
    let pkg = site.join("pkg");

    let mut files: Vec<(String, PathBuf)> = Vec::new();
    for name in ["dynamo_lake.js", "dynamo_lake.wasm"] {
        let path = pkg.join(name);
        println!("cargo:rerun-if-changed={}", path.display());
        if path.exists() {
            files.push((format!("/pkg/{name}"), path));
        }
    }
    let css = root.join("style/main.css");
    println!("cargo:rerun-if-changed={}", css.display());
    files.push(("/pkg/dynamo_lake.css".into(), css));
    let public = root.join("public");
    println!("cargo:rerun-if-changed={}", public.display());
    if let Ok(entries) = fs::read_dir(&public) {
        let mut entries: Vec<_> = entries
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.is_file())
            .collect();
        entries.sort();
        for path in entries {
            let name = path
                .file_name()
                .and_then(|n| n.to_str())
                .expect("public file names are UTF-8")
                .to_string();
            println!("cargo:rerun-if-changed={}", path.display());
            files.push((format!("/{name}"), path));
        }
    }

    let out = PathBuf::from(env::var("OUT_DIR").expect("cargo sets OUT_DIR"));
    let mut code = String::from(
        "/// Embedded files: (URL path, raw bytes, gzip bytes).\npub static FILES: &[(&str, &[u8], &[u8])] = &[\n",
    );
    for (i, (url, path)) in files.iter().enumerate() {
        let gz = out.join(format!("asset-{i}.gz"));
        fs::write(&gz, gzip(path)).expect("write gzip asset");
        code.push_str(&format!(
            "    ({url:?}, include_bytes!({:?}), include_bytes!({:?})),\n",
            path.display().to_string(),
            gz.display().to_string()
        ));
    }
    code.push_str("];\n");
    fs::write(out.join("assets.rs"), code).expect("write assets.rs");
}

fn gzip(path: &Path) -> Vec<u8> {
    let raw = fs::read(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    enc.write_all(&raw).expect("gzip in memory");
    enc.finish().expect("gzip in memory")
}
