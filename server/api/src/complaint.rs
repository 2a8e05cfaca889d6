use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use ts_rs::TS;
use utoipa::ToSchema;
use uuid::Uuid;

/// How a complaint reached the agency.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum Channel {
    WalkIn,
    Phone,
    Email,
    Letter,
    Web,
    Other,
}

impl Channel {
    pub const ALL: [Channel; 6] = [
        Channel::WalkIn,
        Channel::Phone,
        Channel::Email,
        Channel::Letter,
        Channel::Web,
        Channel::Other,
    ];

    /// The wire and database spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::WalkIn => "walk_in",
            Channel::Phone => "phone",
            Channel::Email => "email",
            Channel::Letter => "letter",
            Channel::Web => "web",
            Channel::Other => "other",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == s)
    }
}

/// Processing status of a complaint's AI enrichment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum ComplaintStatus {
    Queued,
    Processing,
    Enriched,
    Failed,
}

impl ComplaintStatus {
    pub const ALL: [ComplaintStatus; 4] = [
        ComplaintStatus::Queued,
        ComplaintStatus::Processing,
        ComplaintStatus::Enriched,
        ComplaintStatus::Failed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ComplaintStatus::Queued => "queued",
            ComplaintStatus::Processing => "processing",
            ComplaintStatus::Enriched => "enriched",
            ComplaintStatus::Failed => "failed",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == s)
    }
}

/// Who complained. Absent for anonymous complaints.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema, TS)]
#[serde(deny_unknown_fields)]
#[ts(export)]
pub struct Complainant {
    /// At most 500 characters, no control characters.
    #[serde(default)]
    #[ts(optional)]
    #[schema(max_length = 500, pattern = r"^[^\u0000-\u001f\u007f-\u009f]*$")]
    pub name: Option<String>,
    /// MyKad or passport number. At most 500 characters, no control characters.
    #[serde(default)]
    #[ts(optional)]
    #[schema(max_length = 500, pattern = r"^[^\u0000-\u001f\u007f-\u009f]*$")]
    pub id_number: Option<String>,
    /// Digits, spaces and `+-()`.
    #[serde(default)]
    #[ts(optional)]
    #[schema(max_length = 500, pattern = r"^[0-9 +()-]*$")]
    pub phone: Option<String>,
    /// `user@host.domain`: something before the `@`, a dot after it.
    #[serde(default)]
    #[ts(optional)]
    #[schema(
        max_length = 500,
        pattern = r"^[^@\s\u0000-\u001f\u007f-\u009f]+@[^\s\u0000-\u001f\u007f-\u009f]*\.[^\s\u0000-\u001f\u007f-\u009f]*$"
    )]
    pub email: Option<String>,
    /// At most 500 characters; may span lines.
    #[serde(default)]
    #[ts(optional)]
    #[schema(max_length = 500, pattern = r"^[^\u0000]*$")]
    pub address: Option<String>,
}

/// A new complaint as entered at intake (`POST /api/v1/complaints`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema, TS)]
#[serde(deny_unknown_fields)]
#[ts(export)]
pub struct ComplaintInput {
    pub channel: Channel,
    /// Free text, Malay or English: 1–50,000 characters once trimmed, no NUL.
    #[schema(
        min_length = 1,
        max_length = 50_000,
        pattern = r"^[^\u0000]*[^\s\u0000][^\u0000]*$"
    )]
    pub description: String,
    /// `true` forbids naming the complainant (`complainant` absent or blank).
    #[serde(default)]
    #[ts(optional)]
    pub anonymous: Option<bool>,
    #[serde(default)]
    #[ts(optional)]
    pub complainant: Option<Complainant>,
    /// Not after tomorrow (UTC): the clerk's calendar may be a day ahead.
    #[serde(default)]
    #[ts(optional)]
    pub incident_date: Option<NaiveDate>,
    /// At most 500 characters, no control characters.
    #[serde(default)]
    #[ts(optional)]
    #[schema(max_length = 500, pattern = r"^[^\u0000-\u001f\u007f-\u009f]*$")]
    pub location: Option<String>,
    /// At most 500 characters, no control characters.
    #[serde(default)]
    #[ts(optional)]
    #[schema(max_length = 500, pattern = r"^[^\u0000-\u001f\u007f-\u009f]*$")]
    pub subject_agency: Option<String>,
}

/// The reply to an accepted submission (202, or 200 for an idempotent repeat).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema, TS)]
#[ts(export)]
pub struct ComplaintAccepted {
    pub id: Uuid,
    /// Human reference such as `ADU-2026-000123`.
    pub reference: String,
    pub status: ComplaintStatus,
    pub created_at: DateTime<Utc>,
}

/// A stored attachment's metadata.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema, TS)]
#[ts(export)]
pub struct AttachmentInfo {
    pub id: Uuid,
    pub complaint_id: Uuid,
    /// The original name, sanitised for display; never used as a path.
    pub filename: String,
    /// The type the client declared, if any.
    pub declared_type: Option<String>,
    /// The type detected from the content; this is what downloads are served as.
    pub content_type: String,
    #[ts(type = "number")]
    pub size_bytes: i64,
    pub sha256: String,
    pub created_at: DateTime<Utc>,
    /// On a copy with identifying metadata removed (a file from the reporter portal): the
    /// id of the original, kept as evidence and opened only with a reason (audited).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub original_id: Option<Uuid>,
    /// For a file from the reporter portal, what removing its metadata did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub cleaning: Option<crate::portal::Cleaning>,
    /// The reporter's message this file came with, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub message_id: Option<Uuid>,
}

/// One entry of a complaint's status timeline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema, TS)]
#[ts(export)]
pub struct StatusChange {
    pub status: ComplaintStatus,
    pub at: DateTime<Utc>,
    pub detail: Option<String>,
}

/// A complaint as listed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema, TS)]
#[ts(export)]
pub struct ComplaintSummary {
    pub id: Uuid,
    pub reference: String,
    pub channel: Channel,
    pub status: ComplaintStatus,
    pub needs_review: bool,
    /// The first few hundred characters of the description.
    pub excerpt: String,
    pub anonymous: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A complaint with everything an officer needs to read it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema, TS)]
#[ts(export)]
pub struct ComplaintDetail {
    pub id: Uuid,
    pub reference: String,
    pub channel: Channel,
    pub status: ComplaintStatus,
    pub needs_review: bool,
    pub description: String,
    pub anonymous: bool,
    /// Who complained, for those who need to know: the intake user who entered it, the
    /// officer assigned to its case, admins. `null` for others (see `complainant_withheld`).
    pub complainant: Option<Complainant>,
    /// True when the complaint names its complainant but this reader is not one who needs
    /// to know; `POST …/identity` with a reason reveals it (audited).
    pub complainant_withheld: bool,
    pub incident_date: Option<NaiveDate>,
    pub location: Option<String>,
    pub subject_agency: Option<String>,
    pub created_by: Option<Uuid>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub attachments: Vec<AttachmentInfo>,
    pub history: Vec<StatusChange>,
    /// The last processing error, when enrichment failed or is being retried.
    pub last_error: Option<String>,
    /// The AI enrichment, once there is one.
    pub enrichment: Option<EnrichmentRecord>,
    /// The case the complaint belongs to, if any. Always `null` for intake staff, who do
    /// not work cases.
    pub case: Option<crate::case::CaseRef>,
}

/// A stored enrichment: the machine result as produced, where it came from, and officer
/// corrections kept beside it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema, TS)]
#[ts(export)]
pub struct EnrichmentRecord {
    pub result: crate::enrichment::Enrichment,
    /// Provider, model, prompt version, schema hash, latency, tokens, calls, fallback reason.
    #[ts(type = "Record<string, unknown>")]
    #[schema(value_type = Object)]
    pub provenance: serde_json::Value,
    pub needs_review: bool,
    /// Officer corrections: the corrected fields only, winning over `result`.
    #[ts(type = "Record<string, unknown> | null")]
    #[schema(value_type = Option<Object>)]
    pub corrections: Option<serde_json::Value>,
    pub corrected_by: Option<Uuid>,
    pub corrected_at: Option<DateTime<Utc>>,
    pub updated_at: DateTime<Utc>,
    /// Moves on with every result and correction; a correction sends it as `If-Match`.
    #[ts(type = "number")]
    pub version: i64,
    /// The provider's raw reply(ies); shown to admins only.
    #[ts(type = "unknown")]
    #[schema(value_type = Option<Object>)]
    pub raw_reply: Option<serde_json::Value>,
}

/// `PATCH /api/v1/complaints/{id}/enrichment`: an officer's corrections. Only the fields
/// given are corrected; earlier corrections of other fields stay. The machine result is
/// never changed.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema, TS)]
#[serde(deny_unknown_fields)]
#[ts(export)]
pub struct EnrichmentCorrection {
    #[serde(default)]
    #[ts(optional)]
    pub summary: Option<String>,
    #[serde(default)]
    #[ts(optional)]
    pub five_w1h: Option<crate::enrichment::FiveW1H>,
    #[serde(default)]
    #[ts(optional)]
    pub classification: Option<crate::enrichment::Classification>,
    #[serde(default)]
    #[ts(optional)]
    pub sector: Option<crate::enrichment::SectorInfo>,
    #[serde(default)]
    #[ts(optional)]
    pub legal: Option<Vec<crate::enrichment::LegalRef>>,
    #[serde(default)]
    #[ts(optional)]
    pub amounts: Option<Vec<crate::enrichment::Amount>>,
    /// Why the officer corrected it (kept with the correction and in the audit log).
    #[serde(default)]
    #[ts(optional)]
    pub note: Option<String>,
}

/// `GET /api/v1/intake/limits`: what the server accepts in one submission, so clients state
/// the limits before an upload instead of learning them from a refusal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema, TS)]
#[ts(export)]
pub struct IntakeLimits {
    /// Largest single file, in bytes.
    #[ts(type = "number")]
    pub max_file_bytes: u64,
    /// Largest whole submission (description and every file), in bytes.
    #[ts(type = "number")]
    pub max_request_bytes: u64,
    /// Most files in one submission.
    pub max_files: u32,
}

/// `POST /api/v1/complaints/{id}/identity`: why the reader needs the complainant's
/// identity, recorded in the audit log with the reveal.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema, TS)]
#[serde(deny_unknown_fields)]
#[ts(export)]
pub struct IdentityReveal {
    /// 10–500 characters once trimmed, no NUL.
    #[schema(
        min_length = 10,
        max_length = 500,
        pattern = r"^[^\s\u0000]([^\u0000]*[^\s\u0000])?$"
    )]
    pub reason: String,
}
