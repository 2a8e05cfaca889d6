//! The address of the Aduan server, checked once at sign-in and then kept by the core.
//!
//! Passwords, session tokens and complainants' identities travel to this address, so it
//! must be `https`, except on this computer itself (127.0.0.0/8, `::1`, `localhost`),
//! where nothing crosses a network. The web view never names it again after sign-in: every
//! later request goes to [`ServerUrl::api`], which keeps it on this server.

use std::net::IpAddr;

use url::{Host, Url};

/// Why an address was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UrlError {
    #[error("the server address is not valid: {0}")]
    Invalid(String),
    /// `http://` to another computer: everything would cross the network in clear text.
    #[error(
        "the server address must use https (plain http is only allowed for this computer): {0}"
    )]
    Insecure(String),
}

/// A server base URL that passed the policy: `https://…`, or `http://` on loopback.
/// No trailing slash; a path prefix (a gateway's `/aduan`) is kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerUrl(Url);

impl ServerUrl {
    /// Check `input` against the policy.
    pub fn parse(input: &str) -> Result<Self, UrlError> {
        let invalid = || UrlError::Invalid(input.to_string());
        let url = Url::parse(input.trim()).map_err(|_| invalid())?;
        if url.host().is_none()
            || !url.username().is_empty()
            || url.password().is_some()
            || url.query().is_some()
            || url.fragment().is_some()
        {
            return Err(invalid());
        }
        match url.scheme() {
            "https" => {}
            "http" if is_loopback(&url) => {}
            "http" => return Err(UrlError::Insecure(input.to_string())),
            _ => return Err(invalid()),
        }
        let mut url = url;
        let path = url.path().trim_end_matches('/').to_string();
        url.set_path(&path);
        Ok(Self(url))
    }

    /// The base URL as text, without a trailing slash.
    pub fn as_str(&self) -> &str {
        self.0.as_str().trim_end_matches('/')
    }

    /// `{base}/api/v1{path}` for a `path` the web view asked for (`/complaints?q=…`). It
    /// must start with `/` and the result must stay on this server's origin under its API,
    /// so no request path can lead the token anywhere else.
    pub fn api(&self, path: &str) -> Result<Url, UrlError> {
        let invalid = || UrlError::Invalid(path.to_string());
        if !path.starts_with('/') || path.starts_with("//") || path.contains('\\') {
            return Err(invalid());
        }
        let prefix = format!("{}/api/v1/", self.as_str());
        let url = Url::parse(&format!("{}/api/v1{path}", self.as_str())).map_err(|_| invalid())?;
        // `..` segments are resolved by the parser: a path that climbed out of the API is
        // refused rather than sent somewhere else on the host.
        if url.origin() != self.0.origin() || !url.as_str().starts_with(&prefix) {
            return Err(invalid());
        }
        Ok(url)
    }
}

impl std::fmt::Display for ServerUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// 127.0.0.0/8, `::1` (also as `::ffff:127.x.y.z`) and `localhost`.
fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
        Some(Host::Ipv6(ip)) => {
            ip.is_loopback() || ip.to_ipv4_mapped().is_some_and(|v4| v4.is_loopback())
        }
        None => false,
    }
}

#[cfg(test)]
mod tests;
