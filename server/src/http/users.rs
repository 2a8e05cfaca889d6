//! `/api/v1/admin/users`: account management for admins; `/api/v1/users/assignable`: the
//! people a case may be assigned to, for officers too.

use aduan_api::account::{AssignableUser, NewUser, User, UserChange};
use axum::extract::rejection::{JsonRejection, PathRejection};
use axum::extract::{Path, State};
use axum::http::{Method, StatusCode};
use axum::routing::{get, patch};
use axum::Json;
use serde_json::json;
use uuid::Uuid;

use super::access::{ClientMeta, Routes, ADMINS, OFFICERS};
use super::{ApiError, ApiResult, AppState};
use crate::auth::{self, AuthUser};
use crate::db;
use crate::domain::FieldError;

pub fn routes() -> Routes {
    Routes::default()
        .add(Method::GET, "/admin/users", ADMINS, get(list))
        .add(
            Method::POST,
            "/admin/users",
            ADMINS,
            axum::routing::post(create),
        )
        .add(Method::PATCH, "/admin/users/{id}", ADMINS, patch(change))
        .add(Method::GET, "/users/assignable", OFFICERS, get(assignable))
}

/// The active officers and admins, by display name: whom a case may be assigned to.
/// Officers assign cases but may not list accounts, so this names only what a picker needs.
#[utoipa::path(get, path = "/api/v1/users/assignable", tag = "cases",
    responses((status = 200, body = Vec<AssignableUser>)))]
pub async fn assignable(State(state): State<AppState>) -> ApiResult<Json<Vec<AssignableUser>>> {
    Ok(Json(db::users::assignable(&state.pool).await?))
}

/// Every account.
#[utoipa::path(get, path = "/api/v1/admin/users", tag = "admin", responses((status = 200, body = Vec<User>)))]
pub async fn list(State(state): State<AppState>) -> ApiResult<Json<Vec<User>>> {
    Ok(Json(db::users::list(&state.pool).await?))
}

/// Validate a username: lowercase letters, digits, `.`, `_`, `-`; 2–64 characters.
pub fn check_username(name: &str) -> Result<String, String> {
    let name = name.trim().to_lowercase();
    let ok = (2..=64).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b));
    ok.then_some(name)
        .ok_or_else(|| "must be 2–64 of a-z, 0-9, '.', '_' or '-'".to_string())
}

/// Create an account.
#[utoipa::path(post, path = "/api/v1/admin/users", tag = "admin", request_body = NewUser,
    responses((status = 201, body = User), (status = 409, body = aduan_api::error::ErrorBody),
        (status = 422, body = aduan_api::error::ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    admin: AuthUser,
    meta: ClientMeta,
    body: Result<Json<NewUser>, JsonRejection>,
) -> ApiResult<(StatusCode, Json<User>)> {
    let Json(new) = body.map_err(|e| ApiError::bad_request("malformed_json", e.body_text()))?;
    let mut errors = Vec::new();
    let username = check_username(&new.username)
        .map_err(|m| errors.push(FieldError::new("username", m)))
        .ok();
    if let Err(m) = auth::check_password(&new.password) {
        errors.push(FieldError::new("password", m));
    }
    let display_name = new.display_name.trim().to_string();
    if display_name.is_empty() {
        errors.push(FieldError::new("display_name", "is required"));
    }
    let Some(username) = username.filter(|_| errors.is_empty()) else {
        return Err(ApiError::validation(&errors));
    };
    let password = new.password;
    let hash = tokio::task::spawn_blocking(move || auth::hash_password(&password))
        .await
        .map_err(ApiError::internal)?;
    let user = db::users::create(&state.pool, &username, &display_name, new.role, &hash)
        .await?
        .ok_or_else(|| {
            ApiError::new(
                StatusCode::CONFLICT,
                "username_taken",
                "That username is already in use.",
            )
        })?;
    let details = json!({"username": user.username, "role": user.role});
    db::audit::record(
        &state.pool,
        &meta.actor(&admin),
        "user.create",
        Some(("user", user.id.to_string())),
        Some(details),
    )
    .await?;
    Ok((StatusCode::CREATED, Json(user)))
}

/// Change role, name, disabled state or password. Disabling, a role change or a new
/// password ends the user's sessions at once, on every instance.
#[utoipa::path(patch, path = "/api/v1/admin/users/{id}", tag = "admin", request_body = UserChange,
    params(("id" = Uuid, Path)),
    responses((status = 200, body = User), (status = 404, body = aduan_api::error::ErrorBody)))]
pub async fn change(
    State(state): State<AppState>,
    admin: AuthUser,
    meta: ClientMeta,
    id: Result<Path<Uuid>, PathRejection>,
    body: Result<Json<UserChange>, JsonRejection>,
) -> ApiResult<Json<User>> {
    let Path(id) = id.map_err(|_| ApiError::not_found("user"))?;
    let Json(change) = body.map_err(|e| ApiError::bad_request("malformed_json", e.body_text()))?;
    if id == admin.id
        && (change.disabled == Some(true) || change.role.is_some_and(|r| r != admin.role))
    {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "cannot_demote_self",
            "Admins cannot disable or demote their own account.",
        ));
    }
    let hash = match change.password.clone() {
        Some(p) => {
            auth::check_password(&p)
                .map_err(|m| ApiError::validation(&[FieldError::new("password", m)]))?;
            Some(
                tokio::task::spawn_blocking(move || auth::hash_password(&p))
                    .await
                    .map_err(ApiError::internal)?,
            )
        }
        None => None,
    };
    let display_name = change
        .display_name
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty());
    let user = db::users::update(
        &state.pool,
        id,
        display_name,
        change.role,
        change.disabled,
        hash.as_deref(),
    )
    .await?
    .ok_or_else(|| ApiError::not_found("user"))?;
    if change.disabled == Some(true) || change.role.is_some() || change.password.is_some() {
        db::sessions::revoke_user(&state.pool, id).await?;
        state.sessions.forget_user(id);
    }
    let details = json!({
        "display_name": change.display_name, "role": change.role, "disabled": change.disabled,
        "password_reset": change.password.is_some(),
    });
    db::audit::record(
        &state.pool,
        &meta.actor(&admin),
        "user.update",
        Some(("user", id.to_string())),
        Some(details),
    )
    .await?;
    Ok(Json(user))
}
