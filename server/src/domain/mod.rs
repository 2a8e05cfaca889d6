//! Validated domain types: input is parsed into these once, at the edge, and everything
//! behind the HTTP layer can rely on them.

pub mod complaint;
pub mod csv;
pub mod desktop;
pub mod filename;
pub mod time;

/// One field that failed validation, named as the client spelled it (`complainant.email`).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        FieldError {
            field: field.into(),
            message: message.into(),
        }
    }
}
