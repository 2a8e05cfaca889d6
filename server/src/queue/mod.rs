//! The durable enrichment queue and this instance's bounded, adaptive worker pool.
//!
//! PostgreSQL is the queue (see `jobs`): claims use `FOR UPDATE SKIP LOCKED` and commit at
//! once with a lease; the provider call happens outside any transaction and holds no
//! pooled connection; leases are renewed by a heartbeat and rescued when they expire.
//! In flight, a job costs one tokio task, not a thread.

pub mod backoff;
pub mod jobs;
pub mod limiter;
mod recorder;
mod worker;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use sqlx::PgPool;
use tokio::sync::Notify;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

use crate::enrich::Enricher;
use crate::events::EventHub;
use limiter::AdaptiveLimit;

/// Most jobs taken by one claim.
const MAX_BATCH: u32 = 64;
/// The queue's own connections: the dispatcher, the recorder, the heartbeat and the
/// maintenance loop each hold one at a time; retry scheduling after failed calls shares
/// the rest.
pub const CONNECTIONS: u32 = 8;

#[derive(Debug, Clone)]
pub struct QueueConfig {
    /// The shared bound written to `processing_settings` at start.
    pub workers: u32,
    pub lease: Duration,
    /// How often to look for due jobs when no NOTIFY arrives (retries coming due, missed
    /// notifications).
    pub poll_interval: Duration,
    /// How long in-flight calls may run on after shutdown is requested.
    pub shutdown_grace: Duration,
    /// Finished jobs and events are deleted after this long.
    pub retention: Duration,
    /// First retry delay; doubles per attempt.
    pub backoff_base: Duration,
    pub backoff_cap: Duration,
}

impl Default for QueueConfig {
    fn default() -> Self {
        QueueConfig {
            workers: 16,
            lease: Duration::from_secs(60),
            poll_interval: Duration::from_millis(500),
            shutdown_grace: Duration::from_secs(10),
            retention: Duration::from_secs(7 * 24 * 3600),
            backoff_base: Duration::from_secs(2),
            backoff_cap: Duration::from_secs(300),
        }
    }
}

/// State shared by the dispatcher and the job tasks.
pub(crate) struct Shared {
    pub pool: PgPool,
    pub enricher: Arc<Enricher>,
    pub limit: Arc<AdaptiveLimit>,
    pub cfg: QueueConfig,
    pub instance: String,
    /// Poked by NOTIFY when work arrives.
    pub wake: Notify,
    /// Poked when this instance changes the bound or pauses/resumes.
    pub settings_changed: Notify,
    /// Leases held by this instance: job id → lease token.
    pub leases: Mutex<HashMap<i64, Uuid>>,
    pub stats: worker::Stats,
    /// Told after every write that appended events.
    pub events: EventHub,
    /// Writes finished jobs in batches.
    pub recorder: recorder::Recorder,
}

/// A running queue. [`Queue::shutdown`] stops it cleanly.
pub struct Queue {
    shared: Arc<Shared>,
    stop_claiming: CancellationToken,
    stop_all: CancellationToken,
    tasks: JoinSet<()>,
}

impl Queue {
    /// Write the configured bound, then start the dispatcher, heartbeat and maintenance.
    pub async fn start(
        pool: PgPool,
        enricher: Arc<Enricher>,
        events: EventHub,
        cfg: QueueConfig,
    ) -> anyhow::Result<Self> {
        sqlx::query(
            "UPDATE processing_settings SET concurrency = $1, updated_at = now() WHERE id = 1",
        )
        .bind(cfg.workers as i32)
        .execute(&pool)
        .await?;
        let instance = format!(
            "{}-{}-{}",
            std::env::var("HOSTNAME").unwrap_or_else(|_| "aduan".into()),
            std::process::id(),
            &Uuid::new_v4().simple().to_string()[..8]
        );
        let recorder = recorder::Recorder::spawn(pool.clone());
        let shared = Arc::new(Shared {
            pool,
            enricher,
            limit: AdaptiveLimit::new(cfg.workers),
            cfg,
            instance,
            wake: Notify::new(),
            settings_changed: Notify::new(),
            leases: Mutex::new(HashMap::new()),
            stats: worker::Stats::default(),
            events,
            recorder,
        });
        let stop_claiming = CancellationToken::new();
        let stop_all = CancellationToken::new();
        let mut tasks = JoinSet::new();
        tasks.spawn(worker::dispatch(shared.clone(), stop_claiming.clone()));
        tasks.spawn(worker::heartbeat(shared.clone(), stop_all.clone()));
        tasks.spawn(worker::maintain(shared.clone(), stop_all.clone()));
        tracing::info!(instance = %shared.instance, workers = shared.cfg.workers, provider = shared.enricher.provider().as_str(), "queue started");
        Ok(Queue {
            shared,
            stop_claiming,
            stop_all,
            tasks,
        })
    }

    /// A handle for status reads and live changes, for the HTTP layer.
    pub fn control(&self) -> QueueControl {
        QueueControl {
            shared: self.shared.clone(),
        }
    }

    /// Stop claiming, give in-flight calls the grace period, then hand every lease still
    /// held back to the queue at once (attempt refunded) so another instance or the next
    /// start picks the work up without waiting for the lease to expire.
    pub async fn shutdown(mut self) {
        self.stop_claiming.cancel();
        let deadline = tokio::time::Instant::now() + self.shared.cfg.shutdown_grace;
        while self.shared.limit.snapshot().2 > 0 && tokio::time::Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        self.stop_all.cancel();
        let released = worker::release_all(&self.shared).await;
        if released > 0 {
            tracing::info!(released, "handed unfinished jobs back to the queue");
        }
        self.tasks.abort_all();
        while self.tasks.join_next().await.is_some() {}
    }
}

/// Read and steer the pool from the HTTP layer.
#[derive(Clone)]
pub struct QueueControl {
    shared: Arc<Shared>,
}

/// This instance's view of its pool.
#[derive(Debug, Clone, Copy, serde::Serialize)]
pub struct PoolSnapshot {
    pub bound: u32,
    pub adaptive_limit: u32,
    pub in_flight: u32,
    pub rate_limited_total: u64,
    pub timeouts_total: u64,
    pub retries_total: u64,
    pub succeeded_total: u64,
    pub failed_total: u64,
}

impl QueueControl {
    pub fn snapshot(&self) -> PoolSnapshot {
        let (bound, adaptive_limit, in_flight) = self.shared.limit.snapshot();
        let s = &self.shared.stats;
        use std::sync::atomic::Ordering::Relaxed;
        PoolSnapshot {
            bound,
            adaptive_limit,
            in_flight,
            rate_limited_total: s.rate_limited.load(Relaxed),
            timeouts_total: s.timeouts.load(Relaxed),
            retries_total: s.retries.load(Relaxed),
            succeeded_total: s.succeeded.load(Relaxed),
            failed_total: s.failed.load(Relaxed),
        }
    }

    /// Apply a new shared bound (or pause state) locally at once (other instances pick it
    /// up at their next claim or poll) and wake the dispatcher.
    pub fn bound_changed(&self, bound: u32) {
        self.shared.limit.set_bound(bound);
        self.shared.settings_changed.notify_one();
    }

    pub fn wake(&self) {
        self.shared.wake.notify_one();
    }

    pub fn provider(&self) -> aduan_api::processing::ProviderKind {
        self.shared.enricher.provider()
    }

    /// The retry backoff: first delay and cap.
    pub fn backoff(&self) -> (Duration, Duration) {
        (self.shared.cfg.backoff_base, self.shared.cfg.backoff_cap)
    }

    /// Durations of this instance's provider calls: (`ok`, `error`).
    pub fn call_latency(&self) -> [(&'static str, &crate::metrics::Histogram); 2] {
        let s = &self.shared.stats;
        [("ok", &s.call_ok), ("error", &s.call_error)]
    }
}
