//! The stand-ins every test binary uses, started in one way: a program that prints `port N` once
//! it listens on a free loopback port and exits when its standard input closes
//! (`tests/dynalite.js`, `tests/stand-in.py` for s3s-fs and moto), so nothing outlives the test
//! (or the test binary) that started it. Real servers, never hand-written fakes.

pub mod faulty;

pub use faulty::FaultyDynamo;

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
    dynalite_creating_for(0)
}

/// dynalite whose new tables stay CREATING for `ms` milliseconds (for tests of waiting).
pub fn dynalite_creating_for(ms: u64) -> StandIn {
    let tests = tests_dir();
    assert!(
        tests.join("node_modules/dynalite").exists(),
        "dynalite is not installed: run ./dev bootstrap"
    );
    let mut c = Command::new("node");
    c.arg(tests.join("dynalite.js"))
        .args(["0", "--until-stdin-closes"])
        .env("DYNALITE_CREATE_MS", ms.to_string());
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

/// A stand-in for the Lambda Runtime API (what Lambda offers a function's process): it hands the
/// queued events to `GET /2018-06-01/runtime/invocation/next` one at a time, with the headers
/// Lambda sends, and records what the function posts to `…/{id}/response`, `…/{id}/error` and
/// `…/init/error`. Once the queue is empty, `next` waits (as Lambda's does) for [`Self::push`] or until the stand-in is
/// dropped. Runs the real binary the way Lambda does: set `AWS_LAMBDA_RUNTIME_API` to [`Self::address`].
pub struct RuntimeApi {
    address: String,
    queue: std::sync::Arc<std::sync::Mutex<std::collections::VecDeque<(String, String)>>>,
    pushed: std::sync::atomic::AtomicUsize,
    answers: std::sync::Arc<(std::sync::Mutex<Vec<Answer>>, std::sync::Condvar)>,
}

/// Reads one HTTP/1.1 request from `stream`: its head (request line and headers) and its body
/// (by Content-Length); `None` when the connection closes before the head is complete.
pub fn read_request(stream: &mut std::net::TcpStream) -> Option<(String, Vec<u8>)> {
    use std::io::Read;
    let mut buf = Vec::new();
    let mut chunk = [0u8; 8192];
    let (head, mut body) = loop {
        let n = stream.read(&mut chunk).ok().filter(|n| *n > 0)?;
        buf.extend_from_slice(&chunk[..n]);
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break (
                String::from_utf8_lossy(&buf[..i]).to_string(),
                buf[i + 4..].to_vec(),
            );
        }
    };
    let length = head
        .lines()
        .find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.eq_ignore_ascii_case("content-length")
                .then(|| v.trim().parse::<usize>().ok())?
        })
        .unwrap_or(0);
    while body.len() < length {
        match stream.read(&mut chunk) {
            Ok(0) | Err(_) => break,
            Ok(n) => body.extend_from_slice(&chunk[..n]),
        }
    }
    Some((head, body))
}

/// What the function answered to one invocation (or at init).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    /// The request id, or `init` for an init error.
    pub request_id: String,
    /// `response`, `error` or `init-error`.
    pub kind: String,
    /// The posted body.
    pub body: String,
}

impl RuntimeApi {
    /// Starts the stand-in on a free loopback port with `events` queued (deadline: 60 s each).
    pub fn start(events: Vec<String>) -> RuntimeApi {
        use std::io::Write;
        use std::sync::{Arc, Condvar, Mutex};
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
        let address = listener.local_addr().expect("address").to_string();
        let answers: Arc<(Mutex<Vec<Answer>>, Condvar)> =
            Arc::new((Mutex::new(Vec::new()), Condvar::new()));
        let queue = Arc::new(Mutex::new(std::collections::VecDeque::from(
            events
                .into_iter()
                .enumerate()
                .map(|(i, e)| (format!("req-{i:04}"), e))
                .collect::<Vec<_>>(),
        )));
        let recorded = answers.clone();
        let pushed = std::sync::atomic::AtomicUsize::new(queue.lock().expect("queue").len());
        let shared = queue.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                let (queue, recorded) = (queue.clone(), recorded.clone());
                std::thread::spawn(move || {
                    let Some((head, body)) = read_request(&mut stream) else {
                        return;
                    };
                    let path = head.split_whitespace().nth(1).unwrap_or("").to_string();
                    let reply = |stream: &mut std::net::TcpStream,
                                 status: &str,
                                 headers: &str,
                                 body: &str| {
                        let _ = write!(
                            stream,
                            "HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\n{headers}connection: close\r\n\r\n{body}",
                            body.len()
                        );
                    };
                    if path.ends_with("/runtime/invocation/next") {
                        // Nothing queued: hold the request open until an event is pushed, as
                        // Lambda would.
                        let (id, event) = loop {
                            if let Some(next) = queue.lock().expect("queue").pop_front() {
                                break next;
                            }
                            std::thread::sleep(std::time::Duration::from_millis(20));
                        };
                        let deadline = std::time::SystemTime::now()
                            .duration_since(std::time::UNIX_EPOCH)
                            .map(|d| d.as_millis() + 60_000)
                            .unwrap_or(0);
                        let headers = format!(
                            "lambda-runtime-aws-request-id: {id}\r\nlambda-runtime-deadline-ms: {deadline}\r\nlambda-runtime-invoked-function-arn: arn:aws:lambda:us-east-1:123456789012:function:dynamo-lake\r\nlambda-runtime-trace-id: Root=1-00000000-000000000000000000000000\r\n"
                        );
                        reply(&mut stream, "200 OK", &headers, &event);
                        return;
                    }
                    let text = String::from_utf8_lossy(&body).to_string();
                    let answer = if path.ends_with("/runtime/init/error") {
                        Some(("init".to_string(), "init-error"))
                    } else {
                        let parts: Vec<&str> = path.trim_end_matches('/').rsplitn(3, '/').collect();
                        match parts.as_slice() {
                            ["response", id, ..] => Some((id.to_string(), "response")),
                            ["error", id, ..] => Some((id.to_string(), "error")),
                            _ => None,
                        }
                    };
                    if let Some((request_id, kind)) = answer {
                        let (lock, ready) = &*recorded;
                        lock.lock().expect("answers").push(Answer {
                            request_id,
                            kind: kind.to_string(),
                            body: text,
                        });
                        ready.notify_all();
                    }
                    reply(&mut stream, "202 Accepted", "", "{\"status\":\"OK\"}");
                });
            }
        });
        RuntimeApi {
            address,
            queue: shared,
            pushed,
            answers,
        }
    }

    /// Queues one more event (the function receives it after the ones before).
    pub fn push(&self, event: String) {
        let n = self
            .pushed
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        self.queue
            .lock()
            .expect("queue")
            .push_back((format!("req-{n:04}"), event));
    }

    /// `127.0.0.1:PORT`, the value of `AWS_LAMBDA_RUNTIME_API`.
    pub fn address(&self) -> &str {
        &self.address
    }

    /// Runs a function's process against this stand-in as Lambda does: `command` (the binary,
    /// or a wrapper such as qemu with the binary as its argument) gets an environment of only
    /// `env` and `AWS_LAMBDA_RUNTIME_API`. Waits for `n` answers (or `timeout`, or the process
    /// exiting first), then stops the process; returns every answer so far and what the process
    /// wrote to its standard error.
    pub fn run(
        &self,
        mut command: Command,
        env: &[(&str, &str)],
        n: usize,
        timeout: std::time::Duration,
    ) -> (Vec<Answer>, String) {
        let mut function = command
            .env_clear()
            .envs(env.iter().copied())
            .env("AWS_LAMBDA_RUNTIME_API", self.address())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("the function does not start: {command:?}: {e}"));
        let deadline = std::time::Instant::now() + timeout;
        let answers = loop {
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            let answers = self.answers(n, left.min(std::time::Duration::from_millis(500)));
            // A process that died (a missing loader, a crash at start) answers nothing more.
            if answers.len() >= n || left.is_zero() || !matches!(function.try_wait(), Ok(None)) {
                break self.answers(n, std::time::Duration::ZERO);
            }
        };
        let _ = function.kill();
        let log = function
            .wait_with_output()
            .map(|o| String::from_utf8_lossy(&o.stderr).to_string())
            .unwrap_or_default();
        (answers, log)
    }

    /// Waits until `n` answers arrived (or `timeout`), and returns every answer so far.
    pub fn answers(&self, n: usize, timeout: std::time::Duration) -> Vec<Answer> {
        let (lock, ready) = &*self.answers;
        let deadline = std::time::Instant::now() + timeout;
        let mut got = lock.lock().expect("answers");
        while got.len() < n {
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            if left.is_zero() {
                break;
            }
            got = ready.wait_timeout(got, left).expect("answers").0;
        }
        got.clone()
    }
}
