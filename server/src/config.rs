//! Command line and environment. Every option is a flag and an `ADUAN_…` variable.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};
use secrecy::SecretString;

/// Attempts per enrichment unless configured.
pub const DEFAULT_MAX_ATTEMPTS: u32 = 5;

/// Aduan complaint-intake server.
#[derive(Debug, Parser)]
#[command(name = "aduan-server", version, about, long_about = None)]
#[command(args_conflicts_with_subcommands = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    /// Options of `serve`, the default command.
    #[command(flatten)]
    pub serve: ServeArgs,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the HTTP server and the enrichment workers (the default).
    Serve(Box<ServeArgs>),
    /// Apply database migrations and exit.
    Migrate(DbArgs),
    /// Run an OpenAI-compatible LLM simulator for demos and load tests.
    LlmSim(crate::devtools::llm_sim::SimConfig),
    /// Manage accounts.
    #[command(subcommand)]
    User(UserCommand),
    /// Check the audit log.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// Write a consistent backup of the database and the attachments while the server runs.
    Backup(BackupArgs),
    /// Restore a backup into an empty installation (a new data dir or an empty database).
    Restore(RestoreArgs),
    /// Desktop app builds for the app's own updater.
    #[command(subcommand)]
    Desktop(DesktopCommand),
    /// The stored attachments and desktop bundles.
    #[command(subcommand)]
    Blobs(BlobsCommand),
    /// The dashboard's figures.
    #[command(subcommand)]
    Analytics(AnalyticsCommand),
    /// Run the old capacity document's test plan against a server and print its tables
    /// with measured numbers: intake, dashboard reads, bursts predicted against measured.
    Loadtest(Box<LoadtestArgs>),
    /// Score the builtin enricher, and the configured LLM provider if any, on a labelled
    /// set of complaints (JSONL), side by side.
    Eval(EvalArgs),
    /// Train the builtin enricher's classifier from the labelled corpus (for developers:
    /// the result is committed and built into the binary).
    TrainEnricher(TrainArgs),
    /// Print a configuration file (for /etc/aduan/aduan.env) naming every option of `serve`
    /// with its help and default, commented out.
    EnvTemplate {
        /// Set a variable instead of leaving its default commented out: KEY=VALUE.
        #[arg(long = "set", value_parser = parse_key_value)]
        set: Vec<(String, String)>,
    },
}

fn parse_key_value(s: &str) -> Result<(String, String), String> {
    s.split_once('=')
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .ok_or_else(|| "expected KEY=VALUE".to_string())
}

/// Options of `aduan-server loadtest`.
#[derive(Debug, Clone, Args)]
pub struct LoadtestArgs {
    /// The server to test.
    #[arg(long, default_value = "http://127.0.0.1:8080")]
    pub url: url::Url,
    /// An admin's session token (the `token` of `POST /api/v1/auth/login`).
    #[arg(long)]
    pub token: String,
    /// Test a server that is not on this machine.
    #[arg(long)]
    pub yes: bool,
    /// Keep the test's complaints; by default they are deleted from the database
    /// afterwards (which needs the database options below).
    #[arg(long)]
    pub keep: bool,
    /// Complaints sent by each intake run (at concurrency 10, then 64).
    #[arg(long, default_value_t = 1000, value_parser = clap::value_parser!(u32).range(1..=100_000))]
    pub intake_requests: u32,
    /// Dashboard reads (at concurrency 100).
    #[arg(long, default_value_t = 2000, value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    pub dashboard_requests: u32,
    /// Burst sizes, each predicted and then measured.
    #[arg(long, value_delimiter = ',', default_values_t = [50, 200])]
    pub bursts: Vec<u32>,
    /// Seconds each burst is spread over (0: all at once).
    #[arg(long, default_value_t = 0.0)]
    pub over_s: f64,
    /// Give up on a burst after this many seconds.
    #[arg(long, default_value_t = 3600)]
    pub burst_timeout_s: u64,
    #[command(flatten)]
    pub db: DbArgs,
}

/// The OpenAI-compatible provider, for `serve` and `eval` alike.
#[derive(Debug, Clone, Args)]
pub struct LlmArgs {
    /// Base URL of an OpenAI-compatible API, e.g. http://127.0.0.1:11434/v1.
    /// Without it the builtin offline enricher is used.
    #[arg(long = "llm-url", value_name = "LLM_URL", env = "ADUAN_LLM_URL")]
    pub url: Option<String>,
    /// Model name sent to the provider.
    #[arg(long = "llm-model", value_name = "LLM_MODEL", env = "ADUAN_LLM_MODEL")]
    pub model: Option<String>,
    /// Bearer key for the provider (never logged). Without it, the systemd credential
    /// `llm-api-key` is read when the service has one (`LoadCredential=`), so the key need
    /// not stand in the configuration file.
    #[arg(
        long = "llm-api-key",
        value_name = "LLM_API_KEY",
        env = "ADUAN_LLM_API_KEY",
        hide_env_values = true
    )]
    pub api_key: Option<SecretString>,
    /// Seconds to wait for one provider reply.
    #[arg(
        long = "llm-timeout-s",
        value_name = "LLM_TIMEOUT_S",
        env = "ADUAN_LLM_TIMEOUT",
        default_value_t = 120
    )]
    pub timeout_s: u64,
    /// Extra JSON fields merged into every provider request, for a backend's quirks,
    /// e.g. '{"provider":{"require_parameters":true}}'.
    #[arg(long = "llm-extra", value_name = "LLM_EXTRA", env = "ADUAN_LLM_EXTRA")]
    pub extra: Option<String>,
}

impl LlmArgs {
    /// The provider settings as the enrichment layer takes them.
    pub fn config(&self) -> anyhow::Result<crate::enrich::LlmConfig> {
        let extra = match &self.extra {
            Some(s) => Some(
                serde_json::from_str(s)
                    .map_err(|e| anyhow::anyhow!("--llm-extra is not valid JSON: {e}"))?,
            ),
            None => None,
        };
        Ok(crate::enrich::LlmConfig {
            url: self.url.clone(),
            model: self.model.clone(),
            api_key: self.api_key.clone().or_else(credential_api_key),
            timeout: std::time::Duration::from_secs(self.timeout_s),
            extra,
        })
    }
}

/// Options of `aduan-server eval`.
#[derive(Debug, Clone, Args)]
pub struct EvalArgs {
    /// Labelled complaints, one JSON object a line: {"text": "...", "category": "...",
    /// "act": "akta_694", "section": "16(a)", "id": 1, "received": "2025-03-15"}; act and
    /// section (the primary section) are absent for not_corruption and
    /// insufficient_information; id and received are optional.
    #[arg(long)]
    pub set: PathBuf,
    /// The provider to score beside the builtin enricher, if any.
    #[command(flatten)]
    pub llm: LlmArgs,
    /// Provider calls in flight at once (1 to 64).
    #[arg(long, default_value_t = 4)]
    pub concurrency: usize,
    /// Print the report as JSON instead of tables.
    #[arg(long)]
    pub json: bool,
}

/// Options of `aduan-server train-enricher`.
#[derive(Debug, Clone, Args)]
pub struct TrainArgs {
    /// Directory of labelled JSONL files (every *.jsonl in it, in name order).
    #[arg(long, default_value = "server/src/enrich/builtin/corpus")]
    pub corpus: PathBuf,
    /// Where to write the model.
    #[arg(long, default_value = "server/src/enrich/builtin/model/model.bin")]
    pub out: PathBuf,
    /// A labelled JSONL set to score the new model on (repeatable), e.g. the development
    /// set; never the blind set while choosing anything.
    #[arg(long)]
    pub check: Vec<PathBuf>,
}

/// Options of `aduan-server backup`.
#[derive(Debug, Clone, Args)]
pub struct BackupArgs {
    /// Directory to create for the backup; it must not exist yet (or be empty). `%Y`,
    /// `%m`, `%d`, `%H`, `%M` and `%S` are replaced by the current UTC date and time, e.g.
    /// /var/lib/aduan/backups/%Y%m%d-%H%M%S.
    #[arg(long, env = "ADUAN_BACKUP_TO")]
    pub to: String,
    /// After a successful backup, keep only the newest N Aduan backups in the same parent
    /// directory and delete the older ones (nothing else there is touched). Without it,
    /// nothing is deleted.
    #[arg(long, env = "ADUAN_BACKUP_KEEP", value_parser = clap::value_parser!(u32).range(1..))]
    pub keep: Option<u32>,
    #[command(flatten)]
    pub db: DbArgs,
}

/// Options of `aduan-server restore`.
#[derive(Debug, Clone, Args)]
pub struct RestoreArgs {
    /// A backup directory written by `aduan-server backup`.
    #[arg(long, env = "ADUAN_RESTORE_FROM")]
    pub from: PathBuf,
    #[command(flatten)]
    pub db: DbArgs,
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create an account; the password is read from standard input (one line).
    Add {
        /// Login name: 2–64 of a-z, 0-9, '.', '_' or '-'.
        name: String,
        #[arg(long, value_parser = ["intake", "officer", "admin"])]
        role: String,
        /// Name shown in the app; defaults to the login name.
        #[arg(long)]
        display_name: Option<String>,
        #[command(flatten)]
        db: DbArgs,
    },
}

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Walk the audit log's keyed hash chain, compare it with the anchors written outside
    /// the database, and report the first problem (exit code 1).
    Verify {
        /// More anchors to compare with, e.g. exported from the journal with
        /// `journalctl -u aduan-server -o cat --grep audit.anchor`.
        #[arg(long)]
        anchors: Vec<PathBuf>,
        #[command(flatten)]
        db: DbArgs,
    },
}

#[derive(Debug, Subcommand)]
pub enum BlobsCommand {
    /// Copy the blobs of `<data-dir>/blobs` into a bucket while the server keeps serving,
    /// checking each against its SHA-256; blobs already there are skipped, so it can be run
    /// again. It ends by checking that every blob a record names is in the bucket.
    Migrate {
        /// The bucket: s3://BUCKET[/PREFIX], reached as the AWS_* variables say.
        #[arg(long)]
        to: crate::storage::BlobLocation,
        #[command(flatten)]
        db: DbArgs,
    },
}

#[derive(Debug, Subcommand)]
pub enum AnalyticsCommand {
    /// Recount the dashboard's rollups from the complaints and their enrichments (they are
    /// kept exact as things change; this is for after restoring by hand or a doubt). Intake
    /// and the queue wait while it counts.
    Rebuild {
        #[command(flatten)]
        db: DbArgs,
    },
}

#[derive(Debug, Subcommand)]
pub enum DesktopCommand {
    /// Publish a signed desktop build: signed-in desktops of that target running an older
    /// version are offered it. The bundle is stored with the attachments.
    Publish {
        /// The bundle the app installs: the `.deb` or `.rpm` (Linux), `.msi` or `-setup.exe`
        /// (Windows), `.app.tar.gz` (macOS).
        file: PathBuf,
        /// The signature `tauri signer sign --app-version VERSION FILE` wrote (FILE.sig).
        #[arg(long)]
        signature: PathBuf,
        /// The build's version, as in its tauri.conf.json (e.g. 0.2.0).
        #[arg(long)]
        version: String,
        /// Which desktops it is for: `{os}-{arch}` (linux-x86_64, windows-x86_64,
        /// darwin-aarch64), optionally with the bundle type they were installed from
        /// (linux-x86_64-deb, linux-x86_64-rpm, windows-x86_64-msi, windows-x86_64-nsis).
        #[arg(long)]
        target: String,
        /// Release notes shown to the user before installing.
        #[arg(long, default_value = "")]
        notes: String,
        #[command(flatten)]
        db: DbArgs,
    },
}

/// Where the data lives.
#[derive(Debug, Clone, Args)]
pub struct DbArgs {
    /// PostgreSQL URL. Without it the server starts (and reuses) a private PostgreSQL
    /// cluster under `<data-dir>/pg`, listening only on a Unix socket.
    #[arg(long, env = "DATABASE_URL")]
    pub database_url: Option<SecretString>,
    /// PostgreSQL URL of the role that owns the schema, for migrations. With it, the
    /// server migrates as that role, grants `DATABASE_URL`'s role what it needs (no UPDATE,
    /// DELETE or TRUNCATE of the audit tables) and serves as the latter. Without it,
    /// `DATABASE_URL` migrates too, and a warning says when it owns the audit tables. The
    /// private cluster always splits the roles (`aduan` owns, `aduan_app` serves).
    #[arg(long, env = "ADUAN_OWNER_DATABASE_URL", hide_env_values = true)]
    pub owner_database_url: Option<SecretString>,
    /// File holding the audit chain's key (64 hex digits). Without it, the systemd
    /// credential `audit-key` is used when the service has one, else `<data-dir>/audit.key`,
    /// created on first use, readable by the server's user only. Every instance sharing a
    /// database needs the same key.
    #[arg(long, env = "ADUAN_AUDIT_KEY_FILE")]
    pub audit_key_file: Option<PathBuf>,
    /// Attachments, the private cluster and local state.
    #[arg(long, env = "ADUAN_DATA_DIR", default_value = "./aduan-data")]
    pub data_dir: PathBuf,
    /// Database connections this instance keeps. Intake is bound by round trips, not
    /// connections: a dozen beats a hundred.
    #[arg(long, env = "ADUAN_DB_POOL", default_value_t = 10)]
    pub db_pool: u32,
    /// Where attachments and desktop bundles are stored: unset, in `<data-dir>/blobs`;
    /// `s3://BUCKET[/PREFIX]`, in an S3-compatible bucket that must exist, reached as the
    /// standard variables say (AWS_ENDPOINT, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY,
    /// AWS_REGION, AWS_ALLOW_HTTP=true for a plain-HTTP endpoint).
    #[arg(long, env = "ADUAN_BLOB_STORE")]
    pub blob_store: Option<crate::storage::BlobLocation>,
}

impl DbArgs {
    /// The URL the schema's owner connects with: `--owner-database-url`, else
    /// `--database-url`; `None` for the private cluster.
    pub fn owner_url(&self) -> Option<&SecretString> {
        self.owner_database_url
            .as_ref()
            .or(self.database_url.as_ref())
    }
}

#[derive(Debug, Clone, Copy, Default, ValueEnum)]
pub enum LogFormat {
    #[default]
    Pretty,
    Json,
}

/// Options of `aduan-server serve`.
#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    #[command(flatten)]
    pub db: DbArgs,
    /// HTTP address to listen on.
    #[arg(long, env = "ADUAN_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    #[command(flatten)]
    pub llm: LlmArgs,
    /// Upper bound of concurrent enrichments, all instances on this database together.
    #[arg(long, env = "ADUAN_WORKERS", default_value_t = 16)]
    pub workers: u32,
    /// Attempts per enrichment before it is marked failed.
    #[arg(long, env = "ADUAN_MAX_ATTEMPTS", default_value_t = DEFAULT_MAX_ATTEMPTS)]
    pub max_attempts: u32,
    /// Seconds a claimed job's lease lasts without a heartbeat before it is rescued.
    #[arg(long, env = "ADUAN_LEASE_S", default_value_t = 60)]
    pub lease_s: u64,
    /// How often, in milliseconds, to look for due jobs when nothing signals new work
    /// (retries coming due, a missed notification, budget freed by another instance).
    #[arg(long, env = "ADUAN_POLL_MS", default_value_t = 500)]
    pub poll_ms: u64,
    /// First retry delay after a provider error, in milliseconds; doubles per attempt
    /// (with jitter), up to five minutes.
    #[arg(long, env = "ADUAN_RETRY_BASE_MS", default_value_t = 2000)]
    pub retry_base_ms: u64,
    /// Largest attachment accepted, in bytes.
    #[arg(long, env = "ADUAN_MAX_FILE_BYTES", default_value_t = 100 * 1024 * 1024)]
    pub max_file_bytes: u64,
    /// Largest multipart request accepted, in bytes (all files together).
    #[arg(long, env = "ADUAN_MAX_REQUEST_BYTES", default_value_t = 512 * 1024 * 1024)]
    pub max_request_bytes: u64,
    /// Most files in one request.
    #[arg(long, env = "ADUAN_MAX_FILES", default_value_t = 20)]
    pub max_files: u32,
    /// Browser origins allowed to call the API, besides the desktop app's own webview
    /// origins (comma-separated), e.g. https://aduan.example.gov.my.
    #[arg(long, env = "ADUAN_CORS_ORIGINS", value_delimiter = ',')]
    pub cors_origins: Vec<String>,
    /// Reverse proxies (CIDR list, comma-separated, e.g. 127.0.0.1/32,10.0.0.0/8) whose
    /// X-Forwarded-For / Forwarded header names the client. From anyone else the header is
    /// ignored: the TCP peer is the client.
    #[arg(long, env = "ADUAN_TRUSTED_PROXIES", value_delimiter = ',')]
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// Bearer token a Prometheus scrape of /metrics must send. Without it, /metrics is
    /// served only when the server listens on loopback.
    #[arg(long, env = "ADUAN_METRICS_TOKEN", hide_env_values = true)]
    pub metrics_token: Option<SecretString>,
    /// Hours a session lasts after its last use.
    #[arg(long, env = "ADUAN_SESSION_IDLE_HOURS", default_value_t = 12)]
    pub session_idle_hours: u32,
    /// Days a session lasts at most, however much it is used.
    #[arg(long, env = "ADUAN_SESSION_MAX_DAYS", default_value_t = 7)]
    pub session_max_days: u32,
    /// Connections open at once; more wait to be accepted.
    #[arg(long, env = "ADUAN_MAX_CONNECTIONS", default_value_t = 2048)]
    pub max_connections: usize,
    /// Seconds a client has to send a request's headers; also how long a kept-alive
    /// connection may wait idle for its next request.
    #[arg(long, env = "ADUAN_HEADER_TIMEOUT_S", default_value_t = 30)]
    pub header_timeout_s: u64,
    /// Seconds a connection may move no byte either way (a stalled upload) before it is
    /// closed. Event streams send a keep-alive every 15 s, so keep this above that.
    #[arg(long, env = "ADUAN_IDLE_TIMEOUT_S", default_value_t = 60)]
    pub idle_timeout_s: u64,
    /// Seconds between SIGTERM and closing the listener, while /readyz answers 503 and
    /// requests are still served: a load balancer's health checks take the instance out of
    /// rotation first (set it above their interval × fall count). 0 closes at once.
    #[arg(long, env = "ADUAN_SHUTDOWN_DRAIN_S", default_value_t = 0)]
    pub shutdown_drain_s: u64,
    /// Password checks (argon2id, about 19 MiB of memory each) run at once on this
    /// instance; sign-ins beyond wait a moment, then get 429.
    #[arg(long, env = "ADUAN_PASSWORD_CHECKS", default_value_t = 4)]
    pub password_checks: usize,
    /// Directory of the built web UI to serve at `/` (default: ./ui/dist when it exists).
    #[arg(long, env = "ADUAN_UI_DIR")]
    pub ui_dir: Option<PathBuf>,
    /// A case not closed and without any action for longer than this many days is overdue.
    #[arg(long, env = "ADUAN_CASE_IDLE_DAYS", default_value_t = 14)]
    pub case_idle_days: u32,
    /// A case not closed whose first complaint was received more than this many days ago
    /// is overdue.
    #[arg(long, env = "ADUAN_CASE_AGE_DAYS", default_value_t = 90)]
    pub case_age_days: u32,
    /// Hours a stored file that no record names (of a submission refused after its files
    /// arrived) is kept before it is removed.
    #[arg(long, env = "ADUAN_ORPHAN_GRACE_HOURS", default_value_t = 24)]
    pub orphan_grace_hours: u32,
    /// Address of the reporter portal's listener (the public's page and `/public/v1`), e.g.
    /// 0.0.0.0:8081. Off when unset. It serves nothing of the staff API, which answers 404
    /// there: expose only this listener to the internet.
    #[arg(long, env = "ADUAN_PUBLIC_LISTEN")]
    pub public_listen: Option<SocketAddr>,
    /// Proof-of-work difficulty of the portal, in leading zero bits of SHA-256: each bit
    /// doubles the work a submission costs its sender (18 is about a second on a mid-range
    /// phone).
    #[arg(long, env = "ADUAN_PUBLIC_POW_BITS", default_value_t = crate::portal::pow::DEFAULT_BITS,
        value_parser = clap::value_parser!(u8).range(0..=32))]
    pub public_pow_bits: u8,
    /// Reports and messages accepted per client address per minute on the portal; more
    /// get 429 with Retry-After.
    #[arg(long, env = "ADUAN_PUBLIC_SUBMISSIONS_PER_MINUTE", default_value_t = 10,
        value_parser = clap::value_parser!(u32).range(1..))]
    pub public_submissions_per_minute: u32,
    /// Wrong receipts accepted per client address per hour before its sign-ins get 429.
    #[arg(long, env = "ADUAN_PUBLIC_SIGNIN_FAILURES", default_value_t = 10,
        value_parser = clap::value_parser!(u32).range(1..))]
    pub public_signin_failures: u32,
    /// Wrong receipts accepted per hour from all addresses together; beyond it every
    /// sign-in waits for the hour to end (a guesser with many addresses gains nothing).
    #[arg(long, env = "ADUAN_PUBLIC_SIGNIN_FAILURES_GLOBAL", default_value_t = 1000,
        value_parser = clap::value_parser!(u32).range(1..))]
    pub public_signin_failures_global: u32,
    /// Minutes a reporter's session lasts.
    #[arg(long, env = "ADUAN_PUBLIC_SESSION_MINUTES", default_value_t = 30,
        value_parser = clap::value_parser!(u32).range(1..=1440))]
    pub public_session_minutes: u32,
    /// A portal complaint whose reporter has had no word from an officer, and whose case
    /// is still in evaluation, this many days after the report makes its case overdue.
    #[arg(long, env = "ADUAN_PUBLIC_ACK_DAYS", default_value_t = 7)]
    pub public_ack_days: u32,
    /// Create demo users and sample complaints.
    #[arg(long, env = "ADUAN_DEMO")]
    pub demo: bool,
    /// Log format.
    #[arg(long, env = "ADUAN_LOG_FORMAT", value_enum, default_value_t = LogFormat::Pretty)]
    pub log_format: LogFormat,
}

impl ServeArgs {
    /// How long sessions last.
    pub fn session_policy(&self) -> crate::auth::SessionPolicy {
        crate::auth::SessionPolicy {
            idle: chrono::Duration::hours(self.session_idle_hours.max(1).into()),
            lifetime: chrono::Duration::days(self.session_max_days.max(1).into()),
        }
    }

    /// The HTTP connection limits.
    pub fn connection_limits(&self) -> crate::http::serve::ConnectionLimits {
        crate::http::serve::ConnectionLimits {
            max_connections: self.max_connections,
            header_timeout: std::time::Duration::from_secs(self.header_timeout_s.max(1)),
            idle_timeout: std::time::Duration::from_secs(self.idle_timeout_s.max(1)),
        }
    }

    /// When a case counts as overdue.
    pub fn case_sla(&self) -> crate::db::cases::Sla {
        crate::db::cases::Sla {
            idle_days: self.case_idle_days,
            age_days: self.case_age_days,
            ack_days: self.public_ack_days,
        }
    }

    /// The reporter portal's settings.
    pub fn portal_config(&self) -> crate::portal::PortalConfig {
        crate::portal::PortalConfig {
            pow_bits: self.public_pow_bits,
            submissions_per_minute: self.public_submissions_per_minute,
            signin_failures: self.public_signin_failures,
            signin_failures_global: self.public_signin_failures_global,
            session: std::time::Duration::from_secs(u64::from(self.public_session_minutes) * 60),
        }
    }

    /// The queue's settings.
    pub fn queue_config(&self) -> crate::queue::QueueConfig {
        crate::queue::QueueConfig {
            workers: self.workers,
            lease: std::time::Duration::from_secs(self.lease_s.max(1)),
            backoff_base: std::time::Duration::from_millis(self.retry_base_ms),
            poll_interval: std::time::Duration::from_millis(self.poll_ms.max(10)),
            ..Default::default()
        }
    }
}

/// The name of the LLM key among the service's systemd credentials.
pub const LLM_KEY_CREDENTIAL: &str = "llm-api-key";

/// The LLM key from `$CREDENTIALS_DIRECTORY/llm-api-key`, where systemd puts the
/// credentials it loaded for the service (readable by the service only).
fn credential_api_key() -> Option<SecretString> {
    let dir = std::env::var_os("CREDENTIALS_DIRECTORY")?;
    let key = std::fs::read_to_string(std::path::Path::new(&dir).join(LLM_KEY_CREDENTIAL)).ok()?;
    let key = key.trim();
    (!key.is_empty()).then(|| SecretString::from(key.to_string()))
}
