//! The portal's own page: one HTML file, a stylesheet, a script and the proof-of-work
//! worker, built into the binary. No third-party asset and no external fetch, so it works
//! through Tor and on a phone; a strict CSP allows nothing but these files and the API.

use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;

use crate::http::AppState;

const CSP: &str = "default-src 'none'; script-src 'self'; worker-src 'self'; \
                   style-src 'self'; img-src 'self'; connect-src 'self'; form-action 'none'; \
                   base-uri 'none'; frame-ancestors 'none'";

fn asset(body: &'static str, content_type: &'static str) -> Response {
    let mut r = body.into_response();
    let h = r.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    r
}

/// The page's files: path, content and type.
const ASSETS: [(&str, &str, &str); 4] = [
    (
        "/",
        include_str!("page/index.html"),
        "text/html; charset=utf-8",
    ),
    (
        "/portal.css",
        include_str!("page/portal.css"),
        "text/css; charset=utf-8",
    ),
    (
        "/portal.js",
        include_str!("page/portal.js"),
        "text/javascript; charset=utf-8",
    ),
    (
        "/pow-worker.js",
        include_str!("page/pow-worker.js"),
        "text/javascript; charset=utf-8",
    ),
];

/// The page's paths.
pub fn paths() -> impl Iterator<Item = &'static str> {
    ASSETS.iter().map(|a| a.0)
}

pub fn routes() -> Router<AppState> {
    ASSETS
        .iter()
        .fold(Router::new(), |router, &(path, body, content_type)| {
            router.route(path, get(move || async move { asset(body, content_type) }))
        })
}
