//! Processing controls: the shared worker bound and pause, and re-queuing a complaint's
//! enrichment, each with its audit entry in the same transaction.

use aduan_api::account::AuditAction;
use aduan_api::complaint::ComplaintStatus;
use aduan_api::processing::ProcessingChange;
use uuid::Uuid;

use super::{Caller, Error, Result, Services};
use crate::db::{audit, processing};
use crate::queue::jobs;

/// The largest bound an admin may set.
pub const MAX_CONCURRENCY: u32 = 10_000;

impl Services {
    /// Change the bound and/or pause or resume, live, for every instance.
    pub async fn change_processing(
        &self,
        caller: &Caller<'_>,
        change: ProcessingChange,
    ) -> Result<processing::Settings> {
        if let Some(c) = change.concurrency {
            if !(1..=MAX_CONCURRENCY).contains(&c) {
                let m = format!("must be between 1 and {MAX_CONCURRENCY}");
                return Err(Error::invalid("concurrency", m));
            }
        }
        let mut tx = self.pool.begin().await?;
        let concurrency = change.concurrency.map(|c| c as i32);
        let settings = processing::update_settings(&mut tx, concurrency, change.paused).await?;
        let details = serde_json::to_value(&change).ok();
        let action = AuditAction::ProcessingUpdate;
        audit::record(&mut *tx, &caller.actor, action, None, details).await?;
        tx.commit().await?;
        if let Some(queue) = &self.queue {
            queue.bound_changed(settings.concurrency as u32);
        }
        Ok(settings)
    }

    /// Queue the complaint's enrichment again (after a failure or a provider change). A
    /// no-op when a job is already pending or running. Returns the complaint's status.
    pub async fn reprocess(&self, caller: &Caller<'_>, id: Uuid) -> Result<ComplaintStatus> {
        let mut tx = self.pool.begin().await?;
        let status = jobs::requeue(&mut tx, id, self.max_attempts)
            .await?
            .ok_or(Error::NotFound("complaint"))?;
        let target = Some(("complaint", id.to_string()));
        let action = AuditAction::ComplaintReprocess;
        audit::record(&mut *tx, &caller.actor, action, target, None).await?;
        tx.commit().await?;
        // The `complaint.status_changed` (queued) event wakes the workers of every instance.
        self.events.changed();
        Ok(status)
    }
}
