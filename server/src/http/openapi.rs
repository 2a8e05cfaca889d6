//! `GET /api/v1/openapi.json`, generated from the handlers' annotations and the shared types.

use axum::extract::State;
use axum::http::Method;
use axum::routing::get;
use axum::Json;
use serde_json::{json, Value};
use utoipa::openapi::schema::Schema;
use utoipa::openapi::RefOr;
use utoipa::OpenApi;

use super::access::{Access, Routes};
use super::{AppState, UploadLimits};

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
        super::capacity::report,
        super::reference::taxonomy,
        super::reference::summary,
        super::analytics::dashboard,
        super::export::complaints,
        super::export::dashboard,
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
        super::messages::thread,
        super::messages::send,
        super::messages::original,
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
        aduan_api::event::MessageEvent,
        aduan_api::portal::MessageAuthor,
        aduan_api::portal::MessageInput,
        aduan_api::portal::ComplaintMessage,
        aduan_api::portal::MessageThread,
        aduan_api::portal::ReporterStatus,
        aduan_api::portal::Cleaning,
        aduan_api::processing::ProviderKind,
        aduan_api::capacity::CapacityReport,
        aduan_api::capacity::CostSource,
        aduan_api::capacity::WindowFigures,
        aduan_api::capacity::PoolFigures,
        aduan_api::capacity::Assumptions,
        aduan_api::capacity::Throughput,
        aduan_api::capacity::Scenario,
        aduan_api::capacity::Sizing,
        aduan_api::capacity::HistoryPoint,
        aduan_api::capacity::CapacityHistory,
        aduan_api::processing::InstanceCounters,
        aduan_api::complaint::IntakeLimits,
        aduan_api::complaint::IdentityReveal,
        aduan_api::analytics::Dashboard,
        aduan_api::analytics::DateRange,
        aduan_api::analytics::DashboardTable,
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
        ComplaintUpload,
        AttachmentUpload,
    ))
)]
pub struct ApiDoc;

pub fn routes() -> Routes {
    Routes::default().add(Method::GET, "/openapi.json", Access::Public, get(document))
}

/// This document.
#[utoipa::path(get, path = "/api/v1/openapi.json", tag = "health",
    responses((status = 200, description = "The OpenAPI 3.1 document of this API", content_type = "application/json")))]
pub async fn document(State(state): State<AppState>) -> Json<Value> {
    Json(served(&state.limits))
}

/// The document as served: what the annotations give, completed where utoipa cannot say it
/// (taxonomy codes, an Act's own sections, link field names) and with this server's settings.
/// Edited as JSON because utoipa's schema types keep only the keywords they know.
pub fn served(limits: &UploadLimits) -> Value {
    let mut doc = serde_json::to_value(ApiDoc::openapi()).expect("the document serialises");
    camel_case_links(&mut doc);
    let schemas = &mut doc["components"]["schemas"];
    taxonomy_codes(schemas);
    // Changes that name no field are refused. (utoipa's `min_properties` writes `maxProperties`.)
    for name in ["CaseChange", "EnrichmentCorrection"] {
        schemas[name]["minProperties"] = json!(1);
    }
    // An anonymous complaint names no complainant (blank fields count as none).
    schemas["ComplaintInput"]["if"] =
        json!({"properties": {"anonymous": {"const": true}}, "required": ["anonymous"]});
    schemas["ComplaintInput"]["then"] = json!({"properties": {"complainant": {"type": "null"}}});
    // The number of files is a setting, so it is filled in here rather than fixed in the schema.
    for name in ["ComplaintUpload", "AttachmentUpload"] {
        schemas[name]["properties"]["file"]["maxItems"] = json!(limits.max_files);
    }
    doc
}

/// utoipa writes a link's fields in snake_case; OpenAPI spells them in camelCase.
fn camel_case_links(doc: &mut Value) {
    let Some(paths) = doc["paths"].as_object_mut() else {
        return;
    };
    let responses = paths
        .values_mut()
        .filter_map(Value::as_object_mut)
        .flat_map(|item| item.values_mut())
        .filter_map(|op| op.get_mut("responses")?.as_object_mut())
        .flat_map(|r| r.values_mut());
    for response in responses {
        let Some(links) = response.get_mut("links").and_then(Value::as_object_mut) else {
            continue;
        };
        for link in links.values_mut().filter_map(Value::as_object_mut) {
            for (from, to) in [
                ("operation_id", "operationId"),
                ("operation_ref", "operationRef"),
                ("request_body", "requestBody"),
            ] {
                if let Some(v) = link.remove(from) {
                    link.insert(to.into(), v);
                }
            }
        }
    }
}

/// The `file` parts of a multipart upload: none empty. Their sizes are limited too
/// (`GET /api/v1/intake/limits`), which a schema cannot say of a file.
fn file_parts(min_items: usize) -> Value {
    json!({
        "type": "array",
        "minItems": min_items,
        "items": {"type": "string", "contentMediaType": "application/octet-stream", "minLength": 1},
    })
}

fn schema(value: Value) -> RefOr<Schema> {
    serde_json::from_value(value).expect("a valid schema")
}

/// `POST /api/v1/complaints` as `multipart/form-data`: a `complaint` part and `file` parts.
pub struct ComplaintUpload;

impl utoipa::PartialSchema for ComplaintUpload {
    fn schema() -> RefOr<Schema> {
        schema(json!({
            "type": "object",
            "required": ["complaint"],
            "properties": {
                "complaint": {"$ref": "#/components/schemas/ComplaintInput"},
                "file": file_parts(0),
            },
            "additionalProperties": false,
        }))
    }
}

impl utoipa::ToSchema for ComplaintUpload {}

/// `POST /api/v1/complaints/{id}/attachments`: one or more `file` parts.
pub struct AttachmentUpload;

impl utoipa::PartialSchema for AttachmentUpload {
    fn schema() -> RefOr<Schema> {
        schema(json!({
            "type": "object",
            "required": ["file"],
            "properties": {"file": file_parts(1)},
            "additionalProperties": false,
        }))
    }
}

impl utoipa::ToSchema for AttachmentUpload {}

/// An enrichment's codes as enums, from the one taxonomy the validator checks corrections
/// (and machine results) against, and each Act with its own sections.
fn taxonomy_codes(schemas: &mut Value) {
    use aduan_api::taxonomy::{self, Code};
    let codes = |list: &[Code]| json!(list.iter().map(|c| c.code).collect::<Vec<_>>());
    let categories: Vec<&str> = taxonomy::CATEGORIES.iter().map(|c| c.code).collect();
    let fields = [
        ("Enrichment", "language", codes(taxonomy::LANGUAGES)),
        ("Classification", "category", json!(categories)),
        ("SectorInfo", "sector", codes(taxonomy::SECTORS)),
        ("SectorInfo", "area", codes(taxonomy::AREAS)),
        ("Person", "role", codes(taxonomy::ROLES)),
        ("Place", "state", json!(taxonomy::STATES)),
    ];
    for (name, field, allowed) in fields {
        let property = &mut schemas[name]["properties"][field];
        let nullable = property["type"]
            .as_array()
            .is_some_and(|t| t.contains(&json!("null")));
        let mut allowed = allowed;
        if let (true, Some(all)) = (nullable, allowed.as_array_mut()) {
            all.push(Value::Null);
        }
        property["enum"] = allowed;
    }
    for name in ["Classification", "LegalRef"] {
        let confidence = &mut schemas[name]["properties"]["confidence"];
        confidence["minimum"] = json!(0.0);
        confidence["maximum"] = json!(1.0);
    }
    let amount = &mut schemas["Amount"]["properties"];
    amount["currency"]["pattern"] = json!("^[A-Z]{3}$");
    amount["value"]["minimum"] = json!(0.0);
    for name in ["Enrichment", "EnrichmentCorrection"] {
        schemas[name]["properties"]["summary"]["pattern"] = json!(r"\S");
    }
    let acts: Vec<Value> = taxonomy::ACTS
        .iter()
        .map(|act| {
            let sections: Vec<&str> = act.sections.iter().map(|s| s.code).collect();
            json!({"properties": {"act": {"const": act.code}, "section": {"enum": sections}}})
        })
        .collect();
    schemas["LegalRef"]["oneOf"] = Value::Array(acts);
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
