//! Analytics: the dashboard's figures, computed by PostgreSQL and served from a cache of
//! serialised replies that every complaint change invalidates (see [`cache`]).

pub mod cache;

use std::sync::Arc;

use aduan_api::analytics::{Dashboard, DateRange};
use bytes::Bytes;
use sha2::{Digest, Sha256};
use sqlx::PgPool;

use crate::db;
use crate::events::Generation;
use cache::{Cache, CacheStats, Failure, Snapshot};

/// Why the figures could not be given.
#[derive(Debug, thiserror::Error)]
pub enum DashboardError {
    #[error(transparent)]
    Database(#[from] sqlx::Error),
    /// A computation that started after this read arrived failed just now: the database is
    /// taken to be down rather than asked again at once.
    #[error("the database failed a moment ago")]
    RecentFailure,
}

pub struct Analytics {
    pool: PgPool,
    dashboards: Arc<Cache<DateRange>>,
}

impl Analytics {
    pub fn new(pool: PgPool, generation: Generation) -> Self {
        Analytics {
            pool,
            dashboards: Cache::new(generation),
        }
    }

    /// The dashboard of `range` as JSON, with its entity tag.
    pub async fn dashboard(&self, range: DateRange) -> Result<Arc<Snapshot>, DashboardError> {
        let pool = self.pool.clone();
        let compute = move || async move {
            let dashboard = db::analytics::dashboard(&pool, range).await?;
            Ok::<_, DashboardError>(serialise(&dashboard))
        };
        self.dashboards
            .get(range, compute)
            .await
            .map_err(|f| match f {
                Failure::Compute(e) => e,
                Failure::Recent => DashboardError::RecentFailure,
            })
    }

    pub fn stats(&self) -> &CacheStats {
        &self.dashboards.stats
    }
}

/// The JSON body, and a tag that changes only when the figures do: a recomputation that
/// finds the same counts keeps the tag, so polling clients keep getting 304.
fn serialise(dashboard: &Dashboard) -> (Bytes, String) {
    let body = serde_json::to_vec(dashboard).expect("the dashboard serialises");
    let mut figures = dashboard.clone();
    figures.generated_at = chrono::DateTime::UNIX_EPOCH;
    let hash = Sha256::digest(serde_json::to_vec(&figures).expect("the dashboard serialises"));
    (Bytes::from(body), hex::encode(&hash[..12]))
}
