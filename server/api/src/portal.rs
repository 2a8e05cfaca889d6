//! The reporter portal (`/public/v1` on the public listener) and the thread between a
//! reporter and the officers (`/api/v1/complaints/{id}/messages`).

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use ts_rs::TS;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::complaint::AttachmentInfo;

/// A proof-of-work challenge: find a decimal `nonce` such that SHA-256 of the UTF-8 text
/// `prefix + ":" + nonce` starts with at least `difficulty` zero bits. Single use; expires.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema, TS)]
#[ts(export)]
pub struct Challenge {
    pub id: Uuid,
    pub prefix: String,
    pub difficulty: u8,
    pub expires_at: DateTime<Utc>,
}

/// The answer to a [`Challenge`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema, TS)]
#[serde(deny_unknown_fields)]
#[ts(export)]
pub struct PowAnswer {
    pub id: Uuid,
    /// 1–20 decimal digits.
    pub nonce: String,
}

/// How a reporter may be reached, all optional (none when `anonymous`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema, TS)]
#[serde(deny_unknown_fields)]
#[ts(export)]
pub struct ReporterContact {
    pub name: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
}

/// The `report` part of `POST /public/v1/reports`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema, TS)]
#[serde(deny_unknown_fields)]
#[ts(export)]
pub struct ReportInput {
    pub description: String,
    #[serde(default)]
    pub anonymous: bool,
    #[serde(default)]
    pub contact: Option<ReporterContact>,
    #[serde(default)]
    pub incident_date: Option<NaiveDate>,
    #[serde(default)]
    pub location: Option<String>,
    #[serde(default)]
    pub subject_agency: Option<String>,
}

/// A report accepted: its reference and the receipt, shown once and never again.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema, TS)]
#[ts(export)]
pub struct ReportAccepted {
    pub reference: String,
    /// 16 digits: the only key to the report's thread. Stored only as a hash.
    pub receipt: String,
}

/// `POST /public/v1/session`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema, TS)]
#[serde(deny_unknown_fields)]
#[ts(export)]
pub struct ReceiptSignIn {
    /// The 16 digits; spaces and dashes are ignored.
    pub receipt: String,
}

/// A reporter's session.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema, TS)]
#[ts(export)]
pub struct ReporterSession {
    pub token: String,
    pub expires_at: DateTime<Utc>,
}

/// Where a report stands, in the reporter's words. Nothing of the case's internals.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum ReporterStatus {
    Received,
    UnderEvaluation,
    UnderInvestigation,
    Referred,
    Closed,
}

/// Who wrote a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum MessageAuthor {
    Reporter,
    Officer,
}

impl MessageAuthor {
    pub const fn as_str(self) -> &'static str {
        match self {
            MessageAuthor::Reporter => "reporter",
            MessageAuthor::Officer => "officer",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "reporter" => Some(MessageAuthor::Reporter),
            "officer" => Some(MessageAuthor::Officer),
            _ => None,
        }
    }
}

/// What removing identifying metadata from a reporter's file did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum Cleaning {
    /// Metadata was found and removed: this is the cleaned copy.
    Removed,
    /// A supported type, and nothing identifying was found in it.
    NoneFound,
    /// A type the server cannot clean (kept as sent).
    Unsupported,
    /// Too large to clean (kept as sent).
    TooLarge,
    /// A supported type that could not be parsed (kept as sent).
    Unreadable,
}

impl Cleaning {
    pub const fn as_str(self) -> &'static str {
        match self {
            Cleaning::Removed => "removed",
            Cleaning::NoneFound => "none_found",
            Cleaning::Unsupported => "unsupported",
            Cleaning::TooLarge => "too_large",
            Cleaning::Unreadable => "unreadable",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [
            Cleaning::Removed,
            Cleaning::NoneFound,
            Cleaning::Unsupported,
            Cleaning::TooLarge,
            Cleaning::Unreadable,
        ]
        .into_iter()
        .find(|c| c.as_str() == s)
    }
}

/// A file as the reporter sees it: their own upload, by name.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema, TS)]
#[ts(export)]
pub struct ReporterFile {
    pub filename: String,
    #[ts(type = "number")]
    pub size_bytes: i64,
    pub created_at: DateTime<Utc>,
    /// Whether identifying metadata was removed from the copy officers read.
    pub metadata_removed: bool,
}

/// One message as the reporter sees it: no officer's name.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema, TS)]
#[ts(export)]
pub struct ReporterMessage {
    pub id: Uuid,
    pub from: MessageAuthor,
    pub text: String,
    pub at: DateTime<Utc>,
    /// Names of the files sent with it (the reporter's own).
    pub files: Vec<String>,
}

/// `GET /public/v1/report`: everything the reporter may know.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema, TS)]
#[ts(export)]
pub struct ReporterView {
    pub reference: String,
    pub received_at: DateTime<Utc>,
    pub status: ReporterStatus,
    /// Oldest first.
    pub messages: Vec<ReporterMessage>,
    /// The reporter's own files, oldest first.
    pub files: Vec<ReporterFile>,
}

/// The body of a new message: `POST /api/v1/complaints/{id}/messages` (JSON) and the
/// `message` part of `POST /public/v1/report/messages`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema, TS)]
#[serde(deny_unknown_fields)]
#[ts(export)]
pub struct MessageInput {
    pub text: String,
}

/// One message of a complaint's thread as staff see it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema, TS)]
#[ts(export)]
pub struct ComplaintMessage {
    pub id: Uuid,
    pub complaint_id: Uuid,
    pub author: MessageAuthor,
    /// The officer's display name; none for the reporter.
    pub author_name: Option<String>,
    pub text: String,
    pub created_at: DateTime<Utc>,
    /// Files sent with it (cleaned copies for the reporter's).
    pub attachments: Vec<AttachmentInfo>,
}

/// `GET /api/v1/complaints/{id}/messages`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema, TS)]
#[ts(export)]
pub struct MessageThread {
    /// Whether the complaint came through the reporter portal (only those have a thread).
    pub portal: bool,
    /// Oldest first.
    pub messages: Vec<ComplaintMessage>,
    /// The reporter's status as the portal shows it to them.
    pub reporter_status: Option<ReporterStatus>,
}
