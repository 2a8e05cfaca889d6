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
use crate::auth::{self, throttle, AuthUser};
use crate::db::{self, audit::Actor};
use crate::service::users::check_username;

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

/// Sign in; returns a bearer token. When the account signs in with a second factor, the
/// answer is 401 `second_factor_required` with a `SecondFactorChallenge` as its `details`.
#[utoipa::path(post, path = "/api/v1/auth/login", tag = "auth", request_body = LoginRequest,
    responses((status = 200, body = LoginResponse), (status = 401, body = aduan_api::error::ErrorBody,
        description = "invalid_credentials, or second_factor_required (details: SecondFactorChallenge)"),
        (status = 429, body = aduan_api::error::ErrorBody)))]
pub async fn login(
    State(state): State<AppState>,
    meta: ClientMeta,
    body: Result<Json<LoginRequest>, JsonRejection>,
) -> ApiResult<Json<LoginResponse>> {
    let Json(req) = body.map_err(|e| ApiError::bad_request("malformed_json", e.body_text()))?;
    let username = req.username.trim().to_lowercase();
    let account = throttle::account_key(&username);
    // Counted before the password is checked: parallel guesses each see the ones before.
    let now = chrono::Utc::now();
    let (seen, attempt) =
        db::login_attempts::admit(&state.pool, &account, &meta.ip, throttle::WINDOW, |seen| {
            throttle::wait(seen, now).is_none()
        })
        .await?;
    let Some(attempt) = attempt else {
        let wait = throttle::wait(&seen, now).unwrap_or(chrono::Duration::seconds(1));
        return Err(too_many_attempts(wait));
    };
    let Some(_slot) = state.password_checks.slot().await else {
        db::login_attempts::forget(&state.pool, attempt).await?;
        let mut e = ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "busy",
            "The server is busy signing others in. Please try again in a moment.",
        );
        e.retry_after = Some(1);
        return Err(e);
    };
    // A name no account can have (a NUL, a password typed in the wrong field) is not
    // looked up; it costs the same password check as an unknown account.
    let found = match check_username(&username) {
        Ok(name) => db::users::credentials(&state.pool, &name).await?,
        Err(_) => None,
    };
    let phc = found
        .as_ref()
        .map(|(_, h)| h.clone())
        .unwrap_or_else(|| auth::dummy_hash().to_string());
    let password = req.password;
    let ok = tokio::task::spawn_blocking(move || auth::verify_password(&password, &phc))
        .await
        .map_err(ApiError::internal)?;
    // The audit log names the account only when it exists: what was typed may be a secret.
    let actor = Actor {
        id: found.as_ref().map(|(u, _)| u.id),
        name: found.as_ref().map(|(u, _)| u.username.clone()),
        ip: Some(meta.ip.clone()),
        user_agent: meta.user_agent.clone(),
    };
    let user = match found {
        Some((user, _)) if ok && !user.disabled => user,
        _ => {
            db::audit::record(&state.pool, &actor, AuditAction::LoginFailure, None, None).await?;
            return Err(ApiError::new(
                StatusCode::UNAUTHORIZED,
                "invalid_credentials",
                "The username or password is wrong, or the account is disabled.",
            ));
        }
    };
    let required = db::second_factor::required_roles(&state.pool)
        .await?
        .contains(&user.role);
    if user.totp_enabled || required {
        // The password was right but the sign-in is not done: this attempt is forgiven,
        // the code's attempts count (so knowing the password does not reset the count).
        db::login_attempts::forget(&state.pool, attempt).await?;
        return Err(super::second_factor::challenge(&state, &meta, &user).await?);
    }
    db::login_attempts::succeeded(&state.pool, &account, &meta.ip).await?;
    Ok(Json(
        start_session(&state, &meta, &actor, user, None).await?,
    ))
}

/// A session for `user`, whose sign-in is complete, and its audit entry.
pub(super) async fn start_session(
    state: &AppState,
    meta: &ClientMeta,
    actor: &Actor,
    user: User,
    second_factor: Option<&str>,
) -> ApiResult<LoginResponse> {
    let (token, hash) = auth::new_token();
    let expires_at = db::sessions::create(
        &state.pool,
        &hash,
        user.id,
        Some(&meta.ip),
        meta.user_agent.as_deref(),
        state.session_policy,
    )
    .await?;
    let details = second_factor.map(|f| serde_json::json!({"second_factor": f}));
    db::audit::record(
        &state.pool,
        actor,
        AuditAction::LoginSuccess,
        Some(("user", user.id.to_string())),
        details,
    )
    .await?;
    Ok(LoginResponse {
        token,
        expires_at,
        user,
        recovery_codes: None,
    })
}

/// 429 with `Retry-After`: this address has made too many attempts for now.
pub(super) fn too_many_attempts(wait: chrono::Duration) -> ApiError {
    let secs = wait.num_seconds().max(1);
    let when = if secs < 90 {
        format!("{secs} seconds")
    } else {
        format!("{} minutes", (secs + 59) / 60)
    };
    let mut e = ApiError::new(
        StatusCode::TOO_MANY_REQUESTS,
        "too_many_attempts",
        format!("Too many failed sign-ins from this address. Please wait {when} and try again."),
    );
    e.retry_after = Some(secs as u64);
    e
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
#[utoipa::path(post, path = "/api/v1/events/ticket", tag = "events", responses((status = 200, body = EventTicket),
    (status = 429, body = aduan_api::error::ErrorBody, description = "too_many_tickets")))]
pub async fn ticket(State(state): State<AppState>, user: AuthUser) -> ApiResult<Json<EventTicket>> {
    let (ticket, hash) = auth::new_token();
    let per_minute = auth::TICKETS_PER_MINUTE;
    let issued =
        db::sessions::create_ticket(&state.pool, &hash, user.id, &user.session, per_minute).await?;
    let Some(expires_at) = issued else {
        let mut e = ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "too_many_tickets",
            "Too many event-stream connections from this session; wait a minute.",
        );
        e.retry_after = Some(60);
        return Err(e);
    };
    Ok(Json(EventTicket { ticket, expires_at }))
}
