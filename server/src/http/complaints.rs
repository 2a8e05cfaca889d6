//! `/api/v1/complaints`: intake, listing and detail.

use aduan_api::account::AuditAction;
use aduan_api::complaint::{
    AttachmentInfo, Channel, ComplaintAccepted, ComplaintDetail, ComplaintStatus, ComplaintSummary,
    IntakeLimits,
};
use aduan_api::page::Page;
use axum::extract::{Path, Query, RawQuery, Request, State};
use axum::http::{header, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Json;
use chrono::{DateTime, NaiveDate, Utc};
use serde::Deserialize;
use uuid::Uuid;

use super::access::{ClientMeta, Routes, STAFF};
use super::intake::{self, BodyKind};
use super::paging::{self, decode_cursor, encode_cursor};
use super::{ApiError, ApiResult, AppState};
use crate::auth::AuthUser;
use crate::db::complaints::{self, ListFilter, Visibility};
use crate::db::intake::Idempotency;
use crate::service::intake::Accepted;

pub fn routes() -> Routes {
    // Uploads are limited while streaming (see `intake`), not by a blanket body cap.
    let unlimited = || axum::extract::DefaultBodyLimit::disable();
    Routes::default()
        .add(
            Method::POST,
            "/complaints",
            STAFF,
            post(create).layer(unlimited()),
        )
        .add(Method::GET, "/complaints", STAFF, get(list))
        .add(Method::GET, "/intake/limits", STAFF, get(limits))
        .add(Method::GET, "/complaints/{id}", STAFF, get(detail))
        .add(
            Method::POST,
            "/complaints/{id}/attachments",
            STAFF,
            post(add_attachments).layer(unlimited()),
        )
}

/// What one submission may carry, as this server is configured.
#[utoipa::path(get, path = "/api/v1/intake/limits", tag = "complaints",
    responses((status = 200, body = IntakeLimits)))]
pub async fn limits(State(state): State<AppState>) -> Json<IntakeLimits> {
    Json(state.limits)
}

/// Whether `user` may see a complaint entered by `owner`: intake staff only their own.
pub fn may_see(user: &AuthUser, owner: Option<Uuid>) -> bool {
    user.only_own().is_none_or(|me| owner == Some(me))
}

/// Submit a complaint (JSON `ComplaintInput`, or multipart `complaint` + `file` parts).
#[utoipa::path(post, path = "/api/v1/complaints", operation_id = "submit_complaint", tag = "complaints",
    request_body(content(
            (aduan_api::complaint::ComplaintInput = "application/json"),
            (super::openapi::ComplaintUpload = "multipart/form-data")),
        description = "JSON, or multipart/form-data with a `complaint` part (JSON) and `file` parts"),
    params(("Idempotency-Key" = Option<String>, Header, pattern = r"^[!-~]{1,200}$",
        description = "1–200 visible ASCII characters; makes a retried submission return the first result")),
    responses(
        (status = 202, body = ComplaintAccepted, description = "Accepted and queued for enrichment", links(
            ("GetComplaint" = (operation_id = "get_complaint", parameters(("id" = "$response.body#/id")))),
            ("AddAttachments" = (operation_id = "add_attachments", parameters(("id" = "$response.body#/id")))),
            ("RevealIdentity" = (operation_id = "reveal_identity", parameters(("id" = "$response.body#/id")))),
            ("Reprocess" = (operation_id = "reprocess", parameters(("id" = "$response.body#/id")))),
            ("ListRelated" = (operation_id = "list_related", parameters(("id" = "$response.body#/id")))),
            ("OpenCase" = (operation_id = "open_case",
                request_body = json!({"complaint_ids": ["$response.body#/id"], "assignee_id": null}))),
        )),
        (status = 200, body = ComplaintAccepted, description = "Repeat of an earlier submission with the same Idempotency-Key", links(
            ("GetComplaint" = (operation_id = "get_complaint", parameters(("id" = "$response.body#/id")))),
        )),
        (status = 400, body = aduan_api::error::ErrorBody), (status = 413, body = aduan_api::error::ErrorBody),
        (status = 415, body = aduan_api::error::ErrorBody), (status = 422, body = aduan_api::error::ErrorBody),
        (status = 503, body = aduan_api::error::ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    user: AuthUser,
    meta: ClientMeta,
    request: Request,
) -> ApiResult<Response> {
    let headers = request.headers().clone();
    let key = intake::idempotency_key(&headers)?;
    intake::check_content_length(&headers, &state.limits)?;
    let (complaint, files) = match intake::body_kind(&headers)? {
        BodyKind::Json => (intake::read_json(request.into_body()).await?, Vec::new()),
        BodyKind::Multipart => {
            let sub = intake::read_multipart(&state, request).await?;
            let complaint = sub.complaint.ok_or_else(|| {
                ApiError::bad_request(
                    "missing_complaint",
                    "The multipart request has no `complaint` part.",
                )
            })?;
            (complaint, sub.files)
        }
    };
    let idempotency = key.map(|key| Idempotency {
        content_hash: intake::content_hash(&complaint, &files),
        key,
    });
    let actor = meta.actor(&user);
    let services = &state.services;
    let (status, accepted) = match services
        .submit_complaint(actor, complaint, files, idempotency)
        .await?
    {
        Accepted::New(a) => (StatusCode::ACCEPTED, a),
        Accepted::Repeat(a) => (StatusCode::OK, a),
    };
    let location = format!("/api/v1/complaints/{}", accepted.id);
    Ok((status, [(header::LOCATION, location)], Json(accepted)).into_response())
}

/// Query string of the list.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    #[param(value_type = Option<ComplaintStatus>)]
    status: Option<String>,
    #[param(value_type = Option<Channel>)]
    channel: Option<String>,
    /// Offence category code (the officer's correction wins over the machine's).
    category: Option<String>,
    /// Sector code.
    sector: Option<String>,
    /// Received on or after this date (YYYY-MM-DD) or instant (RFC 3339).
    #[param(
        pattern = r"^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8])(T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]{1,9})?(Z|[+-]([01][0-9]|2[0-3]):[0-5][0-9]))?$"
    )]
    from: Option<String>,
    /// Received before this date (exclusive) or instant.
    #[param(
        pattern = r"^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8])(T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]{1,9})?(Z|[+-]([01][0-9]|2[0-3]):[0-5][0-9]))?$"
    )]
    to: Option<String>,
    /// Full-text search over the description (Malay and English).
    #[param(pattern = r"^[^\u0000]*$")]
    q: Option<String>,
    #[param(minimum = 1, maximum = 200)]
    limit: Option<i64>,
    /// `next_cursor` of the previous page.
    #[param(pattern = r"^([0-9a-f]{2})+$")]
    cursor: Option<String>,
}

/// List complaints, newest first.
#[utoipa::path(get, path = "/api/v1/complaints", operation_id = "list_complaints", tag = "complaints", params(ListQuery),
    responses((status = 200, body = Page<ComplaintSummary>), (status = 400, body = aduan_api::error::ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    user: AuthUser,
    meta: ClientMeta,
    RawQuery(raw): RawQuery,
    query: Result<Query<ListQuery>, axum::extract::rejection::QueryRejection>,
) -> ApiResult<Json<Page<ComplaintSummary>>> {
    let Query(q) = query?;
    let filter = list_filter(q)?;
    let rows = complaints::list(&state.pool, &filter, Visibility::for_user(&user)).await?;
    let page = paging::page(rows, filter.limit, |c| encode_cursor(c.created_at, c.id));
    let ids: Vec<Uuid> = page.items.iter().map(|c| c.id).collect();
    let details = serde_json::json!({ "query": raw.unwrap_or_default(), "ids": ids });
    let caller = meta.caller(&user);
    let action = AuditAction::ComplaintList;
    state
        .services
        .record_read(&caller, action, None, Some(details))
        .await?;
    Ok(Json(page))
}

/// The list's filters for an export: every match, so no page size or position.
pub(super) fn export_filter(q: ListQuery) -> ApiResult<ListFilter> {
    for (given, field) in [(q.limit.is_some(), "limit"), (q.cursor.is_some(), "cursor")] {
        if given {
            return Err(ApiError::bad_request(
                "invalid_query",
                format!("`{field}` does not apply to an export: it holds every match"),
            ));
        }
    }
    list_filter(q)
}

fn list_filter(q: ListQuery) -> ApiResult<ListFilter> {
    let bad =
        |field: &str, msg: &str| ApiError::bad_request("invalid_query", format!("`{field}` {msg}"));
    let status = match q.status.as_deref() {
        Some(s) => {
            Some(ComplaintStatus::parse(s).ok_or_else(|| bad("status", "is not a known status"))?)
        }
        None => None,
    };
    let channel = match q.channel.as_deref() {
        Some(s) => Some(Channel::parse(s).ok_or_else(|| bad("channel", "is not a known channel"))?),
        None => None,
    };
    let from = q
        .from
        .as_deref()
        .map(parse_instant)
        .transpose()
        .map_err(|_| bad("from", "is not a date"))?;
    let to =
        q.to.as_deref()
            .map(parse_instant)
            .transpose()
            .map_err(|_| bad("to", "is not a date"))?;
    let limit = paging::limit(q.limit)?;
    let before = q.cursor.as_deref().map(decode_cursor).transpose()?;
    let text = q.q.map(|s| s.trim().to_string()).filter(|s| !s.is_empty());
    let category = q.category.filter(|s| !s.is_empty());
    let sector = q.sector.filter(|s| !s.is_empty());
    Ok(ListFilter {
        status,
        channel,
        from,
        to,
        q: text,
        category,
        sector,
        before,
        limit,
    })
}

/// Neither an RFC 3339 instant nor a YYYY-MM-DD date.
#[derive(Debug)]
pub struct InvalidDate;

/// An RFC 3339 instant, or a date meaning its midnight in Malaysia (UTC+8), where
/// complaints are received.
pub fn parse_instant(s: &str) -> Result<DateTime<Utc>, InvalidDate> {
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Ok(t.with_timezone(&Utc));
    }
    let day = NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|_| InvalidDate)?;
    Ok(crate::domain::time::day_start(day))
}

/// One complaint with attachments and status history.
#[utoipa::path(get, path = "/api/v1/complaints/{id}", operation_id = "get_complaint", tag = "complaints",
    params(("id" = Uuid, Path)),
    responses((status = 200, body = ComplaintDetail), (status = 404, body = aduan_api::error::ErrorBody)))]
pub async fn detail(
    State(state): State<AppState>,
    user: AuthUser,
    meta: ClientMeta,
    id: Result<Path<Uuid>, axum::extract::rejection::PathRejection>,
) -> ApiResult<Json<ComplaintDetail>> {
    let Path(id) = id.map_err(|_| ApiError::not_found("complaint"))?;
    let vis = Visibility::for_user(&user);
    // Another intake user's complaint is "not found", not "forbidden": its existence is
    // itself confidential.
    let detail = complaints::get(&state.pool, id, vis)
        .await?
        .ok_or_else(|| ApiError::not_found("complaint"))?;
    let target = Some(("complaint", id.to_string()));
    let caller = meta.caller(&user);
    let action = AuditAction::ComplaintView;
    state
        .services
        .record_read(&caller, action, target, None)
        .await?;
    Ok(Json(detail))
}

/// Attach more files to an existing complaint (multipart `file` parts).
#[utoipa::path(post, path = "/api/v1/complaints/{id}/attachments", tag = "complaints",
    params(("id" = Uuid, Path)),
    request_body(content = super::openapi::AttachmentUpload, content_type = "multipart/form-data",
        description = "One or more `file` parts, none empty; sizes as `GET /api/v1/intake/limits` says"),
    responses((status = 201, body = Vec<AttachmentInfo>, links(
            ("DownloadAttachment" = (operation_id = "download", parameters(("id" = "$response.body#/0/id")))),
            ("PreviewAttachment" = (operation_id = "preview", parameters(("id" = "$response.body#/0/id")))),
        )),
        (status = 400, body = aduan_api::error::ErrorBody), (status = 404, body = aduan_api::error::ErrorBody),
        (status = 413, body = aduan_api::error::ErrorBody), (status = 415, body = aduan_api::error::ErrorBody),
        (status = 422, body = aduan_api::error::ErrorBody)))]
pub async fn add_attachments(
    State(state): State<AppState>,
    user: AuthUser,
    meta: ClientMeta,
    id: Result<Path<Uuid>, axum::extract::rejection::PathRejection>,
    request: Request,
) -> ApiResult<(StatusCode, Json<Vec<AttachmentInfo>>)> {
    let Path(id) = id.map_err(|_| ApiError::not_found("complaint"))?;
    match complaints::owner(&state.pool, id).await? {
        Some(owner) if may_see(&user, owner) => {}
        _ => return Err(ApiError::not_found("complaint")),
    }
    intake::check_content_length(request.headers(), &state.limits)?;
    if !matches!(intake::body_kind(request.headers())?, BodyKind::Multipart) {
        return Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "Send attachments as multipart/form-data `file` parts.",
        ));
    }
    let sub = intake::read_multipart(&state, request).await?;
    if sub.complaint.is_some() {
        return Err(ApiError::bad_request(
            "unexpected_part",
            "Only `file` parts are accepted here.",
        ));
    }
    if sub.files.is_empty() {
        return Err(ApiError::bad_request(
            "no_files",
            "The request has no `file` part.",
        ));
    }
    let caller = meta.caller(&user);
    let added = state
        .services
        .add_attachments(&caller, id, &sub.files)
        .await?;
    Ok((StatusCode::CREATED, Json(added)))
}
