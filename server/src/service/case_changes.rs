//! Changing a case: status, assignee, priority and title, notes, and linking or unlinking
//! complaints. Each names the version its caller last read (see [`super::cases`]).
//!
//! Workflow: evaluation → investigation | referred | nfa; investigation → referred | nfa |
//! closed; referred | nfa → closed. Moving to referred, nfa or closed needs a reason.
//! A closed case is final: only notes may still be added.

use aduan_api::account::AuditAction;
use aduan_api::case::{CaseChange, CaseDetail, CaseStatus, TimelineWhat};
use serde_json::json;
use sqlx::PgConnection;
use uuid::Uuid;

use super::cases::{assignee, check_title, closed, linkable, lock_checked, taken_in_race};
use super::{Caller, Error, Result, Services};
use crate::db::case_writes::{self, Locked};

/// Longest reason for a change of status, in characters once trimmed.
pub const MAX_REASON: usize = 2_000;
pub const MAX_NOTE: usize = 20_000;

impl Services {
    /// Change status, assignee, priority or title. Fields left out stay as they are;
    /// `assignee_id: null` unassigns.
    pub async fn change_case(
        &self,
        caller: &Caller<'_>,
        id: Uuid,
        expected: i64,
        change: CaseChange,
    ) -> Result<CaseDetail> {
        if change == CaseChange::default() {
            return Err(Error::invalid("body", "names no field to change"));
        }
        let mut tx = self.pool.begin().await?;
        let current = lock_checked(&mut tx, id, expected).await?;
        let (new, changes) = plan(&mut tx, &current, change).await?;
        let details = json!({ "changes": changes });
        let action = AuditAction::CaseUpdate;
        self.commit_case_change(tx, caller, new, changes, action, details)
            .await
    }

    /// Add an internal note (allowed on closed cases too).
    pub async fn add_case_note(
        &self,
        caller: &Caller<'_>,
        id: Uuid,
        expected: i64,
        body: &str,
    ) -> Result<CaseDetail> {
        let text = body.trim();
        let length = text.chars().count();
        if length == 0 || length > MAX_NOTE {
            return Err(Error::invalid(
                "body",
                format!("must be 1–{MAX_NOTE} characters"),
            ));
        }
        let mut tx = self.pool.begin().await?;
        let case = lock_checked(&mut tx, id, expected).await?;
        let note_id = case_writes::add_note(&mut tx, id, caller.user.id, text).await?;
        let changes = vec![TimelineWhat::NoteAdded { note_id }];
        let details = json!({ "note_id": note_id });
        self.commit_case_change(tx, caller, case, changes, AuditAction::CaseNote, details)
            .await
    }

    /// Link a complaint to the case. Linking one that is already linked here changes nothing.
    pub async fn link_complaint(
        &self,
        caller: &Caller<'_>,
        id: Uuid,
        expected: i64,
        complaint: Uuid,
    ) -> Result<CaseDetail> {
        let mut tx = self.pool.begin().await?;
        let case = lock_checked(&mut tx, id, expected).await?;
        let here = case_writes::cases_of(&mut tx, &[complaint]).await?;
        if here.iter().any(|(_, c, _)| *c == id) {
            return self.read_case(&mut tx, id).await;
        }
        if case.status == CaseStatus::Closed {
            return Err(closed(&case));
        }
        let changes = linkable(&mut tx, &[complaint]).await.map_err(|e| match e {
            Error::Invalid(_) => Error::NotFound("complaint"),
            e => e,
        })?;
        case_writes::link(&mut tx, id, &[complaint], caller.user.id)
            .await
            .map_err(taken_in_race)?;
        let details = json!({ "complaint_id": complaint });
        self.commit_case_change(tx, caller, case, changes, AuditAction::CaseLink, details)
            .await
    }

    /// Unlink a complaint. A case keeps at least one complaint.
    pub async fn unlink_complaint(
        &self,
        caller: &Caller<'_>,
        id: Uuid,
        expected: i64,
        complaint: Uuid,
    ) -> Result<CaseDetail> {
        let mut tx = self.pool.begin().await?;
        let case = lock_checked(&mut tx, id, expected).await?;
        if case.status == CaseStatus::Closed {
            return Err(closed(&case));
        }
        let reference = case_writes::complaint_references(&mut tx, &[complaint]).await?;
        let Some((_, reference)) = reference.into_iter().next() else {
            return Err(Error::NotFound("complaint"));
        };
        if !case_writes::unlink(&mut tx, id, complaint).await? {
            return Err(Error::NotFound("complaint in this case"));
        }
        if case_writes::complaint_count(&mut tx, id).await? == 0 {
            return Err(Error::conflict(
                "last_complaint",
                "A case keeps at least one complaint; link another before unlinking this one.",
            ));
        }
        let changes = vec![TimelineWhat::ComplaintUnlinked {
            complaint_id: complaint,
            reference,
        }];
        let details = json!({ "complaint_id": complaint });
        let action = AuditAction::CaseUnlink;
        self.commit_case_change(tx, caller, case, changes, action, details)
            .await
    }
}

/// The case after `change`, and the changes as timeline entries (none if nothing differs).
async fn plan(
    db: &mut PgConnection,
    current: &Locked,
    change: CaseChange,
) -> Result<(Locked, Vec<TimelineWhat>)> {
    let mut new = current.clone();
    let mut changes = Vec::new();
    let reason = change
        .reason
        .as_deref()
        .map(str::trim)
        .filter(|r| !r.is_empty());
    if let Some(to) = change.status.filter(|s| *s != current.status) {
        check_transition(current.status, to, reason)?;
        new.status = to;
        changes.push(TimelineWhat::Status {
            from: current.status,
            to,
            reason: reason.map(str::to_string),
        });
    } else if reason.is_some() {
        return Err(Error::invalid(
            "reason",
            "is only taken with a change of status",
        ));
    }
    if let Some(title) = &change.title {
        let title = check_title(title).map_err(|m| Error::invalid("title", m))?;
        if title != current.title {
            changes.push(TimelineWhat::Title {
                from: current.title.clone(),
                to: title.clone(),
            });
            new.title = title;
        }
    }
    if let Some(p) = change.priority.filter(|p| *p != current.priority) {
        changes.push(TimelineWhat::Priority {
            from: current.priority,
            to: p,
        });
        new.priority = p;
    }
    if let Some(to) = change.assignee_id {
        if to != current.assignee.as_ref().map(|a| a.id) {
            let to = match to {
                Some(id) => Some(assignee(db, id).await?),
                None => None,
            };
            changes.push(TimelineWhat::Assignee {
                from: current.assignee.clone(),
                to: to.clone(),
            });
            new.assignee = to;
        }
    }
    if current.status == CaseStatus::Closed && !changes.is_empty() {
        return Err(closed(current));
    }
    Ok((new, changes))
}

fn check_transition(from: CaseStatus, to: CaseStatus, reason: Option<&str>) -> Result<()> {
    if !from.may_move_to(to) {
        let allowed: Vec<&str> = from.next().iter().map(|s| s.as_str()).collect();
        let message = format!(
            "A case in {} cannot move to {}{}.",
            from.as_str(),
            to.as_str(),
            match allowed.as_slice() {
                [] => " (it is closed)".to_string(),
                a => format!(" (allowed: {})", a.join(", ")),
            }
        );
        return Err(Error::conflict("invalid_transition", message)
            .with_details(json!({ "from": from, "to": to, "allowed": from.next() })));
    }
    match reason {
        None if to.needs_reason() => Err(Error::invalid(
            "reason",
            format!("is required to move a case to {}", to.as_str()),
        )),
        Some(r) if r.chars().count() > MAX_REASON => Err(Error::invalid(
            "reason",
            format!("must be at most {MAX_REASON} characters"),
        )),
        _ => Ok(()),
    }
}
