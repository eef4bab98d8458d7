//! Local stand-ins for the CLI tests: a program that prints `port N` once it listens and exits
//! when its standard input closes (tests/dynalite.js, tests/stand-in.py), so nothing outlives the
//! test that started it.

#![allow(dead_code)]

use std::io::BufRead;
use std::process::{Child, Command, Stdio};

/// A running stand-in; it stops when this is dropped (its stdin closes).
pub struct StandIn {
    /// `http://127.0.0.1:PORT`.
    pub endpoint: String,
    _child: Child,
}

/// Starts `command` and waits for its `port N` line.
pub fn start(mut command: Command) -> StandIn {
    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("the stand-in starts");
    let mut line = String::new();
    std::io::BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("the stand-in prints its port");
    let port = line
        .trim()
        .strip_prefix("port ")
        .unwrap_or_else(|| panic!("no port line from the stand-in: {line:?}"))
        .to_string();
    StandIn {
        endpoint: format!("http://127.0.0.1:{port}"),
        _child: child,
    }
}

/// dynalite (local DynamoDB, in memory).
pub fn dynalite() -> StandIn {
    let mut c = Command::new("node");
    c.args([
        concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/dynalite.js"),
        "0",
        "--until-stdin-closes",
    ]);
    start(c)
}

/// s3s-fs (local S3 with signature checks) keeping its buckets as folders of `root`.
pub fn s3s_fs(root: &std::path::Path) -> StandIn {
    let mut c = Command::new("python3");
    c.arg(concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/stand-in.py"))
        .arg("s3s-fs")
        .arg(root);
    start(c)
}
