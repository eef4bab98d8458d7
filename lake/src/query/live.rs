//! The query service of a lake that may not exist yet. A freshly deployed stack has a dashboard
//! before its first export has written anything: the server must start, say "no data yet" on the
//! page and in the API, and answer with data as soon as the first commit lands, without a restart.
//! [`LiveQuery`] opens the [`QueryService`] once the lake has a manifest and keeps it; until then
//! every call looks again (at most once per [`RECHECK`]) and answers [`LakeError::NoData`].

use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::{Mutex, OnceCell};

use super::config::QueryConfig;
use super::service::QueryService;
use crate::storage::manifest::Manifest;
use crate::{LakeError, Result};

/// How often a server without data looks for the lake's manifest again.
pub const RECHECK: Duration = Duration::from_secs(5);

/// A query service that becomes available when the lake does.
pub struct LiveQuery {
    config: QueryConfig,
    /// Set once, when the lake has data; read without a lock by every request after.
    service: OnceCell<Arc<QueryService>>,
    /// When the lake was last looked at (one look at a time).
    checked: Mutex<Instant>,
}

impl LiveQuery {
    /// Opens the service when the lake has data; a lake with no manifest yet is not an error (the
    /// service opens on a later call). Every other failure (a local folder that does not exist —
    /// a typo rather than a lake to come —, a damaged manifest, a refused bucket, a bad setting)
    /// is.
    pub async fn open(config: QueryConfig) -> Result<LiveQuery> {
        if let crate::storage::Location::Local(root) = &config.lake
            && !root.is_dir()
        {
            return Err(LakeError::NoLake {
                location: root.display().to_string(),
                expected: format!(
                    "a folder holding {} (run an export first)",
                    crate::storage::layout::MANIFEST
                ),
            });
        }
        let service = OnceCell::new();
        match try_open(&config).await? {
            Some(s) => {
                let _ = service.set(Arc::new(s));
            }
            None => {
                tracing::warn!(lake = %config.lake, "the lake has no data yet; the first export creates it")
            }
        }
        Ok(LiveQuery {
            config,
            service,
            checked: Mutex::new(Instant::now()),
        })
    }

    /// The service, or [`LakeError::NoData`] while the lake has none.
    pub async fn service(&self) -> Result<Arc<QueryService>> {
        if let Some(service) = self.service.get() {
            return Ok(service.clone());
        }
        let mut checked = self.checked.lock().await;
        // Another request may have opened it while this one waited.
        if let Some(service) = self.service.get() {
            return Ok(service.clone());
        }
        if checked.elapsed() >= RECHECK {
            *checked = Instant::now();
            if let Some(service) = try_open(&self.config).await? {
                tracing::info!(lake = %self.config.lake, "the lake has data now");
                let service = Arc::new(service);
                let _ = self.service.set(service.clone());
                return Ok(service);
            }
        }
        Err(LakeError::NoData {
            location: self.config.lake.to_string(),
        })
    }
}

/// The service, or `None` when the lake has no manifest yet. Athena is only queried once the lake
/// exists: the export that writes the first commit also creates the Athena table.
async fn try_open(config: &QueryConfig) -> Result<Option<QueryService>> {
    match Manifest::read_at(&config.lake, &config.s3).await {
        Ok(_) => {}
        Err(LakeError::NoLake { .. }) => return Ok(None),
        Err(e) => return Err(e),
    }
    QueryService::open(config).await.map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn an_empty_folder_is_no_data_until_a_manifest_appears() {
        let dir = tempfile::tempdir().expect("tempdir");
        let config = QueryConfig::local(dir.path(), "t");
        let live = LiveQuery::open(config)
            .await
            .expect("an empty lake is not an error");
        let err = live.service().await.err().expect("no data yet");
        assert_eq!(err.class(), crate::error::ErrorClass::NotFound);
        assert!(
            err.to_string().contains(&dir.path().display().to_string())
                && err.to_string().contains("no data yet"),
            "{err}"
        );
    }

    #[tokio::test]
    async fn a_folder_that_does_not_exist_is_an_error_at_open() {
        let dir = tempfile::tempdir().expect("tempdir");
        let missing = dir.path().join("typo");
        let err = LiveQuery::open(QueryConfig::local(&missing, "t"))
            .await
            .err()
            .expect("no such folder");
        assert!(matches!(err, LakeError::NoLake { .. }), "{err}");
        assert!(err.to_string().contains("run an export first"), "{err}");
    }

    #[tokio::test]
    async fn a_damaged_manifest_is_an_error_at_open() {
        let dir = tempfile::tempdir().expect("tempdir");
        let meta = dir.path().join("_dynamo_lake");
        std::fs::create_dir_all(&meta).expect("mkdir");
        std::fs::write(meta.join("manifest.json"), b"{not json").expect("write");
        let config = QueryConfig::local(dir.path(), "t");
        let err = LiveQuery::open(config).await.err().expect("damaged");
        assert!(matches!(err, LakeError::CorruptManifest { .. }), "{err}");
    }
}
