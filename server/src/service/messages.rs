//! The thread of a portal complaint: a reporter's or an officer's message is written with
//! its files, the report's clocks, the case timeline entry, the event and the audit entry
//! in one transaction.

use aduan_api::account::{AuditAction, Role};
use aduan_api::complaint::AttachmentInfo;
use aduan_api::portal::{ComplaintMessage, MessageAuthor};
use uuid::Uuid;

use super::{Error, Result, Services};
use crate::auth::AuthUser;
use crate::db::audit::{self, Actor};
use crate::db::intake::NewAttachment;
use crate::db::{attachments, messages};

/// Longest message, in characters.
pub const MAX_MESSAGE_CHARS: usize = 10_000;

/// A message's text, trimmed: 1–10,000 characters, no NUL.
pub fn parse_text(text: &str) -> Result<String> {
    let text = text.trim();
    let n = text.chars().count();
    if n == 0 || n > MAX_MESSAGE_CHARS || text.contains('\0') {
        return Err(Error::invalid(
            "text",
            format!("must be 1–{MAX_MESSAGE_CHARS} characters"),
        ));
    }
    Ok(text.to_string())
}

/// Who writes.
pub enum Writer<'a> {
    /// The reporter, known only by their session (nothing about them is recorded).
    Reporter,
    Officer(&'a AuthUser, Actor),
}

/// Whether `user` works the thread of a complaint whose case has `assignee`: admins, and
/// the officer assigned to the case holding it.
pub fn may_work_thread(user: &AuthUser, assignee: Option<Uuid>) -> bool {
    user.role == Role::Admin || (user.role == Role::Officer && assignee == Some(user.id))
}

impl Services {
    /// Add a message to portal complaint `complaint_id`, with `files` already stored (the
    /// reporter's: originals hidden, cleaned copies beside them).
    pub async fn add_message(
        &self,
        complaint_id: Uuid,
        writer: Writer<'_>,
        text: &str,
        files: &[NewAttachment],
    ) -> Result<ComplaintMessage> {
        let text = parse_text(text)?;
        let mut tx = self.pool.begin().await?;
        let reference: Option<String> = sqlx::query_scalar(
            "SELECT c.reference FROM complaints c JOIN portal_reports p ON p.complaint_id = c.id
             WHERE c.id = $1 FOR SHARE OF p",
        )
        .bind(complaint_id)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(reference) = reference else {
            return Err(Error::conflict(
                "not_a_portal_complaint",
                "This complaint did not come through the reporter portal: there is nobody to \
                 write to.",
            ));
        };
        let case = messages::case_of(&mut tx, complaint_id).await?;
        let (author, author_id, actor) = match &writer {
            Writer::Reporter => (MessageAuthor::Reporter, None, reporter_actor()),
            Writer::Officer(user, actor) => {
                if !may_work_thread(user, case.as_ref().and_then(|c| c.assignee_id)) {
                    return Err(Error::Refused {
                        code: "not_on_case",
                        message: "Only the officer assigned to this complaint's case (or an \
                                  admin) may write to its reporter.",
                    });
                }
                (MessageAuthor::Officer, Some(user.id), actor.clone())
            }
        };
        let id = Uuid::now_v7();
        let insert = messages::Insert {
            id,
            complaint_id,
            reference: &reference,
            author,
            author_id,
            body: &text,
            case: case.as_ref(),
        };
        let at = messages::insert(&mut tx, &insert).await?;
        let added: Vec<AttachmentInfo> = if files.is_empty() {
            Vec::new()
        } else {
            attachments::add(&mut tx, complaint_id, files, author_id, Some(id)).await?
        };
        let action = match author {
            MessageAuthor::Reporter => AuditAction::MessageReceive,
            MessageAuthor::Officer => AuditAction::MessageSend,
        };
        let ids: Vec<Uuid> = files.iter().map(|f| f.id).collect();
        let details = serde_json::json!({
            "message_id": id, "chars": text.chars().count(), "attachments": ids,
        });
        let target = Some(("complaint", complaint_id.to_string()));
        audit::record(&mut *tx, &actor, action, target, Some(details)).await?;
        tx.commit().await?;
        self.events.changed();
        Ok(ComplaintMessage {
            id,
            complaint_id,
            author,
            author_name: match &writer {
                Writer::Reporter => None,
                Writer::Officer(u, _) => Some(u.display_name.clone()),
            },
            text,
            created_at: at,
            attachments: added,
        })
    }
}

/// The audit log's actor for whatever comes from the portal: no user, no address.
pub fn reporter_actor() -> Actor {
    Actor {
        id: None,
        name: Some("reporter (portal)".into()),
        ip: None,
        user_agent: None,
    }
}
