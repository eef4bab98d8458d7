//! `deploy | delete | status | outputs | template`: the stack from this machine (see
//! [`crate::deploy`]).

use std::collections::BTreeMap;
use std::io::BufRead;
use std::path::PathBuf;

use clap::Args;

use crate::deploy::stack::{self, ChangeRequest, Settled};
use crate::deploy::{Cloud, MAX_TEMPLATE_BODY, TEMPLATE, buckets, staging};

/// Which stack, where.
#[derive(Debug, Clone, Args)]
pub struct StackArgs {
    /// The stack's name.
    #[arg(long)]
    pub stack: String,
    /// The AWS region (default: AWS_REGION or the profile's).
    #[arg(long, env = "AWS_REGION")]
    pub region: Option<String>,
}

/// `deploy`.
#[derive(Debug, Clone, Args)]
pub struct DeployArgs {
    /// The stack.
    #[command(flatten)]
    pub target: StackArgs,
    /// A template parameter, KEY=VALUE (repeatable; wins over --params).
    #[arg(long = "param", value_name = "KEY=VALUE")]
    pub params: Vec<String>,
    /// Parameters from a JSON file: {"Key": "value", …} or CloudFormation's
    /// [{"ParameterKey": …, "ParameterValue": …}, …].
    #[arg(long = "params", value_name = "FILE")]
    pub params_file: Option<PathBuf>,
    /// The Lambda zip (`./dev lambda` builds it).
    #[arg(
        long,
        value_name = "ZIP",
        default_value = "target/lambda/dynamo-lake/bootstrap.zip"
    )]
    pub code: PathBuf,
    /// The stack holding the bucket code and large templates are uploaded to (made if missing).
    #[arg(long, default_value = staging::STAGING_STACK)]
    pub staging_stack: String,
    /// Show the change set and discard it; change nothing.
    #[arg(long)]
    pub dry_run: bool,
}

/// `delete`.
#[derive(Debug, Clone, Args)]
pub struct DeleteArgs {
    /// The stack.
    #[command(flatten)]
    pub target: StackArgs,
    /// Also empty and delete the data bucket (the lake): asks for the stack's name to be typed.
    #[arg(long)]
    pub purge_data: bool,
    /// With --purge-data: do not ask.
    #[arg(long)]
    pub yes: bool,
}

/// `status` and `outputs`.
#[derive(Debug, Clone, Args)]
pub struct ShowArgs {
    /// The stack.
    #[command(flatten)]
    pub target: StackArgs,
    /// JSON for scripts.
    #[arg(long)]
    pub json: bool,
}

/// `template`: prints the embedded CloudFormation template.
pub fn template() -> anyhow::Result<()> {
    print!("{TEMPLATE}");
    Ok(())
}

/// Reads the parameters: the file first, then each `--param`.
fn parameters(args: &DeployArgs) -> anyhow::Result<BTreeMap<String, String>> {
    let mut out = BTreeMap::new();
    if let Some(path) = &args.params_file {
        let text = std::fs::read_to_string(path)
            .map_err(|e| anyhow::anyhow!("--params {}: {e}", path.display()))?;
        out.extend(
            parse_params_file(&text)
                .map_err(|e| anyhow::anyhow!("--params {}: {e}", path.display()))?,
        );
    }
    for p in &args.params {
        let (k, v) = p
            .split_once('=')
            .ok_or_else(|| anyhow::anyhow!("--param {p:?}: expected KEY=VALUE"))?;
        out.insert(k.trim().to_string(), v.to_string());
    }
    let known = template_parameters();
    if let Some(key) = out.keys().find(|k| !known.contains(&k.as_str())) {
        anyhow::bail!(
            "{key:?} is not a parameter of the template; it takes: {}",
            known.join(", ")
        );
    }
    Ok(out)
}

/// `{"K": "V"}` or `[{"ParameterKey": "K", "ParameterValue": "V"}]`.
fn parse_params_file(text: &str) -> anyhow::Result<Vec<(String, String)>> {
    let value: serde_json::Value = serde_json::from_str(text)?;
    let text_of = |v: &serde_json::Value| match v {
        serde_json::Value::String(s) => Some(s.clone()),
        serde_json::Value::Number(n) => Some(n.to_string()),
        serde_json::Value::Bool(b) => Some(b.to_string()),
        _ => None,
    };
    match value {
        serde_json::Value::Object(map) => map
            .into_iter()
            .map(|(k, v)| {
                let v = text_of(&v).ok_or_else(|| {
                    anyhow::anyhow!("{k}: a value must be a string, number or boolean")
                })?;
                Ok((k, v))
            })
            .collect(),
        serde_json::Value::Array(list) => list
            .iter()
            .map(|p| {
                let k = p["ParameterKey"]
                    .as_str()
                    .ok_or_else(|| anyhow::anyhow!("an entry has no ParameterKey"))?;
                let v = text_of(&p["ParameterValue"])
                    .ok_or_else(|| anyhow::anyhow!("{k}: no ParameterValue"))?;
                Ok((k.to_string(), v))
            })
            .collect(),
        _ => anyhow::bail!("expected a JSON object or a list of ParameterKey/ParameterValue"),
    }
}

/// The parameter names the template declares (its `Parameters:` section's keys).
fn template_parameters() -> Vec<&'static str> {
    let mut names = Vec::new();
    let mut inside = false;
    for line in TEMPLATE.lines() {
        if !line.starts_with(' ') && !line.is_empty() && !line.starts_with('#') {
            inside = line.trim_end() == "Parameters:";
            continue;
        }
        if inside
            && let Some(name) = line.strip_prefix("  ").and_then(|l| l.strip_suffix(':'))
            && !name.starts_with(' ')
            && !name.starts_with('#')
        {
            names.push(name);
        }
    }
    names
}

/// `deploy`: uploads the code and (when large) the template, makes a change set, shows it, and
/// executes it while printing the stack's events; then the outputs.
pub async fn deploy(args: DeployArgs) -> anyhow::Result<()> {
    let mut params = parameters(&args)?;
    let name = &args.target.stack;
    let cloud = Cloud::connect(args.target.region.as_deref()).await?;
    if params.get("DashboardAuth").map(|s| s.to_ascii_uppercase()) == Some("NONE".into()) {
        eprintln!(
            "WARNING: DashboardAuth=NONE makes the dashboard and its API public: anyone with the URL reads the data"
        );
    }
    let code = std::fs::read(&args.code).map_err(|e| {
        anyhow::anyhow!(
            "--code {}: {e} (build the zip with ./dev lambda)",
            args.code.display()
        )
    })?;
    let bucket = staging::bucket(&cloud, &args.staging_stack).await?;
    let code_key = staging::key_of("code", &code, "zip");
    let size = code.len();
    if staging::upload(&cloud, &bucket, &code_key, code).await? {
        eprintln!("uploaded the code ({size} bytes) to s3://{bucket}/{code_key}");
    }
    params.insert("CodeBucket".into(), bucket.clone());
    params.insert("CodeKey".into(), code_key);
    let template_url = if TEMPLATE.len() > MAX_TEMPLATE_BODY {
        let key = staging::key_of("templates", TEMPLATE.as_bytes(), "yaml");
        staging::upload(&cloud, &bucket, &key, TEMPLATE.as_bytes().to_vec()).await?;
        Some(cloud.object_url(&bucket, &key))
    } else {
        None
    };
    let existing = stack::describe(&cloud, name)
        .await?
        .filter(|f| f.status != "REVIEW_IN_PROGRESS");
    if let Some(f) = &existing
        && !stack::is_settled(&f.status)
    {
        anyhow::bail!("stack {name} is {}: wait until it settles", f.status);
    }
    if existing
        .as_ref()
        .is_some_and(|f| f.status == "ROLLBACK_COMPLETE")
    {
        anyhow::bail!(
            "stack {name} is ROLLBACK_COMPLETE (its first create failed) and cannot be updated: `dynamo-lake delete --stack {name}`, then deploy again"
        );
    }
    let request = ChangeRequest {
        stack: name,
        template_body: template_url.is_none().then_some(TEMPLATE),
        template_url,
        parameters: params.into_iter().collect(),
        existing: existing.as_ref(),
    };
    let Some(set) = stack::change_set(&cloud, &request).await? else {
        println!("stack {name}: no changes");
        return print_outputs(&cloud, name, false).await;
    };
    println!("change set for {name} ({} changes):", set.changes.len());
    for c in &set.changes {
        println!("  {c}");
    }
    if args.dry_run {
        stack::discard(&cloud, name, &set.id).await?;
        if existing.is_none() {
            // The change set made an empty stack in REVIEW_IN_PROGRESS: leave nothing behind.
            stack::delete(&cloud, name).await?;
        }
        println!("dry run: nothing was changed");
        return Ok(());
    }
    let since = existing.as_ref().map(|f| f.id.clone());
    stack::execute(&cloud, name, &set.id).await?;
    match stack::follow(&cloud, name, since.as_deref()).await? {
        Settled::Done(found) => {
            println!("stack {name}: {}", found.status);
            print_outputs(&cloud, name, false).await
        }
        Settled::Failed(status) => anyhow::bail!(
            "stack {name} ended {status}; `dynamo-lake status --stack {name}` shows its last events"
        ),
        Settled::Gone => anyhow::bail!("stack {name} was deleted while it was being deployed"),
    }
}

/// `outputs`.
pub async fn outputs(args: ShowArgs) -> anyhow::Result<()> {
    let cloud = Cloud::connect(args.target.region.as_deref()).await?;
    print_outputs(&cloud, &args.target.stack, args.json).await
}

async fn print_outputs(cloud: &Cloud, name: &str, json: bool) -> anyhow::Result<()> {
    let found = stack::describe(cloud, name)
        .await?
        .ok_or_else(|| anyhow::anyhow!("there is no stack {name}"))?;
    if json {
        let map: serde_json::Map<String, serde_json::Value> = found
            .outputs
            .into_iter()
            .map(|(k, v)| (k, v.into()))
            .collect();
        println!("{}", serde_json::to_string_pretty(&map)?);
    } else {
        for (k, v) in found.outputs {
            println!("{k} = {v}");
        }
    }
    Ok(())
}

/// `status`: the stack's state and its last events.
pub async fn status(args: ShowArgs) -> anyhow::Result<()> {
    let cloud = Cloud::connect(args.target.region.as_deref()).await?;
    let name = &args.target.stack;
    let found = stack::describe(&cloud, name)
        .await?
        .ok_or_else(|| anyhow::anyhow!("there is no stack {name}"))?;
    if args.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&serde_json::json!({
                "stack": name,
                "id": found.id,
                "status": found.status,
                "reason": found.reason,
            }))?
        );
        return Ok(());
    }
    println!(
        "stack {name}: {}{}",
        found.status,
        found.reason.map(|r| format!(" — {r}")).unwrap_or_default()
    );
    stack::print_last_events(&cloud, name, 10).await
}

/// `delete`: empties the results bucket (and, asked, the data bucket), deletes the stack while
/// printing its events.
pub async fn delete(args: DeleteArgs) -> anyhow::Result<()> {
    let name = &args.target.stack;
    let cloud = Cloud::connect(args.target.region.as_deref()).await?;
    let found = stack::describe(&cloud, name)
        .await?
        .ok_or_else(|| anyhow::anyhow!("there is no stack {name}"))?;
    // The buckets by their logical ids (what the template names them), not by outputs.
    let data = stack::physical_id(&cloud, name, "DataBucket").await?;
    let results = stack::physical_id(&cloud, name, "ResultsBucket").await?;
    if args.purge_data && !args.yes {
        eprint!(
            "--purge-data deletes the lake in s3://{} for good. Type the stack's name to go on: ",
            data.as_deref().unwrap_or("?")
        );
        let mut typed = String::new();
        std::io::stdin().lock().read_line(&mut typed)?;
        if typed.trim() != name {
            anyhow::bail!("the typed name does not match {name:?}: nothing was deleted");
        }
    }
    if let Some(results) = results {
        let n = buckets::empty(&cloud, &results).await?;
        eprintln!("emptied the results bucket {results} ({n} object versions)");
    }
    stack::delete(&cloud, name).await?;
    match stack::follow(&cloud, name, Some(&found.id)).await? {
        Settled::Gone => {}
        Settled::Done(f) => anyhow::bail!("stack {name} is {} after the delete", f.status),
        Settled::Failed(s) => anyhow::bail!("deleting stack {name} ended {s}"),
    }
    println!("stack {name} deleted");
    match (data, args.purge_data) {
        (Some(bucket), true) => {
            let n = buckets::empty(&cloud, &bucket).await?;
            buckets::delete(&cloud, &bucket).await?;
            println!("data bucket {bucket} emptied ({n} object versions) and deleted");
        }
        (Some(bucket), false) => {
            println!("the data bucket {bucket} (the lake) is kept; `--purge-data` deletes it")
        }
        (None, _) => {}
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_templates_parameters_are_read_from_it() {
        let names = template_parameters();
        for n in [
            "DynamoTableName",
            "DashboardAuth",
            "CodeBucket",
            "CodeKey",
            "S3BucketName",
        ] {
            assert!(names.contains(&n), "{n} in {names:?}");
        }
        assert!(!names.contains(&"Resources"));
    }

    #[test]
    fn params_files_take_both_shapes() {
        let a = parse_params_file(r#"{"GsiName": "g", "LookbackHours": 24, "CreateTable": true}"#)
            .expect("object");
        assert!(a.contains(&("LookbackHours".into(), "24".into())));
        let b = parse_params_file(r#"[{"ParameterKey": "GsiName", "ParameterValue": "g"}]"#)
            .expect("list");
        assert_eq!(b, vec![("GsiName".to_string(), "g".to_string())]);
        assert!(parse_params_file("[1]").is_err());
        assert!(parse_params_file(r#"{"GsiName": ["x"]}"#).is_err());
    }
}
