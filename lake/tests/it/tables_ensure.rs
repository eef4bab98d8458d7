//! `tables ensure` and `tables describe` against moto (which has TTL, PITR, streams and adding
//! indexes) and dynalite (tables and indexes at creation; no UpdateTimeToLive, no continuous
//! backups, no index added later): create, a second run that changes nothing, an index added to an
//! existing table, a key change refused with the difference named, unsupported settings named,
//! and `describe` round-tripping through `ensure`.

use std::time::Duration;

use lake::dynamo::DynamoConfig;
use lake::dynamo::ensure::{EnsureOptions, Outcome, Step, describe, ensure};
use lake::dynamo::spec::TableDefinition;

use crate::support;

fn spec(name: &str, extra: &str) -> TableDefinition {
    TableDefinition::parse(&format!(
        r#"{{
          "TableName": "{name}",
          "AttributeDefinitions": [
            {{"AttributeName": "vup_id", "AttributeType": "S"}},
            {{"AttributeName": "hem", "AttributeType": "S"}}
          ],
          "KeySchema": [
            {{"AttributeName": "vup_id", "KeyType": "HASH"}},
            {{"AttributeName": "hem", "KeyType": "RANGE"}}
          ],
          "GlobalSecondaryIndexes": [{{
            "IndexName": "hem-index",
            "KeySchema": [
              {{"AttributeName": "hem", "KeyType": "HASH"}},
              {{"AttributeName": "vup_id", "KeyType": "RANGE"}}
            ],
            "Projection": {{"ProjectionType": "ALL"}}
          }}],
          "BillingMode": "PAY_PER_REQUEST",
          "StreamSpecification": {{"StreamEnabled": true, "StreamViewType": "NEW_AND_OLD_IMAGES"}},
          "Tags": [{{"Key": "Project", "Value": "VectorEmailsV2"}}]
          {extra}
        }}"#
    ))
    .expect("a valid spec")
}

const OPTIONS: EnsureOptions = EnsureOptions {
    dry_run: false,
    timeout: Duration::from_secs(60),
};

async fn run(cfg: &DynamoConfig, spec: &TableDefinition) -> lake::Result<Outcome> {
    let client = lake::dynamo::client(cfg).await;
    ensure(&client, cfg, spec, OPTIONS, &|_| {}).await
}

fn moto() -> DynamoConfig {
    DynamoConfig {
        endpoint_url: Some(support::moto_endpoint()),
        region: Some("us-east-1".into()),
    }
}

#[tokio::test]
async fn moto_gets_the_whole_table_and_a_second_run_changes_nothing() {
    let cfg = moto();
    let full = spec(
        "ensure_full",
        r#", "TimeToLive": {"AttributeName": "ttl", "Enabled": true}, "PointInTimeRecovery": true"#,
    );
    let first = run(&cfg, &full).await.expect("created");
    assert_eq!(
        first.steps,
        vec![
            Step::CreateTable,
            Step::SetTimeToLive {
                ttl: full.time_to_live.clone().expect("ttl")
            },
            Step::SetPointInTimeRecovery { enabled: true },
        ]
    );
    let client = lake::dynamo::client(&cfg).await;
    let live = describe(&client, &cfg, "ensure_full")
        .await
        .expect("described");
    assert_eq!(live.time_to_live, full.time_to_live, "TTL is on");
    assert_eq!(live.point_in_time_recovery, Some(true), "PITR is on");
    assert_eq!(live.stream_specification, full.stream_specification);
    assert_eq!(live.global_secondary_indexes, full.global_secondary_indexes);
    assert!(live.tags.contains(&full.tags[0]), "{:?}", live.tags);

    let second = run(&cfg, &full).await.expect("second run");
    assert!(second.unchanged, "{:?}", second.changes);
    // describe round-trips: its output is a spec that needs nothing.
    let again =
        TableDefinition::parse(&serde_json::to_string(&live).expect("json")).expect("parses");
    assert!(run(&cfg, &again).await.expect("round trip").unchanged);
}

#[tokio::test]
async fn an_index_is_added_to_an_existing_table_and_a_key_change_is_refused() {
    let cfg = moto();
    let mut without = spec("ensure_grow", "");
    without.global_secondary_indexes.clear();
    let created = run(&cfg, &without).await.expect("created");
    assert_eq!(created.steps, vec![Step::CreateTable]);
    let with = spec("ensure_grow", "");
    let grown = run(&cfg, &with).await.expect("index added");
    assert_eq!(
        grown.steps,
        vec![Step::AddIndex {
            index: "hem-index".into()
        }]
    );
    let client = lake::dynamo::client(&cfg).await;
    let live = describe(&client, &cfg, "ensure_grow")
        .await
        .expect("described");
    assert_eq!(live.global_secondary_indexes, with.global_secondary_indexes);

    let mut rekeyed = with.clone();
    rekeyed.key_schema[0].attribute_name = "hem".into();
    rekeyed.key_schema[1].attribute_name = "vup_id".into();
    let refused = run(&cfg, &rekeyed).await.expect("an answer");
    assert!(!refused.refused.is_empty(), "{refused:?}");
    assert!(
        refused.refused[0].contains("vup_id (S, partition), hem (S, sort)")
            && refused.refused[0].contains("hem (S, partition), vup_id (S, sort)"),
        "{:?}",
        refused.refused
    );
    // Nothing was changed.
    let after = describe(&client, &cfg, "ensure_grow")
        .await
        .expect("described");
    assert_eq!(after.key_schema, with.key_schema);

    // Contributor Insights: moto has no API for it, and says so through the clear error.
    let insights = spec("ensure_grow", r#", "ContributorInsights": true"#);
    let e = run(&cfg, &insights)
        .await
        .expect_err("moto lacks it")
        .to_string();
    assert!(
        e.contains("this endpoint does not support ContributorInsights"),
        "{e}"
    );
}

#[tokio::test]
async fn dynalite_makes_tables_and_indexes_and_names_what_it_cannot_do() {
    let cfg = support::config();
    let name = format!("ensure_dl_{}", std::process::id());
    // dynalite has no streams: it says so, naming the setting.
    let e = run(&cfg, &spec(&format!("{name}_s"), ""))
        .await
        .expect_err("no streams")
        .to_string();
    assert!(
        e.contains("this endpoint does not support StreamSpecification"),
        "{e}"
    );
    let dynalite_spec = |name: &str, extra: &str| {
        let mut s = spec(name, extra);
        s.stream_specification = None;
        s
    };
    let plain = dynalite_spec(&name, "");
    let created = run(&cfg, &plain).await.expect("created");
    assert_eq!(created.steps, vec![Step::CreateTable]);
    let again = run(&cfg, &plain).await.expect("no-op");
    // (dynalite ignores Tags in CreateTable: the first run tagged the table afterwards.)
    assert!(again.unchanged, "{:?}", again.changes);
    let client = lake::dynamo::client(&cfg).await;
    let live = describe(&client, &cfg, &name).await.expect("described");
    assert_eq!(
        live.global_secondary_indexes,
        plain.global_secondary_indexes
    );
    assert!(
        run(
            &cfg,
            &TableDefinition::parse(&serde_json::to_string(&live).expect("json")).expect("parses")
        )
        .await
        .expect("round trip")
        .unchanged
    );

    let ttl = dynalite_spec(
        &name,
        r#", "TimeToLive": {"AttributeName": "ttl", "Enabled": true}"#,
    );
    let e = run(&cfg, &ttl)
        .await
        .expect_err("no UpdateTimeToLive")
        .to_string();
    assert!(
        e.contains("this endpoint does not support TimeToLive"),
        "{e}"
    );
    let pitr = dynalite_spec(&name, r#", "PointInTimeRecovery": true"#);
    let e = run(&cfg, &pitr)
        .await
        .expect_err("no continuous backups")
        .to_string();
    assert!(
        e.contains("this endpoint does not support PointInTimeRecovery"),
        "{e}"
    );

    // dynalite cannot add an index to an existing table (it refuses the request, or would accept
    // and never make it): the error names the index, and nothing is reported done.
    let bare = format!("{name}_bare");
    let mut without = dynalite_spec(&bare, "");
    without.global_secondary_indexes.clear();
    run(&cfg, &without).await.expect("created");
    let e = run(&cfg, &dynalite_spec(&bare, ""))
        .await
        .expect_err("no index added")
        .to_string();
    assert!(e.contains("\"hem-index\""), "{e}");
}

/// A table that stays CREATING is waited for, with progress naming it; past `--timeout` the error
/// names what is still CREATING, and a later run picks up where it stopped.
#[tokio::test]
async fn waiting_reports_progress_and_the_timeout_names_what_is_creating() {
    let slow = test_support::dynalite_creating_for(3_000);
    let cfg = DynamoConfig {
        endpoint_url: Some(slow.endpoint.clone()),
        region: Some("us-east-1".into()),
    };
    let client = lake::dynamo::client(&cfg).await;
    let mut plain = spec("ensure_slow", "");
    plain.stream_specification = None;
    let short = EnsureOptions {
        dry_run: false,
        timeout: Duration::from_millis(500),
    };
    let e = ensure(&client, &cfg, &plain, short, &|_| {})
        .await
        .expect_err("still creating")
        .to_string();
    assert!(
        e.contains("timed out") && e.contains("table \"ensure_slow\": CREATING"),
        "{e}"
    );
    let seen = std::sync::Mutex::new(Vec::new());
    let record = |p: lake::dynamo::ensure::Progress<'_>| {
        if let lake::dynamo::ensure::Progress::Waiting(parts) = p {
            seen.lock().expect("lock").push(parts.join(", "));
        }
    };
    let done = ensure(&client, &cfg, &plain, OPTIONS, &record)
        .await
        .expect("waited until ACTIVE");
    // The first run created it and stopped waiting; this one only finishes (dynalite drops
    // Tags in CreateTable, so they follow now).
    assert!(
        !done.steps.contains(&Step::CreateTable),
        "the first run created it: {:?}",
        done.changes
    );
    let seen = seen.lock().expect("lock");
    assert!(
        seen.iter().any(|s| s.contains("CREATING")),
        "no progress while waiting: {seen:?}"
    );
}
