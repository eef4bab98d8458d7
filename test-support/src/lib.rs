//! The stand-ins every test binary uses, started in one way: a program that prints `port N` once
//! it listens on a free loopback port and exits when its standard input closes
//! (`tests/dynalite.js`, `tests/stand-in.py` for s3s-fs and moto), so nothing outlives the test
//! (or the test binary) that started it. Real servers, never hand-written fakes.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};

/// A running stand-in; it stops when this is dropped (its stdin closes).
#[derive(Debug)]
pub struct StandIn {
    /// `http://127.0.0.1:PORT`.
    pub endpoint: String,
    _stdin: ChildStdin,
    _child: Child,
}

/// The repository's `tests/` folder (scripts and node modules of the stand-ins).
pub fn tests_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests")
}

/// Starts `command` and waits for its `port N` line; `what` names it in failures.
pub fn start(what: &str, mut command: Command) -> StandIn {
    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{what} does not start ({e}): run ./dev bootstrap"));
    let stdin = child.stdin.take().expect("stdin is piped");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout is piped"))
        .read_line(&mut line)
        .unwrap_or_else(|e| panic!("{what} printed no port line: {e}"));
    let port = line
        .trim()
        .strip_prefix("port ")
        .unwrap_or_else(|| panic!("{what} did not start (see its message above): {line:?}"))
        .to_string();
    StandIn {
        endpoint: format!("http://127.0.0.1:{port}"),
        _stdin: stdin,
        _child: child,
    }
}

/// dynalite: a local DynamoDB, in memory.
pub fn dynalite() -> StandIn {
    let tests = tests_dir();
    assert!(
        tests.join("node_modules/dynalite").exists(),
        "dynalite is not installed: run ./dev bootstrap"
    );
    let mut c = Command::new("node");
    c.arg(tests.join("dynalite.js"))
        .args(["0", "--until-stdin-closes"]);
    start("dynalite", c)
}

/// s3s-fs: a local S3 with real SigV4 checks, keeping each bucket as a folder of `root`.
pub fn s3s_fs(root: &Path) -> StandIn {
    let mut c = Command::new("python3");
    c.arg(tests_dir().join("stand-in.py"))
        .arg("s3s-fs")
        .arg(root);
    start("s3s-fs", c)
}

/// moto: AWS APIs dynalite lacks (Athena's request flow, S3, CloudFormation, TTL, PITR).
pub fn moto() -> StandIn {
    let mut c = Command::new("python3");
    c.arg(tests_dir().join("stand-in.py")).arg("moto");
    start("moto", c)
}
