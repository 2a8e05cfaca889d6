//! Signing in with a receipt, and the reporter's view of their report.
//!
//! Guessing a receipt: 10^16 receipts; each address may get `signin_failures` wrong per
//! hour and all addresses together `signin_failures_global` (defaults 10 and 1,000). At
//! 1,000 guesses an hour, finding one given receipt takes 5·10^15 guesses on average,
//! about 570 million years; with a million live receipts, hitting any one of them takes
//! 10^10 guesses, about 1,100 years.

use aduan_api::case::CaseStatus;
use aduan_api::portal::{
    Cleaning, MessageAuthor, ReceiptSignIn, ReporterFile, ReporterMessage,
    ReporterSession as SessionToken, ReporterView,
};
use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{header, StatusCode};
use axum::Json;
use uuid::Uuid;

use super::too_many;
use crate::db::portal as db;
use crate::http::access::ClientMeta;
use crate::http::{ApiError, ApiResult, AppState};
use crate::portal::receipt;

const HOUR_S: i64 = 3600;

/// The report a reporter's bearer token opens.
pub struct ReporterSession {
    pub complaint_id: Uuid,
}

fn not_signed_in() -> ApiError {
    ApiError::new(
        StatusCode::UNAUTHORIZED,
        "unauthorized",
        "Sign in with your receipt: the session is missing or has ended.",
    )
}

impl FromRequestParts<AppState> for ReporterSession {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> ApiResult<Self> {
        let token = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim)
            .filter(|t| !t.is_empty() && t.len() <= 100)
            .ok_or_else(not_signed_in)?;
        let hash = crate::auth::token_hash(token);
        let complaint_id = db::session(&state.pool, &hash)
            .await?
            .ok_or_else(not_signed_in)?;
        Ok(ReporterSession { complaint_id })
    }
}

/// Sign in with a receipt.
#[utoipa::path(post, path = "/public/v1/session", tag = "portal", request_body = ReceiptSignIn,
    responses((status = 200, body = SessionToken),
        (status = 401, body = aduan_api::error::ErrorBody, description = "no report has this receipt"),
        (status = 429, body = aduan_api::error::ErrorBody, description = "too many wrong receipts")))]
pub async fn sign_in(
    State(state): State<AppState>,
    meta: ClientMeta,
    body: Result<Json<ReceiptSignIn>, JsonRejection>,
) -> ApiResult<Json<SessionToken>> {
    let Json(req) = body.map_err(crate::http::cases::json_rejection)?;
    let key = &state.portal.key;
    let config = state.portal.config;
    let here = key.bucket("signin-fail", &receipt::client_key(&meta.ip));
    let everywhere = key.bucket("signin-fail", "*");
    // Counted before checking (one atomic statement, so concurrent guesses cannot slip
    // past the limit together) and given back on success.
    let mine = db::hit(&state.pool, &here, HOUR_S).await?;
    if mine.hits > config.signin_failures as i32 {
        return Err(too_many(
            "Too many wrong receipts from this address: try again later.".into(),
            mine.remaining_s,
        ));
    }
    let all = db::peek(&state.pool, &everywhere, HOUR_S).await?;
    if all.hits >= config.signin_failures_global as i32 {
        return Err(too_many(
            "The portal is refusing sign-ins for a while after many wrong receipts: try again \
             later."
                .into(),
            all.remaining_s,
        ));
    }
    let found = match receipt::normalise(&req.receipt) {
        Some(r) => verify(&state, &r).await?,
        None => None,
    };
    let Some(complaint_id) = found else {
        db::hit(&state.pool, &everywhere, HOUR_S).await?;
        return Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "unknown_receipt",
            "No report has this receipt. Check the 16 digits.",
        ));
    };
    db::refund(&state.pool, &here).await?;
    let (token, hash) = crate::auth::new_token();
    let expires_at = chrono::Utc::now()
        + chrono::Duration::from_std(config.session).unwrap_or(chrono::Duration::minutes(30));
    db::new_session(&state.pool, &hash, complaint_id, expires_at).await?;
    Ok(Json(SessionToken { token, expires_at }))
}

/// The complaint a receipt opens: one keyed lookup, then one argon2 check.
async fn verify(state: &AppState, receipt: &str) -> ApiResult<Option<Uuid>> {
    let lookup = state.portal.key.lookup(receipt);
    let Some((complaint_id, phc)) = db::find_receipt(&state.pool, &lookup).await? else {
        return Ok(None);
    };
    let Some(_slot) = state.password_checks.slot().await else {
        return Err(too_many(
            "The portal is busy: try again in a moment.".into(),
            2,
        ));
    };
    let receipt = receipt.to_string();
    let ok = tokio::task::spawn_blocking(move || crate::auth::verify_password(&receipt, &phc))
        .await
        .map_err(ApiError::internal)?;
    Ok(ok.then_some(complaint_id))
}

/// The reporter's view: status in plain words, the thread, their own files.
#[utoipa::path(get, path = "/public/v1/report", tag = "portal",
    responses((status = 200, body = ReporterView), (status = 401, body = aduan_api::error::ErrorBody)))]
pub async fn view(
    State(state): State<AppState>,
    session: ReporterSession,
) -> ApiResult<Json<ReporterView>> {
    Ok(Json(reporter_view(&state, session.complaint_id).await?))
}

/// What a reporter may know of complaint `id`.
pub async fn reporter_view(state: &AppState, id: Uuid) -> ApiResult<ReporterView> {
    let (reference, received_at): (String, chrono::DateTime<chrono::Utc>) =
        sqlx::query_as("SELECT reference, created_at FROM complaints WHERE id = $1")
            .bind(id)
            .fetch_one(&state.pool)
            .await?;
    let status = case_status(state, id).await?;
    let files = crate::db::attachments::reporters_files(&state.pool, id).await?;
    let messages = crate::db::messages::list(&state.pool, id).await?;
    let messages = messages
        .into_iter()
        .map(|m| ReporterMessage {
            id: m.id,
            from: MessageAuthor::parse(&m.author).unwrap_or(MessageAuthor::Officer),
            text: m.body,
            at: m.created_at,
            files: files
                .iter()
                .filter(|f| f.message_id == Some(m.id))
                .map(|f| f.filename.clone())
                .collect(),
        })
        .collect();
    let files = files
        .into_iter()
        .map(|f| ReporterFile {
            filename: f.filename,
            size_bytes: f.size_bytes,
            created_at: f.created_at,
            metadata_removed: f.cleaning == Some(Cleaning::Removed),
        })
        .collect();
    Ok(ReporterView {
        reference,
        received_at,
        status: crate::portal::status::for_reporter(status),
        messages,
        files,
    })
}

/// The status of the case holding complaint `id`, if any.
pub async fn case_status(state: &AppState, id: Uuid) -> ApiResult<Option<CaseStatus>> {
    let status: Option<String> = sqlx::query_scalar(
        "SELECT k.status FROM case_complaints cc JOIN cases k ON k.id = cc.case_id
         WHERE cc.complaint_id = $1",
    )
    .bind(id)
    .fetch_optional(&state.pool)
    .await?;
    Ok(status.as_deref().and_then(CaseStatus::parse))
}
