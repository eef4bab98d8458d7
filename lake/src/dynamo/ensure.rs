//! `tables ensure` and `tables describe`: read a table as it is (DescribeTable, and TTL, PITR,
//! Contributor Insights and tags when the spec manages them), compare it with a
//! [`TableDefinition`], and make the difference in DynamoDB's order — create what is missing, add
//! missing global secondary indexes one UpdateTable at a time, wait until the table and every index
//! are ACTIVE (no SDK waiter covers indexes), then TTL, PITR, insights and tags. What cannot be
//! changed in place (key schemas, an index's keys, local indexes) is refused with the difference
//! named; nothing is ever deleted.

use std::time::{Duration, Instant};

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::error::ProvideErrorMetadata;
use aws_sdk_dynamodb::types::TableDescription;
use serde::Serialize;

use super::client::{DynamoConfig, sdk_error};
use super::spec::{
    AttributeDefinition, IndexDefinition, KeyElement, Projection, SseSpecification,
    StreamSpecification, TableDefinition, Tag, Throughput, TimeToLive, key_names,
};
use crate::error::AwsErrorKind;
use crate::{LakeError, Result};

/// One change `ensure` makes, in the order it makes them.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum Step {
    /// CreateTable with its keys, indexes, billing, stream, encryption and tags.
    CreateTable,
    /// UpdateTable adding one global secondary index.
    AddIndex {
        /// The index.
        index: String,
    },
    /// UpdateTable changing the billing mode (and capacity).
    SetBilling {
        /// The new mode.
        mode: String,
    },
    /// UpdateTable changing provisioned capacity.
    SetThroughput {
        /// The new capacity.
        throughput: Throughput,
    },
    /// UpdateTable turning the stream on or off.
    SetStream {
        /// The stream as wanted.
        stream: StreamSpecification,
    },
    /// UpdateTable changing encryption at rest.
    SetEncryption {
        /// Encryption as wanted.
        sse: SseSpecification,
    },
    /// UpdateTable changing the table class.
    SetTableClass {
        /// The class.
        class: String,
    },
    /// UpdateTable turning deletion protection on or off.
    SetDeletionProtection {
        /// Whether it is on.
        enabled: bool,
    },
    /// UpdateTimeToLive.
    SetTimeToLive {
        /// The TTL as wanted.
        ttl: TimeToLive,
    },
    /// UpdateContinuousBackups.
    SetPointInTimeRecovery {
        /// Whether it is on.
        enabled: bool,
    },
    /// UpdateContributorInsights.
    SetContributorInsights {
        /// Whether it is on.
        enabled: bool,
    },
    /// TagResource with the tags missing or different.
    Tag {
        /// The tags to set.
        tags: Vec<Tag>,
    },
}

impl std::fmt::Display for Step {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Step::CreateTable => write!(f, "create the table"),
            Step::AddIndex { index } => write!(f, "add global secondary index {index:?}"),
            Step::SetBilling { mode } => write!(f, "set billing mode {mode}"),
            Step::SetThroughput { throughput } => write!(
                f,
                "set provisioned capacity to {} reads / {} writes",
                throughput.read_capacity_units, throughput.write_capacity_units
            ),
            Step::SetStream { stream } if stream.stream_enabled => write!(
                f,
                "enable the stream ({})",
                stream.stream_view_type.as_deref().unwrap_or("?")
            ),
            Step::SetStream { .. } => write!(f, "disable the stream"),
            Step::SetEncryption { sse } => match sse.enabled {
                Some(true) => write!(f, "encrypt with a KMS key"),
                _ => write!(f, "encrypt with the AWS owned key"),
            },
            Step::SetTableClass { class } => write!(f, "set table class {class}"),
            Step::SetDeletionProtection { enabled } => {
                write!(f, "turn deletion protection {}", on_off(*enabled))
            }
            Step::SetTimeToLive { ttl } if ttl.enabled => {
                write!(f, "enable time to live on {:?}", ttl.attribute_name)
            }
            Step::SetTimeToLive { ttl } => {
                write!(f, "disable time to live on {:?}", ttl.attribute_name)
            }
            Step::SetPointInTimeRecovery { enabled } => {
                write!(f, "turn point-in-time recovery {}", on_off(*enabled))
            }
            Step::SetContributorInsights { enabled } => {
                write!(f, "turn contributor insights {}", on_off(*enabled))
            }
            Step::Tag { tags } => write!(
                f,
                "tag {}",
                tags.iter()
                    .map(|t| format!("{}={}", t.key, t.value))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        }
    }
}

fn on_off(on: bool) -> &'static str {
    if on { "on" } else { "off" }
}

/// What `ensure` will do to a table.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Plan {
    /// The table.
    pub table: String,
    /// The changes, in order.
    pub steps: Vec<Step>,
    /// Differences that cannot be changed in place (nothing is done while there are any).
    pub refused: Vec<String>,
    /// Things on the table the spec does not mention, left alone.
    pub notes: Vec<String>,
}

/// What `ensure` did.
#[derive(Debug, Clone, Serialize)]
pub struct Outcome {
    /// The table.
    pub table: String,
    /// Whether nothing needed changing.
    pub unchanged: bool,
    /// Whether this only planned.
    pub dry_run: bool,
    /// The changes made (or planned), as sentences.
    pub changes: Vec<String>,
    /// The changes as data.
    pub steps: Vec<Step>,
    /// Differences refused.
    pub refused: Vec<String>,
    /// Things left alone.
    pub notes: Vec<String>,
    /// Seconds taken.
    pub seconds: f64,
}

/// What `ensure` reports while it works.
#[derive(Debug, Clone)]
pub enum Progress<'a> {
    /// A step starts.
    Step(&'a Step),
    /// Waiting: the parts not ACTIVE yet (`table "t": CREATING`, `index "i": CREATING (backfilling)`).
    Waiting(&'a [String]),
}

/// Reads the live table in spec form, or `None` if it does not exist. `wanted` says which of the
/// settings outside DescribeTable to read (all of them for `describe`).
async fn read_live(
    client: &Client,
    cfg: &DynamoConfig,
    table: &str,
    wanted: Wanted,
) -> Result<Option<TableDefinition>> {
    let desc = match client.describe_table().table_name(table).send().await {
        Ok(out) => match out.table {
            Some(t) => t,
            None => return Ok(None),
        },
        Err(e)
            if e.as_service_error().and_then(|s| s.code()) == Some("ResourceNotFoundException") =>
        {
            return Ok(None);
        }
        Err(e) => return Err(sdk_error(cfg, &format!("describe table {table:?}"), e)),
    };
    let mut definition = from_description(&desc);
    if wanted.ttl {
        definition.time_to_live = read_ttl(client, cfg, table, wanted.optional).await?;
    }
    if wanted.pitr {
        definition.point_in_time_recovery = read_pitr(client, cfg, table, wanted.optional).await?;
    }
    if wanted.insights {
        definition.contributor_insights =
            read_insights(client, cfg, table, wanted.optional).await?;
    }
    if wanted.tags
        && let Some(arn) = desc.table_arn()
    {
        definition.tags = read_tags(client, cfg, arn, wanted.optional)
            .await?
            .unwrap_or_default();
    }
    Ok(Some(definition))
}

#[derive(Debug, Clone, Copy)]
struct Wanted {
    ttl: bool,
    pitr: bool,
    insights: bool,
    tags: bool,
    /// An endpoint without the API leaves the setting out instead of failing (for `describe`).
    optional: bool,
}

/// Whether an error says the endpoint has no such operation: dynalite answers
/// `UnknownOperationException`; moto fails with an HTML 500 page (not a DynamoDB answer), which
/// counts only for a local endpoint.
fn unsupported<E: ProvideErrorMetadata>(
    cfg: &DynamoConfig,
    e: &aws_sdk_dynamodb::error::SdkError<E, aws_sdk_dynamodb::config::http::HttpResponse>,
) -> bool {
    let code = e.as_service_error().and_then(|s| s.code()).unwrap_or("");
    let raw = e.raw_response();
    let status = raw.map(|r| r.status().as_u16());
    let html = raw
        .and_then(|r| r.body().bytes())
        .is_some_and(|b| b.trim_ascii_start().starts_with(b"<"));
    code.contains("UnknownOperation")
        || code == "NotImplemented"
        || status == Some(501)
        || (status == Some(500) && html && cfg.is_local())
}

/// The clear error for a setting the endpoint cannot manage.
fn unsupported_error(cfg: &DynamoConfig, setting: &str, operation: &str) -> LakeError {
    LakeError::InvalidInput(format!(
        "this endpoint does not support {setting}: {} does not implement {operation}. Remove {setting} from the spec for this endpoint, or run against DynamoDB (or an emulator that has it)",
        cfg.describe()
    ))
}

/// The answer of a Describe call for a setting DescribeTable does not carry: `read` takes the
/// setting from the answer; an endpoint without the API gives `None` when the setting is
/// `optional` (for `describe`), else the clear "does not support" error.
fn setting<O, E, T>(
    cfg: &DynamoConfig,
    answer: std::result::Result<
        O,
        aws_sdk_dynamodb::error::SdkError<E, aws_sdk_dynamodb::config::http::HttpResponse>,
    >,
    read: impl FnOnce(O) -> Option<T>,
    (name, operation, what): (&str, &str, String),
    optional: bool,
) -> Result<Option<T>>
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    match answer {
        Ok(out) => Ok(read(out)),
        Err(e) if unsupported(cfg, &e) && optional => Ok(None),
        Err(e) if unsupported(cfg, &e) => Err(unsupported_error(cfg, name, operation)),
        Err(e) => Err(sdk_error(cfg, &what, e)),
    }
}

async fn read_ttl(
    client: &Client,
    cfg: &DynamoConfig,
    table: &str,
    optional: bool,
) -> Result<Option<TimeToLive>> {
    let answer = client
        .describe_time_to_live()
        .table_name(table)
        .send()
        .await;
    let read =
        |out: aws_sdk_dynamodb::operation::describe_time_to_live::DescribeTimeToLiveOutput| {
            out.time_to_live_description()
                .map(|d| TimeToLive {
                    attribute_name: d.attribute_name().unwrap_or_default().to_string(),
                    enabled: d
                        .time_to_live_status()
                        .is_some_and(|s| matches!(s.as_str(), "ENABLED" | "ENABLING")),
                })
                .filter(|t| t.enabled || !t.attribute_name.is_empty())
        };
    let what = format!("time to live of table {table:?}");
    setting(
        cfg,
        answer,
        read,
        ("TimeToLive", "DescribeTimeToLive", what),
        optional,
    )
}

async fn read_pitr(
    client: &Client,
    cfg: &DynamoConfig,
    table: &str,
    optional: bool,
) -> Result<Option<bool>> {
    let answer = client
        .describe_continuous_backups()
        .table_name(table)
        .send()
        .await;
    let read = |out: aws_sdk_dynamodb::operation::describe_continuous_backups::DescribeContinuousBackupsOutput| {
        Some(
            out.continuous_backups_description()
                .and_then(|d| d.point_in_time_recovery_description())
                .and_then(|p| p.point_in_time_recovery_status())
                .is_some_and(|s| s.as_str() == "ENABLED"),
        )
    };
    let what = format!("point-in-time recovery of table {table:?}");
    let names = ("PointInTimeRecovery", "DescribeContinuousBackups", what);
    setting(cfg, answer, read, names, optional)
}

async fn read_insights(
    client: &Client,
    cfg: &DynamoConfig,
    table: &str,
    optional: bool,
) -> Result<Option<bool>> {
    let answer = client
        .describe_contributor_insights()
        .table_name(table)
        .send()
        .await;
    let read = |out: aws_sdk_dynamodb::operation::describe_contributor_insights::DescribeContributorInsightsOutput| {
        Some(
            out.contributor_insights_status()
                .is_some_and(|s| matches!(s.as_str(), "ENABLED" | "ENABLING")),
        )
    };
    let what = format!("contributor insights of table {table:?}");
    let names = ("ContributorInsights", "DescribeContributorInsights", what);
    setting(cfg, answer, read, names, optional)
}

async fn read_tags(
    client: &Client,
    cfg: &DynamoConfig,
    arn: &str,
    optional: bool,
) -> Result<Option<Vec<Tag>>> {
    let mut tags = Vec::new();
    let mut next: Option<String> = None;
    loop {
        let out = match client
            .list_tags_of_resource()
            .resource_arn(arn)
            .set_next_token(next.take())
            .send()
            .await
        {
            Ok(out) => out,
            Err(e) if unsupported(cfg, &e) => {
                return if optional {
                    Ok(None)
                } else {
                    Err(unsupported_error(cfg, "Tags", "ListTagsOfResource"))
                };
            }
            Err(e) => return Err(sdk_error(cfg, &format!("tags of {arn}"), e)),
        };
        tags.extend(out.tags().iter().map(|t| Tag {
            key: t.key().to_string(),
            value: t.value().to_string(),
        }));
        match out.next_token() {
            Some(t) => next = Some(t.to_string()),
            None => break,
        }
    }
    tags.sort_by(|a, b| a.key.cmp(&b.key));
    Ok(Some(tags))
}

/// The live table described in spec form (without the settings DescribeTable does not return).
pub fn from_description(desc: &TableDescription) -> TableDefinition {
    let keys = |schema: &[aws_sdk_dynamodb::types::KeySchemaElement]| -> Vec<KeyElement> {
        let mut keys: Vec<KeyElement> = schema
            .iter()
            .map(|k| KeyElement {
                attribute_name: k.attribute_name().to_string(),
                key_type: k.key_type().as_str().to_string(),
            })
            .collect();
        // HASH before RANGE, as DynamoDB requires in a request.
        keys.sort_by_key(|k| k.key_type != "HASH");
        keys
    };
    let projection = |p: Option<&aws_sdk_dynamodb::types::Projection>| Projection {
        projection_type: p
            .and_then(|p| p.projection_type())
            .map(|t| t.as_str().to_string())
            .unwrap_or_else(|| "ALL".to_string()),
        non_key_attributes: p
            .map(|p| p.non_key_attributes().to_vec())
            .unwrap_or_default(),
    };
    let billing = desc
        .billing_mode_summary()
        .and_then(|b| b.billing_mode())
        .map(|m| m.as_str().to_string())
        .unwrap_or_else(|| "PROVISIONED".to_string());
    let provisioned = billing == "PROVISIONED";
    let throughput = |t: Option<&aws_sdk_dynamodb::types::ProvisionedThroughputDescription>| {
        t.filter(|_| provisioned).map(|t| Throughput {
            read_capacity_units: t.read_capacity_units().unwrap_or(0),
            write_capacity_units: t.write_capacity_units().unwrap_or(0),
        })
    };
    let mut attribute_definitions: Vec<AttributeDefinition> = desc
        .attribute_definitions()
        .iter()
        .map(|d| AttributeDefinition {
            attribute_name: d.attribute_name().to_string(),
            attribute_type: d.attribute_type().as_str().to_string(),
        })
        .collect();
    attribute_definitions.sort_by(|a, b| a.attribute_name.cmp(&b.attribute_name));
    let mut global_secondary_indexes: Vec<IndexDefinition> = desc
        .global_secondary_indexes()
        .iter()
        .map(|g| IndexDefinition {
            index_name: g.index_name().unwrap_or_default().to_string(),
            key_schema: keys(g.key_schema()),
            projection: projection(g.projection()),
            provisioned_throughput: throughput(g.provisioned_throughput()),
        })
        .collect();
    global_secondary_indexes.sort_by(|a, b| a.index_name.cmp(&b.index_name));
    let mut local_secondary_indexes: Vec<IndexDefinition> = desc
        .local_secondary_indexes()
        .iter()
        .map(|l| IndexDefinition {
            index_name: l.index_name().unwrap_or_default().to_string(),
            key_schema: keys(l.key_schema()),
            projection: projection(l.projection()),
            provisioned_throughput: None,
        })
        .collect();
    local_secondary_indexes.sort_by(|a, b| a.index_name.cmp(&b.index_name));
    let stream_specification = desc.stream_specification().map(|s| StreamSpecification {
        stream_enabled: s.stream_enabled(),
        stream_view_type: s
            .stream_view_type()
            .filter(|_| s.stream_enabled())
            .map(|t| t.as_str().to_string()),
    });
    let sse_specification = desc.sse_description().and_then(|s| {
        let on = s
            .status()
            .is_some_and(|st| matches!(st.as_str(), "ENABLED" | "ENABLING" | "UPDATING"));
        on.then(|| SseSpecification {
            enabled: Some(true),
            sse_type: Some(
                s.sse_type()
                    .map(|t| t.as_str().to_string())
                    .unwrap_or_else(|| "KMS".to_string()),
            ),
            kms_master_key_id: s.kms_master_key_arn().map(str::to_string),
        })
    });
    TableDefinition {
        table_name: desc.table_name().unwrap_or_default().to_string(),
        attribute_definitions,
        key_schema: keys(desc.key_schema()),
        global_secondary_indexes,
        local_secondary_indexes,
        billing_mode: Some(billing),
        provisioned_throughput: throughput(desc.provisioned_throughput()),
        stream_specification,
        sse_specification,
        table_class: desc
            .table_class_summary()
            .and_then(|c| c.table_class())
            .map(|c| c.as_str().to_string()),
        deletion_protection_enabled: desc.deletion_protection_enabled(),
        tags: Vec::new(),
        time_to_live: None,
        point_in_time_recovery: None,
        contributor_insights: None,
    }
}

/// `tables describe`: the live table in spec form, with every setting the endpoint can tell.
pub async fn describe(client: &Client, cfg: &DynamoConfig, table: &str) -> Result<TableDefinition> {
    let wanted = Wanted {
        ttl: true,
        pitr: true,
        insights: true,
        tags: true,
        optional: true,
    };
    match read_live(client, cfg, table, wanted).await? {
        Some(live) => Ok(live),
        None => Err(LakeError::NotFound(format!(
            "table {table:?} does not exist in {}",
            cfg.describe()
        ))),
    }
}

/// The keys of a key schema with their types, for comparing and for messages.
fn typed_keys(def: &TableDefinition, schema: &[KeyElement]) -> String {
    let (hash, range) = key_names(schema);
    let show = |name: Option<&str>, role: &str| {
        name.map(|n| format!("{n} ({}, {role})", def.attribute_type(n).unwrap_or("?")))
    };
    [show(hash, "partition"), show(range, "sort")]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(", ")
}

fn same_projection(a: &Projection, b: &Projection) -> bool {
    let mut x = a.non_key_attributes.clone();
    let mut y = b.non_key_attributes.clone();
    x.sort();
    y.sort();
    a.projection_type == b.projection_type && x == y
}

/// Compares the spec with the live table (`None`: it does not exist) and plans the changes.
pub fn plan(spec: &TableDefinition, live: Option<&TableDefinition>) -> Plan {
    let mut plan = Plan {
        table: spec.table_name.clone(),
        ..Plan::default()
    };
    let Some(live) = live else {
        plan.steps.push(Step::CreateTable);
        // CreateTable carries everything but these three.
        if let Some(ttl) = spec.time_to_live.as_ref().filter(|t| t.enabled) {
            plan.steps.push(Step::SetTimeToLive { ttl: ttl.clone() });
        }
        if spec.point_in_time_recovery == Some(true) {
            plan.steps
                .push(Step::SetPointInTimeRecovery { enabled: true });
        }
        if spec.contributor_insights == Some(true) {
            plan.steps
                .push(Step::SetContributorInsights { enabled: true });
        }
        return plan;
    };
    let (spec_keys, live_keys) = (
        typed_keys(spec, &spec.key_schema),
        typed_keys(live, &live.key_schema),
    );
    if spec_keys != live_keys {
        plan.refused.push(format!(
            "key schema: the table has {live_keys}, the spec wants {spec_keys}; a table's keys cannot change (create a new table and import into it)"
        ));
    }
    for index in &spec.global_secondary_indexes {
        match live
            .global_secondary_indexes
            .iter()
            .find(|l| l.index_name == index.index_name)
        {
            None => plan.steps.push(Step::AddIndex {
                index: index.index_name.clone(),
            }),
            Some(l) => {
                let (want, have) = (
                    typed_keys(spec, &index.key_schema),
                    typed_keys(live, &l.key_schema),
                );
                if want != have {
                    plan.refused.push(format!(
                        "index {:?}: it has keys {have}, the spec wants {want}; an index's keys cannot change (add an index with a new name)",
                        index.index_name
                    ));
                } else if !same_projection(&index.projection, &l.projection) {
                    plan.refused.push(format!(
                        "index {:?}: it projects {}, the spec wants {}; a projection cannot change (add an index with a new name)",
                        index.index_name, l.projection.projection_type, index.projection.projection_type
                    ));
                }
            }
        }
    }
    for l in &live.global_secondary_indexes {
        if !spec
            .global_secondary_indexes
            .iter()
            .any(|s| s.index_name == l.index_name)
        {
            plan.notes.push(format!(
                "index {:?} is on the table but not in the spec: left alone",
                l.index_name
            ));
        }
    }
    for index in &spec.local_secondary_indexes {
        match live
            .local_secondary_indexes
            .iter()
            .find(|l| l.index_name == index.index_name)
        {
            None => plan.refused.push(format!(
                "local index {:?} is missing; local indexes can only be made with the table",
                index.index_name
            )),
            Some(l)
                if typed_keys(spec, &index.key_schema) != typed_keys(live, &l.key_schema)
                    || !same_projection(&index.projection, &l.projection) =>
            {
                plan.refused.push(format!(
                    "local index {:?} differs from the spec ({} vs {}); local indexes cannot change",
                    index.index_name,
                    typed_keys(live, &l.key_schema),
                    typed_keys(spec, &index.key_schema)
                ));
            }
            Some(_) => {}
        }
    }
    if spec.billing_mode.is_some() || spec.provisioned_throughput.is_some() {
        let want = spec.effective_billing();
        let have = live.billing_mode.as_deref().unwrap_or("PROVISIONED");
        if want != have {
            plan.steps.push(Step::SetBilling {
                mode: want.to_string(),
            });
        } else if want == "PROVISIONED"
            && let Some(t) = spec.provisioned_throughput
            && live.provisioned_throughput != Some(t)
        {
            plan.steps.push(Step::SetThroughput { throughput: t });
        }
    }
    if let Some(want) = &spec.stream_specification {
        let have = live
            .stream_specification
            .clone()
            .unwrap_or(StreamSpecification {
                stream_enabled: false,
                stream_view_type: None,
            });
        match (want.stream_enabled, have.stream_enabled) {
            (true, false) | (false, true) => plan.steps.push(Step::SetStream {
                stream: want.clone(),
            }),
            (true, true) if want.stream_view_type != have.stream_view_type => {
                plan.refused.push(format!(
                    "stream: it sends {}, the spec wants {}; changing the view type means disabling the stream first, which ends it for its readers (do that by hand if intended)",
                    have.stream_view_type.as_deref().unwrap_or("?"),
                    want.stream_view_type.as_deref().unwrap_or("?")
                ));
            }
            _ => {}
        }
    }
    if let Some(want) = &spec.sse_specification {
        let want_kms = want.enabled == Some(true);
        let have = live.sse_specification.as_ref();
        let have_kms = have.is_some_and(|s| s.enabled == Some(true));
        let key_differs = match (
            &want.kms_master_key_id,
            have.and_then(|h| h.kms_master_key_id.as_ref()),
        ) {
            // An alias cannot be compared with the key ARN DescribeTable returns without KMS.
            (Some(w), Some(_)) if w.starts_with("alias/") || w.contains(":alias/") => false,
            (Some(w), Some(h)) => !(h == w || h.ends_with(&format!("/{w}"))),
            (Some(_), None) => true,
            _ => false,
        };
        if want_kms != have_kms || (want_kms && key_differs) {
            plan.steps.push(Step::SetEncryption { sse: want.clone() });
        }
    }
    if let Some(class) = &spec.table_class
        && live.table_class.as_deref().unwrap_or("STANDARD") != class
    {
        plan.steps.push(Step::SetTableClass {
            class: class.clone(),
        });
    }
    if let Some(on) = spec.deletion_protection_enabled
        && live.deletion_protection_enabled.unwrap_or(false) != on
    {
        plan.steps.push(Step::SetDeletionProtection { enabled: on });
    }
    if let Some(want) = &spec.time_to_live {
        let have = live.time_to_live.clone();
        match (&have, want.enabled) {
            (Some(h), true) if h.enabled && h.attribute_name != want.attribute_name => {
                plan.refused.push(format!(
                    "time to live: it is on for {:?}, the spec wants {:?}; disable it first (DynamoDB then refuses a change for up to an hour)",
                    h.attribute_name, want.attribute_name
                ));
            }
            (Some(h), true) if h.enabled => {}
            (_, true) => plan.steps.push(Step::SetTimeToLive { ttl: want.clone() }),
            (Some(h), false) if h.enabled => plan.steps.push(Step::SetTimeToLive {
                ttl: TimeToLive {
                    attribute_name: h.attribute_name.clone(),
                    enabled: false,
                },
            }),
            _ => {}
        }
    }
    if let Some(on) = spec.point_in_time_recovery
        && live.point_in_time_recovery.unwrap_or(false) != on
    {
        plan.steps
            .push(Step::SetPointInTimeRecovery { enabled: on });
    }
    if let Some(on) = spec.contributor_insights
        && live.contributor_insights.unwrap_or(false) != on
    {
        plan.steps
            .push(Step::SetContributorInsights { enabled: on });
    }
    let missing: Vec<Tag> = spec
        .tags
        .iter()
        .filter(|t| !live.tags.contains(t))
        .cloned()
        .collect();
    if !missing.is_empty() {
        plan.steps.push(Step::Tag { tags: missing });
    }
    plan
}

/// Options of [`ensure`].
#[derive(Debug, Clone, Copy)]
pub struct EnsureOptions {
    /// Only plan.
    pub dry_run: bool,
    /// How long to wait for the table and its indexes to become ACTIVE, in all.
    pub timeout: Duration,
}

/// Makes the table match the spec (see the module doc). Refused differences are returned in the
/// outcome with nothing changed; the caller decides the exit status.
pub async fn ensure(
    client: &Client,
    cfg: &DynamoConfig,
    spec: &TableDefinition,
    options: EnsureOptions,
    progress: &(dyn Fn(Progress<'_>) + Send + Sync),
) -> Result<Outcome> {
    let started = Instant::now();
    let deadline = started + options.timeout;
    let wanted = Wanted {
        ttl: spec.time_to_live.is_some(),
        pitr: spec.point_in_time_recovery.is_some(),
        insights: spec.contributor_insights.is_some(),
        tags: !spec.tags.is_empty(),
        optional: false,
    };
    let live = read_live(client, cfg, &spec.table_name, wanted).await?;
    let plan = plan(spec, live.as_ref());
    let outcome = |plan: &Plan, dry_run: bool| Outcome {
        table: plan.table.clone(),
        unchanged: plan.steps.is_empty() && plan.refused.is_empty(),
        dry_run,
        changes: plan.steps.iter().map(|s| s.to_string()).collect(),
        steps: plan.steps.clone(),
        refused: plan.refused.clone(),
        notes: plan.notes.clone(),
        seconds: started.elapsed().as_secs_f64(),
    };
    if options.dry_run || !plan.refused.is_empty() {
        return Ok(outcome(&plan, options.dry_run));
    }
    // A table or index still CREATING from an earlier run: wait for it first.
    if live.is_some() {
        wait_ready(client, cfg, &spec.table_name, deadline, progress).await?;
    }
    for step in &plan.steps {
        progress(Progress::Step(step));
        apply(client, cfg, spec, step).await?;
        let desc = wait_ready(client, cfg, &spec.table_name, deadline, progress).await?;
        let wants_stream = spec
            .stream_specification
            .as_ref()
            .is_some_and(|s| s.stream_enabled);
        if *step == Step::CreateTable
            && wants_stream
            && !desc
                .stream_specification()
                .is_some_and(|s| s.stream_enabled())
        {
            return Err(LakeError::InvalidInput(format!(
                "this endpoint does not support StreamSpecification: {} created table {:?} without its stream; remove StreamSpecification from the spec for this endpoint, or run against DynamoDB",
                cfg.describe(),
                spec.table_name
            )));
        }
    }
    // Checked, not trusted: read the table again. What an endpoint dropped silently (dynalite
    // ignores Tags in CreateTable) is applied once more; what still differs is named.
    if !plan.steps.is_empty() {
        for round in 0..3 {
            let live = read_live(client, cfg, &spec.table_name, wanted).await?;
            let rest = self::plan(spec, live.as_ref());
            if rest.steps.is_empty() {
                break;
            }
            // DynamoDB's reads are eventually consistent just after a change: look again once
            // before applying anything twice.
            if round == 0 {
                tokio::time::sleep(Duration::from_secs(2)).await;
                continue;
            }
            if round == 2 {
                return Err(LakeError::InvalidInput(format!(
                    "{} accepted every change but table {:?} still differs from the spec ({}): this endpoint does not support them",
                    cfg.describe(),
                    spec.table_name,
                    rest.steps
                        .iter()
                        .map(|s| s.to_string())
                        .collect::<Vec<_>>()
                        .join("; ")
                )));
            }
            for step in &rest.steps {
                progress(Progress::Step(step));
                apply(client, cfg, spec, step).await?;
                wait_ready(client, cfg, &spec.table_name, deadline, progress).await?;
            }
        }
    }
    Ok(outcome(&plan, false))
}

fn built<T, E: std::fmt::Display>(r: std::result::Result<T, E>, table: &str) -> Result<T> {
    r.map_err(|e| LakeError::InvalidInput(format!("table {table:?}: {e}")))
}

fn sdk_keys(
    table: &str,
    keys: &[KeyElement],
) -> Result<Vec<aws_sdk_dynamodb::types::KeySchemaElement>> {
    use aws_sdk_dynamodb::types::{KeySchemaElement, KeyType};
    keys.iter()
        .map(|k| {
            built(
                KeySchemaElement::builder()
                    .attribute_name(&k.attribute_name)
                    .key_type(KeyType::from(k.key_type.as_str()))
                    .build(),
                table,
            )
        })
        .collect()
}

fn sdk_projection(p: &Projection) -> aws_sdk_dynamodb::types::Projection {
    use aws_sdk_dynamodb::types::ProjectionType;
    aws_sdk_dynamodb::types::Projection::builder()
        .projection_type(ProjectionType::from(p.projection_type.as_str()))
        .set_non_key_attributes(
            (!p.non_key_attributes.is_empty()).then(|| p.non_key_attributes.clone()),
        )
        .build()
}

fn sdk_throughput(
    table: &str,
    t: &Throughput,
) -> Result<aws_sdk_dynamodb::types::ProvisionedThroughput> {
    built(
        aws_sdk_dynamodb::types::ProvisionedThroughput::builder()
            .read_capacity_units(t.read_capacity_units)
            .write_capacity_units(t.write_capacity_units)
            .build(),
        table,
    )
}

fn sdk_definitions(
    spec: &TableDefinition,
    names: &[&str],
) -> Result<Vec<aws_sdk_dynamodb::types::AttributeDefinition>> {
    use aws_sdk_dynamodb::types::ScalarAttributeType;
    spec.attribute_definitions
        .iter()
        .filter(|d| names.is_empty() || names.contains(&d.attribute_name.as_str()))
        .map(|d| {
            built(
                aws_sdk_dynamodb::types::AttributeDefinition::builder()
                    .attribute_name(&d.attribute_name)
                    .attribute_type(ScalarAttributeType::from(d.attribute_type.as_str()))
                    .build(),
                &spec.table_name,
            )
        })
        .collect()
}

fn sdk_stream(s: &StreamSpecification) -> Result<aws_sdk_dynamodb::types::StreamSpecification> {
    use aws_sdk_dynamodb::types::StreamViewType;
    built(
        aws_sdk_dynamodb::types::StreamSpecification::builder()
            .stream_enabled(s.stream_enabled)
            .set_stream_view_type(
                s.stream_view_type
                    .as_deref()
                    .filter(|_| s.stream_enabled)
                    .map(StreamViewType::from),
            )
            .build(),
        "stream",
    )
}

fn sdk_sse(s: &SseSpecification) -> aws_sdk_dynamodb::types::SseSpecification {
    use aws_sdk_dynamodb::types::SseType;
    aws_sdk_dynamodb::types::SseSpecification::builder()
        .set_enabled(s.enabled)
        .set_sse_type(s.sse_type.as_deref().map(SseType::from))
        .set_kms_master_key_id(s.kms_master_key_id.clone())
        .build()
}

async fn apply(
    client: &Client,
    cfg: &DynamoConfig,
    spec: &TableDefinition,
    step: &Step,
) -> Result<()> {
    use aws_sdk_dynamodb::types::{
        BillingMode, ContributorInsightsAction, CreateGlobalSecondaryIndexAction,
        GlobalSecondaryIndex, GlobalSecondaryIndexUpdate, LocalSecondaryIndex,
        PointInTimeRecoverySpecification, TableClass, TimeToLiveSpecification,
    };
    let table = spec.table_name.as_str();
    let provisioned = spec.effective_billing() == "PROVISIONED";
    let what = format!("{step} of table {table:?}");
    match step {
        Step::CreateTable => {
            let mut req = client
                .create_table()
                .table_name(table)
                .billing_mode(BillingMode::from(spec.effective_billing()))
                .set_attribute_definitions(Some(sdk_definitions(spec, &[])?))
                .set_key_schema(Some(sdk_keys(table, &spec.key_schema)?));
            if let Some(t) = spec.provisioned_throughput.as_ref().filter(|_| provisioned) {
                req = req.provisioned_throughput(sdk_throughput(table, t)?);
            }
            for g in &spec.global_secondary_indexes {
                let mut index = GlobalSecondaryIndex::builder()
                    .index_name(&g.index_name)
                    .set_key_schema(Some(sdk_keys(table, &g.key_schema)?))
                    .projection(sdk_projection(&g.projection));
                if provisioned {
                    let t = g.provisioned_throughput.or(spec.provisioned_throughput);
                    if let Some(t) = t {
                        index = index.provisioned_throughput(sdk_throughput(table, &t)?);
                    }
                }
                req = req.global_secondary_indexes(built(index.build(), table)?);
            }
            for l in &spec.local_secondary_indexes {
                req = req.local_secondary_indexes(built(
                    LocalSecondaryIndex::builder()
                        .index_name(&l.index_name)
                        .set_key_schema(Some(sdk_keys(table, &l.key_schema)?))
                        .projection(sdk_projection(&l.projection))
                        .build(),
                    table,
                )?);
            }
            if let Some(s) = &spec.stream_specification {
                req = req.stream_specification(sdk_stream(s)?);
            }
            if let Some(s) = &spec.sse_specification {
                req = req.sse_specification(sdk_sse(s));
            }
            if let Some(c) = &spec.table_class {
                req = req.table_class(TableClass::from(c.as_str()));
            }
            if let Some(d) = spec.deletion_protection_enabled {
                req = req.deletion_protection_enabled(d);
            }
            for t in &spec.tags {
                req = req.tags(built(
                    aws_sdk_dynamodb::types::Tag::builder()
                        .key(&t.key)
                        .value(&t.value)
                        .build(),
                    table,
                )?);
            }
            match req.send().await {
                Ok(_) => Ok(()),
                // Created meanwhile by someone else: the waits and the next run compare it.
                Err(e)
                    if e.as_service_error().and_then(|s| s.code())
                        == Some("ResourceInUseException") =>
                {
                    Ok(())
                }
                Err(e) => Err(sdk_error(cfg, &what, e)),
            }
        }
        Step::AddIndex { index } => {
            let Some(g) = spec
                .global_secondary_indexes
                .iter()
                .find(|g| &g.index_name == index)
            else {
                return Ok(());
            };
            let (hash, range) = key_names(&g.key_schema);
            let names: Vec<&str> = [hash, range].into_iter().flatten().collect();
            let mut create = CreateGlobalSecondaryIndexAction::builder()
                .index_name(&g.index_name)
                .set_key_schema(Some(sdk_keys(table, &g.key_schema)?))
                .projection(sdk_projection(&g.projection));
            if provisioned && let Some(t) = g.provisioned_throughput.or(spec.provisioned_throughput)
            {
                create = create.provisioned_throughput(sdk_throughput(table, &t)?);
            }
            let answer = client
                .update_table()
                .table_name(table)
                .set_attribute_definitions(Some(sdk_definitions(spec, &names)?))
                .global_secondary_index_updates(
                    GlobalSecondaryIndexUpdate::builder()
                        .create(built(create.build(), table)?)
                        .build(),
                )
                .send()
                .await
                .map_err(|e| sdk_error(cfg, &what, e))?;
            // UpdateTable answers with the table as it now is, the index CREATING: an endpoint
            // that accepted the call without making it (dynalite) is named here, not trusted.
            let made = answer.table_description().is_some_and(|d| {
                d.global_secondary_indexes()
                    .iter()
                    .any(|g| g.index_name() == Some(index.as_str()))
            });
            if !made {
                return Err(LakeError::InvalidInput(format!(
                    "this endpoint does not support adding an index to an existing table: {} accepted UpdateTable for index {index:?} but its answer has no such index; create the table with its indexes, or run against DynamoDB",
                    cfg.describe()
                )));
            }
            Ok(())
        }
        Step::SetBilling { mode } => {
            let mut req = client
                .update_table()
                .table_name(table)
                .billing_mode(BillingMode::from(mode.as_str()));
            if mode == "PROVISIONED"
                && let Some(t) = &spec.provisioned_throughput
            {
                req = req.provisioned_throughput(sdk_throughput(table, t)?);
            }
            req.send().await.map_err(|e| sdk_error(cfg, &what, e))?;
            Ok(())
        }
        Step::SetThroughput { throughput } => {
            client
                .update_table()
                .table_name(table)
                .provisioned_throughput(sdk_throughput(table, throughput)?)
                .send()
                .await
                .map_err(|e| sdk_error(cfg, &what, e))?;
            Ok(())
        }
        Step::SetStream { stream } => {
            client
                .update_table()
                .table_name(table)
                .stream_specification(sdk_stream(stream)?)
                .send()
                .await
                .map_err(|e| sdk_error(cfg, &what, e))?;
            Ok(())
        }
        Step::SetEncryption { sse } => {
            client
                .update_table()
                .table_name(table)
                .sse_specification(sdk_sse(sse))
                .send()
                .await
                .map_err(|e| sdk_error(cfg, &what, e))?;
            Ok(())
        }
        Step::SetTableClass { class } => {
            client
                .update_table()
                .table_name(table)
                .table_class(TableClass::from(class.as_str()))
                .send()
                .await
                .map_err(|e| sdk_error(cfg, &what, e))?;
            Ok(())
        }
        Step::SetDeletionProtection { enabled } => {
            client
                .update_table()
                .table_name(table)
                .deletion_protection_enabled(*enabled)
                .send()
                .await
                .map_err(|e| sdk_error(cfg, &what, e))?;
            Ok(())
        }
        Step::SetTimeToLive { ttl } => {
            let spec = built(
                TimeToLiveSpecification::builder()
                    .attribute_name(&ttl.attribute_name)
                    .enabled(ttl.enabled)
                    .build(),
                table,
            )?;
            match client
                .update_time_to_live()
                .table_name(table)
                .time_to_live_specification(spec)
                .send()
                .await
            {
                Ok(_) => Ok(()),
                Err(e) if unsupported(cfg, &e) => {
                    Err(unsupported_error(cfg, "TimeToLive", "UpdateTimeToLive"))
                }
                Err(e) => Err(sdk_error(cfg, &what, e)),
            }
        }
        Step::SetPointInTimeRecovery { enabled } => {
            let pitr = built(
                PointInTimeRecoverySpecification::builder()
                    .point_in_time_recovery_enabled(*enabled)
                    .build(),
                table,
            )?;
            // Just after a table becomes ACTIVE, DynamoDB may answer
            // ContinuousBackupsUnavailableException for a while: retried, not failed.
            let mut attempt = 0u32;
            loop {
                match client
                    .update_continuous_backups()
                    .table_name(table)
                    .point_in_time_recovery_specification(pitr.clone())
                    .send()
                    .await
                {
                    Ok(_) => return Ok(()),
                    Err(e) if unsupported(cfg, &e) => {
                        return Err(unsupported_error(
                            cfg,
                            "PointInTimeRecovery",
                            "UpdateContinuousBackups",
                        ));
                    }
                    Err(e)
                        if e.as_service_error().and_then(|s| s.code())
                            == Some("ContinuousBackupsUnavailableException")
                            && attempt < 30 =>
                    {
                        attempt += 1;
                        tokio::time::sleep(Duration::from_secs(u64::from(attempt.min(10)))).await;
                    }
                    Err(e) => return Err(sdk_error(cfg, &what, e)),
                }
            }
        }
        Step::SetContributorInsights { enabled } => {
            let action = if *enabled {
                ContributorInsightsAction::Enable
            } else {
                ContributorInsightsAction::Disable
            };
            match client
                .update_contributor_insights()
                .table_name(table)
                .contributor_insights_action(action)
                .send()
                .await
            {
                Ok(_) => Ok(()),
                Err(e) if unsupported(cfg, &e) => Err(unsupported_error(
                    cfg,
                    "ContributorInsights",
                    "UpdateContributorInsights",
                )),
                Err(e) => Err(sdk_error(cfg, &what, e)),
            }
        }
        Step::Tag { tags } => {
            let arn = client
                .describe_table()
                .table_name(table)
                .send()
                .await
                .map_err(|e| sdk_error(cfg, &what, e))?
                .table
                .and_then(|t| t.table_arn)
                .ok_or_else(|| {
                    LakeError::aws(&what, AwsErrorKind::Other, format!("{what}: no table ARN"))
                })?;
            let mut req = client.tag_resource().resource_arn(arn);
            for t in tags {
                req = req.tags(built(
                    aws_sdk_dynamodb::types::Tag::builder()
                        .key(&t.key)
                        .value(&t.value)
                        .build(),
                    table,
                )?);
            }
            match req.send().await {
                Ok(_) => Ok(()),
                Err(e) if unsupported(cfg, &e) => {
                    Err(unsupported_error(cfg, "Tags", "TagResource"))
                }
                Err(e) => Err(sdk_error(cfg, &what, e)),
            }
        }
    }
}

/// The parts of a table that are not ACTIVE, as `table "t": UPDATING`, `index "i": CREATING
/// (backfilling)`.
fn pending_parts(desc: &TableDescription) -> Vec<String> {
    let mut pending = Vec::new();
    let table = desc.table_name().unwrap_or_default();
    match desc.table_status().map(|s| s.as_str()) {
        Some("ACTIVE") => {}
        other => pending.push(format!("table {table:?}: {}", other.unwrap_or("unknown"))),
    }
    for g in desc.global_secondary_indexes() {
        match g.index_status().map(|s| s.as_str()) {
            Some("ACTIVE") => {}
            other => pending.push(format!(
                "index {:?}: {}{}",
                g.index_name().unwrap_or_default(),
                other.unwrap_or("unknown"),
                if g.backfilling() == Some(true) {
                    " (backfilling)"
                } else {
                    ""
                }
            )),
        }
    }
    pending
}

/// Polls DescribeTable until the table and every index are ACTIVE, reporting what it waits for,
/// and returns that description; past `deadline` the error names what is still not ACTIVE.
pub async fn wait_ready(
    client: &Client,
    cfg: &DynamoConfig,
    table: &str,
    deadline: Instant,
    progress: &(dyn Fn(Progress<'_>) + Send + Sync),
) -> Result<TableDescription> {
    let mut wait = Duration::from_millis(100);
    let started = Instant::now();
    loop {
        let answer = match client.describe_table().table_name(table).send().await {
            Ok(answer) => answer,
            // Just after CreateTable, DescribeTable may not see the table yet.
            Err(e)
                if e.as_service_error().and_then(|s| s.code())
                    == Some("ResourceNotFoundException")
                    && started.elapsed() < Duration::from_secs(30) =>
            {
                let pending = [format!("table {table:?}: not visible yet")];
                progress(Progress::Waiting(&pending));
                tokio::time::sleep(wait).await;
                wait = (wait * 2).min(Duration::from_secs(5));
                continue;
            }
            Err(e) => return Err(sdk_error(cfg, &format!("describe table {table:?}"), e)),
        };
        let desc = answer.table.ok_or_else(|| {
            LakeError::aws(
                format!("describe table {table:?}"),
                AwsErrorKind::Other,
                format!("table {table:?}: no description returned"),
            )
        })?;
        let pending = pending_parts(&desc);
        if pending.is_empty() {
            return Ok(desc);
        }
        progress(Progress::Waiting(&pending));
        if Instant::now() >= deadline {
            return Err(LakeError::aws(
                format!("wait for table {table:?}"),
                AwsErrorKind::Unavailable,
                format!(
                    "timed out after {:.0} s waiting for {}; nothing is undone: run ensure again to keep waiting",
                    started.elapsed().as_secs_f64(),
                    pending.join(", ")
                ),
            ));
        }
        let left = deadline.saturating_duration_since(Instant::now());
        tokio::time::sleep(wait.min(left)).await;
        wait = (wait * 2).min(Duration::from_secs(5));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec() -> TableDefinition {
        TableDefinition::parse(
            r#"{"TableName": "t1x", "AttributeDefinitions": [
                {"AttributeName": "pk", "AttributeType": "S"}, {"AttributeName": "sk", "AttributeType": "S"}],
              "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
              "GlobalSecondaryIndexes": [{"IndexName": "by-sk", "KeySchema": [
                {"AttributeName": "sk", "KeyType": "HASH"}, {"AttributeName": "pk", "KeyType": "RANGE"}],
                "Projection": {"ProjectionType": "ALL"}}],
              "BillingMode": "PAY_PER_REQUEST",
              "TimeToLive": {"AttributeName": "ttl", "Enabled": true},
              "PointInTimeRecovery": true,
              "Tags": [{"Key": "a", "Value": "1"}]}"#,
        )
        .expect("valid")
    }

    #[test]
    fn a_missing_table_is_created_then_given_the_other_settings() {
        let p = plan(&spec(), None);
        assert_eq!(
            p.steps,
            vec![
                Step::CreateTable,
                Step::SetTimeToLive {
                    ttl: TimeToLive {
                        attribute_name: "ttl".into(),
                        enabled: true
                    }
                },
                Step::SetPointInTimeRecovery { enabled: true },
            ]
        );
    }

    #[test]
    fn a_matching_table_needs_nothing_and_a_changed_key_is_refused() {
        let s = spec();
        assert!(plan(&s, Some(&s)).steps.is_empty());
        let mut live = s.clone();
        live.global_secondary_indexes.clear();
        live.tags.clear();
        let p = plan(&s, Some(&live));
        assert_eq!(
            p.steps,
            vec![
                Step::AddIndex {
                    index: "by-sk".into()
                },
                Step::Tag {
                    tags: s.tags.clone()
                }
            ]
        );
        let mut other = s.clone();
        other.attribute_definitions[1].attribute_type = "N".into();
        let p = plan(&other, Some(&s));
        assert!(
            p.refused
                .iter()
                .any(|r| r.contains("key schema") && r.contains("sk (N, sort)")),
            "{:?}",
            p.refused
        );
    }
}
