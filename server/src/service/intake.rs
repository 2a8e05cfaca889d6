//! Intake: new complaints, and attachments added to one later. A new complaint is written
//! with its attachments, search entry, enrichment job, audit entry and event in ONE
//! statement, batched with whatever else arrived at the same time ([`super::group_commit`]);
//! attachments added later are written with their audit entry in one transaction.

use aduan_api::account::AuditAction;
use aduan_api::complaint::{AttachmentInfo, ComplaintAccepted};
use uuid::Uuid;

use super::{Caller, Error, Result, Services};
use crate::db::attachments;
use crate::db::audit::{self, Actor};
use crate::db::intake::{Idempotency, InsertOutcome, NewAttachment, PortalReceipt, Submission};
use crate::domain::complaint::NewComplaint;

/// What a submission did.
#[derive(Debug, PartialEq)]
pub enum Accepted {
    /// Written now and queued for enrichment.
    New(ComplaintAccepted),
    /// The same submission was made before with this idempotency key: its first result.
    Repeat(ComplaintAccepted),
}

impl Services {
    /// Accept a complaint whose attachments are already stored.
    pub async fn submit_complaint(
        &self,
        actor: Actor,
        complaint: NewComplaint,
        files: Vec<NewAttachment>,
        idempotency: Option<Idempotency>,
    ) -> Result<Accepted> {
        let submission = Submission {
            complaint,
            files,
            actor,
            idempotency,
            portal: None,
        };
        self.submit(submission).await
    }

    /// Accept a report from the reporter portal: the complaint and its receipt are written
    /// in one statement, like any other complaint (no user, no address in its audit entry).
    pub async fn submit_portal_report(
        &self,
        complaint: NewComplaint,
        files: Vec<NewAttachment>,
        receipt: PortalReceipt,
    ) -> Result<ComplaintAccepted> {
        let submission = Submission {
            complaint,
            files,
            actor: super::messages::reporter_actor(),
            idempotency: None,
            portal: Some(receipt),
        };
        match self.submit(submission).await? {
            Accepted::New(a) | Accepted::Repeat(a) => Ok(a),
        }
    }

    async fn submit(&self, submission: Submission) -> Result<Accepted> {
        let outcome = self.intake.submit(submission).await.map_err(Error::Batch)?;
        match outcome {
            InsertOutcome::Created(a) => {
                self.events.changed();
                if let Some(queue) = &self.queue {
                    queue.wake();
                }
                Ok(Accepted::New(a))
            }
            InsertOutcome::Repeated(a) => Ok(Accepted::Repeat(a)),
            InsertOutcome::KeyReused => Err(Error::Refused {
                code: "idempotency_key_reused",
                message: "This Idempotency-Key was already used for a different complaint.",
            }),
        }
    }

    /// Add stored attachments to complaint `id` (which the caller may see).
    pub async fn add_attachments(
        &self,
        caller: &Caller<'_>,
        id: Uuid,
        files: &[NewAttachment],
    ) -> Result<Vec<AttachmentInfo>> {
        let mut tx = self.pool.begin().await?;
        let added = attachments::add(&mut tx, id, files, Some(caller.user.id), None).await?;
        let ids: Vec<Uuid> = added.iter().map(|a| a.id).collect();
        let details = serde_json::json!({ "attachments": ids });
        let target = Some(("complaint", id.to_string()));
        let action = AuditAction::AttachmentAdd;
        audit::record(&mut *tx, &caller.actor, action, target, Some(details)).await?;
        tx.commit().await?;
        Ok(added)
    }
}
