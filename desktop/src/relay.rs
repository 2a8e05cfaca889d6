//! The web view's requests to the server, made by the core.
//!
//! The web view may not connect to the network itself: the app's CSP allows `connect-src`
//! and `img-src` only to the app (`'self'`, `ipc:`, `blob:`/`data:` images it made). Tauri's
//! CSP is fixed at build time, and the server is chosen at sign-in, so it cannot name the
//! server; rather than allow every `http:`/`https:` origin (any host a script likes), all
//! server traffic goes through here, to the signed-in server only ([`ServerUrl::api`]),
//! with the token the web view never holds.
//!
//! A reply goes back as raw bytes (attachments are binary, and JSON in JSON would be
//! parsed twice): a 4-byte big-endian length, that many bytes of JSON `{status, etag,
//! retry_after, content_type}`, then the body as the server sent it.

use std::time::Duration;

use reqwest::header::{HeaderName, AUTHORIZATION, CONTENT_TYPE, ETAG, RETRY_AFTER};
use reqwest::Method;
use serde::Serialize;

use crate::client::{Client, ClientError};

/// Request headers the web view may set; anything else (`Authorization`, `Host`,
/// `Cookie` …) is the core's business, and so is `Content-Type` (a body is JSON).
const ALLOWED: [&str; 3] = ["accept", "if-match", "idempotency-key"];

/// What the web view learns of a reply besides its body.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Head {
    pub status: u16,
    pub etag: Option<String>,
    pub retry_after: Option<String>,
    pub content_type: Option<String>,
}

/// One request as the web view asks for it.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct Request {
    pub method: String,
    /// Under `/api/v1` of the signed-in server: `/complaints?q=…`.
    pub path: String,
    #[serde(default)]
    pub headers: Vec<(String, String)>,
    /// A JSON body, as text.
    pub body: Option<String>,
}

impl Client {
    /// Make `req` on the signed-in server. A reply of any status is returned as it came
    /// (the UI reads the server's `{code, message}` itself); only a request that is not
    /// allowed, or a server that cannot be reached, is an error.
    pub async fn relay(&self, req: &Request) -> Result<(Head, bytes::Bytes), ClientError> {
        let url = self
            .base
            .api(&req.path)
            .map_err(|e| ClientError::InvalidUrl(e.to_string()))?;
        let method = Method::from_bytes(req.method.as_bytes())
            .ok()
            .filter(|m| ["GET", "POST", "PUT", "PATCH", "DELETE"].contains(&m.as_str()))
            .ok_or_else(|| ClientError::InvalidUrl(format!("method {}", req.method)))?;
        let mut builder = self
            .http
            .request(method, url)
            .header(AUTHORIZATION, self.auth.clone())
            .timeout(Duration::from_secs(120));
        for (name, value) in &req.headers {
            let name = name.to_ascii_lowercase();
            if ALLOWED.contains(&name.as_str()) {
                builder = builder.header(
                    HeaderName::from_bytes(name.as_bytes())
                        .map_err(|_| ClientError::InvalidUrl(name.clone()))?,
                    value.as_str(),
                );
            }
        }
        if let Some(body) = &req.body {
            builder = builder
                .header(CONTENT_TYPE, "application/json")
                .body(body.clone());
        }
        let res = builder.send().await?;
        let header = |n| {
            res.headers()
                .get(n)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string)
        };
        let head = Head {
            status: res.status().as_u16(),
            etag: header(ETAG),
            retry_after: header(RETRY_AFTER),
            content_type: header(CONTENT_TYPE),
        };
        Ok((head, res.bytes().await?))
    }
}

/// The reply as the web view receives it (see the module's description).
pub fn frame(head: &Head, body: &[u8]) -> Vec<u8> {
    let json = serde_json::to_vec(head).expect("a head always encodes");
    let mut out = Vec::with_capacity(4 + json.len() + body.len());
    out.extend_from_slice(&(json.len() as u32).to_be_bytes());
    out.extend_from_slice(&json);
    out.extend_from_slice(body);
    out
}

#[cfg(test)]
mod tests;
