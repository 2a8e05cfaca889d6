//! `GET /api/v1/admin/audit`: the audit log, newest first, with filters.

use aduan_api::account::AuditAction;
use aduan_api::account::AuditEntry;
use aduan_api::page::Page;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::Method;
use axum::routing::get;
use axum::Json;
use serde::Deserialize;
use uuid::Uuid;

use super::access::{Routes, ADMINS};
use super::{ApiError, ApiResult, AppState};
use crate::db::audit::{self, AuditFilter};

pub fn routes() -> Routes {
    Routes::default().add(Method::GET, "/admin/audit", ADMINS, get(list))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    actor_id: Option<Uuid>,
    action: Option<AuditAction>,
    #[param(pattern = r"^[^\u0000]*$")]
    target_type: Option<String>,
    #[param(pattern = r"^[^\u0000]*$")]
    target_id: Option<String>,
    /// RFC 3339 or YYYY-MM-DD (Malaysian midnight).
    #[param(
        pattern = r"^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8])(T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]{1,9})?(Z|[+-]([01][0-9]|2[0-3]):[0-5][0-9]))?$"
    )]
    from: Option<String>,
    #[param(
        pattern = r"^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8])(T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]{1,9})?(Z|[+-]([01][0-9]|2[0-3]):[0-5][0-9]))?$"
    )]
    to: Option<String>,
    #[param(minimum = 1, maximum = 200)]
    limit: Option<i64>,
    /// `next_cursor` of the previous page.
    #[param(pattern = r"^[0-9]{1,18}$")]
    cursor: Option<String>,
}

/// Audit entries, newest first.
#[utoipa::path(get, path = "/api/v1/admin/audit", operation_id = "list_audit", tag = "admin", params(AuditQuery),
    responses((status = 200, body = Page<AuditEntry>), (status = 400, body = aduan_api::error::ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    query: Result<Query<AuditQuery>, QueryRejection>,
) -> ApiResult<Json<Page<AuditEntry>>> {
    let Query(q) = query?;
    let bad = |f: &str| ApiError::bad_request("invalid_query", format!("`{f}` is not valid"));
    let limit = super::paging::limit(q.limit)?;
    let filter = AuditFilter {
        actor_id: q.actor_id,
        action: q.action,
        target_type: q.target_type,
        target_id: q.target_id,
        from: q
            .from
            .as_deref()
            .map(super::complaints::parse_instant)
            .transpose()
            .map_err(|_| bad("from"))?,
        to: q
            .to
            .as_deref()
            .map(super::complaints::parse_instant)
            .transpose()
            .map_err(|_| bad("to"))?,
        before_id: q
            .cursor
            .as_deref()
            .map(str::parse)
            .transpose()
            .map_err(|_| bad("cursor"))?,
        limit,
    };
    let rows = audit::list(&state.pool, &filter).await?;
    Ok(Json(super::paging::page(rows, limit, |e| e.id.to_string())))
}
