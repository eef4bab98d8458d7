//! One stack through CloudFormation: what it is now, a change set made, shown and executed, and
//! its events printed as they happen until it settles.

use std::collections::HashSet;
use std::time::Duration;

use aws_sdk_cloudformation::types::{
    Capability, ChangeSetStatus, ChangeSetType, Parameter, StackStatus,
};

use super::{Cloud, sdk_message};

/// How often a stack in progress is looked at.
const POLL: Duration = Duration::from_secs(3);
/// How long a change set may take to be computed.
const CHANGE_SET_WAIT: Duration = Duration::from_secs(300);

/// A stack as it is now.
#[derive(Debug, Clone)]
pub struct Found {
    /// Its id (ARN).
    pub id: String,
    /// `CREATE_COMPLETE`, `UPDATE_ROLLBACK_COMPLETE`, …
    pub status: String,
    /// Why it is in that status, when CloudFormation says.
    pub reason: Option<String>,
    /// Output key → value, in template order.
    pub outputs: Vec<(String, String)>,
    /// Parameter keys it was deployed with.
    pub parameters: Vec<String>,
}

/// How a stack operation ended.
#[derive(Debug)]
pub enum Settled {
    /// Complete (the stack as it is now).
    Done(Found),
    /// Failed or rolled back (the final status).
    Failed(String),
    /// Deleted: there is no such stack any more.
    Gone,
}

/// The stack, or `None` when there is none of that name (or it is deleted).
pub async fn describe(cloud: &Cloud, name: &str) -> anyhow::Result<Option<Found>> {
    let out = match cloud.cfn.describe_stacks().stack_name(name).send().await {
        Ok(out) => out,
        Err(e) => {
            let text = sdk_message(&e);
            if text.contains("does not exist") {
                return Ok(None);
            }
            anyhow::bail!("describe stack {name}: {text}");
        }
    };
    let Some(s) = out.stacks().first() else {
        return Ok(None);
    };
    let status = s
        .stack_status()
        .map(|x| x.as_str().to_string())
        .unwrap_or_default();
    if status == StackStatus::DeleteComplete.as_str() {
        return Ok(None);
    }
    Ok(Some(Found {
        id: s.stack_id().unwrap_or(name).to_string(),
        status,
        reason: s.stack_status_reason().map(str::to_string),
        outputs: s
            .outputs()
            .iter()
            .filter_map(|o| Some((o.output_key()?.to_string(), o.output_value()?.to_string())))
            .collect(),
        parameters: s
            .parameters()
            .iter()
            .filter_map(|p| p.parameter_key().map(str::to_string))
            .collect(),
    }))
}

/// The physical id (a bucket's name, a function's name) of the stack's resource `logical`, when
/// the stack has it.
pub async fn physical_id(
    cloud: &Cloud,
    stack: &str,
    logical: &str,
) -> anyhow::Result<Option<String>> {
    let mut pages = cloud
        .cfn
        .list_stack_resources()
        .stack_name(stack)
        .into_paginator()
        .send();
    while let Some(page) = pages.next().await {
        let page = match page {
            Ok(p) => p,
            Err(e) if sdk_message(&e).contains("does not exist") => return Ok(None),
            Err(e) => anyhow::bail!("resources of stack {stack}: {}", sdk_message(&e)),
        };
        if let Some(r) = page
            .stack_resource_summaries()
            .iter()
            .find(|r| r.logical_resource_id() == Some(logical))
        {
            return Ok(r
                .physical_resource_id()
                .filter(|id| !id.is_empty())
                .map(str::to_string));
        }
    }
    Ok(None)
}

/// Whether a status is final (nothing is in progress).
pub fn is_settled(status: &str) -> bool {
    !status.ends_with("_IN_PROGRESS")
}

/// Whether a final status is a success.
pub fn is_success(status: &str) -> bool {
    matches!(
        status,
        "CREATE_COMPLETE" | "UPDATE_COMPLETE" | "IMPORT_COMPLETE" | "DELETE_COMPLETE"
    )
}

/// One stack event for people: time, status, resource, reason.
pub struct Event {
    id: String,
    line: String,
}

/// The stack's events newest first, at most `limit`.
pub async fn events(cloud: &Cloud, stack: &str, limit: usize) -> anyhow::Result<Vec<Event>> {
    let out = cloud
        .cfn
        .describe_stack_events()
        .stack_name(stack)
        .send()
        .await;
    let out = match out {
        Ok(out) => out,
        // Deleted meanwhile: no more events.
        Err(e) if sdk_message(&e).contains("does not exist") => return Ok(Vec::new()),
        Err(e) => anyhow::bail!("events of stack {stack}: {}", sdk_message(&e)),
    };
    Ok(out
        .stack_events()
        .iter()
        .take(limit)
        .map(|e| {
            let when = e
                .timestamp()
                .and_then(|t| chrono::DateTime::from_timestamp(t.secs(), 0))
                .map(|t| t.format("%H:%M:%S").to_string())
                .unwrap_or_default();
            let status = e.resource_status().map(|s| s.as_str()).unwrap_or("");
            let reason = e
                .resource_status_reason()
                .map(|r| format!(" — {r}"))
                .unwrap_or_default();
            Event {
                id: e.event_id().unwrap_or_default().to_string(),
                line: format!(
                    "{when}  {status:<28} {} ({}){reason}",
                    e.logical_resource_id().unwrap_or(""),
                    e.resource_type().unwrap_or("")
                ),
            }
        })
        .collect())
}

/// Prints the last `n` events, oldest first.
pub async fn print_last_events(cloud: &Cloud, stack: &str, n: usize) -> anyhow::Result<()> {
    let mut last = events(cloud, stack, n).await?;
    last.reverse();
    for e in last {
        println!("{}", e.line);
    }
    Ok(())
}

/// Prints the stack's new events as they happen until it settles (events seen before the call,
/// from `since` — the stack id of an update, whose old events are not news — are skipped).
pub async fn follow(cloud: &Cloud, stack: &str, since: Option<&str>) -> anyhow::Result<Settled> {
    let mut seen: HashSet<String> = HashSet::new();
    if since.is_some() {
        for e in events(cloud, stack, 100).await? {
            seen.insert(e.id);
        }
    }
    loop {
        let mut fresh: Vec<Event> = events(cloud, stack, 100)
            .await?
            .into_iter()
            .filter(|e| !seen.contains(&e.id))
            .collect();
        fresh.reverse();
        for e in fresh {
            eprintln!("{}", e.line);
            seen.insert(e.id);
        }
        match describe(cloud, stack).await? {
            None => return Ok(Settled::Gone),
            Some(found) if is_settled(&found.status) => {
                return Ok(if is_success(&found.status) {
                    Settled::Done(found)
                } else {
                    Settled::Failed(match &found.reason {
                        Some(r) => format!("{} ({r})", found.status),
                        None => found.status.clone(),
                    })
                });
            }
            Some(_) => tokio::time::sleep(POLL).await,
        }
    }
}

/// What a change set is made of.
pub struct ChangeRequest<'a> {
    /// The stack.
    pub stack: &'a str,
    /// The template's body, or `None` with `template_url`.
    pub template_body: Option<&'a str>,
    /// The template's S3 URL (for bodies over 51 200 bytes).
    pub template_url: Option<String>,
    /// Parameters given (key, value); the stack's other parameters keep their previous values.
    pub parameters: Vec<(String, String)>,
    /// Whether the stack exists (an update) or not (a create).
    pub existing: Option<&'a Found>,
}

/// A computed change set: its id, and its changes for people (empty: nothing to change).
pub struct ChangeSet {
    /// Its id (ARN).
    pub id: String,
    /// One line per resource change.
    pub changes: Vec<String>,
}

/// Creates a change set and waits until it is computed. `Ok(None)`: it has no changes (and is
/// deleted again).
pub async fn change_set(
    cloud: &Cloud,
    req: &ChangeRequest<'_>,
) -> anyhow::Result<Option<ChangeSet>> {
    let name = format!("dynamo-lake-{}", chrono::Utc::now().format("%Y%m%d%H%M%S"));
    let given: HashSet<&str> = req.parameters.iter().map(|(k, _)| k.as_str()).collect();
    let mut parameters: Vec<Parameter> = req
        .parameters
        .iter()
        .map(|(k, v)| {
            Parameter::builder()
                .parameter_key(k)
                .parameter_value(v)
                .build()
        })
        .collect();
    if let Some(found) = req.existing {
        for key in &found.parameters {
            if !given.contains(key.as_str()) {
                parameters.push(
                    Parameter::builder()
                        .parameter_key(key)
                        .use_previous_value(true)
                        .build(),
                );
            }
        }
    }
    let kind = if req.existing.is_some() {
        ChangeSetType::Update
    } else {
        ChangeSetType::Create
    };
    let made = cloud
        .cfn
        .create_change_set()
        .stack_name(req.stack)
        .change_set_name(&name)
        .change_set_type(kind)
        .set_template_body(req.template_body.map(str::to_string))
        .set_template_url(req.template_url.clone())
        .set_parameters(Some(parameters))
        .capabilities(Capability::CapabilityIam)
        .send()
        .await
        .map_err(|e| {
            anyhow::anyhow!("create a change set for {}: {}", req.stack, sdk_message(&e))
        })?;
    let id = made.id().unwrap_or(&name).to_string();
    let started = std::time::Instant::now();
    loop {
        let out = cloud
            .cfn
            .describe_change_set()
            .change_set_name(&id)
            .stack_name(req.stack)
            .send()
            .await
            .map_err(|e| anyhow::anyhow!("change set {name}: {}", sdk_message(&e)))?;
        match out.status() {
            Some(ChangeSetStatus::CreateComplete) => {
                let changes = out
                    .changes()
                    .iter()
                    .filter_map(|c| c.resource_change())
                    .map(|r| {
                        let replace = match r.replacement().map(|x| x.as_str()) {
                            Some("True") => " (replaced)",
                            Some("Conditional") => " (may be replaced)",
                            _ => "",
                        };
                        format!(
                            "{:<8} {} ({}){replace}",
                            r.action().map(|a| a.as_str()).unwrap_or(""),
                            r.logical_resource_id().unwrap_or(""),
                            r.resource_type().unwrap_or("")
                        )
                    })
                    .collect();
                return Ok(Some(ChangeSet { id, changes }));
            }
            Some(ChangeSetStatus::Failed) => {
                let reason = out.status_reason().unwrap_or("no reason given").to_string();
                let _ = discard(cloud, req.stack, &id).await;
                if reason.contains("didn't contain changes") || reason.contains("No updates") {
                    return Ok(None);
                }
                anyhow::bail!("the change set for {} failed: {reason}", req.stack);
            }
            _ if started.elapsed() > CHANGE_SET_WAIT => {
                anyhow::bail!(
                    "the change set for {} was not ready after {} s",
                    req.stack,
                    CHANGE_SET_WAIT.as_secs()
                )
            }
            _ => tokio::time::sleep(Duration::from_secs(2)).await,
        }
    }
}

/// Deletes a change set that will not be executed.
pub async fn discard(cloud: &Cloud, stack: &str, id: &str) -> anyhow::Result<()> {
    cloud
        .cfn
        .delete_change_set()
        .change_set_name(id)
        .stack_name(stack)
        .send()
        .await
        .map_err(|e| anyhow::anyhow!("delete change set {id}: {}", sdk_message(&e)))?;
    Ok(())
}

/// Executes a computed change set.
pub async fn execute(cloud: &Cloud, stack: &str, id: &str) -> anyhow::Result<()> {
    cloud
        .cfn
        .execute_change_set()
        .change_set_name(id)
        .stack_name(stack)
        .send()
        .await
        .map_err(|e| anyhow::anyhow!("execute the change set of {stack}: {}", sdk_message(&e)))?;
    Ok(())
}

/// Starts deleting a stack.
pub async fn delete(cloud: &Cloud, stack: &str) -> anyhow::Result<()> {
    cloud
        .cfn
        .delete_stack()
        .stack_name(stack)
        .send()
        .await
        .map_err(|e| anyhow::anyhow!("delete stack {stack}: {}", sdk_message(&e)))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_are_read_as_cloudformation_means_them() {
        assert!(is_settled("CREATE_COMPLETE") && is_success("CREATE_COMPLETE"));
        assert!(is_settled("UPDATE_ROLLBACK_COMPLETE") && !is_success("UPDATE_ROLLBACK_COMPLETE"));
        assert!(is_settled("ROLLBACK_COMPLETE") && !is_success("ROLLBACK_COMPLETE"));
        assert!(!is_settled("UPDATE_COMPLETE_CLEANUP_IN_PROGRESS"));
        assert!(!is_settled("CREATE_IN_PROGRESS"));
    }
}
