//! The processing controls: `GET/PATCH /api/v1/admin/processing` and
//! `POST /api/v1/complaints/{id}/reprocess`.

use aduan_api::processing::{ProcessingChange, ProcessingStatus, WorkerState};
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
use crate::db::{audit, processing};
use crate::domain::FieldError;
use crate::queue::jobs;

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
    let queue = processing::depth(&state.pool).await?;
    let (throughput_per_min, latency_ms) = processing::throughput_and_latency(&state.pool).await?;
    let pool = state.queue.snapshot();
    let limit = settings.concurrency.max(1) as u32;
    let waiting = queue.queued + queue.retrying;
    let default_call_s = if state.queue.provider_name() == "builtin" {
        0.01
    } else {
        5.0
    };
    let eta = processing::eta_seconds(
        waiting,
        pool.adaptive_limit.min(limit),
        latency_ms.p50,
        default_call_s,
    );
    let counters = [
        ("succeeded", pool.succeeded_total),
        ("failed", pool.failed_total),
        ("retries", pool.retries_total),
        ("rate_limited", pool.rate_limited_total),
        ("timeouts", pool.timeouts_total),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    Ok(ProcessingStatus {
        workers: WorkerState {
            limit,
            adaptive_limit: pool.adaptive_limit.min(limit),
            in_flight: queue.running,
            paused: settings.paused,
            provider: state.queue.provider_name().to_string(),
        },
        queue,
        throughput_per_min,
        latency_ms,
        eta_s_for_new_complaint: eta,
        instance_counters: counters,
    })
}

/// Change the bound and/or pause or resume, live, for every instance.
#[utoipa::path(patch, path = "/api/v1/admin/processing", tag = "processing",
    request_body = ProcessingChange,
    responses((status = 200, body = ProcessingStatus), (status = 422, body = aduan_api::error::ErrorBody)))]
pub async fn change(
    State(state): State<AppState>,
    user: AuthUser,
    meta: ClientMeta,
    body: Result<Json<ProcessingChange>, JsonRejection>,
) -> ApiResult<Json<ProcessingStatus>> {
    let Json(change) = body.map_err(|e| ApiError::bad_request("malformed_json", e.body_text()))?;
    if let Some(c) = change.concurrency {
        if !(1..=10_000).contains(&c) {
            return Err(ApiError::validation(&[FieldError::new(
                "concurrency",
                "must be between 1 and 10000",
            )]));
        }
    }
    let settings = processing::update_settings(
        &state.pool,
        change.concurrency.map(|c| c as i32),
        change.paused,
    )
    .await?;
    state.queue.bound_changed(settings.concurrency as u32);
    let details = serde_json::to_value(&change).ok();
    audit::record(
        &state.pool,
        &meta.actor(&user),
        "processing.update",
        None,
        details,
    )
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
    let status = jobs::requeue(&state.pool, id, state.max_attempts)
        .await?
        .ok_or_else(|| ApiError::not_found("complaint"))?;
    state.queue.wake();
    state.events.changed();
    audit::record(
        &state.pool,
        &meta.actor(&user),
        "complaint.reprocess",
        Some(("complaint", id.to_string())),
        None,
    )
    .await?;
    Ok((
        StatusCode::ACCEPTED,
        Json(json!({"id": id, "status": status})),
    ))
}
