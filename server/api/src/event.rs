//! The change events of `GET /api/v1/events`: one kind per SSE `event:` name, one payload
//! type per kind. The server writes them, the desktop watcher and the UI read them; a kind
//! added here fails to compile wherever events are matched until it is handled.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use ts_rs::TS;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::complaint::ComplaintStatus;
use crate::processing::ProcessingStatus;

/// The name of an event on the stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema, TS)]
#[ts(export)]
pub enum EventKind {
    /// A complaint was accepted (intake).
    #[serde(rename = "complaint.created")]
    ComplaintCreated,
    /// A complaint's processing status changed (claimed, retried, failed, re-queued).
    #[serde(rename = "complaint.status_changed")]
    ComplaintStatusChanged,
    /// The enrichment of a complaint finished.
    #[serde(rename = "complaint.enriched")]
    ComplaintEnriched,
    /// An officer corrected a complaint's enrichment.
    #[serde(rename = "complaint.corrected")]
    ComplaintCorrected,
    /// A case changed (fields, notes, linked complaints).
    #[serde(rename = "case.updated")]
    CaseUpdated,
    /// Queue and worker figures, every few seconds, for admins only; not logged, no id.
    #[serde(rename = "processing.stats")]
    ProcessingStats,
    /// A message was added to a portal complaint's thread (by the reporter or an officer).
    #[serde(rename = "complaint.message")]
    ComplaintMessage,
}

impl EventKind {
    pub const ALL: [EventKind; 7] = [
        EventKind::ComplaintCreated,
        EventKind::ComplaintStatusChanged,
        EventKind::ComplaintEnriched,
        EventKind::ComplaintCorrected,
        EventKind::CaseUpdated,
        EventKind::ProcessingStats,
        EventKind::ComplaintMessage,
    ];

    pub const fn as_str(self) -> &'static str {
        match self {
            EventKind::ComplaintCreated => "complaint.created",
            EventKind::ComplaintStatusChanged => "complaint.status_changed",
            EventKind::ComplaintEnriched => "complaint.enriched",
            EventKind::ComplaintCorrected => "complaint.corrected",
            EventKind::CaseUpdated => "case.updated",
            EventKind::ProcessingStats => "processing.stats",
            EventKind::ComplaintMessage => "complaint.message",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// Whether events of this kind are about one complaint (and carry [`ComplaintEvent`]).
    pub const fn is_complaint(self) -> bool {
        match self {
            EventKind::ComplaintCreated
            | EventKind::ComplaintStatusChanged
            | EventKind::ComplaintEnriched
            | EventKind::ComplaintCorrected => true,
            EventKind::CaseUpdated | EventKind::ProcessingStats | EventKind::ComplaintMessage => {
                false
            }
        }
    }
}

/// The data of every complaint event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema, TS)]
#[ts(export)]
pub struct ComplaintEvent {
    /// The complaint's id (the same as `complaint_id`).
    pub id: Uuid,
    pub complaint_id: Uuid,
    /// Only on `complaint.created`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub reference: Option<String>,
    /// The processing status after the change.
    pub status: ComplaintStatus,
    /// Why it failed or is retried, when it did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub detail: Option<String>,
    pub at: DateTime<Utc>,
}

/// The data of `case.updated`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema, TS)]
#[ts(export)]
pub struct CaseEvent {
    /// The case's id (the same as `case_id`).
    pub id: Uuid,
    pub case_id: Uuid,
    pub reference: String,
    /// The case's version after the change (its `ETag`).
    #[ts(type = "number")]
    pub version: i64,
    /// The timeline kinds of the change, in order (`status`, `note_added`, …).
    pub changes: Vec<String>,
    /// Who made the change.
    pub by: Uuid,
    pub at: DateTime<Utc>,
}

/// The data of `complaint.message`. No text: a client reads the thread if it may.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema, TS)]
#[ts(export)]
pub struct MessageEvent {
    /// The message's id.
    pub id: Uuid,
    pub complaint_id: Uuid,
    pub reference: String,
    pub from: crate::portal::MessageAuthor,
    /// The case holding the complaint, and its assignee (whom a reporter's reply concerns).
    #[serde(default)]
    pub case_id: Option<Uuid>,
    #[serde(default)]
    pub assignee_id: Option<Uuid>,
    pub at: DateTime<Utc>,
}

/// The data of `processing.stats`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema, TS)]
#[ts(export)]
pub struct ProcessingStatsEvent {
    pub at: DateTime<Utc>,
    pub stats: ProcessingStatus,
}

/// One event: its kind and its typed data.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema, TS)]
#[serde(tag = "kind", content = "data")]
#[ts(export)]
pub enum Event {
    #[serde(rename = "complaint.created")]
    ComplaintCreated(ComplaintEvent),
    #[serde(rename = "complaint.status_changed")]
    ComplaintStatusChanged(ComplaintEvent),
    #[serde(rename = "complaint.enriched")]
    ComplaintEnriched(ComplaintEvent),
    #[serde(rename = "complaint.corrected")]
    ComplaintCorrected(ComplaintEvent),
    #[serde(rename = "case.updated")]
    CaseUpdated(CaseEvent),
    #[serde(rename = "processing.stats")]
    ProcessingStats(Box<ProcessingStatsEvent>),
    #[serde(rename = "complaint.message")]
    ComplaintMessage(MessageEvent),
}

/// Why an event could not be read.
#[derive(Debug)]
pub enum EventError {
    UnknownKind(String),
    Data(EventKind, serde_json::Error),
}

impl std::fmt::Display for EventError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            EventError::UnknownKind(k) => write!(f, "unknown event kind {k:?}"),
            EventError::Data(k, e) => write!(f, "malformed {} data: {e}", k.as_str()),
        }
    }
}

impl std::error::Error for EventError {}

impl Event {
    pub fn kind(&self) -> EventKind {
        match self {
            Event::ComplaintCreated(_) => EventKind::ComplaintCreated,
            Event::ComplaintStatusChanged(_) => EventKind::ComplaintStatusChanged,
            Event::ComplaintEnriched(_) => EventKind::ComplaintEnriched,
            Event::ComplaintCorrected(_) => EventKind::ComplaintCorrected,
            Event::CaseUpdated(_) => EventKind::CaseUpdated,
            Event::ProcessingStats(_) => EventKind::ProcessingStats,
            Event::ComplaintMessage(_) => EventKind::ComplaintMessage,
        }
    }

    /// The complaint data, for the four complaint kinds.
    pub fn complaint(&self) -> Option<&ComplaintEvent> {
        match self {
            Event::ComplaintCreated(c)
            | Event::ComplaintStatusChanged(c)
            | Event::ComplaintEnriched(c)
            | Event::ComplaintCorrected(c) => Some(c),
            Event::CaseUpdated(_) | Event::ProcessingStats(_) | Event::ComplaintMessage(_) => None,
        }
    }

    /// Read an event from its SSE name and `data:` text.
    pub fn from_parts(kind: &str, data: &str) -> Result<Self, EventError> {
        let kind = EventKind::parse(kind).ok_or_else(|| EventError::UnknownKind(kind.into()))?;
        Self::from_kind(kind, data)
    }

    /// Read an event of a known kind from its `data:` text.
    pub fn from_kind(kind: EventKind, data: &str) -> Result<Self, EventError> {
        let bad = |e| EventError::Data(kind, e);
        Ok(match kind {
            EventKind::ComplaintCreated => Event::ComplaintCreated(parse(data).map_err(bad)?),
            EventKind::ComplaintStatusChanged => {
                Event::ComplaintStatusChanged(parse(data).map_err(bad)?)
            }
            EventKind::ComplaintEnriched => Event::ComplaintEnriched(parse(data).map_err(bad)?),
            EventKind::ComplaintCorrected => Event::ComplaintCorrected(parse(data).map_err(bad)?),
            EventKind::CaseUpdated => Event::CaseUpdated(parse(data).map_err(bad)?),
            EventKind::ProcessingStats => Event::ProcessingStats(parse(data).map_err(bad)?),
            EventKind::ComplaintMessage => Event::ComplaintMessage(parse(data).map_err(bad)?),
        })
    }

    /// The `data:` text of this event on the stream.
    pub fn data_json(&self) -> String {
        let text = match self {
            Event::ComplaintCreated(c)
            | Event::ComplaintStatusChanged(c)
            | Event::ComplaintEnriched(c)
            | Event::ComplaintCorrected(c) => serde_json::to_string(c),
            Event::CaseUpdated(c) => serde_json::to_string(c),
            Event::ProcessingStats(s) => serde_json::to_string(s),
            Event::ComplaintMessage(m) => serde_json::to_string(m),
        };
        text.expect("event data serialises")
    }
}

fn parse<T: serde::de::DeserializeOwned>(data: &str) -> Result<T, serde_json::Error> {
    serde_json::from_str(data)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kind_names_match_serde() {
        for kind in EventKind::ALL {
            let json = serde_json::to_string(&kind).unwrap();
            assert_eq!(json, format!("\"{}\"", kind.as_str()));
            assert_eq!(EventKind::parse(kind.as_str()), Some(kind));
        }
        assert_eq!(EventKind::parse("complaint.deleted"), None);
    }

    #[test]
    fn complaint_events_round_trip_through_their_parts() {
        let data = ComplaintEvent {
            id: Uuid::nil(),
            complaint_id: Uuid::nil(),
            reference: Some("ADU-2026-000001".into()),
            status: ComplaintStatus::Queued,
            detail: None,
            at: Utc::now(),
        };
        let event = Event::ComplaintCreated(data);
        let back = Event::from_parts(event.kind().as_str(), &event.data_json()).unwrap();
        assert_eq!(back, event);
        assert!(back.kind().is_complaint());
    }

    #[test]
    fn unknown_kinds_and_bad_data_are_errors() {
        assert!(matches!(
            Event::from_parts("complaint.deleted", "{}"),
            Err(EventError::UnknownKind(_))
        ));
        assert!(matches!(
            Event::from_parts("complaint.enriched", "{\"id\": 1}"),
            Err(EventError::Data(EventKind::ComplaintEnriched, _))
        ));
    }
}
