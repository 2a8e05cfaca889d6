//! `/api/v1/cases`: listing, opening and reading cases. Changes (PATCH, notes, links) are
//! in [`super::case_changes`].
//!
//! Concurrency: every case has a `version`, sent as the `ETag` of each reply. Every write
//! needs `If-Match: "<version>"` (428 without it); a stale version gets 412
//! `version_conflict` with the current one, so an officer never overwrites a change they
//! have not seen.

use aduan_api::case::{CaseDetail, CasePriority, CaseStatus, CaseSummary, NewCase, TimelineWhat};
use aduan_api::page::Page;
use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Json;
use serde::Deserialize;
use serde_json::json;
use sqlx::PgConnection;
use uuid::Uuid;

use super::access::{ClientMeta, Routes, OFFICERS};
use super::complaints::{encode_cursor, parse_cursor};
use super::{ApiError, ApiResult, AppState};
use crate::auth::AuthUser;
use crate::db::audit;
use crate::db::case_writes::{self, Locked};
use crate::db::cases::{self, AssigneeFilter, ListFilter};
use crate::domain::FieldError;

/// Most complaints given when opening a case.
const MAX_COMPLAINTS: usize = 100;

pub fn routes() -> Routes {
    Routes::default()
        .add(Method::GET, "/cases", OFFICERS, get(list))
        .add(
            Method::POST,
            "/cases",
            OFFICERS,
            axum::routing::post(create),
        )
        .add(Method::GET, "/cases/{id}", OFFICERS, get(detail))
        .merge(super::case_changes::routes())
}

/// Query string of the list.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct ListQuery {
    status: Option<String>,
    priority: Option<String>,
    /// `me`, `none`, or a user id.
    assignee: Option<String>,
    /// `true`: only overdue cases; `false`: only those that are not.
    overdue: Option<bool>,
    /// Part of the title or reference.
    q: Option<String>,
    limit: Option<i64>,
    cursor: Option<String>,
}

/// List cases, newest first.
#[utoipa::path(get, path = "/api/v1/cases", tag = "cases", params(ListQuery),
    responses((status = 200, body = Page<CaseSummary>), (status = 400, body = aduan_api::error::ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    user: AuthUser,
    query: Result<Query<ListQuery>, QueryRejection>,
) -> ApiResult<Json<Page<CaseSummary>>> {
    let Query(q) = query?;
    let filter = list_filter(q, &user)?;
    let limit = filter.limit as usize;
    let mut conn = state.pool.acquire().await?;
    let mut items = cases::list(&mut conn, &filter, state.case_sla).await?;
    let next_cursor = if items.len() > limit {
        items.truncate(limit);
        items.last().map(|c| encode_cursor(c.created_at, c.id))
    } else {
        None
    };
    Ok(Json(Page { items, next_cursor }))
}

fn list_filter(q: ListQuery, user: &AuthUser) -> ApiResult<ListFilter> {
    let bad =
        |field: &str, msg: &str| ApiError::bad_request("invalid_query", format!("`{field}` {msg}"));
    let status = q
        .status
        .as_deref()
        .map(|s| CaseStatus::parse(s).ok_or_else(|| bad("status", "is not a known status")))
        .transpose()?;
    let priority = q
        .priority
        .as_deref()
        .map(|s| CasePriority::parse(s).ok_or_else(|| bad("priority", "is not a known priority")))
        .transpose()?;
    let assignee = match q.assignee.as_deref() {
        None | Some("") => None,
        Some("me") => Some(AssigneeFilter::User(user.id)),
        Some("none") => Some(AssigneeFilter::Nobody),
        Some(s) => {
            Some(AssigneeFilter::User(s.parse().map_err(|_| {
                bad("assignee", "must be `me`, `none` or a user id")
            })?))
        }
    };
    let limit = q.limit.unwrap_or(50);
    if !(1..=200).contains(&limit) {
        return Err(bad("limit", "must be between 1 and 200"));
    }
    let before = q
        .cursor
        .as_deref()
        .map(|c| parse_cursor(c).ok_or_else(|| bad("cursor", "is not valid")))
        .transpose()?;
    Ok(ListFilter {
        status,
        priority,
        assignee,
        overdue: q.overdue,
        q: q.q.map(|s| s.trim().to_string()).filter(|s| !s.is_empty()),
        before,
        limit,
    })
}

/// Open a case from one or more complaints. Replies 201 with the case and its `ETag`.
#[utoipa::path(post, path = "/api/v1/cases", tag = "cases", request_body = NewCase,
    responses((status = 201, body = CaseDetail), (status = 409, body = aduan_api::error::ErrorBody,
        description = "complaint_in_other_case"), (status = 422, body = aduan_api::error::ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    user: AuthUser,
    meta: ClientMeta,
    body: Result<Json<NewCase>, JsonRejection>,
) -> ApiResult<Response> {
    let Json(new) = body.map_err(json_rejection)?;
    let (title, ids) = check_new(&new)?;
    let priority = new.priority.unwrap_or(CasePriority::Normal);
    let mut tx = state.pool.begin().await?;
    let assignee = match new.assignee_id {
        Some(a) => Some(assignee(&mut tx, a).await?),
        None => None,
    };
    let linked = linkable(&mut tx, &ids).await?;
    let id = Uuid::now_v7();
    let reference = case_writes::insert(
        &mut tx,
        id,
        &title,
        priority,
        new.assignee_id,
        user.id,
        &ids,
    )
    .await?;
    case_writes::link(&mut tx, id, &ids, user.id)
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
    case_writes::record(&mut tx, &case, user.id, 1, &changes).await?;
    let details = json!({ "reference": reference, "complaints": ids });
    audit::record(
        &mut *tx,
        &meta.actor(&user),
        "case.create",
        Some(("case", id.to_string())),
        Some(details),
    )
    .await?;
    let mut reply = respond(&mut tx, &state, id, StatusCode::CREATED).await?;
    tx.commit().await?;
    state.events.changed();
    let location = format!("/api/v1/cases/{id}").parse().expect("valid header");
    reply.headers_mut().insert(header::LOCATION, location);
    Ok(reply)
}

/// The trimmed title and the distinct complaint ids of a new case, or 422.
fn check_new(new: &NewCase) -> ApiResult<(String, Vec<Uuid>)> {
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
        _ => Err(invalid(&errors)),
    }
}

/// A title: trimmed, 1–200 characters.
pub fn check_title(title: &str) -> Result<String, &'static str> {
    let t = title.trim();
    match t.chars().count() {
        0 => Err("must not be empty"),
        201.. => Err("must be at most 200 characters"),
        _ => Ok(t.to_string()),
    }
}

/// The complaints exist and belong to no case yet: their `complaint_linked` entries.
pub async fn linkable(db: &mut PgConnection, ids: &[Uuid]) -> ApiResult<Vec<TimelineWhat>> {
    let found = case_writes::complaint_references(db, ids).await?;
    let missing: Vec<String> = ids
        .iter()
        .filter(|id| !found.iter().any(|f| f.0 == **id))
        .map(Uuid::to_string)
        .collect();
    if !missing.is_empty() {
        let msg = format!("names unknown complaints: {}", missing.join(", "));
        return Err(invalid(&[FieldError::new("complaint_ids", msg)]));
    }
    if let Some((complaint, case_id, reference)) =
        case_writes::cases_of(db, ids).await?.into_iter().next()
    {
        return Err(in_other_case(complaint, Some((case_id, reference))));
    }
    Ok(found
        .into_iter()
        .map(|(complaint_id, reference)| TimelineWhat::ComplaintLinked {
            complaint_id,
            reference,
        })
        .collect())
}

fn in_other_case(complaint: Uuid, case: Option<(Uuid, String)>) -> ApiError {
    let (case_id, reference) = case.unzip();
    let message = match &reference {
        Some(r) => {
            format!("Complaint {complaint} already belongs to case {r}; unlink it there first.")
        }
        None => format!("Complaint {complaint} already belongs to another case."),
    };
    ApiError::new(StatusCode::CONFLICT, "complaint_in_other_case", message).with_details(json!({
        "complaint_id": complaint, "case_id": case_id, "case_reference": reference,
    }))
}

/// A link that lost a race with another case's link to the same complaint.
pub fn taken_in_race(e: sqlx::Error) -> ApiError {
    match &e {
        sqlx::Error::Database(d) if d.constraint() == Some("case_complaints_complaint_key") => {
            ApiError::new(
                StatusCode::CONFLICT,
                "complaint_in_other_case",
                "A complaint was just linked to another case.",
            )
        }
        _ => e.into(),
    }
}

/// The user to assign, or 422 naming `assignee_id`.
pub async fn assignee(db: &mut PgConnection, id: Uuid) -> ApiResult<aduan_api::case::UserRef> {
    case_writes::assignable(db, id)
        .await?
        .map_err(|m| invalid(&[FieldError::new("assignee_id", m)]))
}

/// One case with its complaints, notes and timeline; its version is the `ETag`.
#[utoipa::path(get, path = "/api/v1/cases/{id}", tag = "cases", params(("id" = Uuid, Path)),
    responses((status = 200, body = CaseDetail, headers(("ETag" = String, description = "\"<version>\""))),
        (status = 404, body = aduan_api::error::ErrorBody)))]
pub async fn detail(
    State(state): State<AppState>,
    user: AuthUser,
    meta: ClientMeta,
    id: Result<Path<Uuid>, PathRejection>,
) -> ApiResult<Response> {
    let id = case_id(id)?;
    let mut conn = state.pool.acquire().await?;
    let reply = respond(&mut conn, &state, id, StatusCode::OK).await?;
    audit::record(
        &mut *conn,
        &meta.actor(&user),
        "case.view",
        Some(("case", id.to_string())),
        None,
    )
    .await?;
    Ok(reply)
}

pub fn case_id(id: Result<Path<Uuid>, PathRejection>) -> ApiResult<Uuid> {
    id.map(|Path(id)| id)
        .map_err(|_| ApiError::not_found("case"))
}

/// The case as it now is, with its version as the `ETag`.
pub async fn respond(
    db: &mut PgConnection,
    state: &AppState,
    id: Uuid,
    status: StatusCode,
) -> ApiResult<Response> {
    let detail = cases::detail(db, id, state.case_sla)
        .await?
        .ok_or_else(|| ApiError::not_found("case"))?;
    let etag = format!("\"{}\"", detail.summary.version);
    Ok((status, [(header::ETAG, etag)], Json(detail)).into_response())
}

/// The version the client last saw, from `If-Match`; 428 without one.
pub fn expected_version(headers: &HeaderMap) -> ApiResult<i64> {
    let value = headers.get(header::IF_MATCH).ok_or_else(|| {
        ApiError::new(
            StatusCode::PRECONDITION_REQUIRED,
            "precondition_required",
            "Send If-Match: \"<version>\" with the version of the case you last read.",
        )
    })?;
    value
        .to_str()
        .ok()
        .map(|v| v.trim().trim_start_matches("W/").trim_matches('"'))
        .and_then(|v| v.parse().ok())
        .ok_or_else(|| {
            ApiError::bad_request(
                "invalid_if_match",
                "If-Match must be a case version, e.g. \"3\".",
            )
        })
}

/// Lock the case for this transaction and check the client saw its current version.
pub async fn lock_checked(db: &mut PgConnection, id: Uuid, expected: i64) -> ApiResult<Locked> {
    let case = case_writes::lock(db, id)
        .await?
        .ok_or_else(|| ApiError::not_found("case"))?;
    if case.version != expected {
        return Err(ApiError::new(
            StatusCode::PRECONDITION_FAILED,
            "version_conflict",
            format!(
                "The case was changed by someone else (now version {}, you sent {expected}). \
                 Reload it and try again.",
                case.version
            ),
        )
        .with_details(json!({ "current_version": case.version })));
    }
    Ok(case)
}

/// 422 naming the fields, worded for cases.
pub fn invalid(errors: &[FieldError]) -> ApiError {
    let mut e = ApiError::validation(errors);
    let summary: Vec<String> = errors
        .iter()
        .map(|e| format!("{} {}", e.field, e.message))
        .collect();
    e.message = format!("The request is not valid: {}.", summary.join("; "));
    e
}

/// A body that is not JSON (400), not JSON at all (415) or not the expected shape (422).
pub fn json_rejection(e: JsonRejection) -> ApiError {
    let code = match e.status() {
        StatusCode::UNSUPPORTED_MEDIA_TYPE => "unsupported_media_type",
        StatusCode::UNPROCESSABLE_ENTITY => "validation_failed",
        _ => "malformed_json",
    };
    ApiError::new(e.status(), code, e.body_text())
}
