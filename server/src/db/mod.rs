//! PostgreSQL: connecting (to a given URL or the private cluster), migrations, and plain
//! async functions per table.

pub mod analytics;
pub mod attachments;
pub mod audit;
pub mod capacity;
pub mod case_writes;
pub mod cases;
pub mod complaints;
pub mod desktop_releases;
pub mod embedded;
pub mod enrichments;
pub mod events;
pub mod export;
pub mod intake;
pub mod login_attempts;
pub mod messages;
pub mod portal;
pub mod processing;
pub mod related;
pub mod roles;
pub mod search_index;
pub mod second_factor;
pub mod sessions;
pub mod users;
pub mod writeback;

use std::str::FromStr;
use std::time::Duration;

use anyhow::Context;
use secrecy::{ExposeSecret, SecretString};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{ConnectOptions, Connection, PgPool};

use crate::config::DbArgs;
use embedded::EmbeddedPostgres;

/// The schema, embedded in the binary.
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../migrations");

/// A connection pool and, when we started it, the private cluster behind it.
pub struct Database {
    pub pool: PgPool,
    pub embedded: Option<EmbeddedPostgres>,
    pub options: PgConnectOptions,
    /// Steady writeback of the private cluster's files (see [`writeback`]).
    writeback: Option<writeback::Writeback>,
}

/// Where to connect, as the schema's owner and as the server.
struct Endpoints {
    owner: PgConnectOptions,
    app: PgConnectOptions,
    /// The role to grant the server's rights to, when it is not the owner.
    app_role: Option<String>,
    embedded: Option<EmbeddedPostgres>,
}

impl Endpoints {
    /// Parse the URLs, or start the private cluster.
    async fn resolve(args: &DbArgs) -> anyhow::Result<Self> {
        let parse = |url: &SecretString, what: &str| {
            PgConnectOptions::from_str(url.expose_secret())
                .with_context(|| format!("{what} is not a valid PostgreSQL URL"))
        };
        let Some(url) = &args.database_url else {
            let dir = args.data_dir.clone();
            let pg = tokio::task::spawn_blocking(move || EmbeddedPostgres::start(&dir)).await??;
            ensure_database(&pg).await?;
            let owner = pg.connect_options();
            return Ok(Endpoints {
                app: owner.clone().username(roles::APP_ROLE),
                owner,
                app_role: Some(roles::APP_ROLE.into()),
                embedded: Some(pg),
            });
        };
        let app = parse(url, "DATABASE_URL")?;
        let Some(owner_url) = &args.owner_database_url else {
            return Ok(Endpoints {
                owner: app.clone(),
                app,
                app_role: None,
                embedded: None,
            });
        };
        let owner = parse(owner_url, "ADUAN_OWNER_DATABASE_URL")?;
        let app_role =
            (app.get_username() != owner.get_username()).then(|| app.get_username().to_string());
        Ok(Endpoints {
            owner,
            app,
            app_role,
            embedded: None,
        })
    }
}

impl Database {
    /// Connect to `--database-url`, or start the private cluster; migrate as the schema's
    /// owner, grant the server's role its rights, and return a pool of the server's role.
    pub async fn open(args: &DbArgs) -> anyhow::Result<Self> {
        let ends = Endpoints::resolve(args).await?;
        let mut owner = sqlx::PgConnection::connect_with(&ends.owner)
            .await
            .context("connecting to PostgreSQL as the schema's owner")?;
        MIGRATOR
            .run(&mut owner)
            .await
            .map_err(explain_migration_error)?;
        if let Some(role) = &ends.app_role {
            if ends.embedded.is_some() {
                roles::ensure_role(&mut owner, role).await?;
            }
            roles::grant(&mut owner, role)
                .await
                .with_context(|| format!("granting the database role {role} its rights"))?;
        }
        owner.close().await.ok();
        let mut db = Self::with_pool(args, ends.app, ends.embedded).await?;
        let excess = roles::excess_audit_rights(&db.pool).await?;
        if !excess.is_empty() {
            tracing::warn!(
                rights = excess.join(", "),
                "the server's database role can change or delete audit entries: give the \
                 server a role of its own and migrate as the owner (ADUAN_OWNER_DATABASE_URL; \
                 README, \"Database roles\")"
            );
        }
        if let Some(pg) = &db.embedded {
            db.writeback = Some(
                writeback::Writeback::spawn(pg.data_dir())
                    .context("starting the cluster's writeback thread")?,
            );
        }
        Ok(db)
    }

    /// Connect as the schema's owner (starting the private cluster if needed) without
    /// touching the schema: for tools that must see and load the database as it is
    /// (`backup`, `restore`).
    pub async fn connect(args: &DbArgs) -> anyhow::Result<Self> {
        let ends = Endpoints::resolve(args).await?;
        Self::with_pool(args, ends.owner, ends.embedded).await
    }

    async fn with_pool(
        args: &DbArgs,
        options: PgConnectOptions,
        embedded: Option<EmbeddedPostgres>,
    ) -> anyhow::Result<Self> {
        let options = options.log_slow_statements(log::LevelFilter::Warn, Duration::from_secs(1));
        let pool = pool_options(args.db_pool)
            .connect_with(options.clone())
            .await
            .context("connecting to PostgreSQL")?;
        Ok(Database {
            pool,
            embedded,
            options,
            writeback: None,
        })
    }

    /// A pool of `size` connections of its own whose statements are always planned
    /// generically, for the few big statements run over and over (intake batches, claims,
    /// completions): a new plan each time cost as much as a small batch's work.
    pub fn generic_plan_pool(&self, size: u32) -> PgPool {
        let options = self
            .options
            .clone()
            .options([("plan_cache_mode", "force_generic_plan")]);
        pool_options(size).connect_lazy_with(options)
    }

    /// Close the pool and stop the private cluster if we run one (the server owns it).
    pub async fn close(self) {
        self.close_inner(true).await
    }

    /// For one-off commands (`migrate`, `user add`, `backup`…): stop the private cluster only
    /// if this command started it and nobody else is connected, so a running server keeps
    /// its database, also one that started while the command ran (a nightly backup at boot).
    pub async fn close_tool(self) {
        let started = self.embedded.as_ref().is_some_and(|pg| pg.started);
        let stop = started && !self.others_connected().await;
        self.close_inner(stop).await
    }

    /// Whether client sessions other than this pool's are open on the cluster.
    async fn others_connected(&self) -> bool {
        let Ok(mut conn) = self.pool.acquire().await else {
            return false;
        };
        let mine = self.pool.size() as i64;
        let clients: Result<i64, _> = sqlx::query_scalar(
            "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend'",
        )
        .fetch_one(&mut *conn)
        .await;
        match clients {
            Ok(n) if n > mine => {
                tracing::info!(
                    others = n - mine,
                    "leaving the private PostgreSQL cluster running: others are connected"
                );
                true
            }
            _ => false,
        }
    }

    async fn close_inner(self, stop_cluster: bool) {
        self.pool.close().await;
        drop(self.writeback);
        if let Some(pg) = self.embedded.filter(|_| stop_cluster) {
            let _ = tokio::task::spawn_blocking(move || {
                if let Err(e) = pg.stop() {
                    tracing::error!(error = %e, "stopping the private PostgreSQL cluster");
                }
            })
            .await;
        }
    }
}

/// A connection idle longer than this is pinged before use; see `pool_options`.
const PING_AFTER_IDLE: Duration = Duration::from_secs(5);

/// Short acquire timeout: while the database is down, requests answer 503 quickly instead
/// of queueing; the pool reconnects by itself when it returns.
///
/// Only connections that sat idle a while are pinged before use. sqlx pings at every
/// acquire by default: one more round trip per statement, and the intake writer acquires
/// once per batch, the queue once per claim and per completion. A connection in steady use
/// that breaks fails its statement instead, which closes it, and its callers get the same
/// 503 an outage gives them.
pub fn pool_options(max: u32) -> PgPoolOptions {
    PgPoolOptions::new()
        .max_connections(max)
        .min_connections(0)
        .acquire_timeout(Duration::from_secs(3))
        .idle_timeout(Duration::from_secs(300))
        .test_before_acquire(false)
        .before_acquire(|conn, meta| {
            Box::pin(async move {
                if meta.idle_for >= PING_AFTER_IDLE {
                    conn.ping().await?;
                }
                Ok(true)
            })
        })
}

async fn ensure_database(pg: &EmbeddedPostgres) -> anyhow::Result<()> {
    let mut conn = sqlx::PgConnection::connect_with(&pg.admin_options())
        .await
        .context("connecting to the private PostgreSQL cluster")?;
    let name = EmbeddedPostgres::database_name();
    let exists: bool =
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)")
            .bind(name)
            .fetch_one(&mut conn)
            .await?;
    if !exists {
        sqlx::query(&format!("CREATE DATABASE \"{name}\""))
            .execute(&mut conn)
            .await?;
    }
    conn.close().await?;
    Ok(())
}

/// Connection-level failures and server shutdown are "the database is down", not bugs.
pub fn is_unavailable(err: &sqlx::Error) -> bool {
    match err {
        sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::Protocol(_)
        | sqlx::Error::WorkerCrashed => true,
        sqlx::Error::Database(db) => db.code().is_some_and(|c| {
            // 08: connection exception; 57P0x: admin/crash shutdown, cannot connect now.
            c.starts_with("08") || c.starts_with("57P")
        }),
        _ => false,
    }
}

/// A value of a column whose CHECK constraint admits only the values `parse` knows. An
/// unknown one means a schema this binary does not know: an error, never a guess.
pub fn known<T>(value: &str, what: &str, parse: fn(&str) -> Option<T>) -> Result<T, sqlx::Error> {
    parse(value).ok_or_else(|| {
        sqlx::Error::Decode(format!("unknown {what} {value:?} in the database").into())
    })
}

/// A database migrated by a newer version must not be touched by an older binary (after a
/// downgrade of the package, say): sqlx checks that before applying anything, and the
/// message says what happened and what to do.
fn explain_migration_error(e: sqlx::migrate::MigrateError) -> anyhow::Error {
    match e {
        sqlx::migrate::MigrateError::VersionMissing(v) => anyhow::anyhow!(
            "the database was upgraded by a newer version of Aduan: its migration {v} is \
             unknown to this version ({}). Nothing was changed. Install the newer version \
             again, or restore a backup made with this one.",
            env!("CARGO_PKG_VERSION")
        ),
        other => anyhow::Error::new(other).context("applying migrations"),
    }
}
