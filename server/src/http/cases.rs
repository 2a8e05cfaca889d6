//! `/api/v1/cases`: listing, opening and reading cases. Changes (PATCH, notes, links) are
//! in [`super::case_changes`].
//!
//! Concurrency: every case has a `version`, sent as the `ETag` of each reply. Every write
//! needs `If-Match: "<version>"` (428 without it); a stale version gets 412
//! `version_conflict` with the current one, so an officer never overwrites a change they
//! have not seen.

use aduan_api::account::AuditAction;
use aduan_api::case::{CaseDetail, CasePriority, CaseStatus, CaseSummary, NewCase};
use aduan_api::page::Page;
use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::extract::{Path, Query, RawQuery, State};
use axum::http::{header, HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Json;
use serde::Deserialize;
use uuid::Uuid;

use super::access::{ClientMeta, Routes, OFFICERS};
use super::paging::{self, decode_cursor, encode_cursor};
use super::{ApiError, ApiResult, AppState};
use crate::auth::AuthUser;
use crate::db::cases::{self, AssigneeFilter, ListFilter};

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
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    #[param(value_type = Option<CaseStatus>)]
    status: Option<String>,
    #[param(value_type = Option<CasePriority>)]
    priority: Option<String>,
    /// `me`, `none`, or a user id.
    #[param(
        pattern = r"^(me|none|[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})?$"
    )]
    assignee: Option<String>,
    /// `true`: only overdue cases; `false`: only those that are not.
    overdue: Option<bool>,
    /// `true`: only cases where a reporter (portal) wrote last and waits for an answer.
    reporter_waiting: Option<bool>,
    /// Part of the title or reference.
    #[param(pattern = r"^[^\u0000]*$")]
    q: Option<String>,
    #[param(minimum = 1, maximum = 200)]
    limit: Option<i64>,
    /// `next_cursor` of the previous page.
    #[param(pattern = r"^([0-9a-f]{2})+$")]
    cursor: Option<String>,
}

/// List cases, newest first.
#[utoipa::path(get, path = "/api/v1/cases", operation_id = "list_cases", tag = "cases", params(ListQuery),
    responses((status = 200, body = Page<CaseSummary>), (status = 400, body = aduan_api::error::ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    user: AuthUser,
    meta: ClientMeta,
    RawQuery(raw): RawQuery,
    query: Result<Query<ListQuery>, QueryRejection>,
) -> ApiResult<Json<Page<CaseSummary>>> {
    let Query(q) = query?;
    let filter = list_filter(q, &user)?;
    let mut conn = state.pool.acquire().await?;
    let rows = cases::list(&mut conn, &filter, state.case_sla).await?;
    drop(conn);
    let page = paging::page(rows, filter.limit, |c| encode_cursor(c.created_at, c.id));
    let ids: Vec<Uuid> = page.items.iter().map(|c| c.id).collect();
    let details = serde_json::json!({ "query": raw.unwrap_or_default(), "ids": ids });
    let caller = meta.caller(&user);
    let action = AuditAction::CaseList;
    state
        .services
        .record_read(&caller, action, None, Some(details))
        .await?;
    Ok(Json(page))
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
    let limit = paging::limit(q.limit)?;
    let before = q.cursor.as_deref().map(decode_cursor).transpose()?;
    Ok(ListFilter {
        status,
        priority,
        assignee,
        overdue: q.overdue,
        reporter_waiting: q.reporter_waiting,
        q: q.q.map(|s| s.trim().to_string()).filter(|s| !s.is_empty()),
        before,
        limit,
    })
}

/// Open a case from one or more complaints. Replies 201 with the case and its `ETag`.
#[utoipa::path(post, path = "/api/v1/cases", operation_id = "open_case", tag = "cases", request_body = NewCase,
    responses((status = 201, body = CaseDetail, headers(("ETag" = String, description = "\"<version>\"")),
        links(
            ("GetCase" = (operation_id = "get_case", parameters(("id" = "$response.body#/id")))),
            ("ChangeCase" = (operation_id = "change_case", parameters(("id" = "$response.body#/id"),
                ("header.If-Match" = "$response.header.ETag")))),
            ("AddNote" = (operation_id = "add_note", parameters(("id" = "$response.body#/id"),
                ("header.If-Match" = "$response.header.ETag")))),
            ("UnlinkComplaint" = (operation_id = "unlink_complaint", parameters(("id" = "$response.body#/id"),
                ("complaint_id" = "$response.body#/complaints/0/id"), ("header.If-Match" = "$response.header.ETag")))),
        )),
        (status = 409, body = aduan_api::error::ErrorBody,
        description = "complaint_in_other_case"), (status = 422, body = aduan_api::error::ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    user: AuthUser,
    meta: ClientMeta,
    body: Result<Json<NewCase>, JsonRejection>,
) -> ApiResult<Response> {
    let Json(new) = body.map_err(json_rejection)?;
    let case = state.services.open_case(&meta.caller(&user), new).await?;
    let id = case.summary.id;
    let mut reply = with_etag(StatusCode::CREATED, case);
    let location = format!("/api/v1/cases/{id}").parse().expect("valid header");
    reply.headers_mut().insert(header::LOCATION, location);
    Ok(reply)
}

/// One case with its complaints, notes and timeline; its version is the `ETag`.
#[utoipa::path(get, path = "/api/v1/cases/{id}", operation_id = "get_case", tag = "cases", params(("id" = Uuid, Path)),
    responses((status = 200, body = CaseDetail, headers(("ETag" = String, description = "\"<version>\"")),
        links(
            ("GetCase" = (operation_id = "get_case", parameters(("id" = "$response.body#/id")))),
            ("ChangeCase" = (operation_id = "change_case", parameters(("id" = "$response.body#/id"),
                ("header.If-Match" = "$response.header.ETag")))),
            ("AddNote" = (operation_id = "add_note", parameters(("id" = "$response.body#/id"),
                ("header.If-Match" = "$response.header.ETag")))),
            ("UnlinkComplaint" = (operation_id = "unlink_complaint", parameters(("id" = "$response.body#/id"),
                ("complaint_id" = "$response.body#/complaints/0/id"), ("header.If-Match" = "$response.header.ETag")))),
        )),
        (status = 404, body = aduan_api::error::ErrorBody)))]
pub async fn detail(
    State(state): State<AppState>,
    user: AuthUser,
    meta: ClientMeta,
    id: Result<Path<Uuid>, PathRejection>,
) -> ApiResult<Response> {
    let id = case_id(id)?;
    let mut conn = state.pool.acquire().await?;
    let case = state.services.read_case(&mut conn, id).await?;
    drop(conn);
    let target = Some(("case", id.to_string()));
    let caller = meta.caller(&user);
    state
        .services
        .record_read(&caller, AuditAction::CaseView, target, None)
        .await?;
    Ok(with_etag(StatusCode::OK, case))
}

pub fn case_id(id: Result<Path<Uuid>, PathRejection>) -> ApiResult<Uuid> {
    id.map(|Path(id)| id)
        .map_err(|_| ApiError::not_found("case"))
}

/// A case reply: the case, with its version as the `ETag`.
pub fn with_etag(status: StatusCode, detail: CaseDetail) -> Response {
    let etag = format!("\"{}\"", detail.summary.version);
    (status, [(header::ETAG, etag)], Json(detail)).into_response()
}

/// The version of the case the client last saw, from `If-Match`; 428 without one.
pub fn expected_version(headers: &HeaderMap) -> ApiResult<i64> {
    if_match(headers, "the case")
}

/// The version of `what` the client last saw, from `If-Match`; 428 without one.
pub fn if_match(headers: &HeaderMap, what: &str) -> ApiResult<i64> {
    let value = headers.get(header::IF_MATCH).ok_or_else(|| {
        ApiError::new(
            StatusCode::PRECONDITION_REQUIRED,
            "precondition_required",
            format!("Send If-Match: \"<version>\" with the version of {what} you last read."),
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
                format!("If-Match must be a version of {what}, e.g. \"3\"."),
            )
        })
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
