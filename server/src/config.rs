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
    Serve(ServeArgs),
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
    /// Walk the audit log's hash chain and report the first broken link (exit code 1).
    Verify {
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
    /// Attachments, the private cluster and local state.
    #[arg(long, env = "ADUAN_DATA_DIR", default_value = "./aduan-data")]
    pub data_dir: PathBuf,
    /// Database connections this instance keeps. Intake is bound by round trips, not
    /// connections: a dozen beats a hundred.
    #[arg(long, env = "ADUAN_DB_POOL", default_value_t = 10)]
    pub db_pool: u32,
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
    /// Base URL of an OpenAI-compatible API, e.g. http://127.0.0.1:11434/v1.
    /// Without it the builtin offline enricher is used.
    #[arg(long, env = "ADUAN_LLM_URL")]
    pub llm_url: Option<String>,
    /// Model name sent to the provider.
    #[arg(long, env = "ADUAN_LLM_MODEL")]
    pub llm_model: Option<String>,
    /// Bearer key for the provider (never logged).
    #[arg(long, env = "ADUAN_LLM_API_KEY", hide_env_values = true)]
    pub llm_api_key: Option<SecretString>,
    /// Seconds to wait for one provider reply.
    #[arg(long, env = "ADUAN_LLM_TIMEOUT", default_value_t = 120)]
    pub llm_timeout_s: u64,
    /// Extra JSON fields merged into every provider request, for a backend's quirks,
    /// e.g. '{"provider":{"require_parameters":true}}'.
    #[arg(long, env = "ADUAN_LLM_EXTRA")]
    pub llm_extra: Option<String>,
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
    /// Create demo users and sample complaints.
    #[arg(long, env = "ADUAN_DEMO")]
    pub demo: bool,
    /// Log format.
    #[arg(long, env = "ADUAN_LOG_FORMAT", value_enum, default_value_t = LogFormat::Pretty)]
    pub log_format: LogFormat,
}

impl ServeArgs {
    /// The LLM settings as the enrichment layer takes them.
    pub fn llm_config(&self) -> anyhow::Result<crate::enrich::LlmConfig> {
        let extra = match &self.llm_extra {
            Some(s) => Some(
                serde_json::from_str(s)
                    .map_err(|e| anyhow::anyhow!("--llm-extra is not valid JSON: {e}"))?,
            ),
            None => None,
        };
        Ok(crate::enrich::LlmConfig {
            url: self.llm_url.clone(),
            model: self.llm_model.clone(),
            api_key: self.llm_api_key.clone(),
            timeout: std::time::Duration::from_secs(self.llm_timeout_s),
            extra,
        })
    }

    /// When a case counts as overdue.
    pub fn case_sla(&self) -> crate::db::cases::Sla {
        crate::db::cases::Sla {
            idle_days: self.case_idle_days,
            age_days: self.case_age_days,
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
