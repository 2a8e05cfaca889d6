//! The staff side of the reporter portal: a portal complaint's thread
//! (`/complaints/{id}/messages`, for admins and the officer assigned to its case) and the
//! originals of the reporter's files (`/attachments/{id}/original`, audited with a reason).

use aduan_api::account::AuditAction;
use aduan_api::portal::{ComplaintMessage, MessageAuthor, MessageInput, MessageThread};
use axum::body::Body;
use axum::extract::rejection::{JsonRejection, PathRejection};
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Json;
use serde::Deserialize;
use uuid::Uuid;

use super::access::{ClientMeta, Routes, OFFICERS};
use super::cases::json_rejection;
use super::identity::{MAX_REASON, MIN_REASON};
use super::{ApiError, ApiResult, AppState};
use crate::auth::AuthUser;
use crate::db::{attachments, audit, messages, portal};
use crate::domain::FieldError;
use crate::service::messages::{may_work_thread, Writer};

pub fn routes() -> Routes {
    Routes::default()
        .add(
            Method::GET,
            "/complaints/{id}/messages",
            OFFICERS,
            get(thread),
        )
        .add(
            Method::POST,
            "/complaints/{id}/messages",
            OFFICERS,
            axum::routing::post(send),
        )
        .add(
            Method::GET,
            "/attachments/{id}/original",
            OFFICERS,
            get(original),
        )
}

fn not_on_case() -> ApiError {
    ApiError::new(
        StatusCode::FORBIDDEN,
        "not_on_case",
        "Only the officer assigned to this complaint's case (or an admin) may read or write \
         its reporter's messages.",
    )
}

/// The assignee of the case holding complaint `id`; 404 when the complaint does not exist.
async fn assignee(state: &AppState, id: Uuid) -> ApiResult<Option<Uuid>> {
    let exists: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM complaints WHERE id = $1)")
        .bind(id)
        .fetch_one(&state.pool)
        .await?;
    if !exists {
        return Err(ApiError::not_found("complaint"));
    }
    let mut conn = state.pool.acquire().await?;
    Ok(messages::case_of(&mut conn, id)
        .await?
        .and_then(|c| c.assignee_id))
}

/// The thread with the reporter of a portal complaint.
#[utoipa::path(get, path = "/api/v1/complaints/{id}/messages", tag = "portal",
    params(("id" = Uuid, Path)),
    responses((status = 200, body = MessageThread), (status = 403, body = aduan_api::error::ErrorBody),
        (status = 404, body = aduan_api::error::ErrorBody)))]
pub async fn thread(
    State(state): State<AppState>,
    user: AuthUser,
    meta: ClientMeta,
    id: Result<Path<Uuid>, PathRejection>,
) -> ApiResult<Json<MessageThread>> {
    let Path(id) = id.map_err(|_| ApiError::not_found("complaint"))?;
    if !may_work_thread(&user, assignee(&state, id).await?) {
        return Err(not_on_case());
    }
    let is_portal = portal::is_portal(&state.pool, id).await?;
    let mut files = attachments::list_for(&state.pool, id).await?;
    files.retain(|f| f.message_id.is_some());
    let messages: Vec<ComplaintMessage> = messages::list(&state.pool, id)
        .await?
        .into_iter()
        .map(|m| ComplaintMessage {
            attachments: files
                .iter()
                .filter(|f| f.message_id == Some(m.id))
                .cloned()
                .collect(),
            id: m.id,
            complaint_id: m.complaint_id,
            author: MessageAuthor::parse(&m.author).unwrap_or(MessageAuthor::Officer),
            author_name: m.author_name,
            text: m.body,
            created_at: m.created_at,
        })
        .collect();
    let reporter_status = match is_portal {
        true => Some(crate::portal::status::for_reporter(
            super::portal::case_status(&state, id).await?,
        )),
        false => None,
    };
    let details = serde_json::json!({ "messages": messages.len() });
    let target = Some(("complaint", id.to_string()));
    audit::record(
        &state.pool,
        &meta.actor(&user),
        AuditAction::MessageView,
        target,
        Some(details),
    )
    .await?;
    Ok(Json(MessageThread {
        portal: is_portal,
        messages,
        reporter_status,
    }))
}

/// Write to the reporter of a portal complaint.
#[utoipa::path(post, path = "/api/v1/complaints/{id}/messages", tag = "portal",
    params(("id" = Uuid, Path)), request_body = MessageInput,
    responses((status = 201, body = ComplaintMessage), (status = 403, body = aduan_api::error::ErrorBody),
        (status = 404, body = aduan_api::error::ErrorBody), (status = 409, body = aduan_api::error::ErrorBody,
        description = "the complaint did not come through the portal"),
        (status = 422, body = aduan_api::error::ErrorBody)))]
pub async fn send(
    State(state): State<AppState>,
    user: AuthUser,
    meta: ClientMeta,
    id: Result<Path<Uuid>, PathRejection>,
    body: Result<Json<MessageInput>, JsonRejection>,
) -> ApiResult<Response> {
    let Path(id) = id.map_err(|_| ApiError::not_found("complaint"))?;
    let Json(input) = body.map_err(json_rejection)?;
    if !may_work_thread(&user, assignee(&state, id).await?) {
        return Err(not_on_case());
    }
    let writer = Writer::Officer(&user, meta.actor(&user));
    let sent = state
        .services
        .add_message(id, writer, &input.text, &[])
        .await?;
    Ok((StatusCode::CREATED, Json(sent)).into_response())
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OriginalQuery {
    /// Why the original (with its metadata) is needed: 10–500 characters.
    reason: Option<String>,
}

/// Download the original of a reporter's file, as sent (with its metadata). `{id}` is the
/// cleaned copy's id. The reason is in the audit log before a byte is sent.
#[utoipa::path(get, path = "/api/v1/attachments/{id}/original", tag = "portal",
    params(("id" = Uuid, Path), OriginalQuery),
    responses((status = 200, description = "The original file"),
        (status = 403, body = aduan_api::error::ErrorBody), (status = 404, body = aduan_api::error::ErrorBody),
        (status = 422, body = aduan_api::error::ErrorBody)))]
pub async fn original(
    State(state): State<AppState>,
    user: AuthUser,
    meta: ClientMeta,
    id: Result<Path<Uuid>, PathRejection>,
    query: Result<Query<OriginalQuery>, axum::extract::rejection::QueryRejection>,
) -> ApiResult<Response> {
    let Path(id) = id.map_err(|_| ApiError::not_found("attachment"))?;
    let Query(q) = query?;
    let reason = q.reason.as_deref().unwrap_or("").trim().to_string();
    let n = reason.chars().count();
    if !(MIN_REASON..=MAX_REASON).contains(&n) || reason.contains('\0') {
        let m = format!("must be {MIN_REASON}–{MAX_REASON} characters saying why you need it");
        return Err(ApiError::invalid_request(&[FieldError::new("reason", m)]));
    }
    let info = attachments::original_of(&state.pool, id)
        .await?
        .ok_or_else(|| ApiError::not_found("original"))?;
    if !may_work_thread(&user, assignee(&state, info.complaint_id).await?) {
        return Err(not_on_case());
    }
    let details = serde_json::json!({
        "reason": reason, "copy": id, "complaint_id": info.complaint_id, "sha256": info.sha256,
    });
    let target = Some(("attachment", info.id.to_string()));
    let action = AuditAction::AttachmentOriginal;
    audit::record(
        &state.pool,
        &meta.actor(&user),
        action,
        target,
        Some(details),
    )
    .await?;
    let bytes = state
        .blobs
        .read(&info.sha256, None)
        .await
        .map_err(|e| ApiError::internal(format!("opening blob {}: {e}", info.sha256)))?;
    let mut response = Body::from_stream(bytes).into_response();
    let h = response.headers_mut();
    h.insert(header::CONTENT_LENGTH, HeaderValue::from(info.size_bytes));
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_str(&info.content_type)
            .unwrap_or(HeaderValue::from_static("application/octet-stream")),
    );
    h.insert(
        header::CONTENT_DISPOSITION,
        super::attachments::content_disposition(&info.filename),
    );
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    Ok(response)
}
