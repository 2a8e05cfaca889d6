//! `GET /metrics`: Prometheus text. A scraper needs no account: the figures are counts,
//! durations and queue depths only, no complaint, person or user data. Still, they are not
//! for anyone on the network: with `--metrics-token` a scrape must bring that bearer token,
//! and without one the figures are served only when the server listens on loopback (where
//! the reverse proxy decides who reaches them).

use std::fmt::Write;

use axum::extract::State;
use axum::http::{header, HeaderValue, Method};
use axum::response::IntoResponse;
use axum::routing::get;

use super::access::{Access, Routes};
use super::{ApiError, AppState};
use crate::metrics::{header as help, single};

pub fn routes() -> Routes {
    Routes::default().add(Method::GET, "/metrics", Access::Public, get(metrics))
}

/// HTTP traffic, the queue (all instances), this instance's worker pool and provider calls,
/// and the dashboard cache.
#[utoipa::path(get, path = "/metrics", tag = "health",
    responses((status = 200, content_type = "text/plain", description = "Prometheus text format"),
        (status = 401, body = aduan_api::error::ErrorBody, description = "a token is configured and was not sent"),
        (status = 403, body = aduan_api::error::ErrorBody, description = "no token is configured and the server listens beyond loopback")))]
pub async fn metrics(
    State(state): State<AppState>,
    headers: axum::http::HeaderMap,
) -> Result<impl IntoResponse, ApiError> {
    scrape_allowed(&state, &headers)?;
    let mut out = String::with_capacity(16 * 1024);
    state.http_metrics.render(&mut out);
    // Empty (in flight 0, no counts) when the portal does not listen.
    state.portal_metrics.render(&mut out);
    pool(&state, &mut out);
    // The queue figures come from the database; without it they are left out.
    let status = super::processing::read_status(&state).await.ok();
    single(
        &mut out,
        "aduan_database_up",
        "gauge",
        "1 when the database answered this scrape.",
        u8::from(status.is_some()),
    );
    if let Some(s) = status {
        help(
            &mut out,
            "aduan_queue_jobs",
            "gauge",
            "Enrichment jobs by state, all instances.",
        );
        for (state, n) in [
            ("queued", s.queue.queued),
            ("running", s.queue.running),
            ("retrying", s.queue.retrying),
        ] {
            let _ = writeln!(out, "aduan_queue_jobs{{state=\"{state}\"}} {n}");
        }
        single(
            &mut out,
            "aduan_complaints_failed",
            "gauge",
            "Complaints whose enrichment failed for good, awaiting a reprocess.",
            s.queue.failed,
        );
        single(
            &mut out,
            "aduan_queue_oldest_due_age_seconds",
            "gauge",
            "How long the oldest due job has waited.",
            s.queue.oldest_queued_age_s,
        );
        single(
            &mut out,
            "aduan_workers_bound",
            "gauge",
            "Bound on concurrent enrichments, all instances together.",
            s.workers.limit,
        );
        single(
            &mut out,
            "aduan_workers_paused",
            "gauge",
            "1 while enrichment is paused.",
            u8::from(s.workers.paused),
        );
        single(
            &mut out,
            "aduan_enrichment_eta_seconds",
            "gauge",
            "Expected wait until a complaint submitted now is enriched.",
            s.eta_s_for_new_complaint,
        );
    }
    let stats = state.analytics.stats();
    use std::sync::atomic::Ordering::Relaxed;
    single(
        &mut out,
        "aduan_dashboard_cache_hits_total",
        "counter",
        "Dashboard replies served from the cache.",
        stats.hits.load(Relaxed),
    );
    single(
        &mut out,
        "aduan_dashboard_cache_stale_hits_total",
        "counter",
        "Dashboard replies served behind a change, within the staleness bound.",
        stats.stale_hits.load(Relaxed),
    );
    single(
        &mut out,
        "aduan_dashboard_computes_total",
        "counter",
        "Dashboard computations (cache misses after a change).",
        stats.computes.load(Relaxed),
    );
    single(
        &mut out,
        "aduan_dashboard_compute_failures_total",
        "counter",
        "Dashboard computations that failed.",
        stats.failures.load(Relaxed),
    );
    Ok((
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
        )],
        out,
    ))
}

/// A scrape is allowed with the configured token, or, without one, on a loopback listener.
fn scrape_allowed(state: &AppState, headers: &axum::http::HeaderMap) -> Result<(), ApiError> {
    use secrecy::ExposeSecret;
    let Some(token) = &state.metrics_token else {
        if state.listens_on_loopback {
            return Ok(());
        }
        return Err(ApiError::new(
            axum::http::StatusCode::FORBIDDEN,
            "metrics_need_token",
            "This server listens beyond loopback: set ADUAN_METRICS_TOKEN and scrape with it.",
        ));
    };
    let sent = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or("");
    let expected = token.expose_secret().as_bytes();
    // Compared in constant time: the token guards every scrape.
    let same = sent.len() == expected.len()
        && sent
            .bytes()
            .zip(expected)
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0;
    if same {
        Ok(())
    } else {
        Err(ApiError::new(
            axum::http::StatusCode::UNAUTHORIZED,
            "unauthorized",
            "Scrape /metrics with Authorization: Bearer <ADUAN_METRICS_TOKEN>.",
        ))
    }
}

/// This instance's pool and provider calls, from memory.
fn pool(state: &AppState, out: &mut String) {
    let p = state.queue.snapshot();
    single(
        out,
        "aduan_workers_in_flight",
        "gauge",
        "Enrichments this instance is running.",
        p.in_flight,
    );
    single(
        out,
        "aduan_workers_adaptive_limit",
        "gauge",
        "This instance's adaptive limit (AIMD on 429s and timeouts).",
        p.adaptive_limit,
    );
    single(
        out,
        "aduan_enrichments_completed_total",
        "counter",
        "Provider calls that produced a result.",
        p.succeeded_total,
    );
    single(
        out,
        "aduan_enrichment_failures_total",
        "counter",
        "Complaints whose attempts ran out.",
        p.failed_total,
    );
    single(
        out,
        "aduan_enrichment_retries_total",
        "counter",
        "Calls retried after an error (with backoff).",
        p.retries_total,
    );
    single(
        out,
        "aduan_provider_rate_limited_total",
        "counter",
        "429 answers from the provider.",
        p.rate_limited_total,
    );
    single(
        out,
        "aduan_provider_timeouts_total",
        "counter",
        "Provider calls that timed out.",
        p.timeouts_total,
    );
    let name = "aduan_provider_request_duration_seconds";
    help(
        out,
        name,
        "histogram",
        "Duration of provider calls by outcome.",
    );
    let provider = state.queue.provider().as_str();
    for (outcome, histogram) in state.queue.call_latency() {
        let labels = format!("provider=\"{provider}\",outcome=\"{outcome}\"");
        histogram.render(out, name, &labels);
    }
}
