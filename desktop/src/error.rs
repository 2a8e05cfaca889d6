//! The one error type commands hand to the UI: `{code, message}`, like the server's errors,
//! so the front end can treat both the same way.

use serde::Serialize;

/// An error as the UI sees it. `code` is stable and machine-readable; `message` is a
/// sentence for logs and fallbacks (the UI translates by `code`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[error("{code}: {message}")]
pub struct CommandError {
    pub code: &'static str,
    pub message: String,
}

impl CommandError {
    /// An error with the given code and message.
    pub fn new(code: &'static str, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }
}

impl From<crate::session::SessionError> for CommandError {
    fn from(e: crate::session::SessionError) -> Self {
        Self::new("keyring", e.to_string())
    }
}

impl From<crate::client::ClientError> for CommandError {
    fn from(e: crate::client::ClientError) -> Self {
        let code = match &e {
            crate::client::ClientError::Unreachable(_) => "unreachable",
            crate::client::ClientError::Status { .. } => "server",
            crate::client::ClientError::InvalidUrl(_) => "invalid_url",
        };
        Self::new(code, e.to_string())
    }
}

impl From<crate::outbox::OutboxError> for CommandError {
    fn from(e: crate::outbox::OutboxError) -> Self {
        Self::new("outbox", e.to_string())
    }
}
