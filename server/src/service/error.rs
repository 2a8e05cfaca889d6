//! What a domain operation can refuse. `http::error` turns each into its status and body.

use serde_json::Value;

use crate::domain::FieldError;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The thing named does not exist (or the caller may not know it does).
    #[error("{0} not found")]
    NotFound(&'static str),
    /// Input that breaks a rule, naming each field.
    #[error("invalid input: {0:?}")]
    Invalid(Vec<FieldError>),
    /// The change does not fit the current state (409).
    #[error("{message}")]
    Conflict {
        code: &'static str,
        message: String,
        details: Option<Value>,
    },
    /// The caller last saw an older version than the current one (412).
    #[error("{what} is at version {current}, not {sent}")]
    Stale {
        what: &'static str,
        current: i64,
        sent: i64,
    },
    /// Input the rules refuse as a whole, not field by field (422).
    #[error("{message}")]
    Refused {
        code: &'static str,
        message: &'static str,
    },
    #[error(transparent)]
    Database(#[from] sqlx::Error),
    /// A batch written together failed: every submission in it gets the same error.
    #[error(transparent)]
    Batch(std::sync::Arc<sqlx::Error>),
}

pub type Result<T> = std::result::Result<T, Error>;

impl Error {
    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        Error::Invalid(vec![FieldError::new(field, message)])
    }

    pub fn conflict(code: &'static str, message: impl Into<String>) -> Self {
        Error::Conflict {
            code,
            message: message.into(),
            details: None,
        }
    }

    pub fn with_details(self, details: Value) -> Self {
        match self {
            Error::Conflict { code, message, .. } => Error::Conflict {
                code,
                message,
                details: Some(details),
            },
            other => other,
        }
    }
}
