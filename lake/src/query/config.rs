//! The query layer's configuration, and the one place it becomes a [`QueryService`]: the CLI
//! (`serve`, `query`, `demo`), the Lambda entry and the tests fill a plain [`QueryConfig`] (clap
//! and environment variables only fill it) and call [`QueryService::open`].

use std::sync::Arc;
use std::time::Duration;

use super::athena::{AthenaConfig, AthenaEngine};
use super::datafusion::{DEFAULT_TABLE, LakeEngine, ReportColumns};
use super::reports::ReportSchema;
use super::results::ResultStore;
use super::service::{Backend, QueryService};
use crate::storage::layout::RESULTS_DIR;
use crate::storage::{Location, S3Config, S3Prefix};
use crate::{LakeError, Result};

/// Which engine runs reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum EngineKind {
    /// Apache DataFusion inside this process, reading the lake's Parquet directly.
    #[default]
    DataFusion,
    /// Amazon Athena, over the table `athena-ddl` creates.
    Athena,
}

impl EngineKind {
    /// `datafusion` or `athena`.
    pub fn name(self) -> &'static str {
        match self {
            EngineKind::DataFusion => "datafusion",
            EngineKind::Athena => "athena",
        }
    }
}

/// How Athena is reached and where its queries run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AthenaSettings {
    /// The workgroup.
    pub workgroup: String,
    /// The Glue database holding the table.
    pub database: String,
    /// Query results location (`s3://bucket/prefix/`); `None`: the workgroup's.
    pub output: Option<String>,
    /// How long to wait for a query (its id stays valid after).
    pub timeout: Duration,
    /// A local stand-in's endpoint; `None` for AWS.
    pub endpoint_url: Option<String>,
}

impl Default for AthenaSettings {
    fn default() -> Self {
        AthenaSettings {
            workgroup: "primary".into(),
            database: "dynamo_lake".into(),
            output: None,
            timeout: Duration::from_secs(60),
            endpoint_url: None,
        }
    }
}

/// Everything that decides which lake and which engine answer reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueryConfig {
    /// The lake.
    pub lake: Location,
    /// SQL name of the lake's table.
    pub table: String,
    /// The engine.
    pub engine: EngineKind,
    /// Where the embedded engine keeps results (default: the lake's `_dynamo_lake/results`).
    pub results: Option<Location>,
    /// Rows at most in any report (also the default limit).
    pub max_rows: u64,
    /// The columns the stat cards and reports use.
    pub columns: ReportColumns,
    /// Athena, when it is the engine.
    pub athena: AthenaSettings,
    /// The AWS region (`None`: from the environment or profile).
    pub region: Option<String>,
    /// How to reach S3.
    pub s3: S3Config,
}

impl Default for QueryConfig {
    fn default() -> Self {
        QueryConfig {
            lake: Location::Local(".".into()),
            table: DEFAULT_TABLE.into(),
            engine: EngineKind::DataFusion,
            results: None,
            max_rows: 10_000,
            columns: ReportColumns::default(),
            athena: AthenaSettings::default(),
            region: None,
            s3: S3Config::default(),
        }
    }
}

impl QueryConfig {
    /// A local lake with every other setting at its default (the demo's).
    pub fn local(lake: &std::path::Path, table: &str) -> QueryConfig {
        QueryConfig {
            lake: Location::Local(lake.to_path_buf()),
            table: table.to_string(),
            ..QueryConfig::default()
        }
    }

    /// What a page shows as the source (`lake /data/lake · table gsi_export · datafusion`).
    pub fn describe(&self) -> String {
        format!(
            "lake {} · table {} · {}",
            self.lake,
            self.table,
            self.engine.name()
        )
    }

    /// The Athena engine's configuration.
    pub fn athena_config(&self) -> AthenaConfig {
        AthenaConfig {
            endpoint_url: self.athena.endpoint_url.clone(),
            region: self.region.clone(),
            workgroup: self.athena.workgroup.clone(),
            database: self.athena.database.clone(),
            output_location: self.athena.output.clone(),
            timeout: self.athena.timeout.max(Duration::from_secs(1)),
            s3: self.s3.clone(),
        }
    }

    /// The report schema (table, columns, limit); the time column is filled from the lake.
    pub fn schema(&self) -> ReportSchema {
        ReportSchema {
            table: self.table.to_lowercase(),
            agent: self.columns.agent.clone(),
            contact: self.columns.contact.clone(),
            channel: self.columns.channel.clone(),
            time: None,
            max_limit: self.max_rows.max(1),
        }
    }

    async fn result_store(&self) -> Result<ResultStore> {
        let location = match &self.results {
            Some(r) => r.clone(),
            None => self.lake.join(RESULTS_DIR),
        };
        Ok(match location {
            Location::Local(p) => ResultStore::Local(p),
            Location::S3 { bucket, prefix } => {
                ResultStore::S3(S3Prefix::connect(&self.s3, &bucket, &prefix).await?)
            }
        })
    }
}

impl QueryService {
    /// Opens the service a configuration describes: the embedded engine over the lake (with its
    /// result store), or Athena.
    pub async fn open(config: &QueryConfig) -> Result<QueryService> {
        let mut schema = config.schema();
        match config.engine {
            EngineKind::DataFusion => {
                let engine = LakeEngine::open_at(&config.lake, &config.s3, &schema.table)
                    .await
                    .map_err(|e| match e {
                        LakeError::InvalidInput(why) => LakeError::InvalidInput(format!(
                            "cannot open the lake at {}: {why}",
                            config.lake
                        )),
                        other => other,
                    })?;
                schema.time = Some(engine.sort_key().to_string());
                let results = config.result_store().await?;
                Ok(QueryService::new(
                    Backend::DataFusion {
                        engine: Arc::new(engine),
                        results,
                    },
                    schema,
                    None,
                ))
            }
            EngineKind::Athena => {
                let athena = AthenaEngine::connect(config.athena_config()).await?;
                Ok(QueryService::new(
                    Backend::Athena(Arc::new(athena)),
                    schema,
                    Some(config.athena.database.clone()),
                ))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_default_to_the_lakes_metadata_folder() {
        let local = QueryConfig::local(std::path::Path::new("/data/lake"), "gsi_export");
        assert_eq!(
            local.lake.join(RESULTS_DIR).to_string(),
            "/data/lake/_dynamo_lake/results"
        );
        let s3 = Location::parse("--lake", "s3://b/p").expect("valid");
        assert_eq!(
            s3.join(RESULTS_DIR).to_string(),
            "s3://b/p/_dynamo_lake/results"
        );
        let root = Location::parse("--lake", "s3://b").expect("valid");
        assert_eq!(
            root.join(RESULTS_DIR).to_string(),
            "s3://b/_dynamo_lake/results"
        );
        assert_eq!(
            local.describe(),
            "lake /data/lake · table gsi_export · datafusion"
        );
    }
}
