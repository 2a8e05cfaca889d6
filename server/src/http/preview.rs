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
use futures::StreamExt;
use image::{ImageFormat, ImageReader, Limits};
use uuid::Uuid;

use super::access::{ClientMeta, Routes, STAFF};
use super::attachments::{disposition, visible_blob};
use super::{ApiError, ApiResult, AppState};
use crate::auth::AuthUser;
use crate::db::audit;

/// Longest side of an image preview, in pixels.
const MAX_SIDE: u32 = 1600;
/// Images with more pixels than this are not decoded for a preview (download them
/// instead): a small file can declare a huge image, and decoding allocates for every pixel.
/// 24 megapixels covers cameras and scans; decoded as RGBA it takes at most 96 MiB.
pub const MAX_PIXELS: u64 = 24_000_000;
/// What one decode may allocate in all.
const MAX_DECODE_ALLOC: u64 = 128 * 1024 * 1024;
/// Image previews decoded at once on an instance: with [`MAX_DECODE_ALLOC`] each, this
/// bounds what previews can take.
pub const DECODES_AT_ONCE: usize = 2;
/// How long a preview waits for a decoding slot before the client is told to retry.
const DECODE_WAIT: std::time::Duration = std::time::Duration::from_secs(4);
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
        (status = 404, body = aduan_api::error::ErrorBody), (status = 415, body = aduan_api::error::ErrorBody),
        (status = 422, body = aduan_api::error::ErrorBody, description = "image_too_large"),
        (status = 503, body = aduan_api::error::ErrorBody, description = "busy")))]
pub async fn preview(
    State(state): State<AppState>,
    user: AuthUser,
    meta: ClientMeta,
    id: Result<Path<Uuid>, PathRejection>,
) -> ApiResult<Response> {
    let Path(id) = id.map_err(|_| ApiError::not_found("attachment"))?;
    let info = visible_blob(&state, &user, id).await?;
    let kind = info
        .content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_string();
    let (content_type, body): (&str, Vec<u8>) = match kind.as_str() {
        "image/png" | "image/jpeg" | "image/gif" | "image/webp" | "image/bmp" => {
            let slot = tokio::time::timeout(DECODE_WAIT, state.previews.clone().acquire_owned());
            let Ok(Ok(_slot)) = slot.await else {
                let mut e = ApiError::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "busy",
                    "Previews are busy right now; try again in a moment.",
                );
                e.retry_after = Some(2);
                return Err(e);
            };
            let file = state
                .blobs
                .local_file(&info.sha256)
                .await
                .map_err(ApiError::internal)?;
            let (kind, bytes) = tokio::task::spawn_blocking(move || downscale_file(file.path()))
                .await
                .map_err(ApiError::internal)??;
            (kind, bytes)
        }
        "text/plain" => {
            let end = (info.size_bytes as u64).clamp(1, MAX_TEXT_BYTES) - 1;
            let mut bytes = state
                .blobs
                .read(&info.sha256, Some((0, end)))
                .await
                .map_err(ApiError::internal)?;
            let mut buf = Vec::new();
            while let Some(chunk) = bytes.next().await {
                buf.extend_from_slice(&chunk.map_err(ApiError::internal)?);
            }
            (
                "text/plain; charset=utf-8",
                String::from_utf8_lossy(&buf).into_owned().into_bytes(),
            )
        }
        "application/pdf" => {
            // Streamed from storage, never held whole.
            let bytes = state
                .blobs
                .read(&info.sha256, None)
                .await
                .map_err(ApiError::internal)?;
            record_preview(&state, &meta, &user, id, info.complaint_id).await?;
            let body = Body::from_stream(bytes);
            return Ok(preview_response(
                "application/pdf",
                body,
                &info.filename,
                false,
            ));
        }
        _ => {
            return Err(no_preview(
                "There is no preview for this kind of file; download it instead.",
            ))
        }
    };
    record_preview(&state, &meta, &user, id, info.complaint_id).await?;
    let truncated = kind == "text/plain" && info.size_bytes as u64 > MAX_TEXT_BYTES;
    Ok(preview_response(
        content_type,
        Body::from(body),
        &info.filename,
        truncated,
    ))
}

async fn record_preview(
    state: &AppState,
    meta: &ClientMeta,
    user: &AuthUser,
    id: Uuid,
    complaint_id: Uuid,
) -> ApiResult<()> {
    let details = serde_json::json!({ "complaint_id": complaint_id });
    audit::record(
        &state.pool,
        &meta.actor(user),
        AuditAction::AttachmentPreview,
        Some(("attachment", id.to_string())),
        Some(details),
    )
    .await?;
    Ok(())
}

fn preview_response(
    content_type: &'static str,
    body: Body,
    filename: &str,
    truncated: bool,
) -> Response {
    let mut response = (StatusCode::OK, body).into_response();
    let h = response.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    h.insert(header::CONTENT_DISPOSITION, disposition("inline", filename));
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    // Whatever the bytes are, they may not run anything.
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("sandbox; default-src 'none'"),
    );
    if truncated {
        h.insert("x-preview-truncated", HeaderValue::from_static("true"));
    }
    response
}

fn no_preview(message: &str) -> ApiError {
    ApiError::new(StatusCode::UNSUPPORTED_MEDIA_TYPE, "no_preview", message)
}

/// [`downscale`] of a stored file, read through a buffer rather than whole.
fn downscale_file(path: &std::path::Path) -> ApiResult<(&'static str, Vec<u8>)> {
    downscale(|| std::fs::File::open(path).map(std::io::BufReader::new))
}

/// Read the image's size from its header and refuse one over [`MAX_PIXELS`] before any
/// pixel is decoded; decode within memory limits, shrink to [`MAX_SIDE`], re-encode: PNG
/// when the image has transparency, else JPEG.
/// `open` gives the image from its start; it is read twice, header first.
fn downscale<R: std::io::BufRead + std::io::Seek>(
    open: impl Fn() -> std::io::Result<R>,
) -> ApiResult<(&'static str, Vec<u8>)> {
    let unreadable =
        |e: image::ImageError| no_preview(&format!("The image could not be read: {e}."));
    let guessed = |source| ImageReader::new(source).with_guessed_format();
    let reader = guessed(open().map_err(ApiError::internal)?).map_err(ApiError::internal)?;
    let (width, height) = reader.into_dimensions().map_err(unreadable)?;
    if u64::from(width) * u64::from(height) > MAX_PIXELS {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "image_too_large",
            format!(
                "This image is {width} × {height} pixels, more than the {} megapixels a \
                 preview decodes. Download the original instead.",
                MAX_PIXELS / 1_000_000
            ),
        ));
    }
    let mut reader = guessed(open().map_err(ApiError::internal)?).map_err(ApiError::internal)?;
    let mut limits = Limits::default();
    limits.max_image_width = Some(width);
    limits.max_image_height = Some(height);
    limits.max_alloc = Some(MAX_DECODE_ALLOC);
    reader.limits(limits);
    let img = reader.decode().map_err(unreadable)?;
    let img = if img.width() > MAX_SIDE || img.height() > MAX_SIDE {
        img.thumbnail(MAX_SIDE, MAX_SIDE)
    } else {
        img
    };
    let mut out = Cursor::new(Vec::new());
    if img.color().has_alpha() {
        img.write_to(&mut out, ImageFormat::Png)
            .map_err(ApiError::internal)?;
        Ok(("image/png", out.into_inner()))
    } else {
        let img = img.into_rgb8();
        img.write_to(&mut out, ImageFormat::Jpeg)
            .map_err(ApiError::internal)?;
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
        let png = png.into_inner();
        let (kind, bytes) = downscale(|| Ok(Cursor::new(png.clone()))).unwrap();
        assert_eq!(kind, "image/jpeg");
        let back = image::load_from_memory(&bytes).unwrap();
        assert_eq!((back.width(), back.height()), (1600, 500));
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        let garbage = b"\x89PNG\r\n\x1a\nnot really".to_vec();
        let e = downscale(|| Ok(Cursor::new(garbage.clone()))).unwrap_err();
        assert_eq!(e.code, "no_preview");
    }
}
