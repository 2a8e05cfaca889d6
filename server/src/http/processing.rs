//! The processing controls: `GET/PATCH /api/v1/admin/processing` and
//! `POST /api/v1/complaints/{id}/reprocess`.

use aduan_api::processing::{InstanceCounters, ProcessingChange, ProcessingStatus, WorkerState};
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::{Method, StatusCode};
use axum::routing::{get, patch, post};
use axum::Json;
use serde_json::json;
use uuid::Uuid;

use super::access::{ClientMeta, Routes, ADMINS, OFFICERS};
use super::{ApiError, ApiResult, AppState};
use crate::auth::AuthUser;
use crate::db::processing;
use crate::queue::jobs::figures;

pub fn routes() -> Routes {
    Routes::default()
        .add(Method::GET, "/admin/processing", ADMINS, get(status))
        .add(Method::PATCH, "/admin/processing", ADMINS, patch(change))
        .add(
            Method::POST,
            "/complaints/{id}/reprocess",
            OFFICERS,
            post(reprocess),
        )
}

/// Queue depth, the pool, throughput, latency and the expected wait.
#[utoipa::path(get, path = "/api/v1/admin/processing", tag = "processing",
    responses((status = 200, body = ProcessingStatus)))]
pub async fn status(State(state): State<AppState>) -> ApiResult<Json<ProcessingStatus>> {
    Ok(Json(read_status(&state).await?))
}

pub async fn read_status(state: &AppState) -> ApiResult<ProcessingStatus> {
    let settings = processing::settings(&state.pool).await?;
    let queue = figures::depth(&state.pool).await?;
    let (throughput_per_min, latency_ms) = figures::throughput_and_latency(&state.pool).await?;
    let pool = state.queue.snapshot();
    let limit = settings.concurrency.max(1) as u32;
    let now = crate::capacity::now_from(&state.queue, limit, queue.clone());
    let eta = crate::capacity::eta_for_new_complaint(&state.pool, now).await?;
    let counters = InstanceCounters {
        succeeded: pool.succeeded_total,
        failed: pool.failed_total,
        retries: pool.retries_total,
        rate_limited: pool.rate_limited_total,
        timeouts: pool.timeouts_total,
    };
    Ok(ProcessingStatus {
        workers: WorkerState {
            limit,
            adaptive_limit: pool.adaptive_limit.min(limit),
            in_flight: queue.running,
            paused: settings.paused,
            provider: state.queue.provider(),
        },
        queue,
        throughput_per_min,
        latency_ms,
        eta_s_for_new_complaint: eta,
        instance_counters: counters,
    })
}

/// Change the bound and/or pause or resume, live, for every instance.
#[utoipa::path(patch, path = "/api/v1/admin/processing", operation_id = "change_processing", tag = "processing",
    request_body = ProcessingChange,
    responses((status = 200, body = ProcessingStatus), (status = 422, body = aduan_api::error::ErrorBody)))]
pub async fn change(
    State(state): State<AppState>,
    user: AuthUser,
    meta: ClientMeta,
    body: Result<Json<ProcessingChange>, JsonRejection>,
) -> ApiResult<Json<ProcessingStatus>> {
    let Json(change) = body.map_err(|e| ApiError::bad_request("malformed_json", e.body_text()))?;
    state
        .services
        .change_processing(&meta.caller(&user), change)
        .await?;
    Ok(Json(read_status(&state).await?))
}

/// Queue the complaint's enrichment again (e.g. after a failure or a provider change).
#[utoipa::path(post, path = "/api/v1/complaints/{id}/reprocess", tag = "complaints",
    params(("id" = Uuid, Path)),
    responses((status = 202, description = "Queued"), (status = 404, body = aduan_api::error::ErrorBody)))]
pub async fn reprocess(
    State(state): State<AppState>,
    user: AuthUser,
    meta: ClientMeta,
    id: Result<Path<Uuid>, axum::extract::rejection::PathRejection>,
) -> ApiResult<(StatusCode, Json<serde_json::Value>)> {
    let Path(id) = id.map_err(|_| ApiError::not_found("complaint"))?;
    let status = state.services.reprocess(&meta.caller(&user), id).await?;
    Ok((
        StatusCode::ACCEPTED,
        Json(json!({"id": id, "status": status})),
    ))
}
