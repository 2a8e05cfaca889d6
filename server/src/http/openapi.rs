//! `GET /api/v1/openapi.json`, generated from the handlers' annotations and the shared types.

use axum::routing::get;
use axum::{Json, Router};
use utoipa::OpenApi;

use super::AppState;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Aduan API",
        description = "Complaint intake and case management for an anti-corruption agency."
    ),
    paths(
        super::health::healthz,
        super::health::readyz,
        super::complaints::create,
        super::complaints::list,
        super::complaints::detail,
        super::complaints::add_attachments,
        super::attachments::download,
        super::events::stream,
        super::processing::status,
        super::processing::change,
        super::processing::reprocess,
    ),
    components(schemas(
        aduan_api::complaint::ComplaintInput,
        aduan_api::complaint::Complainant,
        aduan_api::complaint::Channel,
        aduan_api::complaint::ComplaintStatus,
        aduan_api::complaint::ComplaintAccepted,
        aduan_api::complaint::ComplaintSummary,
        aduan_api::complaint::ComplaintDetail,
        aduan_api::complaint::AttachmentInfo,
        aduan_api::complaint::StatusChange,
        aduan_api::error::ErrorBody,
        aduan_api::processing::ProcessingStatus,
        aduan_api::processing::ProcessingChange,
    ))
)]
pub struct ApiDoc;

pub fn router() -> Router<AppState> {
    Router::new().route("/openapi.json", get(|| async { Json(ApiDoc::openapi()) }))
}
