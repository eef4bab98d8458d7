//! The embedded query engine: DataFusion over the local lake. The lake's Parquet files keep the
//! DynamoDB attribute names; the engine shows them lower-cased, as Athena (through Glue) does, so
//! the same SQL answers the same way on both engines.

use std::path::Path;
use std::sync::Arc;

use chrono::{Datelike, NaiveDate};
use datafusion::arrow::array::{Array, AsArray, RecordBatch};
use datafusion::arrow::datatypes::{DataType, Int32Type, Int64Type};
use datafusion::common::Column as DfColumn;
use datafusion::datasource::file_format::parquet::ParquetFormat;
use datafusion::datasource::listing::{
    ListingOptions, ListingTable, ListingTableConfig, ListingTableUrl,
};
use datafusion::execution::object_store::ObjectStoreUrl;
use datafusion::functions_aggregate::expr_fn::{count, count_distinct};
use datafusion::logical_expr::{Expr, col, lit};
use datafusion::prelude::{SessionConfig, SessionContext};
use serde::{Deserialize, Serialize};

use crate::format::contract::Contract;
use crate::query::SqlParam;
use crate::storage::Manifest;
use crate::storage::layout::PARTITION_COLUMNS;
use crate::storage::{Location, S3Config, S3Prefix};
use crate::{LakeError, Result};
use datafusion::common::ScalarValue;

/// The default SQL name of the lake's table (as in seed 001's Athena table).
pub const DEFAULT_TABLE: &str = "gsi_export";
const RAW_TABLE: &str = "__dynamo_lake_files";

/// An inclusive range of days, both ends included.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct DayRange {
    /// First day (inclusive).
    pub from: NaiveDate,
    /// Last day (inclusive).
    pub to: NaiveDate,
}

impl DayRange {
    /// A range, refusing one whose end comes before its start.
    pub fn new(from: NaiveDate, to: NaiveDate) -> Result<Self> {
        if to < from {
            return Err(LakeError::InvalidInput(format!(
                "the range ends ({to}) before it starts ({from})"
            )));
        }
        Ok(DayRange { from, to })
    }

    /// The range as predicates on the partition columns only, so that the engine (and Athena)
    /// read just the matching partitions.
    pub fn partition_predicate(&self) -> Expr {
        on_or_after(self.from).and(on_or_before(self.to))
    }
}

fn ymd(d: NaiveDate) -> (Expr, Expr, Expr) {
    (lit(d.year()), lit(d.month() as i32), lit(d.day() as i32))
}

fn on_or_after(d: NaiveDate) -> Expr {
    let (y, m, day) = ymd(d);
    col("year").gt(y.clone()).or(col("year").eq(y).and(
        col("month")
            .gt(m.clone())
            .or(col("month").eq(m).and(col("day").gt_eq(day))),
    ))
}

fn on_or_before(d: NaiveDate) -> Expr {
    let (y, m, day) = ymd(d);
    col("year").lt(y.clone()).or(col("year").eq(y).and(
        col("month")
            .lt(m.clone())
            .or(col("month").eq(m).and(col("day").lt_eq(day))),
    ))
}

/// Which columns the dashboard's stat cards count (SQL names, lower case).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportColumns {
    /// Distinct values make "unique contacts".
    pub contact: String,
    /// Distinct values make "channels".
    pub channel: String,
    /// Distinct values make "agents".
    pub agent: String,
    /// The initiation method (for the pie chart).
    pub initiation: String,
}

impl Default for ReportColumns {
    fn default() -> Self {
        ReportColumns {
            contact: "contactid".into(),
            channel: "channel".into(),
            agent: "agent".into(),
            initiation: "initiationmethod".into(),
        }
    }
}

/// Rows of one day ([`model::DayCount`]: the day as `YYYY-MM-DD`).
pub use model::DayCount as DailyCount;
/// The stat cards' numbers ([`model::StatCards`]).
pub use model::StatCards as Stats;

/// DataFusion over one lake.
pub struct LakeEngine {
    ctx: SessionContext,
    table: String,
    contract: Contract,
    sort_key: String,
}

impl LakeEngine {
    /// Opens the lake at `root` (a local folder with a manifest) as table `table`.
    pub async fn open(root: &Path, table: &str) -> Result<Self> {
        Self::open_at(
            &Location::Local(root.to_path_buf()),
            &S3Config::default(),
            table,
        )
        .await
    }

    /// Opens the lake at `location` (a local folder or an S3 prefix, with a manifest) as table
    /// `table`.
    pub async fn open_at(location: &Location, s3: &S3Config, table: &str) -> Result<Self> {
        let config = SessionConfig::new().with_information_schema(false);
        let ctx = SessionContext::new_with_config(config);
        let (manifest, url) = match location {
            Location::Local(root) => {
                let manifest = Manifest::read(root)?;
                let root = root.canonicalize().map_err(|e| LakeError::io(root, e))?;
                (manifest, format!("{}/", root.display()))
            }
            Location::S3 { bucket, prefix } => {
                let remote = S3Prefix::connect(s3, bucket, prefix).await?;
                let manifest = Manifest::read_s3(&remote).await?;
                let store_url = ObjectStoreUrl::parse(format!("s3://{bucket}"))?;
                ctx.register_object_store(store_url.as_ref(), remote.store.clone());
                (
                    manifest,
                    format!("{}/", remote.url("").trim_end_matches('/')),
                )
            }
        };
        let url = ListingTableUrl::parse(url)?;
        let options = ListingOptions::new(Arc::new(ParquetFormat::default()))
            .with_file_extension(".parquet")
            .with_table_partition_cols(
                PARTITION_COLUMNS
                    .iter()
                    .map(|c| (c.to_string(), DataType::Int32))
                    .collect(),
            );
        let listing = ListingTableConfig::new(url)
            .with_listing_options(options)
            .with_schema(manifest.contract.arrow_schema());
        ctx.register_table(RAW_TABLE, Arc::new(ListingTable::try_new(listing)?))?;

        // The lake's table: every attribute under its lower-case name, then the partitions.
        let mut columns: Vec<Expr> = manifest
            .contract
            .columns
            .iter()
            .map(|c| Expr::Column(DfColumn::new_unqualified(&c.name)).alias(&c.sql_name))
            .collect();
        columns.extend(PARTITION_COLUMNS.iter().map(|c| col(*c)));
        let view = ctx.table(RAW_TABLE).await?.select(columns)?.into_view();
        ctx.register_table(table, view)?;
        Ok(LakeEngine {
            ctx,
            table: table.to_string(),
            sort_key: manifest.sort_key.to_lowercase(),
            contract: manifest.contract,
        })
    }

    /// The session, for running SQL against the lake's table.
    pub fn context(&self) -> &SessionContext {
        &self.ctx
    }

    /// The table's SQL name.
    pub fn table_name(&self) -> &str {
        &self.table
    }

    /// The SQL name of the column the partitions come from (the sort key).
    pub fn sort_key(&self) -> &str {
        &self.sort_key
    }

    /// The lake's type contract.
    pub fn contract(&self) -> &Contract {
        &self.contract
    }

    async fn frame(&self, range: Option<DayRange>) -> Result<datafusion::dataframe::DataFrame> {
        let df = self.ctx.table(self.table.as_str()).await?;
        Ok(match range {
            Some(r) => df.filter(r.partition_predicate())?,
            None => df,
        })
    }

    /// The stat cards' numbers for a range of days (or everything).
    pub async fn stats(&self, range: Option<DayRange>, columns: &ReportColumns) -> Result<Stats> {
        let wanted = [&columns.contact, &columns.channel, &columns.agent];
        let mut aggregates = vec![count(lit(1)).alias("total_rows")];
        let present: Vec<bool> = wanted
            .iter()
            .map(|c| self.contract.column_by_sql_name(c).is_some())
            .collect();
        for (i, c) in wanted.iter().enumerate() {
            if present[i] {
                aggregates.push(
                    count_distinct(Expr::Column(DfColumn::new_unqualified(c.as_str())))
                        .alias(format!("c{i}")),
                );
            }
        }
        let batches = self
            .frame(range)
            .await?
            .aggregate(vec![], aggregates)?
            .collect()
            .await?;
        let batch = batches
            .first()
            .ok_or_else(|| LakeError::InvalidInput("empty aggregate".into()))?;
        let mut next = 0;
        let mut value = || -> Result<u64> {
            let v = int_at(batch, next, 0)?;
            next += 1;
            Ok(v)
        };
        let total_rows = value()?;
        let mut counts = [None, None, None];
        for (i, p) in present.iter().enumerate() {
            if *p {
                counts[i] = Some(value()?);
            }
        }
        Ok(Stats {
            total_rows,
            unique_contacts: counts[0],
            channels: counts[1],
            agents: counts[2],
        })
    }

    /// Rows per day, oldest first, for a range of days (or everything).
    pub async fn daily(&self, range: Option<DayRange>) -> Result<Vec<DailyCount>> {
        let batches = self
            .frame(range)
            .await?
            .aggregate(
                vec![col("year"), col("month"), col("day")],
                vec![count(lit(1)).alias("n")],
            )?
            .sort(vec![
                col("year").sort(true, false),
                col("month").sort(true, false),
                col("day").sort(true, false),
            ])?
            .collect()
            .await?;
        let mut out = Vec::new();
        for b in &batches {
            for row in 0..b.num_rows() {
                let (y, m, d) = (int_at(b, 0, row)?, int_at(b, 1, row)?, int_at(b, 2, row)?);
                let day =
                    NaiveDate::from_ymd_opt(y as i32, m as u32, d as u32).ok_or_else(|| {
                        LakeError::InvalidInput(format!("partition {y}-{m}-{d} is not a date"))
                    })?;
                out.push(DailyCount {
                    day: day.to_string(),
                    rows: int_at(b, 3, row)?,
                });
            }
        }
        Ok(out)
    }

    /// Runs SQL with `$n` parameters bound to `params`; returns the batches, the Parquet bytes
    /// read (from the plan's metrics) and the executed plan, for tests that check pruning.
    pub async fn query(&self, sql: &str, params: &[SqlParam]) -> Result<QueryOutput> {
        let values: Vec<ScalarValue> = params
            .iter()
            .map(|p| match p {
                SqlParam::Str(s) => Ok(ScalarValue::Utf8(Some(s.clone()))),
                SqlParam::Int(n) => i32::try_from(*n)
                    .map(|n| ScalarValue::Int32(Some(n)))
                    .map_err(|_| LakeError::InvalidInput(format!("parameter {n} is out of range"))),
            })
            .collect::<Result<_>>()?;
        // Planning errors are about the SQL (a column the lake does not have, a type mismatch): the
        // query failed, as Athena would report it, not the engine.
        let mut df = self.ctx.sql(sql).await.map_err(planning_error)?;
        if !values.is_empty() {
            df = df.with_param_values(values)?;
        }
        let schema = Arc::new(df.schema().as_arrow().clone());
        let task = Arc::new(df.task_ctx());
        let plan = df.create_physical_plan().await?;
        let batches = datafusion::physical_plan::collect(plan.clone(), task).await?;
        let bytes_scanned = metric_sum(plan.as_ref(), "bytes_scanned");
        Ok(QueryOutput {
            schema,
            batches,
            bytes_scanned,
            plan: datafusion::physical_plan::displayable(plan.as_ref())
                .indent(true)
                .to_string(),
        })
    }

    /// Runs SQL against the session and collects the result.
    pub async fn sql(&self, sql: &str) -> Result<Vec<RecordBatch>> {
        Ok(self.ctx.sql(sql).await?.collect().await?)
    }
}

fn int_at(batch: &RecordBatch, column: usize, row: usize) -> Result<u64> {
    let array = batch.column(column);
    if array.is_null(row) {
        return Ok(0);
    }
    match array.data_type() {
        DataType::Int64 => Ok(array.as_primitive::<Int64Type>().value(row) as u64),
        DataType::Int32 => Ok(array.as_primitive::<Int32Type>().value(row) as u64),
        other => Err(LakeError::InvalidInput(format!(
            "expected an integer column, found {other}"
        ))),
    }
}

/// What [`LakeEngine::query`] returns.
#[derive(Debug)]
pub struct QueryOutput {
    /// The result's schema.
    pub schema: datafusion::arrow::datatypes::SchemaRef,
    /// The result.
    pub batches: Vec<RecordBatch>,
    /// Parquet bytes read, when the plan reports it.
    pub bytes_scanned: Option<u64>,
    /// The executed plan, indented (names the files read).
    pub plan: String,
}

fn metric_sum(plan: &dyn datafusion::physical_plan::ExecutionPlan, name: &str) -> Option<u64> {
    let own = plan
        .metrics()
        .and_then(|m| m.sum_by_name(name))
        .map(|v| v.as_usize() as u64);
    let children: Vec<u64> = plan
        .children()
        .iter()
        .filter_map(|c| metric_sum(c.as_ref(), name))
        .collect();
    match (own, children.is_empty()) {
        (None, true) => None,
        (own, _) => Some(own.unwrap_or(0) + children.iter().sum::<u64>()),
    }
}

/// A DataFusion error from planning a query: the query's own fault when it is a plan, schema or
/// SQL error, otherwise the engine's.
fn planning_error(e: datafusion::error::DataFusionError) -> LakeError {
    use datafusion::error::DataFusionError as E;
    match e.find_root() {
        E::Plan(_) | E::SchemaError(..) | E::SQL(..) => LakeError::QueryFailed {
            engine: "datafusion",
            reason: e.find_root().to_string(),
            cause: crate::error::FailureCause::Query,
        },
        _ => LakeError::Engine(e),
    }
}
