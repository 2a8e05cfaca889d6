//! The built web UI (`ui/dist`) served at `/` for browser access, with the single-page
//! app's `index.html` for every path that is not a file.

use std::path::Path;

use axum::http::{header, HeaderValue};
use tower::Layer;
use tower_http::services::{ServeDir, ServeFile};
use tower_http::set_header::{SetResponseHeader, SetResponseHeaderLayer};

/// What the UI's pages may do: load their own scripts and styles, talk to this server,
/// show blob/data images (attachment previews) and embed blob PDFs; nothing else.
const UI_CSP: &str =
    "default-src 'self'; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; \
                      connect-src 'self'; frame-src 'self' blob:; object-src 'none'; \
                      base-uri 'none'; frame-ancestors 'none'";

pub fn service(dir: &Path) -> SetResponseHeader<ServeDir<ServeFile>, HeaderValue> {
    let files = ServeDir::new(dir).fallback(ServeFile::new(dir.join("index.html")));
    SetResponseHeaderLayer::if_not_present(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(UI_CSP),
    )
    .layer(files)
}

/// `--ui-dir`, or `./ui/dist` when it holds a build.
pub fn locate(configured: Option<&Path>) -> Option<std::path::PathBuf> {
    match configured {
        Some(dir) => Some(dir.to_path_buf()),
        None => {
            let default = Path::new("ui/dist");
            default
                .join("index.html")
                .is_file()
                .then(|| default.to_path_buf())
        }
    }
}
