//! The reporter portal's listener: its page and `/public/v1`. Nothing of the staff API is
//! routed here (everything else answers 404), and none of this is routed on the staff
//! listener. Reporters are known by their receipt only: no address, user agent or account
//! of theirs is stored (throttles count keyed hashes of addresses, pruned within a day).

mod files;
mod page;
pub(crate) mod reporter;
pub(crate) use reporter::case_status;

use aduan_api::portal::{Challenge, PowAnswer};
use axum::extract::{Request, State};
use axum::http::{Method, StatusCode};
use axum::routing::{get, post};
use axum::{Json, Router};
use tower_http::trace::TraceLayer;
use uuid::Uuid;

use super::access::{Access, ClientMeta, Routes};
use super::{ApiError, ApiResult, AppState};
use crate::db::portal as db;
use crate::portal::{pow, receipt, PortalConfig};

/// The portal's settings and key, shared by its handlers.
#[derive(Clone, Debug)]
pub struct Portal {
    pub config: PortalConfig,
    pub key: receipt::PortalKey,
}

/// Every `/public/v1` route (all public: the reporter's token is checked in the handler).
pub fn routes() -> Routes {
    let unlimited = || axum::extract::DefaultBodyLimit::disable();
    Routes::default()
        .add(Method::GET, "/challenge", Access::Public, get(challenge))
        .add(
            Method::POST,
            "/reports",
            Access::Public,
            post(files::submit_report).layer(unlimited()),
        )
        .add(
            Method::POST,
            "/session",
            Access::Public,
            post(reporter::sign_in),
        )
        .add(Method::GET, "/report", Access::Public, get(reporter::view))
        .add(
            Method::POST,
            "/report/messages",
            Access::Public,
            post(files::reply).layer(unlimited()),
        )
}

/// Every route of the public listener, by full path, for its metrics.
pub fn route_table() -> Vec<(Method, &'static str)> {
    let api = routes().table.into_iter().map(|r| {
        let path: &'static str = Box::leak(format!("/public/v1{}", r.path).into_boxed_str());
        (r.method, path)
    });
    let pages = page::paths().map(|p| (Method::GET, p));
    api.chain(pages).collect()
}

/// The public listener's whole router.
pub fn router(state: AppState) -> Router {
    let api = super::data_only(
        routes()
            .router
            .fallback(|| async { ApiError::not_found("route") }),
    );
    let root = Router::new()
        .nest("/public/v1", api)
        .merge(page::routes())
        .fallback(|| async { ApiError::not_found("route") });
    super::browser_headers(root)
        .layer(TraceLayer::new_for_http().make_span_with(|req: &Request| {
            let route = req
                .extensions()
                .get::<axum::extract::MatchedPath>()
                .map(axum::extract::MatchedPath::as_str)
                .unwrap_or("unmatched");
            tracing::info_span!("portal", method = %req.method(), route)
        }))
        .layer(super::request_timeout())
        .layer(axum::middleware::from_fn_with_state(
            state.portal_metrics.clone(),
            crate::metrics::http::track,
        ))
        .with_state(state)
}

/// Challenges an address may take per submission it is allowed (abandoned forms, retries).
const CHALLENGES_PER_SUBMISSION: i32 = 6;

/// A new proof-of-work challenge.
#[utoipa::path(get, path = "/public/v1/challenge", tag = "portal",
    responses((status = 200, body = Challenge), (status = 429, body = aduan_api::error::ErrorBody)))]
pub async fn challenge(
    State(state): State<AppState>,
    meta: ClientMeta,
) -> ApiResult<Json<Challenge>> {
    // Each challenge is a row until it is used or expires: an address may ask for a few
    // per submission it may make, no more.
    let bucket = state
        .portal
        .key
        .bucket("challenge", &receipt::client_key(&meta.ip));
    let w = db::hit(&state.pool, &bucket, 60).await?;
    let limit = (state.portal.config.submissions_per_minute as i32)
        .saturating_mul(CHALLENGES_PER_SUBMISSION);
    if w.hits > limit {
        return Err(too_many(
            format!(
                "At most {limit} challenges a minute are given to one address: try again shortly."
            ),
            w.remaining_s,
        ));
    }
    let id = Uuid::new_v4();
    let prefix = pow::new_prefix();
    let difficulty = state.portal.config.pow_bits;
    let expires_at = chrono::Utc::now() + pow::LIFETIME;
    db::new_challenge(&state.pool, id, &prefix, difficulty, expires_at).await?;
    Ok(Json(Challenge {
        id,
        prefix,
        difficulty,
        expires_at,
    }))
}

/// Take the challenge `answer` names and check it: 400 when unknown, used, expired or
/// wrong. A challenge is gone after this, whatever the outcome.
pub async fn check_pow(state: &AppState, answer: &PowAnswer) -> ApiResult<()> {
    let consumed = db::consume_challenge(&state.pool, answer.id).await?;
    let Some(c) = consumed else {
        return Err(ApiError::bad_request(
            "pow_unknown",
            "The proof of work names a challenge that does not exist or was already used: \
             ask for a new one.",
        ));
    };
    if c.expired {
        return Err(ApiError::bad_request(
            "pow_expired",
            "The proof-of-work challenge has expired: ask for a new one.",
        ));
    }
    if !pow::check(&c.prefix, &answer.nonce, c.difficulty) {
        return Err(ApiError::bad_request(
            "pow_invalid",
            "The proof of work is wrong: the nonce does not give enough leading zero bits.",
        ));
    }
    Ok(())
}

/// Parse a `pow` part or field.
pub fn parse_pow(bytes: &[u8]) -> ApiResult<PowAnswer> {
    serde_json::from_slice(bytes).map_err(|e| {
        ApiError::bad_request(
            "pow_malformed",
            format!("The `pow` part must be JSON {{\"id\", \"nonce\"}}: {e}."),
        )
    })
}

/// Count a submission (a report or a reply) from this client: 429 beyond the limit per
/// minute, with `Retry-After`.
pub async fn count_submission(state: &AppState, meta: &ClientMeta) -> ApiResult<()> {
    let bucket = state
        .portal
        .key
        .bucket("submit", &receipt::client_key(&meta.ip));
    let w = db::hit(&state.pool, &bucket, 60).await?;
    let limit = state.portal.config.submissions_per_minute as i32;
    if w.hits > limit {
        return Err(too_many(
            format!("At most {limit} submissions a minute are accepted from one address: try again shortly."),
            w.remaining_s,
        ));
    }
    Ok(())
}

pub fn too_many(message: String, retry_after_s: i64) -> ApiError {
    let mut e = ApiError::new(StatusCode::TOO_MANY_REQUESTS, "rate_limited", message);
    e.retry_after = Some(retry_after_s.max(1) as u64);
    e
}
