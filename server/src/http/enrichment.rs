//! `PATCH /api/v1/complaints/{id}/enrichment`: officer corrections, kept beside the
//! machine result (which is never changed) with who and when.

use aduan_api::complaint::{EnrichmentCorrection, EnrichmentRecord};
use aduan_api::enrichment::Enrichment;
use axum::extract::rejection::{JsonRejection, PathRejection};
use axum::extract::{Path, State};
use axum::http::{Method, StatusCode};
use axum::routing::patch;
use axum::Json;
use serde_json::{Map, Value};
use uuid::Uuid;

use super::access::{ClientMeta, Routes, OFFICERS};
use super::{ApiError, ApiResult, AppState};
use crate::auth::AuthUser;
use crate::db::complaints::{self, Visibility};
use crate::db::{audit, enrichments};
use crate::domain::FieldError;
use crate::enrich::validate;
use crate::queue::jobs::complaint_text;

pub fn routes() -> Routes {
    Routes::default().add(
        Method::PATCH,
        "/complaints/{id}/enrichment",
        OFFICERS,
        patch(correct),
    )
}

/// Correct fields of the enrichment. The corrected result must pass the same validation as
/// a machine result (codes from the taxonomy, sections of their Act, quotes from the text).
#[utoipa::path(patch, path = "/api/v1/complaints/{id}/enrichment", tag = "complaints",
    params(("id" = Uuid, Path)), request_body = EnrichmentCorrection,
    responses((status = 200, body = EnrichmentRecord), (status = 404, body = aduan_api::error::ErrorBody),
        (status = 409, body = aduan_api::error::ErrorBody), (status = 422, body = aduan_api::error::ErrorBody)))]
pub async fn correct(
    State(state): State<AppState>,
    user: AuthUser,
    meta: ClientMeta,
    id: Result<Path<Uuid>, PathRejection>,
    body: Result<Json<EnrichmentCorrection>, JsonRejection>,
) -> ApiResult<Json<EnrichmentRecord>> {
    let Path(id) = id.map_err(|_| ApiError::not_found("complaint"))?;
    let Json(correction) = body.map_err(|e| {
        ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
            e.body_text(),
        )
    })?;
    let Some(current) = enrichments::current(&state.pool, id).await? else {
        return Err(match complaints::owner(&state.pool, id).await? {
            Some(_) => ApiError::new(
                StatusCode::CONFLICT,
                "not_enriched",
                "This complaint has not been analysed yet; it can be corrected once it is.",
            ),
            None => ApiError::not_found("complaint"),
        });
    };
    // Fields left out (or null) are not corrected.
    let mut new = match serde_json::to_value(&correction).map_err(ApiError::internal)? {
        Value::Object(m) => m,
        _ => Map::new(),
    };
    new.retain(|_, v| !v.is_null());
    if new.is_empty() {
        return Err(ApiError::validation(&[FieldError::new(
            "body",
            "names no field to correct",
        )]));
    }
    let mut merged = match current.corrections {
        Some(Value::Object(m)) => m,
        _ => Map::new(),
    };
    merged.extend(new.clone());
    check(
        &current.result,
        &merged,
        &complaint_text(
            &current.description,
            current.location.as_deref(),
            current.subject_agency.as_deref(),
        ),
    )?;
    enrichments::save_corrections(&state.pool, id, &Value::Object(merged), user.id).await?;
    state.events.changed();
    let fields: Vec<&String> = new.keys().collect();
    let details = serde_json::json!({ "fields": fields, "note": correction.note });
    audit::record(
        &state.pool,
        &meta.actor(&user),
        "enrichment.correct",
        Some(("complaint", id.to_string())),
        Some(details),
    )
    .await?;
    complaints::get(&state.pool, id, Visibility::for_user(&user))
        .await?
        .and_then(|d| d.enrichment)
        .map(Json)
        .ok_or_else(|| ApiError::not_found("complaint"))
}

/// The machine result with the corrections laid over it must be a valid enrichment.
fn check(result: &Value, corrections: &Map<String, Value>, text: &str) -> ApiResult<()> {
    let mut effective = result.clone();
    if let Value::Object(m) = &mut effective {
        for (k, v) in corrections.iter().filter(|(k, _)| k.as_str() != "note") {
            m.insert(k.clone(), v.clone());
        }
    }
    let mut enrichment: Enrichment = serde_json::from_value(effective)
        .map_err(|e| ApiError::validation(&[FieldError::new("body", e.to_string())]))?;
    validate::normalize(&mut enrichment);
    let errors: Vec<FieldError> = validate::validate(&enrichment, text)
        .into_iter()
        .map(|e| FieldError::new(e.path, e.message))
        .collect();
    if errors.is_empty() {
        Ok(())
    } else {
        Err(ApiError::validation(&errors))
    }
}
