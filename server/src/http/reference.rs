//! Read-only reference data for clients: the taxonomy and a processing summary every
//! signed-in user may see (the full processing panel is for admins).

use aduan_api::processing::ProcessingSummary;
use axum::extract::State;
use axum::http::Method;
use axum::routing::get;
use axum::Json;

use super::access::{Access, Routes};
use super::{ApiResult, AppState};

pub fn routes() -> Routes {
    Routes::default()
        .add(Method::GET, "/taxonomy", Access::AnyUser, get(taxonomy))
        .add(
            Method::GET,
            "/processing/summary",
            Access::AnyUser,
            get(summary),
        )
}

/// Categories, Acts and sections, sectors, areas and states with Malay and English labels:
/// the same table the enricher, the schema and the validator use.
#[utoipa::path(get, path = "/api/v1/taxonomy", tag = "reference", responses((status = 200, description = "The taxonomy")))]
pub async fn taxonomy() -> Json<serde_json::Value> {
    Json(aduan_api::taxonomy::taxonomy_json())
}

/// How many complaints wait and how long a complaint submitted now is expected to wait,
/// for the processing indicator every user sees.
#[utoipa::path(get, path = "/api/v1/processing/summary", tag = "processing", responses((status = 200, body = ProcessingSummary)))]
pub async fn summary(State(state): State<AppState>) -> ApiResult<Json<ProcessingSummary>> {
    let status = super::processing::read_status(&state).await?;
    Ok(Json(ProcessingSummary {
        waiting: status.queue.queued + status.queue.retrying,
        in_flight: status.workers.in_flight,
        paused: status.workers.paused,
        eta_s_for_new_complaint: status.eta_s_for_new_complaint,
    }))
}
