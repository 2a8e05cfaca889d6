//! `/api/v1/admin/users`: account management for admins; `/api/v1/users/assignable`: the
//! people a case may be assigned to, for officers too.

use aduan_api::account::{AssignableUser, NewUser, User, UserChange};
use axum::extract::rejection::{JsonRejection, PathRejection};
use axum::extract::{Path, State};
use axum::http::{Method, StatusCode};
use axum::routing::{get, patch};
use axum::Json;
use uuid::Uuid;

use super::access::{ClientMeta, Routes, ADMINS, OFFICERS};
use super::{ApiError, ApiResult, AppState};
use crate::auth::AuthUser;
use crate::db;
use crate::service::users::NewAccount;

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
#[utoipa::path(get, path = "/api/v1/admin/users", operation_id = "list_users", tag = "admin", responses((status = 200, body = Vec<User>)))]
pub async fn list(State(state): State<AppState>) -> ApiResult<Json<Vec<User>>> {
    Ok(Json(db::users::list(&state.pool).await?))
}

/// Create an account.
#[utoipa::path(post, path = "/api/v1/admin/users", operation_id = "create_user", tag = "admin", request_body = NewUser,
    responses((status = 201, body = User, links(
            ("ChangeUser" = (operation_id = "change_user", parameters(("id" = "$response.body#/id")))),
        )),
        (status = 409, body = aduan_api::error::ErrorBody),
        (status = 422, body = aduan_api::error::ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    admin: AuthUser,
    meta: ClientMeta,
    body: Result<Json<NewUser>, JsonRejection>,
) -> ApiResult<(StatusCode, Json<User>)> {
    let Json(new) = body.map_err(|e| ApiError::bad_request("malformed_json", e.body_text()))?;
    let account = NewAccount {
        username: &new.username,
        display_name: &new.display_name,
        role: new.role,
        password: new.password,
    };
    let user = state
        .services
        .create_user(&meta.actor(&admin), account)
        .await?;
    Ok((StatusCode::CREATED, Json(user)))
}

/// Change role, name, disabled state or password. Disabling, a role change or a new
/// password ends the user's sessions at once, on every instance.
#[utoipa::path(patch, path = "/api/v1/admin/users/{id}", operation_id = "change_user", tag = "admin", request_body = UserChange,
    params(("id" = Uuid, Path)),
    responses((status = 200, body = User), (status = 404, body = aduan_api::error::ErrorBody),
        (status = 409, body = aduan_api::error::ErrorBody),
        (status = 422, body = aduan_api::error::ErrorBody)))]
pub async fn change(
    State(state): State<AppState>,
    admin: AuthUser,
    meta: ClientMeta,
    id: Result<Path<Uuid>, PathRejection>,
    body: Result<Json<UserChange>, JsonRejection>,
) -> ApiResult<Json<User>> {
    let Path(id) = id.map_err(|_| ApiError::not_found("user"))?;
    let Json(change) = body.map_err(|e| ApiError::bad_request("malformed_json", e.body_text()))?;
    let caller = meta.caller(&admin);
    Ok(Json(state.services.change_user(&caller, id, change).await?))
}
