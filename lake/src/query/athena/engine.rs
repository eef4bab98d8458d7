//! The Athena engine: starts queries in a workgroup (user values bound as `ExecutionParameters`,
//! never spliced into the SQL), polls their state, reads their results in typed pages, hands out
//! presigned URLs of their result CSVs, runs the lake's DDL and keeps its named queries.
//!
//! Everything it returns has the shapes of [`crate::query`], the same as the embedded engine's.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use aws_sdk_athena::Client;
use aws_sdk_athena::types::{QueryExecution, QueryExecutionContext, ResultConfiguration};
use object_store::aws::AmazonS3;
use object_store::path::Path as ObjectPath;
use object_store::signer::Signer;

use super::execution::{
    athena_error, bytes_scanned, check_id, creates_database, failure_of, max_results, next_poll,
    returns_header, snippet, split_s3_url, state_name, state_of,
};
use super::values::{execution_parameter, typed_rows};
use crate::aws::backoff::jittered;
use crate::aws::{Retries, is_loopback_url, sdk_config};
use crate::error::{AwsErrorKind, FailureCause};
use crate::query::{QueryState, ResultPage, SqlParam};
use crate::storage::{S3Config, s3_client, s3_error};
use crate::{LakeError, Result};

/// Athena's cap on the query text, in bytes.
const MAX_QUERY_BYTES: usize = 262_144;
/// The first wait between two state polls (cached results come back fast).
const FIRST_POLL: Duration = Duration::from_millis(150);
/// The longest a presigned URL can live (SigV4's limit).
const MAX_URL_LIFETIME: Duration = Duration::from_secs(7 * 24 * 3600);

/// Where Athena is and how queries run there.
#[derive(Debug, Clone)]
pub struct AthenaConfig {
    /// A local or custom endpoint (`http://127.0.0.1:5000`); `None` for AWS.
    pub endpoint_url: Option<String>,
    /// The region; `None` takes it from the environment or profile.
    pub region: Option<String>,
    /// The workgroup queries run in.
    pub workgroup: String,
    /// The Glue database unqualified table names refer to.
    pub database: String,
    /// Where results go (`s3://bucket/prefix/`); `None` uses the workgroup's location.
    pub output_location: Option<String>,
    /// How long [`AthenaEngine::wait`] waits for a query.
    pub timeout: Duration,
    /// How to reach S3, for presigning result objects.
    pub s3: S3Config,
}

impl AthenaConfig {
    /// Whether the endpoint is on this machine (an emulator).
    pub fn is_local(&self) -> bool {
        self.endpoint_url.as_deref().is_some_and(is_loopback_url)
    }

    /// A short description for messages.
    pub(crate) fn describe(&self) -> String {
        match &self.endpoint_url {
            Some(url) => format!("Athena at {url}"),
            None => format!(
                "Athena in {}",
                self.region.as_deref().unwrap_or("the configured region")
            ),
        }
    }
}

/// Runs SQL on Athena and reads its results.
#[derive(Debug)]
pub struct AthenaEngine {
    client: Client,
    cfg: AthenaConfig,
    /// S3 clients for presigning, one per result bucket.
    stores: Mutex<HashMap<String, Arc<AmazonS3>>>,
}

impl AthenaEngine {
    /// Builds the client: retries with backoff, fixed fake credentials for local endpoints (a
    /// developer's real ones never reach an emulator), the normal credential chain for AWS.
    pub async fn connect(cfg: AthenaConfig) -> Result<Self> {
        let retries = Retries {
            attempts: 5,
            initial_backoff: Duration::from_millis(100),
        };
        let sdk = sdk_config(cfg.endpoint_url.as_deref(), cfg.region.as_deref(), retries).await;
        let client = Client::new(&sdk);
        Ok(AthenaEngine {
            client,
            cfg,
            stores: Mutex::new(HashMap::new()),
        })
    }

    /// Starts `sql` with `?` placeholders bound from `params` as ExecutionParameters; returns the
    /// QueryExecutionId.
    pub async fn start(&self, sql: &str, params: &[SqlParam]) -> Result<String> {
        self.start_in(sql, params, Some(&self.cfg.database)).await
    }

    /// Starts `sql` with `database` (if any) as the context of unqualified names.
    async fn start_in(
        &self,
        sql: &str,
        params: &[SqlParam],
        database: Option<&str>,
    ) -> Result<String> {
        if sql.len() > MAX_QUERY_BYTES {
            return Err(LakeError::InvalidInput(format!(
                "the query is {} bytes long; Athena takes at most {MAX_QUERY_BYTES}",
                sql.len()
            )));
        }
        let mut req = self
            .client
            .start_query_execution()
            .query_string(sql)
            .work_group(&self.cfg.workgroup);
        if let Some(database) = database {
            req = req.query_execution_context(
                QueryExecutionContext::builder().database(database).build(),
            );
        }
        if let Some(location) = &self.cfg.output_location {
            req = req.result_configuration(
                ResultConfiguration::builder()
                    .output_location(location)
                    .build(),
            );
        }
        if !params.is_empty() {
            req = req
                .set_execution_parameters(Some(params.iter().map(execution_parameter).collect()));
        }
        let what = format!("start a query in workgroup {:?}", self.cfg.workgroup);
        let out = req
            .send()
            .await
            .map_err(|e| athena_error(&self.cfg.describe(), &what, e, false))?;
        out.query_execution_id.ok_or_else(|| {
            LakeError::aws(
                &what,
                AwsErrorKind::Other,
                format!("{what}: Athena returned no query id"),
            )
        })
    }

    /// Current state and bytes scanned.
    pub async fn state(&self, id: &str) -> Result<(QueryState, Option<u64>)> {
        let exec = self.execution(id).await?;
        Ok((state_of(&exec, id), bytes_scanned(&exec)))
    }

    /// Polls from ~150 ms with exponential backoff (×1.5, capped at ~2 s, small jitter) until
    /// done or the configured timeout; the timeout is [`LakeError::StillRunning`] with the id.
    pub async fn wait(&self, id: &str) -> Result<QueryState> {
        let exec = self.wait_execution(id).await?;
        Ok(state_of(&exec, id))
    }

    /// Waits like [`AthenaEngine::wait`] and succeeds only when the query did; a failure is
    /// [`LakeError::QueryFailed`] with Athena's reason and whose fault it was.
    pub async fn wait_succeeded(&self, id: &str) -> Result<()> {
        let exec = self.wait_execution(id).await?;
        if let Some((reason, cause)) = failure_of(&exec) {
            return Err(LakeError::QueryFailed {
                engine: "athena",
                reason,
                cause,
            });
        }
        match state_of(&exec, id) {
            QueryState::Succeeded => Ok(()),
            other => Err(LakeError::QueryFailed {
                engine: "athena",
                reason: format!("query {id} ended {}", state_name(&other)),
                cause: FailureCause::Service,
            }),
        }
    }

    /// Polls the execution until it is done (see [`AthenaEngine::wait`]).
    async fn wait_execution(&self, id: &str) -> Result<QueryExecution> {
        let started = Instant::now();
        let deadline = started + self.cfg.timeout;
        let mut delay = FIRST_POLL;
        loop {
            let exec = self.execution(id).await?;
            if state_of(&exec, id).is_done() {
                return Ok(exec);
            }
            let now = Instant::now();
            if now >= deadline {
                return Err(LakeError::StillRunning {
                    id: id.to_string(),
                    waited: now - started,
                });
            }
            tokio::time::sleep(jittered(delay).min(deadline - now)).await;
            delay = next_poll(delay);
        }
    }

    /// One page of results (at most `max_rows`, itself capped at [`MAX_PAGE_ROWS`]): column names
    /// and types from the result metadata, the header row dropped where present, values converted
    /// by column type. A query that has not succeeded gives its state and no rows.
    ///
    /// The first page of a SELECT asks Athena for `max_rows + 1` rows (at most 1,000), because
    /// its first row is the header; the next token then continues exactly after the last row
    /// returned. (moto ignores `MaxResults` and returns every seeded row at once.)
    pub async fn page(
        &self,
        id: &str,
        next_token: Option<&str>,
        max_rows: usize,
    ) -> Result<ResultPage> {
        let exec = self.execution(id).await?;
        let state = state_of(&exec, id);
        let bytes = bytes_scanned(&exec);
        if state != QueryState::Succeeded {
            return Ok(ResultPage {
                state,
                columns: Vec::new(),
                rows: Vec::new(),
                next_token: None,
                bytes_scanned: bytes,
            });
        }
        let may_have_header = next_token.is_none() && returns_header(&exec);
        let out = self
            .client
            .get_query_results()
            .query_execution_id(id)
            .set_next_token(next_token.map(str::to_string))
            .max_results(max_results(max_rows, may_have_header))
            .send()
            .await
            .map_err(|e| {
                athena_error(
                    &self.cfg.describe(),
                    &format!("results of query {id}"),
                    e,
                    true,
                )
            })?;
        let (columns, rows) = typed_rows(out.result_set(), may_have_header);
        Ok(ResultPage {
            state,
            columns,
            rows,
            next_token: out.next_token,
            bytes_scanned: bytes,
        })
    }

    /// A presigned GET URL, valid for `expires_in`, of the query's result CSV (its
    /// `ResultConfiguration.OutputLocation`). With temporary credentials (a Lambda role) the URL
    /// stops working when they expire, whatever `expires_in` says.
    pub async fn download_url(&self, id: &str, expires_in: Duration) -> Result<String> {
        if expires_in.is_zero() || expires_in > MAX_URL_LIFETIME {
            return Err(LakeError::InvalidInput(format!(
                "a download link can live from 1 s to 7 days, not {} s",
                expires_in.as_secs()
            )));
        }
        let exec = self.execution(id).await?;
        match state_of(&exec, id) {
            QueryState::Succeeded => {}
            QueryState::Failed(reason) => {
                return Err(LakeError::InvalidInput(format!(
                    "query {id} failed ({reason}): it has no result file"
                )));
            }
            other => {
                return Err(LakeError::InvalidInput(format!(
                    "query {id} is {}: its result file is not ready",
                    state_name(&other)
                )));
            }
        }
        let location = exec
            .result_configuration()
            .and_then(|r| r.output_location())
            .ok_or_else(|| {
                LakeError::InvalidInput(format!(
                    "query {id} has no result location (give an output location or use a workgroup that has one)"
                ))
            })?;
        let (bucket, key) = split_s3_url(location)?;
        let store = self.result_store(&bucket).await?;
        // object_store takes an `http::Method` without re-exporting it; its default is GET.
        let url = store
            .signed_url(Default::default(), &ObjectPath::from(key), expires_in)
            .await
            .map_err(|e| s3_error(location, "presign", e))?;
        Ok(url.to_string())
    }

    /// Runs DDL (CREATE DATABASE, CREATE EXTERNAL TABLE, …): starts it, waits, and fails unless
    /// it succeeded. CREATE DATABASE runs without a database context (it may not exist yet).
    pub async fn run_statement(&self, sql: &str) -> Result<()> {
        let database = (!creates_database(sql)).then_some(self.cfg.database.as_str());
        let id = self.start_in(sql, &[], database).await?;
        self.wait_succeeded(&id).await.map_err(|e| match e {
            LakeError::QueryFailed {
                engine,
                reason,
                cause,
            } => LakeError::QueryFailed {
                engine,
                reason: format!("statement {:?} (query {id}): {reason}", snippet(sql)),
                cause,
            },
            other => other,
        })
    }

    /// Creates the named query `name` in the workgroup, or updates the one of that name; returns
    /// its id.
    pub async fn create_named_query(
        &self,
        name: &str,
        description: &str,
        sql: &str,
    ) -> Result<String> {
        let what = format!("named query {name:?}");
        let description = (!description.is_empty()).then(|| description.to_string());
        if let Some(id) = self.find_named_query(name).await? {
            self.client
                .update_named_query()
                .named_query_id(&id)
                .name(name)
                .set_description(description)
                .query_string(sql)
                .send()
                .await
                .map_err(|e| athena_error(&self.cfg.describe(), &what, e, false))?;
            return Ok(id);
        }
        let out = self
            .client
            .create_named_query()
            .name(name)
            .set_description(description)
            .database(&self.cfg.database)
            .query_string(sql)
            .work_group(&self.cfg.workgroup)
            .send()
            .await
            .map_err(|e| athena_error(&self.cfg.describe(), &what, e, false))?;
        out.named_query_id.ok_or_else(|| {
            LakeError::aws(
                &what,
                AwsErrorKind::Other,
                format!("{what}: Athena returned no id"),
            )
        })
    }

    /// The id of the workgroup's named query called `name`, if there is one. (GetNamedQuery one id
    /// at a time: moto has no BatchGetNamedQuery, and a workgroup holds few named queries.)
    async fn find_named_query(&self, name: &str) -> Result<Option<String>> {
        let what = format!("named queries of workgroup {:?}", self.cfg.workgroup);
        let mut token: Option<String> = None;
        loop {
            let out = self
                .client
                .list_named_queries()
                .work_group(&self.cfg.workgroup)
                .set_next_token(token.take())
                .send()
                .await
                .map_err(|e| athena_error(&self.cfg.describe(), &what, e, false))?;
            for id in out.named_query_ids() {
                let got = self
                    .client
                    .get_named_query()
                    .named_query_id(id)
                    .send()
                    .await
                    .map_err(|e| athena_error(&self.cfg.describe(), &what, e, false))?;
                if got.named_query().is_some_and(|q| q.name() == name) {
                    return Ok(Some(id.clone()));
                }
            }
            match out.next_token {
                Some(next) => token = Some(next),
                None => return Ok(None),
            }
        }
    }

    /// GetQueryExecution of `id`.
    async fn execution(&self, id: &str) -> Result<QueryExecution> {
        check_id(id)?;
        let out = self
            .client
            .get_query_execution()
            .query_execution_id(id)
            .send()
            .await
            .map_err(|e| athena_error(&self.cfg.describe(), &format!("query {id}"), e, true))?;
        out.query_execution.ok_or_else(|| {
            LakeError::aws(
                format!("query {id}"),
                AwsErrorKind::Other,
                format!("query {id}: Athena returned no description"),
            )
        })
    }

    /// The S3 client for `bucket` (made once, then reused).
    async fn result_store(&self, bucket: &str) -> Result<Arc<AmazonS3>> {
        if let Some(store) = self.lock_stores().get(bucket) {
            return Ok(store.clone());
        }
        let store = Arc::new(s3_client(&self.cfg.s3, bucket).await?);
        self.lock_stores().insert(bucket.to_string(), store.clone());
        Ok(store)
    }

    /// The cache of S3 clients (a panic elsewhere cannot poison a plain map of clients).
    fn lock_stores(&self) -> std::sync::MutexGuard<'_, HashMap<String, Arc<AmazonS3>>> {
        self.stores.lock().unwrap_or_else(|p| p.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::query::athena::execution::*;
    use crate::query::athena::values::{convert_value, drop_header};
    use serde_json::Value;
    use serde_json::json;

    fn cells(values: &[Option<&str>]) -> Vec<Option<String>> {
        values.iter().map(|v| v.map(str::to_string)).collect()
    }

    fn labels(names: &[&str]) -> Vec<String> {
        names.iter().map(|n| n.to_string()).collect()
    }

    #[test]
    fn the_header_is_dropped_only_on_a_first_page_that_starts_with_it() {
        let names = labels(&["name", "n"]);
        let header = cells(&[Some("name"), Some("n")]);
        let data = cells(&[Some("a"), Some("1")]);
        let page = vec![header.clone(), data.clone()];
        assert_eq!(drop_header(&names, page.clone(), true), vec![data.clone()]);
        // A later page (a next token was given) or a DDL result keeps every row.
        assert_eq!(drop_header(&names, page.clone(), false), page);
        // No header where one could be: nothing is dropped.
        assert_eq!(
            drop_header(&names, vec![data.clone()], true),
            vec![data.clone()]
        );
        // A first row that is almost the header (a NULL, a different value, fewer cells) stays.
        for almost in [
            cells(&[Some("name"), None]),
            cells(&[Some("name"), Some("N")]),
            cells(&[Some("name")]),
        ] {
            assert_eq!(
                drop_header(&names, vec![almost.clone()], true),
                vec![almost]
            );
        }
        // Only the first of two header-looking rows goes (a row may equal the labels).
        assert_eq!(
            drop_header(&names, vec![header.clone(), header.clone()], true),
            vec![header]
        );
        assert!(drop_header(&names, Vec::new(), true).is_empty());
        assert_eq!(drop_header(&[], vec![Vec::new()], true), vec![Vec::new()]);
    }

    #[test]
    fn values_convert_by_column_type() {
        let cases: &[(&str, Option<&str>, Value)] = &[
            ("varchar", Some("abc"), json!("abc")),
            ("varchar", None, Value::Null),
            ("bigint", None, Value::Null),
            ("char", Some("x "), json!("x ")),
            ("integer", Some("42"), json!(42)),
            ("tinyint", Some("-7"), json!(-7)),
            ("smallint", Some("300"), json!(300)),
            ("bigint", Some("9223372036854775807"), json!(i64::MAX)),
            (
                "bigint",
                Some("9223372036854775808"),
                json!("9223372036854775808"),
            ),
            ("bigint", Some("n/a"), json!("n/a")),
            ("double", Some("1.5"), json!(1.5)),
            ("double", Some("-2E3"), json!(-2000.0)),
            ("double", Some("NaN"), json!("NaN")),
            ("double", Some("Infinity"), json!("Infinity")),
            ("double", Some("-Infinity"), json!("-Infinity")),
            ("real", Some("0.25"), json!(0.25)),
            ("float", Some("abc"), json!("abc")),
            ("decimal", Some("12.50"), json!(12.5)),
            ("decimal(10,2)", Some("0.01"), json!(0.01)),
            (
                "decimal",
                Some("12345678901234567.89"),
                json!("12345678901234567.89"),
            ),
            ("boolean", Some("true"), json!(true)),
            ("boolean", Some("false"), json!(false)),
            ("boolean", Some("maybe"), json!("maybe")),
            ("date", Some("2024-03-01"), json!("2024-03-01")),
            (
                "timestamp",
                Some("2024-03-01 10:00:00.000"),
                json!("2024-03-01 10:00:00.000"),
            ),
            ("json", Some("{\"a\":1}"), json!("{\"a\":1}")),
            ("array", Some("[a, b]"), json!("[a, b]")),
            ("VARCHAR", Some("x"), json!("x")),
            ("BIGINT", Some("1"), json!(1)),
            ("map", Some("{a=1}"), json!("{a=1}")),
        ];
        for (ty, value, want) in cases {
            assert_eq!(&convert_value(ty, *value), want, "{ty} {value:?}");
        }
    }

    #[test]
    fn parameters_become_one_sql_literal_each() {
        let p = |s: &str| execution_parameter(&SqlParam::Str(s.to_string()));
        assert_eq!(p("O'Brien"), "'O''Brien'");
        assert_eq!(p(""), "''");
        assert_eq!(p("'"), "''''");
        assert_eq!(p("a'; DROP TABLE t; --"), "'a''; DROP TABLE t; --'");
        assert_eq!(p("back\\slash"), "'back\\slash'");
        assert_eq!(p("Zoë ✓"), "'Zoë ✓'");
        assert_eq!(execution_parameter(&SqlParam::Int(42)), "42");
        assert_eq!(
            execution_parameter(&SqlParam::Int(i64::MIN)),
            "-9223372036854775808"
        );
    }

    #[test]
    fn page_sizes_leave_room_for_the_header() {
        assert_eq!(max_results(100, true), 101);
        assert_eq!(max_results(100, false), 100);
        assert_eq!(max_results(1000, true), 1000);
        assert_eq!(max_results(0, false), 1);
        assert_eq!(max_results(usize::MAX, true), 1000);
    }

    #[test]
    fn a_failure_says_whose_fault_it_is() {
        use aws_sdk_athena::types::{AthenaError, QueryExecutionState, QueryExecutionStatus};
        let failed = |category: Option<i32>, retryable: bool| {
            let mut error = AthenaError::builder().retryable(retryable);
            if let Some(c) = category {
                error = error.error_category(c);
            }
            QueryExecution::builder()
                .status(
                    QueryExecutionStatus::builder()
                        .state(QueryExecutionState::Failed)
                        .state_change_reason("COLUMN_NOT_FOUND: line 1:8\nmore detail")
                        .athena_error(error.build())
                        .build(),
                )
                .build()
        };
        let cause = |exec: QueryExecution| failure_of(&exec).map(|(_, c)| c);
        assert_eq!(cause(failed(Some(2), false)), Some(FailureCause::Query));
        assert_eq!(cause(failed(Some(1), false)), Some(FailureCause::Service));
        assert_eq!(cause(failed(Some(3), false)), Some(FailureCause::Service));
        assert_eq!(cause(failed(Some(1), true)), Some(FailureCause::Transient));
        assert_eq!(cause(failed(None, false)), Some(FailureCause::Query));
        let (reason, _) = failure_of(&failed(Some(2), false)).expect("failed");
        assert_eq!(reason, "COLUMN_NOT_FOUND: line 1:8", "first line only");
        let running = QueryExecution::builder()
            .status(
                QueryExecutionStatus::builder()
                    .state(QueryExecutionState::Running)
                    .build(),
            )
            .build();
        assert_eq!(failure_of(&running), None);
    }

    #[test]
    fn polling_backs_off_to_two_seconds() {
        let mut d = FIRST_POLL;
        let mut seen = Vec::new();
        for _ in 0..10 {
            seen.push(d);
            d = next_poll(d);
        }
        assert_eq!(seen[1], Duration::from_millis(225));
        assert_eq!(*seen.last().expect("ten"), MAX_POLL);
        for d in seen {
            let j = jittered(d);
            assert!(j >= d.mul_f64(0.89) && j <= d.mul_f64(1.11), "{d:?} {j:?}");
        }
    }

    #[test]
    fn errors_are_classified() {
        let not_found = service_error(
            "query 5b6b",
            Some("InvalidRequestException"),
            Some("QueryExecution 5b6b was not found"),
            true,
        );
        assert!(
            matches!(not_found, Some(LakeError::NotFound(_))),
            "{not_found:?}"
        );
        // A missing workgroup at start is a configuration mistake, not a missing query.
        let start = service_error(
            "start",
            Some("InvalidRequestException"),
            Some("WorkGroup x is not found"),
            false,
        );
        assert!(
            matches!(start, Some(LakeError::InvalidInput(_))),
            "{start:?}"
        );
        let syntax = service_error(
            "start",
            Some("InvalidRequestException"),
            Some("line 1:8: mismatched input"),
            false,
        )
        .expect("classified")
        .to_string();
        assert_eq!(syntax, "start: line 1:8: mismatched input");
        assert!(service_error("x", None, None, true).is_none());
    }

    #[test]
    fn ids_and_locations_are_checked() {
        assert!(check_id("5b6b0bd0-7c7e-4a8b-9f3c-0e5a3c1f2d10").is_ok());
        for bad in ["", "../x", "a b", "x?y", &"a".repeat(129)] {
            assert!(
                matches!(check_id(bad), Err(LakeError::NotFound(_))),
                "{bad:?}"
            );
        }
        assert_eq!(
            split_s3_url("s3://results-bucket/athena/q1.csv").expect("valid"),
            ("results-bucket".to_string(), "athena/q1.csv".to_string())
        );
        assert!(split_s3_url("s3://bucket").is_err());
        assert!(split_s3_url("https://example.com/x").is_err());
        assert!(creates_database("  create\n DATABASE IF NOT EXISTS x"));
        assert!(creates_database("CREATE SCHEMA x"));
        assert!(!creates_database("CREATE EXTERNAL TABLE x"));
    }

    #[test]
    fn failure_reasons_are_short() {
        assert_eq!(short_reason("line 1: bad\nat stack"), "line 1: bad");
        let long = "é".repeat(400);
        assert_eq!(short_reason(&long).chars().count(), MAX_REASON_CHARS + 1);
    }
}
