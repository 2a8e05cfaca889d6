//! `GET /api/v1/attachments/{id}`: the stored bytes, byte-exact, with `Range` support, always
//! as a download (`Content-Disposition: attachment`) of the sniffed type.

use aduan_api::account::AuditAction;

use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use percent_encoding::{utf8_percent_encode, NON_ALPHANUMERIC};
use uuid::Uuid;

use super::access::{ClientMeta, Routes, STAFF};
use super::{ApiError, ApiResult, AppState};
use crate::auth::AuthUser;
use crate::db::{attachments, audit};

pub fn routes() -> Routes {
    Routes::default().add(Method::GET, "/attachments/{id}", STAFF, get(download))
}

/// Download an attachment. Supports a single `Range: bytes=…`.
#[utoipa::path(get, path = "/api/v1/attachments/{id}", tag = "attachments",
    params(("id" = Uuid, Path)),
    responses((status = 200, description = "The file"), (status = 206, description = "Part of the file"),
        (status = 404, body = aduan_api::error::ErrorBody), (status = 416, body = aduan_api::error::ErrorBody)))]
pub async fn download(
    State(state): State<AppState>,
    user: AuthUser,
    meta: ClientMeta,
    id: Result<Path<Uuid>, axum::extract::rejection::PathRejection>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let Path(id) = id.map_err(|_| ApiError::not_found("attachment"))?;
    let info = visible_blob(&state, &user, id).await?;
    let size = info.size_bytes as u64;
    let range = match headers.get(header::RANGE).and_then(|v| v.to_str().ok()) {
        Some(spec) => Some(parse_range(spec, size).ok_or_else(|| range_not_satisfiable(size))?),
        None => None,
    };
    let (status, start, len) = match range {
        Some((start, end)) => (StatusCode::PARTIAL_CONTENT, start, end - start + 1),
        None => (StatusCode::OK, 0, size),
    };
    let bytes = state
        .blobs
        .read(&info.sha256, range)
        .await
        .map_err(|e| ApiError::internal(format!("opening blob {}: {e}", info.sha256)))?;
    let details = serde_json::json!({ "complaint_id": info.complaint_id, "bytes": len, "range": range.is_some() });
    audit::record(
        &state.pool,
        &meta.actor(&user),
        AuditAction::AttachmentDownload,
        Some(("attachment", id.to_string())),
        Some(details),
    )
    .await?;
    let body = Body::from_stream(bytes);
    let mut response = (status, body).into_response();
    let h = response.headers_mut();
    h.insert(header::CONTENT_LENGTH, HeaderValue::from(len));
    h.insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_str(&info.content_type)
            .unwrap_or(HeaderValue::from_static("application/octet-stream")),
    );
    h.insert(
        header::CONTENT_DISPOSITION,
        content_disposition(&info.filename),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    if let Ok(etag) = HeaderValue::from_str(&format!("\"{}\"", info.sha256)) {
        h.insert(header::ETAG, etag);
    }
    if status == StatusCode::PARTIAL_CONTENT {
        let value = format!("bytes {}-{}/{}", start, start + len - 1, size);
        h.insert(
            header::CONTENT_RANGE,
            HeaderValue::from_str(&value).expect("ascii"),
        );
    }
    Ok(response)
}

/// An attachment the user may see. Another intake user's attachment is "not found".
pub(super) async fn visible_blob(
    state: &AppState,
    user: &AuthUser,
    id: Uuid,
) -> ApiResult<aduan_api::complaint::AttachmentInfo> {
    match attachments::get(&state.pool, id).await? {
        Some((info, owner)) if super::complaints::may_see(user, owner) => Ok(info),
        _ => Err(ApiError::not_found("attachment")),
    }
}

fn range_not_satisfiable(size: u64) -> ApiError {
    ApiError::new(
        StatusCode::RANGE_NOT_SATISFIABLE,
        "range_not_satisfiable",
        format!("The requested range is outside the file ({size} bytes)."),
    )
}

/// One `bytes=` range as inclusive `(start, end)`: `a-b`, `a-` or `-n` (the last n bytes).
/// Multiple ranges are not supported (`None`, answered with 416).
pub fn parse_range(spec: &str, size: u64) -> Option<(u64, u64)> {
    let ranges = spec.trim().strip_prefix("bytes=")?;
    if ranges.contains(',') || size == 0 {
        return None;
    }
    let (a, b) = ranges.trim().split_once('-')?;
    let (start, end) = match (a.trim(), b.trim()) {
        ("", n) => {
            let n: u64 = n.parse().ok()?;
            (size.saturating_sub(n), size - 1)
        }
        (a, "") => (a.parse().ok()?, size - 1),
        (a, b) => (a.parse().ok()?, b.parse::<u64>().ok()?.min(size - 1)),
    };
    (start <= end && start < size).then_some((start, end))
}

/// `attachment; filename="ascii fallback"; filename*=UTF-8''percent-encoded`.
pub(super) fn content_disposition(name: &str) -> HeaderValue {
    disposition("attachment", name)
}

/// `<kind>; filename=…` for `attachment` (download) or `inline` (preview).
pub(super) fn disposition(kind: &str, name: &str) -> HeaderValue {
    let ascii: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() && c != '"' && c != '\\' || c == ' ' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let encoded = utf8_percent_encode(name, NON_ALPHANUMERIC);
    HeaderValue::from_str(&format!(
        "{kind}; filename=\"{ascii}\"; filename*=UTF-8''{encoded}"
    ))
    .unwrap_or(HeaderValue::from_static("attachment"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges() {
        assert_eq!(parse_range("bytes=0-9", 100), Some((0, 9)));
        assert_eq!(parse_range("bytes=90-", 100), Some((90, 99)));
        assert_eq!(parse_range("bytes=-10", 100), Some((90, 99)));
        assert_eq!(parse_range("bytes=50-1000", 100), Some((50, 99)));
        assert_eq!(parse_range("bytes=100-", 100), None);
        assert_eq!(parse_range("bytes=5-2", 100), None);
        assert_eq!(parse_range("bytes=0-1,5-6", 100), None);
        assert_eq!(parse_range("items=0-1", 100), None);
    }

    #[test]
    fn disposition_is_safe_ascii_with_utf8_name() {
        let v = content_disposition("resit \"Encik\" — 1.pdf");
        let s = v.to_str().unwrap();
        assert!(s.starts_with("attachment; filename=\"resit _Encik_ _ 1.pdf\""));
        assert!(s.contains("filename*=UTF-8''resit%20%22Encik%22%20%E2%80%94%201%2Epdf"));
    }
}
