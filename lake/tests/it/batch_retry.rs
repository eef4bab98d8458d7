//! BatchWriteItem against a fault-injecting proxy in front of dynalite: the proxy forwards only the
//! first half of every batch and returns the rest as `UnprocessedItems`, as a throttled DynamoDB
//! does. Every item must still arrive, no request may carry more than 25 items, and the retries
//! must happen (dynalite alone never returns unprocessed items).

use crate::support;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use chrono::NaiveDate;
use lake::dynamo::DynamoConfig;
use lake::sample::{SampleSpec, generate};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

#[derive(Default)]
struct Seen {
    batch_requests: AtomicUsize,
    largest_batch: AtomicUsize,
    held_back: AtomicUsize,
}

async fn read_message(stream: &mut TcpStream, buf: &mut Vec<u8>) -> Option<(String, Vec<u8>)> {
    loop {
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buf[..end]).to_string();
            let len = head
                .lines()
                .find_map(|l| {
                    l.to_ascii_lowercase()
                        .strip_prefix("content-length:")
                        .map(|v| v.trim().parse::<usize>().unwrap_or(0))
                })
                .unwrap_or(0);
            if buf.len() >= end + 4 + len {
                let body = buf[end + 4..end + 4 + len].to_vec();
                buf.drain(..end + 4 + len);
                return Some((head, body));
            }
        }
        let mut chunk = [0u8; 65536];
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
}

fn with_body(head: &str, body: &[u8]) -> Vec<u8> {
    let mut lines: Vec<String> = head
        .lines()
        .filter(|l| {
            let l = l.to_ascii_lowercase();
            !l.starts_with("content-length:") && !l.starts_with("connection:")
        })
        .map(str::to_string)
        .collect();
    lines.push(format!("Content-Length: {}", body.len()));
    let mut out = lines.join("\r\n").into_bytes();
    out.extend_from_slice(b"\r\n\r\n");
    out.extend_from_slice(body);
    out
}

async fn serve(mut client: TcpStream, upstream: String, seen: Arc<Seen>) {
    let mut buf = Vec::new();
    while let Some((head, body)) = read_message(&mut client, &mut buf).await {
        let is_batch = head
            .to_ascii_lowercase()
            .contains("x-amz-target: dynamodb_20120810.batchwriteitem");
        let mut body = body;
        let mut held: Option<(String, Vec<serde_json::Value>)> = None;
        if is_batch {
            let mut v: serde_json::Value = serde_json::from_slice(&body).expect("batch json");
            let items = v["RequestItems"].as_object_mut().expect("RequestItems");
            let (table, requests) = items
                .iter_mut()
                .next()
                .map(|(t, r)| (t.clone(), r))
                .expect("one table");
            let list = requests.as_array_mut().expect("requests");
            seen.batch_requests.fetch_add(1, Ordering::Relaxed);
            seen.largest_batch.fetch_max(list.len(), Ordering::Relaxed);
            if list.len() > 1 {
                let rest = list.split_off(list.len() / 2);
                seen.held_back.fetch_add(rest.len(), Ordering::Relaxed);
                held = Some((table, rest));
            }
            body = serde_json::to_vec(&v).expect("json");
        }
        let mut up = TcpStream::connect(&upstream).await.expect("upstream");
        let mut request = with_body(&head, &body);
        // One request per upstream connection.
        let at = request
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .expect("head");
        request.splice(at..at, b"\r\nConnection: close".iter().copied());
        up.write_all(&request).await.expect("forward");
        let mut reply = Vec::new();
        up.read_to_end(&mut reply).await.expect("reply");
        let end = reply
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .expect("reply head");
        let reply_head = String::from_utf8_lossy(&reply[..end]).to_string();
        let mut reply_body = reply[end + 4..].to_vec();
        if let Some((table, rest)) = held {
            let mut v: serde_json::Value = serde_json::from_slice(&reply_body).expect("reply json");
            v["UnprocessedItems"] = serde_json::json!({ table: rest });
            reply_body = serde_json::to_vec(&v).expect("json");
        }
        if client
            .write_all(&with_body(&reply_head, &reply_body))
            .await
            .is_err()
        {
            return;
        }
    }
}

#[tokio::test]
async fn unprocessed_items_are_retried_until_every_item_is_written() {
    let real = support::config();
    let upstream = real
        .endpoint_url
        .clone()
        .expect("endpoint")
        .trim_start_matches("http://")
        .to_string();
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let proxy = format!("http://{}", listener.local_addr().expect("addr"));
    let seen = Arc::new(Seen::default());
    let accept = {
        let seen = seen.clone();
        tokio::spawn(async move {
            while let Ok((conn, _)) = listener.accept().await {
                tokio::spawn(serve(conn, upstream.clone(), seen.clone()));
            }
        })
    };

    // The table is created directly; only the writes go through the proxy.
    let items = generate(&SampleSpec {
        seed: 3,
        items: 80,
        days: 3,
        end: NaiveDate::from_ymd_opt(2026, 1, 1).expect("valid"),
    });
    let (direct, _, table) = support::sample_table("retry", &[]).await;
    let faulty = DynamoConfig {
        endpoint_url: Some(proxy),
        region: Some("us-east-1".into()),
    };
    let client = lake::dynamo::client(&faulty).await;
    let written = lake::dynamo::batch_write(&client, &faulty, &table, &items)
        .await
        .expect("all written");
    accept.abort();

    assert_eq!(written, items.len() as u64);
    let count = direct
        .scan()
        .table_name(&table)
        .select(aws_sdk_dynamodb::types::Select::Count)
        .send()
        .await
        .expect("scan");
    assert_eq!(count.count() as usize, items.len());
    assert!(
        seen.largest_batch.load(Ordering::Relaxed) <= 25,
        "a request carried more than 25 items"
    );
    assert!(
        seen.held_back.load(Ordering::Relaxed) > 0,
        "the proxy never held anything back"
    );
    // 4 first batches, then retries of the halves held back.
    assert!(
        seen.batch_requests.load(Ordering::Relaxed) > items.len().div_ceil(25),
        "no retries happened"
    );
}
