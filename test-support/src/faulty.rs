//! A fault-injecting proxy in front of a real DynamoDB stand-in: it answers some BatchWriteItem
//! requests with `ProvisionedThroughputExceededException` (never forwarding them) and forwards
//! only the first half of the others, returning the rest as `UnprocessedItems`, as a throttled
//! DynamoDB does. Everything else is forwarded untouched. It counts what it did, so a test can
//! assert the faults happened.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::read_request;

/// What the proxy saw and did.
#[derive(Debug, Default)]
pub struct Faults {
    /// BatchWriteItem requests received.
    pub batch_requests: AtomicUsize,
    /// The most items one request carried.
    pub largest_batch: AtomicUsize,
    /// Items returned as UnprocessedItems.
    pub held_back: AtomicUsize,
    /// Requests answered with a throttling error.
    pub throttled: AtomicUsize,
}

/// A running proxy; it stops accepting when dropped.
pub struct FaultyDynamo {
    /// `http://127.0.0.1:PORT`.
    pub endpoint: String,
    /// Its counts.
    pub faults: Arc<Faults>,
}

impl FaultyDynamo {
    /// Starts a proxy to `upstream` (`http://127.0.0.1:PORT`) that throttles every
    /// `throttle_every`-th BatchWriteItem request (0: never) and holds back half of the others.
    pub fn start(upstream: &str, throttle_every: usize) -> FaultyDynamo {
        FaultyDynamo::with_bursts(upstream, throttle_every, 1)
    }

    /// As [`FaultyDynamo::start`], but throttling `burst` requests in a row out of every
    /// `every` (enough in a row outlast the SDK's own retries, so the caller's must work).
    pub fn with_bursts(upstream: &str, every: usize, burst: usize) -> FaultyDynamo {
        let throttle_every = every;
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind the proxy");
        let endpoint = format!("http://{}", listener.local_addr().expect("addr"));
        let upstream = upstream.trim_start_matches("http://").to_string();
        let faults = Arc::new(Faults::default());
        let seen = faults.clone();
        std::thread::spawn(move || {
            for conn in listener.incoming().flatten() {
                let (upstream, seen) = (upstream.clone(), seen.clone());
                std::thread::spawn(move || serve(conn, &upstream, &seen, throttle_every, burst));
            }
        });
        FaultyDynamo { endpoint, faults }
    }
}

fn serve(
    mut client: TcpStream,
    upstream: &str,
    seen: &Faults,
    throttle_every: usize,
    burst: usize,
) {
    while let Some((head, body)) = read_request(&mut client) {
        let is_batch = head
            .to_ascii_lowercase()
            .contains("x-amz-target: dynamodb_20120810.batchwriteitem");
        let mut body = body;
        let mut held: Option<(String, Vec<serde_json::Value>)> = None;
        if is_batch {
            let n = seen.batch_requests.fetch_add(1, Ordering::SeqCst) + 1;
            let mut v: serde_json::Value = serde_json::from_slice(&body).expect("batch json");
            let items = v["RequestItems"].as_object_mut().expect("RequestItems");
            let (table, requests) = items.iter_mut().next().expect("one table");
            let table = table.clone();
            let list = requests.as_array_mut().expect("requests");
            seen.largest_batch.fetch_max(list.len(), Ordering::SeqCst);
            if throttle_every > 0
                && n % throttle_every >= throttle_every - burst.min(throttle_every)
            {
                seen.throttled.fetch_add(1, Ordering::SeqCst);
                let reply = br#"{"__type":"com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException","message":"The level of configured provisioned throughput for the table was exceeded."}"#;
                let head = format!(
                    "HTTP/1.1 400 Bad Request\r\nContent-Type: application/x-amz-json-1.0\r\nContent-Length: {}\r\n\r\n",
                    reply.len()
                );
                if client.write_all(head.as_bytes()).is_err() || client.write_all(reply).is_err() {
                    return;
                }
                continue;
            }
            if list.len() > 1 {
                let rest = list.split_off(list.len() / 2);
                seen.held_back.fetch_add(rest.len(), Ordering::SeqCst);
                held = Some((table, rest));
            }
            body = serde_json::to_vec(&v).expect("json");
        }
        let Some((reply_head, mut reply_body)) = forward(upstream, &head, &body) else {
            return;
        };
        if let Some((table, rest)) = held {
            let mut v: serde_json::Value = serde_json::from_slice(&reply_body).expect("reply json");
            v["UnprocessedItems"] = serde_json::json!({ table: rest });
            reply_body = serde_json::to_vec(&v).expect("json");
        }
        if client
            .write_all(&with_body(&reply_head, &reply_body))
            .is_err()
        {
            return;
        }
    }
}

/// Sends one request upstream on its own connection and reads the whole reply.
fn forward(upstream: &str, head: &str, body: &[u8]) -> Option<(String, Vec<u8>)> {
    let mut up = TcpStream::connect(upstream).ok()?;
    let mut request = with_body(head, body);
    let at = request.windows(4).position(|w| w == b"\r\n\r\n")?;
    request.splice(at..at, b"\r\nConnection: close".iter().copied());
    up.write_all(&request).ok()?;
    let mut reply = Vec::new();
    up.read_to_end(&mut reply).ok()?;
    let end = reply.windows(4).position(|w| w == b"\r\n\r\n")?;
    Some((
        String::from_utf8_lossy(&reply[..end]).to_string(),
        reply[end + 4..].to_vec(),
    ))
}

fn with_body(head: &str, body: &[u8]) -> Vec<u8> {
    let mut lines: Vec<String> = head
        .lines()
        .filter(|l| {
            let l = l.to_ascii_lowercase();
            !l.starts_with("content-length:")
                && !l.starts_with("connection:")
                && !l.starts_with("transfer-encoding:")
        })
        .map(str::to_string)
        .collect();
    lines.push(format!("Content-Length: {}", body.len()));
    let mut out = lines.join("\r\n").into_bytes();
    out.extend_from_slice(b"\r\n\r\n");
    out.extend_from_slice(body);
    out
}
