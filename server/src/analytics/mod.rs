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
use crate::http::ApiError;
use cache::{Cache, CacheStats, Failure, Snapshot};

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
    pub async fn dashboard(&self, range: DateRange) -> Result<Arc<Snapshot>, ApiError> {
        let pool = self.pool.clone();
        let compute = move || async move {
            let dashboard = db::analytics::dashboard(&pool, range).await?;
            serialise(&dashboard)
        };
        self.dashboards
            .get(range, compute)
            .await
            .map_err(|f| match f {
                Failure::Compute(e) => e,
                Failure::Recent => ApiError::database_unavailable(),
            })
    }

    pub fn stats(&self) -> &CacheStats {
        &self.dashboards.stats
    }
}

/// The JSON body, and a tag that changes only when the figures do: a recomputation that
/// finds the same counts keeps the tag, so polling clients keep getting 304.
fn serialise(dashboard: &Dashboard) -> Result<(Bytes, String), ApiError> {
    let body = serde_json::to_vec(dashboard).map_err(ApiError::internal)?;
    let mut figures = dashboard.clone();
    figures.generated_at = chrono::DateTime::UNIX_EPOCH;
    let hash = Sha256::digest(serde_json::to_vec(&figures).map_err(ApiError::internal)?);
    Ok((Bytes::from(body), hex::encode(&hash[..12])))
}
