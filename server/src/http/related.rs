//! `GET /api/v1/complaints/{id}/related`: complaints that look related, best first, with
//! the reasons (see [`crate::db::related`]).

use super::access::ClientMeta;
use crate::auth::AuthUser;
use aduan_api::account::AuditAction;
use aduan_api::case::RelatedComplaint;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::Method;
use axum::routing::get;
use axum::Json;
use uuid::Uuid;

use super::access::{Routes, OFFICERS};
use super::{ApiError, ApiResult, AppState};
use crate::db::related;

pub fn routes() -> Routes {
    Routes::default().add(Method::GET, "/complaints/{id}/related", OFFICERS, get(list))
}

/// Up to ten complaints sharing people, agencies, amounts or places, or similar wording.
#[utoipa::path(get, path = "/api/v1/complaints/{id}/related", operation_id = "list_related", tag = "complaints",
    params(("id" = Uuid, Path)),
    responses((status = 200, body = Vec<RelatedComplaint>), (status = 404, body = aduan_api::error::ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    user: AuthUser,
    meta: ClientMeta,
    id: Result<Path<Uuid>, PathRejection>,
) -> ApiResult<Json<Vec<RelatedComplaint>>> {
    let Path(id) = id.map_err(|_| ApiError::not_found("complaint"))?;
    let mut conn = state.pool.acquire().await?;
    let found = related::related(&mut conn, id)
        .await?
        .ok_or_else(|| ApiError::not_found("complaint"))?;
    drop(conn);
    let ids: Vec<Uuid> = found.iter().map(|r| r.complaint.id).collect();
    let details = serde_json::json!({ "ids": ids });
    let target = Some(("complaint", id.to_string()));
    let action = AuditAction::ComplaintRelated;
    let caller = meta.caller(&user);
    state
        .services
        .record_read(&caller, action, target, Some(details))
        .await?;
    Ok(Json(found))
}
