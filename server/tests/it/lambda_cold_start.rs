//! Cold start of the report entry, measured (`./dev bench-lambda`, ignored by `cargo test`): the
//! binary (`DYNAMO_LAKE_SMOKE_BIN`, default the test build; `DYNAMO_LAKE_SMOKE_WRAPPER` such as
//! qemu) starts under the Runtime API stand-in, opens a 1 500-row lake and answers one direct
//! report invocation and one Function URL request for the stat cards. Prints the time from
//! process start to each answer, as median and slowest of ten cold starts.

use std::time::{Duration, Instant};

use test_support::RuntimeApi;

use crate::common;

#[test]
#[ignore = "a measurement: ./dev bench-lambda"]
fn lambda_cold_start_of_the_report_entry() {
    let (_, what) = common::function_command();
    let dir = tempfile::tempdir().expect("tempdir");
    let lake = dir.path().join("lake");
    server::demo::write_lake(&lake, common::items()).expect("lake written");
    let lake = lake.display().to_string();
    let mut first = Vec::new();
    let mut second = Vec::new();
    for _ in 0..10 {
        let (command, _) = common::function_command();
        let api = RuntimeApi::start(vec![
            include_str!("../fixtures/direct-invoke-all-records.json").to_string(),
            include_str!("../fixtures/function-url-get-stats.json").to_string(),
        ]);
        let started = Instant::now();
        let (answers, log) = std::thread::scope(|s| {
            let waiter = s.spawn(|| {
                let one = api.answers(1, Duration::from_secs(120));
                let t1 = started.elapsed();
                let two = api.answers(2, Duration::from_secs(120));
                (one.len(), t1, two.len(), started.elapsed())
            });
            let run = api.run(
                command,
                &[
                    ("_HANDLER", "report"),
                    ("AWS_LAMBDA_FUNCTION_NAME", "dynamo-lake-report"),
                    ("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "1024"),
                    ("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST"),
                    ("AWS_REGION", "us-east-1"),
                    ("DYNAMO_LAKE_LAKE", &lake),
                    ("DYNAMO_LAKE_AUTH", "none"),
                ],
                2,
                Duration::from_secs(120),
            );
            let (n1, t1, n2, t2) = waiter.join().expect("waiter");
            assert!(n1 >= 1 && n2 >= 2, "answers {:?}\n{}", run.0, run.1);
            first.push(t1);
            second.push(t2);
            run
        });
        assert!(
            answers.iter().all(|a| a.kind == "response"),
            "{answers:?}\n{log}"
        );
    }
    first.sort();
    second.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "cold start of {what}: first answer (init + a direct report) median {:.0} ms, slowest {:.0} ms; second answer (a Function URL /api/stats) median {:.0} ms, slowest {:.0} ms",
        ms(first[first.len() / 2]),
        ms(first[first.len() - 1]),
        ms(second[second.len() / 2]),
        ms(second[second.len() - 1]),
    );
}
