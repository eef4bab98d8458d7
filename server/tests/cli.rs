//! User mistakes at the command line end in one clear message naming the input, never a panic.

use std::process::Command;

fn run(args: &[&str]) -> (i32, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_dynamo-lake"))
        .args(args)
        .output()
        .expect("binary runs");
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    assert!(!stderr.contains("panicked"), "panic for {args:?}: {stderr}");
    assert!(
        !stderr.contains("RUST_BACKTRACE"),
        "backtrace hint for {args:?}: {stderr}"
    );
    (out.status.code().unwrap_or(-1), stderr)
}

#[test]
fn a_busy_port_is_named() {
    let busy = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = busy.local_addr().expect("addr").port();
    let dir = tempfile::tempdir().expect("tempdir");
    let addr = format!("127.0.0.1:{port}");
    let (code, err) = run(&[
        "demo",
        "--dir",
        dir.path().to_str().expect("utf-8"),
        "--items",
        "10",
        "--addr",
        &addr,
    ]);
    assert_eq!(code, 1);
    assert!(
        err.contains(&format!("port {port} on 127.0.0.1 is already in use")),
        "{err}"
    );
}

#[test]
fn an_unwritable_lake_path_is_named() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (code, err) = run(&[
        "demo",
        "--dir",
        dir.path().to_str().expect("utf-8"),
        "--lake",
        "/proc/dynamo-lake-test/lake",
        "--items",
        "10",
        "--no-serve",
    ]);
    assert_eq!(code, 1);
    assert!(err.contains("/proc/dynamo-lake-test/lake"), "{err}");
}

#[test]
fn a_missing_lake_is_named() {
    let (code, err) = run(&[
        "serve",
        "--lake",
        "/nonexistent/lake",
        "--addr",
        "127.0.0.1:0",
    ]);
    assert_eq!(code, 1);
    assert!(err.contains("/nonexistent/lake"), "{err}");
    assert!(err.contains("run an export first"), "{err}");
}

#[test]
fn a_public_address_needs_consent() {
    let (code, err) = run(&[
        "serve",
        "--lake",
        "/nonexistent/lake",
        "--addr",
        "0.0.0.0:0",
    ]);
    assert_eq!(code, 1);
    assert!(err.contains("--allow-remote"), "{err}");
}

#[test]
fn a_folder_that_is_not_a_lake_is_left_alone() {
    let dir = tempfile::tempdir().expect("tempdir");
    let precious = dir.path().join("precious.txt");
    std::fs::write(&precious, "keep me").expect("write");
    let (code, err) = run(&[
        "demo",
        "--dir",
        dir.path().to_str().expect("utf-8"),
        "--lake",
        dir.path().to_str().expect("utf-8"),
        "--no-serve",
    ]);
    assert_eq!(code, 1);
    assert!(err.contains("is not a dynamo-lake lake"), "{err}");
    assert!(precious.exists());
}

#[test]
fn help_explains_every_command() {
    for cmd in ["demo", "serve", "sample"] {
        let out = Command::new(env!("CARGO_BIN_EXE_dynamo-lake"))
            .args([cmd, "--help"])
            .output()
            .expect("runs");
        assert!(out.status.success());
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(text.contains("Usage: dynamo-lake"), "{cmd}: {text}");
    }
}
