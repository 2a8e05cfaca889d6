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
    target_type: Option<String>,
    target_id: Option<String>,
    /// RFC 3339 or YYYY-MM-DD (Malaysian midnight).
    from: Option<String>,
    to: Option<String>,
    limit: Option<i64>,
    cursor: Option<String>,
}

/// Audit entries, newest first.
#[utoipa::path(get, path = "/api/v1/admin/audit", operation_id = "list_audit", tag = "admin", params(AuditQuery),
    responses((status = 200, body = Page<AuditEntry>)))]
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
