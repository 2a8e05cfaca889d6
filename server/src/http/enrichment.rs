//! `PATCH /api/v1/complaints/{id}/enrichment`: officer corrections, kept beside the
//! machine result (which is never changed) with who and when.

use aduan_api::complaint::{EnrichmentCorrection, EnrichmentRecord};
use axum::extract::rejection::{JsonRejection, PathRejection};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, Method};
use axum::routing::patch;
use axum::Json;
use uuid::Uuid;

use super::access::{ClientMeta, Routes, OFFICERS};
use super::cases::{if_match, json_rejection};
use super::{ApiError, ApiResult, AppState};
use crate::auth::AuthUser;
use crate::db::complaints::{self, Visibility};

pub fn routes() -> Routes {
    Routes::default().add(
        Method::PATCH,
        "/complaints/{id}/enrichment",
        OFFICERS,
        patch(correct),
    )
}

/// Correct fields of the enrichment, naming the version last read in `If-Match`. The
/// corrected result must pass the same validation as a machine result.
#[utoipa::path(patch, path = "/api/v1/complaints/{id}/enrichment", tag = "complaints",
    params(("id" = Uuid, Path), ("If-Match" = String, Header, pattern = r#"^(W/)?"?[0-9]{1,18}"?$"#, description = "\"<version>\" of the enrichment as last read")),
    request_body = EnrichmentCorrection,
    responses((status = 200, body = EnrichmentRecord), (status = 404, body = aduan_api::error::ErrorBody),
        (status = 409, body = aduan_api::error::ErrorBody, description = "not_enriched"),
        (status = 412, body = aduan_api::error::ErrorBody, description = "version_conflict"),
        (status = 422, body = aduan_api::error::ErrorBody), (status = 428, body = aduan_api::error::ErrorBody)))]
pub async fn correct(
    State(state): State<AppState>,
    user: AuthUser,
    meta: ClientMeta,
    id: Result<Path<Uuid>, PathRejection>,
    headers: HeaderMap,
    body: Result<Json<EnrichmentCorrection>, JsonRejection>,
) -> ApiResult<Json<EnrichmentRecord>> {
    let Path(id) = id.map_err(|_| ApiError::not_found("complaint"))?;
    let expected = if_match(&headers, "the analysis")?;
    let Json(correction) = body.map_err(json_rejection)?;
    let caller = meta.caller(&user);
    let services = &state.services;
    services
        .correct_enrichment(&caller, id, expected, correction)
        .await?;
    complaints::get(&state.pool, id, Visibility::for_user(&user))
        .await?
        .and_then(|d| d.enrichment)
        .map(Json)
        .ok_or_else(|| ApiError::not_found("complaint"))
}
