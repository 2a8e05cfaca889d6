//! Two-factor sign-in over HTTP: the second step of a sign-in, enrolling from the app or
//! during a sign-in, an admin's reset and the roles that must use it.

use aduan_api::account::{AuditAction, LoginResponse, User};
use aduan_api::second_factor::{
    EnrolRequest, RecoveryCodes, SecondFactorChallenge, SecondFactorRequest, SignInPolicy,
    TotpConfirm, TotpEnrolment,
};
use axum::extract::rejection::{JsonRejection, PathRejection};
use axum::extract::{Path, State};
use axum::http::{Method, StatusCode};
use axum::routing::{delete, get, post, put};
use axum::Json;
use uuid::Uuid;

use super::access::{Access, ClientMeta, Routes, ADMINS};
use super::{ApiError, ApiResult, AppState};
use crate::auth::{self, throttle, AuthUser};
use crate::db::{self, audit::Actor};
use crate::service::second_factor::Checked;

/// How long the step between password and code may take.
const CHALLENGE_TTL: chrono::Duration = chrono::Duration::minutes(5);
/// Longest challenge or code read (a challenge is 43 characters, a recovery code 19).
const MAX_INPUT: usize = 64;

pub fn routes() -> Routes {
    Routes::default()
        .add(
            Method::POST,
            "/auth/second-factor",
            Access::Public,
            post(second_factor),
        )
        .add(
            Method::POST,
            "/auth/second-factor/enrol",
            Access::Public,
            post(enrol_at_sign_in),
        )
        .add(Method::POST, "/me/totp", Access::AnyUser, post(begin))
        .add(
            Method::POST,
            "/me/totp/confirm",
            Access::AnyUser,
            post(confirm),
        )
        .add(
            Method::DELETE,
            "/admin/users/{id}/totp",
            ADMINS,
            delete(reset),
        )
        .add(Method::GET, "/admin/sign-in-policy", ADMINS, get(policy))
        .add(
            Method::PUT,
            "/admin/sign-in-policy",
            ADMINS,
            put(set_policy),
        )
}

/// The 401 that asks for a second factor, with a new challenge for `user`.
pub(super) async fn challenge(
    state: &AppState,
    meta: &ClientMeta,
    user: &User,
) -> ApiResult<ApiError> {
    let (challenge, hash) = auth::new_token();
    let enrol = !user.totp_enabled;
    let expires_at = db::second_factor::create_challenge(
        &state.pool,
        &hash,
        user.id,
        &meta.ip,
        enrol,
        CHALLENGE_TTL,
    )
    .await?;
    let message = if enrol {
        "Your role signs in with an authenticator app: set one up to continue."
    } else {
        "Enter the code from your authenticator app."
    };
    let details = SecondFactorChallenge {
        challenge,
        expires_at,
        enrol,
    };
    Ok(
        ApiError::new(StatusCode::UNAUTHORIZED, "second_factor_required", message)
            .with_details(serde_json::to_value(details).map_err(ApiError::internal)?),
    )
}

fn json_body<T>(body: Result<Json<T>, JsonRejection>) -> ApiResult<T> {
    body.map(|Json(b)| b)
        .map_err(|e| ApiError::bad_request("malformed_json", e.body_text()))
}

fn expired() -> ApiError {
    ApiError::new(
        StatusCode::UNAUTHORIZED,
        "challenge_expired",
        "This sign-in has expired or was already used. Please sign in again.",
    )
}

/// The user of a live challenge from this address.
async fn challenged(
    state: &AppState,
    meta: &ClientMeta,
    challenge: &str,
) -> ApiResult<(db::second_factor::Challenge, User)> {
    if challenge.len() > MAX_INPUT {
        return Err(expired());
    }
    let hash = auth::token_hash(challenge);
    let mut conn = state.pool.acquire().await?;
    let found = db::second_factor::challenge(&mut conn, &hash, &meta.ip).await?;
    let Some(ch) = found else {
        return Err(expired());
    };
    match db::users::get(&mut *conn, ch.user_id).await? {
        Some(user) if !user.disabled => Ok((ch, user)),
        _ => Err(expired()),
    }
}

/// Complete a sign-in with a code from the authenticator app or a recovery code. Throttled
/// like the password, per account and address.
#[utoipa::path(post, path = "/api/v1/auth/second-factor", tag = "auth", request_body = SecondFactorRequest,
    responses((status = 200, body = LoginResponse,
            description = "signed in; `recovery_codes` when this completed an enrolment"),
        (status = 401, body = aduan_api::error::ErrorBody, description = "invalid_code, challenge_expired"),
        (status = 429, body = aduan_api::error::ErrorBody)))]
pub async fn second_factor(
    State(state): State<AppState>,
    meta: ClientMeta,
    body: Result<Json<SecondFactorRequest>, JsonRejection>,
) -> ApiResult<Json<LoginResponse>> {
    let req = json_body(body)?;
    let (_, user) = challenged(&state, &meta, &req.challenge).await?;
    let account = throttle::account_key(&user.username);
    let now = chrono::Utc::now();
    let (seen, attempt) =
        db::login_attempts::admit(&state.pool, &account, &meta.ip, throttle::WINDOW, |seen| {
            throttle::wait(seen, now).is_none()
        })
        .await?;
    if attempt.is_none() {
        let wait = throttle::wait(&seen, now).unwrap_or(chrono::Duration::seconds(1));
        return Err(super::auth::too_many_attempts(wait));
    }
    let actor = Actor {
        id: Some(user.id),
        name: Some(user.username.clone()),
        ip: Some(meta.ip.clone()),
        user_agent: meta.user_agent.clone(),
    };
    let code = if req.code.len() > MAX_INPUT {
        ""
    } else {
        &req.code
    };
    let (factor, recovery_codes) = match state
        .services
        .check_second_factor(&actor, user.id, code)
        .await?
    {
        Checked::Accepted(factor, codes) => (factor, codes),
        Checked::Refused => {
            let details = serde_json::json!({"second_factor": "refused"});
            db::audit::record(
                &state.pool,
                &actor,
                AuditAction::LoginFailure,
                None,
                Some(details),
            )
            .await?;
            return Err(ApiError::new(
                StatusCode::UNAUTHORIZED,
                "invalid_code",
                "That code is not right. Use the app's current code, or a recovery code.",
            ));
        }
    };
    let mut conn = state.pool.acquire().await?;
    db::second_factor::use_challenge(&mut conn, &auth::token_hash(&req.challenge)).await?;
    drop(conn);
    db::login_attempts::succeeded(&state.pool, &account, &meta.ip).await?;
    // The user as now (an enrolment just completed shows as enabled).
    let user = db::users::get(&state.pool, user.id)
        .await?
        .ok_or_else(expired)?;
    let mut session =
        super::auth::start_session(&state, &meta, &actor, user, Some(factor.as_str())).await?;
    session.recovery_codes = recovery_codes;
    Ok(Json(session))
}

/// During a sign-in whose role requires a second factor and that has none yet: a secret
/// to scan. The code from it then goes to `POST /api/v1/auth/second-factor`.
#[utoipa::path(post, path = "/api/v1/auth/second-factor/enrol", tag = "auth", request_body = EnrolRequest,
    responses((status = 200, body = TotpEnrolment),
        (status = 401, body = aduan_api::error::ErrorBody, description = "challenge_expired"),
        (status = 409, body = aduan_api::error::ErrorBody, description = "totp_already_enabled")))]
pub async fn enrol_at_sign_in(
    State(state): State<AppState>,
    meta: ClientMeta,
    body: Result<Json<EnrolRequest>, JsonRejection>,
) -> ApiResult<Json<TotpEnrolment>> {
    let req = json_body(body)?;
    let (ch, user) = challenged(&state, &meta, &req.challenge).await?;
    if !ch.enrol {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "totp_already_enabled",
            "This account already has an authenticator app.",
        ));
    }
    Ok(Json(
        state.services.begin_totp(user.id, &user.username).await?,
    ))
}

/// Start setting up an authenticator app for the signed-in account: a secret to scan.
#[utoipa::path(post, path = "/api/v1/me/totp", tag = "auth",
    responses((status = 200, body = TotpEnrolment),
        (status = 409, body = aduan_api::error::ErrorBody, description = "totp_already_enabled")))]
pub async fn begin(
    State(state): State<AppState>,
    user: AuthUser,
) -> ApiResult<Json<TotpEnrolment>> {
    Ok(Json(
        state.services.begin_totp(user.id, &user.username).await?,
    ))
}

/// Finish setting up the app with a code from it; returns the recovery codes, once.
#[utoipa::path(post, path = "/api/v1/me/totp/confirm", tag = "auth", request_body = TotpConfirm,
    responses((status = 200, body = RecoveryCodes),
        (status = 409, body = aduan_api::error::ErrorBody, description = "totp_not_started, totp_already_enabled"),
        (status = 422, body = aduan_api::error::ErrorBody)))]
pub async fn confirm(
    State(state): State<AppState>,
    user: AuthUser,
    meta: ClientMeta,
    body: Result<Json<TotpConfirm>, JsonRejection>,
) -> ApiResult<Json<RecoveryCodes>> {
    let req = json_body(body)?;
    let code = if req.code.len() > MAX_INPUT {
        ""
    } else {
        &req.code
    };
    let actor = meta.actor(&user);
    Ok(Json(
        state.services.confirm_totp(&actor, user.id, code).await?,
    ))
}

/// Remove a user's authenticator app and recovery codes (a lost phone); the next sign-in
/// asks to set one up again if the role requires it.
#[utoipa::path(delete, path = "/api/v1/admin/users/{id}/totp", operation_id = "reset_totp", tag = "admin",
    params(("id" = Uuid, Path)),
    responses((status = 204), (status = 404, body = aduan_api::error::ErrorBody)))]
pub async fn reset(
    State(state): State<AppState>,
    admin: AuthUser,
    meta: ClientMeta,
    id: Result<Path<Uuid>, PathRejection>,
) -> ApiResult<StatusCode> {
    let Path(id) = id.map_err(|_| ApiError::not_found("user"))?;
    state.services.reset_totp(&meta.actor(&admin), id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Which roles must sign in with a second factor.
#[utoipa::path(get, path = "/api/v1/admin/sign-in-policy", tag = "admin",
    responses((status = 200, body = SignInPolicy)))]
pub async fn policy(State(state): State<AppState>) -> ApiResult<Json<SignInPolicy>> {
    Ok(Json(state.services.sign_in_policy().await?))
}

/// Set which roles must sign in with a second factor.
#[utoipa::path(put, path = "/api/v1/admin/sign-in-policy", operation_id = "set_sign_in_policy", tag = "admin",
    request_body = SignInPolicy, responses((status = 200, body = SignInPolicy)))]
pub async fn set_policy(
    State(state): State<AppState>,
    admin: AuthUser,
    meta: ClientMeta,
    body: Result<Json<SignInPolicy>, JsonRejection>,
) -> ApiResult<Json<SignInPolicy>> {
    let policy = json_body(body)?;
    let actor = meta.actor(&admin);
    Ok(Json(
        state.services.set_sign_in_policy(&actor, policy).await?,
    ))
}
