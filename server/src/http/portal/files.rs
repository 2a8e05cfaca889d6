//! `POST /public/v1/reports` and `POST /public/v1/report/messages`: multipart submissions
//! from the public. The proof of work comes first (no file is stored before it checks),
//! files stream into the blob store under the staff intake's limits, and each file that
//! carries identifying metadata is kept twice: the original as hidden evidence, and the
//! cleaned copy officers read.

use aduan_api::complaint::{Channel, Complainant, ComplaintInput};
use aduan_api::portal::{Cleaning, MessageInput, PowAnswer, ReportAccepted, ReportInput};
use axum::extract::multipart::Multipart;
use axum::extract::{FromRequest, Request, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use bytes::Bytes;
use futures::TryStreamExt;
use uuid::Uuid;

use super::reporter::ReporterSession;
use super::{check_pow, count_submission, parse_pow};
use crate::db::intake::NewAttachment;
use crate::db::intake::PortalReceipt;
use crate::domain::complaint::NewComplaint;
use crate::http::access::ClientMeta;
use crate::http::intake::{self, multipart_error, read_small_part};
use crate::http::{ApiError, ApiResult, AppState};
use crate::portal::{receipt, strip};
use crate::service::messages::Writer;

/// What a portal multipart request carried.
struct Parts {
    pow: Option<PowAnswer>,
    json: Option<Bytes>,
    files: Vec<NewAttachment>,
}

/// Read a multipart body whose JSON part is named `json_part`. The `pow` part must come
/// before any file; it is checked (and the challenge used up) as soon as it arrives.
async fn read_parts(state: &AppState, request: Request, json_part: &str) -> ApiResult<Parts> {
    intake::check_content_length(request.headers(), &state.limits)?;
    let mut multipart = Multipart::from_request(request, state)
        .await
        .map_err(|e| ApiError::bad_request("malformed_multipart", e.body_text()))?;
    let mut parts = Parts {
        pow: None,
        json: None,
        files: Vec::new(),
    };
    let (mut used, mut count) = (0u64, 0u32);
    while let Some(field) = multipart.next_field().await.map_err(multipart_error)? {
        let name = field.name().unwrap_or("").to_string();
        match name.as_str() {
            "pow" if parts.pow.is_none() => {
                let answer = parse_pow(&read_small_part(field).await?)?;
                check_pow(state, &answer).await?;
                parts.pow = Some(answer);
            }
            n if n == json_part && parts.json.is_none() => {
                parts.json = Some(read_small_part(field).await?);
            }
            "file" => {
                if parts.pow.is_none() {
                    return Err(missing_pow());
                }
                if count == state.limits.max_files {
                    return Err(ApiError::too_large(
                        "too_many_files",
                        format!(
                            "At most {} files may be attached at once.",
                            state.limits.max_files
                        ),
                    ));
                }
                let file = intake::store_file(&state.blobs, field, &state.limits, used).await?;
                used += file.blob.size;
                count += 1;
                parts.files.extend(clean(state, file).await?);
            }
            other => {
                return Err(ApiError::bad_request(
                    "unexpected_part",
                    format!(
                        "Unexpected multipart part {other:?}: send one `pow`, one `{json_part}` \
                         and any number of `file` parts."
                    ),
                ))
            }
        }
    }
    if parts.pow.is_none() {
        return Err(missing_pow());
    }
    Ok(parts)
}

fn missing_pow() -> ApiError {
    ApiError::bad_request(
        "pow_missing",
        "Send the `pow` part (the answer to GET /public/v1/challenge) before any file.",
    )
}

/// Types whose metadata is removed, as sniffed from the content.
fn maybe_cleanable(content_type: &str) -> bool {
    content_type.starts_with("image/")
        || content_type == "application/pdf"
        || content_type.contains("zip")
        || content_type.contains("openxmlformats")
}

/// The stored file, and a cleaned copy when it had identifying metadata (the original is
/// then hidden evidence).
async fn clean(state: &AppState, mut original: NewAttachment) -> ApiResult<Vec<NewAttachment>> {
    let blob = &original.blob;
    let cleaned = if blob.size > strip::MAX_CLEAN_BYTES {
        strip::Cleaned {
            cleaning: Cleaning::TooLarge,
            copy: None,
        }
    } else if !maybe_cleanable(&blob.content_type) {
        strip::Cleaned {
            cleaning: Cleaning::Unsupported,
            copy: None,
        }
    } else {
        // Bounded like image previews: a few files in memory at once.
        let _slot = state
            .previews
            .acquire()
            .await
            .map_err(|_| ApiError::internal("preview semaphore closed"))?;
        let stream = state
            .blobs
            .read(&blob.sha256, None)
            .await
            .map_err(|e| ApiError::internal(format!("reading blob {}: {e}", blob.sha256)))?;
        let chunks: Vec<Bytes> = stream
            .try_collect()
            .await
            .map_err(|e| ApiError::internal(format!("reading blob: {e}")))?;
        let bytes = chunks.concat();
        tokio::task::spawn_blocking(move || strip::clean(&bytes))
            .await
            .map_err(ApiError::internal)?
    };
    original.cleaning = Some(cleaned.cleaning);
    let Some(copy) = cleaned.copy else {
        return Ok(vec![original]);
    };
    let chunk = futures::stream::iter([Ok::<_, std::io::Error>(Bytes::from(copy))]);
    let stored = state
        .blobs
        .put(chunk, u64::MAX)
        .await
        .map_err(|e| ApiError::internal(format!("storing a cleaned copy: {e}")))?;
    original.hidden = true;
    let copy = NewAttachment {
        id: Uuid::now_v7(),
        filename: original.filename.clone(),
        declared_type: original.declared_type.clone(),
        blob: stored,
        original_of: Some(original.id),
        hidden: false,
        cleaning: Some(Cleaning::Removed),
    };
    Ok(vec![original, copy])
}

/// The staff intake's complaint from a reporter's report: channel `web`.
fn to_complaint(bytes: &[u8]) -> ApiResult<NewComplaint> {
    let input: ReportInput = serde_json::from_slice(bytes).map_err(|e| {
        let field = if e.is_data() { "report" } else { "body" };
        ApiError::validation(&[crate::domain::FieldError::new(field, e.to_string())])
    })?;
    let complainant = input.contact.map(|c| Complainant {
        name: c.name,
        phone: c.phone,
        email: c.email,
        ..Default::default()
    });
    let complaint = ComplaintInput {
        channel: Channel::Web,
        description: input.description,
        anonymous: Some(input.anonymous),
        complainant,
        incident_date: input.incident_date,
        location: input.location,
        subject_agency: input.subject_agency,
    };
    NewComplaint::parse(complaint).map_err(|errors| ApiError::validation(&errors))
}

/// Submit a report.
#[utoipa::path(post, path = "/public/v1/reports", tag = "portal",
    request_body(content_type = "multipart/form-data",
        description = "`pow` (JSON {id, nonce}) first, then `report` (JSON ReportInput) and any `file` parts"),
    responses((status = 201, body = ReportAccepted),
        (status = 400, body = aduan_api::error::ErrorBody, description = "bad, reused or expired proof of work"),
        (status = 413, body = aduan_api::error::ErrorBody), (status = 422, body = aduan_api::error::ErrorBody),
        (status = 429, body = aduan_api::error::ErrorBody)))]
pub async fn submit_report(
    State(state): State<AppState>,
    meta: ClientMeta,
    request: Request,
) -> ApiResult<Response> {
    count_submission(&state, &meta).await?;
    require_multipart(&request)?;
    let parts = read_parts(&state, request, "report").await?;
    let json = parts.json.ok_or_else(|| {
        ApiError::bad_request("missing_report", "The request has no `report` part.")
    })?;
    let complaint = to_complaint(&json)?;
    let receipt = receipt::generate();
    let lookup = state.portal.key.lookup(&receipt);
    let hash = hash_receipt(&state, receipt.clone()).await?;
    let accepted = state
        .services
        .submit_portal_report(complaint, parts.files, PortalReceipt { lookup, hash })
        .await?;
    let body = ReportAccepted {
        reference: accepted.reference,
        receipt,
    };
    Ok((StatusCode::CREATED, Json(body)).into_response())
}

async fn hash_receipt(state: &AppState, receipt: String) -> ApiResult<String> {
    let Some(_slot) = state.password_checks.slot().await else {
        return Err(super::too_many(
            "The portal is busy: try again in a moment.".into(),
            2,
        ));
    };
    tokio::task::spawn_blocking(move || crate::auth::hash_password(&receipt))
        .await
        .map_err(ApiError::internal)
}

fn require_multipart(request: &Request) -> ApiResult<()> {
    match intake::body_kind(request.headers())? {
        intake::BodyKind::Multipart => Ok(()),
        intake::BodyKind::Json => Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "Send the report as multipart/form-data with `pow`, `report` and `file` parts.",
        )),
    }
}

/// A reply as JSON, without files.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct JsonReply {
    text: String,
    pow: PowAnswer,
}

/// The reporter answers: JSON `{text, pow}`, or multipart `pow`, `message` ({text}) and
/// `file` parts.
#[utoipa::path(post, path = "/public/v1/report/messages", tag = "portal",
    request_body(content(
        (MessageInput = "application/json"),
        (MessageInput = "multipart/form-data")),
        description = "JSON {text, pow}, or multipart `pow`, `message` ({text}) and `file` parts"),
    responses((status = 201, description = "Sent"),
        (status = 400, body = aduan_api::error::ErrorBody), (status = 401, body = aduan_api::error::ErrorBody),
        (status = 422, body = aduan_api::error::ErrorBody), (status = 429, body = aduan_api::error::ErrorBody)))]
pub async fn reply(
    State(state): State<AppState>,
    session: ReporterSession,
    meta: ClientMeta,
    request: Request,
) -> ApiResult<Response> {
    count_submission(&state, &meta).await?;
    let (text, files) = match intake::body_kind(request.headers())? {
        intake::BodyKind::Json => {
            let bytes = axum::body::to_bytes(request.into_body(), intake::MAX_JSON_BYTES)
                .await
                .map_err(|_| {
                    ApiError::too_large("request_too_large", "The message is too large.")
                })?;
            let r: JsonReply = serde_json::from_slice(&bytes)
                .map_err(|e| ApiError::bad_request("malformed_json", e.to_string()))?;
            check_pow(&state, &r.pow).await?;
            (r.text, Vec::new())
        }
        intake::BodyKind::Multipart => {
            let parts = read_parts(&state, request, "message").await?;
            let json = parts.json.ok_or_else(|| {
                ApiError::bad_request("missing_message", "The request has no `message` part.")
            })?;
            let m: MessageInput = serde_json::from_slice(&json)
                .map_err(|e| ApiError::bad_request("malformed_json", e.to_string()))?;
            (m.text, parts.files)
        }
    };
    let sent = state
        .services
        .add_message(session.complaint_id, Writer::Reporter, &text, &files)
        .await?;
    let body = serde_json::json!({ "id": sent.id, "at": sent.created_at });
    Ok((
        StatusCode::CREATED,
        [(header::CACHE_CONTROL, "no-store")],
        Json(body),
    )
        .into_response())
}
