//! Domain operations: each owns its transaction, writes its audit entry and its events in
//! that transaction, and signals the event hub after the commit. HTTP handlers parse,
//! authorise and answer; the command line calls the same operations.

pub mod case_changes;
pub mod cases;
pub mod corrections;
pub mod desktop;
mod error;
pub mod group_commit;
pub mod intake;
pub mod messages;
pub mod processing;
pub mod reads;
pub mod second_factor;
pub mod users;

use sqlx::PgPool;

use crate::auth::AuthUser;
use crate::db::audit::Actor;
use crate::events::EventHub;

pub use error::{Error, Result};

/// What the operations need. Cheap to clone.
#[derive(Clone)]
pub struct Services {
    pub pool: PgPool,
    pub events: EventHub,
    /// Writes new complaints, batching those that arrive together.
    pub intake: group_commit::IntakeWriter,
    /// This instance's workers; none in the command-line tools.
    pub queue: Option<crate::queue::QueueControl>,
    pub case_sla: crate::db::cases::Sla,
    /// Verified sessions of this instance, dropped at once when a user's sessions end.
    pub sessions: std::sync::Arc<crate::auth::cache::SessionCache>,
    /// Reads recorded lately, so a refresh is not audited as a new look.
    pub recent_reads: reads::RecentReads,
    /// Attempts given to each (re-)queued enrichment job.
    pub max_attempts: i32,
    /// What TOTP secrets are sealed with.
    pub totp_key: crate::auth::totp_key::TotpKey,
}

impl Services {
    /// For a command-line tool: no workers, no other subscribers of this process's events.
    pub fn for_tool(pool: PgPool, audit_key: &crate::audit::AuditKey) -> Self {
        let max_attempts = crate::config::DEFAULT_MAX_ATTEMPTS as i32;
        Services {
            intake: group_commit::IntakeWriter::start(pool.clone(), max_attempts),
            pool,
            events: EventHub::default(),
            queue: None,
            case_sla: Default::default(),
            sessions: Default::default(),
            recent_reads: Default::default(),
            max_attempts,
            totp_key: crate::auth::totp_key::TotpKey::derive(audit_key),
        }
    }
}

/// Who asks for an operation, and from where (for the audit entry).
pub struct Caller<'a> {
    pub user: &'a AuthUser,
    pub actor: Actor,
}
