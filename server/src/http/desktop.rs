//! Updates of the desktop app from this server, for signed-in desktops: the check Tauri's
//! updater makes (`GET /api/v1/desktop/update/{target}/{current_version}`) and the bundle
//! it then downloads. Builds are published with `aduan-server desktop publish`.

use aduan_api::desktop::DesktopUpdate;
use axum::body::Body;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Json;
use uuid::Uuid;

use super::access::{Access, Routes};
use super::{ApiError, ApiResult, AppState};
use crate::db::desktop_releases;

pub fn routes() -> Routes {
    Routes::default()
        .add(
            Method::GET,
            "/desktop/update/{target}/{current_version}",
            Access::AnyUser,
            get(check),
        )
        .add(
            Method::GET,
            "/desktop/bundles/{id}",
            Access::AnyUser,
            get(bundle),
        )
}

/// Whether a newer desktop build is published for this target: 204 when not, else the
/// update in the "dynamic" format of Tauri's updater.
#[utoipa::path(get, path = "/api/v1/desktop/update/{target}/{current_version}",
    operation_id = "desktop_update_check", tag = "desktop",
    params(
        ("target" = String, Path, pattern = r"^[a-z0-9_-]{1,64}$",
            description = "`{os}-{arch}` or `{os}-{arch}-{bundle}`, e.g. `linux-x86_64-deb`"),
        ("current_version" = String, Path,
            pattern = r"^v?(0|[1-9][0-9]{0,17})\.(0|[1-9][0-9]{0,17})\.(0|[1-9][0-9]{0,17})(-(0|[1-9][0-9]{0,17}|[0-9]*[a-zA-Z-][0-9a-zA-Z-]*)(\.(0|[1-9][0-9]{0,17}|[0-9]*[a-zA-Z-][0-9a-zA-Z-]*))*)?(\+[0-9a-zA-Z-]+(\.[0-9a-zA-Z-]+)*)?$",
            description = "The version the desktop runs (semver, `v` allowed), e.g. `0.1.0`"),
    ),
    responses((status = 200, body = DesktopUpdate), (status = 204, description = "No newer build"),
        (status = 422, body = aduan_api::error::ErrorBody)))]
pub async fn check(
    State(state): State<AppState>,
    params: Result<Path<(String, String)>, PathRejection>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let Path((target, current)) = params?;
    let Some(release) = state.services.desktop_update(&target, &current).await? else {
        return Ok(StatusCode::NO_CONTENT.into_response());
    };
    let update = DesktopUpdate {
        version: release.version,
        notes: release.notes,
        pub_date: release.published_at,
        url: format!("{}/api/v1/desktop/bundles/{}", origin(&headers), release.id),
        signature: release.signature,
    };
    Ok(Json(update).into_response())
}

/// This server as the caller reached it. Only that caller reads the answer; the desktop
/// app downloads from the server it signed in to whatever host this names.
fn origin(headers: &HeaderMap) -> String {
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("localhost");
    let https = headers
        .get("x-forwarded-proto")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|p| p.split(',').next().map(str::trim) == Some("https"));
    format!("{}://{host}", if https { "https" } else { "http" })
}

/// The bundle of a published build, byte for byte as published.
#[utoipa::path(get, path = "/api/v1/desktop/bundles/{id}", operation_id = "desktop_bundle",
    tag = "desktop", params(("id" = Uuid, Path)),
    responses((status = 200, description = "The bundle", content_type = "application/octet-stream"),
        (status = 404, body = aduan_api::error::ErrorBody)))]
pub async fn bundle(
    State(state): State<AppState>,
    id: Result<Path<Uuid>, PathRejection>,
) -> ApiResult<Response> {
    let Path(id) = id.map_err(|_| ApiError::not_found("desktop build"))?;
    let release = desktop_releases::get(&state.pool, id)
        .await?
        .ok_or_else(|| ApiError::not_found("desktop build"))?;
    let bytes = state
        .blobs
        .read(&release.sha256, None)
        .await
        .map_err(|e| ApiError::internal(format!("opening blob {}: {e}", release.sha256)))?;
    let body = Body::from_stream(bytes);
    let mut response = (StatusCode::OK, body).into_response();
    let h = response.headers_mut();
    h.insert(
        header::CONTENT_LENGTH,
        HeaderValue::from(release.size_bytes as u64),
    );
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/octet-stream"),
    );
    h.insert(
        header::CONTENT_DISPOSITION,
        super::attachments::content_disposition(&release.filename),
    );
    if let Ok(etag) = HeaderValue::from_str(&format!("\"{}\"", release.sha256)) {
        h.insert(header::ETAG, etag);
    }
    Ok(response)
}
