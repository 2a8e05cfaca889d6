use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use ts_rs::TS;
use utoipa::ToSchema;
use uuid::Uuid;

/// What a user may do. Every route names the roles it admits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum Role {
    /// Enters complaints; sees only the complaints they entered.
    Intake,
    /// Works complaints and cases.
    Officer,
    /// Users, processing controls, audit.
    Admin,
}

impl Role {
    pub const ALL: [Role; 3] = [Role::Intake, Role::Officer, Role::Admin];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Intake => "intake",
            Role::Officer => "officer",
            Role::Admin => "admin",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Self::ALL.into_iter().find(|r| r.as_str() == s)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema, TS)]
#[ts(export)]
pub struct User {
    pub id: Uuid,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub disabled: bool,
    pub created_at: DateTime<Utc>,
    /// Signs in with a code from an authenticator app after the password.
    pub totp_enabled: bool,
}

/// A user a case may be assigned to (`GET /api/v1/users/assignable`): an active officer
/// or admin. Officers may read this, unlike the full account list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema, TS)]
#[ts(export)]
pub struct AssignableUser {
    pub id: Uuid,
    pub display_name: String,
    pub username: String,
    pub role: Role,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, TS)]
#[ts(export)]
pub struct LoginRequest {
    pub username: String,
    pub password: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, TS)]
#[ts(export)]
pub struct LoginResponse {
    /// Send as `Authorization: Bearer <token>`.
    pub token: String,
    pub expires_at: DateTime<Utc>,
    pub user: User,
    /// When this sign-in completed the account's enrolment: its one-time recovery codes,
    /// shown once.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub recovery_codes: Option<Vec<String>>,
}

/// A single-use ticket for `GET /api/v1/events?ticket=…` (EventSource cannot send headers).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, TS)]
#[ts(export)]
pub struct EventTicket {
    pub ticket: String,
    pub expires_at: DateTime<Utc>,
}

/// `POST /api/v1/admin/users`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, TS)]
#[serde(deny_unknown_fields)]
#[ts(export)]
pub struct NewUser {
    #[schema(pattern = r"^[a-z0-9._-]{2,64}$")]
    pub username: String,
    /// 1–100 characters once trimmed, no control characters.
    #[schema(
        pattern = r"^[^\u0000-\u001f\u007f-\u009f]*[^\s\u0000-\u001f\u007f-\u009f][^\u0000-\u001f\u007f-\u009f]*$",
        max_length = 100
    )]
    pub display_name: String,
    pub role: Role,
    /// At least 10 characters and at most 1024 bytes.
    #[schema(min_length = 10, max_length = 256)]
    pub password: String,
}

/// `PATCH /api/v1/admin/users/{id}`: any non-empty subset.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema, TS)]
#[serde(deny_unknown_fields)]
#[ts(export)]
pub struct UserChange {
    #[serde(default)]
    #[ts(optional)]
    /// 1–100 characters once trimmed, no control characters.
    #[schema(
        pattern = r"^[^\u0000-\u001f\u007f-\u009f]*[^\s\u0000-\u001f\u007f-\u009f][^\u0000-\u001f\u007f-\u009f]*$",
        max_length = 100
    )]
    pub display_name: Option<String>,
    #[serde(default)]
    #[ts(optional)]
    pub role: Option<Role>,
    #[serde(default)]
    #[ts(optional)]
    pub disabled: Option<bool>,
    /// A new password (reset by an admin); ends the user's sessions. At least 10
    /// characters and at most 1024 bytes.
    #[serde(default)]
    #[ts(optional)]
    #[schema(min_length = 10, max_length = 256)]
    pub password: Option<String>,
}

/// One audit log entry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema, TS)]
#[ts(export)]
pub struct AuditEntry {
    #[ts(type = "number")]
    pub id: i64,
    pub at: DateTime<Utc>,
    pub actor_id: Option<Uuid>,
    pub actor_name: Option<String>,
    pub action: AuditAction,
    pub target_type: Option<String>,
    pub target_id: Option<String>,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    #[ts(type = "Record<string, unknown> | null")]
    #[schema(value_type = Option<Object>)]
    pub details: Option<serde_json::Value>,
    /// Position in the hash chain; `null` until sealed (within seconds).
    #[ts(type = "number | null")]
    pub seq: Option<i64>,
    pub hash: Option<String>,
}

/// What an audit entry records. Every write and every read of a person's data has one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema, TS)]
#[ts(export)]
pub enum AuditAction {
    #[serde(rename = "login.success")]
    LoginSuccess,
    #[serde(rename = "login.failure")]
    LoginFailure,
    #[serde(rename = "logout")]
    Logout,
    #[serde(rename = "user.create")]
    UserCreate,
    #[serde(rename = "user.update")]
    UserUpdate,
    #[serde(rename = "complaint.create")]
    ComplaintCreate,
    #[serde(rename = "complaint.view")]
    ComplaintView,
    /// A list or search of complaints: the query and the ids returned.
    #[serde(rename = "complaint.list")]
    ComplaintList,
    /// A related-complaint lookup: the complaint and the ids returned.
    #[serde(rename = "complaint.related")]
    ComplaintRelated,
    /// The complaint list exported as CSV: the filters and the number of rows.
    #[serde(rename = "complaint.export")]
    ComplaintExport,
    /// A dashboard table exported as CSV: the table, the range and the number of rows.
    #[serde(rename = "dashboard.export")]
    DashboardExport,
    /// A complainant's withheld identity revealed, with the reason given.
    #[serde(rename = "complainant.reveal")]
    ComplainantReveal,
    #[serde(rename = "complaint.reprocess")]
    ComplaintReprocess,
    #[serde(rename = "enrichment.correct")]
    EnrichmentCorrect,
    #[serde(rename = "attachment.add")]
    AttachmentAdd,
    #[serde(rename = "attachment.download")]
    AttachmentDownload,
    #[serde(rename = "attachment.preview")]
    AttachmentPreview,
    #[serde(rename = "processing.update")]
    ProcessingUpdate,
    #[serde(rename = "case.create")]
    CaseCreate,
    #[serde(rename = "case.view")]
    CaseView,
    /// A list or search of cases: the query and the ids returned.
    #[serde(rename = "case.list")]
    CaseList,
    #[serde(rename = "case.update")]
    CaseUpdate,
    #[serde(rename = "case.note")]
    CaseNote,
    #[serde(rename = "case.link")]
    CaseLink,
    #[serde(rename = "case.unlink")]
    CaseUnlink,
    #[serde(rename = "desktop.publish")]
    DesktopPublish,
    /// `aduan-server backup` wrote a backup (from the command line, no user).
    #[serde(rename = "backup.create")]
    BackupCreate,
    /// `aduan-server restore` loaded this installation from a backup.
    #[serde(rename = "backup.restore")]
    BackupRestore,
    /// Stored files that no record names (of submissions refused after their files were
    /// stored) were removed after their grace period.
    #[serde(rename = "storage.sweep")]
    StorageSweep,
    /// A user set up an authenticator app (two-factor sign-in).
    #[serde(rename = "totp.enrol")]
    TotpEnrol,
    /// An admin removed a user's authenticator app and recovery codes.
    #[serde(rename = "totp.reset")]
    TotpReset,
    /// An admin changed which roles must sign in with a second factor.
    #[serde(rename = "sign_in_policy.update")]
    SignInPolicyUpdate,
    /// An officer or admin wrote to the reporter of a portal complaint.
    #[serde(rename = "message.send")]
    MessageSend,
    /// A reporter wrote through the portal (no person or address is recorded).
    #[serde(rename = "message.receive")]
    MessageReceive,
    /// A thread was read by an officer or admin.
    #[serde(rename = "message.view")]
    MessageView,
    /// The original of a reporter's file (with its metadata) was opened, with the reason.
    #[serde(rename = "attachment.original")]
    AttachmentOriginal,
}

impl AuditAction {
    pub const ALL: [AuditAction; 36] = [
        AuditAction::LoginSuccess,
        AuditAction::LoginFailure,
        AuditAction::Logout,
        AuditAction::UserCreate,
        AuditAction::UserUpdate,
        AuditAction::ComplaintCreate,
        AuditAction::ComplaintView,
        AuditAction::ComplaintList,
        AuditAction::ComplaintRelated,
        AuditAction::ComplaintExport,
        AuditAction::DashboardExport,
        AuditAction::ComplainantReveal,
        AuditAction::ComplaintReprocess,
        AuditAction::EnrichmentCorrect,
        AuditAction::AttachmentAdd,
        AuditAction::AttachmentDownload,
        AuditAction::AttachmentPreview,
        AuditAction::ProcessingUpdate,
        AuditAction::CaseCreate,
        AuditAction::CaseView,
        AuditAction::CaseList,
        AuditAction::CaseUpdate,
        AuditAction::CaseNote,
        AuditAction::CaseLink,
        AuditAction::CaseUnlink,
        AuditAction::DesktopPublish,
        AuditAction::BackupCreate,
        AuditAction::BackupRestore,
        AuditAction::StorageSweep,
        AuditAction::TotpEnrol,
        AuditAction::TotpReset,
        AuditAction::SignInPolicyUpdate,
        AuditAction::MessageSend,
        AuditAction::MessageReceive,
        AuditAction::MessageView,
        AuditAction::AttachmentOriginal,
    ];

    pub const fn as_str(self) -> &'static str {
        match self {
            AuditAction::LoginSuccess => "login.success",
            AuditAction::LoginFailure => "login.failure",
            AuditAction::Logout => "logout",
            AuditAction::UserCreate => "user.create",
            AuditAction::UserUpdate => "user.update",
            AuditAction::ComplaintCreate => "complaint.create",
            AuditAction::ComplaintView => "complaint.view",
            AuditAction::ComplaintList => "complaint.list",
            AuditAction::ComplaintRelated => "complaint.related",
            AuditAction::ComplaintExport => "complaint.export",
            AuditAction::DashboardExport => "dashboard.export",
            AuditAction::ComplainantReveal => "complainant.reveal",
            AuditAction::ComplaintReprocess => "complaint.reprocess",
            AuditAction::EnrichmentCorrect => "enrichment.correct",
            AuditAction::AttachmentAdd => "attachment.add",
            AuditAction::AttachmentDownload => "attachment.download",
            AuditAction::AttachmentPreview => "attachment.preview",
            AuditAction::ProcessingUpdate => "processing.update",
            AuditAction::CaseCreate => "case.create",
            AuditAction::CaseView => "case.view",
            AuditAction::CaseList => "case.list",
            AuditAction::CaseUpdate => "case.update",
            AuditAction::CaseNote => "case.note",
            AuditAction::CaseLink => "case.link",
            AuditAction::CaseUnlink => "case.unlink",
            AuditAction::DesktopPublish => "desktop.publish",
            AuditAction::BackupCreate => "backup.create",
            AuditAction::BackupRestore => "backup.restore",
            AuditAction::StorageSweep => "storage.sweep",
            AuditAction::TotpEnrol => "totp.enrol",
            AuditAction::TotpReset => "totp.reset",
            AuditAction::SignInPolicyUpdate => "sign_in_policy.update",
            AuditAction::MessageSend => "message.send",
            AuditAction::MessageReceive => "message.receive",
            AuditAction::MessageView => "message.view",
            AuditAction::AttachmentOriginal => "attachment.original",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.as_str() == s)
    }
}

#[cfg(test)]
mod tests {
    use super::AuditAction;

    #[test]
    fn audit_action_names_match_serde() {
        for action in AuditAction::ALL {
            let json = serde_json::to_string(&action).unwrap();
            assert_eq!(json, format!("\"{}\"", action.as_str()));
            assert_eq!(AuditAction::parse(action.as_str()), Some(action));
        }
    }
}
