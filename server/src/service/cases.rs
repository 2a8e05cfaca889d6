//! Opening a case, and what every change of a case shares: the row locked for the
//! transaction, the version the caller saw checked, one timeline entry per change, the
//! `case.updated` event and the audit entry, all committed together.
//!
//! Concurrency: every case has a `version`. A change names the version its caller last
//! read; a stale one is refused ([`Error::Stale`]), so an officer never overwrites a change
//! they have not seen.

use aduan_api::account::AuditAction;
use aduan_api::case::{CaseDetail, CasePriority, CaseStatus, NewCase, TimelineWhat, UserRef};
use serde_json::{json, Value};
use sqlx::{PgConnection, Postgres, Transaction};
use uuid::Uuid;

use super::{Caller, Error, Result, Services};
use crate::db::audit;
use crate::db::case_writes::{self, Locked};
use crate::db::cases;
use crate::domain::FieldError;

/// Most complaints given when opening a case.
pub const MAX_COMPLAINTS: usize = 100;
/// Longest case title, in characters once trimmed.
pub const MAX_TITLE_CHARS: usize = 200;

impl Services {
    /// Open a case from one or more complaints; returns it as now stored.
    pub async fn open_case(&self, caller: &Caller<'_>, new: NewCase) -> Result<CaseDetail> {
        let (title, ids) = check_new(&new)?;
        let priority = new.priority.unwrap_or(CasePriority::Normal);
        let mut tx = self.pool.begin().await?;
        let assignee = match new.assignee_id {
            Some(a) => Some(assignee(&mut tx, a).await?),
            None => None,
        };
        let linked = linkable(&mut tx, &ids).await?;
        let id = Uuid::now_v7();
        let user = caller.user.id;
        let reference =
            case_writes::insert(&mut tx, id, &title, priority, new.assignee_id, user, &ids).await?;
        case_writes::link(&mut tx, id, &ids, user)
            .await
            .map_err(taken_in_race)?;
        let mut changes = vec![TimelineWhat::Created {
            title: title.clone(),
            priority,
        }];
        if let Some(a) = &assignee {
            changes.push(TimelineWhat::Assignee {
                from: None,
                to: Some(a.clone()),
            });
        }
        changes.extend(linked);
        let case = Locked {
            id,
            reference: reference.clone(),
            title,
            status: CaseStatus::Evaluation,
            priority,
            assignee,
            version: 1,
        };
        case_writes::record(&mut tx, &case, user, 1, &changes).await?;
        let details = json!({ "reference": reference, "complaints": ids });
        let target = Some(("case", id.to_string()));
        let action = AuditAction::CaseCreate;
        audit::record(&mut *tx, &caller.actor, action, target, Some(details)).await?;
        let detail = self.read_case(&mut tx, id).await?;
        tx.commit().await?;
        self.events.changed();
        Ok(detail)
    }

    /// A case as it now is.
    pub async fn read_case(&self, db: &mut PgConnection, id: Uuid) -> Result<CaseDetail> {
        cases::detail(db, id, self.case_sla)
            .await?
            .ok_or(Error::NotFound("case"))
    }

    /// Write `new` (if anything changed), its timeline, audit entry and event; commit;
    /// return the case as stored.
    pub(super) async fn commit_case_change(
        &self,
        mut tx: Transaction<'_, Postgres>,
        caller: &Caller<'_>,
        new: Locked,
        changes: Vec<TimelineWhat>,
        action: AuditAction,
        details: Value,
    ) -> Result<CaseDetail> {
        if changes.is_empty() {
            return self.read_case(&mut tx, new.id).await;
        }
        let fields_changed = changes.iter().any(|c| {
            !matches!(
                c,
                TimelineWhat::NoteAdded { .. }
                    | TimelineWhat::ComplaintLinked { .. }
                    | TimelineWhat::ComplaintUnlinked { .. }
            )
        });
        let version = if fields_changed {
            case_writes::update(&mut tx, &new).await?
        } else {
            case_writes::touch(&mut tx, new.id).await?
        };
        case_writes::record(&mut tx, &new, caller.user.id, version, &changes).await?;
        let target = Some(("case", new.id.to_string()));
        audit::record(&mut *tx, &caller.actor, action, target, Some(details)).await?;
        let detail = self.read_case(&mut tx, new.id).await?;
        tx.commit().await?;
        self.events.changed();
        Ok(detail)
    }
}

/// The trimmed title and the distinct complaint ids of a new case.
fn check_new(new: &NewCase) -> Result<(String, Vec<Uuid>)> {
    let mut errors = Vec::new();
    let title = check_title(&new.title).map_err(|m| errors.push(FieldError::new("title", m)));
    let mut ids = new.complaint_ids.clone();
    ids.sort();
    ids.dedup();
    if ids.is_empty() {
        errors.push(FieldError::new(
            "complaint_ids",
            "must name at least one complaint",
        ));
    } else if ids.len() > MAX_COMPLAINTS {
        errors.push(FieldError::new(
            "complaint_ids",
            format!("may name at most {MAX_COMPLAINTS} complaints"),
        ));
    }
    match title {
        Ok(t) if errors.is_empty() => Ok((t, ids)),
        _ => Err(Error::Invalid(errors)),
    }
}

/// A title: trimmed, 1–[`MAX_TITLE_CHARS`] characters.
pub(super) fn check_title(title: &str) -> std::result::Result<String, String> {
    let t = title.trim();
    match t.chars().count() {
        0 => Err("must not be empty".into()),
        n if n > MAX_TITLE_CHARS => Err(format!("must be at most {MAX_TITLE_CHARS} characters")),
        _ => Ok(t.to_string()),
    }
}

/// The complaints exist and belong to no case yet: their `complaint_linked` entries.
pub(super) async fn linkable(db: &mut PgConnection, ids: &[Uuid]) -> Result<Vec<TimelineWhat>> {
    let found = case_writes::complaint_references(db, ids).await?;
    let missing: Vec<String> = ids
        .iter()
        .filter(|id| !found.iter().any(|f| f.0 == **id))
        .map(Uuid::to_string)
        .collect();
    if !missing.is_empty() {
        let msg = format!("names unknown complaints: {}", missing.join(", "));
        return Err(Error::invalid("complaint_ids", msg));
    }
    if let Some((complaint, case_id, reference)) =
        case_writes::cases_of(db, ids).await?.into_iter().next()
    {
        let message = format!(
            "Complaint {complaint} already belongs to case {reference}; unlink it there first."
        );
        return Err(
            Error::conflict("complaint_in_other_case", message).with_details(json!({
                "complaint_id": complaint, "case_id": case_id, "case_reference": reference,
            })),
        );
    }
    Ok(found
        .into_iter()
        .map(|(complaint_id, reference)| TimelineWhat::ComplaintLinked {
            complaint_id,
            reference,
        })
        .collect())
}

/// A link that lost a race with another case's link to the same complaint.
pub(super) fn taken_in_race(e: sqlx::Error) -> Error {
    match &e {
        sqlx::Error::Database(d) if d.constraint() == Some("case_complaints_complaint_key") => {
            Error::conflict(
                "complaint_in_other_case",
                "A complaint was just linked to another case.",
            )
        }
        _ => e.into(),
    }
}

/// The user to assign, or a refusal naming `assignee_id`.
pub(super) async fn assignee(db: &mut PgConnection, id: Uuid) -> Result<UserRef> {
    case_writes::assignable(db, id)
        .await?
        .map_err(|m| Error::invalid("assignee_id", m))
}

/// Lock the case for this transaction and check the caller saw its current version.
pub(super) async fn lock_checked(db: &mut PgConnection, id: Uuid, expected: i64) -> Result<Locked> {
    let case = case_writes::lock(db, id)
        .await?
        .ok_or(Error::NotFound("case"))?;
    if case.version != expected {
        return Err(Error::Stale {
            what: "case",
            current: case.version,
            sent: expected,
        });
    }
    Ok(case)
}

/// A closed case takes notes only.
pub(super) fn closed(case: &Locked) -> Error {
    Error::conflict(
        "case_closed",
        format!(
            "Case {} is closed; only notes can be added.",
            case.reference
        ),
    )
}
