//! Aduan server: HTTP API, PostgreSQL-backed complaint queue and AI enrichment workers.
// One audited system call (`db::writeback`) has no safe wrapper; nothing else may.
#![deny(unsafe_code)]

pub mod analytics;
pub mod audit;
pub mod auth;
pub mod backup;
pub mod capacity;
pub mod cli;
pub mod config;
pub mod db;
pub mod devtools;
pub mod domain;
pub mod enrich;
pub mod events;
pub mod http;
pub mod installed;
pub mod loadtest;
pub mod metrics;
pub mod portal;
pub mod queue;
pub mod service;
pub mod storage;
pub mod telemetry;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use aduan_api::complaint::ComplaintStatus;
use anyhow::Context;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

use config::ServeArgs;
use db::Database;
use http::{AppState, StateInner, UploadLimits};
use storage::BlobStore;

/// A built, not yet running server: the socket is bound and the database migrated, so
/// tests can read [`Application::local_addr`] before starting it.
pub struct Application {
    listener: TcpListener,
    /// The reporter portal's listener, when `--public-listen` is set.
    public_listener: Option<TcpListener>,
    db: Database,
    state: AppState,
    queue: queue::Queue,
    listener_task: tokio::task::JoinHandle<()>,
    /// Writes the audit chain's last anchor when told to, once nothing else can write audit
    /// entries (requests answered, workers stopped).
    anchoring: (tokio::task::JoinHandle<()>, CancellationToken),
    limits: http::serve::ConnectionLimits,
    /// How long to keep serving, not ready, after the shutdown signal.
    drain: std::time::Duration,
}

impl Application {
    /// Open the database (or start the private cluster), migrate, and prepare the router.
    pub async fn build(args: ServeArgs, listener: TcpListener) -> anyhow::Result<Self> {
        // Complaint evidence and the private database: the server's user alone.
        std::os::unix::fs::DirBuilderExt::mode(std::fs::DirBuilder::new().recursive(true), 0o700)
            .create(&args.db.data_dir)
            .with_context(|| format!("creating data dir {}", args.db.data_dir.display()))?;
        let db = Database::open(&args.db).await?;
        if args.demo {
            devtools::demo::seed(&db.pool, args.max_attempts as i32).await?;
        }
        let blobs = BlobStore::open(args.db.blob_store.as_ref(), &args.db.data_dir)
            .await
            .context("preparing attachment storage")?;
        let enricher = Arc::new(enrich::Enricher::from_config(args.llm.config()?)?);
        let hub = events::EventHub::default();
        let queue = queue::Queue::start(
            db.generic_plan_pool(queue::CONNECTIONS),
            enricher,
            hub.clone(),
            args.queue_config(),
        )
        .await?;
        let shutdown = CancellationToken::new();
        let control = queue.control();
        let sessions = Arc::new(auth::cache::SessionCache::default());
        let cache = sessions.clone();
        let tail = events::Tail::start(&db.pool)
            .await
            .context("reading the event log")?;
        let listener_task = tokio::spawn(events::run(
            db.pool.clone(),
            hub.clone(),
            tail,
            move |row| {
                // New or re-queued work: claim now instead of at the next poll.
                let queued = row.event.complaint().map(|c| c.status);
                if queued == Some(ComplaintStatus::Queued) {
                    control.wake();
                }
            },
            move |notice| cache.apply_notice(notice),
            shutdown.clone(),
        ));
        let audit_key = audit::AuditKey::load(&args.db)?;
        let portal_key = portal::receipt::PortalKey::derive(&audit_key);
        let totp_key = auth::totp_key::TotpKey::derive(&audit_key);
        let sealed = db::second_factor::seal_plain(&db.pool, &totp_key)
            .await
            .context("sealing TOTP secrets")?;
        if sealed > 0 {
            tracing::info!(sealed, "TOTP secrets stored plain are now sealed");
        }
        let public_listener = match args.public_listen {
            Some(addr) => Some(
                TcpListener::bind(addr)
                    .await
                    .with_context(|| format!("binding the portal's listener {addr}"))?,
            ),
            None => None,
        };
        tokio::spawn(seal_audit_log(
            db.pool.clone(),
            audit_key.clone(),
            shutdown.clone(),
        ));
        let last_anchor = CancellationToken::new();
        let anchoring = tokio::spawn(audit::anchor::run(
            db.pool.clone(),
            audit_key,
            audit::anchor::path(&args.db.data_dir),
            last_anchor.clone(),
        ));
        tokio::spawn(prune_sessions(db.pool.clone(), shutdown.clone()));
        tokio::spawn(storage::sweep::run(
            db.pool.clone(),
            blobs.clone(),
            std::time::Duration::from_secs(u64::from(args.orphan_grace_hours) * 3600),
            shutdown.clone(),
        ));
        tokio::spawn(index_features(db.pool.clone(), shutdown.clone()));
        tokio::spawn(analytics::fold_rollups(db.pool.clone(), shutdown.clone()));
        let intake = service::group_commit::IntakeWriter::start(
            db.generic_plan_pool(service::group_commit::IN_FLIGHT as u32),
            args.max_attempts as i32,
        );
        tokio::spawn(capacity::history::keep(db.pool.clone(), shutdown.clone()));
        tokio::spawn(db::search_index::tidy_pending_list(
            db.pool.clone(),
            intake.written(),
            shutdown.clone(),
        ));
        let analytics = analytics::Analytics::new(db.pool.clone(), hub.generation());
        let routes = http::route_table();
        let http_metrics = metrics::http::HttpMetrics::new(
            "aduan_http",
            routes.iter().map(|r| (&r.method, r.path)),
        );
        let portal_routes = http::portal::route_table();
        let portal_metrics = metrics::http::HttpMetrics::new(
            "aduan_portal",
            portal_routes.iter().map(|(m, p)| (m, *p)),
        );
        let services = service::Services {
            pool: db.pool.clone(),
            events: hub.clone(),
            queue: Some(queue.control()),
            intake,
            case_sla: args.case_sla(),
            sessions: sessions.clone(),
            recent_reads: Default::default(),
            max_attempts: args.max_attempts as i32,
            totp_key,
        };
        let state = AppState::new(StateInner {
            pool: db.pool.clone(),
            blobs,
            limits: UploadLimits {
                max_file_bytes: args.max_file_bytes,
                max_request_bytes: args.max_request_bytes,
                max_files: args.max_files,
            },
            max_attempts: args.max_attempts as i32,
            events: hub,
            queue: queue.control(),
            shutdown,
            draining: CancellationToken::new(),
            sessions,
            cors_origins: args.cors_origins.clone(),
            trusted_proxies: args.trusted_proxies.clone(),
            metrics_token: args.metrics_token.clone(),
            session_policy: args.session_policy(),
            listens_on_loopback: args.listen.ip().is_loopback(),
            previews: Arc::new(tokio::sync::Semaphore::new(http::preview::DECODES_AT_ONCE)),
            password_checks: auth::throttle::PasswordChecks::new(args.password_checks),
            ui_dir: http::ui::locate(args.ui_dir.as_deref()),
            analytics,
            http_metrics,
            portal_metrics,
            case_sla: args.case_sla(),
            services,
            portal: http::portal::Portal {
                config: args.portal_config(),
                key: portal_key,
            },
        });
        Ok(Application {
            listener,
            public_listener,
            db,
            state,
            queue,
            listener_task,
            anchoring: (anchoring, last_anchor),
            limits: args.connection_limits(),
            drain: std::time::Duration::from_secs(args.shutdown_drain_s),
        })
    }

    /// The database pool, for tests and tools that inspect state directly.
    pub fn pool(&self) -> &sqlx::PgPool {
        &self.db.pool
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.listener.local_addr().expect("bound listener")
    }

    /// The reporter portal's address, when it listens.
    pub fn public_addr(&self) -> Option<SocketAddr> {
        self.public_listener
            .as_ref()
            .map(|l| l.local_addr().expect("bound listener"))
    }

    /// Serve until `shutdown` resolves, then stop accepting, let requests in flight finish,
    /// and stop the private cluster if we started it.
    pub async fn run_until_stopped(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        let router = http::router(self.state.clone());
        tracing::info!(addr = %self.local_addr(), "listening");
        // The portal stops with the staff listener: when the drain ends.
        let public = self.public_listener.map(|listener| {
            let addr = listener.local_addr().ok();
            tracing::info!(addr = ?addr, "reporter portal listening");
            let stop = self.state.shutdown.clone();
            let router = http::portal::router(self.state.clone());
            tokio::spawn(http::serve::serve(
                listener,
                router,
                self.limits,
                async move { stop.cancelled().await },
            ))
        });
        let cancel = self.state.shutdown.clone();
        let (draining, drain) = (self.state.draining.clone(), self.drain);
        let served = http::serve::serve(self.listener, router, self.limits, async move {
            shutdown.await;
            draining.cancel();
            if !drain.is_zero() {
                tracing::info!(
                    seconds = drain.as_secs_f64(),
                    "draining: not ready, still serving, until the listener closes"
                );
                tokio::time::sleep(drain).await;
            }
            // End event streams so the graceful shutdown does not wait on them.
            cancel.cancel();
        })
        .await;
        self.state.shutdown.cancel();
        if let Some(public) = public {
            let _ = public.await;
        }
        tracing::info!("HTTP server stopped; stopping workers");
        self.queue.shutdown().await;
        let _ = self.listener_task.await;
        self.anchoring.1.cancel();
        let _ = self.anchoring.0.await;
        drop(self.state);
        self.db.close().await;
        served.context("HTTP server")
    }
}

/// Seal new audit entries into the hash chain five times a second: small batches spread
/// the work evenly instead of a burst that would stall intake once a second.
async fn seal_audit_log(pool: sqlx::PgPool, key: audit::AuditKey, stop: CancellationToken) {
    loop {
        tokio::select! {
            _ = stop.cancelled() => return,
            _ = tokio::time::sleep(std::time::Duration::from_millis(200)) => {},
        }
        if let Err(e) = db::audit::seal(&pool, &key).await {
            tracing::warn!(error = %e, "sealing the audit log failed");
        }
    }
}

/// Forget ended sessions, used tickets and old sign-in attempts every few minutes.
async fn prune_sessions(pool: sqlx::PgPool, stop: CancellationToken) {
    loop {
        tokio::select! {
            _ = stop.cancelled() => return,
            _ = tokio::time::sleep(std::time::Duration::from_secs(300)) => {},
        }
        let pruned = async {
            let n = db::sessions::prune(&pool).await?
                + db::second_factor::prune_challenges(&pool).await?
                + db::portal::prune(&pool).await?;
            Ok::<_, sqlx::Error>(n + db::login_attempts::prune(&pool).await?)
        };
        if let Err(e) = pruned.await {
            tracing::warn!(error = %e, "pruning ended sessions failed");
        }
    }
}

/// Index related-complaint features in the background: a small batch a second while jobs
/// wait (enrichment comes first), back to back when the queue is idle and a backlog remains.
async fn index_features(pool: sqlx::PgPool, stop: CancellationToken) {
    const BATCH: i32 = 250;
    let mut pause = std::time::Duration::from_secs(1);
    loop {
        tokio::select! {
            _ = stop.cancelled() => return,
            _ = tokio::time::sleep(pause) => {},
        }
        pause = std::time::Duration::from_secs(1);
        match db::related::index_features(&pool, BATCH).await {
            Ok(n) if n == BATCH => {
                if !queue::jobs::work_waiting(&pool).await.unwrap_or(true) {
                    pause = std::time::Duration::ZERO;
                }
            }
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "indexing related-complaint features failed"),
        }
    }
}
