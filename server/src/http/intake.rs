//! Reading a submission: JSON, or multipart with a `complaint` part and `file` parts whose
//! bytes are streamed to the blob store under the upload limits.

use aduan_api::complaint::ComplaintInput;
use axum::body::Body;
use axum::extract::multipart::{Field, Multipart, MultipartError};
use axum::extract::{FromRequest, Request};
use axum::http::{header, HeaderMap, StatusCode};
use bytes::Bytes;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::{ApiError, ApiResult, AppState, UploadLimits};
use crate::db::intake::NewAttachment;
use crate::domain::complaint::NewComplaint;
use crate::domain::{filename, FieldError};
use crate::storage::{BlobStore, StoreError};

/// Largest JSON body: a 50,000-character description in Malay fits with room to spare.
pub const MAX_JSON_BYTES: usize = 1024 * 1024;

/// The kinds of body intake accepts.
pub enum BodyKind {
    Json,
    Multipart,
}

pub fn body_kind(headers: &HeaderMap) -> ApiResult<BodyKind> {
    let ct = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let mime = ct
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    match mime.as_str() {
        "application/json" => Ok(BodyKind::Json),
        "multipart/form-data" => Ok(BodyKind::Multipart),
        _ => Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "Send the complaint as application/json, or as multipart/form-data with a \
             `complaint` part and `file` parts.",
        )),
    }
}

/// Parse and validate a complaint from JSON bytes: 400 when it is not JSON, 422 naming the
/// field when it is JSON of the wrong shape or fails validation.
pub fn parse_complaint(bytes: &[u8]) -> ApiResult<NewComplaint> {
    if std::str::from_utf8(bytes).is_err() {
        return Err(ApiError::bad_request(
            "invalid_utf8",
            "The request body is not valid UTF-8 text.",
        ));
    }
    let de = &mut serde_json::Deserializer::from_slice(bytes);
    let input: ComplaintInput = match serde_path_to_error::deserialize(de) {
        Ok(input) => input,
        Err(err) => {
            let path = err.path().to_string();
            let inner = err.into_inner();
            if inner.is_data() {
                let message = strip_position(&inner.to_string());
                let field = if path == "." {
                    named_field(&message).unwrap_or("body").to_string()
                } else {
                    path
                };
                return Err(ApiError::validation(&[FieldError::new(field, message)]));
            }
            return Err(ApiError::bad_request(
                "malformed_json",
                format!("The request body is not valid JSON: {inner}."),
            ));
        }
    };
    NewComplaint::parse(input).map_err(|errors| ApiError::validation(&errors))
}

/// serde names a missing or unknown field only in its message: "missing field `x`".
fn named_field(message: &str) -> Option<&str> {
    let rest = message
        .strip_prefix("missing field `")
        .or_else(|| message.strip_prefix("unknown field `"))?;
    rest.split('`').next()
}

/// serde's messages end with " at line 1 column 42", which means nothing to a user.
fn strip_position(message: &str) -> String {
    match message.find(" at line ") {
        Some(i) => message[..i].to_string(),
        None => message.to_string(),
    }
}

/// Read a JSON body, refusing more than [`MAX_JSON_BYTES`].
pub async fn read_json(body: Body) -> ApiResult<NewComplaint> {
    let bytes = axum::body::to_bytes(body, MAX_JSON_BYTES)
        .await
        .map_err(|_| {
            ApiError::too_large(
                "request_too_large",
                format!("A JSON complaint may be at most {MAX_JSON_BYTES} bytes."),
            )
        })?;
    parse_complaint(&bytes)
}

/// Refuse a request whose declared length already exceeds the limit, before reading it.
pub fn check_content_length(headers: &HeaderMap, limits: &UploadLimits) -> ApiResult<()> {
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    // Multipart framing adds a little on top of the files themselves.
    let slack = 64 * 1024 + MAX_JSON_BYTES as u64;
    match declared {
        Some(n) if n > limits.max_request_bytes + slack => Err(request_too_large(limits)),
        _ => Ok(()),
    }
}

/// A size in the unit the limits are set in (MiB), as the UI states it too.
pub fn mib(bytes: u64) -> String {
    let m = bytes as f64 / (1024.0 * 1024.0);
    if m.fract() == 0.0 {
        format!("{m:.0} MiB")
    } else {
        format!("{m:.1} MiB")
    }
}

pub(crate) fn request_too_large(limits: &UploadLimits) -> ApiError {
    ApiError::too_large(
        "request_too_large",
        format!(
            "The upload is larger than the {} allowed per submission.",
            mib(limits.max_request_bytes)
        ),
    )
}

/// Everything a multipart submission carried.
pub struct MultipartSubmission {
    pub complaint: Option<NewComplaint>,
    pub files: Vec<NewAttachment>,
}

/// Read a multipart body: at most one `complaint` part, any number of `file` parts up to
/// the limits. Files are on disk (by hash) when this returns.
pub async fn read_multipart(state: &AppState, request: Request) -> ApiResult<MultipartSubmission> {
    let mut multipart = Multipart::from_request(request, state)
        .await
        .map_err(|e| ApiError::bad_request("malformed_multipart", e.body_text()))?;
    let mut out = MultipartSubmission {
        complaint: None,
        files: Vec::new(),
    };
    let mut used: u64 = 0;
    while let Some(field) = multipart.next_field().await.map_err(multipart_error)? {
        match field.name() {
            Some("complaint") => {
                if out.complaint.is_some() {
                    return Err(ApiError::bad_request(
                        "duplicate_part",
                        "Send exactly one `complaint` part.",
                    ));
                }
                let bytes = read_small_part(field).await?;
                out.complaint = Some(parse_complaint(&bytes)?);
            }
            Some("file") => {
                if out.files.len() == state.limits.max_files as usize {
                    return Err(ApiError::too_large(
                        "too_many_files",
                        format!(
                            "At most {} files may be attached at once.",
                            state.limits.max_files
                        ),
                    ));
                }
                let file = store_file(&state.blobs, field, &state.limits, used).await?;
                used += file.blob.size;
                out.files.push(file);
            }
            other => {
                return Err(ApiError::bad_request(
                    "unexpected_part",
                    format!(
                        "Unexpected multipart part {:?}: only `complaint` and `file` are accepted.",
                        other.unwrap_or("")
                    ),
                ));
            }
        }
    }
    Ok(out)
}

pub(crate) async fn read_small_part(mut field: Field<'_>) -> ApiResult<Bytes> {
    let mut buf = Vec::new();
    while let Some(chunk) = field.chunk().await.map_err(multipart_error)? {
        if buf.len() + chunk.len() > MAX_JSON_BYTES {
            return Err(ApiError::too_large(
                "request_too_large",
                format!("The `complaint` part may be at most {MAX_JSON_BYTES} bytes."),
            ));
        }
        buf.extend_from_slice(&chunk);
    }
    Ok(buf.into())
}

/// Stream one `file` part into the blob store.
pub(crate) async fn store_file(
    blobs: &BlobStore,
    field: Field<'_>,
    limits: &UploadLimits,
    used: u64,
) -> ApiResult<NewAttachment> {
    let raw_name = field.file_name().unwrap_or("attachment").to_string();
    let name = filename::sanitise(&raw_name).map_err(|_| {
        ApiError::validation(&[FieldError::new(
            "file",
            "has a filename with control characters",
        )])
    })?;
    let declared_type = field.content_type().map(str::to_string);
    let remaining = limits.max_request_bytes.saturating_sub(used);
    let limit = limits.max_file_bytes.min(remaining);
    let stream = futures::stream::unfold(field, |mut f| async move {
        match f.chunk().await {
            Ok(Some(chunk)) => Some((Ok(chunk), f)),
            Ok(None) => None,
            Err(e) => Some((Err(e), f)),
        }
    });
    let blob = blobs
        .put(Box::pin(stream), limit)
        .await
        .map_err(|e| match e {
            StoreError::TooLarge { .. } if limit < limits.max_file_bytes => {
                request_too_large(limits)
            }
            StoreError::TooLarge { .. } => ApiError::too_large(
                "file_too_large",
                format!(
                    "\"{name}\" is larger than the {} allowed per file.",
                    mib(limits.max_file_bytes)
                ),
            ),
            StoreError::Empty => {
                ApiError::validation(&[FieldError::new("file", format!("\"{name}\" is empty"))])
            }
            StoreError::Upload(msg) => ApiError::bad_request("upload_interrupted", msg),
            e @ (StoreError::Io(_) | StoreError::Remote(_) | StoreError::Altered { .. }) => {
                ApiError::internal(e)
            }
        })?;
    Ok(NewAttachment::plain(
        Uuid::now_v7(),
        name,
        declared_type,
        blob,
    ))
}

pub(crate) fn multipart_error(e: MultipartError) -> ApiError {
    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
        return ApiError::too_large("request_too_large", e.body_text());
    }
    ApiError::bad_request("malformed_multipart", e.body_text())
}

/// What an `Idempotency-Key` is checked against: the complaint and the files' hashes.
pub fn content_hash(complaint: &NewComplaint, files: &[NewAttachment]) -> String {
    let mut h = Sha256::new();
    h.update(serde_json::to_vec(complaint).expect("complaint serialises"));
    for f in files {
        h.update(b"\0");
        h.update(&f.blob.sha256);
        h.update(f.filename.as_bytes());
    }
    hex::encode(h.finalize())
}

/// The `Idempotency-Key` header, if any: 1–200 visible ASCII characters.
pub fn idempotency_key(headers: &HeaderMap) -> ApiResult<Option<String>> {
    let Some(value) = headers.get("idempotency-key") else {
        return Ok(None);
    };
    let key = value.to_str().ok().map(str::trim).unwrap_or("");
    let valid = !key.is_empty() && key.len() <= 200 && key.bytes().all(|b| b.is_ascii_graphic());
    if !valid {
        return Err(ApiError::bad_request(
            "invalid_idempotency_key",
            "Idempotency-Key must be 1 to 200 visible ASCII characters.",
        ));
    }
    Ok(Some(key.to_string()))
}
