//! The one place errors become HTTP responses: `{code, message, details?}` with the status
//! of the API contract. A 5xx is logged here, inside the request's span, and never shows internals.

use aduan_api::error::ErrorBody;
use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};

use crate::domain::FieldError;

#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    pub details: Option<Value>,
    /// Seconds for `Retry-After` (429, 503).
    pub retry_after: Option<u64>,
    /// What went wrong inside, for the log only.
    internal: Option<String>,
}

pub type ApiResult<T> = Result<T, ApiError>;

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        ApiError {
            status,
            code,
            message: message.into(),
            details: None,
            retry_after: None,
            internal: None,
        }
    }

    pub fn with_details(mut self, details: Value) -> Self {
        self.details = Some(details);
        self
    }

    pub fn bad_request(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, message)
    }

    pub fn not_found(what: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "not_found",
            format!("{what} not found"),
        )
    }

    pub fn too_large(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::PAYLOAD_TOO_LARGE, code, message)
    }

    /// 422 naming every invalid field: `details.fields.<name> = message`.
    pub fn validation(errors: &[FieldError]) -> Self {
        let mut fields = serde_json::Map::new();
        for e in errors {
            let merged = match fields.get(&e.field).and_then(Value::as_str) {
                Some(prev) => format!("{prev}; {}", e.message),
                None => e.message.clone(),
            };
            fields.insert(e.field.clone(), Value::String(merged));
        }
        let summary = errors
            .iter()
            .map(|e| format!("{} {}", e.field, e.message))
            .collect::<Vec<_>>()
            .join("; ");
        Self::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
            format!("The complaint is not valid: {summary}."),
        )
        .with_details(json!({ "fields": fields }))
    }

    /// 422 naming every invalid field, for requests other than a complaint.
    pub fn invalid_request(errors: &[FieldError]) -> Self {
        let mut e = Self::validation(errors);
        let summary: Vec<String> = errors
            .iter()
            .map(|e| format!("{} {}", e.field, e.message))
            .collect();
        e.message = format!("The request is not valid: {}.", summary.join("; "));
        e
    }

    pub fn database_unavailable() -> Self {
        let mut e = Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "database_unavailable",
            "The database is not reachable right now. Nothing was saved; please try again shortly.",
        );
        e.retry_after = Some(5);
        e
    }

    /// A 500 with a generic message; `cause` goes to the log only.
    pub fn internal(cause: impl std::fmt::Display) -> Self {
        let mut e = Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal_error",
            "Something went wrong on the server. The error has been logged.",
        );
        e.internal = Some(cause.to_string());
        e
    }

    /// A database error as the client sees it: 503 when the database is down, 400 when
    /// the input holds what PostgreSQL cannot store as text (a NUL), else 500.
    pub fn from_db(err: &sqlx::Error) -> Self {
        if is_unavailable(err) {
            let mut e = ApiError::database_unavailable();
            e.internal = Some(err.to_string());
            return e;
        }
        if is_unstorable_text(err) {
            return ApiError::bad_request(
                "invalid_characters",
                "The request holds characters that cannot be stored, such as NUL.",
            );
        }
        ApiError::internal(err)
    }
}

impl From<sqlx::Error> for ApiError {
    fn from(err: sqlx::Error) -> Self {
        ApiError::from_db(&err)
    }
}

pub use crate::db::is_unavailable;

/// PostgreSQL refused a value the client sent: a NUL in text (22021) or in JSON (22P05).
/// Input fields are checked for it where they are parsed; this catches the rest, so such
/// input is a 400 wherever it arrives.
fn is_unstorable_text(err: &sqlx::Error) -> bool {
    matches!(err, sqlx::Error::Database(db) if matches!(db.code().as_deref(), Some("22021" | "22P05")))
}

impl From<crate::service::Error> for ApiError {
    fn from(err: crate::service::Error) -> Self {
        use crate::service::Error;
        match err {
            Error::NotFound(what) => ApiError::not_found(what),
            Error::Invalid(fields) => ApiError::invalid_request(&fields),
            Error::Conflict {
                code,
                message,
                details,
            } => {
                let e = ApiError::new(StatusCode::CONFLICT, code, message);
                match details {
                    Some(d) => e.with_details(d),
                    None => e,
                }
            }
            Error::Stale {
                what,
                current,
                sent,
            } => ApiError::new(
                StatusCode::PRECONDITION_FAILED,
                "version_conflict",
                format!(
                    "The {what} was changed by someone else (now version {current}, you sent \
                     {sent}). Reload it and try again."
                ),
            )
            .with_details(json!({ "current_version": current })),
            Error::Refused { code, message } => {
                ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, code, message)
            }
            Error::Database(e) => ApiError::from_db(&e),
            Error::Batch(e) => ApiError::from_db(&e),
        }
    }
}

impl From<crate::analytics::DashboardError> for ApiError {
    fn from(err: crate::analytics::DashboardError) -> Self {
        match err {
            crate::analytics::DashboardError::Database(e) => ApiError::from_db(&e),
            crate::analytics::DashboardError::RecentFailure => ApiError::database_unavailable(),
        }
    }
}

impl From<PathRejection> for ApiError {
    fn from(rejection: PathRejection) -> Self {
        ApiError::bad_request("invalid_path", rejection.body_text())
    }
}

impl From<QueryRejection> for ApiError {
    fn from(rejection: QueryRejection) -> Self {
        ApiError::bad_request("invalid_query", rejection.body_text())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        if self.status.is_server_error() {
            tracing::error!(
                code = self.code,
                internal = self.internal.as_deref().unwrap_or(""),
                "request failed"
            );
        } else {
            tracing::debug!(code = self.code, message = %self.message, "request refused");
        }
        let body = ErrorBody {
            code: self.code.to_string(),
            message: self.message,
            details: self.details,
        };
        let mut response = (self.status, axum::Json(body)).into_response();
        if let Some(secs) = self.retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        response
    }
}
