//! Writing items with BatchWriteItem: batches of at most 25 items, a later row for a key already
//! in the open batch replaces it (last wins, as boto3's `overwrite_by_pkeys`), up to
//! `concurrency` batches in flight, and a batch holding a key that is still in flight waits for
//! that batch to finish, so a later row for a key always lands after an earlier one.
//! `UnprocessedItems` and throttling are retried with exponential backoff and full jitter; an
//! item DynamoDB refuses outright (a ValidationException) is isolated and kept as a reject; an
//! optional `--rate` spaces requests to a number of items a second.

use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::error::ProvideErrorMetadata;
use aws_sdk_dynamodb::types::{PutRequest, WriteRequest};
use tokio::task::JoinSet;

use crate::aws::backoff::full_jitter;
use crate::dynamo::{DynamoConfig, item_to_sdk, sdk_error};
use crate::error::AwsErrorKind;
use crate::format::item::Item;
use crate::{LakeError, Result};

/// Items in one BatchWriteItem request (DynamoDB's limit).
pub const BATCH: usize = 25;
/// Retries of one batch that make no progress before the run stops.
const MAX_RETRIES: u32 = 12;

/// An item on its way, with where it came from.
#[derive(Debug, Clone)]
pub struct Pending {
    /// The item.
    pub item: Item,
    /// Its key ([`super::mapping::TableKeys::key_of`]).
    pub key: String,
    /// The index of its source.
    pub source: usize,
    /// Its line in the source.
    pub line: u64,
}

/// An item DynamoDB refused.
#[derive(Debug, Clone)]
pub struct Refused {
    /// The item.
    pub pending: Pending,
    /// DynamoDB's reason.
    pub reason: String,
}

/// Where the writes go, and how fast.
#[derive(Debug, Clone)]
pub struct Target {
    /// The client.
    pub client: Client,
    /// For error messages.
    pub cfg: DynamoConfig,
    /// The table.
    pub table: String,
    /// Batches in flight at once.
    pub concurrency: usize,
    /// Items a second at most.
    pub rate: Option<f64>,
}

/// What the writer reports, per source.
#[derive(Debug, Clone, Default)]
pub struct Written {
    /// Items acknowledged, per source index.
    pub written: HashMap<usize, u64>,
    /// Rows replaced by a later row for the same key in the same batch, per source index.
    pub deduplicated: HashMap<usize, u64>,
    /// Items DynamoDB refused, per source index (each is in the rejects file already).
    pub refused: HashMap<usize, u64>,
}

struct Flight {
    keys: Vec<String>,
    written: Vec<usize>,
    refused: Vec<Refused>,
}

/// What to do with an item DynamoDB refused: keep it in the rejects file.
pub type OnRefused = Box<dyn FnMut(&Refused) -> Result<()> + Send>;

/// Forms batches and keeps them in flight. With no target (a dry run) batches are formed and
/// counted the same way, and nothing is sent.
pub struct Writer {
    target: Option<Target>,
    open: Vec<Pending>,
    index: HashMap<String, usize>,
    in_flight: HashSet<String>,
    tasks: JoinSet<Result<Flight>>,
    next_send: Instant,
    /// The counts so far.
    pub done: Written,
    /// Called with each refused item as soon as it is known (an error stops the run).
    on_refused: OnRefused,
}

impl Writer {
    /// A writer to `target` (`None`: a dry run).
    pub fn new(target: Option<Target>, on_refused: OnRefused) -> Writer {
        Writer {
            target,
            open: Vec::with_capacity(BATCH),
            index: HashMap::with_capacity(BATCH),
            in_flight: HashSet::new(),
            tasks: JoinSet::new(),
            next_send: Instant::now(),
            done: Written::default(),
            on_refused,
        }
    }

    /// Adds an item: it replaces an item with its key in the open batch, else joins it (sending
    /// the open batch first when it is full).
    pub async fn push(&mut self, pending: Pending) -> Result<()> {
        if let Some(&at) = self.index.get(&pending.key) {
            let replaced = std::mem::replace(&mut self.open[at], pending);
            *self.done.deduplicated.entry(replaced.source).or_default() += 1;
            return Ok(());
        }
        if self.open.len() == BATCH {
            self.send_open().await?;
        }
        self.index.insert(pending.key.clone(), self.open.len());
        self.open.push(pending);
        Ok(())
    }

    /// Sends what is open and waits for every batch in flight.
    pub async fn finish(mut self) -> Result<Written> {
        self.send_open().await?;
        while let Some(joined) = self.tasks.join_next().await {
            self.landed(joined)?;
        }
        Ok(self.done)
    }

    fn landed(
        &mut self,
        joined: std::result::Result<Result<Flight>, tokio::task::JoinError>,
    ) -> Result<()> {
        let flight = joined.map_err(|e| LakeError::TaskFailed {
            what: "a batch write".into(),
            reason: e.to_string(),
        })??;
        for key in &flight.keys {
            self.in_flight.remove(key);
        }
        for source in flight.written {
            *self.done.written.entry(source).or_default() += 1;
        }
        for r in flight.refused {
            (self.on_refused)(&r)?;
            *self.done.refused.entry(r.pending.source).or_default() += 1;
        }
        Ok(())
    }

    async fn send_open(&mut self) -> Result<()> {
        if self.open.is_empty() {
            return Ok(());
        }
        let batch = std::mem::take(&mut self.open);
        self.index.clear();
        let Some(target) = self.target.clone() else {
            for p in &batch {
                *self.done.written.entry(p.source).or_default() += 1;
            }
            return Ok(());
        };
        // Room in flight, and no key of this batch still on its way in an earlier one.
        while self.tasks.len() >= target.concurrency.max(1)
            || batch.iter().any(|p| self.in_flight.contains(&p.key))
        {
            match self.tasks.join_next().await {
                Some(joined) => self.landed(joined)?,
                None => break,
            }
        }
        if let Some(rate) = target.rate.filter(|r| *r > 0.0) {
            let now = Instant::now();
            if self.next_send > now {
                tokio::time::sleep(self.next_send - now).await;
            }
            self.next_send =
                self.next_send.max(now) + Duration::from_secs_f64(batch.len() as f64 / rate);
        }
        for p in &batch {
            self.in_flight.insert(p.key.clone());
        }
        self.tasks.spawn(async move {
            let keys = batch.iter().map(|p| p.key.clone()).collect();
            let (written, refused) = write_batch(&target, batch).await?;
            Ok(Flight {
                keys,
                written,
                refused,
            })
        });
        Ok(())
    }
}

fn request(table: &str, p: &Pending) -> Result<WriteRequest> {
    let put = PutRequest::builder()
        .set_item(Some(item_to_sdk(&p.item)))
        .build()
        .map_err(|e| {
            LakeError::InvalidInput(format!("an item for table {table:?} cannot be built: {e}"))
        })?;
    Ok(WriteRequest::builder().put_request(put).build())
}

/// Writes one batch until every item is in or refused; returns the sources of the items written
/// and the items refused.
async fn write_batch(target: &Target, batch: Vec<Pending>) -> Result<(Vec<usize>, Vec<Refused>)> {
    match write_all(target, &batch).await {
        Ok(()) => Ok((batch.iter().map(|p| p.source).collect(), Vec::new())),
        Err(Failure::Refused(reason)) if batch.len() == 1 => Ok((
            Vec::new(),
            vec![Refused {
                pending: batch.into_iter().next().expect("one item"),
                reason,
            }],
        )),
        // One item spoils the request for all: write them one by one to find it. The batch
        // is still in flight meanwhile, so per-key order holds.
        Err(Failure::Refused(_)) => {
            let mut written = Vec::new();
            let mut refused = Vec::new();
            for p in batch {
                match write_all(target, std::slice::from_ref(&p)).await {
                    Ok(()) => written.push(p.source),
                    Err(Failure::Refused(reason)) => refused.push(Refused { pending: p, reason }),
                    Err(Failure::Stop(e)) => return Err(e),
                }
            }
            Ok((written, refused))
        }
        Err(Failure::Stop(e)) => Err(e),
    }
}

enum Failure {
    /// DynamoDB refused the request as invalid (an item in it).
    Refused(String),
    /// The run cannot go on (throttled past every retry, denied, unreachable).
    Stop(LakeError),
}

async fn write_all(target: &Target, items: &[Pending]) -> std::result::Result<(), Failure> {
    let table = target.table.as_str();
    let mut pending: Vec<WriteRequest> = items
        .iter()
        .map(|p| request(table, p))
        .collect::<Result<_>>()
        .map_err(Failure::Stop)?;
    let mut stalled = 0u32;
    while !pending.is_empty() {
        let sent = pending.len();
        match target
            .client
            .batch_write_item()
            .request_items(table, pending.clone())
            .send()
            .await
        {
            Ok(out) => {
                let left = out
                    .unprocessed_items()
                    .and_then(|m| m.get(table))
                    .cloned()
                    .unwrap_or_default();
                if left.len() < sent {
                    stalled = 0;
                }
                pending = left;
                if pending.is_empty() {
                    return Ok(());
                }
            }
            Err(e) => {
                let code = e
                    .as_service_error()
                    .and_then(|s| s.code())
                    .map(str::to_string);
                let message = e
                    .as_service_error()
                    .and_then(|s| s.message())
                    .map(str::to_string);
                let error = sdk_error(&target.cfg, &format!("write to table {table:?}"), e);
                match &error {
                    LakeError::Aws {
                        kind: AwsErrorKind::Throttled | AwsErrorKind::Unavailable,
                        ..
                    } => {
                        tracing::debug!(
                            table,
                            stalled,
                            "throttled past the SDK's retries; backing off"
                        );
                    }
                    LakeError::Aws {
                        kind: AwsErrorKind::Invalid,
                        ..
                    } => {
                        return Err(Failure::Refused(format!(
                            "DynamoDB refused the item: {}: {}",
                            code.unwrap_or_else(|| "ValidationException".into()),
                            message.unwrap_or_default()
                        )));
                    }
                    _ => return Err(Failure::Stop(error)),
                }
            }
        }
        stalled += 1;
        if stalled > MAX_RETRIES {
            return Err(Failure::Stop(LakeError::aws(
                format!("write to table {table:?}"),
                AwsErrorKind::Throttled,
                format!(
                    "table {table:?} kept {} items unprocessed or throttled after {MAX_RETRIES} retries: try again later, lower --concurrency or set --rate (an import can be run again: puts overwrite)",
                    pending.len()
                ),
            )));
        }
        tokio::time::sleep(full_jitter(stalled)).await;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::item::AttrValue;

    fn pending(key: &str, v: &str, source: usize) -> Pending {
        let mut item = Item::new();
        item.insert("id".into(), AttrValue::S(key.into()));
        item.insert("v".into(), AttrValue::S(v.into()));
        Pending {
            item,
            key: key.into(),
            source,
            line: 0,
        }
    }

    #[tokio::test]
    async fn a_dry_run_forms_the_same_batches_and_counts_duplicates() {
        let mut w = Writer::new(None, Box::new(|_| Ok(())));
        // 30 distinct keys, with key 3 repeated right after itself and key 27 in the next batch.
        for i in 0..30 {
            w.push(pending(&i.to_string(), "a", 0)).await.expect("push");
            if i == 3 {
                w.push(pending("3", "b", 1)).await.expect("push");
            }
        }
        w.push(pending("27", "c", 1)).await.expect("push");
        // Key 0 again: its batch is gone, so it is a new write, not a duplicate.
        w.push(pending("0", "d", 1)).await.expect("push");
        let done = w.finish().await.expect("finish");
        assert_eq!(
            done.deduplicated.get(&0),
            Some(&2),
            "3 and 27 replaced in their batch"
        );
        let written: u64 = done.written.values().sum();
        assert_eq!(written, 31);
    }
}
