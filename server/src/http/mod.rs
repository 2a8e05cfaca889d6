//! The HTTP API: one module per resource, each with its own `router()`.

pub mod access;
pub mod analytics;
pub mod attachments;
pub mod audit;
pub mod auth;
pub mod capacity;
pub mod case_changes;
pub mod cases;
pub mod client_addr;
pub mod complaints;
pub mod desktop;
pub mod enrichment;
pub mod error;
pub mod events;
pub mod export;
pub mod health;
pub mod identity;
pub mod intake;
pub mod messages;
pub mod metrics;
pub mod openapi;
pub mod paging;
pub mod portal;
pub mod preview;
pub mod processing;
pub mod reference;
pub mod related;
pub mod second_factor;
pub mod serve;
pub mod ui;
pub mod users;

use std::sync::Arc;
use std::time::Duration;

use axum::extract::{MatchedPath, Request};
use axum::http::{header, HeaderValue, Method};
use axum::Router;
use sqlx::PgPool;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;

use crate::storage::BlobStore;

pub use error::{ApiError, ApiResult};

/// Upload limits, enforced while streaming and served to clients as they are.
pub type UploadLimits = aduan_api::complaint::IntakeLimits;

/// What every handler can reach. Cheap to clone.
#[derive(Clone)]
pub struct AppState(Arc<StateInner>);

pub struct StateInner {
    pub pool: PgPool,
    pub blobs: BlobStore,
    pub limits: UploadLimits,
    /// Attempts given to each new enrichment job.
    pub max_attempts: i32,
    pub events: crate::events::EventHub,
    pub queue: crate::queue::QueueControl,
    /// Cancelled when the server starts shutting down: long-lived streams end.
    pub shutdown: tokio_util::sync::CancellationToken,
    /// Cancelled at SIGTERM, before the drain period: /readyz answers 503 from then on.
    pub draining: tokio_util::sync::CancellationToken,
    pub sessions: Arc<crate::auth::cache::SessionCache>,
    pub cors_origins: Vec<String>,
    /// The built web UI to serve at `/`, if any.
    pub ui_dir: Option<std::path::PathBuf>,
    /// The dashboard and its cache.
    pub analytics: crate::analytics::Analytics,
    /// Request counts and latency by route, for `/metrics`.
    pub http_metrics: Arc<crate::metrics::http::HttpMetrics>,
    /// The same for the reporter portal's listener.
    pub portal_metrics: Arc<crate::metrics::http::HttpMetrics>,
    /// When a case counts as overdue.
    pub case_sla: crate::db::cases::Sla,
    /// Peers whose `X-Forwarded-For`/`Forwarded` is believed.
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// How long sessions last.
    pub session_policy: crate::auth::SessionPolicy,
    /// The bearer token a `/metrics` scrape must bring, if one is set.
    pub metrics_token: Option<secrecy::SecretString>,
    /// Whether the server listens on a loopback address only.
    pub listens_on_loopback: bool,
    /// Bounds the image previews decoded at once.
    pub previews: std::sync::Arc<tokio::sync::Semaphore>,
    /// Bounds the password checks running at once.
    pub password_checks: crate::auth::throttle::PasswordChecks,
    /// The domain operations (case work, corrections, users, processing controls).
    pub services: crate::service::Services,
    /// The reporter portal's settings and key (served on the public listener only).
    pub portal: portal::Portal,
}

impl AppState {
    pub fn new(inner: StateInner) -> Self {
        AppState(Arc::new(inner))
    }
}

impl std::ops::Deref for AppState {
    type Target = StateInner;
    fn deref(&self) -> &StateInner {
        &self.0
    }
}

/// Every `/api/v1` route with its access rule.
pub fn api_routes() -> access::Routes {
    access::Routes::default()
        .merge(auth::routes())
        .merge(second_factor::routes())
        .merge(complaints::routes())
        .merge(identity::routes())
        .merge(enrichment::routes())
        .merge(attachments::routes())
        .merge(preview::routes())
        .merge(events::routes())
        .merge(processing::routes())
        .merge(capacity::routes())
        .merge(reference::routes())
        .merge(users::routes())
        .merge(audit::routes())
        .merge(analytics::routes())
        .merge(export::routes())
        .merge(cases::routes())
        .merge(related::routes())
        .merge(desktop::routes())
        .merge(messages::routes())
        .merge(openapi::routes())
}

/// Every route of the server, `/api/v1` ones with their full path, and their access rule.
pub fn route_table() -> Vec<access::RouteSpec> {
    let mut table: Vec<access::RouteSpec> = api_routes()
        .table
        .into_iter()
        .map(|mut r| {
            r.path = Box::leak(format!("/api/v1{}", r.path).into_boxed_str());
            r
        })
        .collect();
    table.extend(health::routes().table);
    table.extend(metrics::routes().table);
    table
}

/// Origins of the desktop app's webview on Linux/macOS (`tauri://localhost`) and Windows
/// (`http(s)://tauri.localhost`).
const DESKTOP_ORIGINS: [&str; 3] = [
    "tauri://localhost",
    "http://tauri.localhost",
    "https://tauri.localhost",
];

/// CORS for the desktop webview and the configured origins only.
fn cors(extra: &[String]) -> tower_http::cors::CorsLayer {
    use tower_http::cors::{AllowOrigin, CorsLayer};
    let origins: Vec<HeaderValue> = DESKTOP_ORIGINS
        .iter()
        .map(|s| s.to_string())
        .chain(extra.iter().cloned())
        .filter_map(|o| HeaderValue::from_str(&o).ok())
        .collect();
    CorsLayer::new()
        .allow_origin(AllowOrigin::list(origins))
        .allow_methods([
            Method::GET,
            Method::POST,
            Method::PATCH,
            Method::PUT,
            Method::DELETE,
        ])
        .allow_headers([
            header::AUTHORIZATION,
            header::CONTENT_TYPE,
            header::RANGE,
            "idempotency-key".parse().unwrap(),
            "last-event-id".parse().unwrap(),
            header::IF_NONE_MATCH,
            header::IF_MATCH,
            // `no-cache` asks the dashboard for the latest figures after the user's change.
            header::CACHE_CONTROL,
        ])
        .expose_headers([
            header::CONTENT_DISPOSITION,
            header::LOCATION,
            header::RETRY_AFTER,
            header::ETAG,
        ])
        .max_age(Duration::from_secs(3600))
}

/// The whole application router with its middleware.
pub fn router(state: AppState) -> Router {
    // The API serves data, never pages: nothing in its responses may run or be cached.
    let api = data_only(
        access::with_authentication(api_routes().router, state.clone())
            .fallback(|| async { ApiError::not_found("route") }),
    );
    let root = Router::new()
        .nest("/api/v1", api)
        .merge(health::routes().router)
        .merge(metrics::routes().router);
    let root = match &state.ui_dir {
        Some(dir) => root.fallback_service(ui::service(dir)),
        None => root.fallback(|| async { ApiError::not_found("route") }),
    };
    browser_headers(root)
        .layer(axum::middleware::from_fn_with_state(
            state.http_metrics.clone(),
            crate::metrics::http::track,
        ))
        .layer(TraceLayer::new_for_http().make_span_with(|req: &Request| {
            // Spans are named by the route template, not the concrete path, so ids do
            // not explode the cardinality of traces and metrics.
            let route = req
                .extensions()
                .get::<MatchedPath>()
                .map(MatchedPath::as_str)
                .unwrap_or("unmatched");
            tracing::info_span!("http", method = %req.method(), route)
        }))
        .layer(cors(&state.cors_origins))
        .layer(request_timeout())
        .with_state(state)
}

/// Responses that carry data, never pages: nothing in them may run or be cached.
pub(crate) fn data_only<S: Clone + Send + Sync + 'static>(router: Router<S>) -> Router<S> {
    router
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static("default-src 'none'; frame-ancestors 'none'"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-store"),
        ))
}

/// What every response of a listener tells the browser: no type sniffing, no framing, no
/// referrer.
pub(crate) fn browser_headers<S: Clone + Send + Sync + 'static>(router: Router<S>) -> Router<S> {
    router
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_FRAME_OPTIONS,
            HeaderValue::from_static("DENY"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::REFERRER_POLICY,
            HeaderValue::from_static("no-referrer"),
        ))
}

/// The longest a request may take, uploads included.
pub(crate) fn request_timeout() -> tower_http::timeout::TimeoutLayer {
    tower_http::timeout::TimeoutLayer::with_status_code(
        axum::http::StatusCode::REQUEST_TIMEOUT,
        Duration::from_secs(600),
    )
}
