//! Changing a case: status, assignee, priority and title (PATCH), notes, and linking or
//! unlinking complaints. Each takes `If-Match`, runs in one transaction with the case row
//! locked, writes one timeline entry per change, an audit entry and a `case.updated`
//! event, and replies with the whole case and its new `ETag`.
//!
//! Workflow: evaluation → investigation | referred | nfa; investigation → referred | nfa |
//! closed; referred | nfa → closed. Moving to referred, nfa or closed needs a reason.
//! A closed case is final: only notes may still be added.

use aduan_api::case::{CaseChange, CaseDetail, CaseStatus, NewCaseNote, TimelineWhat};
use axum::extract::rejection::{JsonRejection, PathRejection};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::Response;
use axum::routing::{patch, post, put};
use axum::Json;
use serde_json::json;
use sqlx::{PgConnection, Postgres, Transaction};
use uuid::Uuid;

use super::access::{ClientMeta, Routes, OFFICERS};
use super::cases::{
    assignee, case_id, check_title, expected_version, invalid, json_rejection, linkable,
    lock_checked, respond, taken_in_race,
};
use super::{ApiError, ApiResult, AppState};
use crate::auth::AuthUser;
use crate::db::audit;
use crate::db::case_writes::{self, Locked};
use crate::domain::FieldError;

const MAX_REASON: usize = 2_000;
const MAX_NOTE: usize = 20_000;

pub fn routes() -> Routes {
    let link = "/cases/{id}/complaints/{complaint_id}";
    Routes::default()
        .add(Method::PATCH, "/cases/{id}", OFFICERS, patch(change))
        .add(Method::POST, "/cases/{id}/notes", OFFICERS, post(add_note))
        .add(Method::PUT, link, OFFICERS, put(link_complaint))
        .add(
            Method::DELETE,
            link,
            OFFICERS,
            axum::routing::delete(unlink_complaint),
        )
}

/// Change status, assignee, priority or title. Fields left out stay as they are;
/// `assignee_id: null` unassigns.
#[utoipa::path(patch, path = "/api/v1/cases/{id}", tag = "cases", request_body = CaseChange,
    params(("id" = Uuid, Path), ("If-Match" = String, Header, description = "\"<version>\" as last read")),
    responses((status = 200, body = CaseDetail), (status = 404, body = aduan_api::error::ErrorBody),
        (status = 409, body = aduan_api::error::ErrorBody, description = "invalid_transition, case_closed"),
        (status = 412, body = aduan_api::error::ErrorBody, description = "version_conflict"),
        (status = 422, body = aduan_api::error::ErrorBody), (status = 428, body = aduan_api::error::ErrorBody)))]
pub async fn change(
    State(state): State<AppState>,
    user: AuthUser,
    meta: ClientMeta,
    id: Result<Path<Uuid>, PathRejection>,
    headers: HeaderMap,
    body: Result<Json<CaseChange>, JsonRejection>,
) -> ApiResult<Response> {
    let id = case_id(id)?;
    let expected = expected_version(&headers)?;
    let Json(change) = body.map_err(json_rejection)?;
    if change == CaseChange::default() {
        return Err(invalid(&[FieldError::new(
            "body",
            "names no field to change",
        )]));
    }
    let mut tx = state.pool.begin().await?;
    let current = lock_checked(&mut tx, id, expected).await?;
    let (new, changes) = plan(&mut tx, &current, change).await?;
    let details = json!({ "changes": changes });
    commit(
        &state,
        tx,
        &user,
        &meta,
        new,
        changes,
        "case.update",
        details,
    )
    .await
}

/// The case after `change`, and the changes as timeline entries (none if nothing differs).
async fn plan(
    db: &mut PgConnection,
    current: &Locked,
    change: CaseChange,
) -> ApiResult<(Locked, Vec<TimelineWhat>)> {
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
        let e = FieldError::new("reason", "is only taken with a change of status");
        return Err(invalid(&[e]));
    }
    if let Some(title) = &change.title {
        let title = check_title(title).map_err(|m| invalid(&[FieldError::new("title", m)]))?;
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

fn check_transition(from: CaseStatus, to: CaseStatus, reason: Option<&str>) -> ApiResult<()> {
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
        return Err(
            ApiError::new(StatusCode::CONFLICT, "invalid_transition", message)
                .with_details(json!({ "from": from, "to": to, "allowed": from.next() })),
        );
    }
    match reason {
        None if to.needs_reason() => {
            let m = format!("is required to move a case to {}", to.as_str());
            Err(invalid(&[FieldError::new("reason", m)]))
        }
        Some(r) if r.chars().count() > MAX_REASON => {
            let m = format!("must be at most {MAX_REASON} characters");
            Err(invalid(&[FieldError::new("reason", m)]))
        }
        _ => Ok(()),
    }
}

fn closed(case: &Locked) -> ApiError {
    ApiError::new(
        StatusCode::CONFLICT,
        "case_closed",
        format!(
            "Case {} is closed; only notes can be added.",
            case.reference
        ),
    )
}

/// Add an internal note (allowed on closed cases too). Replies 201 with the case.
#[utoipa::path(post, path = "/api/v1/cases/{id}/notes", tag = "cases", request_body = NewCaseNote,
    params(("id" = Uuid, Path), ("If-Match" = String, Header, description = "\"<version>\" as last read")),
    responses((status = 201, body = CaseDetail), (status = 404, body = aduan_api::error::ErrorBody),
        (status = 412, body = aduan_api::error::ErrorBody), (status = 422, body = aduan_api::error::ErrorBody),
        (status = 428, body = aduan_api::error::ErrorBody)))]
pub async fn add_note(
    State(state): State<AppState>,
    user: AuthUser,
    meta: ClientMeta,
    id: Result<Path<Uuid>, PathRejection>,
    headers: HeaderMap,
    body: Result<Json<NewCaseNote>, JsonRejection>,
) -> ApiResult<Response> {
    let id = case_id(id)?;
    let expected = expected_version(&headers)?;
    let Json(note) = body.map_err(json_rejection)?;
    let text = note.body.trim();
    let length = text.chars().count();
    if length == 0 || length > MAX_NOTE {
        let m = format!("must be 1–{MAX_NOTE} characters");
        return Err(invalid(&[FieldError::new("body", m)]));
    }
    let mut tx = state.pool.begin().await?;
    let case = lock_checked(&mut tx, id, expected).await?;
    let note_id = case_writes::add_note(&mut tx, id, user.id, text).await?;
    let changes = vec![TimelineWhat::NoteAdded { note_id }];
    let details = json!({ "note_id": note_id });
    let mut reply = commit(
        &state,
        tx,
        &user,
        &meta,
        case,
        changes,
        "case.note",
        details,
    )
    .await?;
    *reply.status_mut() = StatusCode::CREATED;
    Ok(reply)
}

/// Link a complaint to the case. Linking one that is already linked here changes nothing.
#[utoipa::path(put, path = "/api/v1/cases/{id}/complaints/{complaint_id}", tag = "cases",
    params(("id" = Uuid, Path), ("complaint_id" = Uuid, Path),
        ("If-Match" = String, Header, description = "\"<version>\" as last read")),
    responses((status = 200, body = CaseDetail), (status = 404, body = aduan_api::error::ErrorBody),
        (status = 409, body = aduan_api::error::ErrorBody, description = "complaint_in_other_case, case_closed"),
        (status = 412, body = aduan_api::error::ErrorBody), (status = 428, body = aduan_api::error::ErrorBody)))]
pub async fn link_complaint(
    State(state): State<AppState>,
    user: AuthUser,
    meta: ClientMeta,
    ids: Result<Path<(Uuid, Uuid)>, PathRejection>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let Path((id, complaint)) = ids.map_err(|_| ApiError::not_found("case"))?;
    let expected = expected_version(&headers)?;
    let mut tx = state.pool.begin().await?;
    let case = lock_checked(&mut tx, id, expected).await?;
    let here = case_writes::cases_of(&mut tx, &[complaint]).await?;
    if here.iter().any(|(_, c, _)| *c == id) {
        return respond(&mut tx, &state, id, StatusCode::OK).await;
    }
    if case.status == CaseStatus::Closed {
        return Err(closed(&case));
    }
    let changes = linkable(&mut tx, &[complaint])
        .await
        .map_err(|e| match e.code {
            "validation_failed" => ApiError::not_found("complaint"),
            _ => e,
        })?;
    case_writes::link(&mut tx, id, &[complaint], user.id)
        .await
        .map_err(taken_in_race)?;
    let details = json!({ "complaint_id": complaint });
    commit(
        &state,
        tx,
        &user,
        &meta,
        case,
        changes,
        "case.link",
        details,
    )
    .await
}

/// Unlink a complaint. A case keeps at least one complaint.
#[utoipa::path(delete, path = "/api/v1/cases/{id}/complaints/{complaint_id}", tag = "cases",
    params(("id" = Uuid, Path), ("complaint_id" = Uuid, Path),
        ("If-Match" = String, Header, description = "\"<version>\" as last read")),
    responses((status = 200, body = CaseDetail), (status = 404, body = aduan_api::error::ErrorBody),
        (status = 409, body = aduan_api::error::ErrorBody, description = "last_complaint, case_closed"),
        (status = 412, body = aduan_api::error::ErrorBody), (status = 428, body = aduan_api::error::ErrorBody)))]
pub async fn unlink_complaint(
    State(state): State<AppState>,
    user: AuthUser,
    meta: ClientMeta,
    ids: Result<Path<(Uuid, Uuid)>, PathRejection>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let Path((id, complaint)) = ids.map_err(|_| ApiError::not_found("case"))?;
    let expected = expected_version(&headers)?;
    let mut tx = state.pool.begin().await?;
    let case = lock_checked(&mut tx, id, expected).await?;
    if case.status == CaseStatus::Closed {
        return Err(closed(&case));
    }
    let reference = case_writes::complaint_references(&mut tx, &[complaint]).await?;
    let Some((_, reference)) = reference.into_iter().next() else {
        return Err(ApiError::not_found("complaint"));
    };
    if !case_writes::unlink(&mut tx, id, complaint).await? {
        return Err(ApiError::not_found("complaint in this case"));
    }
    if case_writes::complaint_count(&mut tx, id).await? == 0 {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "last_complaint",
            "A case keeps at least one complaint; link another before unlinking this one.",
        ));
    }
    let changes = vec![TimelineWhat::ComplaintUnlinked {
        complaint_id: complaint,
        reference,
    }];
    let details = json!({ "complaint_id": complaint });
    commit(
        &state,
        tx,
        &user,
        &meta,
        case,
        changes,
        "case.unlink",
        details,
    )
    .await
}

/// Write `new` (if anything changed), its timeline, audit entry and event; commit; reply.
#[allow(clippy::too_many_arguments)]
async fn commit(
    state: &AppState,
    mut tx: Transaction<'_, Postgres>,
    user: &AuthUser,
    meta: &ClientMeta,
    new: Locked,
    changes: Vec<TimelineWhat>,
    action: &str,
    details: serde_json::Value,
) -> ApiResult<Response> {
    if changes.is_empty() {
        return respond(&mut tx, state, new.id, StatusCode::OK).await;
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
    case_writes::record(&mut tx, &new, user.id, version, &changes).await?;
    let target = Some(("case", new.id.to_string()));
    audit::record(&mut *tx, &meta.actor(user), action, target, Some(details)).await?;
    let reply = respond(&mut tx, state, new.id, StatusCode::OK).await?;
    tx.commit().await?;
    state.events.changed();
    Ok(reply)
}
