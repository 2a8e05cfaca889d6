//! `/api/v1/auth/*`, `/api/v1/me` and event tickets.

use aduan_api::account::AuditAction;
use aduan_api::account::{EventTicket, LoginRequest, LoginResponse, User};
use axum::extract::rejection::JsonRejection;
use axum::extract::State;
use axum::http::{Method, StatusCode};
use axum::routing::{get, post};
use axum::Json;

use super::access::{unauthorized, Access, ClientMeta, Routes};
use super::{ApiError, ApiResult, AppState};
use crate::auth::{self, AuthUser};
use crate::db::{self, audit::Actor};

/// Failed logins allowed per username, and per IP, within [`THROTTLE_WINDOW`].
const MAX_FAILURES_PER_USER: i64 = 5;
const MAX_FAILURES_PER_IP: i64 = 30;
const THROTTLE_WINDOW: chrono::Duration = chrono::Duration::minutes(15);

pub fn routes() -> Routes {
    Routes::default()
        .add(Method::POST, "/auth/login", Access::Public, post(login))
        .add(Method::POST, "/auth/logout", Access::AnyUser, post(logout))
        .add(Method::GET, "/me", Access::AnyUser, get(me))
        .add(
            Method::POST,
            "/events/ticket",
            Access::AnyUser,
            post(ticket),
        )
}

/// Sign in; returns a bearer token.
#[utoipa::path(post, path = "/api/v1/auth/login", tag = "auth", request_body = LoginRequest,
    responses((status = 200, body = LoginResponse), (status = 401, body = aduan_api::error::ErrorBody),
        (status = 429, body = aduan_api::error::ErrorBody)))]
pub async fn login(
    State(state): State<AppState>,
    meta: ClientMeta,
    body: Result<Json<LoginRequest>, JsonRejection>,
) -> ApiResult<Json<LoginResponse>> {
    let Json(req) = body.map_err(|e| ApiError::bad_request("malformed_json", e.body_text()))?;
    let username = req.username.trim().to_lowercase();
    throttle(&state, &username, &meta.ip).await?;
    let found = db::users::credentials(&state.pool, &username).await?;
    let phc = found
        .as_ref()
        .map(|(_, h)| h.clone())
        .unwrap_or_else(|| auth::dummy_hash().to_string());
    let password = req.password;
    let ok = tokio::task::spawn_blocking(move || auth::verify_password(&password, &phc))
        .await
        .map_err(ApiError::internal)?;
    let actor = Actor {
        id: found.as_ref().map(|(u, _)| u.id),
        name: Some(username.clone()),
        ip: Some(meta.ip.clone()),
        user_agent: meta.user_agent.clone(),
    };
    let user = match found {
        Some((user, _)) if ok && !user.disabled => user,
        _ => {
            db::sessions::record_failure(&state.pool, &username, &meta.ip).await?;
            db::audit::record(&state.pool, &actor, AuditAction::LoginFailure, None, None).await?;
            return Err(ApiError::new(
                StatusCode::UNAUTHORIZED,
                "invalid_credentials",
                "The username or password is wrong, or the account is disabled.",
            ));
        }
    };
    db::sessions::clear_failures(&state.pool, &username).await?;
    let (token, hash) = auth::new_token();
    let expires_at = db::sessions::create(
        &state.pool,
        &hash,
        user.id,
        Some(&meta.ip),
        meta.user_agent.as_deref(),
    )
    .await?;
    db::audit::record(
        &state.pool,
        &actor,
        AuditAction::LoginSuccess,
        Some(("user", user.id.to_string())),
        None,
    )
    .await?;
    Ok(Json(LoginResponse {
        token,
        expires_at,
        user,
    }))
}

/// 429 with `Retry-After` once a username or an IP has too many recent failures.
async fn throttle(state: &AppState, username: &str, ip: &str) -> ApiResult<()> {
    let (by_user, by_ip, oldest_user, oldest_ip) =
        db::sessions::recent_failures(&state.pool, username, ip, THROTTLE_WINDOW).await?;
    let oldest = if by_user >= MAX_FAILURES_PER_USER {
        oldest_user
    } else if by_ip >= MAX_FAILURES_PER_IP {
        oldest_ip
    } else {
        return Ok(());
    };
    let wait = oldest
        .map(|t| {
            (t + THROTTLE_WINDOW - chrono::Utc::now())
                .num_seconds()
                .max(1)
        })
        .unwrap_or(60);
    let mut e = ApiError::new(
        StatusCode::TOO_MANY_REQUESTS,
        "too_many_attempts",
        format!(
            "Too many failed sign-ins. Please wait {} minutes and try again.",
            (wait + 59) / 60
        ),
    );
    e.retry_after = Some(wait as u64);
    Err(e)
}

/// End this session.
#[utoipa::path(post, path = "/api/v1/auth/logout", tag = "auth", responses((status = 204)))]
pub async fn logout(
    State(state): State<AppState>,
    user: AuthUser,
    meta: ClientMeta,
) -> ApiResult<StatusCode> {
    db::sessions::revoke(&state.pool, &user.session).await?;
    state.sessions.forget_session(&user.session);
    db::audit::record(
        &state.pool,
        &meta.actor(&user),
        AuditAction::Logout,
        None,
        None,
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The signed-in user.
#[utoipa::path(get, path = "/api/v1/me", tag = "auth", responses((status = 200, body = User)))]
pub async fn me(State(state): State<AppState>, user: AuthUser) -> ApiResult<Json<User>> {
    db::users::get(&state.pool, user.id)
        .await?
        .map(Json)
        .ok_or_else(unauthorized)
}

/// A single-use ticket for the event stream, valid for a minute.
#[utoipa::path(post, path = "/api/v1/events/ticket", tag = "events", responses((status = 200, body = EventTicket)))]
pub async fn ticket(State(state): State<AppState>, user: AuthUser) -> ApiResult<Json<EventTicket>> {
    let (ticket, hash) = auth::new_token();
    let expires_at = db::sessions::create_ticket(&state.pool, &hash, user.id).await?;
    Ok(Json(EventTicket { ticket, expires_at }))
}
