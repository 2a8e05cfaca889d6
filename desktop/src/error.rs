//! The one error type commands hand to the UI: `{code, message}`, like the server's errors,
//! so the front end can treat both the same way.

use serde::{Deserialize, Serialize};

/// An error as the UI sees it. `code` is stable and machine-readable; `message` is a
/// sentence for logs and fallbacks (the UI translates by `code`). When the server itself
/// refused the request, `status` is its HTTP status and `code`/`message`/`details` are the
/// server's own, so the UI describes it exactly as it would a reply it received directly.
#[derive(Debug, Clone, PartialEq, Serialize, thiserror::Error)]
#[error("{code}: {message}")]
pub struct CommandError {
    pub code: String,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub details: Option<serde_json::Value>,
}

impl CommandError {
    /// An error with the given code and message.
    pub fn new(code: &str, message: impl Into<String>) -> Self {
        Self {
            code: code.to_string(),
            message: message.into(),
            status: None,
            details: None,
        }
    }
}

impl From<crate::session::SessionError> for CommandError {
    fn from(e: crate::session::SessionError) -> Self {
        Self::new("keyring", e.to_string())
    }
}

/// The server's error body, `{code, message, details?}`.
#[derive(Deserialize)]
struct ServerError {
    code: String,
    message: String,
    details: Option<serde_json::Value>,
}

impl From<crate::client::ClientError> for CommandError {
    fn from(e: crate::client::ClientError) -> Self {
        use crate::client::ClientError;
        match &e {
            ClientError::Status { status, body } => {
                let parsed: Option<ServerError> = serde_json::from_str(body).ok();
                let (code, message, details) = match parsed {
                    Some(s) => (s.code, s.message, s.details),
                    None => (format!("http_{status}"), e.to_string(), None),
                };
                Self {
                    code,
                    message,
                    status: Some(*status),
                    details,
                }
            }
            ClientError::Unreachable(_) => Self::new("unreachable", e.to_string()),
            ClientError::InvalidUrl(_) => Self::new("invalid_url", e.to_string()),
            ClientError::File(_) => Self::new("file", e.to_string()),
        }
    }
}

impl From<crate::outbox::OutboxError> for CommandError {
    fn from(e: crate::outbox::OutboxError) -> Self {
        Self::new("outbox", e.to_string())
    }
}

impl From<crate::update::UpdateError> for CommandError {
    fn from(e: crate::update::UpdateError) -> Self {
        use crate::update::UpdateError as U;
        let code = match &e {
            U::NotConfigured => "update_not_configured",
            U::NothingOffered => "no_update",
            U::Refused(_) => "update_refused",
            U::Unreachable(_) => "unreachable",
            U::InvalidUrl(_) => "invalid_url",
            U::Install(_) => "update_install",
        };
        Self::new(code, e.to_string())
    }
}

impl From<crate::server_url::UrlError> for CommandError {
    fn from(e: crate::server_url::UrlError) -> Self {
        use crate::server_url::UrlError as U;
        let code = match &e {
            U::Insecure(_) => "insecure_server",
            U::Invalid(_) => "invalid_url",
        };
        Self::new(code, e.to_string())
    }
}

impl From<crate::signed_in::SignedInError> for CommandError {
    fn from(e: crate::signed_in::SignedInError) -> Self {
        use crate::signed_in::SignedInError as S;
        match &e {
            // As the server would answer a request without a session.
            S::NotSignedIn => Self {
                status: Some(401),
                ..Self::new("not_signed_in", e.to_string())
            },
            S::NoUser => Self::new("invalid_session", e.to_string()),
        }
    }
}

impl From<crate::files::FileError> for CommandError {
    fn from(e: crate::files::FileError) -> Self {
        use crate::files::FileError as F;
        let code = match &e {
            F::UnknownHandle => "unknown_file",
            F::NotAFile(_) => "not_a_file",
            F::Io(_) => "file",
        };
        Self::new(code, e.to_string())
    }
}

impl From<crate::managed::ManagedError> for CommandError {
    fn from(e: crate::managed::ManagedError) -> Self {
        Self::new("managed_config", e.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::client::ClientError;

    #[test]
    fn a_server_refusal_keeps_the_servers_code_and_fields() {
        let e = CommandError::from(ClientError::Status {
            status: 422,
            body: r#"{"code":"validation_failed","message":"bad","details":{"fields":{"description":"empty"}}}"#.into(),
        });
        assert_eq!(e.code, "validation_failed");
        assert_eq!(e.status, Some(422));
        assert_eq!(e.details.unwrap()["fields"]["description"], "empty");
    }

    #[test]
    fn a_proxy_page_becomes_an_http_code() {
        let e = CommandError::from(ClientError::Status {
            status: 502,
            body: "<html>Bad gateway</html>".into(),
        });
        assert_eq!((e.code.as_str(), e.status), ("http_502", Some(502)));
    }
}
