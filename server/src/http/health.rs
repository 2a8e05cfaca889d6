//! Liveness and readiness, without auth.

use std::time::Duration;

use axum::extract::State;
use axum::http::{Method, StatusCode};
use axum::routing::get;
use axum::Json;
use serde_json::{json, Value};

use super::access::{Access, Routes};
use super::AppState;

/// Health routes live at the root, outside `/api/v1`.
pub fn routes() -> Routes {
    Routes::default()
        .add(Method::GET, "/healthz", Access::Public, get(healthz))
        .add(Method::GET, "/readyz", Access::Public, get(readyz))
}

/// The process is up.
#[utoipa::path(get, path = "/healthz", tag = "health", responses((status = 200)))]
pub async fn healthz() -> Json<Value> {
    Json(json!({"status": "ok"}))
}

/// How long readiness waits for each dependency.
const CHECK_WAIT: Duration = Duration::from_secs(3);

/// The database and the attachment store answer, and the server is not shutting down.
#[utoipa::path(get, path = "/readyz", tag = "health", responses((status = 200), (status = 503)))]
pub async fn readyz(State(state): State<AppState>) -> (StatusCode, Json<Value>) {
    if state.draining.is_cancelled() {
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(json!({"status": "draining"})),
        );
    }
    let ping = sqlx::query_scalar::<_, i32>("SELECT 1").fetch_one(&state.pool);
    let (db, store) = tokio::join!(
        tokio::time::timeout(CHECK_WAIT, ping),
        tokio::time::timeout(CHECK_WAIT, state.blobs.check()),
    );
    let db_ok = matches!(db, Ok(Ok(_)));
    let store_ok = matches!(store, Ok(Ok(())));
    if let Ok(Err(e)) = &store {
        tracing::warn!(error = %e, "the attachment store does not answer");
    }
    let word = |ok: bool| if ok { "ok" } else { "unreachable" };
    let body = json!({
        "status": if db_ok && store_ok { "ready" } else { "unavailable" },
        "database": word(db_ok),
        "blob_store": word(store_ok),
    });
    let status = if db_ok && store_ok {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (status, Json(body))
}
