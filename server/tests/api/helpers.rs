//! `spawn_app()`: the real application on 127.0.0.1:0 against a fresh database in a real
//! PostgreSQL, with its own data directory.

use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::OnceLock;

use aduan_api::account::Role;
use aduan_server::config::{DbArgs, LogFormat, ServeArgs};
use aduan_server::db::embedded::EmbeddedPostgres;
use aduan_server::Application;
use secrecy::SecretString;
use sqlx::postgres::PgConnectOptions;
use sqlx::{Connection, PgPool};
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// The PostgreSQL tests create their databases in: `ADUAN_TEST_DATABASE_URL` when set (CI
/// starts a cluster and sets it), else a private cluster under `target/` started once.
pub fn admin_url() -> &'static str {
    static URL: OnceLock<String> = OnceLock::new();
    URL.get_or_init(|| {
        if let Ok(url) = std::env::var("ADUAN_TEST_DATABASE_URL") {
            return url;
        }
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/test-pg");
        let pg = EmbeddedPostgres::start(&dir).expect("starting the test PostgreSQL cluster");
        format!(
            "postgres://aduan@localhost/postgres?host={}",
            pg.socket_dir().display()
        )
    })
}

/// Test databases are named `aduan_test_<pid>_<uuid>`, so that one run can tell its own
/// from those an earlier, finished run left behind.
const TEST_DB_PREFIX: &str = "aduan_test_";

/// The role test servers serve as, as an installation's `aduan_app`: it owns nothing, and
/// the server grants it its rights after migrating as the database's owner.
const APP_ROLE: &str = "aduan_test_app";

/// The URL of `owner_url`'s database for the server's own role.
pub fn app_url(owner_url: &str) -> String {
    let mut url = url::Url::parse(owner_url).expect("database url");
    url.set_username(APP_ROLE).unwrap();
    url.set_password(Some(APP_ROLE)).unwrap();
    url.to_string()
}

/// Create the server's role in the test cluster (once per run; other runs may race).
async fn ensure_app_role(conn: &mut sqlx::PgConnection) {
    sqlx::query(&format!(
        "DO $$ BEGIN
             CREATE ROLE {APP_ROLE} LOGIN PASSWORD '{APP_ROLE}';
         EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
         END $$"
    ))
    .execute(conn)
    .await
    .expect("creating the test servers' role");
}

/// A new, empty database; returns its URL (for the database's owner).
pub async fn fresh_database() -> String {
    let admin = PgConnectOptions::from_str(admin_url()).expect("admin url");
    let mut conn = sqlx::PgConnection::connect_with(&admin)
        .await
        .expect("connecting to the test PostgreSQL");
    static SWEPT: tokio::sync::OnceCell<()> = tokio::sync::OnceCell::const_new();
    SWEPT
        .get_or_init(|| async {
            drop_leftover_databases(&admin).await;
            ensure_app_role(&mut conn).await;
        })
        .await;
    let name = format!(
        "{TEST_DB_PREFIX}{}_{}",
        std::process::id(),
        uuid::Uuid::new_v4().simple()
    );
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&mut conn)
        .await
        .expect("creating a test database");
    conn.close().await.ok();
    let mut url = url::Url::parse(admin_url()).expect("admin url");
    url.set_path(&name);
    url.to_string()
}

/// Drops the test databases of runs whose process has ended. Each API test makes a
/// database of its own and leaves it for inspection; without this they pile up run after
/// run in the private cluster (about 10 MB each).
async fn drop_leftover_databases(admin: &PgConnectOptions) {
    let mut conn = sqlx::PgConnection::connect_with(admin)
        .await
        .expect("connecting to the test PostgreSQL");
    let names: Vec<String> =
        sqlx::query_scalar("SELECT datname FROM pg_database WHERE starts_with(datname, $1)")
            .bind(TEST_DB_PREFIX)
            .fetch_all(&mut conn)
            .await
            .expect("listing test databases");
    for name in names {
        let pid = name[TEST_DB_PREFIX.len()..].split('_').next().unwrap_or("");
        // Without /proc, liveness cannot be told: keep everything.
        let alive = !Path::new("/proc/self").exists() || Path::new("/proc").join(pid).exists();
        if pid.parse::<u32>().is_ok() && alive {
            continue;
        }
        // Names from before the pid was part of them have no number there: leftovers too.
        let dropped = sqlx::query(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
            .execute(&mut conn)
            .await;
        if let Err(e) = dropped {
            eprintln!("could not drop leftover test database {name}: {e}");
        }
    }
    conn.close().await.ok();
}

/// Arguments of a test server on the database at `owner_url` (migrating as its owner,
/// serving as the test servers' own role), or on the private cluster when `None`.
pub fn serve_args(owner_url: Option<String>, data_dir: &Path) -> ServeArgs {
    ServeArgs {
        db: DbArgs {
            database_url: owner_url.as_deref().map(app_url).map(SecretString::from),
            owner_database_url: owner_url.map(SecretString::from),
            audit_key_file: None,
            data_dir: data_dir.to_path_buf(),
            db_pool: 8,
            blob_store: None,
        },
        listen: "127.0.0.1:0".parse().unwrap(),
        llm: aduan_server::config::LlmArgs {
            url: None,
            model: None,
            api_key: None,
            timeout_s: 120,
            extra: None,
        },
        workers: 16,
        max_attempts: 5,
        lease_s: 60,
        poll_ms: 500,
        retry_base_ms: 100,
        max_file_bytes: 4 * 1024 * 1024,
        max_request_bytes: 10 * 1024 * 1024,
        max_files: 5,
        cors_origins: Vec::new(),
        trusted_proxies: Vec::new(),
        metrics_token: None,
        session_idle_hours: 12,
        session_max_days: 7,
        max_connections: 2048,
        header_timeout_s: 30,
        idle_timeout_s: 60,
        shutdown_drain_s: 0,
        password_checks: 4,
        ui_dir: None,
        case_idle_days: 14,
        case_age_days: 90,
        orphan_grace_hours: 24,
        public_listen: None,
        public_pow_bits: 4,
        public_submissions_per_minute: 10,
        public_signin_failures: 10,
        public_signin_failures_global: 1000,
        public_session_minutes: 30,
        public_ack_days: 7,
        demo: false,
        log_format: LogFormat::Pretty,
    }
}

/// Every test app has one user of each role, with this password.
pub const PASSWORD: &str = "kata-laluan-ujian";

pub struct TestApp {
    pub base: String,
    /// The reporter portal's listener, when the app was started with one.
    pub public_base: Option<String>,
    /// Signed in as `admin`.
    pub client: reqwest::Client,
    /// Bearer tokens of `admin`, `officer` and `intake`.
    pub tokens: std::collections::HashMap<Role, String>,
    /// The server's own pool (its restricted role).
    pub pool: PgPool,
    /// The database's owner URL; `None` on the private cluster.
    pub database_url: Option<String>,
    pub data_dir: PathBuf,
    /// Keeps the data directory alive as long as the app.
    pub _tmp: Option<tempfile::TempDir>,
    stop: Option<oneshot::Sender<()>>,
    handle: Option<JoinHandle<anyhow::Result<()>>>,
}

/// The app on a fresh database with its own temporary data directory.
pub async fn spawn_app() -> TestApp {
    let tmp = tempfile::tempdir().unwrap();
    let url = fresh_database().await;
    let mut app = spawn_with(serve_args(Some(url), tmp.path())).await;
    app._tmp = Some(tmp);
    app
}

/// The app on a fresh database, with arguments adjusted by `adjust`.
pub async fn spawn_app_with(adjust: impl FnOnce(&mut ServeArgs)) -> TestApp {
    let tmp = tempfile::tempdir().unwrap();
    let url = fresh_database().await;
    let mut args = serve_args(Some(url), tmp.path());
    adjust(&mut args);
    let mut app = spawn_with(args).await;
    app._tmp = Some(tmp);
    app
}

/// A further instance on the same database as `other` (its own data directory).
pub async fn spawn_instance(database_url: &str, adjust: impl FnOnce(&mut ServeArgs)) -> TestApp {
    let tmp = tempfile::tempdir().unwrap();
    let mut args = serve_args(Some(database_url.to_string()), tmp.path());
    adjust(&mut args);
    let mut app = spawn_with(args).await;
    app._tmp = Some(tmp);
    app
}

/// The app with the given arguments (e.g. no database URL, to use the private cluster).
pub async fn spawn_with(args: ServeArgs) -> TestApp {
    init_logs();
    let database_url = args
        .db
        .owner_url()
        .map(|s| secrecy::ExposeSecret::expose_secret(s).to_string());
    let data_dir = args.db.data_dir.clone();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let app = Application::build(args, listener)
        .await
        .expect("building app");
    let base = format!("http://{}", app.local_addr());
    let public_base = app.public_addr().map(|a| format!("http://{a}"));
    let pool = app.pool().clone();
    let (tx, rx) = oneshot::channel();
    let handle = tokio::spawn(app.run_until_stopped(async move {
        let _ = rx.await;
    }));
    let tokens = sign_in_all(&pool, &base).await;
    TestApp {
        base,
        public_base,
        client: client_with(Some(&tokens[&Role::Admin])),
        tokens,
        pool,
        database_url,
        data_dir,
        _tmp: None,
        stop: Some(tx),
        handle: Some(handle),
    }
}

/// Create (if needed) and sign in one user per role.
pub async fn sign_in_all(pool: &PgPool, base: &str) -> std::collections::HashMap<Role, String> {
    static HASH: OnceLock<String> = OnceLock::new();
    let hash = HASH.get_or_init(|| aduan_server::auth::hash_password(PASSWORD));
    let mut tokens = std::collections::HashMap::new();
    for role in Role::ALL {
        let mut conn = pool.acquire().await.unwrap();
        let name = role.as_str();
        let _ = aduan_server::db::users::create(&mut conn, name, name, role, hash)
            .await
            .unwrap();
        tokens.insert(role, login(base, role.as_str(), PASSWORD).await);
    }
    tokens
}

pub async fn login(base: &str, username: &str, password: &str) -> String {
    let r = reqwest::Client::new()
        .post(format!("{base}/api/v1/auth/login"))
        .json(&serde_json::json!({"username": username, "password": password}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "login {username}");
    r.json::<serde_json::Value>().await.unwrap()["token"]
        .as_str()
        .unwrap()
        .to_string()
}

/// A client sending `Authorization: Bearer <token>` on every request.
pub fn client_with(token: Option<&str>) -> reqwest::Client {
    let mut headers = reqwest::header::HeaderMap::new();
    if let Some(t) = token {
        headers.insert("authorization", format!("Bearer {t}").parse().unwrap());
    }
    reqwest::Client::builder()
        .default_headers(headers)
        .build()
        .unwrap()
}

impl TestApp {
    /// A pool of the database's owner, for what the server's role may not do (bypassing
    /// triggers, as an attacker with the owner's rights would).
    pub async fn owner_pool(&self) -> PgPool {
        let url = self
            .database_url
            .as_deref()
            .expect("an external test database");
        PgPool::connect(url).await.expect("connecting as the owner")
    }

    /// A client signed in with `role`.
    pub fn as_role(&self, role: Role) -> reqwest::Client {
        client_with(Some(&self.tokens[&role]))
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// The version of a complaint's enrichment as `client` reads it now.
    pub async fn enrichment_version(&self, client: &reqwest::Client, id: &str) -> i64 {
        let url = self.url(&format!("/api/v1/complaints/{id}"));
        let detail: serde_json::Value = client.get(url).send().await.unwrap().json().await.unwrap();
        detail["enrichment"]["version"]
            .as_i64()
            .unwrap_or_else(|| panic!("no enrichment version in {detail}"))
    }

    /// Correct a complaint's enrichment as an officer would: at the version just read.
    pub async fn correct(
        &self,
        client: &reqwest::Client,
        id: &str,
        body: &serde_json::Value,
    ) -> reqwest::Response {
        let version = self.enrichment_version(client, id).await;
        client
            .patch(self.url(&format!("/api/v1/complaints/{id}/enrichment")))
            .header("if-match", format!("\"{version}\""))
            .json(body)
            .send()
            .await
            .unwrap()
    }

    /// Send the shutdown signal (SIGTERM's) without waiting; `stop` then waits.
    pub fn signal_stop(&mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
    }

    /// Graceful shutdown; waits until the server (and its private cluster) stopped.
    pub async fn stop(mut self) -> Option<tempfile::TempDir> {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
        if let Some(h) = self.handle.take() {
            h.await.unwrap().unwrap();
        }
        self._tmp.take()
    }

    pub async fn post_json(&self, body: &serde_json::Value) -> reqwest::Response {
        self.client
            .post(self.url("/api/v1/complaints"))
            .json(body)
            .send()
            .await
            .unwrap()
    }

    /// Pause or resume enrichment for all instances.
    pub async fn pause(&self, paused: bool) {
        let r = self
            .client
            .patch(self.url("/api/v1/admin/processing"))
            .json(&serde_json::json!({ "paused": paused }))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
    }

    /// Submit `n` complaints whose first line is `"{tag} #{i}"`; returns their ids.
    pub async fn submit_many(&self, tag: &str, n: usize) -> Vec<String> {
        let mut ids = Vec::new();
        for i in 0..n {
            let body = serde_json::json!({
                "channel": "phone",
                "description": format!("{tag} #{i}\nPegawai kastam meminta RM{} untuk melepaskan barang.", 100 + i),
            });
            let r = self.post_json(&body).await;
            assert_eq!(r.status(), 202);
            ids.push(
                r.json::<serde_json::Value>().await.unwrap()["id"]
                    .as_str()
                    .unwrap()
                    .to_string(),
            );
        }
        ids
    }

    /// Complaints by status.
    pub async fn status_counts(&self) -> std::collections::HashMap<String, i64> {
        sqlx::query_as::<_, (String, i64)>(
            "SELECT status, count(*) FROM complaints GROUP BY status",
        )
        .fetch_all(&self.pool)
        .await
        .unwrap()
        .into_iter()
        .collect()
    }

    /// Wait until `n` complaints have `status`, or panic after `timeout`.
    pub async fn wait_for_status(&self, status: &str, n: i64, timeout: std::time::Duration) {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let counts = self.status_counts().await;
            if counts.get(status).copied().unwrap_or(0) >= n {
                return;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "waited {timeout:?} for {n} {status}: {counts:?}"
            );
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
    }

    pub async fn processing(&self) -> serde_json::Value {
        self.client
            .get(self.url("/api/v1/admin/processing"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }

    pub async fn complaint_count(&self) -> i64 {
        sqlx::query_scalar("SELECT count(*) FROM complaints")
            .fetch_one(&self.pool)
            .await
            .unwrap()
    }
}

pub fn sample_complaint() -> serde_json::Value {
    serde_json::json!({
        "channel": "walk_in",
        "description": "Pegawai JPJ di Shah Alam meminta RM500 duit kopi untuk meluluskan lesen saya minggu lepas.",
        "complainant": {"name": "Ahmad bin Ali", "phone": "012-3456789"},
        "incident_date": "2026-11-20",
        "location": "Shah Alam, Selangor",
        "subject_agency": "JPJ"
    })
}

fn init_logs() {
    static ONCE: OnceLock<()> = OnceLock::new();
    ONCE.get_or_init(|| {
        if std::env::var_os("TEST_LOG").is_some() {
            aduan_server::telemetry::init(LogFormat::Pretty);
        }
    });
}

/// GET `url` with `client` and parse the JSON reply.
pub async fn get_json(client: &reqwest::Client, url: String) -> serde_json::Value {
    client.get(url).send().await.unwrap().json().await.unwrap()
}
