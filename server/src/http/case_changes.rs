//! Changing a case: status, assignee, priority and title (PATCH), notes, and linking or
//! unlinking complaints. Each takes `If-Match` and replies with the whole case and its new
//! `ETag`; the workflow and the transaction are [`crate::service::case_changes`].

use aduan_api::case::{CaseChange, CaseDetail, NewCaseNote};
use axum::extract::rejection::{JsonRejection, PathRejection};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::Response;
use axum::routing::{patch, post, put};
use axum::Json;
use uuid::Uuid;

use super::access::{ClientMeta, Routes, OFFICERS};
use super::cases::{case_id, expected_version, json_rejection, with_etag};
use super::{ApiError, ApiResult, AppState};
use crate::auth::AuthUser;

pub fn routes() -> Routes {
    let link = "/cases/{id}/complaints/{complaint_id}";
    Routes::default()
        .add(Method::PATCH, "/cases/{id}", OFFICERS, patch(change))
        .add(Method::POST, "/cases/{id}/notes", OFFICERS, post(add_note))
        .add(Method::PUT, link, OFFICERS, put(link_complaint))
        .add(
            Method::DELETE,
            link,
            OFFICERS,
            axum::routing::delete(unlink_complaint),
        )
}

/// Change status, assignee, priority or title. Fields left out stay as they are;
/// `assignee_id: null` unassigns.
#[utoipa::path(patch, path = "/api/v1/cases/{id}", operation_id = "change_case", tag = "cases", request_body = CaseChange,
    params(("id" = Uuid, Path), ("If-Match" = String, Header, pattern = r#"^(W/)?"?[0-9]{1,18}"?$"#, description = "\"<version>\" as last read")),
    responses((status = 200, body = CaseDetail, headers(("ETag" = String, description = "\"<version>\"")),
        links(
            ("GetCase" = (operation_id = "get_case", parameters(("id" = "$response.body#/id")))),
            ("ChangeCase" = (operation_id = "change_case", parameters(("id" = "$response.body#/id"),
                ("header.If-Match" = "$response.header.ETag")))),
            ("AddNote" = (operation_id = "add_note", parameters(("id" = "$response.body#/id"),
                ("header.If-Match" = "$response.header.ETag")))),
            ("UnlinkComplaint" = (operation_id = "unlink_complaint", parameters(("id" = "$response.body#/id"),
                ("complaint_id" = "$response.body#/complaints/0/id"), ("header.If-Match" = "$response.header.ETag")))),
        )),
        (status = 404, body = aduan_api::error::ErrorBody),
        (status = 409, body = aduan_api::error::ErrorBody, description = "invalid_transition, case_closed"),
        (status = 412, body = aduan_api::error::ErrorBody, description = "version_conflict"),
        (status = 422, body = aduan_api::error::ErrorBody), (status = 428, body = aduan_api::error::ErrorBody)))]
pub async fn change(
    State(state): State<AppState>,
    user: AuthUser,
    meta: ClientMeta,
    id: Result<Path<Uuid>, PathRejection>,
    headers: HeaderMap,
    body: Result<Json<CaseChange>, JsonRejection>,
) -> ApiResult<Response> {
    let id = case_id(id)?;
    let expected = expected_version(&headers)?;
    let Json(change) = body.map_err(json_rejection)?;
    let caller = meta.caller(&user);
    let case = state
        .services
        .change_case(&caller, id, expected, change)
        .await?;
    Ok(with_etag(StatusCode::OK, case))
}

/// Add an internal note (allowed on closed cases too). Replies 201 with the case.
#[utoipa::path(post, path = "/api/v1/cases/{id}/notes", tag = "cases", request_body = NewCaseNote,
    params(("id" = Uuid, Path), ("If-Match" = String, Header, pattern = r#"^(W/)?"?[0-9]{1,18}"?$"#, description = "\"<version>\" as last read")),
    responses((status = 201, body = CaseDetail, headers(("ETag" = String, description = "\"<version>\"")),
        links(
            ("GetCase" = (operation_id = "get_case", parameters(("id" = "$response.body#/id")))),
            ("ChangeCase" = (operation_id = "change_case", parameters(("id" = "$response.body#/id"),
                ("header.If-Match" = "$response.header.ETag")))),
            ("AddNote" = (operation_id = "add_note", parameters(("id" = "$response.body#/id"),
                ("header.If-Match" = "$response.header.ETag")))),
            ("UnlinkComplaint" = (operation_id = "unlink_complaint", parameters(("id" = "$response.body#/id"),
                ("complaint_id" = "$response.body#/complaints/0/id"), ("header.If-Match" = "$response.header.ETag")))),
        )),
        (status = 404, body = aduan_api::error::ErrorBody),
        (status = 412, body = aduan_api::error::ErrorBody), (status = 422, body = aduan_api::error::ErrorBody),
        (status = 428, body = aduan_api::error::ErrorBody)))]
pub async fn add_note(
    State(state): State<AppState>,
    user: AuthUser,
    meta: ClientMeta,
    id: Result<Path<Uuid>, PathRejection>,
    headers: HeaderMap,
    body: Result<Json<NewCaseNote>, JsonRejection>,
) -> ApiResult<Response> {
    let id = case_id(id)?;
    let expected = expected_version(&headers)?;
    let Json(note) = body.map_err(json_rejection)?;
    let caller = meta.caller(&user);
    let services = &state.services;
    let case = services
        .add_case_note(&caller, id, expected, &note.body)
        .await?;
    Ok(with_etag(StatusCode::CREATED, case))
}

/// Link a complaint to the case. Linking one that is already linked here changes nothing.
#[utoipa::path(put, path = "/api/v1/cases/{id}/complaints/{complaint_id}", tag = "cases",
    params(("id" = Uuid, Path), ("complaint_id" = Uuid, Path),
        ("If-Match" = String, Header, pattern = r#"^(W/)?"?[0-9]{1,18}"?$"#, description = "\"<version>\" as last read")),
    responses((status = 200, body = CaseDetail), (status = 404, body = aduan_api::error::ErrorBody),
        (status = 409, body = aduan_api::error::ErrorBody, description = "complaint_in_other_case, case_closed"),
        (status = 412, body = aduan_api::error::ErrorBody), (status = 428, body = aduan_api::error::ErrorBody)))]
pub async fn link_complaint(
    State(state): State<AppState>,
    user: AuthUser,
    meta: ClientMeta,
    ids: Result<Path<(Uuid, Uuid)>, PathRejection>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let Path((id, complaint)) = ids.map_err(|_| ApiError::not_found("case"))?;
    let expected = expected_version(&headers)?;
    let caller = meta.caller(&user);
    let services = &state.services;
    let case = services
        .link_complaint(&caller, id, expected, complaint)
        .await?;
    Ok(with_etag(StatusCode::OK, case))
}

/// Unlink a complaint. A case keeps at least one complaint.
#[utoipa::path(delete, path = "/api/v1/cases/{id}/complaints/{complaint_id}", tag = "cases",
    params(("id" = Uuid, Path), ("complaint_id" = Uuid, Path),
        ("If-Match" = String, Header, pattern = r#"^(W/)?"?[0-9]{1,18}"?$"#, description = "\"<version>\" as last read")),
    responses((status = 200, body = CaseDetail), (status = 404, body = aduan_api::error::ErrorBody),
        (status = 409, body = aduan_api::error::ErrorBody, description = "last_complaint, case_closed"),
        (status = 412, body = aduan_api::error::ErrorBody), (status = 428, body = aduan_api::error::ErrorBody)))]
pub async fn unlink_complaint(
    State(state): State<AppState>,
    user: AuthUser,
    meta: ClientMeta,
    ids: Result<Path<(Uuid, Uuid)>, PathRejection>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let Path((id, complaint)) = ids.map_err(|_| ApiError::not_found("case"))?;
    let expected = expected_version(&headers)?;
    let caller = meta.caller(&user);
    let services = &state.services;
    let case = services
        .unlink_complaint(&caller, id, expected, complaint)
        .await?;
    Ok(with_etag(StatusCode::OK, case))
}
