//! The deploy lifecycle against moto's CloudFormation, S3 and Lambda, the real binary with the SDK's
//! standard `AWS_ENDPOINT_URL`: deploy (staging stack, code under its content hash, change set,
//! execute), update with new code, status, outputs, delete (results bucket emptied, the lake
//! kept; --purge-data refused without the typed name). moto ignores `AWS::Lambda::Url`, Athena,
//! alarms, bucket policies and role policies, evaluates no conditions in change sets, returns no
//! outputs for a stack made by a change set and computes no change lists for updates: those parts
//! are checked by cfn-lint and checkov (`./dev check-template`) and not here.

use std::io::Write;
use std::process::{Command, Output, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_dynamo-lake");

fn run(moto: &str, args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(BIN)
        .args(args)
        .env_clear()
        .envs([
            ("AWS_ENDPOINT_URL", moto),
            ("AWS_REGION", "us-east-1"),
            ("AWS_ACCESS_KEY_ID", lake::aws::LOCAL_KEY),
            ("AWS_SECRET_ACCESS_KEY", lake::aws::LOCAL_KEY),
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("runs");
    let _ = child
        .stdin
        .take()
        .expect("stdin")
        .write_all(stdin.as_bytes());
    child.wait_with_output().expect("output")
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

#[test]
fn deploy_update_status_outputs_and_delete_against_moto() {
    let moto = crate::stand_in::moto();
    let work = tempfile::tempdir().expect("tempdir");
    let (zip1, zip2) = (work.path().join("one.zip"), work.path().join("two.zip"));
    std::fs::write(&zip1, b"PK\x03\x04 first build").expect("zip");
    std::fs::write(&zip2, b"PK\x03\x04 second build").expect("zip");
    let params = [
        "--param",
        "DynamoTableName=contacts",
        "--param",
        "GsiName=RecordType-InitiationTimestamp-index",
        "--param",
        "GsiPartitionKeyAttribute=RecordType",
        "--param",
        "GsiPartitionKeyValue=CTR",
        "--param",
        "GsiSortKeyAttribute=InitiationTimestamp",
        "--param",
        "S3BucketName=acme-contacts-lake",
    ];

    // An unknown parameter is refused before anything is made.
    let bad = run(
        &moto.endpoint,
        &[
            "deploy",
            "--stack",
            "lake",
            "--code",
            zip1.to_str().expect("path"),
            "--param",
            "Nope=1",
        ],
        "",
    );
    assert!(!bad.status.success());
    assert!(
        text(&bad).contains("\"Nope\" is not a parameter") && text(&bad).contains("DashboardAuth"),
        "{}",
        text(&bad)
    );

    let mut args = vec![
        "deploy",
        "--stack",
        "lake",
        "--code",
        zip1.to_str().expect("path"),
    ];
    args.extend(params);
    let first = run(&moto.endpoint, &args, "");
    let out = text(&first);
    assert!(first.status.success(), "{out}");
    assert!(
        out.contains("creating the staging stack dynamo-lake-staging"),
        "{out}"
    );
    for resource in [
        "ExportFunction (AWS::Lambda::Function)",
        "ReportFunctionUrl (AWS::Lambda::Url)",
        "DataBucket (AWS::S3::Bucket)",
        "AthenaSetup (Custom::AthenaSetup)",
    ] {
        assert!(
            out.contains(resource),
            "the change set lists {resource}: {out}"
        );
    }
    assert!(out.contains("stack lake: CREATE_COMPLETE"), "{out}");

    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let sdk = rt.block_on(crate::common::stand_in_sdk(&moto.endpoint));
    let cfn = aws_sdk_cloudformation::Client::new(&sdk);
    let s3 = aws_sdk_s3::Client::from_conf(
        aws_sdk_s3::config::Builder::from(&sdk)
            .force_path_style(true)
            .build(),
    );
    let code_key = |stack: &str| {
        rt.block_on(async {
            let d = cfn
                .describe_stacks()
                .stack_name(stack)
                .send()
                .await
                .expect("stack");
            let s = d.stacks().first().expect("one stack").clone();
            s.parameters()
                .iter()
                .find(|p| p.parameter_key() == Some("CodeKey"))
                .and_then(|p| p.parameter_value())
                .expect("CodeKey")
                .to_string()
        })
    };
    let resources = || {
        rt.block_on(async {
            let r = cfn
                .list_stack_resources()
                .stack_name("lake")
                .send()
                .await
                .expect("resources");
            r.stack_resource_summaries()
                .iter()
                .map(|r| {
                    (
                        r.logical_resource_id().unwrap_or("").to_string(),
                        r.physical_resource_id().unwrap_or("").to_string(),
                    )
                })
                .collect::<Vec<_>>()
        })
    };
    let staging = rt.block_on(async {
        let d = cfn
            .describe_stacks()
            .stack_name("dynamo-lake-staging")
            .send()
            .await
            .expect("staging");
        d.stacks()[0].outputs()[0]
            .output_value()
            .expect("bucket")
            .to_string()
    });
    let first_key = code_key("lake");
    assert!(
        first_key.starts_with("code/") && first_key.ends_with(".zip"),
        "{first_key}"
    );
    let stored = rt.block_on(async {
        let got = s3
            .get_object()
            .bucket(&staging)
            .key(&first_key)
            .send()
            .await
            .expect("the zip is staged");
        got.body
            .collect()
            .await
            .expect("body")
            .into_bytes()
            .to_vec()
    });
    assert_eq!(stored, std::fs::read(&zip1).expect("zip"));
    let made = resources();
    for logical in [
        "ExportFunction",
        "ReportFunction",
        "AthenaSetupFunction",
        "ExportScheduleRule",
        "ResultsBucket",
    ] {
        assert!(
            made.iter().any(|(l, _)| l == logical),
            "{logical} in {made:?}"
        );
    }
    assert!(
        made.contains(&("DataBucket".to_string(), "acme-contacts-lake".to_string())),
        "{made:?}"
    );

    // An update with new code: a new content-hash key, the other parameters kept.
    let second = run(
        &moto.endpoint,
        &[
            "deploy",
            "--stack",
            "lake",
            "--code",
            zip2.to_str().expect("path"),
        ],
        "",
    );
    assert!(second.status.success(), "{}", text(&second));
    assert!(
        text(&second).contains("stack lake: UPDATE_COMPLETE"),
        "{}",
        text(&second)
    );
    let second_key = code_key("lake");
    assert_ne!(second_key, first_key, "new code, new key");
    let kept = rt.block_on(async {
        let d = cfn
            .describe_stacks()
            .stack_name("lake")
            .send()
            .await
            .expect("stack");
        d.stacks()[0]
            .parameters()
            .iter()
            .find(|p| p.parameter_key() == Some("S3BucketName"))
            .and_then(|p| p.parameter_value())
            .map(str::to_string)
    });
    assert_eq!(kept.as_deref(), Some("acme-contacts-lake"));

    let status = run(&moto.endpoint, &["status", "--stack", "lake", "--json"], "");
    let status: serde_json::Value = serde_json::from_slice(&status.stdout).expect("status json");
    assert_eq!(status["status"], "UPDATE_COMPLETE", "{status}");
    let outputs = run(
        &moto.endpoint,
        &["outputs", "--stack", "lake", "--json"],
        "",
    );
    assert!(outputs.status.success(), "{}", text(&outputs));
    let _: serde_json::Map<String, serde_json::Value> =
        serde_json::from_slice(&outputs.stdout).expect("outputs json");

    // Something in both buckets, as after a few days of use.
    let results = made
        .iter()
        .find(|(l, _)| l == "ResultsBucket")
        .map(|(_, p)| p.clone())
        .expect("results bucket");
    rt.block_on(async {
        for (bucket, key) in [
            (&results, "results/0f8fad5b-d9cb-469f-a165-70867728950e.csv"),
            (
                &"acme-contacts-lake".to_string(),
                "year=2026/month=01/day=31/part-0.parquet",
            ),
        ] {
            s3.put_object()
                .bucket(bucket)
                .key(key)
                .body(b"x".to_vec().into())
                .send()
                .await
                .expect("put");
        }
    });

    let refused = run(
        &moto.endpoint,
        &["delete", "--stack", "lake", "--purge-data"],
        "not-the-name\n",
    );
    assert!(!refused.status.success());
    assert!(
        text(&refused).contains("nothing was deleted"),
        "{}",
        text(&refused)
    );
    assert!(!resources().is_empty(), "the stack is still there");

    let deleted = run(&moto.endpoint, &["delete", "--stack", "lake"], "");
    let out = text(&deleted);
    assert!(deleted.status.success(), "{out}");
    assert!(
        out.contains("stack lake deleted") && out.contains("acme-contacts-lake (the lake) is kept"),
        "{out}"
    );
    let gone = run(&moto.endpoint, &["status", "--stack", "lake"], "");
    assert!(
        !gone.status.success() && text(&gone).contains("there is no stack lake"),
        "{}",
        text(&gone)
    );
    rt.block_on(async {
        let lake = s3
            .list_objects_v2()
            .bucket("acme-contacts-lake")
            .send()
            .await
            .expect("the lake is kept");
        assert_eq!(lake.key_count(), Some(1));
        let left = s3.list_object_versions().bucket(&results).send().await;
        if let Ok(left) = left {
            assert!(
                left.versions().is_empty() && left.delete_markers().is_empty(),
                "the results bucket was emptied"
            );
        }
    });
}
