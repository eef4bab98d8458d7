//! BatchWriteItem against a fault-injecting proxy in front of dynalite: the proxy forwards only the
//! first half of every batch and returns the rest as `UnprocessedItems`, as a throttled DynamoDB
//! does. Every item must still arrive, no request may carry more than 25 items, and the retries
//! must happen (dynalite alone never returns unprocessed items).

use crate::support;

use std::sync::atomic::Ordering;

use chrono::NaiveDate;
use lake::dynamo::DynamoConfig;
use lake::sample::{SampleSpec, generate};
use test_support::FaultyDynamo;

#[tokio::test]
async fn unprocessed_items_are_retried_until_every_item_is_written() {
    let real = support::config();
    let proxy = FaultyDynamo::start(&real.endpoint_url.clone().expect("endpoint"), 0);
    let seen = proxy.faults.clone();

    // The table is created directly; only the writes go through the proxy.
    let items = generate(&SampleSpec {
        seed: 3,
        items: 80,
        days: 3,
        end: NaiveDate::from_ymd_opt(2026, 1, 1).expect("valid"),
    });
    let (direct, _, table) = support::sample_table("retry", &[]).await;
    let faulty = DynamoConfig {
        endpoint_url: Some(proxy.endpoint.clone()),
        region: Some("us-east-1".into()),
    };
    let client = lake::dynamo::client(&faulty).await;
    let written = lake::dynamo::batch_write(&client, &faulty, &table, &items)
        .await
        .expect("all written");

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
