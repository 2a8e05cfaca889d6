//! `GET /api/v1/attachments/{id}/preview`: a safe inline preview. Images are decoded and
//! re-encoded downscaled (so a crafted file never reaches the webview as-is), text is sent
//! as UTF-8 text, and a PDF is sent as itself for the app's own viewer, sandboxed.

use aduan_api::account::AuditAction;
use std::io::Cursor;

use axum::body::Body;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use image::{ImageFormat, ImageReader, Limits};
use tokio::io::AsyncReadExt;
use uuid::Uuid;

use super::access::{ClientMeta, Routes, STAFF};
use super::attachments::{disposition, visible_blob};
use super::{ApiError, ApiResult, AppState};
use crate::auth::AuthUser;
use crate::db::audit;

/// Longest side of an image preview, in pixels.
const MAX_SIDE: u32 = 1600;
/// Images larger than this are not decoded for a preview (download them instead).
const MAX_IMAGE_BYTES: u64 = 40 * 1024 * 1024;
/// Text previews show at most this much.
const MAX_TEXT_BYTES: u64 = 256 * 1024;

pub fn routes() -> Routes {
    Routes::default().add(
        Method::GET,
        "/attachments/{id}/preview",
        STAFF,
        get(preview),
    )
}

/// A preview of an image (downscaled), a text file (as text) or a PDF (as itself).
#[utoipa::path(get, path = "/api/v1/attachments/{id}/preview", tag = "attachments",
    params(("id" = Uuid, Path)),
    responses((status = 200, description = "image/png or image/jpeg, text/plain, or application/pdf"),
        (status = 404, body = aduan_api::error::ErrorBody), (status = 415, body = aduan_api::error::ErrorBody)))]
pub async fn preview(
    State(state): State<AppState>,
    user: AuthUser,
    meta: ClientMeta,
    id: Result<Path<Uuid>, PathRejection>,
) -> ApiResult<Response> {
    let Path(id) = id.map_err(|_| ApiError::not_found("attachment"))?;
    let (info, path) = visible_blob(&state, &user, id).await?;
    let kind = info
        .content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_string();
    let (content_type, body): (&str, Vec<u8>) = match kind.as_str() {
        "image/png" | "image/jpeg" | "image/gif" | "image/webp" | "image/bmp" => {
            if info.size_bytes as u64 > MAX_IMAGE_BYTES {
                return Err(no_preview(
                    "This image is too large to preview; download it instead.",
                ));
            }
            let bytes = tokio::fs::read(&path).await.map_err(ApiError::internal)?;
            tokio::task::spawn_blocking(move || downscale(&bytes))
                .await
                .map_err(ApiError::internal)?
                .map_err(|e| no_preview(&format!("The image could not be read: {e}.")))?
        }
        "text/plain" => {
            let mut buf = Vec::new();
            let file = tokio::fs::File::open(&path)
                .await
                .map_err(ApiError::internal)?;
            file.take(MAX_TEXT_BYTES)
                .read_to_end(&mut buf)
                .await
                .map_err(ApiError::internal)?;
            (
                "text/plain; charset=utf-8",
                String::from_utf8_lossy(&buf).into_owned().into_bytes(),
            )
        }
        "application/pdf" => (
            "application/pdf",
            tokio::fs::read(&path).await.map_err(ApiError::internal)?,
        ),
        _ => {
            return Err(no_preview(
                "There is no preview for this kind of file; download it instead.",
            ))
        }
    };
    let details = serde_json::json!({ "complaint_id": info.complaint_id });
    audit::record(
        &state.pool,
        &meta.actor(&user),
        AuditAction::AttachmentPreview,
        Some(("attachment", id.to_string())),
        Some(details),
    )
    .await?;
    let mut response = (StatusCode::OK, Body::from(body)).into_response();
    let h = response.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    h.insert(
        header::CONTENT_DISPOSITION,
        disposition("inline", &info.filename),
    );
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    // Whatever the bytes are, they may not run anything.
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("sandbox; default-src 'none'"),
    );
    if kind == "text/plain" && info.size_bytes as u64 > MAX_TEXT_BYTES {
        h.insert("x-preview-truncated", HeaderValue::from_static("true"));
    }
    Ok(response)
}

fn no_preview(message: &str) -> ApiError {
    ApiError::new(StatusCode::UNSUPPORTED_MEDIA_TYPE, "no_preview", message)
}

/// Decode within memory limits, shrink to [`MAX_SIDE`], re-encode: PNG when the image has
/// transparency, else JPEG.
fn downscale(bytes: &[u8]) -> Result<(&'static str, Vec<u8>), image::ImageError> {
    let mut reader = ImageReader::new(Cursor::new(bytes)).with_guessed_format()?;
    let mut limits = Limits::default();
    limits.max_image_width = Some(20_000);
    limits.max_image_height = Some(20_000);
    limits.max_alloc = Some(512 * 1024 * 1024);
    reader.limits(limits);
    let img = reader.decode()?;
    let img = if img.width() > MAX_SIDE || img.height() > MAX_SIDE {
        img.thumbnail(MAX_SIDE, MAX_SIDE)
    } else {
        img
    };
    let mut out = Cursor::new(Vec::new());
    if img.color().has_alpha() {
        img.write_to(&mut out, ImageFormat::Png)?;
        Ok(("image/png", out.into_inner()))
    } else {
        img.into_rgb8().write_to(&mut out, ImageFormat::Jpeg)?;
        Ok(("image/jpeg", out.into_inner()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn large_images_are_downscaled_and_reencoded() {
        let big = image::RgbImage::from_pixel(3200, 1000, image::Rgb([200, 30, 30]));
        let mut png = Cursor::new(Vec::new());
        big.write_to(&mut png, ImageFormat::Png).unwrap();
        let (kind, bytes) = downscale(&png.into_inner()).unwrap();
        assert_eq!(kind, "image/jpeg");
        let back = image::load_from_memory(&bytes).unwrap();
        assert_eq!((back.width(), back.height()), (1600, 500));
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        assert!(downscale(b"\x89PNG\r\n\x1a\nnot really").is_err());
    }
}
