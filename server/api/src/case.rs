//! Cases: the unit of investigative work. A case groups one or more complaints, moves
//! through the triage workflow (evaluation → investigation | referred | nfa → closed) and
//! keeps an append-only timeline of who changed what and when.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer, Serialize};
use ts_rs::TS;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::complaint::ComplaintSummary;

/// Where a case stands in the triage workflow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum CaseStatus {
    /// Being assessed by the evaluation committee (every case starts here).
    Evaluation,
    /// An investigation was opened.
    Investigation,
    /// Referred to another agency (police, Public Complaints Bureau, an integrity unit).
    Referred,
    /// No further action.
    Nfa,
    /// Finished; nothing about the case changes any more except notes.
    Closed,
}

impl CaseStatus {
    pub const ALL: [CaseStatus; 5] = [
        CaseStatus::Evaluation,
        CaseStatus::Investigation,
        CaseStatus::Referred,
        CaseStatus::Nfa,
        CaseStatus::Closed,
    ];

    /// The wire and database spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            CaseStatus::Evaluation => "evaluation",
            CaseStatus::Investigation => "investigation",
            CaseStatus::Referred => "referred",
            CaseStatus::Nfa => "nfa",
            CaseStatus::Closed => "closed",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == s)
    }

    /// The statuses a case may move to from this one. An investigation may still end in
    /// a referral or NFA; referred and NFA cases can only be closed; closed is final.
    pub fn next(self) -> &'static [CaseStatus] {
        use CaseStatus::*;
        match self {
            Evaluation => &[Investigation, Referred, Nfa],
            Investigation => &[Referred, Nfa, Closed],
            Referred | Nfa => &[Closed],
            Closed => &[],
        }
    }

    pub fn may_move_to(self, to: CaseStatus) -> bool {
        self.next().contains(&to)
    }

    /// Decisions that end or hand off the agency's work must say why.
    pub fn needs_reason(self) -> bool {
        matches!(
            self,
            CaseStatus::Referred | CaseStatus::Nfa | CaseStatus::Closed
        )
    }
}

/// How urgently a case should be worked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum CasePriority {
    Low,
    Normal,
    High,
    Urgent,
}

impl CasePriority {
    pub const ALL: [CasePriority; 4] = [
        CasePriority::Low,
        CasePriority::Normal,
        CasePriority::High,
        CasePriority::Urgent,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            CasePriority::Low => "low",
            CasePriority::Normal => "normal",
            CasePriority::High => "high",
            CasePriority::Urgent => "urgent",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == s)
    }
}

/// A user as shown beside a case: assignee, author of a note or of a change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema, TS)]
#[ts(export)]
pub struct UserRef {
    pub id: Uuid,
    /// The display name.
    pub name: String,
}

/// `POST /api/v1/cases`: open a case from one or more complaints.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema, TS)]
#[serde(deny_unknown_fields)]
#[ts(export)]
pub struct NewCase {
    /// 1–200 characters once trimmed, no NUL.
    #[schema(max_length = 200, pattern = r"^[^\u0000]*[^\s\u0000][^\u0000]*$")]
    pub title: String,
    /// 1–100 existing complaints; none may already belong to another case.
    #[schema(min_items = 1, max_items = 100)]
    pub complaint_ids: Vec<Uuid>,
    /// An active officer or admin.
    #[serde(default)]
    #[ts(optional)]
    pub assignee_id: Option<Uuid>,
    /// `normal` when left out.
    #[serde(default)]
    #[ts(optional)]
    pub priority: Option<CasePriority>,
}

/// `PATCH /api/v1/cases/{id}` (with `If-Match: "<version>"`): only the fields given change;
/// at least one must be given.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema, TS)]
#[serde(deny_unknown_fields)]
#[ts(export)]
pub struct CaseChange {
    /// 1–200 characters once trimmed, no NUL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    #[schema(max_length = 200, pattern = r"^[^\u0000]*[^\s\u0000][^\u0000]*$")]
    pub title: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub status: Option<CaseStatus>,
    /// Why the status changes; required for `referred`, `nfa` and `closed`, refused
    /// without a change of status. At most 2,000 characters once trimmed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    #[schema(max_length = 2000, pattern = r"^[^\u0000]*[^\s\u0000][^\u0000]*$")]
    pub reason: Option<String>,
    /// A user id to assign, `null` to unassign; leave out to keep the assignee.
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    #[ts(optional, type = "string | null")]
    #[schema(value_type = Option<Uuid>, nullable)]
    pub assignee_id: Option<Option<Uuid>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub priority: Option<CasePriority>,
}

/// A field that is present (even as `null`) becomes `Some(..)`, so `null` can mean "clear".
fn present<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    d: D,
) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(d).map(Some)
}

/// `POST /api/v1/cases/{id}/notes` (with `If-Match`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema, TS)]
#[serde(deny_unknown_fields)]
#[ts(export)]
pub struct NewCaseNote {
    /// 1–20,000 characters once trimmed, no NUL.
    #[schema(max_length = 20_000, pattern = r"^[^\u0000]*[^\s\u0000][^\u0000]*$")]
    pub body: String,
}

/// A case as listed. Days are whole days, rounded down.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema, TS)]
#[ts(export)]
pub struct CaseSummary {
    pub id: Uuid,
    /// Human reference such as `KES-2026-000042`.
    pub reference: String,
    pub title: String,
    pub status: CaseStatus,
    pub priority: CasePriority,
    pub assignee: Option<UserRef>,
    #[ts(type = "number")]
    pub complaint_count: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// The last change of any kind (status, assignee, note, link...).
    pub last_action_at: DateTime<Utc>,
    /// When the agency first heard of the matter: the earliest linked complaint's
    /// receipt, or the case's creation.
    pub received_at: DateTime<Utc>,
    /// Days since `received_at`.
    #[ts(type = "number")]
    pub age_days: i64,
    /// Days since `last_action_at`.
    #[ts(type = "number")]
    pub idle_days: i64,
    /// Not closed, and idle or old beyond the configured limits, or a reporter of one of
    /// its portal complaints still waits for a first word (see `reporter_unanswered`).
    pub overdue: bool,
    /// A reporter of one of its portal complaints wrote last and waits for an answer.
    #[serde(default)]
    pub reporter_waiting: bool,
    /// A portal complaint of this case has had no word from an officer, and the case no
    /// status change, for longer than the acknowledgement limit.
    #[serde(default)]
    pub reporter_unanswered: bool,
    /// Changes with every write; send it back as `If-Match: "<version>"`.
    #[ts(type = "number")]
    pub version: i64,
}

/// An internal note on a case.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema, TS)]
#[ts(export)]
pub struct CaseNote {
    pub id: Uuid,
    pub author: UserRef,
    pub body: String,
    pub created_at: DateTime<Utc>,
}

/// What one timeline entry records. `kind` tells the variant.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema, TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[ts(export)]
pub enum TimelineWhat {
    /// The case was opened.
    Created {
        title: String,
        priority: CasePriority,
    },
    Status {
        from: CaseStatus,
        to: CaseStatus,
        reason: Option<String>,
    },
    Assignee {
        from: Option<UserRef>,
        to: Option<UserRef>,
    },
    Priority {
        from: CasePriority,
        to: CasePriority,
    },
    Title {
        from: String,
        to: String,
    },
    ComplaintLinked {
        complaint_id: Uuid,
        reference: String,
    },
    ComplaintUnlinked {
        complaint_id: Uuid,
        reference: String,
    },
    NoteAdded {
        note_id: Uuid,
    },
    /// A message in a portal complaint's thread: from the reporter (`who` is then the
    /// nil id named "reporter") or to them.
    Message {
        complaint_id: Uuid,
        reference: String,
        message_id: Uuid,
        from: crate::portal::MessageAuthor,
    },
}

/// One entry of a case's append-only timeline: who did what, when.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema, TS)]
#[ts(export)]
pub struct TimelineEntry {
    #[ts(type = "number")]
    pub id: i64,
    pub at: DateTime<Utc>,
    pub who: UserRef,
    pub what: TimelineWhat,
}

/// A case with its complaints, notes and timeline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema, TS)]
#[ts(export)]
pub struct CaseDetail {
    #[serde(flatten)]
    #[ts(flatten)]
    pub summary: CaseSummary,
    pub complaints: Vec<ComplaintSummary>,
    /// Oldest first.
    pub notes: Vec<CaseNote>,
    /// Oldest first.
    pub timeline: Vec<TimelineEntry>,
    /// The statuses this case may move to next.
    pub allowed_transitions: Vec<CaseStatus>,
}

/// The case a complaint belongs to, in brief.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema, TS)]
#[ts(export)]
pub struct CaseRef {
    pub id: Uuid,
    pub reference: String,
}

/// What two complaints have in common.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum RelatedKind {
    /// The same named person.
    Person,
    /// The same agency, council, ministry or company.
    Agency,
    /// The same sum of money.
    Amount,
    /// The same place as written.
    Place,
    /// The same state.
    State,
    /// Similar wording.
    Text,
}

/// One reason two complaints look related, and what it added to the score.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema, TS)]
#[ts(export)]
pub struct RelatedReason {
    pub kind: RelatedKind,
    /// The shared value as normalised (e.g. `ahmad bin ali`, `MYR 5000`), or for text the
    /// shared terms.
    pub value: String,
    pub weight: f64,
}

/// A complaint that looks related to another, best first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema, TS)]
#[ts(export)]
pub struct RelatedComplaint {
    pub complaint: ComplaintSummary,
    /// The sum of the reasons' weights.
    pub score: f64,
    pub reasons: Vec<RelatedReason>,
    /// The case it already belongs to, if any.
    pub case: Option<CaseRef>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn assignee_can_be_cleared_kept_or_set() {
        let clear: CaseChange = serde_json::from_str(r#"{"assignee_id": null}"#).unwrap();
        assert_eq!(clear.assignee_id, Some(None));
        let keep: CaseChange = serde_json::from_str(r#"{"title": "x"}"#).unwrap();
        assert_eq!(keep.assignee_id, None);
        let id = Uuid::nil();
        let set: CaseChange =
            serde_json::from_str(&format!(r#"{{"assignee_id": "{id}"}}"#)).unwrap();
        assert_eq!(set.assignee_id, Some(Some(id)));
    }

    #[test]
    fn closed_is_final_and_every_status_is_reachable() {
        assert!(CaseStatus::Closed.next().is_empty());
        for s in CaseStatus::ALL.into_iter().skip(1) {
            assert!(
                CaseStatus::ALL.iter().any(|from| from.may_move_to(s)),
                "{s:?} unreachable"
            );
        }
        assert!(!CaseStatus::Evaluation.may_move_to(CaseStatus::Closed));
    }

    #[test]
    fn timeline_is_tagged_by_kind() {
        let v = serde_json::to_value(TimelineWhat::Status {
            from: CaseStatus::Evaluation,
            to: CaseStatus::Nfa,
            reason: Some("no evidence".into()),
        })
        .unwrap();
        assert_eq!(v["kind"], "status");
        assert_eq!(v["to"], "nfa");
    }
}
