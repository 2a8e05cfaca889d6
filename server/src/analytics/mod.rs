//! Analytics: the dashboard's figures, read from rollups PostgreSQL keeps, and served from
//! a cache of serialised replies at most [`STALENESS`] behind the latest change (see
//! [`cache`]).

pub mod cache;

use std::sync::Arc;

use aduan_api::analytics::{Dashboard, DateRange};
use bytes::Bytes;
use sha2::{Digest, Sha256};
use sqlx::PgPool;

use crate::db;
use crate::events::Generation;
pub use cache::Freshness;
use cache::{Cache, CacheStats, Failure, Snapshot};

/// How far behind the latest change a dashboard may be, unless the reader asks for the
/// latest: while work drains, changes come every millisecond and readers would otherwise
/// always wait for a recomputation.
pub const STALENESS: std::time::Duration = std::time::Duration::from_secs(1);

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
    pub async fn dashboard(
        &self,
        range: DateRange,
        freshness: Freshness,
    ) -> Result<Arc<Snapshot>, DashboardError> {
        let pool = self.pool.clone();
        let compute = move || async move {
            let dashboard = db::analytics::dashboard(&pool, range).await?;
            Ok::<_, DashboardError>(serialise(&dashboard))
        };
        self.dashboards
            .get(range, freshness, compute)
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

/// How often the rollups' deltas are folded into their counts: readers sum what is not
/// folded yet, so this bounds their work, not their freshness.
const FOLD_EVERY: std::time::Duration = std::time::Duration::from_secs(1);

/// Fold the rollups' deltas every [`FOLD_EVERY`] until `stop`.
pub async fn fold_rollups(pool: PgPool, stop: tokio_util::sync::CancellationToken) {
    let mut tick = tokio::time::interval(FOLD_EVERY);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = stop.cancelled() => return,
            _ = tick.tick() => {}
        }
        if let Err(e) = db::analytics::fold(&pool).await {
            tracing::warn!(error = %e, "folding the dashboard's rollups failed; retrying");
        }
    }
}

/// The JSON body, and a tag that changes only when the figures do: a recomputation that
/// finds the same counts keeps the tag, so polling clients keep getting 304.
fn serialise(dashboard: &Dashboard) -> (Bytes, String) {
    let body = serde_json::to_vec(dashboard).expect("the dashboard serialises");
    let mut figures = dashboard.clone();
    figures.generated_at = chrono::DateTime::UNIX_EPOCH;
    figures.as_of = chrono::DateTime::UNIX_EPOCH;
    let hash = Sha256::digest(serde_json::to_vec(&figures).expect("the dashboard serialises"));
    (Bytes::from(body), hex::encode(&hash[..12]))
}
