//! `GET /api/v1/openapi.json`, generated from the handlers' annotations and the shared types.

use axum::http::Method;
use axum::routing::get;
use axum::Json;
use utoipa::OpenApi;

use super::access::{Access, Routes};

#[derive(OpenApi)]
#[openapi(
    modifiers(&BearerAuth),
    info(
        title = "Aduan API",
        description = "Complaint intake and case management for an anti-corruption agency."
    ),
    paths(
        document,
        super::health::healthz,
        super::health::readyz,
        super::metrics::metrics,
        super::auth::login,
        super::auth::logout,
        super::auth::me,
        super::auth::ticket,
        super::second_factor::second_factor,
        super::second_factor::enrol_at_sign_in,
        super::second_factor::begin,
        super::second_factor::confirm,
        super::second_factor::reset,
        super::second_factor::policy,
        super::second_factor::set_policy,
        super::users::list,
        super::users::create,
        super::users::change,
        super::users::assignable,
        super::audit::list,
        super::complaints::create,
        super::complaints::list,
        super::complaints::detail,
        super::complaints::add_attachments,
        super::complaints::limits,
        super::identity::reveal,
        super::enrichment::correct,
        super::attachments::download,
        super::preview::preview,
        super::events::stream,
        super::processing::status,
        super::processing::change,
        super::processing::reprocess,
        super::reference::taxonomy,
        super::reference::summary,
        super::analytics::dashboard,
        super::cases::list,
        super::cases::create,
        super::cases::detail,
        super::case_changes::change,
        super::case_changes::add_note,
        super::case_changes::link_complaint,
        super::case_changes::unlink_complaint,
        super::related::list,
        super::desktop::check,
        super::desktop::bundle,
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
        aduan_api::complaint::EnrichmentRecord,
        aduan_api::complaint::EnrichmentCorrection,
        aduan_api::error::ErrorBody,
        aduan_api::processing::ProcessingStatus,
        aduan_api::processing::ProcessingChange,
        aduan_api::processing::ProcessingSummary,
        aduan_api::account::Role,
        aduan_api::account::User,
        aduan_api::account::LoginRequest,
        aduan_api::account::LoginResponse,
        aduan_api::account::EventTicket,
        aduan_api::second_factor::SecondFactorChallenge,
        aduan_api::second_factor::SecondFactorRequest,
        aduan_api::second_factor::EnrolRequest,
        aduan_api::second_factor::TotpEnrolment,
        aduan_api::second_factor::TotpConfirm,
        aduan_api::second_factor::RecoveryCodes,
        aduan_api::second_factor::SignInPolicy,
        aduan_api::account::NewUser,
        aduan_api::account::UserChange,
        aduan_api::account::AssignableUser,
        aduan_api::account::AuditEntry,
        aduan_api::account::AuditAction,
        aduan_api::event::EventKind,
        aduan_api::event::Event,
        aduan_api::event::ComplaintEvent,
        aduan_api::event::CaseEvent,
        aduan_api::event::ProcessingStatsEvent,
        aduan_api::processing::ProviderKind,
        aduan_api::processing::InstanceCounters,
        aduan_api::complaint::IntakeLimits,
        aduan_api::complaint::IdentityReveal,
        aduan_api::analytics::Dashboard,
        aduan_api::analytics::DateRange,
        aduan_api::analytics::KeyCount,
        aduan_api::analytics::DayCount,
        aduan_api::case::CaseStatus,
        aduan_api::case::CasePriority,
        aduan_api::case::UserRef,
        aduan_api::case::NewCase,
        aduan_api::case::CaseChange,
        aduan_api::case::NewCaseNote,
        aduan_api::case::CaseSummary,
        aduan_api::case::CaseNote,
        aduan_api::case::TimelineWhat,
        aduan_api::case::TimelineEntry,
        aduan_api::case::CaseDetail,
        aduan_api::case::CaseRef,
        aduan_api::case::RelatedKind,
        aduan_api::case::RelatedReason,
        aduan_api::case::RelatedComplaint,
        aduan_api::desktop::DesktopUpdate,
    ))
)]
pub struct ApiDoc;

pub fn routes() -> Routes {
    Routes::default().add(Method::GET, "/openapi.json", Access::Public, get(document))
}

/// This document.
#[utoipa::path(get, path = "/api/v1/openapi.json", tag = "health",
    responses((status = 200, description = "The OpenAPI 3.1 document of this API", content_type = "application/json")))]
pub async fn document() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}

/// Declares the bearer token scheme, and requires it on every route that is not public,
/// as the route table (the one source of access rules) says.
struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{
            HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme,
        };
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
        for route in super::route_table() {
            if matches!(route.access, Access::Public) {
                continue;
            }
            let Some(item) = openapi.paths.paths.get_mut(route.path) else {
                continue;
            };
            let operation = match route.method {
                Method::GET => item.get.as_mut(),
                Method::POST => item.post.as_mut(),
                Method::PUT => item.put.as_mut(),
                Method::PATCH => item.patch.as_mut(),
                Method::DELETE => item.delete.as_mut(),
                _ => None,
            };
            if let Some(op) = operation {
                let bearer: [&str; 0] = [];
                op.security = Some(vec![SecurityRequirement::new("bearer", bearer)]);
            }
        }
    }
}
