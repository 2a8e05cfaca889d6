//! `POST /api/v1/complaints/{id}/identity`: break-glass. A reader who is not among those
//! who need to know a complainant's identity can still see it, by giving a reason; the
//! reason and the reveal are in the audit log before the identity leaves the server.

use aduan_api::account::AuditAction;
use aduan_api::complaint::{Complainant, IdentityReveal};
use axum::extract::rejection::{JsonRejection, PathRejection};
use axum::extract::{Path, State};
use axum::http::Method;
use axum::routing::post;
use axum::Json;
use uuid::Uuid;

use super::access::{ClientMeta, Routes, OFFICERS};
use super::cases::json_rejection;
use super::{ApiError, ApiResult, AppState};
use crate::auth::AuthUser;
use crate::db::audit;
use crate::db::complaints::{self, Visibility};
use crate::domain::FieldError;

/// Shortest and longest reason accepted for a reveal, in characters once trimmed.
pub const MIN_REASON: usize = 10;
pub const MAX_REASON: usize = 500;

pub fn routes() -> Routes {
    Routes::default().add(
        Method::POST,
        "/complaints/{id}/identity",
        OFFICERS,
        post(reveal),
    )
}

/// Reveal the complainant's identity, giving the reason (audited).
#[utoipa::path(post, path = "/api/v1/complaints/{id}/identity", operation_id = "reveal_identity",
    tag = "complaints", params(("id" = Uuid, Path)), request_body = IdentityReveal,
    responses((status = 200, body = Complainant), (status = 404, body = aduan_api::error::ErrorBody,
        description = "no such complaint, or it names no complainant"),
        (status = 422, body = aduan_api::error::ErrorBody)))]
pub async fn reveal(
    State(state): State<AppState>,
    user: AuthUser,
    meta: ClientMeta,
    id: Result<Path<Uuid>, PathRejection>,
    body: Result<Json<IdentityReveal>, JsonRejection>,
) -> ApiResult<Json<Complainant>> {
    let Path(id) = id.map_err(|_| ApiError::not_found("complaint"))?;
    let Json(req) = body.map_err(json_rejection)?;
    let reason = req.reason.trim();
    let length = reason.chars().count();
    if !(MIN_REASON..=MAX_REASON).contains(&length) || reason.contains('\0') {
        let m = format!("must be {MIN_REASON}–{MAX_REASON} characters saying why you need it");
        return Err(ApiError::invalid_request(&[FieldError::new("reason", m)]));
    }
    let found = complaints::complainant(&state.pool, id, Visibility::for_user(&user))
        .await?
        .ok_or_else(|| ApiError::not_found("complaint"))?
        .ok_or_else(|| ApiError::not_found("complainant"))?;
    let details = serde_json::json!({ "reason": reason });
    let target = Some(("complaint", id.to_string()));
    let action = AuditAction::ComplainantReveal;
    audit::record(
        &state.pool,
        &meta.actor(&user),
        action,
        target,
        Some(details),
    )
    .await?;
    Ok(Json(found))
}
