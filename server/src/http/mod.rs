//! The HTTP API: one module per resource, each with its own `router()`.

pub mod attachments;
pub mod complaints;
pub mod error;
pub mod events;
pub mod health;
pub mod intake;
pub mod openapi;
pub mod processing;

use std::sync::Arc;
use std::time::Duration;

use axum::extract::{MatchedPath, Request};
use axum::http::{header, HeaderValue};
use axum::Router;
use sqlx::PgPool;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;

use crate::storage::BlobStore;

pub use error::{ApiError, ApiResult};

/// Upload limits, enforced while streaming.
#[derive(Debug, Clone, Copy)]
pub struct UploadLimits {
    pub max_file_bytes: u64,
    pub max_request_bytes: u64,
    pub max_files: usize,
}

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

/// The whole application router with its middleware.
pub fn router(state: AppState) -> Router {
    let api = Router::new()
        .merge(complaints::router())
        .merge(attachments::router())
        .merge(events::router())
        .merge(processing::router())
        .merge(openapi::router());
    Router::new()
        .nest("/api/v1", api)
        .merge(health::router())
        .fallback(|| async { ApiError::not_found("route") })
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
        .layer(tower_http::timeout::TimeoutLayer::with_status_code(
            axum::http::StatusCode::REQUEST_TIMEOUT,
            Duration::from_secs(600),
        ))
        .with_state(state)
}
