//! `GET /api/v1/admin/capacity`: the capacity planner's figures and predictions.

use aduan_api::capacity::{CapacityQuery, CapacityReport};
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::Method;
use axum::routing::get;
use axum::Json;

use super::access::{Routes, ADMINS};
use super::{ApiError, ApiResult, AppState};
use crate::capacity::{self, plan::Asked, ReportError};

pub fn routes() -> Routes {
    Routes::default().add(Method::GET, "/admin/capacity", ADMINS, get(report))
}

/// The last hour's and day's measured figures; throughput at full load; the standard load
/// scenarios and the asked burst (`burst` complaints spread evenly over `over_s` seconds,
/// on top of the current queue) with their predicted waits; the smallest bound meeting
/// `target_wait_s`; history. `workers`, `latency_s` and `rate_per_min` ask "what if".
#[utoipa::path(get, path = "/api/v1/admin/capacity", operation_id = "capacity_report", tag = "processing",
    params(CapacityQuery),
    responses((status = 200, body = CapacityReport),
        (status = 400, body = aduan_api::error::ErrorBody),
        (status = 422, body = aduan_api::error::ErrorBody)))]
pub async fn report(
    State(state): State<AppState>,
    query: Result<Query<CapacityQuery>, QueryRejection>,
) -> ApiResult<Json<CapacityReport>> {
    let Query(q) = query?;
    let asked = Asked::parse(&q).map_err(|e| ApiError::invalid_request(&e))?;
    Ok(Json(
        capacity::report(&state.pool, &state.queue, asked).await?,
    ))
}

impl From<ReportError> for ApiError {
    fn from(err: ReportError) -> Self {
        match err {
            ReportError::Database(e) => ApiError::from(e),
            ReportError::Simulation(e) => ApiError::internal(e),
        }
    }
}
