//! `GET /api/v1/analytics/dashboard`: counts for officers' charts, served from a cache that
//! complaint changes invalidate, with entity tags so polling clients mostly get a 304.
//! Not audited: it shows aggregate counts only, and an audit row per poll would cost more
//! than the reply.

use aduan_api::analytics::{
    Dashboard, DashboardQuery, DateRange, DEFAULT_RANGE_DAYS, MAX_RANGE_DAYS,
};
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use super::access::{Routes, OFFICERS};
use super::{ApiError, ApiResult, AppState};
use crate::analytics::Freshness;
use crate::domain::FieldError;

pub fn routes() -> Routes {
    Routes::default().add(
        Method::GET,
        "/analytics/dashboard",
        OFFICERS,
        get(dashboard),
    )
}

/// Counts by status, category, sector, Act, channel and state, and a per-day series, for
/// the complaints received in the range (Malaysian days). Send the last `ETag` back in
/// `If-None-Match` to get 304 while nothing changed. Up to a second behind the latest
/// change (`as_of` says how far) unless the request has `Cache-Control: no-cache`.
#[utoipa::path(get, path = "/api/v1/analytics/dashboard", tag = "analytics",
    params(DashboardQuery),
    responses((status = 200, body = Dashboard), (status = 304, description = "Not modified"),
        (status = 400, body = aduan_api::error::ErrorBody),
        (status = 422, body = aduan_api::error::ErrorBody)))]
pub async fn dashboard(
    State(state): State<AppState>,
    headers: HeaderMap,
    query: Result<Query<DashboardQuery>, QueryRejection>,
) -> ApiResult<Response> {
    let Query(q) = query?;
    let range = resolve(q, crate::domain::time::today())?;
    // `no-cache` (or `max-age=0`): the reader's own change must show.
    let latest = headers
        .get_all(header::CACHE_CONTROL)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|d| matches!(d.trim(), "no-cache" | "max-age=0"));
    let freshness = if latest {
        Freshness::Latest
    } else {
        Freshness::Within(crate::analytics::STALENESS)
    };
    let snapshot = state.analytics.dashboard(range, freshness).await?;
    // Weak: the figures are the same, not necessarily the bytes (`generated_at`).
    let etag =
        HeaderValue::from_str(&format!("W/\"{}\"", snapshot.etag)).map_err(ApiError::internal)?;
    // Counts only, nothing personal: a private cache may keep it if it asks every time.
    let cache = HeaderValue::from_static("private, no-cache");
    if headers
        .get(header::IF_NONE_MATCH)
        .is_some_and(|v| matches(v.as_bytes(), &snapshot.etag))
    {
        let headers = [(header::ETAG, etag), (header::CACHE_CONTROL, cache)];
        return Ok((StatusCode::NOT_MODIFIED, headers).into_response());
    }
    let headers = [
        (
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        ),
        (header::ETAG, etag),
        (header::CACHE_CONTROL, cache),
    ];
    Ok((headers, snapshot.body.clone()).into_response())
}

/// The range asked for, or the last 30 days up to `to` (default today).
pub(super) fn resolve(q: DashboardQuery, today: chrono::NaiveDate) -> ApiResult<DateRange> {
    let to = q.to.unwrap_or(today);
    let from = q
        .from
        .unwrap_or(to - chrono::Duration::days(DEFAULT_RANGE_DAYS - 1));
    let mut errors = Vec::new();
    if from > to {
        errors.push(FieldError::new("from", "must not be after `to`"));
    } else if (to - from).num_days() >= MAX_RANGE_DAYS {
        errors.push(FieldError::new(
            "from",
            format!("the range may cover at most {MAX_RANGE_DAYS} days"),
        ));
    }
    if errors.is_empty() {
        Ok(DateRange { from, to })
    } else {
        Err(ApiError::invalid_request(&errors))
    }
}

/// Weak comparison of `If-None-Match` (a list of tags, or `*`) with our tag.
fn matches(if_none_match: &[u8], tag: &str) -> bool {
    let Ok(value) = std::str::from_utf8(if_none_match) else {
        return false;
    };
    value
        .split(',')
        .map(str::trim)
        .any(|t| t == "*" || t.strip_prefix("W/").unwrap_or(t).trim_matches('"') == tag)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> chrono::NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn default_range_is_thirty_days_up_to_today() {
        let r = resolve(DashboardQuery::default(), d("2026-11-29")).unwrap();
        assert_eq!((r.from, r.to), (d("2026-10-31"), d("2026-11-29")));
        let q = DashboardQuery {
            from: None,
            to: Some(d("2026-01-30")),
        };
        assert_eq!(resolve(q, d("2026-11-29")).unwrap().from, d("2026-01-01"));
    }

    #[test]
    fn reversed_or_overlong_ranges_are_refused() {
        let q = |from: &str, to: &str| DashboardQuery {
            from: Some(d(from)),
            to: Some(d(to)),
        };
        let today = d("2026-11-29");
        assert!(resolve(q("2026-02-01", "2026-01-01"), today).is_err());
        assert!(resolve(q("2024-12-31", "2026-01-01"), today).is_err());
        assert!(resolve(q("2025-01-01", "2026-01-01"), today).is_ok());
        assert!(resolve(q("2025-01-02", "2026-01-01"), today).is_ok());
    }

    #[test]
    fn entity_tags_compare_weakly() {
        assert!(matches(b"W/\"abc\"", "abc"));
        assert!(matches(b"\"x\", \"abc\"", "abc"));
        assert!(matches(b"*", "abc"));
        assert!(!matches(b"W/\"abd\"", "abc"));
    }
}
