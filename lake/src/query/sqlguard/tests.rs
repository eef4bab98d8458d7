//! Tests of the custom-SQL guard: hostile statements, analyst queries, LIMIT rules, deep input and
//! a deterministic fuzz run.

use super::*;
use datafusion::sql::sqlparser::parser::Parser;

fn policy() -> GuardPolicy {
    GuardPolicy {
        table: "gsi_export".into(),
        database: Some("gsi_dynamodb_athena_db".into()),
        max_limit: 1000,
        max_len: 20_000,
    }
}

/// A policy that lets size through, for the deep-nesting tests.
fn roomy_policy() -> GuardPolicy {
    GuardPolicy {
        max_len: 10_000_000,
        ..policy()
    }
}

/// Runs `f` on a thread with a large stack: the tests parse accepted SQL themselves, and a debug
/// build of sqlparser needs more than the default 2 MiB for moderately nested input.
fn big_stack<T: Send>(f: impl FnOnce() -> T + Send) -> T {
    std::thread::scope(|s| {
        std::thread::Builder::new()
            .stack_size(64 << 20)
            .spawn_scoped(s, f)
            .expect("spawn")
            .join()
            .expect("test thread")
    })
}

/// Parses `sql` like an engine would and says whether it is exactly one query.
fn is_one_query(sql: &str) -> bool {
    matches!(
        Parser::parse_sql(&GenericDialect {}, sql).as_deref(),
        Ok([Statement::Query(_)])
    )
}

/// Hostile statements and a fragment of the message each must be refused with.
const HOSTILE: &[(&str, &str)] = &[
    // More than one statement, also hidden behind comments.
    (
        "SELECT 1; DROP TABLE x",
        "only one statement is allowed: found 2",
    ),
    (
        "SELECT * FROM gsi_export; SELECT * FROM gsi_export",
        "found 2",
    ),
    (
        "SELECT * FROM gsi_export -- x\n; DELETE FROM gsi_export",
        "found 2",
    ),
    (
        "SELECT * FROM gsi_export /* x */; DELETE FROM gsi_export",
        "found 2",
    ),
    (
        "SELECT * FROM gsi_export /* ; */ ; DROP TABLE gsi_export",
        "found 2",
    ),
    ("SELECT 1;\nINSERT INTO gsi_export VALUES (1)", "found 2"),
    ("SELECT 1; SELECT 2; SELECT 3", "found 3"),
    (
        "/* a /* nested */ comment */ SELECT 1; DROP TABLE t",
        "found 2",
    ),
    (
        "SELECT * FROM gsi_export END; DROP TABLE x",
        "after the end of the statement",
    ),
    ("SELECT 1 SELECT 2", "could not be parsed"),
    ("SELECT 1 /*/ ; */ ; DROP TABLE x", "found 2"),
    // Writes, DDL and everything else that is not a query.
    (
        "INSERT INTO gsi_export VALUES (1)",
        "only SELECT queries are allowed: found INSERT",
    ),
    (
        "INSERT INTO gsi_export SELECT * FROM gsi_export",
        "found INSERT",
    ),
    (
        "WITH a AS (SELECT 1) INSERT INTO t SELECT * FROM a",
        "found INSERT",
    ),
    ("UPDATE gsi_export SET status = 'x'", "found UPDATE"),
    ("DELETE FROM gsi_export WHERE year = 2026", "found DELETE"),
    (
        "MERGE INTO gsi_export t USING gsi_export s ON t.id = s.id WHEN MATCHED THEN DELETE",
        "found MERGE",
    ),
    ("TRUNCATE TABLE gsi_export", "found TRUNCATE"),
    (
        "CREATE TABLE x AS SELECT * FROM gsi_export",
        "found CREATE TABLE",
    ),
    ("CREATE TABLE x (a INT)", "found CREATE TABLE"),
    (
        "CREATE OR REPLACE VIEW v AS SELECT * FROM gsi_export",
        "found CREATE VIEW",
    ),
    (
        "CREATE EXTERNAL TABLE x (a INT) STORED AS PARQUET LOCATION 's3://b/x/'",
        "found CREATE EXTERNAL",
    ),
    ("CREATE DATABASE evil", "found CREATE DATABASE"),
    (
        "CREATE FUNCTION f(x INT) RETURNS INT AS 'select 1'",
        "found CREATE FUNCTION",
    ),
    ("DROP TABLE gsi_export", "found DROP TABLE"),
    (
        "DROP DATABASE gsi_dynamodb_athena_db",
        "found DROP DATABASE",
    ),
    (
        "ALTER TABLE gsi_export ADD COLUMN x INT",
        "found ALTER TABLE",
    ),
    ("ALTER TABLE gsi_export RENAME TO y", "found ALTER TABLE"),
    (
        "UNLOAD (SELECT * FROM gsi_export) TO 's3://x/' WITH (format='PARQUET')",
        "found UNLOAD",
    ),
    ("COPY gsi_export TO 's3://bucket/out'", "found COPY"),
    (
        "EXPLAIN ANALYZE SELECT * FROM gsi_export",
        "found EXPLAIN ANALYZE",
    ),
    ("EXPLAIN SELECT * FROM gsi_export", "found EXPLAIN"),
    ("DESCRIBE gsi_export", "found DESCRIBE"),
    ("SHOW TABLES", "found SHOW TABLES"),
    ("SHOW CREATE TABLE gsi_export", "found SHOW CREATE"),
    ("SET x = 1", "found SET"),
    ("USE other_db", "found USE"),
    ("GRANT SELECT ON gsi_export TO bob", "found GRANT"),
    ("REVOKE SELECT ON gsi_export FROM bob", "found REVOKE"),
    (
        "CALL system.sync_partition_metadata('db', 't', 'FULL')",
        "found CALL",
    ),
    ("EXECUTE stmt", "found EXECUTE"),
    ("PREPARE stmt AS SELECT 1", "found PREPARE"),
    ("DEALLOCATE stmt", "found DEALLOCATE"),
    ("MSCK REPAIR TABLE gsi_export", "found MSCK"),
    ("LOAD DATA INPATH 'x' INTO TABLE t", "could not be parsed"),
    ("START TRANSACTION", "found START"),
    ("COMMIT", "found COMMIT"),
    ("KILL 1", "found KILL"),
    ("ATTACH DATABASE 'x.db' AS y", "found ATTACH"),
    ("INSTALL httpfs", "found INSTALL"),
    ("COMMENT ON TABLE gsi_export IS 'x'", "found COMMENT"),
    (
        "DECLARE c CURSOR FOR SELECT * FROM gsi_export",
        "found DECLARE",
    ),
    (
        "SELECT * INTO backup FROM gsi_export",
        "found SELECT … INTO",
    ),
    ("SELECT * FROM gsi_export FOR UPDATE", "FOR UPDATE"),
    ("SELECT * FROM gsi_export FOR SHARE", "FOR UPDATE/SHARE"),
    (
        "SELECT * FROM (SELECT * INTO t2 FROM gsi_export) AS t",
        "found SELECT … INTO",
    ),
    // Other tables, databases, catalogs and files.
    (
        "SELECT * FROM secrets",
        "only the table gsi_export can be queried: found secrets",
    ),
    ("SELECT * FROM other_db.secrets", "found other_db.secrets"),
    (
        "SELECT * FROM other_db.gsi_export",
        "found other_db.gsi_export",
    ),
    (
        "SELECT * FROM gsi_dynamodb_athena_db.secrets",
        "found gsi_dynamodb_athena_db.secrets",
    ),
    (
        "SELECT * FROM awsdatacatalog.gsi_dynamodb_athena_db.gsi_export",
        "found awsdatacatalog.gsi_dynamodb_athena_db.gsi_export",
    ),
    (
        "SELECT * FROM gsi_export.gsi_export",
        "found gsi_export.gsi_export",
    ),
    (
        "SELECT * FROM information_schema.tables",
        "found information_schema.tables",
    ),
    (
        "SELECT column_name FROM information_schema.columns WHERE table_name = 'gsi_export'",
        "found information_schema.columns",
    ),
    (
        "SELECT * FROM pg_catalog.pg_tables",
        "found pg_catalog.pg_tables",
    ),
    (
        "SELECT * FROM system.runtime.queries",
        "found system.runtime.queries",
    ),
    (
        "SELECT * FROM \"gsi_export$partitions\"",
        "found \"gsi_export$partitions\"",
    ),
    (
        "SELECT * FROM \"s3://bucket/secret.parquet\"",
        "found \"s3://bucket/secret.parquet\"",
    ),
    (
        "SELECT * FROM 's3://bucket/secret.parquet'",
        "found 's3://bucket/secret.parquet'",
    ),
    ("SELECT * FROM '/etc/passwd'", "found '/etc/passwd'"),
    (
        "SELECT * FROM gsi_export JOIN secrets ON true",
        "found secrets",
    ),
    ("SELECT * FROM gsi_export, secrets", "found secrets"),
    (
        "SELECT * FROM gsi_export t1 JOIN (gsi_export t2 JOIN secrets t3 ON true) ON true",
        "found secrets",
    ),
    (
        "SELECT * FROM gsi_export WHERE id IN (SELECT id FROM secrets)",
        "found secrets",
    ),
    (
        "SELECT * FROM gsi_export WHERE EXISTS (SELECT 1 FROM other_db.t)",
        "found other_db.t",
    ),
    (
        "SELECT (SELECT max(x) FROM secrets) FROM gsi_export",
        "found secrets",
    ),
    (
        "SELECT channel FROM gsi_export GROUP BY channel HAVING count(*) > (SELECT count(*) FROM secrets)",
        "found secrets",
    ),
    (
        "SELECT * FROM gsi_export ORDER BY (SELECT min(x) FROM secrets)",
        "found secrets",
    ),
    (
        "SELECT * FROM (SELECT * FROM secrets) AS t",
        "found secrets",
    ),
    (
        "SELECT * FROM gsi_export, LATERAL (SELECT * FROM secrets) AS s",
        "found secrets",
    ),
    (
        "SELECT * FROM gsi_export UNION ALL SELECT * FROM secrets",
        "found secrets",
    ),
    (
        "SELECT * FROM gsi_export INTERSECT SELECT * FROM information_schema.tables",
        "found information_schema.tables",
    ),
    (
        "SELECT * FROM gsi_export EXCEPT SELECT * FROM other_db.gsi_export",
        "found other_db.gsi_export",
    ),
    ("(SELECT 1) UNION (SELECT * FROM secrets)", "found secrets"),
    ("SELECT * FROM gsi_export AS g JOIN g ON true", "found g"),
    // CTE tricks: a CTE may be named like anything, but its body is checked, in scope order.
    (
        "WITH a AS (SELECT * FROM secrets) SELECT * FROM a",
        "found secrets",
    ),
    (
        "WITH secrets AS (SELECT * FROM secrets) SELECT * FROM secrets",
        "found secrets",
    ),
    (
        "WITH gsi_export AS (SELECT * FROM secrets) SELECT * FROM gsi_export",
        "found secrets",
    ),
    (
        "WITH b AS (SELECT * FROM a), a AS (SELECT * FROM gsi_export) SELECT * FROM b",
        "found a",
    ),
    (
        "WITH a AS (SELECT 1) SELECT * FROM (WITH b AS (SELECT 1) SELECT * FROM b) AS x JOIN b ON true",
        "found b",
    ),
    (
        "WITH a AS (SELECT 1) SELECT * FROM other_db.a",
        "found other_db.a",
    ),
    ("WITH \"A\" AS (SELECT 1) SELECT * FROM a", "found a"),
    (
        "WITH a AS (SELECT 1 AS x) SELECT * FROM a UNION ALL SELECT * FROM secrets",
        "found secrets",
    ),
    (
        "WITH RECURSIVE r AS (SELECT 1 AS n UNION ALL SELECT n + 1 FROM r) SELECT * FROM r",
        "WITH RECURSIVE",
    ),
    (
        "WITH a AS MATERIALIZED (SELECT 1) SELECT * FROM a",
        "MATERIALIZED",
    ),
    // Table functions and UNNEST of anything but a column.
    (
        "SELECT * FROM read_parquet('s3://bucket/x.parquet')",
        "table functions are not allowed in FROM: found read_parquet",
    ),
    ("SELECT * FROM read_csv('/etc/passwd')", "found read_csv"),
    (
        "SELECT * FROM read_json('http://169.254.169.254/latest/meta-data/')",
        "found read_json",
    ),
    (
        "SELECT * FROM generate_series(1, 1000000000)",
        "found generate_series",
    ),
    ("SELECT * FROM range(10)", "found range"),
    (
        "SELECT * FROM TABLE(system.query(query => 'SELECT 1'))",
        "found TABLE(…)",
    ),
    (
        "SELECT * FROM gsi_export, LATERAL generate_series(1, 3)",
        "found generate_series",
    ),
    (
        "SELECT * FROM gsi_export CROSS JOIN UNNEST(ARRAY[1, 2]) AS t(x)",
        "UNNEST is only allowed over a column",
    ),
    (
        "SELECT * FROM UNNEST(sequence(1, 3)) AS t(x)",
        "UNNEST is only allowed over a column",
    ),
    (
        "SELECT * FROM gsi_export CROSS JOIN UNNEST((SELECT tags FROM secrets)) AS t(x)",
        "UNNEST is only allowed over a column",
    ),
    (
        "SELECT * FROM json_table('[]', '$' COLUMNS (a INT PATH '$.a'))",
        "JSON_TABLE in FROM",
    ),
    (
        "SELECT * FROM gsi_export PIVOT (sum(a) FOR b IN (1, 2))",
        "PIVOT in FROM",
    ),
    // Functions that touch files, the network or the system, anywhere in the query.
    (
        "SELECT read_parquet('s3://x')",
        "the function read_parquet is not allowed",
    ),
    (
        "SELECT * FROM gsi_export WHERE read_csv('x') IS NOT NULL",
        "the function read_csv is not allowed",
    ),
    (
        "SELECT READ_JSON('x') FROM gsi_export",
        "the function READ_JSON is not allowed",
    ),
    (
        "SELECT \"read_ndjson\"('x')",
        "the function \"read_ndjson\" is not allowed",
    ),
    (
        "SELECT read_avro('x')",
        "the function read_avro is not allowed",
    ),
    (
        "SELECT parquet_metadata('x')",
        "the function parquet_metadata is not allowed",
    ),
    (
        "SELECT parquet_schema('x') FROM gsi_export",
        "the function parquet_schema is not allowed",
    ),
    ("SELECT glob('/etc/*')", "the function glob is not allowed"),
    (
        "SELECT pg_read_file('/etc/passwd')",
        "the function pg_read_file is not allowed",
    ),
    (
        "SELECT pg_sleep(100)",
        "the function pg_sleep is not allowed",
    ),
    (
        "SELECT lo_import('/etc/passwd')",
        "the function lo_import is not allowed",
    ),
    (
        "SELECT system.query('x')",
        "the function system.query is not allowed",
    ),
    (
        "SELECT pg_catalog.version()",
        "the function pg_catalog.version is not allowed",
    ),
    (
        "SELECT count(*) FROM gsi_export HAVING max(read_parquet('x')) > 0",
        "the function read_parquet is not allowed",
    ),
    (
        "SELECT * FROM gsi_export ORDER BY read_csv('x')",
        "the function read_csv is not allowed",
    ),
    (
        "SELECT sum(amount) OVER (PARTITION BY read_json('y')) FROM gsi_export",
        "the function read_json is not allowed",
    ),
    (
        "SELECT * FROM gsi_export WHERE id IN (SELECT glob('x'))",
        "the function glob is not allowed",
    ),
    (
        "SELECT upper(lower(read_text('/etc/passwd')))",
        "the function read_text is not allowed",
    ),
    // LIMIT that is not a plain whole number, or in forms the engines do not share.
    (
        "SELECT * FROM gsi_export LIMIT ALL",
        "LIMIT ALL is not allowed",
    ),
    (
        "SELECT * FROM gsi_export LIMIT ALL OFFSET 5",
        "LIMIT ALL is not allowed",
    ),
    (
        "SELECT * FROM gsi_export LIMIT -5",
        "invalid LIMIT: it must be a whole number",
    ),
    ("SELECT * FROM gsi_export LIMIT (SELECT 1)", "invalid LIMIT"),
    (
        "SELECT * FROM gsi_export LIMIT (SELECT count(*) FROM secrets)",
        "invalid LIMIT",
    ),
    ("SELECT * FROM gsi_export LIMIT 1e3", "invalid LIMIT"),
    ("SELECT * FROM gsi_export LIMIT '5'", "invalid LIMIT"),
    ("SELECT * FROM gsi_export LIMIT 10 + 5", "invalid LIMIT"),
    ("SELECT * FROM gsi_export LIMIT NULL", "invalid LIMIT"),
    ("SELECT * FROM gsi_export LIMIT 5.5", "invalid LIMIT"),
    ("SELECT * FROM gsi_export LIMIT $1", "invalid LIMIT"),
    ("SELECT * FROM gsi_export LIMIT (5)", "invalid LIMIT"),
    (
        "SELECT * FROM gsi_export FETCH FIRST '5' ROWS ONLY",
        "invalid LIMIT",
    ),
    ("SELECT * FROM gsi_export LIMIT 5 BY channel", "LIMIT … BY"),
    (
        "SELECT * FROM gsi_export FETCH FIRST 10 PERCENT ROWS ONLY",
        "PERCENT",
    ),
    (
        "SELECT * FROM gsi_export FETCH FIRST 10 ROWS WITH TIES",
        "WITH TIES",
    ),
    (
        "SELECT * FROM (SELECT * FROM gsi_export FETCH FIRST 5 ROWS ONLY) t",
        "FETCH FIRST in a subquery",
    ),
    (
        "SELECT * FROM (SELECT * FROM gsi_export LIMIT 5 OFFSET 2) t",
        "LIMIT with OFFSET in a subquery",
    ),
    (
        "SELECT * FROM (SELECT * FROM gsi_export LIMIT 2, 5) t",
        "LIMIT with OFFSET in a subquery",
    ),
    // Dialect features only one engine (or neither) understands.
    ("SELECT TOP 5 * FROM gsi_export", "SELECT TOP"),
    (
        "SELECT `channel` FROM gsi_export",
        "backtick-quoted identifiers",
    ),
    ("SELECT * FROM gsi_export PREWHERE a = 1", "PREWHERE"),
    (
        "SELECT * FROM gsi_export QUALIFY row_number() OVER () = 1",
        "QUALIFY",
    ),
    (
        "SELECT * FROM gsi_export SETTINGS max_threads = 8",
        "SETTINGS",
    ),
    ("SELECT * FROM gsi_export FORMAT JSON", "FORMAT"),
    ("SELECT * FROM gsi_export |> WHERE a = 1", "pipe operators"),
    ("FROM gsi_export SELECT *", "FROM before SELECT"),
    ("FROM gsi_export", "FROM before SELECT"),
    (
        "SELECT * FROM gsi_export TABLESAMPLE BERNOULLI (10)",
        "TABLESAMPLE",
    ),
    ("SELECT * FROM gsi_export WITH (NOLOCK)", "table hints"),
    (
        "SELECT * FROM gsi_export LATERAL VIEW explode(tags) t AS x",
        "LATERAL VIEW",
    ),
    (
        "SELECT /*+ BROADCAST(t) */ * FROM gsi_export",
        "optimizer hints",
    ),
    (
        "SELECT /*+ a /* b */ ; DROP TABLE x; */ * FROM gsi_export",
        "optimizer hints",
    ),
    ("SELECT - -1 FROM gsi_export", "changes when re-rendered"),
    (
        "SELECT * FROM gsi_export WHERE amount = - - 1",
        "changes when re-rendered",
    ),
    // Empty input, broken input, unicode look-alikes.
    ("", "the query is empty"),
    ("   \n\t ", "the query is empty"),
    ("-- just a comment", "the query is empty"),
    ("/* just a block */", "the query is empty"),
    (";", "the query is empty"),
    (" ; ;; -- x\n;", "the query is empty"),
    ("SELECT (1", "could not be parsed"),
    ("SELECT 'unterminated", "could not be parsed"),
    ("SELECT \"unterminated", "could not be parsed"),
    (
        "SELECT * FROM gsi_export /* unterminated",
        "could not be parsed",
    ),
    ("SELECT * FROM gsі_export", "found gsі_export"),
    (
        "SELECT * FROM ｇｓｉ_ｅｘｐｏｒｔ",
        "found ｇｓｉ_ｅｘｐｏｒｔ",
    ),
    ("SELECT * FROM gsi_export\u{200b}", "could not be parsed"),
    (
        "SELECT * FROM \"gsi_export\u{200b}\"",
        "only the table gsi_export can be queried",
    ),
    (
        "SELECT * FROM \"gsi_export \"",
        "only the table gsi_export can be queried",
    ),
    (
        "SELECT * FROM gsi_export\u{200b}; DROP TABLE x",
        "could not be parsed",
    ),
    ("SELECT 1\u{ff1b} DROP TABLE x", "could not be parsed"),
    ("SELECT 1\u{037e} DROP TABLE x", "could not be parsed"),
    ("SELECT 1;\u{feff}DROP TABLE x", "could not be parsed"),
];

#[test]
fn hostile_statements_are_rejected_with_a_reason() {
    let mut failures = Vec::new();
    for (sql, fragment) in HOSTILE {
        match guard(sql, &policy(), None) {
            Err(e) if e.to_string().contains(fragment) => {}
            other => failures.push(format!(
                "{sql:?}\n    expected {fragment:?}\n    got {other:?}"
            )),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn hostile_statements_are_distinct_and_many() {
    let mut sqls: Vec<&str> = HOSTILE.iter().map(|(sql, _)| *sql).collect();
    sqls.sort_unstable();
    sqls.dedup();
    assert_eq!(sqls.len(), HOSTILE.len(), "duplicates in HOSTILE");
    let generated = generated_hostile().len();
    eprintln!(
        "{} hostile statements + {generated} generated",
        HOSTILE.len()
    );
    assert!(HOSTILE.len() + generated >= 100);
}

/// Hostile inputs too big to write out: oversized and deeply nested ones.
fn generated_hostile() -> Vec<(String, &'static str)> {
    let n = 10_000;
    vec![
        (format!("SELECT 1{}", " ".repeat(20_000)), "too long"),
        (
            format!("SELECT {}1{}", "(".repeat(n), ")".repeat(n)),
            "too complex",
        ),
        (
            format!("SELECT * FROM {}gsi_export{}", "(".repeat(n), ")".repeat(n)),
            "too complex",
        ),
        (format!("SELECT 1{}", "+1".repeat(n)), "too complex"),
        (
            format!("SELECT {}1", "NOT ".repeat(n)),
            "could not be parsed",
        ),
        (format!("SELECT {}true", "NOT (".repeat(n)), "too complex"),
        (format!("SELECT {}1", "- ".repeat(n)), "too complex"),
        (
            format!("SELECT 1{}", " UNION SELECT 1".repeat(n)),
            "too complex",
        ),
        (
            format!(
                "SELECT CAST(x AS {}INT{})",
                "ARRAY<".repeat(n),
                ">".repeat(n)
            ),
            "too complex",
        ),
        (
            format!("SELECT {}'1' DAY", "INTERVAL ".repeat(n)),
            "too complex",
        ),
        (format!("SELECT 1{}", "::int".repeat(n)), "too complex"),
    ]
}

#[test]
fn oversized_and_deeply_nested_input_is_rejected() {
    let mut failures = Vec::new();
    for (i, (sql, fragment)) in generated_hostile().iter().enumerate() {
        let policy = if i == 0 { policy() } else { roomy_policy() };
        match guard(sql, &policy, None) {
            Err(e) if e.to_string().contains(fragment) => {}
            other => failures.push(format!("#{i}: expected {fragment:?}, got {other:?}")),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Analyst queries and the LIMIT each must end up with (policy maximum 1000).
const LEGIT: &[(&str, u64)] = &[
    (
        "SELECT channel, count(*) FROM gsi_export GROUP BY channel",
        1000,
    ),
    (
        "SELECT * FROM gsi_export WHERE year=2026 AND month=2 AND day=19",
        1000,
    ),
    ("SELECT * FROM gsi_export LIMIT 10", 10),
    ("SELECT * FROM gsi_export LIMIT 5000", 1000),
    ("SELECT \"channel\", \"status\" FROM \"gsi_export\"", 1000),
    ("SELECT * FROM GSI_EXPORT", 1000),
    ("SELECT * FROM \"GSI_Export\"", 1000),
    ("SELECT * FROM gsi_dynamodb_athena_db.gsi_export", 1000),
    (
        "SELECT * FROM \"gsi_dynamodb_athena_db\".\"gsi_export\" LIMIT 20",
        20,
    ),
    (
        "SELECT channel, count(*) AS n FROM gsi_export GROUP BY channel HAVING count(*) > 10 ORDER BY n DESC",
        1000,
    ),
    (
        "SELECT id, ts, row_number() OVER (PARTITION BY channel ORDER BY ts DESC) AS rn FROM gsi_export",
        1000,
    ),
    (
        "SELECT channel, sum(amount) OVER (ORDER BY ts ROWS BETWEEN 6 PRECEDING AND CURRENT ROW) FROM gsi_export",
        1000,
    ),
    (
        "WITH daily AS (SELECT date_trunc('day', ts) AS d, count(*) AS n FROM gsi_export GROUP BY 1) SELECT * FROM daily ORDER BY d",
        1000,
    ),
    (
        "WITH a AS (SELECT * FROM gsi_export WHERE channel = 'web'), b AS (SELECT * FROM a WHERE status = 'ok') SELECT count(*) FROM b",
        1000,
    ),
    (
        "SELECT CASE WHEN amount > 100 THEN 'big' ELSE 'small' END AS size, count(*) FROM gsi_export GROUP BY 1",
        1000,
    ),
    (
        "SELECT * FROM gsi_export WHERE ts >= TIMESTAMP '2026-02-01 00:00:00' AND ts < TIMESTAMP '2026-03-01 00:00:00'",
        1000,
    ),
    (
        "SELECT date_trunc('month', ts) AS m, count(DISTINCT id) FROM gsi_export GROUP BY 1 ORDER BY 1",
        1000,
    ),
    (
        "SELECT * FROM gsi_export WHERE id IN (SELECT id FROM gsi_export WHERE status = 'error')",
        1000,
    ),
    (
        "SELECT * FROM gsi_export g WHERE EXISTS (SELECT 1 FROM gsi_export h WHERE h.id = g.id AND h.status = 'retry')",
        1000,
    ),
    ("SELECT (SELECT max(ts) FROM gsi_export) AS latest", 1000),
    (
        "SELECT channel FROM gsi_export WHERE year = 2026 UNION ALL SELECT channel FROM gsi_export WHERE year = 2025",
        1000,
    ),
    (
        "SELECT channel FROM gsi_export INTERSECT SELECT channel FROM gsi_export WHERE status = 'ok'",
        1000,
    ),
    (
        "SELECT * FROM (SELECT channel, count(*) AS n FROM gsi_export GROUP BY channel) AS t WHERE n > 5",
        1000,
    ),
    (
        "SELECT id, tag FROM gsi_export CROSS JOIN UNNEST(tags) AS t(tag)",
        1000,
    ),
    (
        "SELECT a.id, b.status FROM gsi_export a JOIN gsi_export b ON a.id = b.parent_id",
        1000,
    ),
    (
        "SELECT * FROM gsi_export ORDER BY ts DESC OFFSET 20 LIMIT 10",
        10,
    ),
    ("SELECT * FROM gsi_export LIMIT 10 OFFSET 20", 10),
    ("SELECT * FROM gsi_export FETCH FIRST 15 ROWS ONLY", 15),
    ("SELECT * FROM gsi_export LIMIT 20, 10", 10),
    ("VALUES (1, 'a'), (2, 'b')", 1000),
    ("SELECT 1", 1000),
    ("SELECT current_date, current_timestamp, now()", 1000),
    (
        "SELECT coalesce(channel, 'none'), nullif(status, '') FROM gsi_export",
        1000,
    ),
    (
        "SELECT cast(amount AS DOUBLE) / 100 FROM gsi_export WHERE amount IS NOT NULL",
        1000,
    ),
    (
        "SELECT lower(channel), length(id), substr(id, 1, 4) FROM gsi_export",
        1000,
    ),
    (
        "SELECT * FROM gsi_export WHERE channel LIKE 'w%' AND status <> 'deleted'",
        1000,
    ),
    (
        "SELECT * FROM gsi_export WHERE ts BETWEEN DATE '2026-01-01' AND DATE '2026-01-31'",
        1000,
    ),
    (
        "SELECT channel, count(*) FILTER (WHERE status = 'ok') FROM gsi_export GROUP BY channel",
        1000,
    ),
    (
        "-- top channels\nSELECT channel, count(*) FROM gsi_export /* all time */ GROUP BY channel ORDER BY 2 DESC LIMIT 5;",
        5,
    ),
    (
        "WITH secrets AS (SELECT * FROM gsi_export) SELECT * FROM secrets",
        1000,
    ),
    (
        "WITH gsi_export AS (SELECT * FROM gsi_export WHERE year = 2026) SELECT * FROM gsi_export",
        1000,
    ),
    (
        "SELECT * FROM gsi_export WHERE ts > now() - INTERVAL '7' DAY",
        1000,
    ),
    (
        "SELECT date_diff('day', min(ts), max(ts)) FROM gsi_export",
        1000,
    ),
    ("(SELECT * FROM gsi_export LIMIT 5)", 1000),
    ("SELECT DISTINCT channel FROM gsi_export", 1000),
    (
        "SELECT * FROM gsi_export WHERE channel IN ('web', 'app') ORDER BY ts NULLS LAST",
        1000,
    ),
    ("SELECT x.* FROM gsi_export AS x", 1000),
    ("SELECT * FROM gsi_export LIMIT 0", 0),
    ("SELECT * FROM gsi_export LIMIT 18446744073709551616", 1000),
    ("SELECT -(-1), 1 - -1 FROM gsi_export", 1000),
    (
        "WITH base AS (SELECT channel, status, amount, ts FROM gsi_export WHERE year = 2026 AND month IN (1, 2)), \
         ranked AS (SELECT channel, sum(CASE WHEN status = 'ok' THEN coalesce(amount, 0) ELSE 0 END) AS ok_amount, \
         rank() OVER (ORDER BY count(*) DESC) AS r FROM base \
         WHERE ts > (SELECT min(ts) FROM base WHERE channel IN (SELECT channel FROM base WHERE amount > 10)) \
         GROUP BY channel) \
         SELECT * FROM ranked WHERE r <= 10 ORDER BY r",
        1000,
    ),
];

#[test]
fn analyst_queries_pass_with_their_limit_and_reparse_to_one_query() {
    big_stack(|| {
        let mut failures = Vec::new();
        for (sql, limit) in LEGIT {
            match guard(sql, &policy(), None) {
                Ok(g)
                    if g.limit == *limit
                        && is_one_query(&g.sql)
                        && g.sql.ends_with(&format!(" LIMIT {limit}")) =>
                {
                    if guard(&g.sql, &policy(), None) != Ok(g.clone()) {
                        failures.push(format!("{sql:?}: not idempotent: {}", g.sql));
                    }
                }
                other => failures.push(format!(
                    "{sql:?}\n    expected limit {limit}\n    got {other:?}"
                )),
            }
        }
        assert!(failures.is_empty(), "{}", failures.join("\n"));
    });
}

#[test]
fn analyst_queries_are_distinct_and_many() {
    let mut sqls: Vec<&str> = LEGIT.iter().map(|(sql, _)| *sql).collect();
    sqls.sort_unstable();
    sqls.dedup();
    assert_eq!(sqls.len(), LEGIT.len(), "duplicates in LEGIT");
    eprintln!("{} analyst queries", LEGIT.len());
    assert!(LEGIT.len() >= 30);
}

fn sql_of(sql: &str, requested: Option<u64>) -> GuardedSql {
    guard(sql, &policy(), requested).expect("accepted")
}

#[test]
fn limit_is_added_capped_kept_and_lowered_by_the_request() {
    let base = "SELECT * FROM gsi_export";
    assert_eq!(
        sql_of(base, None).sql,
        "SELECT * FROM gsi_export LIMIT 1000"
    );
    assert_eq!(sql_of(&format!("{base} LIMIT 99999"), None).limit, 1000);
    assert_eq!(
        sql_of(&format!("{base} LIMIT 7"), None).sql,
        "SELECT * FROM gsi_export LIMIT 7"
    );
    assert_eq!(sql_of(base, Some(50)).limit, 50);
    assert_eq!(sql_of(&format!("{base} LIMIT 10"), Some(50)).limit, 10);
    assert_eq!(sql_of(&format!("{base} LIMIT 100"), Some(50)).limit, 50);
    assert_eq!(sql_of(base, Some(5000)).limit, 1000);
    assert_eq!(sql_of(base, Some(0)).limit, 0);
    assert_eq!(
        sql_of(&format!("{base} FETCH FIRST ROW ONLY"), None).limit,
        1
    );
}

#[test]
fn offset_stays_and_is_written_before_limit() {
    let g = sql_of(
        "SELECT * FROM gsi_export ORDER BY ts LIMIT 10 OFFSET 20",
        None,
    );
    assert_eq!(
        g.sql,
        "SELECT * FROM gsi_export ORDER BY ts OFFSET 20 LIMIT 10"
    );
    let g = sql_of("SELECT * FROM gsi_export LIMIT 20, 10", Some(5));
    assert_eq!(g.sql, "SELECT * FROM gsi_export OFFSET 20 LIMIT 5");
    let g = sql_of(
        "SELECT * FROM gsi_export OFFSET 3 ROWS FETCH NEXT 4 ROWS ONLY",
        None,
    );
    assert_eq!(g.sql, "SELECT * FROM gsi_export OFFSET 3 ROWS LIMIT 4");
}

#[test]
fn limit_goes_on_the_outermost_query_of_a_union() {
    let g = sql_of("SELECT 1 UNION ALL SELECT 2", None);
    assert_eq!(g.sql, "SELECT 1 UNION ALL SELECT 2 LIMIT 1000");
    let g = sql_of("SELECT a FROM (SELECT 1 AS a LIMIT 3) t", None);
    assert_eq!(g.sql, "SELECT a FROM (SELECT 1 AS a LIMIT 3) t LIMIT 1000");
}

#[test]
fn comments_are_gone_from_the_sql_to_run() {
    let g = sql_of("SELECT 1 /* ; DROP TABLE x */ -- ; DELETE\n", None);
    assert_eq!(g.sql, "SELECT 1 LIMIT 1000");
    // A line comment ends only at a newline (as in Trino), not at U+2028.
    let g = sql_of("SELECT 1 -- \u{2028}; DROP TABLE x", None);
    assert_eq!(g.sql, "SELECT 1 LIMIT 1000");
}

#[test]
fn database_qualifier_needs_a_policy_database() {
    let no_db = GuardPolicy {
        database: None,
        ..policy()
    };
    let e = guard(
        "SELECT * FROM gsi_dynamodb_athena_db.gsi_export",
        &no_db,
        None,
    );
    assert!(matches!(e, Err(Rejection::ForbiddenTable { .. })), "{e:?}");
    assert!(
        guard(
            "SELECT * FROM GSI_DYNAMODB_ATHENA_DB.\"Gsi_Export\"",
            &policy(),
            None
        )
        .is_ok()
    );
}

#[test]
fn too_long_is_rejected_before_parsing() {
    let sql = format!("SELECT 1 {}", "x".repeat(25_000));
    assert_eq!(
        guard(&sql, &policy(), None),
        Err(Rejection::TooLong {
            len: sql.len(),
            max: 20_000
        })
    );
}

#[test]
fn messages_are_short_and_plain() {
    let name = "x".repeat(5_000);
    let e = guard(
        &format!("SELECT * FROM \"{name}\n\""),
        &roomy_policy(),
        None,
    )
    .expect_err("refused");
    let message = e.to_string();
    assert!(message.chars().count() < 300, "{message}");
    assert!(!message.contains('\n'));
}

/// Prefix, repeated middle and suffix of deeply nested or very long constructs.
const DEEP: &[(&str, &str, &str)] = &[
    ("SELECT ", "(", "1"),
    ("SELECT * FROM ", "(", "gsi_export"),
    ("SELECT ", "NOT ", "1"),
    ("SELECT ", "- ", "1"),
    ("SELECT ", "~", "1"),
    ("SELECT 1", "+1", ""),
    ("SELECT 1", " || 'x'", ""),
    ("SELECT 1", "::int", ""),
    ("SELECT a", "[1]", ""),
    ("SELECT a", ".b", ""),
    ("SELECT a", "->'b'", ""),
    ("SELECT a", ":b", ""),
    ("SELECT a", " IS NULL", ""),
    ("SELECT a", " BETWEEN 1 AND 2", ""),
    ("SELECT a", " IN (1)", ""),
    ("SELECT a", " LIKE 'x'", ""),
    ("SELECT a", " COLLATE x", ""),
    ("SELECT ", "x -> ", "1"),
    ("SELECT ", "CASE WHEN ", "1"),
    ("SELECT ", "EXISTS (SELECT ", "1"),
    ("SELECT ", "INTERVAL ", "'1' DAY"),
    ("SELECT CAST(x AS ", "ARRAY<", "INT"),
    ("SELECT CAST(x AS ", "STRUCT<a ", "INT"),
    ("SELECT CAST(x AS ", "MAP(INT, ", "INT"),
    ("SELECT ", "ARRAY[", "1"),
    ("SELECT ", "ROW(", "1"),
    ("SELECT ", "abs(", "1"),
    ("SELECT ", "CAST(", "1"),
    ("SELECT ", "{'a': ", "1"),
    ("SELECT * FROM gsi_export WHERE a=1", " AND a=1", ""),
    ("SELECT * FROM gsi_export WHERE a=1", " OR a=1", ""),
    ("SELECT 1", " UNION SELECT 1", ""),
    ("", "(", "SELECT 1"),
    ("", "WITH a AS (", "SELECT 1"),
    (
        "SELECT * FROM gsi_export a",
        " JOIN gsi_export b ON true",
        "",
    ),
    ("SELECT * FROM gsi_export a", " JOIN gsi_export b", ""),
    ("SELECT * FROM ", "LATERAL (SELECT * FROM ", "gsi_export"),
    ("SELECT 1 FROM gsi_export", ", gsi_export", ""),
    ("SELECT 1", ", 1", ""),
    ("SELECT ", "DATE ", "'2026-01-01'"),
    ("SELECT ", "PRIOR ", "1"),
    ("SELECT ", "@ ", "1"),
    ("SELECT ", "+", "1"),
];

#[test]
fn deep_or_long_constructs_never_crash_the_guard() {
    for repeat in [60, 10_000, 50_000] {
        for (prefix, middle, suffix) in DEEP {
            let sql = format!("{prefix}{}{suffix}", middle.repeat(repeat));
            let result = guard(&sql, &roomy_policy(), None);
            assert!(
                !matches!(result, Err(Rejection::Internal(_))),
                "{prefix}{middle}…×{repeat}: {result:?}"
            );
        }
    }
}

/// Shapes of nesting: prefix, opening, innermost, closing.
const NESTINGS: &[(&str, &str, &str, &str)] = &[
    ("SELECT * FROM ", "(SELECT * FROM ", "gsi_export", ") AS t"),
    ("SELECT ", "(", "1", ")"),
    ("SELECT ", "abs(", "1", ")"),
    ("SELECT ", "NOT ", "true", ""),
    ("SELECT ", "- ", "1", ""),
    ("SELECT ", "EXISTS (SELECT ", "1", ")"),
    ("SELECT ", "CASE WHEN true THEN ", "1", " END"),
    ("", "(", "SELECT 1", ")"),
];

/// The engines parse accepted SQL on ordinary threads: the most deeply nested query the guard
/// accepts, in each shape, must parse there with sqlparser's default limit (DataFusion's too).
#[test]
fn the_deepest_accepted_queries_parse_on_an_ordinary_thread() {
    for (prefix, open, inner, close) in NESTINGS {
        let nested = |n: usize| format!("{prefix}{}{inner}{}", open.repeat(n), close.repeat(n));
        let deepest = (1..=64)
            .map_while(|n| guard(&nested(n), &policy(), None).ok())
            .last()
            .expect("one level is accepted");
        let parsed = std::thread::Builder::new()
            .stack_size(2 << 20)
            .spawn(move || is_one_query(&deepest.sql))
            .expect("spawn")
            .join()
            .expect("no panic");
        assert!(parsed, "{prefix}{open}…");
    }
}

/// SplitMix64: a tiny deterministic generator for the fuzz run.
struct SplitMix64(u64);

impl SplitMix64 {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items.get(self.below(items.len())).copied().unwrap_or("")
    }
}

const SOUP: &[&str] = &[
    "SELECT",
    "FROM",
    "WHERE",
    "GROUP BY",
    "HAVING",
    "ORDER BY",
    "LIMIT",
    "OFFSET",
    "FETCH FIRST",
    "ROWS ONLY",
    "UNION",
    "ALL",
    "INTERSECT",
    "EXCEPT",
    "WITH",
    "AS",
    "JOIN",
    "ON",
    "CROSS JOIN",
    "UNNEST",
    "LATERAL",
    "TABLE",
    "VALUES",
    "INSERT",
    "INTO",
    "DROP",
    "DELETE",
    "UPDATE",
    "SET",
    "CREATE",
    "UNLOAD",
    "EXPLAIN",
    "ANALYZE",
    "CASE",
    "WHEN",
    "THEN",
    "ELSE",
    "END",
    "NOT",
    "AND",
    "OR",
    "IN",
    "EXISTS",
    "IS",
    "NULL",
    "INTERVAL",
    "ARRAY",
    "STRUCT",
    "CAST",
    "OVER",
    "PARTITION",
    "gsi_export",
    "gsi_dynamodb_athena_db",
    "secrets",
    "information_schema",
    "tables",
    "channel",
    "read_parquet",
    "count",
    "t",
    "a",
    "*",
    ",",
    ".",
    ";",
    "(",
    ")",
    "[",
    "]",
    "{",
    "}",
    "<",
    ">",
    "=",
    "+",
    "-",
    "/",
    "||",
    "::",
    "->",
    ":",
    "?",
    "$1",
    "@",
    "'",
    "\"",
    "`",
    "'s3://x'",
    "\"gsi_export\"",
    "--",
    "/*",
    "*/",
    "\n",
    " ",
    "1",
    "0",
    "-1",
    "1e3",
    "18446744073709551616",
    "'x'",
    "\u{200b}",
    "\u{feff}",
    "é",
    "ｇ",
];

/// One fuzz input: random bytes, token soup, or a mutated corpus query.
fn fuzz_input(rng: &mut SplitMix64, corpus: &[&str]) -> String {
    match rng.below(3) {
        0 => {
            let bytes: Vec<u8> = (0..rng.below(120)).map(|_| rng.next() as u8).collect();
            String::from_utf8_lossy(&bytes).into_owned()
        }
        1 => (0..1 + rng.below(40))
            .map(|_| rng.pick(SOUP))
            .collect::<Vec<_>>()
            .join(" "),
        _ => {
            let base = rng.pick(corpus).to_string();
            mutate(rng, base)
        }
    }
}

/// Truncates, duplicates, or inserts a token at a random character boundary, a few times.
fn mutate(rng: &mut SplitMix64, mut sql: String) -> String {
    for _ in 0..1 + rng.below(3) {
        let boundaries: Vec<usize> = sql
            .char_indices()
            .map(|(i, _)| i)
            .chain([sql.len()])
            .collect();
        let at = boundaries
            .get(rng.below(boundaries.len()))
            .copied()
            .unwrap_or(0);
        match rng.below(4) {
            0 => sql.truncate(at),
            1 => {
                let tail = sql.get(at..).unwrap_or("").to_string();
                sql.push(' ');
                sql.push_str(&tail);
            }
            2 => sql.insert_str(
                at,
                rng.pick(&[
                    ";",
                    "--",
                    "/*",
                    "*/",
                    "'",
                    "\"",
                    "(",
                    ")",
                    "\n",
                    ";DROP TABLE x;",
                ]),
            ),
            _ => sql.insert_str(at, &format!(" {} ", rng.pick(SOUP))),
        }
    }
    sql
}

#[test]
fn fuzz_never_panics_and_accepted_output_is_a_fixed_point() {
    const ITERATIONS: usize = 24_000;
    let corpus: Vec<&str> = LEGIT
        .iter()
        .map(|(sql, _)| *sql)
        .chain(HOSTILE.iter().map(|(sql, _)| *sql))
        .collect();
    big_stack(|| {
        let mut rng = SplitMix64(0x5EED_F00D);
        let mut accepted = 0;
        for i in 0..ITERATIONS {
            let sql = fuzz_input(&mut rng, &corpus);
            match guard(&sql, &policy(), None) {
                Err(Rejection::Internal(why)) => panic!("#{i} {sql:?}: {why}"),
                Err(Rejection::Unstable) => eprintln!("UNSTABLE #{i} {sql:?}"),
                Err(_) => {}
                Ok(g) => {
                    accepted += 1;
                    assert!(is_one_query(&g.sql), "#{i} {sql:?} → {}", g.sql);
                    assert_eq!(
                        guard(&g.sql, &policy(), None),
                        Ok(g.clone()),
                        "#{i} {sql:?}"
                    );
                }
            }
        }
        assert!(
            accepted > 100,
            "only {accepted} accepted: the mutations are too destructive"
        );
    });
}
