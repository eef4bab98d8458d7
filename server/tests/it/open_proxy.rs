//! `dynamo-lake open` for real: the binary's signing proxy in front of s3s-fs, which checks SigV4
//! (body hash included) the way AWS does. What passes through the proxy is accepted; the same
//! request without it is refused.

use std::io::{BufRead, BufReader};
use std::process::{Child, ChildStdout, Command, Stdio};

use lake::aws::LOCAL_KEY;

use crate::stand_in;

/// The running proxy; killed (and reaped) when dropped, whatever the test's outcome.
struct OpenProxy {
    /// `http://127.0.0.1:PORT`.
    url: String,
    child: Child,
    // Kept open, so the proxy's stdout stays writable while it runs.
    _stdout: Option<BufReader<ChildStdout>>,
}

impl Drop for OpenProxy {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

/// Runs `dynamo-lake open --url TARGET --service s3` with the local fake key and waits for its
/// `Dashboard:` line (printed once it listens). `home` holds empty AWS config files, so the
/// developer's own profiles play no part.
fn open_proxy(target: &str, home: &std::path::Path) -> OpenProxy {
    let empty = home.join("aws-empty");
    std::fs::write(&empty, "").expect("empty AWS config");
    let port = free_port();
    let mut child = Command::new(env!("CARGO_BIN_EXE_dynamo-lake"))
        .args(["open", "--url", target, "--service", "s3", "--region"])
        .args(["us-east-1", "--port", &port.to_string()])
        .env("AWS_ACCESS_KEY_ID", LOCAL_KEY)
        .env("AWS_SECRET_ACCESS_KEY", LOCAL_KEY)
        .env_remove("AWS_SESSION_TOKEN")
        .env_remove("AWS_PROFILE")
        .env("AWS_CONFIG_FILE", &empty)
        .env("AWS_SHARED_CREDENTIALS_FILE", &empty)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .spawn()
        .expect("dynamo-lake starts");
    let mut stdout = BufReader::new(child.stdout.take().expect("stdout is piped"));
    // From here on the process is killed even if the test fails.
    let mut proxy = OpenProxy {
        url: format!("http://127.0.0.1:{port}"),
        child,
        _stdout: None,
    };
    let mut line = String::new();
    stdout.read_line(&mut line).expect("the proxy's first line");
    let expected =
        format!("Dashboard: http://127.0.0.1:{port}/ (requests signed for s3 in us-east-1)");
    assert!(
        line.starts_with(&expected),
        "the proxy did not start (see its message above): {line:?}"
    );
    proxy._stdout = Some(stdout);
    proxy
}

#[tokio::test]
async fn open_signs_what_the_browser_sends_and_s3s_fs_accepts_it() {
    let root = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir(root.path().join("dash")).expect("bucket");
    let s3 = stand_in::s3s_fs(root.path());
    let home = tempfile::tempdir().expect("tempdir");
    let proxy = open_proxy(&s3.endpoint, home.path());
    let http = reqwest::Client::builder()
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let body: Vec<u8> = (0..200_000u32).flat_map(|i| i.to_le_bytes()).collect();

    // A PUT with a body: s3s-fs checks the signed x-amz-content-sha256 against the body.
    let put = http
        .put(format!("{}/dash/reports/day.bin?x-id=PutObject", proxy.url))
        .header("content-type", "application/octet-stream")
        .body(body.clone())
        .send()
        .await
        .expect("PUT through the proxy");
    assert_eq!(
        put.status(),
        200,
        "{}",
        put.text().await.unwrap_or_default()
    );
    assert_eq!(
        std::fs::read(root.path().join("dash/reports/day.bin")).expect("stored object"),
        body
    );

    // The same bytes come back.
    let get = http
        .get(format!("{}/dash/reports/day.bin", proxy.url))
        .header("accept-encoding", "identity")
        .send()
        .await
        .expect("GET through the proxy");
    assert_eq!(get.status(), 200);
    assert_eq!(
        get.headers()["content-length"],
        body.len().to_string().as_str()
    );
    assert_eq!(get.bytes().await.expect("body"), body);

    // A missing key: S3's own 404 passes through.
    let missing = http
        .get(format!("{}/dash/reports/none.bin", proxy.url))
        .send()
        .await
        .expect("GET of a missing key");
    assert_eq!(missing.status(), 404);
    assert!(
        missing.text().await.expect("body").contains("NoSuchKey"),
        "S3's error body passes through"
    );

    // A body over 6 MB is refused before anything is sent.
    let big = http
        .put(format!("{}/dash/big.bin", proxy.url))
        .body(vec![0u8; 6 * 1024 * 1024 + 1])
        .send()
        .await
        .expect("PUT of a large body");
    assert_eq!(big.status(), 413);
    assert!(!root.path().join("dash/big.bin").exists());

    // Without the proxy the same GET is unsigned, and refused.
    let direct = http
        .get(format!("{}/dash/reports/day.bin", s3.endpoint))
        .send()
        .await
        .expect("unsigned GET");
    assert_eq!(direct.status(), 403);
    drop(proxy);
}
