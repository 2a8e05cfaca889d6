//! Requests by route template, method and status, their latency, and requests in flight,
//! one set per listener (`aduan_http_*` for staff, `aduan_portal_*` for the reporter portal).
//! The series are created once from the route table, so recording looks a route up in a
//! read-only map and increments atomics; paths outside the table count as `unmatched`.
//! Streaming replies (event streams, downloads) are timed to their headers.

use std::collections::HashMap;
use std::fmt::Write;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering::Relaxed};
use std::sync::Arc;
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::Method;
use axum::middleware::Next;
use axum::response::Response;

use super::{header, Histogram, HTTP_BUCKETS};

const METHODS: [&str; 8] = [
    "GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "OTHER",
];
/// Statuses counted by their own label; any other counts as `other`.
const STATUSES: [u16; 24] = [
    200, 201, 202, 204, 206, 301, 302, 304, 400, 401, 403, 404, 405, 408, 409, 413, 415, 416, 422,
    429, 500, 502, 503, 504,
];
const UNMATCHED: &str = "unmatched";

fn method_index(m: &Method) -> usize {
    METHODS[..7]
        .iter()
        .position(|s| *s == m.as_str())
        .unwrap_or(7)
}

#[derive(Debug)]
struct Series {
    method: &'static str,
    route: &'static str,
    /// One per [`STATUSES`] entry, then `other`.
    statuses: [AtomicU64; STATUSES.len() + 1],
    latency: Histogram,
}

impl Series {
    fn new(method: &'static str, route: &'static str) -> Self {
        Series {
            method,
            route,
            statuses: std::array::from_fn(|_| AtomicU64::new(0)),
            latency: Histogram::new(HTTP_BUCKETS),
        }
    }
}

#[derive(Debug)]
pub struct HttpMetrics {
    /// The metric names' stem: `aduan_http`, `aduan_portal`.
    prefix: &'static str,
    /// Route template → series index per method.
    routes: HashMap<&'static str, [Option<usize>; METHODS.len()]>,
    series: Vec<Series>,
    in_flight: AtomicI64,
}

impl HttpMetrics {
    /// Series named `{prefix}_…` for every (method, path) of the table, and `unmatched` per
    /// method.
    pub fn new<'a>(
        prefix: &'static str,
        table: impl IntoIterator<Item = (&'a Method, &'static str)>,
    ) -> Arc<Self> {
        let mut series: Vec<Series> = METHODS.iter().map(|m| Series::new(m, UNMATCHED)).collect();
        let mut routes: HashMap<&'static str, [Option<usize>; METHODS.len()]> = HashMap::new();
        for (method, path) in table {
            let i = method_index(method);
            let slot = &mut routes.entry(path).or_default()[i];
            if slot.is_none() {
                *slot = Some(series.len());
                series.push(Series::new(METHODS[i], path));
            }
        }
        Arc::new(HttpMetrics {
            prefix,
            routes,
            series,
            in_flight: AtomicI64::new(0),
        })
    }

    fn index(&self, method: &Method, route: Option<&str>) -> usize {
        let m = method_index(method);
        route
            .and_then(|r| self.routes.get(r))
            .and_then(|slots| slots[m])
            .unwrap_or(m)
    }

    #[cfg(test)]
    fn series(&self, method: &Method, route: Option<&str>) -> &Series {
        &self.series[self.index(method, route)]
    }

    /// Requests served, latency and in flight.
    pub fn render(&self, out: &mut String) {
        let p = self.prefix;
        header(
            out,
            &format!("{p}_requests_total"),
            "counter",
            "HTTP requests by route template, method and status.",
        );
        for s in &self.series {
            for (i, count) in s.statuses.iter().enumerate() {
                let n = count.load(Relaxed);
                if n > 0 {
                    let status = STATUSES.get(i).map_or("other".to_string(), u16::to_string);
                    let _ = writeln!(
                        out,
                        "{p}_requests_total{{method=\"{}\",route=\"{}\",status=\"{status}\"}} {n}",
                        s.method, s.route
                    );
                }
            }
        }
        let duration = format!("{p}_request_duration_seconds");
        header(
            out,
            &duration,
            "histogram",
            "Time to the response headers, by route template and method.",
        );
        for s in self.series.iter().filter(|s| s.latency.count() > 0) {
            let labels = format!("method=\"{}\",route=\"{}\"", s.method, s.route);
            s.latency.render(out, &duration, &labels);
        }
        super::single(
            out,
            &format!("{p}_requests_in_flight"),
            "gauge",
            "HTTP requests being served.",
            self.in_flight.load(Relaxed),
        );
    }
}

/// Decrements the in-flight gauge even when the request is cancelled.
struct InFlight<'a>(&'a AtomicI64);

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Relaxed);
    }
}

/// Middleware: count and time every request under its route template.
pub async fn track(State(m): State<Arc<HttpMetrics>>, req: Request, next: Next) -> Response {
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(MatchedPath::as_str);
    let index = m.index(req.method(), route);
    m.in_flight.fetch_add(1, Relaxed);
    let _guard = InFlight(&m.in_flight);
    let started = Instant::now();
    let response = next.run(req).await;
    let series = &m.series[index];
    series.latency.observe(started.elapsed());
    let code = response.status().as_u16();
    let i = STATUSES
        .iter()
        .position(|s| *s == code)
        .unwrap_or(STATUSES.len());
    series.statuses[i].fetch_add(1, Relaxed);
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_and_unmatched_paths_get_their_series() {
        let m = HttpMetrics::new(
            "aduan_http",
            [(&Method::GET, "/a/{id}"), (&Method::POST, "/a/{id}")],
        );
        m.series(&Method::GET, Some("/a/{id}")).statuses[0].fetch_add(1, Relaxed);
        m.series(&Method::POST, Some("/nope")).statuses[24].fetch_add(1, Relaxed);
        let mut out = String::new();
        m.render(&mut out);
        assert!(
            out.contains(
                "aduan_http_requests_total{method=\"GET\",route=\"/a/{id}\",status=\"200\"} 1"
            ),
            "{out}"
        );
        assert!(out.contains(
            "aduan_http_requests_total{method=\"POST\",route=\"unmatched\",status=\"other\"} 1"
        ));
    }
}
